"""The APL of a territory: its GPs and population through its road times (``core.access``).

Kept apart from ``core.access`` because it reads the territory and the travel cache, while
``core.access`` is arrays in, arrays out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from accesssim.core import access, metrics
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


@dataclass(frozen=True)
class TerritoryAccess:
    """A territory's APL by commune and by EPCI, and its road times to the nearest GP and ED."""

    apl: np.ndarray  # by commune
    gp_minutes: np.ndarray  # to the nearest commune with a GP (METRIC)
    ed_minutes: np.ndarray  # to the nearest ED (METRIC)
    epci_apl: np.ndarray  # population-weighted mean over each EPCI's core communes


def territory_access(
    territory,
    acts_per_gp: float = access.ACTS_PER_GP,
    bands: Sequence[tuple[float, float]] = access.DREES_BANDS,
    cache: bool = True,
) -> TerritoryAccess:
    """What ``accesssim apl`` shows: :func:`territory_apl`, the METRIC times to the nearest GP
    and ED, and the APL by EPCI (core communes only)."""
    c = territory.communes
    apl = territory_apl(territory, acts_per_gp=acts_per_gp, bands=bands, cache=cache)
    core = c.core
    pop = c.population.astype(float)
    ed_minutes = travel.nearest_minutes(territory, territory.emergency.commune, travel.METRIC)
    gp_minutes = travel.nearest_minutes(territory, np.flatnonzero(c.gp > 0), travel.METRIC)
    epci_apl = metrics.group_mean(apl[core], pop[core], c.epci[core], len(territory.epcis))
    return TerritoryAccess(apl, gp_minutes, ed_minutes, epci_apl)
