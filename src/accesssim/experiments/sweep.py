"""Experiments run: every run of an experiment definition (``specs.experiment``), locally or on
a Dask cluster, resumable.

Each run writes its results and a manifest under ``results/<experiment>/runs/<run-id>/`` through
a temporary folder renamed when complete; a rerun skips complete runs, so an interrupted sweep
resumes. A failing run records its traceback in ``runs/<run-id>.failed.json`` and the others go
on.
"""

from __future__ import annotations

import copy
import gc
import json
import multiprocessing
import os
import platform
import shutil
import sys
import time
import traceback
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

from tqdm import tqdm

from accesssim.experiments import runner
from accesssim.outputs import export, indicators
from accesssim.specs import scenario
from accesssim.specs.experiment import Experiment, Run
from accesssim.specs.scenario import ScenarioError
from accesssim.util import files as aio
from accesssim.util import provenance
from accesssim.util.version import __version__, model_version

SCHEDULER_TIMEOUT = "10s"  # how long to try reaching a Dask scheduler before saying so


# ---------------------------------------------------------------------- one run (in a worker)
def execute(
    run: Run, runs_dir: str, outputs: tuple[str, ...], policy_paths: dict | None = None
) -> dict:
    """Run one scenario point and seed; write its folder atomically. Never raises: a failure
    is written to ``<run-id>.failed.json`` and returned. ``policy_paths`` (kind -> import
    path): the policies registered in the parent, imported here first (a worker process starts
    with the built-in ones only)."""
    runs_dir = Path(runs_dir)
    tmp = run.temporary_dir(runs_dir)
    t0 = time.perf_counter()
    try:
        from accesssim.policies import registry

        registry.ensure_registered(policy_paths or {})
        if run.scenario is None:  # a Run made by hand from its data
            sc = scenario.from_dict(
                json.loads(json.dumps(run.data)), Path(run.scenario_path), seeds=None
            )
        else:
            sc = copy.copy(run.scenario)
        sc.seeds = [run.seed]
        result = runner.run(sc, show_progress=False)
        fresh_dir(tmp)
        tables = {
            "epci_yearly": result.yearly,
            "national_weekly": result.weekly,
            "policy_yearly": result.policy,
            "groups_yearly": result.groups,
            "epci_monthly": result.monthly,
        }
        for name in outputs:
            if tables[name]:
                rows = export.with_places(tables[name], result.territory)
                export.write_table(tmp, name, rows, parquet=False)
        key = key_outputs(result)
        manifest = {
            **run.identity(),
            "key_outputs": key,
            "accesssim_version": __version__,
            "model_version": model_version(),
            "python": platform.python_version(),
            "provenance": provenance.provenance(),
            "host": platform.node(),
            "seconds": round(time.perf_counter() - t0, 3),
        }
        return commit_run(runs_dir, run, tmp, manifest)
    except Exception:
        return record_failure(runs_dir, run, tmp)
    finally:
        release_run()


_FROZEN = False  # whether this worker process has moved its long-lived objects out of the GC


def release_run() -> None:
    """Free a finished run's model now. A model sits in reference cycles (Mesa's scheduled
    events hold its bound methods), which Python frees only at its occasional full
    collections: a worker running hundreds of runs grew by ~5 MB a run (measured: 298 MB
    after 16 runs and rising, 221 MB flat with a collection after each run). A worker
    process first moves what outlives every run (modules, the territory) out of the
    collector (``gc.freeze``), so each collection takes ~2 ms instead of ~60; ``sweep`` does
    the same around the runs it makes in its own process."""
    global _FROZEN
    gc.collect()
    if not _FROZEN and multiprocessing.parent_process() is not None:
        gc.freeze()
        _FROZEN = True


def fresh_dir(path: Path) -> None:
    """An empty folder at ``path`` (a leftover of a killed attempt is removed first)."""
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)


def commit_run(runs_dir: Path, run: Run, tmp: Path, manifest: dict) -> dict:
    """Finish a run written under ``tmp``: its manifest last, then one rename to the run's
    folder (atomic: a killed run leaves no folder that looks complete), and any earlier failure
    record removed."""
    aio.atomic_write_text(tmp / "manifest.json", json.dumps(manifest, indent=1))
    final = runs_dir / run.run_id
    if final.exists():
        shutil.rmtree(final)
    os.replace(tmp, final)
    (runs_dir / f"{run.run_id}.failed.json").unlink(missing_ok=True)
    return {"run_id": run.run_id, "ok": True}


def record_failure(runs_dir: Path, run: Run, tmp: Path) -> dict:
    """Called from an ``except`` block: drop the partial folder and write the traceback to
    ``<run-id>.failed.json`` (a sweep never raises for one run). When that record cannot be
    written either (a full disk), the reason is returned (``record_error``: the driver
    prints it)."""
    shutil.rmtree(tmp, ignore_errors=True)
    info = {**run.identity(), "ok": False, "traceback": traceback.format_exc()}
    path = runs_dir / f"{run.run_id}.failed.json"
    try:
        aio.atomic_write_text(path, json.dumps(info, indent=1))
    except OSError as exc:
        last = info["traceback"].strip().splitlines()[-1]
        info["record_error"] = (
            f"run {run.run_id} failed ({last}) and its failure record could not be written: "
            f"{exc.filename or path}: {exc.strerror or exc}"
        )
    return info


def key_outputs(result: runner.RunResult) -> dict:
    """Every registered indicator of one run (``indicators.seed_values``): last-year values
    ``last_<name>`` (``last_<name>_priority``, ``_other``: ``indicators.PRIORITY_GROUPS``) and
    horizon totals ``horizon_<name>`` (what summaries need)."""
    (values,) = indicators.seed_values(
        result.yearly, result.policy, indicators.PRIORITY_GROUPS
    ).values()
    return {k.replace(":", "_"): v for k, v in values.items()}


# ---------------------------------------------------------------------- the sweep
def is_complete(runs_dir: Path, run: Run) -> bool:
    m = runs_dir / run.run_id / "manifest.json"
    if not m.exists():
        return False
    try:
        return json.loads(m.read_text())["spec_hash"] == run.spec_hash
    except (ValueError, KeyError):
        return False


def prepare(exp: Experiment, results: str | Path, force: bool = False) -> Path:
    """Create or check ``results/<name>``: refuse a folder made by another definition."""
    root = Path(results) / exp.name
    (root / "runs").mkdir(parents=True, exist_ok=True)
    stamp = root / "experiment.json"
    if stamp.exists():
        old = json.loads(stamp.read_text())
        if old.get("definition_hash") != exp.definition_hash and not force:
            raise ScenarioError(
                f"{root} holds results of a different definition of experiment {exp.name!r} "
                f"(its experiment or scenario files changed since); use another results folder,"
                f" or --force to reuse it (runs whose inputs changed are then recomputed)"
            )
    aio.atomic_write_text(
        stamp,
        json.dumps(
            {
                "name": exp.name,
                "definition_hash": exp.definition_hash,
                "file": str(exp.path),
                "scenarios": [str(p) for p, _ in exp.scenarios],
                "points": exp.points,
                "seeds": exp.seeds,
                "outputs": list(exp.outputs),
                "runs": len(exp.runs),
                "accesssim_version": __version__,
                "model_version": model_version(),
            },
            indent=1,
            default=str,
        ),
    )
    return root


def sweep(
    exp: Experiment,
    results: str | Path = "results",
    workers: int | None = None,
    scheduler: str | None = None,
    dask_local: int | None = None,
    force: bool = False,
    show_progress: bool | None = None,
    limit: int | None = None,
    task=None,
) -> dict:
    """Run every incomplete run; returns counts. ``limit`` stops after that many (tests).
    ``task(run, runs_dir, outputs)`` does one run (default ``execute``; sensitivity.py gives
    its own, which writes only the figures it analyses)."""
    task = task or execute
    root = prepare(exp, results, force)
    runs_dir = root / "runs"
    todo = [r for r in exp.runs if not is_complete(runs_dir, r)]
    skipped = len(exp.runs) - len(todo)
    if limit is not None:
        todo = todo[:limit]
    counts = {"total": len(exp.runs), "skipped": skipped, "done": 0, "failed": 0}
    if not todo:
        return counts
    from accesssim.policies import registry

    extra = (registry.registered_paths(),)  # policies registered from Python, for the workers
    with tqdm(
        total=len(todo),
        unit="run",
        desc=exp.name,
        disable=None if show_progress is None else not show_progress,
    ) as bar:

        def tick(res):
            counts["done" if res["ok"] else "failed"] += 1
            if res.get("record_error"):  # no failed.json to read back: say it now
                tqdm.write(f"accesssim: {res['record_error']}", file=sys.stderr)
            bar.set_postfix(done=counts["done"], failed=counts["failed"])
            bar.update(1)

        if scheduler or dask_local:
            _run_dask(todo, runs_dir, (exp.outputs, *extra), scheduler, dask_local, tick, task)
        elif (workers or 1) <= 1:
            gc.collect()
            gc.freeze()  # the caller's objects stay out of each run's collection (release_run)
            try:
                for r in todo:
                    tick(task(r, str(runs_dir), exp.outputs, *extra))
            finally:
                gc.unfreeze()
        else:
            # spawn, not fork: forking a process that has threads (progress bar, Dask) can
            # deadlock its children
            ctx = multiprocessing.get_context("spawn")
            with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
                futures = [
                    pool.submit(task, r.portable(), str(runs_dir), exp.outputs, *extra)
                    for r in todo
                ]
                for f in as_completed(futures):
                    tick(f.result())
    return counts


def _run_dask(todo, runs_dir, args, scheduler, dask_local, tick, task=execute) -> None:
    try:
        from distributed import Client, LocalCluster
        from distributed import as_completed as dask_completed
    except ImportError:
        raise ScenarioError("Dask is not installed: pip install 'accesssim[dask]'") from None
    cluster = None
    try:
        if dask_local:
            cluster = LocalCluster(
                n_workers=dask_local, threads_per_worker=1, processes=True, dashboard_address=None
            )
            client = Client(cluster)
        else:
            try:
                client = Client(scheduler, timeout=SCHEDULER_TIMEOUT)
            except (OSError, TimeoutError) as exc:
                raise ScenarioError(
                    f"cannot reach the Dask scheduler at {scheduler!r} ({exc}); start one with "
                    f"`dask scheduler` and workers with `dask worker {scheduler}`"
                ) from None
        with client:
            futures = [
                client.submit(task, r.portable(), str(runs_dir), *args, pure=False) for r in todo
            ]
            for f in dask_completed(futures):
                tick(f.result())
    finally:
        if cluster is not None:
            cluster.close()


def failures(root: Path) -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted((root / "runs").glob("*.failed.json"))]
