"""The page's effect table: what the policies avoided, by group of EPCIs, and what it cost.

Why a module of its own: these are the numbers the page prints as "the effect", so they
must mean what run, compare and sweep mean. They are computed here through the output
registry (``accesssim.outputs.indicators``: the indicators' columns and the renoncement
ratio, and ``eur_per_avoided_run`` for the euros per avoided consultation); the people who
forwent care come in already counted by ``core.metrics.people_who_forwent`` (``engine``).
Nothing here re-derives a formula.
"""

from __future__ import annotations

import numpy as np

from accesssim.outputs import indicators

# the page's totals and the registry indicators they are (None: no count in the registry,
# only its share, ``share_people_forwent``; the per-commune count is summed as it is)
TOTALS = {"needed": "needed", "forgone": "forgone", "ed": "ed_visits", "forwent": None}
RATE = "renoncement_rate"  # forgone / needed consultations


def _row(per_commune: dict[str, np.ndarray], mask: np.ndarray) -> dict[str, float]:
    """The masked communes' totals as one row in the registry's column names."""
    return {
        "needed": float(per_commune["needed"][mask].sum()),
        "forgone": float(per_commune["forgone"][mask].sum()),
        "ed_visits": float(per_commune["ed"][mask].sum()),
        "people_forwent": float(per_commune["forwent"][mask].sum()),
    }


def _value(key: str, row: dict[str, float]) -> float:
    name = TOTALS[key]
    return row["people_forwent"] if name is None else indicators.INDICATORS[name].value([row])


def policy_effects(
    policy: dict[str, np.ndarray],
    baseline: dict[str, np.ndarray],
    in_priority: np.ndarray,
    core: np.ndarray,
    cost: float,
) -> dict:
    """Every effect figure on the page, in one place: for the priority EPCIs, elsewhere and
    in all, consultations forgone, GP-treatable ED visits and people who forwent care,
    with policies and in the baseline, and what was avoided (baseline - policy); the cost
    and the euros per avoided forgone consultation (only when clearly positive: at least
    10 and 0.1 % of the baseline's forgone consultations, else None).

    ``policy`` and ``baseline`` hold per-commune totals since the start ("needed",
    "forgone", "ed", "forwent"); ``in_priority`` and ``core`` are per-commune masks."""
    groups = {"priority": core & in_priority, "elsewhere": core & ~in_priority, "all": core}
    runs = {"policy": policy, "baseline": baseline}
    out: dict = {"cost": float(cost)}
    for g, mask in groups.items():
        rows = {w: _row(per, mask) for w, per in runs.items()}
        row = {}
        for k in TOTALS:
            row[f"{k}_policy"] = _value(k, rows["policy"])
            row[f"{k}_baseline"] = _value(k, rows["baseline"])
            row[f"{k}_avoided"] = row[f"{k}_baseline"] - row[f"{k}_policy"]
        for w in runs:  # no consultation needed: a rate of 0 on the page (not the registry's NaN)
            row[f"rate_{w}"] = (
                indicators.INDICATORS[RATE].value([rows[w]]) if row[f"needed_{w}"] else 0
            )
        out[g] = row
    out["eur_per_avoided"] = indicators.eur_per_avoided_run(
        cost, out["all"]["forgone_avoided"], out["all"]["forgone_baseline"]
    )
    return out
