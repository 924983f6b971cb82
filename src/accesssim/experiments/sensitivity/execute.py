"""A design's runs through the sweep engine: one parameter set, scenario and seed per run.

Why apart: ``execute`` is the task the sweep engine's workers run (it keeps the territory per
worker process); ``run_stage`` and ``collect`` are shared by the study (``pipeline``) and by
``compare --uncertainty`` (``uncertainty``).
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path

import numpy as np

from accesssim.experiments import runner, sweep
from accesssim.experiments.sensitivity.noise import weekly_wobble
from accesssim.outputs import indicators
from accesssim.specs import experiment, scenario
from accesssim.specs.ranges import apply_values
from accesssim.specs.scenario import ScenarioError
from accesssim.util.version import model_version

# ---------------------------------------------------------------------- one run (a worker)
_TERRITORIES: dict[str, object] = {}


def _territory(sc):
    """The selection, loaded once per worker process (every run of a study shares it)."""
    sel = sc.territory  # a dict, or a selection object with as_table()
    key = json.dumps(sel.as_table() if hasattr(sel, "as_table") else sel, sort_keys=True)
    if key not in _TERRITORIES:
        _TERRITORIES[key] = sc.load_territory()
    return _TERRITORIES[key]


def execute(run: experiment.Run, runs_dir: str, outputs=(), policy_paths=None) -> dict:
    """One parameter set, scenario and seed; writes ``runs/<id>/manifest.json`` with every
    indicator (in priority EPCIs and others too) through a temporary folder. Never raises.
    ``policy_paths``: as ``sweep.execute`` (policies registered in the parent process)."""
    runs_dir = Path(runs_dir)
    tmp = run.temporary_dir(runs_dir)
    t0 = time.perf_counter()
    try:
        from accesssim.policies import registry

        registry.ensure_registered(policy_paths or {})
        sc = scenario.from_dict(json.loads(json.dumps(run.data)), Path(run.scenario_path))
        t = _territory(sc)
        m = runner.run_one(sc, run.seed, t)
        yearly = [{"seed": run.seed, **r} for r in m.yearly_rows]
        policy = [{"seed": run.seed, **r} for r in m.policy_rows]
        # the confirmed 58, as run, compare and sweep (indicators.PRIORITY_GROUPS)
        (values,) = indicators.seed_values(yearly, policy, indicators.PRIORITY_GROUPS).values()
        values["weekly_wobble"] = weekly_wobble(m.datacollector.model_vars["forgone"])
        sweep.fresh_dir(tmp)
        manifest = {
            **run.identity(),
            "values": values,
            "model_version": model_version(),
            "seconds": round(time.perf_counter() - t0, 3),
        }
        return sweep.commit_run(runs_dir, run, tmp, manifest)
    except Exception:
        return sweep.record_failure(runs_dir, run, tmp)
    finally:
        sweep.release_run()


# ---------------------------------------------------------------------- design → runs → Y
def design_runs(study_like, stage: str, unit, ranges, extra=None) -> list[experiment.Run]:
    """Runs for each row of ``unit`` (parameter sets in the unit cube) × scenario × seed;
    ``extra[i]`` adds values set jointly (the calibration's draws)."""
    scens = [study_like.baseline, *study_like.policies]
    runs = []
    for i, row in enumerate(unit):
        point = {r.name: r.value(float(u)) for r, u in zip(ranges, row[: len(ranges)], strict=True)}
        point.update(extra[i] if extra else {})
        for spath, sdata in scens:
            data = apply_values(json.loads(json.dumps(sdata)), point)
            sname = data["scenario"]["name"]
            for seed in study_like.seeds:
                spec = json.dumps([stage, sname, data, seed], sort_keys=True, default=list)
                runs.append(
                    experiment.Run(
                        run_id=f"{stage}-{i:05d}-{sname}-s{seed}",
                        scenario_name=sname,
                        scenario_path=str(spath),
                        data=data,
                        point={"set": i, **{k: _plain(v) for k, v in point.items()}},
                        seed=seed,
                        spec_hash=hashlib.sha256(spec.encode()).hexdigest(),
                    )
                )
    return runs


def _plain(v):
    return [_plain(x) for x in v] if isinstance(v, tuple) else v


def run_stage(study_like, stage, unit, ranges, results, extra=None, **engine):
    """Run a design through the sweep engine under ``results/<name>/<stage>``."""
    runs = design_runs(study_like, stage, unit, ranges, extra)
    h = hashlib.sha256((study_like.definition_hash + stage).encode())
    h.update(np.ascontiguousarray(unit).tobytes())
    exp = experiment.Experiment(
        name=stage,
        path=study_like.path,
        description=study_like.description,
        scenarios=[],
        points=[],
        seeds=study_like.seeds,
        outputs=(),
        definition_hash=h.hexdigest(),
        runs=runs,
    )
    # absolute before any run goes to a worker: a Dask worker's working directory is its own
    root = Path(os.path.abspath(results)) / study_like.name
    counts = sweep.sweep(exp, root, task=execute, **engine)
    return root / stage, counts


def collect(stage_dir: Path, n_sets: int, names: list[str], seeds: list[int]) -> dict:
    """{(set, scenario, seed): values} of complete runs; raise naming the failures."""
    out = {}
    missing = []
    for i in range(n_sets):
        for s in names:
            for seed in seeds:
                m = stage_dir / "runs" / f"{stage_dir.name}-{i:05d}-{s}-s{seed}" / "manifest.json"
                if m.exists():
                    out[(i, s, seed)] = json.loads(m.read_text())["values"]
                else:
                    missing.append(m.parent.name)
    if missing:
        raise ScenarioError(
            f"{stage_dir}: {len(missing)} run(s) missing or failed (e.g. {missing[0]}); see "
            f"{stage_dir / 'runs'}/*.failed.json, then rerun to resume"
        )
    return out
