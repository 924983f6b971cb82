"""The linear access proxy of a plan: with the candidate sites fixed, E2SFCA's APL is linear in
the supply added at each site, APL = APL0 + A x.

Why it is exact: E2SFCA is ``APL = W (s / D)`` with ``D_j = sum_k W_kj P_k`` the weighted
demand reaching destination ``j``; adding supply changes ``s`` and not ``D``, so one unit of a
lever at site ``j`` adds the column ``W[:, j] * supply_per_unit / D_j``. ``A`` is that column
for each candidate (lever, EPCI), sparse on the METRIC travel matrix (DREES's convention, no
intra-commune time) with the DREES bands. Supply that reaches nobody (``D_j = 0``) serves
nobody, as in :func:`accesssim.core.access.e2sfca_weighted`.

Each lever acts at the EPCI's main GP commune (the commune with the most GPs, else the most
populous), where the simulation's policies act (``model.state.epci_sites``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.sparse import csgraph

from accesssim.core import access, metrics
from accesssim.geo import territory as terr
from accesssim.geo import travel
from accesssim.model.state import epci_sites
from accesssim.specs.plan import Plan

DAYS_A_YEAR_MAX = 24  # solidarity: at most 2 days a month per volunteer (the bill's cap)


@dataclass
class Proxy:
    """A plan's candidates and its linear APL model.

    ``candidates`` are (lever index, EPCI index) pairs with their site commune, unit cost over
    the first year and over the horizon, supply per unit (consultations a year) and cap;
    ``A`` (communes × candidates) is the APL gained per unit; ``apl0`` the baseline APL;
    ``counted`` the communes whose people count (the territory's core, with people)."""

    plan: Plan
    territory: terr.Territory
    w: sparse.csr_matrix
    supply0: np.ndarray
    population: np.ndarray
    apl0: np.ndarray
    counted: np.ndarray
    lever: np.ndarray  # per candidate: index into plan.levers
    epci: np.ndarray  # per candidate: EPCI index
    site: np.ndarray  # per candidate: commune index
    supply: np.ndarray  # per candidate: consultations a year per unit
    cost_year: np.ndarray  # per candidate: EUR in the first year per unit
    cost_total: np.ndarray  # per candidate: EUR over the horizon per unit
    cap: np.ndarray  # per candidate: most units
    A: sparse.csc_matrix

    @property
    def threshold(self) -> float:
        return self.plan.threshold

    def added_supply(self, x) -> np.ndarray:
        """Consultations a year added at each commune by units ``x`` (one per candidate)."""
        x = np.asarray(x, float)
        return np.bincount(self.site, weights=x * self.supply, minlength=len(self.supply0))

    def apl(self, x) -> np.ndarray:
        """APL by commune with units ``x``: a full E2SFCA recompute (not through ``A``)."""
        return access.e2sfca_weighted(self.supply0 + self.added_supply(x), self.population, self.w)

    def objectives(self, x) -> dict[str, float]:
        """The proxy figures of units ``x`` from a recompute: people lifted above the
        threshold (of those under it at baseline), people under it, and the
        population-weighted shortfall below it (core communes)."""
        apl = self.apl(x)
        t, pop = self.threshold, self.population * self.counted
        below0 = self.apl0 < t
        short = np.maximum(t - apl, 0.0)
        return {
            "lifted": float(pop[below0 & (apl >= t)].sum()),
            "people_below": float(pop[apl < t].sum()),
            "shortfall": float((pop * short).sum()),
            "mean_apl": float(metrics.weighted_mean(apl[self.counted], pop[self.counted])),
        }

    def cost(self, x) -> tuple[float, float]:
        """EUR of units ``x`` in the first year and over the horizon."""
        x = np.asarray(x, float)
        return float(x @ self.cost_year), float(x @ self.cost_total)


def candidate_epcis(t: terr.Territory, listed=None) -> np.ndarray:
    """Core EPCIs with people (as ``policies.siting.candidate_epcis``), or those of ``listed``
    SIRENs among them."""
    e = t.epcis
    ok = e.core & (e.population > 0)
    if listed is not None:
        ok &= np.isin(e.siren.astype(str), list(listed))
    return np.flatnonzero(ok)


def volunteer_days_cap(t: terr.Territory, epcis: np.ndarray, sites: np.ndarray, minutes: float):
    """Solidarity days a year available at each target: GPs outside the target EPCI within
    ``minutes`` of its site (road graph plus intra-commune time, as the policy) times
    ``DAYS_A_YEAR_MAX``."""
    c = t.communes
    g = travel.road_graph(t)
    intra = travel.intra_minutes(t)
    out = np.zeros(len(sites))
    for lo in range(0, len(sites), 64):
        d = csgraph.dijkstra(g, indices=sites[lo : lo + 64], limit=minutes)
        d = d + intra[None, :]
        for r, row in enumerate(d):
            k = lo + r
            ok = (row <= minutes) & (c.epci != epcis[k])
            out[k] = float(c.gp[ok].sum()) * DAYS_A_YEAR_MAX
    return out


def build(plan: Plan, territory: terr.Territory | None = None, cache: bool = True) -> Proxy:
    """The proxy of ``plan`` on its territory (loaded unless given)."""
    t = territory if territory is not None else plan.territory.load()
    c = t.communes
    pop = c.population.astype(float)
    decay = access.DREES_DECAY
    times = travel.travel_matrix(t, decay.cutoff, travel.METRIC, cache=cache)
    w = access.weights(times, decay)
    supply0 = c.gp.astype(float) * access.ACTS_PER_GP
    apl0 = access.e2sfca_weighted(supply0, pop, w)
    demand = np.asarray(w.T @ pop).ravel()
    counted = np.asarray(c.core, bool) & (pop > 0)

    parts = {k: [] for k in ("lever", "epci", "site", "supply", "cy", "ct", "cap")}
    for li, lv in enumerate(plan.levers):
        idx = candidate_epcis(t, lv.epcis)
        if not len(idx) or lv.max_per_unit == 0:
            continue
        sites = epci_sites(c, c.gp, idx)
        if lv.kind.supply_kind == "site_gps":
            supply = lv.unit_supply * c.gp[sites].astype(float) * access.ACTS_PER_GP
        else:
            supply = np.full(len(idx), lv.unit_supply)
        cap = np.full(len(idx), float(lv.max_per_unit))
        if lv.policy == "solidarity_days":
            cap = np.minimum(cap, volunteer_days_cap(t, idx, sites, plan.solidarity_max_minutes))
        keep = (supply > 0) & (cap > 0)
        parts["lever"].append(np.full(keep.sum(), li))
        parts["epci"].append(idx[keep])
        parts["site"].append(sites[keep])
        parts["supply"].append(supply[keep])
        parts["cy"].append(np.full(keep.sum(), lv.unit_cost))
        parts["ct"].append(np.full(keep.sum(), lv.cost_over(plan.years)))
        parts["cap"].append(np.floor(cap[keep]))
    cat = {k: (np.concatenate(v) if v else np.zeros(0)) for k, v in parts.items()}
    site = cat["site"].astype(np.int64)
    scale = np.divide(cat["supply"], demand[site], out=np.zeros(len(site)), where=demand[site] > 0)
    a = (
        (w[:, site] @ sparse.diags(scale)).tocsc()
        if len(site)
        else sparse.csc_matrix((len(pop), 0))
    )
    return Proxy(
        plan=plan,
        territory=t,
        w=w,
        supply0=supply0,
        population=pop,
        apl0=apl0,
        counted=counted,
        lever=cat["lever"].astype(np.int64),
        epci=cat["epci"].astype(np.int64),
        site=site,
        supply=cat["supply"].astype(float),
        cost_year=cat["cy"].astype(float),
        cost_total=cat["ct"].astype(float),
        cap=cat["cap"].astype(float),
        A=a,
    )
