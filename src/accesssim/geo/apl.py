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
from accesssim.params.parameters import PARAMETERS

AGE_WEIGHTS = PARAMETERS["apl_age_weights"].default


def standardised_population(territory, age_weights=AGE_WEIGHTS) -> np.ndarray:
    """Demand as DREES counts it: each commune's population weighted by the GP use of its age
    bands, ``pop × (shares · w) / (national shares · w)``, so that France's standardised
    population equals its population and an older commune weighs more.

    The shares are the commune's département's (a proxy, DATA.md) unless a finer file was
    built in; ``age_weights=None`` or a territory without ages gives the plain population.
    """
    c = territory.communes
    pop = c.population.astype(float)
    if age_weights is None or c.age_shares is None:
        return pop
    w = np.asarray(age_weights, float)
    if w.shape != (c.age_shares.shape[1],) or np.any(~np.isfinite(w)) or np.any(w <= 0):
        raise ValueError(f"age_weights must be {c.age_shares.shape[1]} positive numbers, got {w}")
    reference = (territory.meta.get("age_structure") or {}).get("national_shares")
    ref = np.asarray(reference, float) if reference else pop @ c.age_shares / max(pop.sum(), 1)
    return pop * (c.age_shares.astype(float) @ w) / float(ref @ w)


def territory_apl(
    territory,
    acts_per_gp: float = access.ACTS_PER_GP,
    bands: Sequence[tuple[float, float]] = access.DREES_BANDS,
    travel_params=None,
    cache: bool = True,
    cache_dir=None,
    age_weights=AGE_WEIGHTS,
    under_65: bool = False,
) -> np.ndarray:
    """APL of each commune of a territory from its modelled GP head-counts.

    Supply = GPs × ``acts_per_gp`` in each commune (GPs under 65 only with ``under_65``, as in
    DREES's « APL aux médecins généralistes de 65 ans ou moins »); demand = 2026 population
    standardised by age (:func:`standardised_population`; ``age_weights=None``: plain
    population). Travel times follow Insee's METRIC convention (no intra-commune time) unless
    ``travel_params`` says otherwise, as DREES's APL does.
    """
    if not (np.isfinite(acts_per_gp) and acts_per_gp > 0):
        raise ValueError(f"acts_per_gp must be a positive number, got {acts_per_gp}")
    decay = access.step_decay(bands)
    params = travel_params or travel.METRIC
    times = travel.travel_matrix(territory, decay.cutoff, params, cache=cache, cache_dir=cache_dir)
    c = territory.communes
    gps = c.gp.astype(float)
    if under_65:
        if c.gp_65plus is None:
            raise ValueError("this territory has no GP ages (commune_gp_65plus): rebuild it")
        gps = gps - c.gp_65plus
    demand = standardised_population(territory, age_weights)
    return access.e2sfca(gps * float(acts_per_gp), demand, times, decay)


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
