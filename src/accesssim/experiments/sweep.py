"""Experiments: scenarios × parameter grid × seeds, run locally or on a Dask cluster, resumable.

An experiment file (TOML, ``experiments/``)::

    [experiment]
    name = "solidarity_dose"
    scenarios = ["../scenarios/baseline.toml", "../scenarios/solidarity_2025.toml"]
    seeds = 5                        # or a list; shared by every run (common random numbers)
    outputs = ["epci_yearly", "national_weekly", "policy_yearly"]

    [grid]                           # cartesian product; keys by name
    "solidarity_days.participation" = [0.01, 0.05, 0.1]   # <policy name>.<key>
    "solidarity_days.days_per_month" = [0.5, 2]           # (policies.0.<key> works too)

    # or instead of [grid], explicit points:
    # [[points]]
    # "parameters.ed_without_mt_rr" = 1.5

A grid key that a scenario does not have (e.g. a policy dose for the baseline) leaves that
scenario's point unchanged, so a baseline runs once per seed. Each run writes its results and a
manifest under ``results/<experiment>/runs/<run-id>/`` through a temporary folder renamed when
complete; a rerun skips complete runs, so an interrupted sweep resumes. A failing run records its
traceback in ``runs/<run-id>.failed.json`` and the others go on.
"""

from __future__ import annotations

import copy
import dataclasses
import difflib
import gc
import hashlib
import itertools
import json
import multiprocessing
import os
import platform
import shutil
import time
import tomllib
import traceback
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from accesssim.experiments import runner
from accesssim.outputs import export, indicators
from accesssim.params import parameters
from accesssim.specs import scenario
from accesssim.specs.scenario import ScenarioError
from accesssim.util import files as aio
from accesssim.util import provenance
from accesssim.util.version import __version__

OUTPUTS = ("epci_yearly", "national_weekly", "policy_yearly", "groups_yearly", "epci_monthly")
DEFAULT_OUTPUTS = ("epci_yearly", "national_weekly", "policy_yearly")
SCHEDULER_TIMEOUT = "10s"  # how long to try reaching a Dask scheduler before saying so


@dataclass
class Run:
    run_id: str
    scenario_name: str
    scenario_path: str
    data: dict  # the scenario as TOML data, with this point applied (hashed, for resuming)
    point: dict  # dotted key -> value actually applied
    seed: int
    spec_hash: str = ""
    scenario: scenario.Scenario | None = None  # ``data`` parsed and validated once

    def identity(self) -> dict:
        """What names the run in its manifest and failure record (resuming reads these)."""
        return {
            "run_id": self.run_id,
            "scenario": self.scenario_name,
            "point": self.point,
            "seed": self.seed,
            "spec_hash": self.spec_hash,
        }

    def temporary_dir(self, runs_dir: Path) -> Path:
        """Where this process writes the run before ``commit_run`` renames it into place."""
        return runs_dir / f".tmp-{self.run_id}-{os.getpid()}"

    def portable(self) -> Run:
        """The run as sent to another process: its data only (the worker parses it again, after
        importing the parent's Python policy classes), since a parsed scenario may hold
        policy objects of a class the worker cannot unpickle."""
        return dataclasses.replace(self, scenario=None)


@dataclass
class Experiment:
    name: str
    path: Path
    description: str
    scenarios: list[tuple[Path, dict]]
    points: list[dict]
    seeds: list[int]
    outputs: tuple[str, ...]
    definition_hash: str
    runs: list[Run] = field(default_factory=list)


# ---------------------------------------------------------------------- loading
def load(path: str | Path, seeds: int | None = None) -> Experiment:
    path = Path(path)
    where = str(path)
    try:
        raw = path.read_bytes()
        data = tomllib.loads(raw.decode("utf-8"))
    except OSError as exc:
        raise ScenarioError(f"{where}: cannot read the experiment file ({exc.strerror})") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"{where}: not valid TOML ({exc})") from exc
    unknown = set(data) - {"experiment", "grid", "points"}
    if unknown:
        raise ScenarioError(
            f"{where}: unknown section(s) {sorted(unknown)}; expected "
            "[experiment], [grid] or [[points]]"
        )
    head = data.get("experiment", {})
    for key in head:
        if key not in ("name", "description", "scenarios", "seeds", "outputs"):
            raise ScenarioError(f"{where}: [experiment] unknown key {key!r}")
    name = head.get("name")
    if not isinstance(name, str) or not name:
        raise ScenarioError(f"{where}: [experiment].name: expected a non-empty string")
    files = head.get("scenarios")
    if not isinstance(files, list) or not files or not all(isinstance(f, str) for f in files):
        raise ScenarioError(f"{where}: [experiment].scenarios: expected a list of scenario files")
    scenarios = []
    hasher = hashlib.sha256(raw)
    for f in files:
        p = (path.parent / f).resolve()
        sc = scenario.load(p)  # validates, with errors naming that file
        sdata = tomllib.loads(p.read_text(encoding="utf-8"))
        hasher.update(p.read_bytes())
        scenarios.append((p, sdata, sc.name))
    names = [n for _, _, n in scenarios]
    if len(set(names)) != len(names):
        raise ScenarioError(f"{where}: [experiment].scenarios: two scenarios share a name {names}")
    seed_list = scenario.parse_seeds(
        head.get("seeds", 1) if seeds is None else seeds, f"{where}: [experiment].seeds"
    )
    outputs = head.get("outputs", list(DEFAULT_OUTPUTS))
    bad = [o for o in outputs if o not in OUTPUTS] if isinstance(outputs, list) else [outputs]
    if bad:
        raise ScenarioError(
            f"{where}: [experiment].outputs: unknown {bad}; expected some of {list(OUTPUTS)}"
        )
    if "grid" in data and "points" in data:
        raise ScenarioError(f"{where}: give either [grid] or [[points]], not both")
    points = expand(data, where)
    valid = set().union(*(valid_keys(sd) for _, sd, _ in scenarios))
    for pt in points:
        for key in pt:
            if key not in valid:
                close = difflib.get_close_matches(key, sorted(valid), n=3)
                hint = f"; close matches: {', '.join(close)}" if close else ""
                raise ScenarioError(
                    f"{where}: grid key {key!r} is not a parameter of any scenario{hint}"
                )
    exp = Experiment(
        name=name,
        path=path,
        description=head.get("description", ""),
        scenarios=[(p, sd) for p, sd, _ in scenarios],
        points=points,
        seeds=seed_list,
        outputs=tuple(outputs),
        definition_hash=hasher.hexdigest(),
    )
    exp.runs = make_runs(exp, [n for _, _, n in scenarios])
    return exp


def expand(data: dict, where: str) -> list[dict]:
    """The grid's points: the cartesian product of [grid], or the [[points]] list."""
    if "points" in data:
        pts = data["points"]
        if not isinstance(pts, list) or not pts or not all(isinstance(p, dict) for p in pts):
            raise ScenarioError(f"{where}: [[points]] must be a non-empty array of tables")
        return [dict(p) for p in pts]
    grid = data.get("grid")
    if grid is None:
        return [{}]  # no grid: the scenarios as they are
    if not isinstance(grid, dict) or not grid:
        raise ScenarioError(
            f"{where}: [grid] is empty; give at least one key with a list of "
            "values, or drop the section"
        )
    for key, values in grid.items():
        if not isinstance(values, list) or not values:
            raise ScenarioError(f"{where}: [grid].{key}: expected a non-empty list of values")
    keys = list(grid)
    return [dict(zip(keys, combo, strict=True)) for combo in itertools.product(*grid.values())]


def _policy_names(sdata: dict) -> list[str]:
    from accesssim.policies import registry

    def default(kind):  # a "module:Class" type is named by the class's kind
        cls = registry.lookup(kind) if isinstance(kind, str) and ":" in kind else None
        return cls.kind if cls else kind

    return [str(pol.get("name", default(pol.get("type")))) for pol in sdata.get("policies", [])]


def valid_keys(sdata: dict) -> set[str]:
    """Keys a grid may set in this scenario: ``parameters.<name>``, ``scenario.years``,
    ``scenario.start_year``, and a policy's dose by its name (``solidarity_days.participation``;
    a policy's name defaults to its type) or by position (``policies.0.participation``)."""
    from accesssim.policies import registry

    keys = {f"parameters.{k}" for k in parameters.PARAMETERS}
    keys |= {"scenario.years", "scenario.start_year"}
    pols = sdata.get("policies", [])
    for i, (pol, name) in enumerate(zip(pols, _policy_names(sdata), strict=True)):
        cls = registry.lookup(pol.get("type"))
        if cls is not None:
            keys |= {f"policies.{i}.{k}" for k in cls.keys()}
            keys |= {f"{name}.{k}" for k in cls.keys()}
    return keys


def apply_point(sdata: dict, point: dict) -> tuple[dict, dict]:
    """A copy of the scenario with the point's keys set; returns it and the keys applied."""
    data = json.loads(json.dumps(sdata))
    keys = valid_keys(sdata)
    names = _policy_names(sdata)
    applied = {}
    for key, value in point.items():
        if key not in keys:
            continue  # a key of another scenario (e.g. a policy dose on the baseline)
        head, rest = key.split(".", 1)
        if head == "policies":
            index, field_name = rest.split(".", 1)
            data["policies"][int(index)][field_name] = value
        elif head in ("parameters", "scenario"):
            data.setdefault(head, {})[rest] = value
        else:
            for i, name in enumerate(names):  # every policy of that name
                if name == head:
                    data["policies"][i][rest] = value
        applied[key] = value
    return data, applied


def make_runs(exp: Experiment, names: list[str]) -> list[Run]:
    runs, seen = [], set()
    for (spath, sdata), name in zip(exp.scenarios, names, strict=True):
        for point in exp.points:
            data, applied = apply_point(sdata, point)
            key = json.dumps(applied, sort_keys=True)
            if (name, key) in seen:
                continue  # e.g. the baseline under a policy-dose grid: once per seed
            seen.add((name, key))
            pid = hashlib.sha256(key.encode()).hexdigest()[:8]
            try:  # each point's scenario parsed and validated once, before anything runs
                parsed = scenario.from_dict(json.loads(json.dumps(data)), Path(spath))
            except ScenarioError as exc:
                raise ScenarioError(f"{exc} (at grid point {applied})") from exc
            for seed in exp.seeds:
                spec = json.dumps([name, data, seed, list(exp.outputs)], sort_keys=True)
                runs.append(
                    Run(
                        run_id=f"{name}-{pid}-s{seed}",
                        scenario_name=name,
                        scenario_path=str(spath),
                        data=data,
                        point=applied,
                        seed=seed,
                        spec_hash=hashlib.sha256(spec.encode()).hexdigest(),
                        scenario=parsed,
                    )
                )
    return runs


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
    ``<run-id>.failed.json`` (a sweep never raises for one run)."""
    shutil.rmtree(tmp, ignore_errors=True)
    info = {**run.identity(), "ok": False, "traceback": traceback.format_exc()}
    aio.atomic_write_text(runs_dir / f"{run.run_id}.failed.json", json.dumps(info, indent=1))
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
