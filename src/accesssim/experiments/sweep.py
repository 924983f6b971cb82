"""Experiments run: every run of an experiment definition (``specs.experiment``), locally or on
a Dask cluster, resumable.

Each run writes its results and a manifest under ``results/<experiment>/runs/<run-id>/`` through
a temporary folder renamed when complete; a rerun skips complete runs, so an interrupted sweep
resumes. A failing run records its traceback in ``runs/<run-id>.failed.json`` and the others go
on.

Results cannot silently go astray: the results folder is made absolute before any run is sent to
a worker (a worker's working directory is not the driver's), and on a Dask cluster the driver
checks after the first finished run that it can see that run's folder (workers and driver must
share a filesystem). ``--force`` moves the runs of an older definition aside (``stale-<date>/``)
and ``experiment.json`` lists the current runs, which are all ``summarize`` counts. Pool
workers end with the driver (``_die_with_parent``), and a lost scheduler or one that does not
answer is a ``ScenarioError`` saying so.
"""

from __future__ import annotations

import copy
import ctypes
import datetime
import gc
import json
import multiprocessing
import os
import platform
import shutil
import signal
import sys
import threading
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

# how long to try reaching a Dask scheduler before saying so (the environment variable
# ACCESSSIM_SCHEDULER_TIMEOUT overrides it, e.g. "30s" for a slow network)
SCHEDULER_TIMEOUT = "10s"


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


def key_outputs(result: runner.RunTables) -> dict:
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
        done = json.loads(m.read_text())
        # a run of another model version is not this run, even with the same inputs
        return done["spec_hash"] == run.spec_hash and done["model_version"] == model_version()
    except (ValueError, KeyError):
        return False


def prepare(exp: Experiment, results: str | Path, force: bool = False) -> Path:
    """Create or check ``results/<name>`` (an absolute path, whatever the working directory of
    the workers): refuse a folder made by another definition; with ``force``, move the runs
    that are not runs of this definition aside (``move_stale``)."""
    root = Path(os.path.abspath(results)) / exp.name
    (root / "runs").mkdir(parents=True, exist_ok=True)
    stamp = root / "experiment.json"
    if stamp.exists():
        old = json.loads(stamp.read_text())
        if old.get("definition_hash") != exp.definition_hash and not force:
            raise ScenarioError(
                f"{root} holds results of a different definition of experiment {exp.name!r} "
                f"(its experiment or scenario files changed since); use another results folder,"
                f" or --force to reuse it (runs of the old definition are then moved aside)"
            )
        if old.get("model_version", model_version()) != model_version() and not force:
            raise ScenarioError(
                f"{root} holds results of model version {old.get('model_version')}, this is "
                f"{model_version()}; use another results folder, or --force to reuse it (the "
                f"old runs are then moved aside)"
            )
    if force:
        move_stale(root / "runs", exp)
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
                # what summaries count: the runs of this definition, by id and spec hash
                "run_hashes": {r.run_id: r.spec_hash for r in exp.runs},
                "accesssim_version": __version__,
                "model_version": model_version(),
            },
            indent=1,
            default=str,
        ),
    )
    return root


def move_stale(runs_dir: Path, exp: Experiment) -> Path | None:
    """Move the runs (folders and failure records) that are not runs of ``exp`` as it is now
    (another run id, or the same id with other inputs or another model version) into
    ``<root>/stale-<date-time>/``; returns that folder, or None when every run is current."""
    current = {r.run_id: r.spec_hash for r in exp.runs}
    stale = []
    for p in sorted(runs_dir.iterdir()):
        if p.name.startswith(".tmp-"):
            continue  # a killed attempt's leftover: the run's next attempt replaces it
        if p.name.endswith(".failed.json"):
            if p.name.removesuffix(".failed.json") not in current:
                stale.append(p)
        elif p.is_dir():
            try:
                done = json.loads((p / "manifest.json").read_text())
                key = (done["spec_hash"], done["model_version"])
            except (OSError, ValueError, KeyError):
                key = None
            if key != (current.get(p.name), model_version()):
                stale.append(p)
    if not stale:
        return None
    dest = runs_dir.parent / f"stale-{datetime.datetime.now():%Y%m%d-%H%M%S-%f}"
    dest.mkdir()
    for p in stale:
        os.replace(p, dest / p.name)
    print(
        f"{exp.name}: moved {len(stale)} run(s) of an earlier definition to {dest}",
        file=sys.stderr,
    )
    return dest


def current_runs(root: Path) -> dict[str, str] | None:
    """Run id -> spec hash of the runs of the definition last run in ``root`` (None for a
    folder written before ``experiment.json`` listed them)."""
    return json.loads((Path(root) / "experiment.json").read_text()).get("run_hashes")


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
            with ProcessPoolExecutor(
                max_workers=workers,
                mp_context=ctx,
                initializer=_die_with_parent,
                initargs=(os.getpid(),),
            ) as pool:
                futures = [
                    pool.submit(task, r.portable(), str(runs_dir), exp.outputs, *extra)
                    for r in todo
                ]
                for f in as_completed(futures):
                    tick(f.result())
    return counts


PR_SET_PDEATHSIG = 1  # prctl(2) option: a signal sent to this process when its parent dies


def _die_with_parent(parent: int, poll: float = 0.5) -> None:
    """Pool-worker initializer: end this worker when the sweep driver ``parent`` dies, even by
    ``kill -9`` (no chance to shut its pool down). Otherwise the workers went on for their
    queue of runs, writing into the results folder, for 20 minutes and more. On Linux the kernel
    kills the worker at once (``prctl(PR_SET_PDEATHSIG)``); everywhere, a watchdog thread ends it
    within ``poll`` seconds once its parent id changes (the orphan is adopted by another
    process). The multiprocessing resource tracker then ends too (its last writer is gone)."""
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass  # the watchdog below still does it

    def watch():
        while os.getppid() == parent:
            time.sleep(poll)
        os._exit(1)

    if os.getppid() != parent:  # the driver died while this worker was starting
        os._exit(1)
    threading.Thread(target=watch, name="accesssim-parent-watchdog", daemon=True).start()


def scheduler_timeout() -> float:
    """Seconds to wait for a Dask scheduler (``SCHEDULER_TIMEOUT``, or the environment's)."""
    from dask.utils import parse_timedelta

    value = os.environ.get("ACCESSSIM_SCHEDULER_TIMEOUT") or SCHEDULER_TIMEOUT
    try:
        return float(parse_timedelta(value, default="seconds"))
    except (ValueError, KeyError, TypeError):
        raise ScenarioError(
            f"ACCESSSIM_SCHEDULER_TIMEOUT: expected a duration such as 10s or 30, got {value!r}"
        ) from None


def _run_dask(todo, runs_dir, args, scheduler, dask_local, tick, task=execute) -> None:
    from accesssim.experiments import sweep_dask

    sweep_dask.run(todo, runs_dir, args, scheduler, dask_local, tick, task, scheduler_timeout())


def failures(root: Path) -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted((root / "runs").glob("*.failed.json"))]
