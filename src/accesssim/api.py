"""The Python API: run and compare scenarios from a notebook or a script, tables as pandas
DataFrames.

``accesssim.run`` and ``accesssim.compare`` are the ``accesssim run`` and ``accesssim
compare`` commands without the shell: the same code (``runner``, ``compare``, ``export``),
the same numbers, and, when ``out`` is given, the same files. Example::

    import accesssim

    res = accesssim.run("scenarios/baseline.toml", seeds=2)
    res.yearly            # one row per seed, year and EPCI, with place columns
    cmp = accesssim.compare("scenarios/baseline.toml", "scenarios/solidarity_2025.toml")
    cmp.summary           # median and 90 % interval of every policy - baseline difference

Tables hold the rows written to the CSV files (place columns included): codes (``commune``,
``epci``, ``departement``, ``region``) are strings, numbers are the same floats.

A policy class defined in Python is registered with ``accesssim.register_policy`` and then
used by its ``kind`` in scenario files, ``compare`` and sweeps. Sweep workers are separate
processes that start with the built-in policies only: each imports the classes registered in
the parent from their module (``"package.module:Class"``), so define the class at the top level
of an importable module (or of the script being run), not in a notebook cell. A scenario file
may also name the class directly: ``type = "package.module:Class"``.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from accesssim.experiments import compare as compare_mod
from accesssim.experiments import runner
from accesssim.outputs import export, indicators, reports
from accesssim.policies import registry
from accesssim.specs import scenario

register_policy = registry.register

TABLES = {  # attribute -> (RunResult field, file name of the CLI)
    "weekly": ("weekly", "national_weekly"),
    "monthly": ("monthly", "epci_monthly"),
    "yearly": ("yearly", "epci_yearly"),
    "groups": ("groups", "groups_yearly"),
    "communes": ("communes", "communes_yearly"),
    "policy": ("policy", "policy_yearly"),
}
CODE_COLUMNS = ("commune", "epci", "departement", "region", "cog")


def frame(rows: list[dict]) -> pd.DataFrame:
    """Rows as a DataFrame; code columns as strings (``01001`` stays ``01001``)."""
    df = pd.DataFrame(rows)
    for col in CODE_COLUMNS:
        if col in df:
            df[col] = df[col].astype(str)
    return df


def load_scenario(scenario_or_path, seeds: int | list[int] | None = None) -> scenario.Scenario:
    """A ``Scenario`` from a TOML path, a dict of TOML data, or a ``Scenario`` (copied, so
    the caller's object is not changed); ``seeds`` (a count or a list) overrides its seeds."""
    if isinstance(scenario_or_path, scenario.Scenario):
        sc = copy.copy(scenario_or_path)
        if seeds is not None:
            sc.seeds = scenario.parse_seeds(seeds, f"{sc.path or '<scenario>'}: seeds")
        return sc
    if isinstance(scenario_or_path, dict):
        return scenario.from_dict(copy.deepcopy(scenario_or_path), seeds=seeds)
    if isinstance(scenario_or_path, str | Path):
        return scenario.load(scenario_or_path, seeds=seeds)
    raise TypeError(
        "expected a scenario file path, a dict of TOML data or a Scenario, "
        f"got {type(scenario_or_path).__name__}"
    )


@dataclass
class RunResults:
    """One scenario over its seeds: ``weekly``, ``monthly``, ``yearly``, ``groups``,
    ``communes`` and ``policy`` DataFrames (the CSV files' rows), ``values`` (every
    indicator per seed), ``summary`` (the run's Markdown summary) and ``files`` written."""

    result: runner.RunResult
    files: list[Path] = field(default_factory=list)
    _frames: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def scenario(self) -> scenario.Scenario:
        return self.result.scenario

    def table(self, name: str) -> pd.DataFrame:
        """A table by attribute (``"yearly"``) or file name (``"epci_yearly"``); built once,
        returned as a shallow copy (adding columns to it leaves the next one unchanged)."""
        for attr, (fld, fname) in TABLES.items():
            if name in (attr, fname):
                if attr not in self._frames:
                    rows = getattr(self.result, fld)
                    self._frames[attr] = frame(export.with_places(rows, self.result.territory))
                return self._frames[attr].copy(deep=False)
        raise KeyError(f"unknown table {name!r}; expected one of {list(TABLES)}")

    weekly = property(lambda self: self.table("weekly"))
    monthly = property(lambda self: self.table("monthly"))
    yearly = property(lambda self: self.table("yearly"))
    groups = property(lambda self: self.table("groups"))
    communes = property(lambda self: self.table("communes"))
    policy = property(lambda self: self.table("policy"))

    @property
    def values(self) -> pd.DataFrame:
        """Every registered indicator per seed (``last:<name>``: the last year,
        ``horizon:<name>``: the sum over the horizon), one row per seed."""
        vals = indicators.seed_values(self.result.yearly, self.result.policy)
        return pd.DataFrame.from_dict(vals, orient="index").rename_axis("seed")

    @property
    def summary(self) -> str:
        return reports.run_summary(self.result)

    def _repr_markdown_(self) -> str:
        return self.summary


@dataclass
class ComparisonResults:
    """Policies against a baseline with common random numbers: ``summary`` (scenario, metric,
    median, p05, p95: ``compare_summary.csv``), ``per_seed`` (``compare_runs.csv``),
    ``baseline`` and ``policies`` (``RunResults``), ``report`` (``compare.md``)."""

    comparison: compare_mod.Comparison
    files: list[Path] = field(default_factory=list)

    @property
    def baseline(self) -> RunResults:
        return RunResults(self.comparison.baseline)

    @property
    def policies(self) -> dict[str, RunResults]:
        return {k: RunResults(v) for k, v in self.comparison.policies.items()}

    @property
    def summary(self) -> pd.DataFrame:
        return pd.DataFrame(compare_mod.summary_rows(self.comparison))

    @property
    def per_seed(self) -> pd.DataFrame:
        return pd.DataFrame(self.comparison.per_seed)

    @property
    def priority_epcis(self) -> list[str]:
        """SIRENs of the priority EPCIs the comparison's "priority" figures are about (the
        2025 list completed to 151 by the model's index)."""
        return sorted(self.comparison.priority_sirens)

    @property
    def report(self) -> str:
        return reports.compare_report(self.comparison)

    def _repr_markdown_(self) -> str:
        return self.report


def run(
    scenario_or_path,
    seeds: int | list[int] | None = None,
    out: str | Path | None = None,
    communes: bool = False,
    figures: bool = True,
    show_progress: bool | None = False,
) -> RunResults:
    """Run a scenario (a TOML path, a dict of TOML data or a ``Scenario``) over its seeds
    (``seeds``: a count or a list, overriding the file's); with ``out``, write the files
    ``accesssim run --out`` writes (``figures=False``: no PNGs)."""
    sc = load_scenario(scenario_or_path, seeds)
    result = runner.run(sc, communes=communes, show_progress=show_progress)
    files = runner.write(result, out, figures=figures) if out is not None else []
    return RunResults(result, files)


def compare(
    baseline,
    *policy_scenarios,
    seeds: int | list[int] | None = None,
    out: str | Path | None = None,
    ed_sensitivity: bool = False,
    show_progress: bool | None = False,
) -> ComparisonResults:
    """Compare policy scenarios with a baseline (each a TOML path, a dict of TOML data or a
    ``Scenario``), every one with the baseline's seeds; with ``out``, write the files
    ``accesssim compare --out`` writes."""
    if not policy_scenarios:
        raise scenario.ScenarioError("compare needs at least one policy scenario")
    base = load_scenario(baseline, seeds)
    if base.policies:
        raise scenario.ScenarioError(
            f"{base.path or base.name}: the baseline must have no [[policies]]"
        )
    others = [load_scenario(p, seeds) for p in policy_scenarios]
    cmp = compare_mod.compare(
        [base, *others], ed_sensitivity=ed_sensitivity, show_progress=show_progress
    )
    files = compare_mod.write(cmp, out) if out is not None else []
    return ComparisonResults(cmp, files)
