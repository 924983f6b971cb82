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
may also name the class directly, ``type = "package.module:Class"``, but importing a module runs
its code: ``run``, ``compare`` and ``load_scenario`` do it only with ``trusted=True`` (a file
you trust); without it such a file is refused before anything is imported (a class already
registered, or built in, may still be named by its path).
"""

from __future__ import annotations

import copy
import html
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from accesssim.experiments import compare as compare_mod
from accesssim.experiments import runner
from accesssim.outputs import export, indicators, plots, reports
from accesssim.policies import registry
from accesssim.specs import scenario
from accesssim.util import files as aio

register_policy = registry.register

TABLES = {  # attribute -> (RunTables field, file name of the CLI)
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


def load_scenario(
    scenario_or_path, seeds: int | list[int] | None = None, trusted: bool = False
) -> scenario.Scenario:
    """A ``Scenario`` from a TOML path, a dict of TOML data, or a ``Scenario`` (copied, so
    the caller's object is not changed); ``seeds`` (a count or a list) overrides its seeds.
    ``trusted=True``: its ``type = "package.module:Class"`` policies may be imported (which
    runs their module's code); without it they are refused unless already registered."""
    with registry.code_allowed(trusted):
        return _load_scenario(scenario_or_path, seeds)


def _load_scenario(scenario_or_path, seeds) -> scenario.Scenario:
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


@dataclass(repr=False)
class RunResults:
    """One scenario over its seeds: ``weekly``, ``monthly``, ``yearly``, ``groups``,
    ``communes`` and ``policy`` DataFrames (the CSV files' rows), ``values`` (every
    indicator per seed), ``summary`` (the run's Markdown summary) and ``files`` written.

    ``plot(kind)`` draws the standard figures and ``to_geodataframe()`` gives the EPCI layer
    (with geopandas installed). Its ``repr`` and notebook displays are short headlines; the
    tables are read through the attributes.
    """

    result: runner.RunTables
    files: list[Path] = field(default_factory=list)
    _frames: dict = field(default_factory=dict, compare=False)

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
        """The run's Markdown summary (with the files written, when ``out`` was given)."""
        return reports.run_summary(self.result, [p.name for p in self.files] or None)

    def plot(self, kind: str = "timeseries"):
        """One of the run's standard figures, as a matplotlib Figure.

        Parameters
        ----------
        kind : {"timeseries", "priority", "map"}
            ``timeseries``: national weekly series with bands across seeds; ``priority``:
            priority EPCIs against the rest, yearly; ``map``: the last year's forgone care by
            EPCI. The same figures ``accesssim run --out`` writes.

        Returns
        -------
        matplotlib.figure.Figure
        """
        if kind not in plots.FIGURE_BUILDERS:
            raise ValueError(
                f"unknown figure {kind!r}; expected one of {list(plots.FIGURE_BUILDERS)}"
            )
        return plots.FIGURE_BUILDERS[kind](self.result)

    def to_geodataframe(self):
        """The last year's EPCI indicators (median across seeds) with their outlines, as a
        ``geopandas.GeoDataFrame`` in EPSG:4326, the rows of ``epci.geojson``.

        Raises
        ------
        ImportError
            When geopandas is not installed (``pip install geopandas``).
        """
        try:
            import geopandas
        except ImportError as exc:
            raise ImportError(
                "to_geodataframe needs geopandas: pip install geopandas "
                "(or read the epci.geojson that run(..., out=DIR) writes)"
            ) from exc
        recs, _, geo = export.epci_features(self.result)
        features = [
            {"type": "Feature", "properties": r, "geometry": g}
            for r, g in zip(recs, geo, strict=True)
        ]
        gdf = geopandas.GeoDataFrame.from_features(features, crs="EPSG:4326")
        for col in CODE_COLUMNS:
            if col in gdf:
                gdf[col] = gdf[col].astype(str)
        return gdf

    def headline(self) -> dict[str, str]:
        """A few figures that identify the run (its repr and notebook display)."""
        r, sc = self.result, self.result.scenario
        vals = indicators.seed_values(r.yearly, r.policy) if r.yearly else {}
        out = {
            "scenario": sc.name,
            "territory": sc.territory_label,
            "years": f"{sc.start_year}–{sc.start_year + sc.years - 1}",
            "seeds": ", ".join(str(s) for s in sc.seeds),
            "policies": ", ".join(str(getattr(p, "kind", p)) for p in sc.policies) or "none",
        }
        for key, label in HEADLINE:
            xs = [v[key] for v in vals.values() if key in v]
            if xs:
                ind = indicators.INDICATORS.get(key.split(":", 1)[1])
                med = float(np.median(xs))
                out[label] = ind.fmt.format(med) if ind is not None else f"{med:.4g}"
        out["files written"] = str(len(self.files))
        return out

    def __repr__(self) -> str:
        h = self.headline()
        return (
            f"<RunResults {h['scenario']!r}: {h['territory']}, {h['years']}, "
            f"seeds {h['seeds']}; tables: {', '.join(TABLES)}>"
        )

    def _repr_markdown_(self) -> str:
        return _markdown_table("RunResults", self.headline())

    def _repr_html_(self) -> str:
        return _html_table("RunResults", self.headline())


@dataclass(repr=False)
class ComparisonResults:
    """Policies against a baseline with common random numbers: ``summary`` (scenario, metric,
    median, p05, p95: ``compare_summary.csv``), ``per_seed`` (``compare_runs.csv``),
    ``baseline`` and ``policies`` (``RunResults``), ``report`` (``compare.md``). Its ``repr``
    and notebook displays are short: the forgone consultations avoided per policy."""

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

    def headline(self) -> dict[str, str]:
        """Baseline, seeds, and each policy's forgone consultations avoided (median and 90 %
        interval across seeds)."""
        base = self.comparison.baseline.scenario
        out = {
            "baseline": base.name,
            "territory": base.territory_label,
            "seeds": ", ".join(str(s) for s in base.seeds),
        }
        for name, stats in self.comparison.summary.items():
            med, lo, hi = stats.get("forgone_avoided", (float("nan"),) * 3)
            out[f"{name}: forgone consultations avoided"] = (
                f"{med:,.0f} (90 % interval {lo:,.0f} to {hi:,.0f})"
            )
        return out

    def __repr__(self) -> str:
        c = self.comparison
        return (
            f"<ComparisonResults baseline {c.baseline.scenario.name!r} vs "
            f"{', '.join(repr(k) for k in c.policies)}; seeds "
            f"{', '.join(str(s) for s in c.baseline.scenario.seeds)}>"
        )

    def _repr_markdown_(self) -> str:
        return _markdown_table("ComparisonResults", self.headline())

    def _repr_html_(self) -> str:
        return _html_table("ComparisonResults", self.headline())


HEADLINE = (  # (seed_values key, label) shown in a run's notebook display
    ("last:renoncement_rate", "forgone / needed consultations, last year"),
    ("last:ed_per_1000", "GP-treatable ED visits per 1,000, last year"),
    ("last:share_without_mt", "people 15+ without médecin traitant, last year"),
)


def _markdown_table(title: str, rows: dict[str, str]) -> str:
    lines = [f"**{title}**", "", "| | |", "|---|---|"]
    lines += [f"| {k} | {str(v).replace('|', '/')} |" for k, v in rows.items()]
    return "\n".join(lines) + "\n"


def _html_table(title: str, rows: dict[str, str]) -> str:
    body = "".join(
        f"<tr><th style='text-align:left'>{html.escape(k)}</th><td>{html.escape(str(v))}</td></tr>"
        for k, v in rows.items()
    )
    return f"<p><b>{html.escape(title)}</b></p><table>{body}</table>"


def run(
    scenario_or_path,
    seeds: int | list[int] | None = None,
    out: str | Path | None = None,
    communes: bool = False,
    figures: bool = True,
    show_progress: bool | None = False,
    trusted: bool = False,
    force: bool = False,
) -> RunResults:
    """Run a scenario over its seeds, as ``accesssim run`` does.

    Parameters
    ----------
    scenario_or_path : str, pathlib.Path, dict or Scenario
        A scenario TOML file, a dict of the same TOML data, or a ``Scenario`` (copied).
    seeds : int or list of int, optional
        A count (seeds 1..n) or a list, overriding the scenario's seeds.
    out : str or pathlib.Path, optional
        When given, write the files ``accesssim run --out`` writes (tables, layers,
        figures, summary, manifest). The folder must not exist, be empty or hold an
        earlier run's files (replaced, and those this run does not write removed).
    communes : bool, default False
        Also record per-commune yearly rows (``communes`` table and layer).
    figures : bool, default True
        With ``out``, write the PNG figures.
    show_progress : bool or None, default False
        A progress bar on standard error (None: only on a terminal).
    trusted : bool, default False
        Allow the scenario's ``type = "package.module:Class"`` policies to be imported, which
        runs that module's code (the CLI's ``--allow-code``); only for files you trust.
    force : bool, default False
        With ``out``, write into a folder that holds other files (``--force``).

    Returns
    -------
    RunResults
        Tables as DataFrames (``yearly``, ``weekly``, ...), ``values``, ``summary``,
        ``plot()``, ``to_geodataframe()`` and the ``files`` written.

    Raises
    ------
    accesssim.util.files.OutputFolderError
        ``out`` holds files that are not an earlier run's (a ``ValueError``; see ``force``).
    accesssim.util.files.OutputError
        Writing under ``out`` failed (an ``OSError``: full disk...); no manifest is left.

    Examples
    --------
    >>> import accesssim
    >>> res = accesssim.run("scenarios/baseline.toml", seeds=2)  # doctest: +SKIP
    >>> res.yearly.groupby("year")["renoncement_rate"].median()  # doctest: +SKIP
    >>> res.plot("map")  # doctest: +SKIP
    """
    sc = load_scenario(scenario_or_path, seeds, trusted)
    if out is not None:
        aio.check_folder(out, "run", force)  # before the work, not after
    result = runner.run(sc, communes=communes, show_progress=show_progress)
    files = runner.write(result, out, figures=figures, force=force) if out is not None else []
    return RunResults(result, files)


def compare(
    baseline,
    *policy_scenarios,
    seeds: int | list[int] | None = None,
    out: str | Path | None = None,
    ed_sensitivity: bool = False,
    show_progress: bool | None = False,
    trusted: bool = False,
    force: bool = False,
    replacement_range: bool = False,
) -> ComparisonResults:
    """Compare policy scenarios with a baseline, with common random numbers, as
    ``accesssim compare`` does.

    Parameters
    ----------
    baseline : str, pathlib.Path, dict or Scenario
        The scenario without policies (a TOML path, a dict of TOML data or a ``Scenario``).
    *policy_scenarios : str, pathlib.Path, dict or Scenario
        One or more scenarios with policies; each runs with the baseline's seeds.
    seeds : int or list of int, optional
        A count or a list, overriding the baseline's seeds.
    out : str or pathlib.Path, optional
        When given, write the files ``accesssim compare --out`` writes. The folder must
        not exist, be empty or hold an earlier comparison's files.
    ed_sensitivity : bool, default False
        Also report the ED effects across the range of the ED parameter.
    replacement_range : bool, default False
        Also rerun the solidarity-days scenarios at both ends of ``replacement_share``'s
        range and report forgone care and ED visits avoided at each.
    show_progress : bool or None, default False
        A progress bar on standard error (None: only on a terminal).
    trusted : bool, default False
        As ``run``: allow ``type = "package.module:Class"`` policies to be imported.
    force : bool, default False
        With ``out``, write into a folder that holds other files (``--force``).

    Returns
    -------
    ComparisonResults
        ``summary`` (median and 90 % interval of every policy - baseline difference),
        ``per_seed``, ``baseline`` and ``policies`` (``RunResults``), ``report``.

    Raises
    ------
    ScenarioError
        With no policy scenario, or a baseline that has policies.
    accesssim.util.files.OutputFolderError
        ``out`` holds files that are not an earlier comparison's (see ``force``).
    accesssim.util.files.OutputError
        Writing under ``out`` failed (an ``OSError``: full disk...); no manifest is left.

    Examples
    --------
    >>> import accesssim
    >>> cmp = accesssim.compare(  # doctest: +SKIP
    ...     "scenarios/baseline.toml", "scenarios/solidarity_2025.toml", seeds=3
    ... )
    >>> cmp.summary  # doctest: +SKIP
    """
    if not policy_scenarios:
        raise scenario.ScenarioError("compare needs at least one policy scenario")
    base = load_scenario(baseline, seeds, trusted)
    if base.policies:
        raise scenario.ScenarioError(
            f"{base.path or base.name}: the baseline must have no [[policies]]"
        )
    others = [load_scenario(p, seeds, trusted) for p in policy_scenarios]
    if out is not None:
        aio.check_folder(out, "compare", force, ignore=compare_mod.OWN_SUBFOLDERS)
    cmp = compare_mod.compare(
        [base, *others],
        ed_sensitivity=ed_sensitivity,
        show_progress=show_progress,
        replacement_range=replacement_range,
    )
    files = compare_mod.write(cmp, out, force=force) if out is not None else []
    return ComparisonResults(cmp, files)


@dataclass(repr=False)
class OptimiseResults:
    """A budget plan's optimisation (``accesssim optimise``): ``plan`` (units by allocation,
    lever and EPCI, codes as strings: ``plan.csv``), ``proxy`` (every plan and baseline on the
    access proxy, with the solver's objective, gap and seconds: ``proxy_comparison.csv``),
    ``simulation`` (forgone care and ED visits avoided, public net cost, euros per avoided,
    P(beats the official list): ``simulation_comparison.csv``; empty when not simulated) and
    ``report`` (``report.md``)."""

    result: object  # experiments.optimise.run.OptimiseResult
    files: list[Path] = field(default_factory=list)

    @property
    def plan(self) -> pd.DataFrame:
        return frame(self.result.plan_rows())

    @property
    def proxy(self) -> pd.DataFrame:
        return pd.DataFrame(self.result.proxy_rows())

    @property
    def simulation(self) -> pd.DataFrame:
        return pd.DataFrame(self.result.simulation_rows())

    @property
    def report(self) -> str:
        from accesssim.experiments.optimise import write

        return write.report_text(self.result)

    def __repr__(self) -> str:
        best = self.result.solved.best
        return (
            f"<OptimiseResults plan {self.result.plan.name!r}: {self.result.solved.objective} "
            f"{best.objective:,.1f} on the proxy (gap {best.gap:.1e}), "
            f"{len(self.result.solved.solutions)} plan(s), "
            f"{'simulated' if self.result.simulation_rows() else 'not simulated'}>"
        )


def optimise(
    plan,
    out: str | Path | None = None,
    simulate: bool = True,
    figures: bool = True,
    force: bool = False,
    time_limit: float = 60.0,
    refine: int = 0,
) -> OptimiseResults:
    """Where should the next euro go: the exact optimum of a budget plan on the access proxy,
    its K best alternatives and four baselines, checked in the simulation, as ``accesssim
    optimise`` does.

    Parameters
    ----------
    plan : str, pathlib.Path or dict
        A plan file (TOML, e.g. ``plans/creuse_france_sante.toml``) or a dict of its tables.
    out : str or pathlib.Path, optional
        When given, write the files ``accesssim optimise --out`` writes.
    simulate : bool, default True
        Stage 2: simulate every plan and baseline with common random numbers.
    figures : bool, default True
        With ``out``, draw the map of the plan beside the official list.
    force : bool, default False
        With ``out``, write into a folder that holds other files.
    time_limit : float, default 60
        Seconds the solver may take for each plan (the gap is reported).
    refine : int, default 0
        Stage 3: that many rounds of one-unit moves from the best simulated allocation, judged
        in the simulation with common random numbers, then checked on fresh seeds (runs under
        ``out``, else ``results``, in ``refine/``).

    Returns
    -------
    OptimiseResults
        ``plan``, ``proxy``, ``simulation`` (DataFrames) and ``report``.

    Raises
    ------
    accesssim.specs.plan.PlanError
        A plan file that cannot be used (the message names the file and the key).
    accesssim.experiments.optimise.milp.InfeasiblePlan
        No allocation satisfies the constraints (the message names the binding one).

    Examples
    --------
    >>> import accesssim
    >>> res = accesssim.optimise("plans/creuse_france_sante.toml")  # doctest: +SKIP
    >>> res.proxy  # doctest: +SKIP
    """
    from accesssim.experiments.optimise import run as optimise_run
    from accesssim.experiments.optimise import write as optimise_write
    from accesssim.specs import plan as planfile

    if isinstance(plan, dict):
        plan = planfile.from_dict(plan)
    elif not isinstance(plan, planfile.Plan):
        plan = planfile.load(plan)
    if out is not None:
        aio.check_folder(out, "optimise", force)
    result = optimise_run.optimise(
        plan,
        simulate_plans=simulate,
        time_limit=time_limit,
        uncertainty_results=out if out is not None else "results",
        refine_rounds=refine if simulate else 0,
    )
    files = (
        optimise_write.write(result, out, figures=figures, force=force) if out is not None else []
    )
    return OptimiseResults(result, files)
