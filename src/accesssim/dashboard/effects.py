"""The page's effect table: what the policies avoided, by group of EPCIs, and what it cost.

Why a module of its own: these are the numbers the page prints as "the effect", so they
must mean what run, compare and sweep mean. They are computed here through the output
registry (``accesssim.outputs.indicators``: the indicators' columns and the renoncement
ratio, and ``eur_per_avoided_run`` for the euros per avoided consultation); the people who
forwent care come in already counted by ``core.metrics.people_who_forwent`` (``engine``).
Nothing here re-derives a formula.

Across seeds (``seed_intervals``) the page shows what ``accesssim compare`` prints: the
median and the 90 % interval (5th-95th percentiles, ``indicators.interval``) of each seed's
policy − baseline difference (common random numbers), and the euros per avoided consultation
only when the avoided consultations are clearly positive over the whole interval
(``indicators.cost_per_avoided``). An effect whose interval holds zero cannot be told from
seed noise (``distinguishable``).
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


MIN_SEEDS_FOR_INTERVAL = 3  # fewer seeds: the page shows no interval and no noise flag
AVOIDED = ("forgone_avoided", "ed_avoided", "forwent_avoided")


def distinguishable(lo: float, hi: float) -> bool:
    """An effect can be told from seed noise when its 90 % interval across seeds excludes
    zero: the rule ``compare`` applies before it prints a cost per avoided event
    (``indicators.cost_per_avoided``: 5th percentile above 0), on either side. Exactly zero
    in every seed is no effect, not noise (True)."""
    return bool(lo > 0 or hi < 0 or lo == hi == 0)


def seed_intervals(per_seed: list[dict]) -> dict:
    """Median and 90 % interval across seeds of every figure of ``policy_effects`` (one dict
    per seed, same seeds for policy and baseline): ``{group: {key: (median, p05, p95)}}``,
    ``"cost"``: an interval, ``"eur_per_avoided"``: an interval (NaNs when the avoided
    consultations are not clearly positive; one seed: ``eur_per_avoided_run``'s rule), and
    ``"noise"``: ``{group: {avoided key: True when not distinguishable}}`` (empty under
    ``MIN_SEEDS_FOR_INTERVAL`` seeds)."""
    groups = [g for g, d in per_seed[0].items() if isinstance(d, dict)]
    out: dict = {
        g: {k: indicators.interval([s[g][k] for s in per_seed]) for k in per_seed[0][g]}
        for g in groups
    }
    out["cost"] = indicators.interval([s["cost"] for s in per_seed])
    if len(per_seed) == 1:
        e = per_seed[0]["eur_per_avoided"]
        out["eur_per_avoided"] = (np.nan,) * 3 if e is None else (e, e, e)
    else:
        out["eur_per_avoided"] = indicators.cost_per_avoided(
            [s["cost"] for s in per_seed], [s["all"]["forgone_avoided"] for s in per_seed]
        )
    out["noise"] = (
        {g: {k: not distinguishable(*out[g][k][1:]) for k in AVOIDED} for g in groups}
        if len(per_seed) >= MIN_SEEDS_FOR_INTERVAL
        else {}
    )
    out["n_seeds"] = len(per_seed)
    return out


def medians(intervals: dict) -> dict:
    """The ``policy_effects`` dict of the medians of ``seed_intervals`` (what the page shows
    as "the effect")."""
    out = {g: {k: v[0] for k, v in d.items()} for g, d in intervals.items()
           if isinstance(d, dict) and g != "noise"}  # fmt: skip
    out["cost"] = intervals["cost"][0]
    e = intervals["eur_per_avoided"][0]
    out["eur_per_avoided"] = None if not np.isfinite(e) else float(e)
    return out
