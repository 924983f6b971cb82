"""Numerical noise: runs whose weekly state never settles, and what rounding can give an effect.

Why apart: the run (``execute``) measures each run's weekly wobble, the analyses
(``pipeline``, ``uncertainty``) count unsettled parameter sets, and the report and figures
call an output within that noise not analysable (docs/sensitivity.md, "Numerical noise").
"""

from __future__ import annotations

import numpy as np

from accesssim.outputs import indicators

# A run whose weekly state has settled gives a national forgone-care series without a
# week-to-week alternation: it may step (GP flows fall due at month ends, policies start on
# their dates) and drift (seasons, the perceived wait relaxing after a step), but it does not
# change direction every week. Some parameter sets used not to settle: the series alternated
# between two values, and differences at the level of floating-point rounding grew into
# differences of the run's totals (measured before the perceived wait was smoothed: two code
# versions identical up to rounding changed the 2-year forgone care of such a set by 0.5 % and
# flipped the sign of solidarity days' effect in 23 of 64 Morris sets). docs/sensitivity.md,
# "Numerical noise".
WOBBLE_WEEKS = 26
UNSETTLED = 1e-3  # median weekly alternation / mean above which a run is called unsettled


def weekly_wobble(forgone_by_week) -> float:
    """Median week-to-week alternation of the national forgone care over the run's last
    half-year, relative to its mean. A week alternates when its change and the previous week's
    have opposite signs; it counts the smaller of the two changes (0 otherwise). For a series
    swinging between two values this is its weekly change; a trend, a one-off step (a policy's
    start, the GP flows of a month) and the relaxation after it count 0: an unsettled run
    alternates every week."""
    f = np.asarray(forgone_by_week, float)[-WOBBLE_WEEKS:]
    if len(f) < 3 or f.mean() <= 0:
        return 0.0
    d = np.diff(f)
    turn = d[1:] * d[:-1] < 0
    swing = np.where(turn, np.minimum(np.abs(d[1:]), np.abs(d[:-1])), 0.0)
    return float(np.median(swing) / f.mean())


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


def within_noise(done: dict, method: str, out: str) -> dict | None:
    """``numerical_noise``'s entry for ``out`` when rounding can give the unsettled runs more
    than the effect's median size (the output is then not analysable), else None."""
    nz = done.get("noise" if method == "morris" else "noise_sobol", {}).get(out)
    return nz if nz and nz["unsettled_sets"] and nz["noise"] > nz["median_effect"] else None
