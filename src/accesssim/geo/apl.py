"""The APL of a territory: its GPs and population through its road times (``core.access``).

Kept apart from ``core.access`` because it reads the territory and the travel cache, while
``core.access`` is arrays in, arrays out.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from accesssim.core import access
from accesssim.geo import travel


def territory_apl(
    territory,
    acts_per_gp: float = access.ACTS_PER_GP,
    bands: Sequence[tuple[float, float]] = access.DREES_BANDS,
    travel_params=None,
    cache: bool = True,
    cache_dir=None,
) -> np.ndarray:
    """APL of each commune of a territory from its modelled GP head-counts.

    Supply = GPs × ``acts_per_gp`` in each commune; demand = 2026 population (not
    age-standardised: per-commune ages are not in the shipped data, and no public proxy is
    applied). Travel times follow Insee's METRIC convention (no intra-commune time) unless
    ``travel_params`` says otherwise, as DREES's APL does.
    """
    if not (np.isfinite(acts_per_gp) and acts_per_gp > 0):
        raise ValueError(f"acts_per_gp must be a positive number, got {acts_per_gp}")
    decay = access.step_decay(bands)
    params = travel_params or travel.METRIC
    times = travel.travel_matrix(territory, decay.cutoff, params, cache=cache, cache_dir=cache_dir)
    c = territory.communes
    return access.e2sfca(c.gp * float(acts_per_gp), c.population.astype(float), times, decay)
