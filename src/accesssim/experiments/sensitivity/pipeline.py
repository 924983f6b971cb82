"""A study from file to report: load it, Morris then (if asked) Sobol, tables, figures, report.

Why apart: the entry points (``load``, ``run``) of ``accesssim sensitivity``; each step is
its own module.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from accesssim.experiments.sensitivity.design import (
    kept,
    morris_design,
    morris_indices,
    sobol_design,
    sobol_indices,
)
from accesssim.experiments.sensitivity.execute import collect, run_stage
from accesssim.experiments.sensitivity.figures import figures
from accesssim.experiments.sensitivity.measures import output_matrix, resolve_outputs
from accesssim.experiments.sensitivity.noise import numerical_noise
from accesssim.experiments.sensitivity.report import report
from accesssim.outputs import export
from accesssim.specs import study as study_file
from accesssim.specs.ranges import parameter_ranges
from accesssim.specs.study import Study
from accesssim.util import files as aio


def load(path: str | Path) -> Study:
    """The study file (``specs.study.load``), its output names checked against the
    indicators."""
    return study_file.load(path, check_outputs=resolve_outputs)


def run(study: Study, results="results", **engine) -> dict:
    """Morris then (if asked) Sobol; writes tables, figures and the report; returns them."""
    names = [study.baseline[1]["scenario"]["name"], *study.policy_names]
    outs = resolve_outputs(study.outputs, study.policy_names, str(study.path))
    root = Path(results) / study.name
    done: dict = {"root": root, "counts": {}}
    morris_rows, sobol_rows = [], []
    if "morris" in study.methods:
        ranges = parameter_ranges(
            study.parameter_names, study.calibration, study.range_overrides, str(study.path)
        )
        unit = morris_design(ranges, study.morris["r"], study.morris["levels"])
        stage_dir, done["counts"]["morris"] = run_stage(
            study, "morris", unit, ranges, results, **engine
        )
        values = collect(stage_dir, len(unit), names, study.seeds)
        ys = output_matrix(values, len(unit), names[0], outs, study.seeds)
        done["noise"] = numerical_noise(values, len(unit), names[0], outs, study.seeds)
        morris_rows = morris_indices(ranges, unit, ys, study.morris["levels"])
        aio.atomic_write_text(root / "morris_indices.csv", export.csv_text(morris_rows))
        done["morris_ranges"] = ranges
    if "sobol" in study.methods:
        sel = study.sobol["parameters"]
        sel = kept(morris_rows, study.sobol["keep"]) if sel == "kept" else sel
        if len(sel) < 2:
            sel = list(
                dict.fromkeys(
                    sel
                    + [
                        r["parameter"]
                        for r in sorted(morris_rows, key=lambda r: -np.nan_to_num(r["mu_star"]))
                    ]
                )
            )[:2]
        ranges = parameter_ranges(sel, study.calibration, study.range_overrides, str(study.path))
        unit = sobol_design(ranges, study.sobol["n"])
        stage_dir, done["counts"]["sobol"] = run_stage(
            study, "sobol", unit, ranges, results, **engine
        )
        values = collect(stage_dir, len(unit), names, study.seeds)
        ys = output_matrix(values, len(unit), names[0], outs, study.seeds)
        done["noise_sobol"] = numerical_noise(values, len(unit), names[0], outs, study.seeds)
        sobol_rows = sobol_indices(ranges, ys)
        aio.atomic_write_text(root / "sobol_indices.csv", export.csv_text(sobol_rows))
        done["sobol_ranges"] = ranges
    done["morris"], done["sobol"] = morris_rows, sobol_rows
    all_ranges = parameter_ranges(
        list(dict.fromkeys(study.parameter_names + [r["parameter"] for r in sobol_rows])),
        study.calibration,
        study.range_overrides,
        str(study.path),
    )
    aio.atomic_write_text(
        root / "ranges.csv",
        export.csv_text(
            [
                {
                    "parameter": r.name,
                    "distribution": r.distribution,
                    "low": r.low,
                    "high": r.high,
                    "step": r.step or "",
                    "source": r.source,
                }
                for r in all_ranges
            ]
        ),
    )
    done["figures"] = figures(done, root)
    aio.atomic_write_text(root / "report.md", report(study, done))
    return done
