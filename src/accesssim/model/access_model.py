"""The agent-based model of access to GPs (Mesa 3.5), one step per week.

``AccessModel`` builds the state (cohorts of patients by commune × age band × médecin-traitant
status, the GP workforce, travel times, emergency sites, MSPs) and the Mesa network space over
the EPCI graph; each week it lets the policies set capacity, calls ``weekly.simulate_week``
(the flows, a pure function) and accumulates; months and years are events on Mesa's
scheduler (records, then the workforce's ageing, exits, installations, lists and registration
from ``workforce.py``). Agents (``agents.py``) are read-only views of the arrays, placed on
the space at their EPCI.
"""

from __future__ import annotations

import zlib

import numpy as np
from mesa import Model
from mesa.datacollection import DataCollector
from mesa.discrete_space import Network
from mesa.time import Priority, Schedule
from scipy.sparse import csgraph

from accesssim.core import access, metrics, workforce
from accesssim.core.weekly import (
    ED_CAUSES,
    FLOWS,
    WEEKS_PER_YEAR,
    InvariantError,
    WeekState,
    by_commune,
    cohort_layout,
    simulate_week,
)
from accesssim.core.workforce import MSP, Workforce
from accesssim.geo import travel
from accesssim.geo.territory import Territory
from accesssim.model import records
from accesssim.model.agents import GP, EmergencyDepartment, MaisonDeSante, PatientCohort
from accesssim.params import calibration as calfile
from accesssim.params import checks
from accesssim.params.parameters import ADULT_BANDS

MONTH_ENDS = tuple(round(52 * k / 12) for k in range(1, 13))  # week of each month's end


def epci_sites(communes, gps: np.ndarray, epci_idx: np.ndarray) -> np.ndarray:
    """For each EPCI, its commune with the most GPs (``gps`` per commune), ties and no-GP
    EPCIs going to the most populous."""
    out = []
    for k in epci_idx:
        members = np.flatnonzero(communes.epci == k)
        key = np.lexsort((-communes.population[members], -gps[members]))
        out.append(members[key[0]])
    return np.asarray(out, dtype=np.int64)


# ---------------------------------------------------------------------- reporters
def national_needed(m: AccessModel) -> float:
    return m.week_totals["needed"]


def national_in_person(m: AccessModel) -> float:
    return m.week_totals["in_person"]


def national_tele(m: AccessModel) -> float:
    return m.week_totals["tele"]


def national_ed(m: AccessModel) -> float:
    return m.week_totals["ed"]


def national_forgone(m: AccessModel) -> float:
    return m.week_totals["forgone"]


def national_backlog(m: AccessModel) -> float:
    return m.week_totals["backlog"]


def share_without_mt(m: AccessModel) -> float:
    adults = m.people[:, ADULT_BANDS] * m.core[:, None, None]
    return float(adults[..., 1].sum() / adults.sum())


def active_gps(m: AccessModel) -> int:
    return int((m.gp_active & m.core[m.gp_commune]).sum())


MODEL_REPORTERS = {
    "needed": national_needed,
    "served_in_person": national_in_person,
    "served_tele": national_tele,
    "ed_visits": national_ed,
    "forgone": national_forgone,
    "backlog": national_backlog,
    "share_without_mt": share_without_mt,
    "gps": active_gps,
}


class AccessModel(Model):
    """Patients (cohorts), GPs, emergency departments and MSPs on the real territory.

    Args:
        territory: a loaded territory or selection (``territory.load().select(...)``).
        params: parameter overrides by name (see ``parameters.PARAMETERS``).
        rng: seed or numpy Generator; all randomness comes from ``self.rng``.
        start_year: calendar year of week 0 (labels only).
        policies: policy objects (``accesssim.policies``); empty for the baseline.
        debug: check conservation and positivity every step (slower).
        cache: use the on-disk travel-time cache.
        calibration: fitted values (a calibration file, a dict, or None for the table's
            defaults; ``params.calibration.load_calibration``), under ``params``.
        agents: create the Mesa agents (read-only views of the arrays, for inspection and
            Mesa's tools). Nothing in the dynamics reads them, so batch runs (sweeps,
            sensitivity) skip them: creating ~23,000 agents takes 0.3 s of a regional run.
    """

    def __init__(
        self,
        territory: Territory,
        params: dict | None = None,
        rng=None,
        start_year: int = 2025,
        policies=(),
        debug: bool = False,
        cache: bool = True,
        calibration=calfile.SHIPPED_CALIBRATION,
        agents: bool = True,
    ):
        super().__init__(rng=rng)
        self.with_agents = agents
        self.territory = territory
        self.calibration = calfile.load_calibration(calibration)
        self.p = {
            **calfile.defaults(None),
            **self.calibration["fitted"],
            **checks.validate(dict(params or {})),
        }
        self.start_year = start_year
        self.debug = debug
        self.policies = list(policies)
        self.core = territory.communes.core.copy()
        self._setup_demand()
        self._setup_travel(cache)
        self._setup_gps()
        self._setup_attachment()
        self._setup_space_and_agents()
        self._setup_records()
        for policy in self.policies:
            policy.setup(self)
        self.schedule_recurring(
            self._end_of_month,
            Schedule(interval=self._weeks_to_next_month, start=MONTH_ENDS[0]),
            priority=Priority.DEFAULT,
        )
        self.schedule_recurring(
            self._end_of_year,
            Schedule(interval=WEEKS_PER_YEAR, start=WEEKS_PER_YEAR),
            priority=Priority.LOW,
        )
        self.datacollector = DataCollector(model_reporters=MODEL_REPORTERS)

    # ------------------------------------------------------------------ setup
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
        self._extra_service = np.zeros(0, np.int64)  # policy sites without GPs of their own
        self.times_apl = travel.travel_matrix(
            t, access.DREES_DECAY.cutoff, tp.metric(), cache=cache
        )
        self.apl_weights = access.weights(self.times_apl)  # DREES bands, kept for every APL
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

    def _setup_gps(self) -> None:
        c = self.territory.communes
        self.workforce = Workforce.initial(c.gp, c.density_class, self.p, self.rng)
        self._territory_share = c.gp[self.core].sum() / self.p["gps_france"]
        self._exit_scale = None
        self.installation_credit = 0  # policy installations not yet taken from the flow
        self.exits_by_epci = np.zeros(len(self.territory.epcis), np.int64)  # last year's exits

    # GP state, one array per attribute (``workforce.Workforce``)
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

    def _setup_attachment(self) -> None:
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
        self.nearest_gp_minutes = travel.nearest_minutes(
            self.territory, self._gp_communes(), self.travel_params, graph=self.road
        )
        self.update_service_communes()
        self._update_lists()

    def update_service_communes(self, extra=()) -> None:
        """Destinations of the allocation: communes with GP capacity (plus ``extra``, e.g.
        where volunteers consult). Other communes have nothing to offer, so leaving their
        columns out of the weight matrix changes no result and makes the step ~4× cheaper."""
        self._extra_service = np.union1d(self._extra_service, np.asarray(extra, np.int64))
        keep = np.union1d(np.unique(self.gp_commune[self.gp_active]), self._extra_service)
        if self.service is not None and np.array_equal(keep, self.service):
            return
        self.service = keep
        self.weights = self._weights_all[:, keep].tocsr()
        self.weights_t = self.weights.T.tocsr()

    def _setup_space_and_agents(self) -> None:
        t = self.territory
        g = t.epci_graph()
        self.space = Network(g, layout={k: g.nodes[k]["pos"] for k in g}, random=self.random)
        cells = [self.space[k] for k in range(len(t.epcis))]
        epci = t.communes.epci
        self.cohorts, self.gp_agents, self.emergency_departments = [], {}, []
        if self.with_agents:
            self.cohorts = [
                PatientCohort(self, i, b, cells[epci[i]])
                for i in range(len(epci))
                for b in range(self.people.shape[1])
            ]
            self.gp_agents = {
                k: GP(self, k, cells[epci[self.gp_commune[k]]]) for k in range(len(self.gp_commune))
            }
            self.emergency_departments = [
                EmergencyDepartment(self, s, cells[epci[ci]])
                for s, ci in enumerate(t.emergency.commune)
            ]
        msp_communes = np.unique(self.gp_commune[self.gp_practice == MSP])
        self.msp_commune = np.zeros(len(epci), bool)
        self.msps = []
        self.open_msp(msp_communes)

    def open_msp(self, communes) -> None:
        """Open maisons de santé in communes: their GPs (present and future) practise there."""
        epci = self.territory.communes.epci
        for i in np.asarray(communes, dtype=np.int64):
            if self.msp_commune[i]:
                continue
            self.msp_commune[i] = True
            if self.with_agents:
                self.msps.append(MaisonDeSante(self, int(i), self.space[int(epci[i])], self.time))
        self.gp_practice[self.msp_commune[self.gp_commune] & self.gp_active] = MSP

    def _setup_records(self) -> None:
        shape = self.people.shape[:2]
        self.year_acc = {k: np.zeros(shape, order="F") for k in FLOWS}  # as the flows
        self.month_acc = {k: np.zeros(len(self.core)) for k in FLOWS}
        self.year_wait = np.zeros(len(self.core))
        # GP-treatable ED visits this year by cause (weekly.ED_CAUSES), per commune
        self.year_ed_cause = {k: np.zeros(len(self.core)) for k in ED_CAUSES}
        self.year_backlog = np.zeros(len(self.core))  # sum over weeks of the backlog
        self.tele_share_max_gp = 0.0  # largest weekly tele share of one GP this year
        self.week_flows = {k: np.zeros(shape, order="F") for k in FLOWS}
        self.week_totals = dict.fromkeys((*FLOWS, "backlog"), 0.0)
        self.ed_visits_by_site = np.zeros(len(self.territory.emergency))
        self._monthly: list[tuple[int, np.ndarray]] = []  # (month, EPCI × flow sums)
        self._monthly_rows: list[dict] = []
        self._monthly_built = 0  # months in _monthly_rows
        self.yearly_rows: list[dict] = []
        self.group_rows: list[dict] = []
        self.commune_rows: list[dict] = []
        self.record_communes = False
        self.policy_rows: list[dict] = []
        self._month = 0
        self.year_index = 0

    # ------------------------------------------------------------------ helpers
    def _gp_communes(self) -> np.ndarray:
        return np.unique(self.gp_commune[self.gp_active])

    def gp_annual_activity(self) -> np.ndarray:
        """Acts per year of each GP (0 when inactive), MSP gain included."""
        return self.workforce.annual_activity(self.p)

    def current_apl(self) -> np.ndarray:
        """APL now, with supply as ``access.territory_apl`` and ``accesssim validate`` count
        it: each GP's full-time equivalent (activity / acts_per_gp) times the national acts
        per GP (national_gp_acts / gps_france), METRIC times."""
        p = self.p
        per_fte = p["national_gp_acts"] / p["gps_france"] / p["acts_per_gp"]
        supply = np.bincount(
            self.gp_commune, weights=self.gp_annual_activity() * per_fte, minlength=len(self.core)
        )
        pop = self.territory.communes.population.astype(float)
        return access.e2sfca_weighted(supply, pop, self.apl_weights)

    def _weeks_to_next_month(self, model) -> int:
        """Weeks from the end of month ``self._month`` to the end of the next (4 or 5)."""
        m = self._month
        return round(52 * (m + 1) / 12) - round(52 * m / 12)

    # ------------------------------------------------------------------ weekly step
    def step(self) -> None:
        """One week: policies set capacity, ``weekly.simulate_week`` computes the flows (and
        checks conservation in debug mode), the model keeps the new state and accumulates."""
        cap = self.gp_annual_activity() / WEEKS_PER_YEAR
        extra = np.zeros(len(self.core))
        for policy in self.policies:  # volunteers, juniors, ... move capacity
            cap, extra = policy.adjust_capacity(self, cap, extra)
        state = WeekState(
            people=self.people,
            backlog=self.backlog,
            rate=self.rate,
            nearest_gp_minutes=self.nearest_gp_minutes,
            wait_weeks=self.wait_weeks,
            tele_uptake=self.tele_uptake,
            gp_capacity=cap,
            gp_commune=self.gp_commune,
            extra_capacity=extra,
            service=self.service,
            weights=self.weights,
            weights_t=self.weights_t,
            ed_minutes=self.ed_minutes,
        )
        try:
            week = simulate_week(state, self.p, check=self.debug)
        except InvariantError as exc:
            raise InvariantError(f"week {self.steps}: {exc}") from None
        self.backlog = week.backlog
        self.wait_weeks = week.wait_weeks
        self.workforce.utilisation = week.gp_utilisation
        core = self.core
        for k, v in week.ed_by_cause().items():
            self.year_ed_cause[k] += v
        self.year_backlog += week.waiting
        acts = week.gp_tele + week.gp_in_person
        share = np.divide(week.gp_tele, acts, out=np.zeros_like(acts), where=acts > 0)
        self.tele_share_max_gp = max(self.tele_share_max_gp, float(share.max(initial=0.0)))
        flows = week.as_dict()
        self.week_flows = flows
        per_commune = {}
        for k, v in flows.items():
            self.year_acc[k] += v
            per_commune[k] = by_commune(v)
            self.month_acc[k] += per_commune[k]
            self.week_totals[k] = float(per_commune[k] @ core)
        self.week_totals["backlog"] = float(week.waiting @ core)
        self.year_wait += self.wait_weeks
        if len(self.territory.emergency):
            site = self.nearest_ed_site
            ok = site >= 0
            self.ed_visits_by_site += np.bincount(
                site[ok], weights=per_commune["ed"][ok], minlength=len(self.ed_visits_by_site)
            )
        for policy in self.policies:
            policy.after_step(self, flows, week.used, week.capacity)
        self.datacollector.collect(self)

    # ------------------------------------------------------------------ monthly / yearly
    def _end_of_month(self) -> None:
        self._month += 1
        e = self.territory.epcis
        epci = self.territory.communes.epci
        core = self.core
        rows = np.flatnonzero(e.core)
        sums = np.stack(
            [
                np.bincount(epci[core], weights=v[core], minlength=len(e))[rows]
                for v in self.month_acc.values()
            ],
            axis=1,
        )
        self._monthly.append((self._month, sums))  # rows are built when asked for
        for v in self.month_acc.values():
            v[:] = 0

    @property
    def monthly_rows(self) -> list[dict]:
        """One row per month and core EPCI: the flows (``weekly.FLOWS``) of that month."""
        if self._monthly_built != len(self._monthly):
            e = self.territory.epcis
            siren = [str(x) for x in e.siren[np.flatnonzero(e.core)]]
            self._monthly_rows = [
                {
                    "month": month,
                    "year": self.start_year + (month - 1) // 12,
                    "epci": siren[i],
                    **dict(zip(self.month_acc, map(float, row), strict=True)),
                }
                for month, sums in self._monthly
                for i, row in enumerate(sums)
            ]
            self._monthly_built = len(self._monthly)
        return self._monthly_rows

    def _end_of_year(self) -> None:
        self._record_year()
        exits, installs, from_policies = self._gp_flows()
        self.last_year.update(
            exits=exits, installations=installs, installations_from_policies=from_policies
        )
        self.update_service_communes()
        self._update_lists()
        self._register_patients()
        self.nearest_gp_minutes = travel.nearest_minutes(
            self.territory, self._gp_communes(), self.travel_params, graph=self.road
        )
        for policy in self.policies:
            policy.end_of_year(self)
        self.year_index += 1
        for v in self.year_acc.values():
            v[:] = 0
        self.year_wait[:] = 0
        for v in self.year_ed_cause.values():
            v[:] = 0
        self.year_backlog[:] = 0
        self.tele_share_max_gp = 0.0
        self.ed_visits_by_site[:] = 0

    def forwent_people(self) -> np.ndarray:
        """People who forwent care at least once this year, by commune and band.

        Forgone consultations are taken as Poisson events spread evenly over a cohort's
        people: P(at least one) = 1 - exp(-forgone / people). An assumption, documented in
        docs/ODD.md; it makes the people-share comparable with DREES's survey measure.
        """
        return metrics.people_who_forwent(self.year_acc["forgone"], self.people.sum(-1))

    def _record_year(self) -> None:
        records.record_year(self)
        self.last_year = records.national_year(self)

    def credit_installations(self, n: int) -> None:
        """``n`` GPs installed through a policy (e.g. docteurs juniors settling where they
        trained) belong to the yearly installation flow: the next year-end draws that many
        fewer installations (any excess carries over), so totals stay at the baseline flow."""
        self.installation_credit += int(n)

    def _gp_flows(self) -> tuple[int, int, int]:
        """Ageing, cessations (exit hazard scaled to CNAM's cessations a year nationally) and
        installations with a location choice over EPCIs (``workforce.py``); policy
        installations credited this year (``credit_installations``) replace part of the
        flow. Returns exits, installations (all), installations from policies."""
        p, rng, w = self.p, self.rng, self.workforce
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
        self.remove_gps(leave)
        drawn = int(rng.poisson(p["installations_per_year"] * self._territory_share))
        from_policies = min(self.installation_credit, drawn)
        self.installation_credit -= from_policies
        n_new = drawn - from_policies
        if n_new:
            self.add_gps(self._choose_communes(n_new))
        return exits, drawn, from_policies

    def remove_gps(self, idx: np.ndarray) -> None:
        """GPs leave (exits, or policy departures): their registered patients lose their
        médecin traitant."""
        if not len(idx):
            return
        workforce.detach(self.workforce, idx, self.people, self.service, *self._reach())
        for k in idx:
            agent = self.gp_agents.pop(int(k), None)
            if agent is not None:
                agent.remove()

    def _reach(self):
        return self.weights, self.weights_t

    def _choose_communes(self, n: int) -> np.ndarray:
        """Logit over core EPCIs (capped by policies), then a commune within it."""
        t = self.territory
        core_e = np.flatnonzero(t.epcis.core)
        util = workforce.epci_utility(self.p, t, self.core, self.workforce, self.msp_commune)
        util = util[core_e]
        prob = np.exp(util - util.max())
        prob /= prob.sum()
        cap = np.full(len(core_e), np.inf)  # most installations an EPCI may take this year
        for policy in self.policies:
            cap = policy.installation_cap(self, core_e, cap)
        epcis = core_e[workforce.draw_with_caps(self.rng, prob, cap, n)]
        return workforce.communes_in(self.rng, t, self.core, self.workforce, epcis)

    def add_gps(
        self, communes: np.ndarray, age=None, activity=None, practice=None, holds_list=True
    ) -> np.ndarray:
        """Add GPs in ``communes`` (installations, or policy arrivals); ``holds_list=False``
        for residents who hold no médecin-traitant list. Returns their indices."""
        n = len(communes)
        p, rng = self.p, self.rng
        age = workforce.draw_ages(rng, p, n, around=p["installation_age"]) if age is None else age
        if practice is None:
            practice = workforce.new_practice(rng, p, self.msp_commune[communes])
        if activity is None:
            activity = workforce.draw_activity(rng, p, n, age)
        idx = self.workforce.append(communes, age, practice, activity, self.time, holds_list)
        epci = self.territory.communes.epci
        for k in idx if self.with_agents else ():
            self.gp_agents[k] = GP(self, k, self.space[int(epci[self.gp_commune[k]])])
        self.update_service_communes()
        return idx

    def settle_gps(self, idx: np.ndarray) -> None:
        """GPs (e.g. residents at the end of their year) install where they are: their
        activity is drawn as for any GP and they now hold a médecin-traitant list."""
        idx = np.asarray(idx, np.int64)
        self.gp_activity[idx] = workforce.draw_activity(
            self.rng, self.p, len(idx), self.gp_age[idx]
        )
        self.gp_holds_list[idx] = True

    def spawn_rng(self, key: str) -> np.random.Generator:
        """A generator of its own for ``key`` (a policy), seeded from this model's seed
        sequence and the key: drawing from it leaves the model's stream untouched, so runs
        with and without a policy share their random numbers (common random numbers)."""
        entropy = self.rng.bit_generator.seed_seq.entropy
        entropy = list(entropy) if isinstance(entropy, list | tuple) else [int(entropy)]
        return np.random.default_rng([*entropy, zlib.crc32(key.encode())])

    def tele_uptake_for_share(self, share: float) -> np.ndarray:
        """Teleconsultation uptake per commune and band at a national share ``share`` (not
        clipped: ``set_tele_uptake`` clips), shaped as the baseline's (age, density)."""
        return self.tele_uptake_per_share * share

    def minutes_to_nearest(self, sites, limit: float = np.inf) -> tuple[np.ndarray, np.ndarray]:
        """Road minutes (plus the intra-commune time) from each commune to the nearest of the
        communes ``sites``, and which site that is (-1 if none within ``limit`` minutes of
        road)."""
        dist, _, src = csgraph.dijkstra(
            self.road, indices=sites, min_only=True, return_predecessors=True, limit=limit
        )
        return dist + self.intra, src

    def record_policy_row(self, row: dict) -> None:
        """A policy's yearly row (dose delivered, cost), written to ``policy_yearly``."""
        self.policy_rows.append(row)

    def set_tele_uptake(self, uptake: np.ndarray) -> None:
        """Teleconsultation uptake per commune and band from now on (a policy's dose)."""
        self.tele_uptake = np.clip(np.asarray(uptake, float), 0, 1)

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

    def _update_lists(self) -> None:
        mt_total = self.people[:, ADULT_BANDS, 0].sum()
        workforce.update_lists(self.workforce, self.p, mt_total, self.time)

    def _register_patients(self) -> None:
        workforce.register(self.workforce, self.p, self.people, self.service, *self._reach())
