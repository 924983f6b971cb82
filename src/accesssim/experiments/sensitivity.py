"""Which assumptions decide the answer: Morris screening, Sobol indices, parameter uncertainty.

A sensitivity file (TOML, ``experiments/``)::

    [sensitivity]
    name = "morris_cvl"
    baseline = "../scenarios/baseline.toml"
    policies = ["../scenarios/solidarity_2025.toml"]   # optional: policy effects
    methods = ["morris"]               # "morris", "sobol" or both (Sobol on what Morris keeps)
    parameters = "all"                 # every uncertain parameter, or a list of names
    seeds = 1                          # per parameter set, shared by every scenario (CRN)
    outputs = ["renoncement_rate", "forgone_avoided"]
    years = 5                          # optional: override the scenarios' horizon

    [morris]
    r = 10                             # trajectories
    levels = 4

    [sobol]
    n = 64                             # base sample, a power of two
    parameters = "kept"                # those Morris keeps (mu* >= keep × the largest), or a list
    keep = 0.1

    [ranges]                           # optional: another range for a parameter
    forgo_wait_per_week = [0.2, 1.0]

Outputs: an indicator name (``indicators.INDICATORS``: the baseline's last-year value;
``horizon:<name>`` for a horizon total), or a policy − same-seed baseline difference
(``indicators.differences()`` and ``eur_per_forgone_avoided``), analysed for each policy as
``<policy>: <difference>``. Every parameter set runs the baseline and each policy with the
same seeds (common random numbers), so an effect's sensitivity is not seed noise. A sampled
value replaces the scenario file's own ``[parameters]`` value for that parameter.

Runs go through the sweep engine (``sweep.sweep``: process pool, Dask, atomic per-run folders,
resumable, failures recorded); each run writes only the figures analysed here. Ranges and
distributions are ``parameters.UNCERTAINTY``; fitted parameters use the calibration file's
``"draws"`` (a list of fitted-value tables) when it has them (``parameter_ranges``).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from accesssim.experiments import runner, sweep
from accesssim.outputs import export, indicators
from accesssim.params import parameters
from accesssim.specs import experiment, scenario
from accesssim.specs.scenario import ScenarioError
from accesssim.util import files as aio

KEYS = {"name", "description", "baseline", "policies", "methods", "parameters", "seeds"}
KEYS |= {"outputs", "years"}
DEFAULT_OUTPUTS = (
    "renoncement_rate",
    "share_without_mt",
    "forgone_avoided",
    "ed_avoided",
    "eur_per_forgone_avoided",
    "renoncement_change_priority_pp",
)


# ---------------------------------------------------------------------- ranges
@dataclass(frozen=True)
class Range:
    name: str
    distribution: str  # uniform, loguniform, scale
    low: float
    high: float
    source: str
    step: float | None = None
    default: object = None

    def value(self, u: float):
        """The parameter value at ``u`` in the unit interval."""
        if self.distribution == "loguniform":
            x = math.exp(math.log(self.low) + u * (math.log(self.high) - math.log(self.low)))
        else:
            x = self.low + u * (self.high - self.low)
        if self.step:
            x = round(x / self.step) * self.step
        if self.distribution == "scale":
            return _scale(self.default, x)
        return float(x)


# A run whose weekly state has settled gives a flat national forgone-care series within a year
# (need, capacity and behaviour change at year-ends and at a policy's dates): its week-to-week
# changes over the last half-year are ~1e-6 of the level. Some parameter sets (strong waiting
# feedback, no capacity flex) never settle: the series changes every week, and differences at
# the level of floating-point rounding grow into differences of the run's totals (measured:
# two code versions identical up to rounding changed the 2-year forgone care of such a set by
# 0.5 % and flipped the sign of solidarity days' effect in 23 of 64 Morris sets).
# docs/sensitivity.md, "Numerical noise".
WOBBLE_WEEKS = 26
UNSETTLED = 1e-3  # median weekly change / mean above which a run is called unsettled


def weekly_wobble(forgone_by_week) -> float:
    """Median week-to-week change of the national forgone care over the run's last
    half-year, relative to its mean. A median, so that a policy's one-off step within the year
    (docteurs juniors arriving in November) does not count: an unsettled run changes every
    week."""
    f = np.asarray(forgone_by_week, float)[-WOBBLE_WEEKS:]
    if len(f) < 2 or f.mean() <= 0:
        return 0.0
    return float(np.median(np.abs(np.diff(f))) / f.mean())


# policy effects whose size rounding can blur in an unsettled run: the effect the check is
# made on (€ per avoided: its denominator), the baseline figure that scales the noise and the
# effect's unit factor
NOISE_BASIS = {
    "forgone_avoided": ("forgone_avoided", "horizon:forgone", 1.0),
    "ed_avoided": ("ed_avoided", "horizon:ed_visits", 1.0),
    indicators.COST_PER_AVOIDED[0]: ("forgone_avoided", "horizon:forgone", 1.0),
    "renoncement_change_priority_pp": (
        "renoncement_change_priority_pp",
        "last:renoncement_rate:priority",
        100.0,
    ),
    "renoncement_change_other_pp": (
        "renoncement_change_other_pp",
        "last:renoncement_rate:other",
        100.0,
    ),
}


def rounding_noise(base: list[dict], pol: list[dict], level_key: str, unit=1.0) -> float | None:
    """What rounding can give a policy effect at one parameter set (its runs' values, per
    seed): wobble × the baseline's level of the figure, or None when every run settled."""
    w = max(v.get("weekly_wobble", 0.0) for v in base + pol)
    return w * unit * float(np.mean([v[level_key] for v in base])) if w > UNSETTLED else None


def numerical_noise(values: dict, n_sets, baseline, outputs, seeds) -> dict[str, dict]:
    """For each policy effect in ``NOISE_BASIS``: how many parameter sets have an unsettled
    run (baseline or policy), the size rounding can give the effect there (wobble × the
    baseline's level of the figure: for totals a conservative bound, the change measured
    between two code versions was about a fifth of it; the wobble is national, so for a group
    of EPCIs it is an estimate) and the effect's median size over the sets."""
    diff = {d.name: d for d in indicators.differences()}
    out = {}
    for label, fig, pol in outputs:
        if pol is None or fig not in NOISE_BASIS:
            continue
        basis, level_key, unit = NOISE_BASIS[fig]
        noise, size = [], []
        for i in range(n_sets):
            b = [values[(i, baseline, s)] for s in seeds]
            p = [values[(i, pol, s)] for s in seeds]
            size.append(abs(np.mean([diff[basis].of(x, y) for x, y in zip(b, p, strict=True)])))
            r = rounding_noise(b, p, level_key, unit)
            if r is not None:
                noise.append(r)
        out[label] = {
            "basis": basis,
            "unsettled_sets": len(noise),
            "sets": n_sets,
            "noise": float(np.median(noise)) if noise else 0.0,
            "median_effect": float(np.nanmedian(size)) if size else float("nan"),
        }
    return out


def _scale(v, f):
    return tuple(_scale(x, f) for x in v) if isinstance(v, tuple) else float(v) * f


def uncertain() -> list[str]:
    """Every parameter with a range (A and C parameters not fixed)."""
    return [k for k, p in parameters.PARAMETERS.items() if p.distribution not in ("", "fixed")]


def parameter_ranges(
    names, calibration=parameters.SHIPPED_CALIBRATION, overrides=None, where="parameters"
) -> list[Range]:
    """The range of each name: ``overrides`` ({name: [low, high]}) first, then for a fitted
    parameter the span of the calibration's ``"draws"`` when present, then the table's."""
    overrides = overrides or {}
    draws = _calibration_draws(calibration)
    defaults = parameters.defaults(calibration)
    out = []
    for name in names:
        p = parameters.PARAMETERS.get(name)
        if p is None:
            raise ScenarioError(f"{where}: unknown parameter {name!r}")
        dist, rng, src = p.distribution, p.range, p.range_source
        if name in overrides:
            rng = overrides[name]
            dist = dist if dist not in ("", "fixed") else "uniform"
            src = "given in the sensitivity file"
            try:
                parameters.check_range(name, dist, rng, where)
            except ValueError as exc:
                raise ScenarioError(str(exc)) from None
        elif p.status == "C" and name in draws and dist != "scale":
            rng = (min(draws[name]), max(draws[name]))
            dist, src = "uniform", "the calibration's parameter draws"
        if dist in ("", "fixed") or rng is None:
            why = f" ({p.range_source})" if p.range_source else ""
            raise ScenarioError(f"{where}: parameter {name!r} has no range{why}")
        out.append(Range(name, dist, float(rng[0]), float(rng[1]), src, p.step, defaults.get(name)))
    return out


def _calibration_draws(calibration) -> dict[str, list[float]]:
    """{name: [values]} from a calibration file's ``"draws"`` (a list of {name: value}); empty
    when it has none."""
    if calibration is None or isinstance(calibration, dict):
        return {}
    try:
        data = json.loads(Path(calibration).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    out: dict[str, list[float]] = {}
    for d in data.get("draws", []) if isinstance(data, dict) else []:
        for k, v in d.items() if isinstance(d, dict) else ():
            if isinstance(v, int | float):
                out.setdefault(k, []).append(float(v))
    return out


def draw_tables(calibration) -> list[dict]:
    """The calibration's parameter draws as they were fitted together (a list of {name:
    value}); empty when the file has none."""
    if calibration is None or isinstance(calibration, dict):
        return []
    try:
        data = json.loads(Path(calibration).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    draws = data.get("draws", []) if isinstance(data, dict) else []
    return [
        {k: float(v) for k, v in d.items() if k in parameters.PARAMETERS}
        for d in draws
        if isinstance(d, dict)
    ]


def problem(ranges: list[Range]) -> dict:
    """A SALib problem over the unit cube (``Range.value`` maps it to the parameter)."""
    return {
        "num_vars": len(ranges),
        "names": [r.name for r in ranges],
        "bounds": [[0, 1]] * len(ranges),
    }


# ---------------------------------------------------------------------- the study file
@dataclass
class Study:
    name: str
    path: Path
    description: str
    baseline: tuple[Path, dict]
    policies: list[tuple[Path, dict]]
    methods: list[str]
    parameter_names: list[str]
    seeds: list[int]
    outputs: list[str]
    morris: dict
    sobol: dict
    range_overrides: dict
    calibration: object
    definition_hash: str
    policy_names: list[str] = field(default_factory=list)


def _read_toml(path: Path) -> tuple[bytes, dict]:
    try:
        raw = path.read_bytes()
        return raw, tomllib.loads(raw.decode("utf-8"))
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot read the file ({exc.strerror})") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"{path}: not valid TOML ({exc})") from exc


def load(path: str | Path) -> Study:
    path = Path(path)
    where = str(path)
    raw, data = _read_toml(path)
    bad = set(data) - {"sensitivity", "morris", "sobol", "ranges"}
    if bad:
        raise ScenarioError(f"{where}: unknown section(s) {sorted(bad)}")
    head = data.get("sensitivity", {})
    for key in head:
        if key not in KEYS:
            raise ScenarioError(f"{where}: [sensitivity] unknown key {key!r}")
    name = head.get("name")
    if not isinstance(name, str) or not name:
        raise ScenarioError(f"{where}: [sensitivity].name: expected a non-empty string")
    hasher = hashlib.sha256(raw)

    def scen(f, key):
        if not isinstance(f, str):
            raise ScenarioError(f"{where}: [sensitivity].{key}: expected a scenario file path")
        p = (path.parent / f).resolve()
        sc = scenario.load(p)
        _, sdata = _read_toml(p)
        if "years" in head:
            sdata.setdefault("scenario", {})["years"] = head["years"]
        hasher.update(p.read_bytes())
        return p, sdata, sc

    bp, bdata, bsc = scen(head.get("baseline"), "baseline")
    if bsc.policies:
        raise ScenarioError(f"{where}: [sensitivity].baseline: {bp} has policies")
    pols = head.get("policies", [])
    if not isinstance(pols, list):
        raise ScenarioError(f"{where}: [sensitivity].policies: expected a list of files")
    policies = [scen(f, "policies") for f in pols]
    for p, _, sc in policies:
        if sc.territory != bsc.territory:
            raise ScenarioError(f"{p}: [territory] differs from the baseline's ({bp})")
    pnames = [sc.name for _, _, sc in policies]
    if len(set(pnames + [bsc.name])) != len(pnames) + 1:
        raise ScenarioError(f"{where}: scenario names must differ")
    methods = head.get("methods", ["morris"])
    if isinstance(methods, str):
        methods = [methods]
    if not methods or any(m not in ("morris", "sobol") for m in methods):
        raise ScenarioError(
            f"{where}: [sensitivity].methods: expected some of 'morris', 'sobol', got {methods}"
        )
    names = head.get("parameters", "all")
    if names == "all":
        names = uncertain()
    if not isinstance(names, list) or not names:
        raise ScenarioError(f'{where}: [sensitivity].parameters: expected "all" or a list')
    overrides = data.get("ranges", {})
    parameter_ranges(list(overrides), bsc.calibration, overrides, f"{where}: [ranges]")
    ranges = parameter_ranges(names, bsc.calibration, overrides, f"{where}: [ranges]")
    del ranges  # checked here, rebuilt where used
    seeds = scenario.parse_seeds(head.get("seeds", 1), f"{where}: [sensitivity].seeds")
    outputs = head.get("outputs", list(DEFAULT_OUTPUTS))
    if not isinstance(outputs, list) or not outputs:
        raise ScenarioError(f"{where}: [sensitivity].outputs: expected a list of names")
    resolve_outputs(outputs, pnames, f"{where}: [sensitivity].outputs")
    morris = {"r": 10, "levels": 4, **data.get("morris", {})}
    sobol = {"n": 64, "parameters": "kept", "keep": 0.1, **data.get("sobol", {})}
    for k in morris:
        if k not in ("r", "levels"):
            raise ScenarioError(f"{where}: [morris] unknown key {k!r}")
    for k in sobol:
        if k not in ("n", "parameters", "keep"):
            raise ScenarioError(f"{where}: [sobol] unknown key {k!r}")
    if not isinstance(morris["r"], int) or morris["r"] < 2:
        raise ScenarioError(f"{where}: [morris].r: expected an integer >= 2")
    if not isinstance(morris["levels"], int) or morris["levels"] < 2 or morris["levels"] % 2:
        raise ScenarioError(f"{where}: [morris].levels: expected an even integer >= 2")
    n = sobol["n"]
    if not isinstance(n, int) or n < 2 or n & (n - 1):
        raise ScenarioError(
            f"{where}: [sobol].n: {n!r} is not a power of two (Sobol sequences need 2^k, "
            f"e.g. 64 or 128)"
        )
    if "sobol" in methods and "morris" not in methods and sobol["parameters"] == "kept":
        raise ScenarioError(
            f'{where}: [sobol].parameters = "kept" needs Morris first (methods = '
            '["morris", "sobol"]) or a list of names'
        )
    if isinstance(sobol["parameters"], list):
        parameter_ranges(sobol["parameters"], bsc.calibration, overrides, f"{where}: [sobol]")
    return Study(
        name=name,
        path=path,
        description=head.get("description", ""),
        baseline=(bp, bdata),
        policies=[(p, d) for p, d, _ in policies],
        methods=list(methods),
        parameter_names=list(names),
        seeds=seeds,
        outputs=list(outputs),
        morris=morris,
        sobol=sobol,
        range_overrides=overrides,
        calibration=bsc.calibration,
        definition_hash=hasher.hexdigest(),
        policy_names=pnames,
    )


def resolve_outputs(names, policy_names, where) -> list[tuple[str, str, str | None]]:
    """(output label, figure, policy or None) for each output name; raise on unknown."""
    diffs = {d.name for d in indicators.differences()} | {indicators.COST_PER_AVOIDED[0]}
    out = []
    for n in names:
        base = n.split(":", 1)[1] if n.startswith(("last:", "horizon:")) else n
        if n in diffs:
            if not policy_names:
                raise ScenarioError(
                    f"{where}: {n!r} is a policy effect; list [sensitivity].policies"
                )
            out += [(f"{p}: {n}", n, p) for p in policy_names]
        elif base in indicators.INDICATORS:
            key = n if ":" in n else f"last:{n}"
            out.append((n, key, None))
        else:
            known = sorted(diffs | set(indicators.INDICATORS))
            raise ScenarioError(f"{where}: unknown output {n!r}; expected one of {known}")
    return out


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
        from accesssim.policies import library as policies

        policies.ensure_registered(policy_paths or {})
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
            data = json.loads(json.dumps(sdata))
            data.setdefault("parameters", {}).update(point)
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
    root = Path(results) / study_like.name
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


def output_matrix(values: dict, n_sets, baseline, outputs, seeds) -> dict[str, np.ndarray]:
    """Each output per parameter set, averaged over seeds (a ratio: of the seed means)."""
    diff = {d.name: d for d in indicators.differences()}
    ys: dict[str, np.ndarray] = {}
    for label, fig, pol in outputs:
        y = np.empty(n_sets)
        for i in range(n_sets):
            b = [values[(i, baseline, s)] for s in seeds]
            if pol is None:
                y[i] = np.mean([v.get(fig, np.nan) for v in b])
                continue
            p = [values[(i, pol, s)] for s in seeds]
            if fig == indicators.COST_PER_AVOIDED[0]:
                cost = np.mean([diff["cost_eur"].of(bb, pp) for bb, pp in zip(b, p, strict=True)])
                av = np.mean(
                    [diff["forgone_avoided"].of(bb, pp) for bb, pp in zip(b, p, strict=True)]
                )
                y[i] = cost / av if av > 0 else np.nan
            else:
                y[i] = np.mean([diff[fig].of(bb, pp) for bb, pp in zip(b, p, strict=True)])
        ys[label] = y
    return ys


# ---------------------------------------------------------------------- analyses
def _salib(module: str):
    import importlib

    try:
        return importlib.import_module(f"SALib.{module}")
    except ImportError:
        raise ScenarioError(
            "SALib is not installed: pip install SALib (or -e '.[sensitivity]' from a checkout)"
        ) from None


def morris_design(ranges, r, levels, seed=1) -> np.ndarray:
    morris = _salib("sample.morris")

    return morris.sample(problem(ranges), N=r, num_levels=levels, seed=seed)


def morris_indices(ranges, unit, ys, levels, seed=1) -> list[dict]:
    morris = _salib("analyze.morris")

    rows = []
    for out, y in ys.items():
        ok = np.isfinite(y).all()
        # elementary effects below float round-off of the output are no effect
        tiny = 1e-9 * (1 + float(np.nanmax(np.abs(y)))) if ok else 0
        res = morris.analyze(problem(ranges), unit, y, num_levels=levels, seed=seed) if ok else None
        for j, r in enumerate(ranges):
            rows.append(
                {
                    "output": out,
                    "parameter": r.name,
                    "mu_star": _clean(res["mu_star"][j], tiny) if ok else np.nan,
                    "mu_star_conf": _clean(res["mu_star_conf"][j], tiny) if ok else np.nan,
                    "mu": _clean(res["mu"][j], tiny) if ok else np.nan,
                    "sigma": _clean(res["sigma"][j], tiny) if ok else np.nan,
                    "note": "" if ok else f"{int((~np.isfinite(y)).sum())} sets undefined",
                }
            )
    return rows


def _clean(v, tiny) -> float:
    return 0.0 if abs(v) < tiny else float(v)


def kept(morris_rows, keep: float) -> list[str]:
    """Parameters whose mu* reaches ``keep`` × the largest mu* for at least one output."""
    out = []
    by: dict[str, list[dict]] = {}
    for r in morris_rows:
        by.setdefault(r["output"], []).append(r)
    for rows in by.values():
        top = max((r["mu_star"] for r in rows if np.isfinite(r["mu_star"])), default=0)
        out += [r["parameter"] for r in rows if top > 0 and r["mu_star"] >= keep * top]
    return list(dict.fromkeys(out))


def sobol_design(ranges, n, seed=1) -> np.ndarray:
    sobol = _salib("sample.sobol")

    return sobol.sample(problem(ranges), n, calc_second_order=False, scramble=True, seed=seed)


def sobol_indices(ranges, ys, seed=1) -> list[dict]:
    sobol = _salib("analyze.sobol")

    rows = []
    for out, y in ys.items():
        ok = np.isfinite(y).all() and np.std(y) > 0
        res = sobol.analyze(problem(ranges), y, calc_second_order=False, seed=seed) if ok else None
        for j, r in enumerate(ranges):
            rows.append(
                {
                    "output": out,
                    "parameter": r.name,
                    **{
                        k: float(res[k][j]) if ok else np.nan
                        for k in ("S1", "S1_conf", "ST", "ST_conf")
                    },
                    "note": "" if ok else "output undefined or constant",
                }
            )
    return rows


# ---------------------------------------------------------------------- the whole study
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


def within_noise(done: dict, method: str, out: str) -> dict | None:
    """``numerical_noise``'s entry for ``out`` when rounding can give the unsettled runs more
    than the effect's median size (the output is then not analysable), else None."""
    nz = done.get("noise" if method == "morris" else "noise_sobol", {}).get(out)
    return nz if nz and nz["unsettled_sets"] and nz["noise"] > nz["median_effect"] else None


def figures(done: dict, root: Path) -> list[Path]:
    """One ranked bar figure per output and method (grey, and titled so, when the output is
    within numerical noise: ``within_noise``)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    files = []
    for method, rows, val, err in (
        ("morris", done["morris"], "mu_star", "mu_star_conf"),
        ("sobol", done["sobol"], "ST", "ST_conf"),
    ):
        by: dict[str, list[dict]] = {}
        for r in rows:
            by.setdefault(r["output"], []).append(r)
        for out, rs in by.items():
            rs = sorted((r for r in rs if np.isfinite(r[val])), key=lambda r: r[val])
            if not rs:
                continue
            noise = within_noise(done, method, out)
            fig, ax = plt.subplots(figsize=(7, 0.3 * len(rs) + 1.2))
            ax.barh(
                [r["parameter"] for r in rs],
                [r[val] for r in rs],
                xerr=[r[err] for r in rs],
                color="#bbbbbb" if noise else "#4477aa",
            )
            if method == "sobol":
                ax.scatter(
                    [r["S1"] for r in rs], range(len(rs)), color="#ee6677", zorder=3, label="S1"
                )
                ax.legend(loc="lower right")
            ax.set_xlabel(
                {
                    "morris": "μ* (mean |elementary effect|), 95 % CI",
                    "sobol": "total index ST (bars, 95 % CI), first-order S1 (dots)",
                }[method]
            )
            ax.set_title(
                f"{out}\nNOT ANALYSABLE: within numerical noise (report.md)" if noise else out,
                fontsize=9,
            )
            fig.tight_layout()
            slug = "".join(c if c.isalnum() else "_" for c in out).strip("_")
            f = root / f"{method}_{slug}.png"
            tmp = f.with_suffix(".tmp.png")
            fig.savefig(tmp, dpi=90)
            plt.close(fig)
            os.replace(tmp, f)
            files.append(f)
    return files


def report(study: Study, done: dict) -> str:
    lines = [f"# Sensitivity: {study.name}", ""]
    if study.description:
        lines += [study.description, ""]
    lines += [
        f"Baseline `{study.baseline[0].name}`"
        + (f", policies {', '.join(study.policy_names)}" if study.policy_names else "")
        + f"; seeds {study.seeds} shared by every parameter set (common random numbers). "
        "Policy effects are policy − same-seed baseline. Ranges: `ranges.csv` "
        "(parameters.UNCERTAINTY). " + indicators.SYNTHETIC_NOTE,
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


# ---------------------------------------------------------------------- compare --uncertainty
@dataclass
class Uncertainty:
    n_sets: int
    seeds: list[int]
    policies: list[str]
    pairs: dict[str, list[dict]]  # policy -> per (set, seed) differences
    summary: dict[str, dict[str, tuple[float, float, float]]]  # policy -> metric -> interval
    beats: dict[tuple[str, str], float]  # (a, b) -> P(a avoids more forgone care than b)
    eur: dict[str, dict[str, float]]  # policy -> percentiles of euros per avoided, share ≤ 0
    ranges: list[Range]
    joint: list[str] = field(default_factory=list)  # drawn together from calibration draws
    # policy -> (pairs with an unsettled baseline or policy run, median of what rounding can
    # give forgone_avoided there): docs/sensitivity.md, "Numerical noise"
    unsettled: dict[str, tuple[int, float]] = field(default_factory=dict)


def uncertainty(base_sc, others, n: int, results, design="lhs", seed=1, **engine) -> Uncertainty:
    """N parameter sets (Latin hypercube or Sobol sequence over every uncertain parameter) ×
    the baseline's seeds, each set run for the baseline and every policy with the same seeds
    (common random numbers), through the sweep engine under ``results/uncertainty/``."""
    from scipy.stats import qmc

    if not isinstance(n, int) or n < 2:
        raise ScenarioError(f"--uncertainty: expected a number of parameter sets >= 2, got {n}")
    # fitted parameters with calibration draws are drawn jointly (one draw per set, chosen by
    # one more column of the design), the others independently over their ranges
    tables = draw_tables(base_sc.calibration)
    joint = [
        k
        for k in uncertain()
        if tables and parameters.PARAMETERS[k].status == "C" and all(k in t for t in tables)
    ]
    names = [k for k in uncertain() if k not in joint]
    ranges = parameter_ranges(names, base_sc.calibration, where="compare --uncertainty")
    d = len(ranges) + (1 if joint else 0)
    if design == "sobol":
        unit = qmc.Sobol(d, scramble=True, seed=seed).random(n)
    else:
        unit = qmc.LatinHypercube(d, seed=seed).random(n)
    extra = None
    if joint:
        pick = np.minimum((unit[:, -1] * len(tables)).astype(int), len(tables) - 1)
        extra = [{k: tables[j][k] for k in joint} for j in pick]

    def data(sc):
        _, d = _read_toml(Path(sc.path))
        d.setdefault("scenario", {})["seeds"] = list(base_sc.seeds)
        return Path(sc.path), d

    h = hashlib.sha256()
    for sc in (base_sc, *others):
        h.update(Path(sc.path).read_bytes())
    like = Study(
        name="uncertainty",
        path=Path(base_sc.path),
        description="compare --uncertainty",
        baseline=data(base_sc),
        policies=[data(sc) for sc in others],
        methods=[],
        parameter_names=[r.name for r in ranges],
        seeds=list(base_sc.seeds),
        outputs=[],
        morris={},
        sobol={},
        range_overrides={},
        calibration=base_sc.calibration,
        definition_hash=h.hexdigest() + design,
        policy_names=[sc.name for sc in others],
    )
    stage_dir, _ = run_stage(like, f"{design}{n}", unit, ranges, results, extra, **engine)
    names = [base_sc.name, *like.policy_names]
    values = collect(stage_dir, n, names, like.seeds)
    pairs = {
        p: [
            indicators.seed_differences(values[(i, base_sc.name, s)], values[(i, p, s)])
            for i in range(n)
            for s in like.seeds
        ]
        for p in like.policy_names
    }
    summary, eur = {}, {}
    for p, rows in pairs.items():
        summary[p] = {
            d.name: indicators.interval([r[d.name] for r in rows]) for d in indicators.differences()
        }
        eur[p] = indicators.cost_per_avoided_percentiles(
            [r["cost_eur"] for r in rows], [r["forgone_avoided"] for r in rows]
        )
    beats = {
        (a, b): indicators.probability_beats(
            [r["forgone_avoided"] for r in pairs[a]], [r["forgone_avoided"] for r in pairs[b]]
        )
        for a in pairs
        for b in pairs
        if a != b
    }
    unsettled = {}
    for p in like.policy_names:
        noise = [
            rounding_noise([values[(i, base_sc.name, s_)]], [values[(i, p, s_)]], "horizon:forgone")
            for i in range(n)
            for s_ in like.seeds
        ]
        noise = [r for r in noise if r is not None]
        unsettled[p] = (len(noise), float(np.median(noise)) if noise else 0.0)
    return Uncertainty(
        n, like.seeds, like.policy_names, pairs, summary, beats, eur, ranges, joint, unsettled
    )


def uncertainty_report(u: Uncertainty, seed_summary: dict | None = None) -> str:
    """The uncertainty section of compare.md: both intervals, labelled; who beats whom; €."""
    lines = [
        f"## Parameter uncertainty ({u.n_sets} parameter sets × {len(u.seeds)} seeds, "
        f"{len(u.ranges) + len(u.joint)} uncertain parameters)",
        "",
        *(
            [f"Fitted together from the calibration's draws: {', '.join(u.joint)}.", ""]
            if u.joint
            else []
        ),
        f"Each cell: median [{indicators.INTERVAL_LABELS['parameters+seeds']}]"
        + (f"; below it, {indicators.INTERVAL_LABELS['seeds']}." if seed_summary else "."),
        "",
        "| | " + " | ".join(u.policies) + " |",
        "|---|" + "---:|" * len(u.policies),
    ]
    for d in indicators.CURATED_DIFFERENCES:
        cells = []
        for p in u.policies:
            c = indicators.format_interval(d.format, *u.summary[p][d.name], style="band")
            if seed_summary and p in seed_summary:
                s = indicators.format_interval(d.format, *seed_summary[p][d.name], style="band")
                c += f"<br>seeds only: {s}"
            cells.append(c)
        lines.append(f"| {d.label} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "Probability that the row's policy avoids more forgone consultations (whole horizon) "
        "than the column's, over parameter sets × seeds (paired: same set, same seed):",
        "",
        "| | " + " | ".join(u.policies) + " |",
        "|---|" + "---:|" * len(u.policies),
    ]
    for a in u.policies:
        cells = ["–" if a == b else f"{u.beats[(a, b)]:.0%}" for b in u.policies]
        lines.append(f"| {a} | " + " | ".join(cells) + " |")
    shaky = {p: v for p, v in u.unsettled.items() if v[0]}
    if shaky:
        lines += [
            "",
            'Draws whose weekly state did not settle (docs/sensitivity.md, "Numerical '
            'noise"); there rounding alone can move forgone care avoided by about the amount '
            "given, so smaller differences between policies in those draws are noise: "
            + "; ".join(
                f"{p} {k} of {u.n_sets * len(u.seeds)} (±{v:,.0f})" for p, (k, v) in shaky.items()
            )
            + ".",
        ]
    lines += [
        "",
        "Euros per forgone consultation avoided across parameter sets × seeds (draws that "
        "avoid none are counted apart, never divided):",
        "",
        "| policy | avoids none | p5 | p25 | median | p75 | p95 |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for p in u.policies:
        e = u.eur[p]
        q = [e[k] for k in ("p05", "p25", "p50", "p75", "p95")]
        cells = " | ".join("n/a" if not np.isfinite(v) else f"{v:,.0f}" for v in q)
        lines.append(f"| {p} | {e['share_not_avoiding']:.0%} | {cells} |")
    return "\n".join(lines) + "\n"


def write_uncertainty(u: Uncertainty, out: Path) -> list[Path]:
    rows = [
        {"scenario": p, "metric": k, "median": m, "p05": lo, "p95": hi,
         "interval": "parameters+seeds"}
        for p, s in u.summary.items()
        for k, (m, lo, hi) in s.items()
    ]  # fmt: skip
    files = [out / "uncertainty_summary.csv", out / "uncertainty_beats.csv"]
    files.append(out / "uncertainty_eur_per_avoided.csv")
    aio.atomic_write_text(files[0], export.csv_text(rows))
    beats = [{"policy": a, "other": b, "p_avoids_more": v} for (a, b), v in u.beats.items()]
    aio.atomic_write_text(files[1], export.csv_text(beats))
    aio.atomic_write_text(files[2], export.csv_text([{"policy": p, **e} for p, e in u.eur.items()]))
    return files
