"""Calibration: fit the free parameters to published national figures, and say how well.

Procedure (rerunnable: ``accesssim calibrate --write PATH``; docs/calibration.md):

* **what is fitted**: six parameters to five national figures (the Jacobian printed in the
  record says how much each target moves with each parameter, and its condition number
  whether a combination is left free):

  ============================ ============================================ ===============
  parameter                    target (tolerance)                           source
  ============================ ============================================ ===============
  consultations_per_inhabitant GP consultations served per inhabitant, 3.4  sources §2 (D)
                               (± 0.05)
  forgo_base                   people 15+ who forwent care in a year, 3.1 % DREES ER 1200
                               (± 0.2 pt)
  ed_base_rate                 GP-treatable ED visits, 27 % × 20.9 M        DREES ER 1320,
                               = 5.64 M (± 5 %)                             Enquête 2013
  mt_registration_rate         adults without a médecin traitant, 11 %      CNAM 2021
                               (± 0.5 pt)
  giveup_unserved              mean appointment delay, 6 days (± 2)         DREES ER 1085
  capacity_flex                (with the two first: how much need is left   Insee Analyses
                               unserved) kept inside its sourced range      51 (range)
  ============================ ============================================ ===============

  With supply as delivered (issue 19) the consultations served and the people who forgo care
  depend on how much more a saturated GP gives, so ``capacity_flex`` is free within the range
  its evidence allows (``EVIDENCE_BOUNDS``); patience (``giveup_unserved``) sets the delay
  once supply sets the forgone need, so the delay's mean is fitted and its median, its tails,
  its gradient by APL class and the GPs refusing new patients stay independent checks.

* **how**: ``scipy.optimize.least_squares`` (trust-region reflective, bounds from the
  parameter table or the evidence range) on log-parameters, residuals = (model − target) /
  tolerance, each model figure the mean over ``SEEDS`` seeds (common random numbers: the same
  seeds at every evaluation, so finite differences see the parameters, not the noise) in year
  ``YEARS`` of the baseline (year 1 runs before the first year-end's exits and registrations);
* **where**: all of France (a fixed subsample, ``sample=True``, is cheaper but its buffer
  edges create shortages that do not exist: fitted there, renoncement on France came out at
  half its target); the fitted values are then checked on all of France on the mean of
  ``CHECK_SEEDS`` seeds (``check_france``);
* **what is reported**: active bounds, the Jacobian (which target pins which parameter) and
  its condition number, and a parameter uncertainty: draws from the linearised fit
  (covariance (JᵀJ)⁻¹ in tolerance units) kept only when every linearised target stays within
  tolerance, a few of them rerun on the fit territory to confirm it. Later commands read them
  with ``draws``.

Outputs of the model are stored under ``model_at_fit`` and ``france_check``; ``targets`` holds
the published figures only.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np

from accesssim.geo import territory as terr
from accesssim.model.access_model import AccessModel
from accesssim.params import calibration as calfile
from accesssim.params import checks, parameters
from accesssim.util import files as aio
from accesssim.util.version import MODEL_REVISION, __version__

FRANCE_POPULATION = parameters.PARAMETERS["france_population"].default
AVOIDABLE_ED = parameters.PARAMETERS["avoidable_ed_visits"].default
# name in ledger.national_year -> (published value, tolerance, source); ED scaled by population
TARGETS = {
    "consultations_per_inhabitant": (3.4, 0.05, "230-254 M GP acts / 68 M (docs/sources.md §2)"),
    "share_people_forwent_15plus": (0.031, 0.002, "DREES ER 1200 (SRCV 2017)"),
    "ed_visits": (AVOIDABLE_ED, 0.05 * AVOIDABLE_ED, "27% of 20.9 M, DREES ER 1320 / 2013"),
    "share_without_mt_15plus": (0.11, 0.005, "CNAM 2021"),
    "delay_days_mean": (6.0, 2.0, "DREES ER 1085 (2018): mean 6 days to see a GP; ± 2 days"),
}
FREE = (
    "consultations_per_inhabitant",
    "forgo_base",
    "ed_base_rate",
    "mt_registration_rate",
    "capacity_flex",
    "giveup_unserved",
)
# a free parameter whose evidence gives a range: the fit stays inside it (a value stuck at its
# end is reported as an active bound); the others are bounded by the parameter table
EVIDENCE_BOUNDS = ("capacity_flex",)
YEARS = 2  # fits year 2: the 1st year-end's exits and registrations have acted
SEEDS = (1, 2)
CHECK_SEEDS = (1, 2, 3, 4, 5)
SAMPLE_EVERY = 4
SAMPLE_BUFFER_KM = 10.0  # a thin buffer: the targets are national rates, edges matter little
N_DRAWS = 20
N_DRAWS_RERUN = 2
MAX_EVALS = 24


def sample_epcis(t, every: int = SAMPLE_EVERY) -> list[str]:
    """EPCIs whose seat département is one of every ``every``-th (by code): a fixed spread
    subsample of France (mainland and overseas alike)."""
    c = t.communes
    deps = sorted(set(c.departement[c.core].tolist()))
    keep = set(deps[::every])
    n = len(t.epcis)
    # an EPCI's département: that of most of its inhabitants
    pop = np.zeros(n)
    dep_of = np.empty(n, dtype=object)
    for d in deps:
        w = np.bincount(c.epci, weights=c.population * (c.departement == d), minlength=n)
        better = w > pop
        dep_of[better] = d
        pop[better] = w[better]
    return [str(t.epcis.siren[k]) for k in range(n) if t.epcis.core[k] and dep_of[k] in keep]


def fit_sample(t):
    """The calibration's fixed subsample of ``t`` (see ``sample_epcis``)."""
    return t.select(epcis=sample_epcis(t), buffer_km=SAMPLE_BUFFER_KM)


def outputs(territory, params: dict, seeds=SEEDS, years: int = YEARS) -> dict:
    """National (core) outputs, mean over seeds and over years 2..``years``."""
    rows = []
    for seed in seeds:
        m = AccessModel(territory, params=params, rng=seed, calibration=None, agents=False)
        for _ in range(years):
            m.run_for(52)
            if m.year_index >= 2 or years == 1:
                rows.append(m.last_year)
    keys = [k for k, v in rows[0].items() if isinstance(v, int | float)]
    return {k: float(np.mean([r[k] for r in rows])) for k in keys}


def residuals(out: dict, scale: float) -> np.ndarray:
    """(model − target) / tolerance for each target (ED scaled to the territory)."""
    res = []
    for key, (value, tol, _) in TARGETS.items():
        f = scale if key == "ed_visits" else 1.0
        res.append((out[key] - value * f) / (tol * f))
    return np.asarray(res)


def _bounds():
    lo, hi = [], []
    for k in FREE:
        p = parameters.PARAMETERS[k]
        low, high = p.range if k in EVIDENCE_BOUNDS else (p.low, p.high)
        lo.append(np.log(max(low or 0.0, 1e-6)))
        hi.append(np.log(high))
    return np.asarray(lo), np.asarray(hi)


def fit(territory=None, seeds=SEEDS, log=print, start=None, sample: bool = False) -> dict:
    """Fit ``FREE`` to ``TARGETS`` (see the module docstring); returns the record ``write``
    saves. ``start``: a calibration to start from (default: the table's defaults)."""
    from scipy.optimize import least_squares

    t_all = territory or terr.load()
    t = fit_sample(t_all) if sample else t_all
    scale = t.communes.population[t.communes.core].sum() / FRANCE_POPULATION
    base = calfile.defaults(start)
    names = list(FREE)
    x0 = np.log([base[k] for k in names])
    lo, hi = _bounds()
    x0 = np.clip(x0, lo + 1e-9, hi - 1e-9)
    evals: list[dict] = []

    def values(x):
        return dict(zip(names, np.exp(x).tolist(), strict=True))

    seen: dict[tuple, dict] = {}  # outputs by evaluated point (the fit's is reused)

    def fun(x):
        out = outputs(t, values(x), seeds)
        seen[tuple(x)] = out
        r = residuals(out, scale)
        evals.append({"params": values(x), "residuals": r.tolist()})
        log(
            f"eval {len(evals)}: "
            + ", ".join(f"{k}={v:.4g}" for k, v in values(x).items())
            + " | residuals/tol "
            + " ".join(f"{v:+.2f}" for v in r)
        )
        return r

    res = least_squares(
        fun,
        x0,
        bounds=(lo, hi),
        diff_step=0.03,
        x_scale=1.0,
        xtol=1e-3,
        ftol=1e-3,
        max_nfev=MAX_EVALS,
    )
    fitted = values(res.x)
    jac = res.jac  # d residual (tolerance units) / d log parameter
    active = [names[i] for i, a in enumerate(res.active_mask) if a != 0]
    ident = identifiability(jac, names)
    draws, accepted_share = parameter_draws(res.x, res.fun, jac, names, lo, hi)
    log(f"checking {min(N_DRAWS_RERUN, len(draws))} draws on the fit territory")
    confirmed = []
    for d in draws[:N_DRAWS_RERUN]:
        r = residuals(outputs(t, d, seeds), scale)
        confirmed.append(
            {"params": d, "residuals": r.tolist(), "within": bool(np.all(abs(r) <= 1))}
        )
    model_at_fit = seen.get(tuple(res.x)) or outputs(t, fitted, seeds)
    return {
        "fitted": fitted,
        "targets": {
            k: {"value": v, "tolerance": tol, "source": src} for k, (v, tol, src) in TARGETS.items()
        },
        "model_at_fit": model_at_fit,
        "residuals_at_fit": dict(zip(TARGETS, res.fun.tolist(), strict=True)),
        "active_bounds": active,
        "identifiability": ident,
        "draws": draws,
        "draws_method": "Gaussian around the fit in log-parameters, covariance (JᵀJ)⁻¹ in "
        "tolerance units, kept when every linearised target is within tolerance; "
        f"{accepted_share:.0%} of proposals kept",
        "draws_rerun": confirmed,
        "fit_territory": f"{t.label} (EPCIs of every {SAMPLE_EVERY}th département, "
        f"{SAMPLE_BUFFER_KM:g} km buffer)"
        if sample
        else t.label,
        "seeds": list(seeds),
        "years": f"year {YEARS}",
        "evaluations": evals,
        "optimizer": {
            "method": "scipy.optimize.least_squares (trf)",
            "status": int(res.status),
            "message": str(res.message),
            "nfev": int(res.nfev),
            "njev": int(res.njev or 0),
            "cost": float(res.cost),
        },
        "accesssim_version": __version__,
        "model_revision": MODEL_REVISION,
        "date": dt.date.today().isoformat(),
        "procedure": (
            "accesssim.experiments.calibration.fit; rerun with `accesssim calibrate --write PATH`"
        ),
    }


def identifiability(jac: np.ndarray, names: list[str]) -> dict:
    """Which target pins which parameter: the Jacobian (tolerance units per unit of log
    parameter), each parameter's share of each target's sensitivity, and the condition number
    (large = some combination of parameters is barely constrained)."""
    jac = np.asarray(jac, float)
    targets = list(TARGETS)
    share = np.abs(jac) / np.maximum(np.abs(jac).sum(1, keepdims=True), 1e-12)
    sv = np.linalg.svd(jac, compute_uv=False)
    return {
        "jacobian": {
            t: dict(zip(names, map(float, row), strict=True))
            for t, row in zip(targets, jac, strict=True)
        },
        "pinned_by": {t: names[int(np.argmax(share[i]))] for i, t in enumerate(targets)},
        # for each parameter, the target that moves most with it (in tolerance units)
        "parameter_pinned_by": {
            k: targets[int(np.argmax(np.abs(jac[:, j])))] for j, k in enumerate(names)
        },
        "share_of_sensitivity": {
            t: dict(zip(names, map(float, row), strict=True))
            for t, row in zip(targets, share, strict=True)
        },
        "condition_number": float(sv[0] / sv[-1]) if sv[-1] > 0 else float("inf"),
    }


def parameter_draws(x, r, jac, names, lo, hi, n: int = N_DRAWS, seed: int = 0):
    """Parameter sets around the fit whose linearised targets all stay within tolerance."""
    rng = np.random.default_rng(seed)
    jtj = jac.T @ jac
    cov = np.linalg.pinv(jtj)
    out, tried = [], 0
    while len(out) < n and tried < 200 * n:
        dx = rng.multivariate_normal(np.zeros(len(x)), cov, size=n)
        tried += n
        for d in dx:
            xn = x + d
            if np.any(xn < lo) or np.any(xn > hi):
                continue
            if np.all(np.abs(r + jac @ d) <= 1):
                out.append(dict(zip(names, np.exp(xn).tolist(), strict=True)))
                if len(out) == n:
                    break
    return out, len(out) / max(tried, 1)


def check_france(fitted: dict, territory=None, seeds=CHECK_SEEDS) -> dict:
    """The fitted values on all of France: mean of ``seeds`` (year 2 of each run), and the
    per-seed spread, beside the targets."""
    t = territory or terr.load()
    per_seed = [outputs(t, fitted, (s,), years=2) for s in seeds]
    keys = per_seed[0].keys()
    mean = {k: float(np.mean([o[k] for o in per_seed])) for k in keys}
    sd = {k: float(np.std([o[k] for o in per_seed], ddof=1)) for k in keys}
    scale = t.communes.population[t.communes.core].sum() / FRANCE_POPULATION
    r = residuals(mean, scale)
    return {
        "territory": t.label,
        "seeds": list(seeds),
        "mean": mean,
        "sd_across_seeds": sd,
        "residuals": dict(zip(TARGETS, r.tolist(), strict=True)),
        "within_tolerance": bool(np.all(np.abs(r) <= 1)),
    }


def draws(calibration=calfile.SHIPPED_CALIBRATION) -> list[dict]:
    """The parameter draws saved with a calibration (a list of {parameter: value}); empty when
    the file has none."""
    path = calibration
    try:
        rec = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValueError(f"{path}: cannot read the calibration's draws ({exc})") from exc
    return [checks.validate(d, where=f"{path} draws") for d in rec.get("draws", [])]


def write(record: dict, path) -> None:
    """Write a calibration record to ``path`` (atomically); use it with
    ``[scenario] calibration = "PATH"`` or ``AccessModel(..., calibration=PATH)``."""
    aio.atomic_write_text(path, json.dumps(record, indent=1, ensure_ascii=False, default=float))


# ---------------------------------------------------------------------- calibration
# published national figures beside the model (value, tolerance, source)
REPORT = [
    ("apl", "mean APL", 3.3, 0.5, "DREES 2023"),
    ("apl_bottom_decile", "APL, mean of the 10% lowest", 1.4, 0.4, "DREES 2023"),
    ("apl_top_decile", "APL, mean of the 10% highest", 5.6, 1.0, "DREES 2023"),
    (
        "consultations_per_inhabitant",
        "GP consultations per inhabitant",
        3.4,
        0.05,
        "230-254 M acts / 68 M (D)",
    ),
    ("tele_share", "teleconsultation share", 0.03, 0.01, "Cour des comptes 2025"),
    (
        "share_people_forwent_15plus",
        "people 15+ who forwent care in a year",
        0.031,
        0.002,
        "DREES ER 1200 (16+, all medical care)",
    ),
    ("ed_visits", "GP-treatable ED visits a year", 5.64e6, 0.282e6, "27% of 20.9 M, DREES"),
    ("share_without_mt_15plus", "adults without médecin traitant", 0.11, 0.005, "CNAM 2021"),
    ("exits", "GP cessations a year", 2327, 250, "CNAM 2022"),
    ("installations", "GP installations a year", 2357, 250, "CNAM 2022"),
]


def calibration_table(observed: dict, scale: float = 1.0) -> str:
    """Model beside published figures, with a tolerance each and whether it is met."""
    lines = [
        "| indicator | model | published | tolerance | within | source |",
        "|---|---:|---:|---:|:---:|---|",
    ]
    for key, label, value, tol, source in REPORT:
        if key not in observed:
            continue
        v = observed[key]
        target, tolerance = value, tol
        if key in ("ed_visits", "exits", "installations"):
            target, tolerance = value * scale, tol * scale
        rate = isinstance(value, float) and value < 1
        fmt = (
            (lambda x: f"{100 * x:.1f}%")
            if rate
            else (lambda x: f"{x:,.2f}" if x < 100 else f"{x:,.0f}")
        )
        ok = "yes" if abs(v - target) <= tolerance else "**no**"
        lines.append(
            f"| {label} | {fmt(v)} | {fmt(target)} | ±{fmt(tolerance)} | {ok} | {source} |"
        )
    lines += [
        "",
        "Renoncement gradient: people 15+ who forwent care, in communes with APL < 1.5: "
        f"{100 * observed.get('forwent_apl_below_1_5', float('nan')):.1f}%, elsewhere "
        f"{100 * observed.get('forwent_apl_above_1_5', float('nan')):.1f}%. DREES's "
        "'poor people in very under-served zones renounce 8× more than the rest' cannot be "
        "checked: the model has no income data, so it does not report a poverty gradient.",
        "",
        "Forgone consultations map to people by assuming forgone events are Poisson-spread over "
        "a cohort: P(at least one in the year) = 1 - exp(-forgone / people).",
    ]
    return "\n".join(lines)


def calibration_report(rec: dict, territory, seed: int) -> str:
    """The calibration report printed by ``accesssim calibrate``: fitted values, the model
    beside the published figures (on all of France when checked there), active bounds,
    identifiability and the parameter draws (``fit``'s record)."""
    check = rec.get("france_check")
    if check:
        observed, where = check["mean"], f"all of France, mean of seeds {check['seeds']}"
        scale = 1.0
    else:
        observed = rec.get("model_at_fit", rec.get("observed", {}))
        where = f"{rec.get('fit_territory', territory.label)}, seeds {rec.get('seeds', [seed])}"
        core = territory.communes.core
        scale = territory.communes.population[core].sum() / FRANCE_POPULATION
    lines = [
        f"# Calibration report ({where})",
        "",
        "Fitted: " + ", ".join(f"{k} = {v:.4g}" for k, v in rec["fitted"].items()),
        "",
        calibration_table(observed, scale),
    ]
    if "optimizer" in rec:
        opt = rec["optimizer"]
        lines += [
            "",
            f"Fit: {opt['method']} on {rec['fit_territory']}, seeds {rec['seeds']}, "
            f"{rec['years']}; {len(rec.get('evaluations', []))} model evaluations (finite-"
            f"difference Jacobians included); {opt['message']}",
            "",
            "Active bounds: " + (", ".join(rec["active_bounds"]) or "none"),
            "",
            "Which target pins which parameter (share of each target's sensitivity, from the "
            "Jacobian in tolerance units per log-parameter; condition number "
            f"{rec['identifiability']['condition_number']:.3g}):",
            "",
            "| target | " + " | ".join(FREE) + " | pinned by |",
            "|---|" + "---:|" * len(FREE) + "---|",
        ]
        ident = rec["identifiability"]
        for t, row in ident["share_of_sensitivity"].items():
            lines.append(
                f"| {t} | "
                + " | ".join(f"{row[k]:.0%}" for k in FREE)
                + f" | {ident['pinned_by'][t]} |"
            )
        lines += [
            "",
            "Each parameter is pinned by the target that moves most with it: "
            + "; ".join(f"{k} by {t}" for k, t in ident.get("parameter_pinned_by", {}).items())
            + ".",
        ]
        draws = rec.get("draws", [])
        if draws:
            lines += ["", f"Parameter draws within tolerance: {len(draws)} ({rec['draws_method']})"]
            for k in FREE:
                v = [d[k] for d in draws]
                lines.append(f"- {k}: {min(v):.4g} to {max(v):.4g} (fit {rec['fitted'][k]:.4g})")
            rerun = rec.get("draws_rerun", [])
            if rerun:
                ok = sum(r["within"] for r in rerun)
                lines.append(
                    f"- rerun on the fit territory: {ok} of {len(rerun)} draws within tolerance"
                )
    return "\n".join(lines) + "\n"
