"""Accessibility core: APL as an enhanced two-step floating catchment area (E2SFCA).

DREES/IRDES's *accessibilité potentielle localisée* (docs/sources.md §1.1) is an E2SFCA
(Luo & Qi 2009): supply is GP activity in consultations per year, demand is population
(standardised by age where known), and access decays with road time up to 20 minutes.

1. For each GP location ``j``: ``R_j = S_j / sum_i P_i w(t_ij)``, the consultations per
   year available per weighted inhabitant who can reach ``j``.
2. For each residence ``i``: ``A_i = sum_j R_j w(t_ij)``.

``A`` is in consultations per year per (standardised) inhabitant. When every supply site is
reached by someone, ``sum_i P_i A_i = sum_j S_j``: the population-weighted mean APL equals
total supply over total demand, whatever the decay.

Decay functions are first-class values made by small factories (as in PySAL ``access``):
:func:`step_decay` for bands, :func:`gaussian_decay` for a smooth alternative.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from scipy import sparse

from accesssim.params import parameters

Decay = Callable[[np.ndarray], np.ndarray]

# DREES 2015+ bands: weight 1 under 10 min, 0.66 for 10-15, 0.33 for 15-20, 0 beyond.
# The 20-minute cut-off is sourced (arrêté of 13/11/2017); the band weights are NOT verified
# (docs/sources.md §1.1, "tableau 1" not retrieved): a parameter with this documented default.
DREES_BANDS: tuple[tuple[float, float], ...] = ((10.0, 1.0), (15.0, 0.66), (20.0, 0.33))
# The original 2012 method, for comparison (secondary source, docs/sources.md §1.1).
DREES_2012_BANDS: tuple[tuple[float, float], ...] = ((5.0, 1.0), (10.0, 0.3), (15.0, 0.1))
SUBDENSE_THRESHOLD = 2.5  # consultations/yr/standardised inhabitant (arrêté 2017, DREES)


def step_decay(bands: Sequence[tuple[float, float]] = DREES_BANDS) -> Decay:
    """Piecewise-constant weights: ``bands`` are (upper bound in minutes, weight), increasing.

    A time ``t`` gets the weight of the first band with ``t <= bound``; beyond the last
    bound the weight is 0.
    """
    bounds = np.array([b for b, _ in bands], float)
    weights = np.array([w for _, w in bands], float)
    if bounds.size == 0 or np.any(np.diff(bounds) <= 0) or np.any(bounds <= 0):
        raise ValueError(f"bands must have increasing positive bounds, got {bands}")
    if np.any(weights < 0) or np.any(~np.isfinite(weights)):
        raise ValueError(f"band weights must be finite and >= 0, got {bands}")
    lookup = np.append(weights, 0.0)

    def decay(minutes: np.ndarray) -> np.ndarray:
        return lookup[np.searchsorted(bounds, minutes, side="left")]

    decay.cutoff = float(bounds[-1])
    return decay


def classic_decay(cutoff: float = 20.0) -> Decay:
    """Classic 2SFCA: weight 1 up to ``cutoff`` minutes, 0 beyond."""
    return step_decay(((cutoff, 1.0),))


def gaussian_decay(cutoff: float = 20.0) -> Decay:
    """Smooth Gaussian decay reaching 0 at ``cutoff`` (Dai 2010 form)."""
    if not cutoff > 0:
        raise ValueError(f"cutoff must be positive, got {cutoff}")
    edge = np.exp(-0.5)

    def decay(minutes: np.ndarray) -> np.ndarray:
        m = np.asarray(minutes, float)
        w = (np.exp(-0.5 * (m / cutoff) ** 2) - edge) / (1 - edge)
        return np.where(m <= cutoff, w, 0.0)

    decay.cutoff = float(cutoff)
    return decay


DREES_DECAY = step_decay(DREES_BANDS)


def weights(times: sparse.spmatrix, decay: Decay = DREES_DECAY) -> sparse.csr_matrix:
    """Apply ``decay`` to the stored travel times; zero weights are dropped."""
    w = sparse.csr_matrix(times, copy=True).astype(float)
    w.data = np.asarray(decay(w.data), float)
    w.eliminate_zeros()
    return w


def e2sfca(
    supply: np.ndarray,
    demand: np.ndarray,
    times: sparse.spmatrix,
    decay: Decay = DREES_DECAY,
) -> np.ndarray:
    """APL of each residence (row of ``times``) for supply at each destination (column).

    Args:
        supply: consultations per year offered at each destination (len = times.shape[1]).
        demand: (standardised) inhabitants at each residence (len = times.shape[0]).
        times: sparse travel times in minutes, residence × destination; absent = unreachable.
        decay: weight of a travel time (see :func:`step_decay`).

    Returns:
        Consultations per year per standardised inhabitant, one per residence. Supply that no
        one can reach is not counted (it serves nobody).
    """
    return e2sfca_weighted(supply, demand, weights(times, decay))


def e2sfca_weighted(supply: np.ndarray, demand: np.ndarray, w: sparse.csr_matrix) -> np.ndarray:
    """:func:`e2sfca` from decay weights already applied (``weights(times, decay)``), for a
    caller that recomputes the APL often on the same times (the model, every year)."""
    n_res, n_dest = w.shape
    supply = _check_vector("supply", supply, n_dest)
    demand = _check_vector("demand", demand, n_res)
    catchment = w.T @ demand  # weighted demand that reaches each destination
    ratio = np.divide(supply, catchment, out=np.zeros(n_dest), where=catchment > 0)
    return w @ ratio


def supply_from_gps(
    gp_location: np.ndarray,
    activity: np.ndarray,
    n_locations: int,
    age: np.ndarray | None = None,
    age_cap: float | None = None,
) -> np.ndarray:
    """Consultations per year per location from individual GPs, with DREES's optional age cap.

    GPs older than ``age_cap`` (65, or 62, in DREES variants) are left out of supply.
    """
    gp_location = np.asarray(gp_location, dtype=np.int64)
    activity = _check_vector("activity", activity, len(gp_location))
    if age_cap is not None:
        if age is None:
            raise ValueError("age is required when age_cap is given")
        age = _check_vector("age", age, len(gp_location))
        activity = np.where(age <= age_cap, activity, 0.0)
    if gp_location.size and (gp_location.min() < 0 or gp_location.max() >= n_locations):
        raise ValueError("gp_location must be location indices in [0, n_locations)")
    return np.bincount(gp_location, weights=activity, minlength=n_locations)


def _check_vector(name: str, values, length: int) -> np.ndarray:
    arr = np.asarray(values, dtype=float)
    if arr.shape != (length,):
        raise ValueError(f"{name} must have shape ({length},), got {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} has NaN or infinite values")
    if np.any(arr < 0):
        raise ValueError(f"{name} has negative values")
    return arr


# ---------------------------------------------------------------------- APL of a territory
# Supply as DREES counts it: activity, not heads. The national GP act volume
# (``parameters.national_gp_acts``, sourced there) spread over the private-practice GPs of CNAM
# 2024 (``gps_france``) gives 4,141 acts per full-time-equivalent GP, not the 5,000 of a
# typical full-time GP (``acts_per_gp``, IQVIA 2018): part-time and low-activity GPs count for
# less. The model's APL (``AccessModel.current_apl``) uses the same conversion. DREES's own ETP
# thresholds (its "tableau 2") are not published in a retrievable form. The "under 65" variant
# (geo.apl.territory_apl(under_65=True)) uses the territory's modelled GPs aged 65+, a
# national share (DATA.md); supply_from_gps takes an age cap when individual ages are known.
ACTS_PER_GP = (
    parameters.PARAMETERS["national_gp_acts"].default / parameters.PARAMETERS["gps_france"].default
)  # 4,140.7 acts per GP per year [D]
BAND_SETS = {
    "drees2015": DREES_BANDS,
    "drees2012": DREES_2012_BANDS,
    "classic20": ((20.0, 1.0),),
}


def summarize_apl(apl: np.ndarray, population: np.ndarray) -> dict[str, float]:
    """Population-weighted mean, decile means and deciles, shares under 2.5 and 1.5."""
    from accesssim.core import metrics as m

    return {
        "mean": m.weighted_mean(apl, population),
        "bottom_decile_mean": m.tail_mean(apl, population, 0.1, lower=True),
        "top_decile_mean": m.tail_mean(apl, population, 0.1, lower=False),
        "share_below_2_5": m.share_below(apl, population, SUBDENSE_THRESHOLD),
        "share_below_1_5": m.share_below(apl, population, 1.5),
        **{
            f"p{q}": float(v)
            for q, v in zip(
                range(10, 100, 10),
                m.weighted_quantiles(apl, population, np.arange(1, 10) / 10),
                strict=True,
            )
        },
    }
