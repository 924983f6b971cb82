"""Where GP supply binds, as figures comparable with published ones: the appointment delay
in days, the GPs refusing new médecin-traitant patients, the spread of GP utilisation.

Pure functions on arrays (docs/ODD.md §3, "Saturation and delay"):

* **load** of a GP = its acts ÷ its delivered activity (``acts_per_gp`` GP by GP, without
  ``capacity_flex``); above 1 the GP is giving its extra under pressure;
* a GP **refuses** new médecin-traitant patients when, on average over the year, its
  patients asked for at least its delivered activity (load ≥ 1) or its list is at its cap:
  comparable with DREES's GP panel question (65 % in 2022);
* the **delay** of a commune, in days = 7 × backlog ÷ consultations served a week (Little's
  law: the mean time a request waits in the model's queue). The weekly step does not resolve
  days within a week: a request served in the week it is made counts as no delay. Nationally
  and by class, the mean weights communes by the consultations they were served; the median
  takes each commune's delays as exponential around its mean (an assumption: Little's law gives
  the mean only) and reads the median of that mixture.
"""

from __future__ import annotations

import numpy as np

DAYS_PER_WEEK = 7.0
SATURATED_LOAD = 1.0 - 1e-6  # a load at 1 up to floating-point residue is saturated
MAX_DELAY_WEEKS = 52.0  # nobody served and someone waiting: the wait is as long as it gets
APL_CLASSES = (  # APL classes of the delay and forgone-care rows (DREES's thresholds)
    ("below_2_5", 0.0, 2.5),
    ("2_5_to_4", 2.5, 4.0),
    ("4_and_above", 4.0, np.inf),
)


def regular_load(utilisation: np.ndarray, flex: float) -> np.ndarray:
    """Acts ÷ delivered activity per GP, from the utilisation of capacity with its flex
    (``weekly.WeekFlows.gp_utilisation`` = used ÷ (delivered × (1 + flex)))."""
    return np.asarray(utilisation, float) * (1.0 + flex)


def refusing(mean_load: np.ndarray, list_full: np.ndarray) -> np.ndarray:
    """GPs refusing new médecin-traitant patients: saturated on average over the year, or
    with a list at its cap."""
    return (np.asarray(mean_load, float) >= SATURATED_LOAD) | np.asarray(list_full, bool)


def delay_days(backlog: np.ndarray, served: np.ndarray) -> np.ndarray:
    """Mean delay per commune in days: 7 × backlog ÷ served a week (Little's law). Both may
    be sums over the same weeks (the ratio is the same); a commune with a backlog and nothing
    served waits ``MAX_DELAY_WEEKS``; one with neither, 0."""
    backlog = np.asarray(backlog, float)
    served = np.asarray(served, float)
    weeks = np.divide(backlog, served, out=np.zeros_like(served), where=served > 0)
    weeks[(served <= 0) & (backlog > 0)] = MAX_DELAY_WEEKS
    return DAYS_PER_WEEK * np.minimum(weeks, MAX_DELAY_WEEKS)


def _mixture(means, weights):
    mu = np.asarray(means, float)
    w = np.asarray(weights, float)
    w = w / w.sum()
    pos = mu > 0
    return mu[pos], w[pos], float(w[~pos].sum())


def exponential_mixture_share_over(means: np.ndarray, weights: np.ndarray, days: float) -> float:
    """Share of the weight whose delay exceeds ``days`` in a mixture of exponential delays
    with ``means`` (0: no delay)."""
    if np.asarray(weights, float).sum() <= 0:
        return float("nan")
    mu, wp, _ = _mixture(means, weights)
    return float(wp @ np.exp(-days / mu))


def exponential_mixture_median(means: np.ndarray, weights: np.ndarray) -> float:
    """Median of a mixture of exponential delays with ``means`` (0: no delay) and
    ``weights``; 0 when at least half the weight waits nothing. Bisection on the mixture's
    distribution function (vectorised over the components)."""
    if np.asarray(weights, float).sum() <= 0:
        return float("nan")
    mu, wp, w0 = _mixture(means, weights)
    if w0 >= 0.5:
        return 0.0
    lo, hi = 0.0, float(mu.max()) * 50
    for _ in range(80):
        x = 0.5 * (lo + hi)
        cdf = w0 + float(wp @ -np.expm1(-x / mu))
        lo, hi = (lo, x) if cdf >= 0.5 else (x, hi)
    return 0.5 * (lo + hi)


def delay_summary(days: np.ndarray, weights: np.ndarray) -> dict[str, float]:
    """Mean and median delay (days) over communes weighted by ``weights`` (consultations
    served), and the shares waiting over 1 day and over 5 days (DREES ER 1085: 49 % the same
    or the next day, a quarter 5 days or more), the last three from the exponential mixture."""
    d = np.asarray(days, float)
    w = np.asarray(weights, float)
    total = w.sum()
    if total <= 0:
        return dict.fromkeys(("mean", "median", "over_1_day", "over_5_days"), float("nan"))
    return {
        "mean": float(d @ w / total),
        "median": exponential_mixture_median(d, w),
        "over_1_day": exponential_mixture_share_over(d, w, 1.0),
        "over_5_days": exponential_mixture_share_over(d, w, 5.0),
    }


def deciles(values: np.ndarray) -> np.ndarray:
    """The nine deciles (10 %, ..., 90 %) of ``values`` (one per GP: GP-weighted)."""
    v = np.asarray(values, float)
    return np.quantile(v, np.linspace(0.1, 0.9, 9)) if len(v) else np.full(9, np.nan)
