"""Compare policy scenarios with the baseline, with common random numbers.

Every scenario runs with the same seeds, so for each seed the difference policy − baseline
comes from the policy, not the noise; results are the median and a 90 % interval (5th-95th
percentiles) of those differences across seeds. A cost per avoided forgone consultation is
printed only where the avoided consultations are clearly positive (their interval above 0).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from accesssim import io as aio
from accesssim import runner, scenario

METRICS = {
    "forgone_avoided": "forgone consultations avoided (whole horizon)",
    "ed_avoided": "ED visits avoided (whole horizon)",
    "renoncement_change_priority_pp": "change in forgone/needed, priority EPCIs (points)",
    "renoncement_change_other_pp": "change in forgone/needed, other EPCIs (points)",
    "apl_change": "change in mean APL (last year)",
    "below_2_5_change": "change in population under APL 2.5 (last year)",
    "cost_eur": "cost (euros, whole horizon)",
    "eur_per_forgone_avoided": "euros per forgone consultation avoided",
}


@dataclass
class Comparison:
    baseline: runner.RunResult
    policies: dict[str, runner.RunResult]
    per_seed: list[dict] = field(default_factory=list)  # scenario, seed, metric values
    summary: dict[str, dict[str, tuple[float, float, float]]] = field(default_factory=dict)
    priority_sirens: frozenset = frozenset()
    sensitivity: dict[str, dict[float, tuple[float, float, float]]] = field(default_factory=dict)


def load_all(paths, seeds: int | None = None) -> tuple[scenario.Scenario, list]:
    scs = [scenario.load(p, seeds=seeds) for p in paths]
    bases = [s for s in scs if not s.policies]
    if not bases:
        raise scenario.ScenarioError(
            "compare needs a baseline among the files: a scenario with no [[policies]] "
            "(e.g. scenarios/baseline.toml)"
        )
    base = bases[0]
    others = [s for s in scs if s is not base]
    if not others:
        raise scenario.ScenarioError(
            "compare needs at least one policy scenario besides the baseline"
        )
    for s in others:
        for key in ("territory", "years", "start_year"):
            if getattr(s, key) != getattr(base, key):
                raise scenario.ScenarioError(
                    f"{s.path}: [{'territory' if key == 'territory' else 'scenario'}] {key} "
                    f"{getattr(s, key)!r} differs from the baseline's ({base.path}: "
                    f"{getattr(base, key)!r}); compared scenarios must share it"
                )
        s.seeds = list(base.seeds)  # common random numbers
    names = [s.name for s in scs]
    if len(set(names)) != len(names):
        raise scenario.ScenarioError(f"scenario names must differ, got {names}")
    return base, others


def _by_seed(result: runner.RunResult, priority: frozenset) -> dict[int, dict]:
    """Per seed: horizon totals, last-year rates by group, last-year APL figures, cost."""
    last = max(r["year"] for r in result.yearly)
    out: dict[int, dict] = {}
    for r in result.yearly:
        d = out.setdefault(
            r["seed"],
            dict.fromkeys(
                ("forgone", "ed", "f_p", "n_p", "f_o", "n_o", "apl_pop", "pop", "below", "cost"),
                0.0,
            ),
        )
        d["forgone"] += r["forgone"]
        d["ed"] += r["ed_visits"]
        if r["year"] == last:
            grp = "p" if r["epci"] in priority else "o"
            d[f"f_{grp}"] += r["forgone"]
            d[f"n_{grp}"] += r["needed"]
            d["apl_pop"] += r["apl"] * r["population"]
            d["pop"] += r["population"]
            d["below"] += r["population_below_2_5"]
    for r in result.policy:
        out[r["seed"]]["cost"] += r["cost_eur"]
    return out


def _rate(f, n):
    return f / n if n > 0 else np.nan


def differences(base: dict, pol: dict) -> dict[str, float]:
    d = {
        "forgone_avoided": base["forgone"] - pol["forgone"],
        "ed_avoided": base["ed"] - pol["ed"],
        "renoncement_change_priority_pp": 100
        * (_rate(pol["f_p"], pol["n_p"]) - _rate(base["f_p"], base["n_p"])),
        "renoncement_change_other_pp": 100
        * (_rate(pol["f_o"], pol["n_o"]) - _rate(base["f_o"], base["n_o"])),
        "apl_change": pol["apl_pop"] / max(pol["pop"], 1) - base["apl_pop"] / max(base["pop"], 1),
        "below_2_5_change": pol["below"] - base["below"],
        "cost_eur": pol["cost"],
    }
    return d


def interval(values) -> tuple[float, float, float]:
    v = np.asarray([x for x in values if np.isfinite(x)], float)
    if not len(v):
        return (np.nan, np.nan, np.nan)
    return (float(np.median(v)), float(np.percentile(v, 5)), float(np.percentile(v, 95)))


def compare(
    paths, seeds: int | None = None, ed_sensitivity: bool = False, show_progress: bool | None = None
) -> Comparison:
    from accesssim import priority

    base_sc, others = load_all(paths, seeds)
    try:
        prio = priority.national_selection()["sirens"]
    except Exception:  # a synthetic or custom territory file: fall back to the confirmed flag
        prio = frozenset()
    base = runner.run(base_sc, show_progress=show_progress)
    if not prio:
        prio = frozenset(r["epci"] for r in base.yearly if r["priority_confirmed"])
    cmp = Comparison(base, {}, priority_sirens=prio)
    b = _by_seed(base, prio)
    for sc in others:
        res = runner.run(sc, show_progress=show_progress)
        cmp.policies[sc.name] = res
        p = _by_seed(res, prio)
        rows = []
        for seed in base_sc.seeds:
            d = differences(b[seed], p[seed])
            rows.append(d)
            cmp.per_seed.append({"scenario": sc.name, "seed": seed, **d})
        summ = {k: interval([r[k] for r in rows]) for k in rows[0]}
        avoided = summ["forgone_avoided"]
        if avoided[1] > 0 and summ["cost_eur"][0] > 0:
            summ["eur_per_forgone_avoided"] = interval(
                [r["cost_eur"] / r["forgone_avoided"] for r in rows]
            )
        else:
            summ["eur_per_forgone_avoided"] = (np.nan, np.nan, np.nan)
        cmp.summary[sc.name] = summ
    if ed_sensitivity:
        cmp.sensitivity = ed_unmet_sensitivity(base_sc, others, prio, show_progress)
    return cmp


def ed_unmet_sensitivity(base_sc, others, prio, show_progress=None, values=(0.0, 0.6)):
    """ED visits avoided when the share of avoidable ED visits due to unmet GP need is at the
    ends of its range (the baseline's total is kept: the other ED channel takes the rest)."""
    out: dict[str, dict[float, tuple]] = {sc.name: {} for sc in others}
    for v in values:

        def with_share(sc, v=v):
            s = scenario.from_dict(
                {
                    "scenario": {
                        "name": sc.name,
                        "years": sc.years,
                        "start_year": sc.start_year,
                        "seeds": sc.seeds,
                    },
                    "territory": dict(sc.territory),
                    "parameters": {**sc.parameters, **_ed_params(v)},
                    "policies": sc.policies,
                }
            )
            return runner.run(s, show_progress=show_progress)

        b = _by_seed(with_share(base_sc), prio)
        for sc in others:
            p = _by_seed(with_share(sc), prio)
            out[sc.name][v] = interval([b[s]["ed"] - p[s]["ed"] for s in base_sc.seeds])
    return out


def _ed_params(share: float) -> dict:
    """ED rates rescaled so the baseline's avoidable ED total is unchanged at another split."""
    from accesssim import parameters

    p = parameters.defaults()
    s0 = p["ed_unmet_share"]
    return {
        "ed_unmet_share": share,
        "ed_without_mt_rate": min(0.9, p["ed_without_mt_rate"] * (1 - share) / (1 - s0)),
        "ed_unserved_rate": min(1 - p["giveup_unserved"], p["ed_unserved_rate"] * share / s0),
    }


# ---------------------------------------------------------------------- outputs
def _fmt(key, v) -> str:
    if not np.isfinite(v):
        return "n/a"
    if key.endswith("_pp"):
        return f"{v:+.3f}"
    if key == "apl_change":
        return f"{v:+.3f}"
    if key in ("cost_eur", "eur_per_forgone_avoided"):
        return f"{v:,.0f}"
    return f"{v:+,.0f}"


def report_markdown(cmp: Comparison) -> str:
    sc = cmp.baseline.scenario
    n = len(sc.seeds)
    names = list(cmp.summary)
    lines = [
        f"# Policy comparison: {', '.join(names)} against {sc.name}",
        "",
        f"Territory: {runner.territory_label(sc)}; {sc.years} years from {sc.start_year}; "
        f"{n} seeds shared by every scenario (common random numbers). Each cell: median "
        f"[90 % interval] across seeds of the difference with the baseline.",
        "",
        f"> {runner.SYNTHETIC_NOTE}",
        "",
        "| | " + " | ".join(names) + " |",
        "|---|" + "---:|" * len(names),
    ]
    for key, label in METRICS.items():
        cells = []
        for name in names:
            med, lo, hi = cmp.summary[name][key]
            if key == "eur_per_forgone_avoided" and not np.isfinite(med):
                cells.append("not supported¹")
            else:
                cells.append(f"{_fmt(key, med)} [{_fmt(key, lo)}; {_fmt(key, hi)}]")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "¹ Printed only when the forgone consultations avoided are above zero over the whole "
        "90 % interval and the policy has a cost.",
        "",
        "Priority EPCIs: the 2025 list (58 confirmed EPCIs completed to 151 by the model's "
        "index, `priority.py`). A positive change in forgone/needed for the other EPCIs is care "
        "displaced by the policy (volunteers' home patients lose the days they give).",
        "",
        "## What the ED results depend on",
        "",
        "National and regional studies found no correlation between GP accessibility and ED "
        "use (CNAM 2024, ORU Occitanie 2021). The share of avoidable ED visits caused by unmet "
        "GP need (`ed_unmet_share`) is therefore an assumption (0.3, range 0–0.6); ED visits "
        "avoided scale with it.",
    ]
    if cmp.sensitivity:
        lines += [
            "",
            "| ED visits avoided, ed_unmet_share = | "
            + " | ".join(f"{v:g}" for v in next(iter(cmp.sensitivity.values())))
            + " |",
            "|---|" + "---:|" * len(next(iter(cmp.sensitivity.values()))),
        ]
        for name, by_v in cmp.sensitivity.items():
            lines.append(
                f"| {name} | "
                + " | ".join(
                    f"{_fmt('ed', m)} [{_fmt('ed', lo)}; {_fmt('ed', hi)}]"
                    for m, lo, hi in by_v.values()
                )
                + " |"
            )
    else:
        lines += ["", "Rerun with `--ed-sensitivity` to see ED visits avoided at 0 and 0.6."]
    lines += [
        "",
        "Forgone care and APL do not depend on that parameter. Other assumptions that matter: "
        "volunteer uptake calibrated to the pilot's reported figures (0.22 days a month per "
        "volunteer), the extra capacity GPs give under pressure (`capacity_flex`), and the "
        "travel-time proxy. See docs/ODD.md and parameters.py.",
        "",
    ]
    return "\n".join(lines)


def write(cmp: Comparison, out: str | Path) -> list[Path]:
    from accesssim import plots

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    files = []
    aio.atomic_write_text(out / "compare_runs.csv", runner.csv_text(cmp.per_seed))
    files.append(out / "compare_runs.csv")
    rows = [
        {"scenario": name, "metric": k, "median": m, "p05": lo, "p95": hi}
        for name, s in cmp.summary.items()
        for k, (m, lo, hi) in s.items()
    ]
    aio.atomic_write_text(out / "compare_summary.csv", runner.csv_text(rows))
    files.append(out / "compare_summary.csv")
    files += plots.compare_figures(cmp, out)
    aio.atomic_write_text(out / "compare.md", report_markdown(cmp))
    files.append(out / "compare.md")
    return files
