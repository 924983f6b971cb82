"""An experiment definition: scenarios × parameter grid × seeds, parsed into its runs.

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
scenario's point unchanged, so a baseline runs once per seed. :func:`load` checks the file (its
errors are ``ScenarioError``s naming the file and key), expands the grid and makes one
:class:`Run` per scenario, distinct point and seed; ``experiments.sweep`` runs them.
"""

from __future__ import annotations

import copy
import dataclasses
import difflib
import hashlib
import itertools
import json
import math
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from accesssim.params import parameters
from accesssim.specs import scenario, schema
from accesssim.specs.scenario import ScenarioError

OUTPUTS = ("epci_yearly", "national_weekly", "policy_yearly", "groups_yearly", "epci_monthly")
DEFAULT_OUTPUTS = ("epci_yearly", "national_weekly", "policy_yearly")


def _outputs(v) -> str | None:
    ok = isinstance(v, list) and all(o in OUTPUTS for o in v)
    return None if ok else f"some of {list(OUTPUTS)}"


HEAD = schema.Table(
    "experiment",
    {
        "name": schema.Field(str, required=True, check=schema.file_name),
        "description": schema.Field(str, default=""),
        "scenarios": schema.Field(
            list,
            required=True,
            check=schema.non_empty_list(str, "a list of scenario files"),
            expected="a list of scenario files",
        ),
        "seeds": schema.Field(default=1),  # scenario.parse_seeds
        "outputs": schema.Field(list, default=list(DEFAULT_OUTPUTS), check=_outputs),
    },
)


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


CONFIRM_RUNS = 10_000  # above this many runs, the command line asks before preparing them


def load(
    path: str | Path, seeds: int | None = None, on_count: Callable[[int], None] | None = None
) -> Experiment:
    """Read and check an experiment file and make its runs. ``on_count(n)`` is called with the
    number of runs once the file is checked, before the grid is expanded and each point's
    scenario parsed (seconds per thousand runs): the command line asks there before a huge
    grid, and may raise to stop."""
    path = Path(path)
    where = str(path)
    raw, data = schema.read_toml(path, ScenarioError, "experiment file")
    schema.check_sections(data, {"experiment", "grid", "points"}, where, ScenarioError)
    head = schema.check_table(data.get("experiment"), HEAD, where, ScenarioError)
    name, files = head["name"], head["scenarios"]
    scenarios = []
    hasher = hashlib.sha256(raw)
    for f in files:
        p = (path.parent / f).resolve()
        raw_s, sdata = schema.read_toml(p, ScenarioError, "scenario file")  # read once
        sc = scenario.from_dict(copy.deepcopy(sdata), p, raw_s)  # errors name that file
        hasher.update(raw_s)
        scenarios.append((p, sdata, sc.name))
    names = [n for _, _, n in scenarios]
    if len(set(names)) != len(names):
        raise ScenarioError(f"{where}: [experiment].scenarios: two scenarios share a name {names}")
    seed_list = scenario.parse_seeds(
        head["seeds"] if seeds is None else seeds, f"{where}: [experiment].seeds"
    )
    outputs = head["outputs"]
    if "grid" in data and "points" in data:
        raise ScenarioError(f"{where}: give either [grid] or [[points]], not both")
    check_grid(data, where)
    valid = set().union(*(valid_keys(sd) for _, sd, _ in scenarios))
    keys = data["grid"] if "grid" in data else {k: 0 for p in data.get("points", []) for k in p}
    for key in keys:
        if key not in valid:
            close = difflib.get_close_matches(key, sorted(valid), n=3)
            hint = f"; close matches: {', '.join(close)}" if close else ""
            raise ScenarioError(
                f"{where}: grid key {key!r} is not a parameter of any scenario{hint}"
            )
    if on_count is not None:
        on_count(count_runs(data, [sd for _, sd, _ in scenarios], len(seed_list)))
    points = expand(data, where)
    exp = Experiment(
        name=name,
        path=path,
        description=head["description"],
        scenarios=[(p, sd) for p, sd, _ in scenarios],
        points=points,
        seeds=seed_list,
        outputs=tuple(outputs),
        definition_hash=hasher.hexdigest(),
    )
    exp.runs = make_runs(exp, [n for _, _, n in scenarios])
    return exp


def check_grid(data: dict, where: str) -> None:
    """The [grid] table or the [[points]] array is well formed (before anything is expanded)."""
    if "points" in data:
        pts = data["points"]
        if not isinstance(pts, list) or not pts or not all(isinstance(p, dict) for p in pts):
            raise ScenarioError(f"{where}: [[points]] must be a non-empty array of tables")
        for i, p in enumerate(pts):
            for key, value in p.items():
                _finite(value, f"{where}: [[points]] #{i + 1}.{key}")
        return
    grid = data.get("grid")
    if grid is None:
        return
    if not isinstance(grid, dict) or not grid:
        raise ScenarioError(
            f"{where}: [grid] is empty; give at least one key with a list of "
            "values, or drop the section"
        )
    for key, values in grid.items():
        if not isinstance(values, list) or not values:
            raise ScenarioError(f"{where}: [grid].{key}: expected a non-empty list of values")
        _finite(values, f"{where}: [grid].{key}")


def count_runs(data: dict, scenarios: list[dict], n_seeds: int) -> int:
    """How many runs ``make_runs`` will make, without expanding the grid: per scenario, the
    distinct settings of the grid keys it has (a key it lacks leaves it unchanged), × seeds."""
    total = 0
    for sdata in scenarios:
        valid = valid_keys(sdata)
        if "points" in data:
            distinct = {
                json.dumps({k: v for k, v in p.items() if k in valid}, sort_keys=True)
                for p in data["points"]
            }
            n = len(distinct)
        else:
            n = 1
            for key, values in (data.get("grid") or {}).items():
                if key in valid:
                    n *= len({json.dumps(v, sort_keys=True) for v in values})
        total += n * n_seeds
    return total


def expand(data: dict, where: str) -> list[dict]:
    """The grid's points: the cartesian product of [grid], or the [[points]] list."""
    check_grid(data, where)
    if "points" in data:
        return [dict(p) for p in data["points"]]
    grid = data.get("grid")
    if grid is None:
        return [{}]  # no grid: the scenarios as they are
    keys = list(grid)
    return [dict(zip(keys, combo, strict=True)) for combo in itertools.product(*grid.values())]


def _finite(value, where: str) -> None:
    """No NaN or infinity in a grid or point value (or in the lists it holds)."""
    if isinstance(value, float) and not math.isfinite(value):
        raise ScenarioError(f"{where}: expected finite numbers, got {value!r}")
    if isinstance(value, list | tuple):
        for v in value:
            _finite(v, where)
    elif isinstance(value, dict):
        for v in value.values():
            _finite(v, where)


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
