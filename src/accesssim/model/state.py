"""The simulation state of a run and how it is built from a territory and parameters.

Kept apart from the Mesa model so that what a week reads and changes (cohorts of patients,
the GP workforce, backlog, MSPs, teleconsultation uptake, travel times and gravity weights)
and the operations on it (GPs arriving and leaving, lists and registration, APL) can be read
and built without the schedule. No Mesa here: ``AccessModel`` owns one ``SimState``, passes it
its generator, and delegates to it.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse
from scipy.sparse import csgraph

from accesssim.core import access, metrics, seasons, weekly, workforce
from accesssim.core.weekly import WeekState, cohort_layout
from accesssim.core.workforce import MSP, Workforce
from accesssim.geo import cdps, travel
from accesssim.geo.apl import standardised_population
from accesssim.geo.territory import Territory
from accesssim.params.parameters import ADULT_BANDS


def epci_sites(communes, gps: np.ndarray, epci_idx: np.ndarray) -> np.ndarray:
    """For each EPCI, its commune with the most GPs (``gps`` per commune), ties and no-GP
    EPCIs going to the most populous."""
    out = []
    for k in epci_idx:
        members = np.flatnonzero(communes.epci == k)
        key = np.lexsort((-communes.population[members], -gps[members]))
        out.append(members[key[0]])
    return np.asarray(out, dtype=np.int64)


class SimState:
    """Arrays of one run, indexed by commune (``territory.communes``), age band, médecin-traitant
    status (0 with one, 1 without) and GP (the workforce's index, stable for a run).

    Args:
        territory: the run's communes and EPCIs (core and buffer).
        p: the run's parameter values.
        rng: the model's generator (the initial workforce is drawn from it).
        time: the model's clock when built (GP lists are set at that week).
        cache: use the on-disk travel-time cache.
    """

    def __init__(self, territory: Territory, p: dict, rng, time: float, cache: bool = True):
        self.territory = territory
        self.p = p
        self.core = territory.communes.core.copy()
        # one factor per week of the year (core/seasons.py): need and GP-treatable ED visits
        self.need_season = seasons.weekly_factors(p["need_monthly_profile"])
        self.ed_season = seasons.weekly_factors(p["ed_monthly_profile"])
        self._setup_demand()
        self._setup_travel(cache)
        self._setup_gps(rng)
        self._setup_attachment(time)
        self.msp_commune = np.zeros(len(territory.communes), bool)
        self.open_msp(np.unique(self.gp_commune[self.gp_practice == MSP]))
        self.ed_factor = None  # per commune: a policy's change of ED propensity (None: none)
        self.mcs_commune = np.zeros(len(territory.communes), bool)  # médecins correspondants
        self.urgent_minutes = self.ed_minutes  # to urgent care: the nearest ED or MCS

    # ------------------------------------------------------------------ build
    def _setup_demand(self) -> None:
        p, c = self.p, self.territory.communes
        base = np.asarray(p["age_shares"], float)
        shares = np.tile(base, (len(c), 1))
        adjust = np.asarray(p["age_share_density_adjustment"], float)[c.density_class]
        shares[:, 4:] *= adjust[:, None]
        shares /= shares.sum(axis=1, keepdims=True)
        self.population_by_band = c.population[:, None] * shares  # (n, bands)
        w = np.asarray(p["age_consultation_weights"], float)
        # consultations per person per year by band; national mean = the sourced 3.4
        self.rate = w * p["consultations_per_inhabitant"] / float(base @ w) / base.sum()
        uptake = np.ones((len(c), len(base)))
        uptake[:, 5] *= p["tele_uptake_75plus"]
        uptake[c.density_class == 3] *= p["tele_uptake_very_sparse"]
        # uptake per commune and band for a national share of 1 (shape of who uses it)
        self.tele_uptake_per_share = uptake / (base @ uptake.mean(axis=0))
        self.tele_uptake = np.clip(self.tele_uptake_per_share * p["tele_share"], 0, 1)

    def _setup_travel(self, cache: bool) -> None:
        t, p = self.territory, self.p
        # the scenario's road model (road_* parameters); the APL with METRIC times, as DREES
        self.travel_params = tp = travel.TravelParams.from_parameters(p)
        self.times = travel.travel_matrix(t, p["allocation_cutoff_minutes"], tp, cache=cache)
        w = self.times.copy()
        w.data = np.exp(-w.data / p["gravity_tau_minutes"])
        self._weights_all = w.tocsc()
        self.service = None  # set by update_service_communes
        # Guyane's CDPS: salaried GP care every week where no road reaches a GP (geo/cdps.py)
        self.cdps_weekly = cdps.weekly_capacity(t)
        # policy sites and CDPS: allocation destinations without GPs of their own
        self._extra_service = np.flatnonzero(self.cdps_weekly > 0)
        self.times_apl = travel.travel_matrix(
            t, access.DREES_DECAY.cutoff, tp.metric(), cache=cache
        )
        self.apl_weights = access.weights(self.times_apl)  # DREES bands, kept for every APL
        # APL demand: population standardised by age, as accesssim apl and validate count it
        self.apl_demand = standardised_population(t, p["apl_age_weights"])
        self.road = travel.road_graph(t, tp)
        self.intra = travel.intra_minutes(t, tp)
        ed = t.emergency
        if len(ed):
            d, _, src = csgraph.dijkstra(
                self.road, indices=ed.commune, min_only=True, return_predecessors=True
            )
            site_of_commune = np.full(len(t.communes), -1)
            site_of_commune[ed.commune] = np.arange(len(ed))
            self.nearest_ed_site = np.where(src >= 0, site_of_commune[np.maximum(src, 0)], -1)
            self.ed_minutes = d + self.intra
        else:
            self.nearest_ed_site = np.full(len(t.communes), -1)
            self.ed_minutes = np.full(len(t.communes), np.inf)

    def _setup_gps(self, rng) -> None:
        c = self.territory.communes
        self.workforce = Workforce.initial(c.gp, c.density_class, self.p, rng)
        self._territory_share = c.gp[self.core].sum() / self.p["gps_france"]
        self._exit_scale = None
        self.installation_credit = 0  # policy installations not yet taken from the flow
        self.installation_extra = 0  # policy GPs to join the next year-end's flow
        self.installation_postponed = 0  # installations a policy delays (cohort in training)
        self.exits_by_epci = np.zeros(len(self.territory.epcis), np.int64)  # last year's exits

    def _setup_attachment(self, time: float) -> None:
        """Share without MT by commune: more where access is poor, 11 % of adults overall."""
        p, c = self.p, self.territory.communes
        apl = self.current_apl()
        pop = c.population.astype(float)
        mean = float((apl * pop).sum() / max(pop.sum(), 1))
        ratio = (mean / np.maximum(apl, 0.1)) ** p["without_mt_access_elasticity"]
        adults = self.population_by_band[:, ADULT_BANDS].sum(1)
        lo, hi = 0.0, 10.0
        for _ in range(60):  # bisection on the scale so the adult share hits the target
            s = (lo + hi) / 2
            share = np.clip(s * ratio, 0, 0.95)
            got = (share * adults).sum() / max(adults.sum(), 1)
            lo, hi = (s, hi) if got < p["without_mt_adults"] else (lo, s)
        people = np.stack(
            [
                self.population_by_band * (1 - share)[:, None],
                self.population_by_band * share[:, None],
            ],
            axis=-1,
        )
        self.people = cohort_layout(people)  # changed in place only, so it keeps its layout
        self.backlog = np.zeros_like(self.people)
        self.wait_weeks = np.zeros(len(c))
        self.update_nearest_gp()
        self.update_service_communes()
        self.update_lists(time)

    # ------------------------------------------------------------------ GP arrays
    # one array per attribute (``workforce.Workforce``)
    gp_commune = property(lambda self: self.workforce.commune)
    gp_age = property(lambda self: self.workforce.age)
    gp_practice = property(lambda self: self.workforce.practice)
    gp_activity = property(lambda self: self.workforce.activity)
    gp_active = property(lambda self: self.workforce.active)
    gp_list = property(lambda self: self.workforce.list)
    gp_accepting = property(lambda self: self.workforce.accepting)
    gp_utilisation = property(lambda self: self.workforce.utilisation)
    gp_installed_week = property(lambda self: self.workforce.installed_week)
    gp_holds_list = property(lambda self: self.workforce.holds_list)

    # ------------------------------------------------------------------ derived
    def gp_communes(self) -> np.ndarray:
        """Communes with at least one active GP."""
        return np.unique(self.gp_commune[self.gp_active])

    def gp_annual_activity(self) -> np.ndarray:
        """Acts per year of each GP (0 when inactive), MSP gain included."""
        return self.workforce.annual_activity(self.p)

    def current_apl(self) -> np.ndarray:
        """APL now, with supply as ``access.territory_apl`` and ``accesssim validate`` count
        it: each GP's full-time equivalent (activity / acts_per_gp) times the national acts
        per GP (national_gp_acts / gps_france), METRIC times, demand standardised by age."""
        p = self.p
        per_fte = p["national_gp_acts"] / p["gps_france"] / p["acts_per_gp"]
        supply = np.bincount(
            self.gp_commune, weights=self.gp_annual_activity() * per_fte, minlength=len(self.core)
        )
        return access.e2sfca_weighted(supply, self.apl_demand, self.apl_weights)

    def epci_apl(self) -> np.ndarray:
        """Population-weighted APL of each EPCI now."""
        c = self.territory.communes
        return metrics.group_mean(
            self.current_apl(), c.population.astype(float), c.epci, len(self.territory.epcis)
        )

    def epci_sites(self, epci_idx) -> np.ndarray:
        """Where a policy acts in each EPCI: its commune with the most active GPs, else the
        most populous."""
        gps = np.bincount(self.gp_commune[self.gp_active], minlength=len(self.core))
        return epci_sites(self.territory.communes, gps, np.asarray(epci_idx, np.int64))

    def minutes_to_nearest(self, sites, limit: float = np.inf) -> tuple[np.ndarray, np.ndarray]:
        """Road minutes (plus the intra-commune time) from each commune to the nearest of the
        communes ``sites``, and which site that is (-1 if none within ``limit`` minutes of
        road)."""
        dist, _, src = csgraph.dijkstra(
            self.road, indices=sites, min_only=True, return_predecessors=True, limit=limit
        )
        return dist + self.intra, src

    def tele_uptake_for_share(self, share: float) -> np.ndarray:
        """Teleconsultation uptake per commune and band at a national share ``share`` (not
        clipped: ``set_tele_uptake`` clips), shaped as the baseline's (age, density)."""
        return self.tele_uptake_per_share * share

    # ------------------------------------------------------------------ the week
    def week_state(
        self, gp_capacity: np.ndarray, extra_capacity: np.ndarray, week_of_year: int = 0
    ) -> WeekState:
        """What ``weekly.simulate_week`` reads, with this week's capacity and season."""
        return WeekState(
            people=self.people,
            backlog=self.backlog,
            rate=self.rate,
            nearest_gp_minutes=self.nearest_gp_minutes,
            wait_weeks=self.wait_weeks,
            tele_uptake=self.tele_uptake,
            gp_capacity=gp_capacity,
            gp_commune=self.gp_commune,
            extra_capacity=extra_capacity,
            service=self.service,
            weights=self.weights,
            weights_t=self.weights_t,
            ed_minutes=self.ed_minutes,
            ed_factor=self.ed_factor,
            need_factor=float(self.need_season[week_of_year]),
            ed_season_factor=float(self.ed_season[week_of_year]),
        )

    def warm_up(self, weeks: int, check: bool = False) -> None:
        """Simulate ``weeks`` of the care path before week 0 without recording them (baseline
        capacity, no policy, no GP flows; the season of the previous year's last weeks), so
        that backlog and perceived waits start near their settled level."""
        cap = self.gp_annual_activity() / weekly.WEEKS_PER_YEAR
        for k in range(weeks):
            week_of_year = (weekly.WEEKS_PER_YEAR - weeks + k) % weekly.WEEKS_PER_YEAR
            state = self.week_state(cap, self.cdps_weekly, week_of_year)
            self.keep_week(weekly.simulate_week(state, self.p, check=check))

    def keep_week(self, week) -> None:
        """Keep the new backlog, waits and GP utilisation of a simulated week (the cohorts
        were changed in place)."""
        self.backlog = week.backlog
        self.wait_weeks = week.perceived_wait  # what patients react to next week
        self.workforce.utilisation = week.gp_utilisation

    # ------------------------------------------------------------------ changes
    def update_service_communes(self, extra=(), shrink: bool = True) -> None:
        """Destinations of the allocation: communes with GP capacity (plus ``extra``, e.g.
        where volunteers consult). Other communes have nothing to offer, so leaving their
        columns out of the weight matrix changes no result and makes the step ~4× cheaper.
        ``shrink=False`` (GPs arriving during the year) only adds communes: keeping a column
        whose GPs left changes no result either, and rebuilding the matrix every month would
        cost more than the step (the year's end shrinks it)."""
        self._extra_service = np.union1d(self._extra_service, np.asarray(extra, np.int64))
        keep = np.union1d(np.unique(self.gp_commune[self.gp_active]), self._extra_service)
        if self.service is not None and np.array_equal(keep, self.service):
            return
        if not shrink and self.service is not None and np.isin(keep, self.service).all():
            return
        self.service = keep
        self.weights = self._with_nearest_beyond_cutoff(self._weights_all[:, keep].tocsr(), keep)
        self.weights_t = self.weights.T.tocsr()

    def _with_nearest_beyond_cutoff(self, w, keep: np.ndarray):
        """Gravity weights where every inhabited commune with no destination within the
        allocation cutoff reaches its nearest destination by road or ferry, at its real time
        (patients travel further when nothing is nearer); communes with no route at all keep
        none. Without it such communes were served by teleconsultation only and their waits
        swung between two values (issue 19)."""
        pop = self.territory.communes.population
        orphan = np.flatnonzero((np.diff(w.indptr) == 0) & (pop > 0))
        if not len(orphan) or not len(keep):
            return w
        d, src = self.minutes_to_nearest(keep)
        ok = orphan[np.isfinite(d[orphan])]
        if not len(ok):
            return w
        col = np.searchsorted(keep, src[ok])
        # the only destination of its row: the allocation does not depend on its size, so it
        # is the weight at the cutoff (a weight of exp(-t/tau) for hours of travel underflows,
        # or overflows the allocation's ratios)
        p = self.p
        weight = np.full(
            len(ok), np.exp(-p["allocation_cutoff_minutes"] / p["gravity_tau_minutes"])
        )
        extra = sparse.csr_matrix((weight, (ok, col)), shape=w.shape)
        return (w + extra).tocsr()

    def update_nearest_gp(self) -> None:
        """Road (or ferry) minutes from each commune to the nearest active GP or CDPS."""
        sites = np.union1d(self.gp_communes(), np.flatnonzero(self.cdps_weekly > 0))
        self.nearest_gp_minutes = travel.nearest_minutes(
            self.territory, sites, self.travel_params, graph=self.road
        )

    def update_lists(self, time: float) -> None:
        mt_total = self.people[:, ADULT_BANDS, 0].sum()
        workforce.update_lists(self.workforce, self.p, mt_total, time)

    def register_patients(self, saturated=None) -> None:
        """People without an MT register with accepting GPs within reach; GPs ``saturated``
        (bool per GP; GPs added since count as not saturated) accept none this year."""
        w = self.workforce
        full = np.zeros(len(w), bool)
        if saturated is not None:
            full[: len(saturated)] = saturated[: len(w)]
        w.accepting &= ~full
        workforce.register(w, self.p, self.people, self.service, *self._reach())
        w.accepting &= ~full

    def _reach(self):
        return self.weights, self.weights_t

    def scale_ed_propensity(self, factor: np.ndarray) -> None:
        """Multiply each commune's propensity to take a GP-treatable request to the ED by
        ``factor`` (per commune), from the next week on; factors of several policies multiply."""
        factor = np.asarray(factor, float)
        if factor.shape != self.ed_minutes.shape or np.any(factor < 0):
            raise ValueError("scale_ed_propensity: expected a factor >= 0 per commune")
        self.ed_factor = factor.copy() if self.ed_factor is None else self.ed_factor * factor

    def add_mcs(self, communes) -> np.ndarray:
        """Médecins correspondants du SAMU in ``communes``: urgent care now reaches each commune
        from the nearest ED or MCS (road minutes plus the intra-commune time). Returns the
        communes newly equipped."""
        new = np.unique(np.asarray(communes, np.int64))
        new = new[~self.mcs_commune[new]]
        if len(new):
            self.mcs_commune[new] = True
            d, _ = self.minutes_to_nearest(new)
            self.urgent_minutes = np.minimum(self.urgent_minutes, d)
        return new

    def remove_mcs(self, communes) -> None:
        """The médecins correspondants in ``communes`` stop: urgent-care minutes are those of
        the EDs and the MCS left."""
        self.mcs_commune[np.asarray(communes, np.int64)] = False
        left = np.flatnonzero(self.mcs_commune)
        self.urgent_minutes = (
            np.minimum(self.ed_minutes, self.minutes_to_nearest(left)[0])
            if len(left)
            else self.ed_minutes
        )

    def open_msp(self, communes) -> list[int]:
        """Open maisons de santé in communes: their GPs (present and future) practise there.
        Returns the communes newly opened, in order."""
        opened = []
        for i in np.asarray(communes, dtype=np.int64):
            if self.msp_commune[i]:
                continue
            self.msp_commune[i] = True
            opened.append(int(i))
        self.gp_practice[self.msp_commune[self.gp_commune] & self.gp_active] = MSP
        return opened

    def set_tele_uptake(self, uptake: np.ndarray) -> None:
        """Teleconsultation uptake per commune and band from now on (a policy's dose)."""
        self.tele_uptake = np.clip(np.asarray(uptake, float), 0, 1)

    def add_gps(
        self, rng, time: float, communes, age=None, activity=None, practice=None, holds_list=True
    ) -> np.ndarray:
        """Add GPs in ``communes``, drawing what is not given from ``rng``; returns their
        indices."""
        n = len(communes)
        p = self.p
        age = workforce.draw_ages(rng, p, n, around=p["installation_age"]) if age is None else age
        if practice is None:
            practice = workforce.new_practice(rng, p, self.msp_commune[communes])
        if activity is None:
            activity = workforce.draw_activity(rng, p, n, age)
        idx = self.workforce.append(communes, age, practice, activity, time, holds_list)
        self.update_service_communes(shrink=False)
        return idx

    def remove_gps(self, idx: np.ndarray) -> None:
        """GPs ``idx`` leave: their registered patients lose their médecin traitant."""
        workforce.detach(self.workforce, idx, self.people, self.service, *self._reach())

    def settle_gps(self, rng, idx) -> None:
        """GPs ``idx`` install where they are: activity drawn as for any GP, and a list."""
        idx = np.asarray(idx, np.int64)
        self.gp_activity[idx] = workforce.draw_activity(rng, self.p, len(idx), self.gp_age[idx])
        self.gp_holds_list[idx] = True

    def draw_exits(self, rng) -> tuple[np.ndarray, int]:
        """A year of ageing and the year's cessations (exit hazard scaled to CNAM's cessations
        a year nationally): returns the GPs who leave and how many of them were in the core.
        Sets ``exits_by_epci``; the caller removes them."""
        p, w = self.p, self.workforce
        w.age += 1.0
        active = np.flatnonzero(w.active)
        hazard = workforce.exit_hazard(p, w.age[active], w.practice[active])
        if self._exit_scale is None:  # fixed once, from the initial age structure
            expected = hazard[self.core[w.commune[active]]].sum()
            target = p["cessations_per_year"] * self._territory_share
            self._exit_scale = target / expected if expected > 0 else 0.0
        leave = active[rng.random(len(active)) < np.minimum(hazard * self._exit_scale, 1)]
        exits = int(self.core[w.commune[leave]].sum())
        self.exits_by_epci = np.bincount(
            self.territory.communes.epci[w.commune[leave]], minlength=len(self.territory.epcis)
        )
        return leave, exits

    def expected_installations(self) -> float:
        """Installations expected a year in the core (the national flow × its GP share)."""
        return self.p["installations_per_year"] * self._territory_share

    def draw_installations(self, rng) -> tuple[int, int]:
        """The year's installations drawn (less those policies postponed,
        ``installation_postponed``; plus the additional GPs policies sent to the flow,
        ``installation_extra``), and how many of them policy installations credited
        (``installation_credit``) take; the rest are to be placed."""
        drawn = int(rng.poisson(self.expected_installations()))
        # a cohort kept in training (docteurs juniors) does not install this year: its
        # installations come out of the flow (any excess carries over)
        postponed = min(self.installation_postponed, drawn)
        self.installation_postponed -= postponed
        drawn -= postponed
        drawn += self.installation_extra
        self.installation_extra = 0
        from_policies = min(self.installation_credit, drawn)
        self.installation_credit -= from_policies
        return drawn, from_policies

    def installation_probabilities(self) -> tuple[np.ndarray, np.ndarray]:
        """Core EPCIs and the logit probability that a new GP chooses each."""
        t = self.territory
        core_e = np.flatnonzero(t.epcis.core)
        util = workforce.epci_utility(self.p, t, self.core, self.workforce, self.msp_commune)
        util = util[core_e]
        prob = np.exp(util - util.max())
        prob /= prob.sum()
        return core_e, prob

    def communes_in(self, rng, epcis: np.ndarray) -> np.ndarray:
        """A commune within each of ``epcis`` for a new GP."""
        return workforce.communes_in(rng, self.territory, self.core, self.workforce, epcis)
