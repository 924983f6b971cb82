"""The study's report.md: which parameters drive each output, in words.

Why apart: the words and their numbers, read from what ``pipeline.run`` gathered.
"""

from __future__ import annotations

import numpy as np

from accesssim.experiments.sensitivity.noise import UNSETTLED, WOBBLE_WEEKS, within_noise
from accesssim.outputs import indicators
from accesssim.specs.study import Study


def report(study: Study, done: dict) -> str:
    lines = [f"# Sensitivity: {study.name}", ""]
    if study.description:
        lines += [study.description, ""]
    lines += [
        f"Baseline `{study.baseline[0].name}`"
        + (f", policies {', '.join(study.policy_names)}" if study.policy_names else "")
        + f"; seeds {study.seeds} shared by every parameter set (common random numbers). "
        "Policy effects are policy − same-seed baseline. Ranges: `ranges.csv` "
        "(parameters.PARAMETERS). " + indicators.SYNTHETIC_NOTE,
        "",
    ]
    for method, rows, val in (
        ("morris", done["morris"], "mu_star"),
        ("sobol", done["sobol"], "ST"),
    ):
        if not rows:
            continue
        n = sum(c["total"] for k, c in done["counts"].items() if k == method)
        if method == "morris":
            lines += [
                f"## Morris screening (r = {study.morris['r']}, {study.morris['levels']} "
                f"levels, {n} runs)",
                "",
            ]
        else:
            lines += [f"## Sobol indices (N = {study.sobol['n']}, {n} runs)", ""]
        by: dict[str, list[dict]] = {}
        for r in rows:
            by.setdefault(r["output"], []).append(r)
        for out, rs in by.items():
            rs = sorted(rs, key=lambda r: -np.nan_to_num(r[val], nan=-1))
            if not np.isfinite(rs[0][val]):
                lines += [f"- **{out}**: not analysable ({rs[0]['note']}).", ""]
                continue
            nz = within_noise(done, method, out)
            if nz:
                lines += [
                    f"- **{out}**: not analysable: in {nz['unsettled_sets']} of {nz['sets']} "
                    f"parameter sets the weekly state did not settle, and there rounding alone "
                    f"can move {nz['basis']} by up to about {nz['noise']:.3g}, more than its "
                    f"median size ({nz['median_effect']:.3g}). Its indices are in the tables "
                    'but measure numerical noise (docs/sensitivity.md, "Numerical noise").',
                    "",
                ]
                continue
            top = rs[0][val]
            drivers = [r for r in rs if r[val] >= 0.1 * top and top > 0]
            if method == "morris":
                words = ", ".join(
                    f"{r['parameter']} (μ* {r['mu_star']:.3g} ± {r['mu_star_conf']:.2g}, "
                    f"σ {r['sigma']:.3g})"
                    for r in drivers[:5]
                )
                nil = [r["parameter"] for r in rs if r["mu_star"] == 0]
            else:
                words = ", ".join(
                    f"{r['parameter']} (ST {r['ST']:.2f} [{r['ST'] - r['ST_conf']:.2f}; "
                    f"{r['ST'] + r['ST_conf']:.2f}], S1 {r['S1']:.2f})"
                    for r in drivers[:5]
                )
                nil = []
            lines.append(
                f"- **{out}** is driven by {words}."
                if top > 0
                else f"- **{out}** does not move over these ranges."
            )
            if nil:
                lines.append(f"  No effect at all: {', '.join(nil)}.")
        lines.append("")
    unsettled = {
        (k, v["unsettled_sets"], v["sets"])
        for d in ("noise", "noise_sobol")
        for k, v in done.get(d, {}).items()
    }
    if any(u for _, u, _ in unsettled):
        worst = max(u / n for _, u, n in unsettled)
        lines += [
            f"Runs whose weekly state did not settle (national forgone care varying by more "
            f"than {UNSETTLED:.1%} a week over their last {WOBBLE_WEEKS} weeks): up to "
            f"{worst:.0%} of parameter sets for a policy. A policy effect smaller than what "
            "rounding can give those runs is reported as not analysable.",
            "",
        ]
    lines += [
        "μ*: mean absolute elementary effect (in the output's unit, over the parameter's whole "
        "range); σ large against μ*: non-linear or interacting. ST: share of the output's "
        "variance a parameter takes part in; S1: its share alone. Intervals: 95 % bootstrap.",
        "",
    ]
    return "\n".join(lines)
