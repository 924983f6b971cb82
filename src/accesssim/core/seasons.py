"""Seasons: a monthly profile turned into one factor per week of the year.

Why: GP activity and emergency visits peak in winter, while the weekly flows were constant
within a year. A profile gives each calendar month's level relative to the year's mean; the
factor of a week is the profile linearly interpolated, around the year, between month centres
at the week's mid-point, then rescaled so that the 52 factors average exactly 1: the year's
total is the yearly rate whatever the profile, only its timing changes. Week 0 starts on
1 January (the model's ``start_year`` labels).
"""

from __future__ import annotations

import numpy as np

WEEKS_PER_YEAR = 52
MONTHS = 12


def weekly_factors(monthly_profile, weeks: int = WEEKS_PER_YEAR) -> np.ndarray:
    """One factor per week, averaging 1, from 12 monthly levels (any positive scale).

    Raises ValueError unless the profile has 12 finite values >= 0, not all zero."""
    prof = np.asarray(monthly_profile, float)
    if prof.shape != (MONTHS,) or not np.all(np.isfinite(prof)) or np.any(prof < 0):
        raise ValueError(f"a monthly profile is 12 finite numbers >= 0, got {monthly_profile!r}")
    if prof.sum() <= 0:
        raise ValueError("a monthly profile must not be all zero")
    if np.all(prof == prof[0]):
        return np.ones(weeks)  # flat: exactly 1, so a run without seasons is unchanged
    t = (np.arange(weeks) + 0.5) * MONTHS / weeks  # week mid-points, in months since 1 Jan
    centres = np.arange(MONTHS) + 0.5
    # periodic interpolation: wrap December before January and January after December
    x = np.concatenate([[centres[-1] - MONTHS], centres, [centres[0] + MONTHS]])
    y = np.concatenate([[prof[-1]], prof, [prof[0]]])
    f = np.interp(t, x, y)
    return f / f.mean()
