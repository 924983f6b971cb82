"""Compare policy scenarios with the baseline, with common random numbers.

Every scenario runs with the same seeds, so for each seed the difference policy − baseline
comes from the policy, not the noise; results are the median and a 90 % interval (5th-95th
percentiles) of those differences across seeds. A cost per avoided forgone consultation is
printed only where the avoided consultations are clearly positive (their interval above 0).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from accesssim.experiments import runner
from accesssim.outputs import export, indicators, ledger, reports
from accesssim.specs import scenario
from accesssim.util import files as aio


@dataclass(repr=False)
class Comparison:
    baseline: runner.RunTables
    policies: dict[str, runner.RunTables]
    per_seed: list[dict] = field(default_factory=list)  # scenario, seed, metric values
    summary: dict[str, dict[str, tuple[float, float, float]]] = field(default_factory=dict)
    priority_sirens: frozenset = frozenset()
    sensitivity: dict[str, dict[float, tuple[float, float, float]]] = field(default_factory=dict)
    uncertainty: object = None  # sensitivity.uncertainty.Uncertainty with --uncertainty N
    sensitivity_baseline_ed: dict = field(default_factory=dict)  # value -> baseline ED total
    # (policy kind, key) -> scenario -> value -> {"forgone_avoided"|"ed_avoided": interval}
    policy_ranges: dict = field(default_factory=dict)

    def __repr__(self) -> str:
        return (
            f"<Comparison {self.baseline.scenario.name!r} vs {list(self.policies)}, "
            f"{len(self.per_seed)} per-seed rows>"
        )


def load_all(paths, seeds: int | None = None) -> tuple[scenario.Scenario, list]:
    """Scenario files (or ``Scenario`` objects, from the Python API) -> baseline, others."""
    scs = [p if isinstance(p, scenario.Scenario) else scenario.load(p, seeds=seeds) for p in paths]
    bases = [s for s in scs if not s.policies]
    if not bases:
        raise scenario.ScenarioError(
            "compare needs a baseline among the files: a scenario with no [[policies]] "
            "(e.g. scenarios/baseline.toml)"
        )
    base = bases[0]
    others = [s for s in scs if s is not base]
    if not others:
        raise scenario.ScenarioError(
            "compare needs at least one policy scenario besides the baseline"
        )
    for s in others:
        for key in ("territory", "years", "start_year"):
            if getattr(s, key) != getattr(base, key):
                mine, theirs = (  # the selection in words, the others as written
                    x.territory_label if key == "territory" else repr(getattr(x, key))
                    for x in (s, base)
                )
                raise scenario.ScenarioError(
                    f"{s.path}: [{'territory' if key == 'territory' else 'scenario'}] {key} "
                    f"{mine} differs from the baseline's ({base.path}: "
                    f"{theirs}); compared scenarios must share it"
                )
        s.seeds = list(base.seeds)  # common random numbers
    names = [s.name for s in scs]
    if len(set(names)) != len(names):
        raise scenario.ScenarioError(f"scenario names must differ, got {names}")
    return base, others


def _by_seed(result: runner.RunTables) -> dict[int, dict]:
    """Per seed: every indicator (``indicators.seed_values``), in priority EPCIs (the one
    definition, ``indicators.PRIORITY_GROUPS``) and others."""
    return indicators.seed_values(result.yearly, result.policy, indicators.PRIORITY_GROUPS)


def summarize(rows: list[dict]) -> dict[str, tuple[float, float, float]]:
    """Median and 90 % interval of every difference and of the payers' ledger (net cost by
    payer and item), and euros per avoided forgone consultation and ED visit."""
    summ = {
        d.name: indicators.interval([r[d.name] for r in rows]) for d in indicators.differences()
    }
    summ |= {
        k: indicators.interval([r[k] for r in rows])
        for k in ledger.LEDGER_COLUMNS
        if not k.startswith("eur_per")
    }
    summ |= indicators.cost_per_avoided_of(rows)
    return summ


def compare(
    paths,
    seeds: int | None = None,
    ed_sensitivity: bool = False,
    show_progress: bool | None = None,
    uncertainty: int = 0,
    replacement_range: bool = False,
    uncertainty_results: str | Path = "results",
    run_workers: int = 1,
    **engine,
) -> Comparison:
    """``uncertainty``: also N parameter sets × the seeds (``sensitivity.uncertainty``, runs
    under ``uncertainty_results``; ``engine``: workers, scheduler, dask_local).
    ``replacement_range``: also rerun the solidarity-days scenarios at both ends of
    ``replacement_share``'s range (``policy_range_runs``). ``run_workers``: the main runs
    (every scenario's seeds) on that many local processes, one scenario each (the same
    results: each run depends on its seed only)."""
    base_sc, others = load_all(paths, seeds)
    results = run_all([base_sc, *others], run_workers, show_progress)
    base = results[0]
    prio = frozenset(r["epci"] for r in base.yearly if r["priority_confirmed"])
    cmp = Comparison(base, {}, priority_sirens=prio)
    b = _by_seed(base)
    for sc, res in zip(others, results[1:], strict=True):
        cmp.policies[sc.name] = res
        p = _by_seed(res)
        rows = []
        for seed in base_sc.seeds:
            d = indicators.seed_differences(b[seed], p[seed])
            rows.append(d)
            cmp.per_seed.append({"scenario": sc.name, "seed": seed, **d})
        cmp.summary[sc.name] = summarize(rows)
    if ed_sensitivity:
        cmp.sensitivity, cmp.sensitivity_baseline_ed = ed_sensitivity_runs(
            base_sc, base, others, show_progress=show_progress
        )
    if replacement_range:
        kind, key = REPLACEMENT_RANGE
        cmp.policy_ranges[REPLACEMENT_RANGE] = policy_range_runs(
            base_sc, base, others, kind, key, show_progress=show_progress
        )
    if uncertainty:
        from accesssim.experiments.sensitivity import uncertainty as param_uncertainty

        cmp.uncertainty = param_uncertainty.uncertainty(
            base_sc, others, uncertainty, uncertainty_results, show_progress=show_progress, **engine
        )
    return cmp


def _run_quiet(sc: scenario.Scenario) -> runner.RunTables:
    res = runner.run(sc, show_progress=False)
    res.territory = None  # set again in the parent: not sent back through the pipe
    return res


def run_all(scs: list, workers: int = 1, show_progress=None) -> list[runner.RunTables]:
    """Every scenario's runs, in order; with ``workers`` > 1 on a local process pool."""
    if workers <= 1 or len(scs) <= 1:
        return [runner.run(sc, show_progress=show_progress) for sc in scs]
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    ctx = multiprocessing.get_context("spawn")  # as the sweep engine
    with ProcessPoolExecutor(min(workers, len(scs)), mp_context=ctx) as pool:
        out = list(pool.map(_run_quiet, scs))
    territory = scs[0].load_territory()
    for res in out:
        res.territory = territory
    return out


ED_SENSITIVITY_KEY = "ed_without_mt_rr"
ED_SENSITIVITY_VALUES = (1.0, 4.0)


ED_KEEP_TOLERANCE = 0.02  # the ED sensitivity reruns keep the baseline's ED total this close


def ed_sensitivity_runs(base_sc, base, others, values=ED_SENSITIVITY_VALUES, show_progress=None):
    """ED visits avoided at other values of the least-known ED parameter,
    ``ed_without_mt_rr`` (how much more people without a médecin traitant use the ED), with
    ``ed_base_rate`` rescaled so the baseline's GP-treatable ED total stays the one of the main
    run (from its split by cause). Returns the avoided visits per scenario and value, and the
    baseline ED total each rerun actually gave (so the report can say how well it was kept)."""
    from accesssim.params import calibration as calfile

    p = {**calfile.defaults(base_sc.calibration), **base_sc.parameters}
    rr0 = p[ED_SENSITIVITY_KEY]
    rows = base.yearly
    total = sum(r["ed_visits"] for r in rows)
    no_mt = sum(r["ed_no_mt"] for r in rows)
    out: dict[str, dict[float, tuple]] = {sc.name: {} for sc in others}
    kept: dict = {"main": total}
    ed = next(d for d in indicators.CURATED_DIFFERENCES if d.name == "ed_avoided")
    for v in values:
        # total = k × (other + waiting + no-MT × v / rr0): the waiting part is held as is
        k = total / max(total - no_mt + no_mt * v / rr0, 1e-12)
        over = {ED_SENSITIVITY_KEY: v, "ed_base_rate": p["ed_base_rate"] * k}

        def rerun(sc, over=over):
            s = sc.variant(parameters={**sc.parameters, **over})
            return runner.run(s, show_progress=show_progress)

        b_res = rerun(base_sc)
        got = sum(r["ed_visits"] for r in b_res.yearly)
        if got > 0 and abs(got - total) > ED_KEEP_TOLERANCE * total:
            # waiting responds too (more of it where supply binds): one proportional step
            over = {**over, "ed_base_rate": over["ed_base_rate"] * total / got}
            b_res = rerun(base_sc, over)
            got = sum(r["ed_visits"] for r in b_res.yearly)
        kept[v] = got
        b = _by_seed(b_res)
        for sc in others:
            pol = _by_seed(rerun(sc))
            out[sc.name][v] = indicators.interval([ed.of(b[s], pol[s]) for s in base_sc.seeds])
    return out, kept


REPLACEMENT_RANGE = ("solidarity_days", "replacement_share")


def policy_range_runs(base_sc, base, others, kind, key, show_progress=None) -> dict:
    """Forgone consultations and ED visits avoided when every ``kind`` policy of the compared
    scenarios has ``key`` at each end of its declared range (``Param.range``), against the
    main baseline (a policy's key does not act on it): {scenario: {value: {metric:
    interval}}}, for the scenarios that have such a policy."""
    from accesssim.policies import registry

    cls = registry.lookup(kind)
    if cls is None or key not in cls.PARAMS or cls.PARAMS[key].range is None:
        raise scenario.ScenarioError(f"policy {kind!r} declares no range for {key!r}")
    ends = tuple(float(v) for v in cls.PARAMS[key].range)
    diffs = [
        d for d in indicators.CURATED_DIFFERENCES if d.name in ("forgone_avoided", "ed_avoided")
    ]
    b = _by_seed(base)
    out: dict[str, dict] = {}
    for sc in others:
        if not any(spec.get("type") == kind for spec in sc.policies):
            continue
        out[sc.name] = {}
        for v in ends:
            policies = [
                {**spec, key: v} if spec.get("type") == kind else spec for spec in sc.policies
            ]
            s = sc.variant(policies=policies)
            pol = _by_seed(runner.run(s, show_progress=show_progress))
            out[sc.name][v] = {
                d.name: indicators.interval([d.of(b[seed], pol[seed]) for seed in base_sc.seeds])
                for d in diffs
            }
    return out


# ---------------------------------------------------------------------- outputs
def report_markdown(cmp: Comparison) -> str:
    """The comparison report (``reports.compare_report``), with the parameter-uncertainty
    section when asked."""
    text = reports.compare_report(cmp)
    if cmp.uncertainty is not None:
        from accesssim.experiments.sensitivity import uncertainty

        text += "\n" + uncertainty.uncertainty_report(cmp.uncertainty, cmp.summary)
    return text


OWN_SUBFOLDERS = ("uncertainty",)  # compare --uncertainty runs there before the files


def write(cmp: Comparison, out: str | Path, force: bool = False) -> list[Path]:
    """Write the tables, figures, report and manifest under ``out``; returns the files.
    ``out`` must not exist, be empty (but for the ``uncertainty/`` runs) or hold an earlier
    comparison, else ``force`` (``util.files.write_folder``: the manifest last, listing every
    file; files of the earlier comparison this one does not write are removed)."""
    return aio.write_folder(
        out, "compare", lambda d: _write_files(cmp, d), force, ignore=OWN_SUBFOLDERS
    )


def _write_files(cmp: Comparison, out: Path) -> dict:
    from accesssim.outputs import plots

    aio.atomic_write_text(out / "compare_runs.csv", export.csv_text(cmp.per_seed))
    aio.atomic_write_text(out / "compare_summary.csv", export.csv_text(summary_rows(cmp)))
    plots.compare_figures(cmp, out)
    aio.atomic_write_text(out / "compare.md", report_markdown(cmp))
    if cmp.uncertainty is not None:
        from accesssim.experiments.sensitivity import uncertainty

        uncertainty.write_uncertainty(cmp.uncertainty, out)
    return manifest(cmp)


def summary_rows(cmp: Comparison) -> list[dict]:
    """``compare_summary.csv``: one row per scenario and metric (median, 90 % interval)."""
    return [
        {"scenario": name, "metric": k, "median": m, "p05": lo, "p95": hi}
        for name, s in cmp.summary.items()
        for k, (m, lo, hi) in s.items()
    ]


def manifest(cmp: Comparison) -> dict:
    """What produced a comparison, as ``runner.write``'s manifest does for a run: every
    scenario's file, sha256 and policies, the shared seeds, territory and calibration, and
    the package, dependency and git versions (``provenance``)."""
    from accesssim.outputs.indicators import SYNTHETIC_NOTE
    from accesssim.params import calibration as calfile
    from accesssim.util import provenance
    from accesssim.util.version import __version__, model_version

    base = cmp.baseline.scenario
    calib = calfile.load_calibration(base.calibration)
    return {
        "accesssim_version": __version__,
        "model_version": model_version(),
        "command": "compare",
        "baseline": base.name,
        "scenarios": [
            {
                "name": r.scenario.name,
                "file": str(r.scenario.path) if r.scenario.path else None,
                "sha256": r.scenario.sha256,
                "parameter_overrides": r.scenario.parameters,
                "policies": r.scenario.policies,
            }
            for r in (cmp.baseline, *cmp.policies.values())
        ],
        "seeds": base.seeds,
        "years": base.years,
        "start_year": base.start_year,
        "territory": base.territory.as_table() or "France",
        "territory_sha256": cmp.baseline.territory_checksum,
        "priority_epcis": len(cmp.priority_sirens),
        "calibration": {k: v for k, v in calib.items() if k != "fitted"},
        "ed_sensitivity": bool(cmp.sensitivity),
        "policy_ranges": {
            f"{kind}.{key}": {name: list(by_v) for name, by_v in by_name.items()}
            for (kind, key), by_name in cmp.policy_ranges.items()
        },
        "no_effect": {name: reports.no_effect_warnings(res) for name, res in cmp.policies.items()},
        "provenance": provenance.provenance(),
        "seconds": round(cmp.baseline.seconds + sum(r.seconds for r in cmp.policies.values()), 2),
        "note": SYNTHETIC_NOTE,
    }
