"""``compare --uncertainty``: N parameter sets × the seeds, intervals over both, who beats whom.

Why apart: a comparison's parameter uncertainty, run through the same engine as a study
(``execute``) but with a Latin hypercube or Sobol sequence over every uncertain parameter and
the calibration's draws taken jointly; ``compare`` reports and writes it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from accesssim.experiments.sensitivity.execute import collect, run_stage
from accesssim.experiments.sensitivity.noise import rounding_noise
from accesssim.outputs import export, indicators
from accesssim.params import parameters
from accesssim.specs.ranges import Range, draw_tables, parameter_ranges, uncertain
from accesssim.specs.scenario import ScenarioError
from accesssim.specs.study import Study, read_toml
from accesssim.util import files as aio


@dataclass
class Uncertainty:
    n_sets: int
    seeds: list[int]
    policies: list[str]
    pairs: dict[str, list[dict]]  # policy -> per (set, seed) differences
    summary: dict[str, dict[str, tuple[float, float, float]]]  # policy -> metric -> interval
    beats: dict[tuple[str, str], float]  # (a, b) -> P(a avoids more forgone care than b)
    eur: dict[str, dict[str, float]]  # policy -> percentiles of euros per avoided, share ≤ 0
    ranges: list[Range]
    joint: list[str] = field(default_factory=list)  # drawn together from calibration draws
    # policy -> (pairs with an unsettled baseline or policy run, median of what rounding can
    # give forgone_avoided there): docs/sensitivity.md, "Numerical noise"
    unsettled: dict[str, tuple[int, float]] = field(default_factory=dict)


def uncertainty(base_sc, others, n: int, results, design="lhs", seed=1, **engine) -> Uncertainty:
    """N parameter sets (Latin hypercube or Sobol sequence over every uncertain parameter) ×
    the baseline's seeds, each set run for the baseline and every policy with the same seeds
    (common random numbers), through the sweep engine under ``results/uncertainty/``."""
    from scipy.stats import qmc

    if not isinstance(n, int) or n < 2:
        raise ScenarioError(f"--uncertainty: expected a number of parameter sets >= 2, got {n}")
    # fitted parameters with calibration draws are drawn jointly (one draw per set, chosen by
    # one more column of the design), the others independently over their ranges
    tables = draw_tables(base_sc.calibration)
    joint = [
        k
        for k in uncertain()
        if tables and parameters.PARAMETERS[k].status == "C" and all(k in t for t in tables)
    ]
    names = [k for k in uncertain() if k not in joint]
    ranges = parameter_ranges(names, base_sc.calibration, where="compare --uncertainty")
    d = len(ranges) + (1 if joint else 0)
    if design == "sobol":
        unit = qmc.Sobol(d, scramble=True, seed=seed).random(n)
    else:
        unit = qmc.LatinHypercube(d, seed=seed).random(n)
    extra = None
    if joint:
        pick = np.minimum((unit[:, -1] * len(tables)).astype(int), len(tables) - 1)
        extra = [{k: tables[j][k] for k in joint} for j in pick]

    def data(sc):
        _, d = read_toml(Path(sc.path)) if _is_file(sc) else (b"", sc.as_tables())
        d.setdefault("scenario", {})["seeds"] = list(base_sc.seeds)
        return Path(str(sc.path)), d

    h = hashlib.sha256()
    for sc in (base_sc, *others):
        if _is_file(sc):
            h.update(Path(sc.path).read_bytes())
        else:
            h.update(json.dumps(sc.as_tables(), sort_keys=True, default=str).encode())
    like = Study(
        name="uncertainty",
        path=Path(base_sc.path),
        description="compare --uncertainty",
        baseline=data(base_sc),
        policies=[data(sc) for sc in others],
        methods=[],
        parameter_names=[r.name for r in ranges],
        seeds=list(base_sc.seeds),
        outputs=[],
        morris={},
        sobol={},
        range_overrides={},
        calibration=base_sc.calibration,
        definition_hash=h.hexdigest() + design,
        policy_names=[sc.name for sc in others],
    )
    stage_dir, _ = run_stage(like, f"{design}{n}", unit, ranges, results, extra, **engine)
    names = [base_sc.name, *like.policy_names]
    values = collect(stage_dir, n, names, like.seeds)
    pairs = {
        p: [
            indicators.seed_differences(values[(i, base_sc.name, s)], values[(i, p, s)])
            for i in range(n)
            for s in like.seeds
        ]
        for p in like.policy_names
    }
    summary, eur = {}, {}
    for p, rows in pairs.items():
        summary[p] = {
            d.name: indicators.interval([r[d.name] for r in rows]) for d in indicators.differences()
        }
        eur[p] = indicators.cost_per_avoided_percentiles(
            [r["public_cost_eur"] for r in rows], [r["forgone_avoided_discounted"] for r in rows]
        )
    beats = {
        (a, b): indicators.probability_beats(
            [r["forgone_avoided"] for r in pairs[a]], [r["forgone_avoided"] for r in pairs[b]]
        )
        for a in pairs
        for b in pairs
        if a != b
    }
    unsettled = {}
    for p in like.policy_names:
        noise = [
            rounding_noise([values[(i, base_sc.name, s_)]], [values[(i, p, s_)]], "horizon:forgone")
            for i in range(n)
            for s_ in like.seeds
        ]
        noise = [r for r in noise if r is not None]
        unsettled[p] = (len(noise), float(np.median(noise)) if noise else 0.0)
    return Uncertainty(
        n, like.seeds, like.policy_names, pairs, summary, beats, eur, ranges, joint, unsettled
    )


def _is_file(sc) -> bool:
    return sc.path is not None and Path(sc.path).is_file()


def uncertainty_report(u: Uncertainty, seed_summary: dict | None = None) -> str:
    """The uncertainty section of compare.md: both intervals, labelled; who beats whom; €."""
    lines = [
        f"## Parameter uncertainty ({u.n_sets} parameter sets × {len(u.seeds)} seeds, "
        f"{len(u.ranges) + len(u.joint)} uncertain parameters)",
        "",
        *(
            [f"Fitted together from the calibration's draws: {', '.join(u.joint)}.", ""]
            if u.joint
            else []
        ),
        f"Each cell: median [{indicators.INTERVAL_LABELS['parameters+seeds']}]"
        + (f"; below it, {indicators.INTERVAL_LABELS['seeds']}." if seed_summary else "."),
        "",
        "| | " + " | ".join(u.policies) + " |",
        "|---|" + "---:|" * len(u.policies),
    ]
    for d in indicators.CURATED_DIFFERENCES:
        cells = []
        for p in u.policies:
            c = indicators.format_interval(d.format, *u.summary[p][d.name], style="band")
            if seed_summary and p in seed_summary:
                s = indicators.format_interval(d.format, *seed_summary[p][d.name], style="band")
                c += f"<br>seeds only: {s}"
            cells.append(c)
        lines.append(f"| {d.label} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "Probability that the row's policy avoids more forgone consultations (whole horizon) "
        "than the column's, over parameter sets × seeds (paired: same set, same seed):",
        "",
        "| | " + " | ".join(u.policies) + " |",
        "|---|" + "---:|" * len(u.policies),
    ]
    for a in u.policies:
        cells = ["–" if a == b else f"{u.beats[(a, b)]:.0%}" for b in u.policies]
        lines.append(f"| {a} | " + " | ".join(cells) + " |")
    shaky = {p: v for p, v in u.unsettled.items() if v[0]}
    if shaky:
        lines += [
            "",
            'Draws whose weekly state did not settle (docs/sensitivity.md, "Numerical '
            'noise"); there rounding alone can move forgone care avoided by about the amount '
            "given, so smaller differences between policies in those draws are noise: "
            + "; ".join(
                f"{p} {k} of {u.n_sets * len(u.seeds)} (±{v:,.0f})" for p, (k, v) in shaky.items()
            )
            + ".",
        ]
    lines += [
        "",
        "Euros per forgone consultation avoided across parameter sets × seeds (draws that "
        "avoid none are counted apart, never divided):",
        "",
        "| policy | avoids none | p5 | p25 | median | p75 | p95 |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for p in u.policies:
        e = u.eur[p]
        q = [e[k] for k in ("p05", "p25", "p50", "p75", "p95")]
        cells = " | ".join("n/a" if not np.isfinite(v) else f"{v:,.0f}" for v in q)
        lines.append(f"| {p} | {e['share_not_avoiding']:.0%} | {cells} |")
    return "\n".join(lines) + "\n"


def write_uncertainty(u: Uncertainty, out: Path) -> list[Path]:
    rows = [
        {"scenario": p, "metric": k, "median": m, "p05": lo, "p95": hi,
         "interval": "parameters+seeds"}
        for p, s in u.summary.items()
        for k, (m, lo, hi) in s.items()
    ]  # fmt: skip
    files = [out / "uncertainty_summary.csv", out / "uncertainty_beats.csv"]
    files.append(out / "uncertainty_eur_per_avoided.csv")
    aio.atomic_write_text(files[0], export.csv_text(rows))
    beats = [{"policy": a, "other": b, "p_avoids_more": v} for (a, b), v in u.beats.items()]
    aio.atomic_write_text(files[1], export.csv_text(beats))
    aio.atomic_write_text(files[2], export.csv_text([{"policy": p, **e} for p, e in u.eur.items()]))
    return files
