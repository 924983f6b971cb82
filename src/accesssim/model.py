"""The agent-based model of access to GPs (Mesa 3.5), one step per week (DESIGN.md §5-6).

State lives in numpy arrays owned by the model; agents (``agents.py``) are views placed on a
network space over the EPCI graph at the EPCIs' coordinates. One weekly step, vectorised:

1. need: each cohort requests its age band's annual rate / 52, plus its backlog;
2. people without a médecin traitant (MT) send a share of their new need to the emergency
   department (ED); a share of new need is forgone up front ("friction": travel time to the
   nearest GP, waiting, age);
3. telemedicine takes its eligible share, within 20 % of each GP's capacity;
4. in-person requests are allocated to GPs by capacity-constrained gravity, MT holders
   first (their GPs see them first), then people without one;
5. what is not served goes partly to the ED, is partly given up (forgone), the rest waits.

Conservation every week: new need = in person + tele + ED + forgone + change in backlog.
Monthly and yearly processes (records, GP ageing, exits, installations, attachment to an MT)
run on Mesa's event scheduler.
"""

from __future__ import annotations

import zlib

import numpy as np
from mesa import Model
from mesa.datacollection import DataCollector
from mesa.discrete_space import Network
from mesa.time import Priority, Schedule
from scipy.sparse import csgraph

from accesssim import access, metrics, parameters, travel
from accesssim.agents import GP, EmergencyDepartment, MaisonDeSante, PatientCohort
from accesssim.allocation import allocate
from accesssim.territory import Territory

WEEKS_PER_YEAR = 52
MONTH_ENDS = tuple(round(52 * k / 12) for k in range(1, 13))  # week of each month's end
ADULT_BANDS = slice(1, None)  # 15+ (médecin traitant and renoncement are adult measures)
MSP = 2  # index of "msp" in agents.PRACTICE_TYPES
FLOWS = ("needed", "in_person", "tele", "ed", "forgone")


def _draw_with_caps(rng, prob: np.ndarray, cap: np.ndarray, n: int) -> np.ndarray:
    """Draw ``n`` indices with probabilities ``prob``, none more than ``cap`` times; draws
    beyond a cap go to the other indices (renormalised). Fewer than ``n`` only if all are
    capped."""
    prob = np.asarray(prob, float).copy()
    taken = np.zeros(len(prob), dtype=np.int64)
    out: list[int] = []
    while len(out) < n and prob.sum() > 0:
        for k in rng.choice(len(prob), size=n - len(out), p=prob / prob.sum()):
            if taken[k] < cap[k]:
                taken[k] += 1
                out.append(int(k))
        prob[taken >= cap] = 0
    return np.asarray(out, dtype=np.int64)


def epci_sites(communes, gps: np.ndarray, epci_idx: np.ndarray) -> np.ndarray:
    """For each EPCI, its commune with the most GPs (``gps`` per commune), ties and no-GP
    EPCIs going to the most populous."""
    out = []
    for k in epci_idx:
        members = np.flatnonzero(communes.epci == k)
        key = np.lexsort((-communes.population[members], -gps[members]))
        out.append(members[key[0]])
    return np.asarray(out, dtype=np.int64)


class InvariantError(AssertionError):
    """A conservation or positivity check failed (debug mode)."""


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
        policies: policy objects (``policies.py``); empty for the baseline.
        debug: check conservation and positivity every step (slower).
        cache: use the on-disk travel-time cache.
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
    ):
        super().__init__(rng=rng)
        self.territory = territory
        self.p = {**parameters.defaults(), **parameters.validate(dict(params or {}))}
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
        self.times = travel.travel_matrix(t, p["allocation_cutoff_minutes"], cache=cache)
        w = self.times.copy()
        w.data = np.exp(-w.data / p["gravity_tau_minutes"])
        self._weights_all = w.tocsc()
        self.service = None  # set by update_service_communes
        self._extra_service = np.zeros(0, np.int64)  # policy sites without GPs of their own
        self.times_apl = travel.travel_matrix(t, access.DREES_DECAY.cutoff, cache=cache)
        self.road = travel.road_graph(t)
        self.intra = travel.intra_minutes(t)
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
        self.gp_commune = np.repeat(np.arange(len(c)), c.gp).astype(np.int64)
        n = len(self.gp_commune)
        self.gp_age = self._draw_ages(n)
        self.gp_practice = self._draw_practice(self.gp_commune)
        self.gp_activity = self._draw_activity(n, self.gp_age)
        self.gp_active = np.ones(n, bool)
        self.gp_list = np.zeros(n)
        self.gp_accepting = np.ones(n, bool)
        self.gp_utilisation = np.zeros(n)
        self.gp_installed_week = np.zeros(n)
        self.gp_holds_list = np.ones(n, bool)  # False for residents (docteurs juniors)
        self._territory_share = c.gp[self.core].sum() / self.p["gps_france"]
        self._exit_scale = None
        self.exits_by_epci = np.zeros(len(self.territory.epcis), np.int64)  # last year's exits

    def _draw_ages(self, n: int, around: float | None = None) -> np.ndarray:
        if around is not None:
            return np.clip(self.rng.normal(around, 3.0, n), 27, 60)
        bands = np.asarray(self.p["gp_age_bands"], float)
        pick = self.rng.choice(len(bands), size=n, p=bands[:, 2] / bands[:, 2].sum())
        return self.rng.uniform(bands[pick, 0], bands[pick, 1])

    def _draw_activity(self, n: int, age: np.ndarray) -> np.ndarray:
        """Annual acts per GP: gamma heterogeneity, lower after 65, mean = acts_per_gp."""
        p = self.p
        cv = p["activity_cv"]
        raw = self.rng.gamma(1 / cv**2, cv**2, n) if cv > 0 else np.ones(n)
        raw = raw * np.where(age >= 65, p["activity_factor_65plus"], 1.0)
        norm = 1.0 / (0.86 + 0.14 * p["activity_factor_65plus"])  # 14 % of GPs are 65+
        return p["acts_per_gp"] * raw * norm

    def _draw_practice(self, gp_commune: np.ndarray) -> np.ndarray:
        """MSPs group the GPs of a commune: communes are drawn (sparser first) until the MSP
        share is reached; other GPs are solo or group by the sourced shares."""
        p, c, rng = self.p, self.territory.communes, self.rng
        solo, group, msp, _ = p["practice_shares"]
        counts = np.bincount(gp_commune, minlength=len(c))
        cand = np.flatnonzero(counts > 0)
        weight = 1.0 + c.density_class[cand]  # 61 % of MSPs in fragile areas (FACTS §3.4)
        order = cand[np.argsort(-(rng.random(len(cand)) ** (1 / weight)))]
        target = msp * len(gp_commune)
        chosen = order[: np.searchsorted(np.cumsum(counts[order]), target) + 1]
        msp_commune = np.zeros(len(c), bool)
        msp_commune[chosen] = target > 0
        practice = np.where(rng.random(len(gp_commune)) < solo / (solo + group), 0, 1)
        practice[msp_commune[gp_commune]] = MSP
        return practice.astype(np.int8)

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
        self.people = np.stack(
            [
                self.population_by_band * (1 - share)[:, None],
                self.population_by_band * share[:, None],
            ],
            axis=-1,
        )
        self.backlog = np.zeros_like(self.people)
        self.wait_weeks = np.zeros(len(c))
        self.nearest_gp_minutes = travel.nearest_minutes(
            self.territory, self._gp_communes(), graph=self.road
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
        cells = [self.space._cells[k] for k in range(len(t.epcis))]
        epci = t.communes.epci
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
            self.msps.append(
                MaisonDeSante(self, int(i), self.space._cells[int(epci[i])], self.time)
            )
        self.gp_practice[self.msp_commune[self.gp_commune] & self.gp_active] = MSP

    def _setup_records(self) -> None:
        shape = self.people.shape[:2]
        self.year_acc = {k: np.zeros(shape) for k in FLOWS}
        self.month_acc = {k: np.zeros(len(self.core)) for k in FLOWS}
        self.year_wait = np.zeros(len(self.core))
        self.year_ed_parts = np.zeros(2)  # ED visits: from lacking an MT, from unserved need
        self.week_flows = {k: np.zeros(shape) for k in FLOWS}
        self.week_totals = dict.fromkeys((*FLOWS, "backlog"), 0.0)
        self.ed_visits_by_site = np.zeros(len(self.territory.emergency))
        self.monthly_rows: list[dict] = []
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
        gain = np.where(self.gp_practice == MSP, 1 + self.p["msp_activity_gain"], 1.0)
        return self.gp_activity * gain * self.gp_active

    def current_apl(self) -> np.ndarray:
        supply = np.bincount(
            self.gp_commune, weights=self.gp_annual_activity(), minlength=len(self.core)
        )
        pop = self.territory.communes.population.astype(float)
        return access.e2sfca(supply, pop, self.times_apl)

    def _weeks_to_next_month(self, model) -> int:
        """Weeks from the end of month ``self._month`` to the end of the next (4 or 5)."""
        m = self._month
        return round(52 * (m + 1) / 12) - round(52 * m / 12)

    # ------------------------------------------------------------------ weekly step
    def step(self) -> None:
        p = self.p
        people = self.people
        new = people * (self.rate / WEEKS_PER_YEAR)[None, :, None]
        backlog_start = self.backlog
        request = new + backlog_start

        ed_direct = np.zeros_like(new)
        ed_direct[..., 1] = new[..., 1] * p["ed_without_mt_rate"]
        friction = (
            p["forgo_base"]
            * np.asarray(p["forgo_age_rr"], float)[None, :]
            * (
                1
                + p["forgo_travel_per_10min"]
                * np.minimum(self.nearest_gp_minutes, 120)[:, None]
                / 10
            )
            * (1 + p["forgo_wait_per_week"] * self.wait_weeks[:, None])
        )
        forgo_pre = np.minimum(new * np.minimum(friction, 0.9)[..., None], new - ed_direct)
        seek = request - ed_direct - forgo_pre

        # capacity this week (policies may move it: volunteers, juniors, ...)
        cap = self.gp_annual_activity() / WEEKS_PER_YEAR
        extra = np.zeros(len(self.core))
        for policy in self.policies:
            cap, extra = policy.adjust_capacity(self, cap, extra)

        tele_want = seek * self.tele_uptake[..., None]
        tele_cap = p["tele_cap_per_gp"] * cap.sum()
        want = tele_want.sum()
        tele = tele_want * (min(1.0, tele_cap / want) if want > 0 else 0.0)
        in_person_cap = cap * (1 - tele.sum() / cap.sum()) if cap.sum() > 0 else cap
        capacity = (
            np.bincount(self.gp_commune, weights=in_person_cap, minlength=len(self.core)) + extra
        )

        rest = seek - tele
        rounds = int(p["allocation_rounds"])
        offer = capacity[self.service]
        if not np.isclose(offer.sum(), capacity.sum()):
            raise RuntimeError(
                "capacity outside the service communes: call "
                "update_service_communes() when adding capacity somewhere new"
            )
        # pass 1: patients with a médecin traitant, on regular capacity
        d1 = rest[..., 0].sum(1)
        s1, u1 = allocate(d1, offer, self.weights, rounds, self.weights_t)
        # pass 2: everyone still waiting (MT holders left over, people without one), on what
        # is left plus the extra GPs give under pressure (capacity_flex)
        left1 = d1 - s1
        d2 = left1 + rest[..., 1].sum(1)
        flex = offer * p["capacity_flex"]
        s2, u2 = allocate(d2, offer - u1 + flex, self.weights, rounds, self.weights_t)
        used = np.zeros(len(self.core))
        used[self.service] = u1 + u2
        capacity = capacity.copy()
        capacity[self.service] += flex
        f2 = np.divide(s2, d2, out=np.zeros_like(s2), where=d2 > 0)
        f1 = np.divide(s1 + left1 * f2, d1, out=np.zeros_like(s1), where=d1 > 0)
        frac = np.stack([f1, f2], axis=-1)
        in_person = rest * frac[:, None, :]
        unserved = np.maximum(rest - in_person, 0)
        ed_unserved = unserved * p["ed_unserved_rate"]
        give_up = unserved * p["giveup_unserved"]
        self.backlog = unserved - ed_unserved - give_up

        self.gp_utilisation = np.divide(
            used, capacity, out=np.zeros_like(used), where=capacity > 0
        )[self.gp_commune]
        served = (in_person + tele).sum(axis=(1, 2))
        self.wait_weeks = np.minimum(
            np.divide(
                self.backlog.sum(axis=(1, 2)), served, out=np.zeros_like(served), where=served > 0
            ),
            WEEKS_PER_YEAR,
        )

        ed = (ed_direct + ed_unserved).sum(-1)
        self.year_ed_parts += (
            ed_direct.sum(axis=(1, 2)) @ self.core,
            ed_unserved.sum(axis=(1, 2)) @ self.core,
        )
        flows = {
            "needed": new.sum(-1),
            "in_person": in_person.sum(-1),
            "tele": tele.sum(-1),
            "ed": ed,
            "forgone": (forgo_pre + give_up).sum(-1),
        }
        self.week_flows = flows
        core = self.core
        for k, v in flows.items():
            self.year_acc[k] += v
            per_commune = v.sum(1)
            self.month_acc[k] += per_commune
            self.week_totals[k] = float(per_commune @ core)
        self.week_totals["backlog"] = float(self.backlog.sum(axis=(1, 2)) @ core)
        self.year_wait += self.wait_weeks
        if len(self.emergency_departments):
            site = self.nearest_ed_site
            ok = site >= 0
            self.ed_visits_by_site += np.bincount(
                site[ok], weights=ed.sum(1)[ok], minlength=len(self.ed_visits_by_site)
            )
        for policy in self.policies:
            policy.after_step(self, flows, used, capacity)
        if self.debug:
            self.check_invariants(new, backlog_start, flows, used, capacity)
        self.datacollector.collect(self)

    def check_invariants(self, new, backlog_start, flows, used, capacity) -> None:
        """Raise InvariantError unless conservation and positivity hold this week."""
        lhs = new.sum()
        rhs = (
            flows["in_person"].sum()
            + flows["tele"].sum()
            + flows["ed"].sum()
            + flows["forgone"].sum()
            + self.backlog.sum()
            - backlog_start.sum()
        )
        if not np.isclose(lhs, rhs, rtol=1e-9, atol=1e-6):
            raise InvariantError(f"week {self.steps}: need {lhs} != outcomes {rhs}")
        for name, arr in [
            ("backlog", self.backlog),
            ("people", self.people),
            *flows.items(),
            ("capacity", capacity),
        ]:
            if np.any(arr < -1e-9):
                raise InvariantError(f"week {self.steps}: negative {name}")
        if np.any(used > capacity * (1 + 1e-9) + 1e-9):
            raise InvariantError(f"week {self.steps}: GP capacity used exceeds capacity")

    # ------------------------------------------------------------------ monthly / yearly
    def _end_of_month(self) -> None:
        self._month += 1
        e = self.territory.epcis
        epci = self.territory.communes.epci
        core = self.core
        sums = {
            k: np.bincount(epci[core], weights=v[core], minlength=len(e))
            for k, v in self.month_acc.items()
        }
        for k in np.flatnonzero(e.core):
            self.monthly_rows.append(
                {
                    "month": self._month,
                    "year": self.start_year + (self._month - 1) // 12,
                    "epci": str(e.siren[k]),
                    **{f: float(sums[f][k]) for f in FLOWS},
                }
            )
        for v in self.month_acc.values():
            v[:] = 0

    def _end_of_year(self) -> None:
        self._record_year()
        exits, installs = self._gp_flows()
        self.last_year.update(exits=exits, installations=installs)
        self.update_service_communes()
        self._update_lists()
        self._register_patients()
        self.nearest_gp_minutes = travel.nearest_minutes(
            self.territory, self._gp_communes(), graph=self.road
        )
        for policy in self.policies:
            policy.end_of_year(self)
        self.year_index += 1
        for v in self.year_acc.values():
            v[:] = 0
        self.year_wait[:] = 0
        self.year_ed_parts[:] = 0
        self.ed_visits_by_site[:] = 0

    def forwent_people(self) -> np.ndarray:
        """People who forwent care at least once this year, by commune and band.

        Forgone consultations are taken as Poisson events spread evenly over a cohort's
        people: P(at least one) = 1 - exp(-forgone / people). An assumption, documented in
        docs/ODD.md; it makes the people-share comparable with DREES's survey measure.
        """
        people = self.people.sum(-1)
        x = np.divide(self.year_acc["forgone"], people, out=np.zeros_like(people), where=people > 0)
        return people * (1 - np.exp(-x))

    def _record_year(self) -> None:
        from accesssim import records

        records.record_year(self)
        self.last_year = records.national_year(self)

    def _gp_flows(self) -> tuple[int, int]:
        """Ageing, cessations (retirement hazard scaled to CNAM's ~2,330 a year nationally)
        and installations (~2,350 a year) with a location choice over EPCIs."""
        p, rng = self.p, self.rng
        self.gp_age += 1.0
        active = np.flatnonzero(self.gp_active)
        age = self.gp_age[active]
        hazard = np.select([age < 60, age < 65, age < 70], [0.01, 0.06, 0.18], 0.35)
        hazard = hazard * np.where(self.gp_practice[active] == MSP, p["msp_exit_factor"], 1.0)
        if self._exit_scale is None:  # fixed once, from the initial age structure
            expected = hazard[self.core[self.gp_commune[active]]].sum()
            target = p["cessations_per_year"] * self._territory_share
            self._exit_scale = target / expected if expected > 0 else 0.0
        leave = active[rng.random(len(active)) < np.minimum(hazard * self._exit_scale, 1)]
        exits = int(self.core[self.gp_commune[leave]].sum())
        self.exits_by_epci = np.bincount(
            self.territory.communes.epci[self.gp_commune[leave]],
            minlength=len(self.territory.epcis),
        )
        self.remove_gps(leave)
        n_new = rng.poisson(p["installations_per_year"] * self._territory_share)
        if n_new:
            self.add_gps(self._choose_communes(n_new))
        return exits, int(n_new)

    def remove_gps(self, idx: np.ndarray) -> None:
        """GPs leave (exits, or policy departures): their registered patients lose their
        médecin traitant."""
        if not len(idx):
            return
        lost = np.bincount(
            self.gp_commune[idx], weights=self.gp_list[idx], minlength=len(self.core)
        )[self.service]
        mt = self.people[:, ADULT_BANDS, 0].sum(1)
        reach = self.weights_t @ mt
        ratio = np.divide(lost, reach, out=np.zeros_like(lost), where=reach > 0)
        share = np.minimum(self.weights @ ratio, 1.0)
        moved = self.people[:, ADULT_BANDS, 0] * share[:, None]
        self.people[:, ADULT_BANDS, 0] -= moved
        self.people[:, ADULT_BANDS, 1] += moved
        self.gp_active[idx] = False
        self.gp_list[idx] = 0
        for k in idx:
            agent = self.gp_agents.pop(int(k), None)
            if agent is not None:
                agent.remove()

    def _choose_communes(self, n: int) -> np.ndarray:
        """Logit over core EPCIs, then a commune within it by population × (1 + GPs)."""
        p, t, rng = self.p, self.territory, self.rng
        c, e = t.communes, t.epcis
        core_e = np.flatnonzero(e.core)
        pop_e = np.bincount(c.epci[self.core], weights=c.population[self.core], minlength=len(e))
        gps_e = np.bincount(c.epci[self.gp_commune[self.gp_active]], minlength=len(e))
        msp_e = np.bincount(c.epci[self.msp_commune], minlength=len(e)) > 0
        dense_e = np.bincount(
            c.epci, weights=c.population * (c.density_class == 0), minlength=len(e)
        ) / np.maximum(pop_e, 1)
        util = (
            np.log(np.maximum(pop_e, 1))
            + p["install_beta_colleagues"] * np.log1p(1e4 * gps_e / np.maximum(pop_e, 1))
            + p["install_beta_msp"] * msp_e
            + p["install_beta_priority"] * e.priority_confirmed
            + p["install_beta_urban"] * dense_e
        )[core_e]
        prob = np.exp(util - util.max())
        prob /= prob.sum()
        cap = np.full(len(core_e), np.inf)  # most installations an EPCI may take this year
        for policy in self.policies:
            cap = policy.installation_cap(self, core_e, cap)
        epcis = core_e[_draw_with_caps(rng, prob, cap, n)]
        gp_c = np.bincount(self.gp_commune[self.gp_active], minlength=len(c))
        out = np.empty(n, np.int64)
        for k, ep in enumerate(epcis):  # n is a few hundred a year: not the hot path
            members = np.flatnonzero((c.epci == ep) & self.core)
            w = c.population[members] * (1.0 + gp_c[members])
            out[k] = members[rng.choice(len(members), p=w / w.sum())] if w.sum() > 0 else members[0]
        return out

    def add_gps(
        self, communes: np.ndarray, age=None, activity=None, practice=None, holds_list=True
    ) -> np.ndarray:
        """Add GPs in ``communes`` (installations, or policy arrivals); ``holds_list=False``
        for residents who hold no médecin-traitant list. Returns their indices."""
        n = len(communes)
        start = len(self.gp_commune)
        age = self._draw_ages(n, around=self.p["installation_age"]) if age is None else age
        if practice is None:
            practice = np.where(
                self.msp_commune[communes], MSP, np.where(self.rng.random(n) < 0.13, 0, 1)
            )
        if activity is None:
            activity = self._draw_activity(n, age)
        self.gp_commune = np.concatenate([self.gp_commune, communes])
        self.gp_age = np.concatenate([self.gp_age, age])
        self.gp_practice = np.concatenate([self.gp_practice, practice.astype(np.int8)])
        self.gp_activity = np.concatenate([self.gp_activity, activity])
        self.gp_active = np.concatenate([self.gp_active, np.ones(n, bool)])
        self.gp_list = np.concatenate([self.gp_list, np.zeros(n)])
        self.gp_accepting = np.concatenate([self.gp_accepting, np.ones(n, bool)])
        self.gp_utilisation = np.concatenate([self.gp_utilisation, np.zeros(n)])
        self.gp_installed_week = np.concatenate([self.gp_installed_week, np.full(n, self.time)])
        self.gp_holds_list = np.concatenate([self.gp_holds_list, np.full(n, bool(holds_list))])
        epci = self.territory.communes.epci
        for k in range(start, start + n):
            self.gp_agents[k] = GP(self, k, self.space._cells[int(epci[self.gp_commune[k]])])
        self.update_service_communes()
        return np.arange(start, start + n)

    def settle_gps(self, idx: np.ndarray) -> None:
        """GPs (e.g. residents at the end of their year) install where they are: their
        activity is drawn as for any GP and they now hold a médecin-traitant list."""
        idx = np.asarray(idx, np.int64)
        self.gp_activity[idx] = self._draw_activity(len(idx), self.gp_age[idx])
        self.gp_holds_list[idx] = True

    def spawn_rng(self, key: str) -> np.random.Generator:
        """A generator of its own for ``key`` (a policy), seeded from this model's seed
        sequence and the key: drawing from it leaves the model's stream untouched, so runs
        with and without a policy share their random numbers (common random numbers)."""
        entropy = self.rng.bit_generator.seed_seq.entropy
        entropy = list(entropy) if isinstance(entropy, list | tuple) else [int(entropy)]
        return np.random.default_rng([*entropy, zlib.crc32(key.encode())])

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

    def _list_cap(self) -> np.ndarray:
        gain = np.where(self.gp_practice == MSP, 1 + self.p["msp_list_gain"], 1.0)
        return self.p["list_cap_factor"] * self.p["list_size_per_gp"] * gain

    def _update_lists(self) -> None:
        """Registered adults per GP: the territory's MT holders shared by activity (MSP
        GPs hold larger lists); accepting while under the list cap."""
        mt_total = self.people[:, ADULT_BANDS, 0].sum()
        gain = np.where(self.gp_practice == MSP, 1 + self.p["msp_list_gain"], 1.0)
        w = self.gp_annual_activity() * gain
        established = self.gp_installed_week < self.time  # newcomers start with an empty list
        w = w * (established | (self.time == 0)) * self.gp_holds_list
        self.gp_list = mt_total * w / w.sum() if w.sum() > 0 else np.zeros_like(w)
        self.gp_accepting = self._accepting()

    def _accepting(self) -> np.ndarray:
        return self.gp_active & self.gp_holds_list & (self.gp_list < self._list_cap())

    def _register_patients(self) -> None:
        """People without an MT register with accepting GPs within reach, up to their lists."""
        spare = np.maximum(self._list_cap() - self.gp_list, 0) * self.gp_accepting
        spare_c = np.bincount(self.gp_commune, weights=spare, minlength=len(self.core))
        spare_c = spare_c[self.service]
        want = self.people[:, ADULT_BANDS, 1].sum(1) * self.p["mt_registration_rate"]
        got, used = allocate(want, spare_c, self.weights, 1, self.weights_t)
        without = self.people[:, ADULT_BANDS, 1].sum(1)
        share = np.divide(got, without, out=np.zeros_like(got), where=without > 0)
        moved = self.people[:, ADULT_BANDS, 1] * share[:, None]
        self.people[:, ADULT_BANDS, 1] -= moved
        self.people[:, ADULT_BANDS, 0] += moved
        per_c = np.zeros(len(self.core))
        per_c[self.service] = np.divide(used, spare_c, out=np.zeros_like(used), where=spare_c > 0)
        self.gp_list += spare * per_c[self.gp_commune]
        self.gp_accepting = self._accepting()
