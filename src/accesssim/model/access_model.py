"""The agent-based model of access to GPs (Mesa 3.5), one step per week: the schedule.

``AccessModel`` owns the run's state (``state.SimState``: cohorts, GP workforce, travel,
MSPs), its ledger (``ledger.Ledger``: sums and rows) and the Mesa network space over the EPCI
graph. Each week it lets the policies set capacity, calls ``weekly.simulate_week`` (the flows,
a pure function) and has the ledger accumulate; months and years are events on Mesa's
scheduler (the ledger's rows, then the workforce's ageing, exits, installations, lists and
registration). Agents (``agents.py``) are read-only views of the arrays, placed on the space
at their EPCI. The model's attributes that are the state's or the ledger's (``m.people``,
``m.year_acc``, ``m.gp_active``, ...) are read through the properties below.
"""

from __future__ import annotations

import zlib

import numpy as np
from mesa import Model
from mesa.datacollection import DataCollector
from mesa.discrete_space import Network
from mesa.time import Priority, Schedule

from accesssim.core.saturation import SATURATED_LOAD
from accesssim.core.weekly import FLOWS, WEEKS_PER_YEAR, InvariantError, simulate_week
from accesssim.core.workforce import draw_with_caps
from accesssim.geo.territory import Territory
from accesssim.model.agents import GP, EmergencyDepartment, MaisonDeSante, PatientCohort
from accesssim.model.ledger import MODEL_REPORTERS, Ledger
from accesssim.model.state import SimState, epci_sites
from accesssim.params import calibration as calfile
from accesssim.params import checks

__all__ = ["FLOWS", "MONTH_ENDS", "WEEKS_PER_YEAR", "AccessModel", "epci_sites"]

MONTH_ENDS = tuple(round(52 * k / 12) for k in range(1, 13))  # week of each month's end


def _state(name: str) -> property:
    """The state's attribute ``name``, read on the model."""
    return property(lambda self: getattr(self.state, name), doc=f"``state.{name}``")


def _ledger(name: str) -> property:
    """The ledger's attribute ``name``, read on the model."""
    return property(lambda self: getattr(self.ledger, name), doc=f"``ledger.{name}``")


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
        self.calibration = calfile.load_calibration(calibration)
        p = {
            **calfile.defaults(None),
            **self.calibration["fitted"],
            **checks.validate(dict(params or {})),
        }
        self.start_year = start_year
        self.debug = debug
        self.policies = list(policies)
        self.state = SimState(territory, p, self.rng, self.time, cache)
        self.state.warm_up(int(p["warm_up_weeks"]), check=debug)  # docs/ODD.md §7
        self._setup_space_and_agents()
        n = len(self.core)
        self.ledger = Ledger(self.people.shape[:2], n, len(territory.emergency), p["capacity_flex"])
        self._month = 0
        self.year_index = 0
        # GP exits and installations drawn at a year's end, each due at the end of one of the
        # next 12 months (``_gp_flows``): (month due, GP indices) and (month due, communes)
        self._due_exits: list[tuple[int, np.ndarray]] = []
        self._due_installations: list[tuple[int, np.ndarray]] = []
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

    def _setup_space_and_agents(self) -> None:
        t = self.territory
        g = t.epci_graph()
        self.space = Network(g, layout={k: g.nodes[k]["pos"] for k in g}, random=self.random)
        cells = [self.space[k] for k in range(len(t.epcis))]
        epci = t.communes.epci
        self.cohorts, self.gp_agents, self.emergency_departments = [], {}, []
        self.msps = []
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
            self._add_msp_agents(np.flatnonzero(self.msp_commune))

    def _add_msp_agents(self, communes) -> None:
        epci = self.territory.communes.epci
        for i in communes if self.with_agents else ():
            self.msps.append(MaisonDeSante(self, int(i), self.space[int(epci[i])], self.time))

    # ------------------------------------------------------------------ state, read here
    territory = _state("territory")  # communes and EPCIs of the run (core and buffer)
    p = _state("p")  # parameter values of the run (defaults, calibration, overrides)
    core = _state("core")  # bool per commune: in the run's core (counted), not its buffer
    # patients
    people = _state("people")  # commune × band × (with, without médecin traitant)
    backlog = _state("backlog")
    wait_weeks = _state("wait_weeks")
    population_by_band = _state("population_by_band")
    rate = _state("rate")
    tele_uptake = _state("tele_uptake")
    tele_uptake_per_share = _state("tele_uptake_per_share")
    msp_commune = _state("msp_commune")
    mcs_commune = _state("mcs_commune")  # bool per commune: a médecin correspondant du SAMU
    urgent_minutes = _state("urgent_minutes")  # per commune, to the nearest ED or MCS
    # travel
    travel_params = _state("travel_params")
    times = _state("times")
    times_apl = _state("times_apl")
    apl_weights = _state("apl_weights")
    road = _state("road")
    intra = _state("intra")
    service = _state("service")
    weights = _state("weights")
    weights_t = _state("weights_t")
    nearest_gp_minutes = _state("nearest_gp_minutes")
    nearest_ed_site = _state("nearest_ed_site")
    ed_minutes = _state("ed_minutes")
    # GPs
    workforce = _state("workforce")
    installation_credit = _state("installation_credit")
    exits_by_epci = _state("exits_by_epci")
    gp_commune = _state("gp_commune")
    gp_age = _state("gp_age")
    gp_practice = _state("gp_practice")
    gp_activity = _state("gp_activity")
    gp_active = _state("gp_active")
    gp_list = _state("gp_list")
    gp_accepting = _state("gp_accepting")
    gp_utilisation = _state("gp_utilisation")
    gp_installed_week = _state("gp_installed_week")
    gp_holds_list = _state("gp_holds_list")

    # ------------------------------------------------------------------ ledger, read here
    year_acc = _ledger("year_acc")
    month_acc = _ledger("month_acc")
    year_wait = _ledger("year_wait")
    year_ed_cause = _ledger("year_ed_cause")
    year_backlog = _ledger("year_backlog")
    tele_share_max_gp = _ledger("tele_share_max_gp")
    week_flows = _ledger("week_flows")
    week_totals = _ledger("week_totals")
    ed_visits_by_site = _ledger("ed_visits_by_site")
    yearly_rows = _ledger("yearly_rows")
    group_rows = _ledger("group_rows")
    commune_rows = _ledger("commune_rows")
    policy_rows = _ledger("policy_rows")
    last_year = _ledger("last_year")

    @property
    def record_communes(self) -> bool:
        """Record a row per core commune each year (``commune_rows``); off by default."""
        return self.ledger.record_communes

    @record_communes.setter
    def record_communes(self, on: bool) -> None:
        self.ledger.record_communes = on

    @property
    def monthly_rows(self) -> list[dict]:
        """One row per month and core EPCI: the flows (``weekly.FLOWS``) of that month."""
        return self.ledger.monthly_rows(self.territory, self.start_year)

    # ------------------------------------------------------------------ derived
    def gp_annual_activity(self) -> np.ndarray:
        """Acts per year of each GP (0 when inactive), MSP gain included."""
        return self.state.gp_annual_activity()

    def current_apl(self) -> np.ndarray:
        """APL of each commune now (``SimState.current_apl``)."""
        return self.state.current_apl()

    def epci_apl(self) -> np.ndarray:
        """Population-weighted APL of each EPCI now."""
        return self.state.epci_apl()

    def epci_sites(self, epci_idx) -> np.ndarray:
        """Where a policy acts in each EPCI: its commune with the most active GPs, else the
        most populous."""
        return self.state.epci_sites(epci_idx)

    def minutes_to_nearest(self, sites, limit: float = np.inf) -> tuple[np.ndarray, np.ndarray]:
        """Road minutes (plus the intra-commune time) from each commune to the nearest of the
        communes ``sites``, and which site that is (-1 if none within ``limit`` minutes of
        road)."""
        return self.state.minutes_to_nearest(sites, limit)

    def tele_uptake_for_share(self, share: float) -> np.ndarray:
        """Teleconsultation uptake per commune and band at a national share ``share`` (not
        clipped: ``set_tele_uptake`` clips), shaped as the baseline's (age, density)."""
        return self.state.tele_uptake_for_share(share)

    def forwent_people(self) -> np.ndarray:
        """People who forwent care at least once this year, by commune and band
        (``Ledger.forwent_people``: Poisson events over a cohort's people)."""
        return self.ledger.forwent_people(self.people)

    def spawn_rng(self, key: str) -> np.random.Generator:
        """A generator of its own for ``key`` (a policy), seeded from this model's seed
        sequence and the key: drawing from it leaves the model's stream untouched, so runs
        with and without a policy share their random numbers (common random numbers)."""
        entropy = self.rng.bit_generator.seed_seq.entropy
        entropy = list(entropy) if isinstance(entropy, list | tuple) else [int(entropy)]
        return np.random.default_rng([*entropy, zlib.crc32(key.encode())])

    # ------------------------------------------------------------------ act (policies)
    def update_service_communes(self, extra=()) -> None:
        """Destinations of the allocation: communes with GP capacity (plus ``extra``, e.g.
        where volunteers consult)."""
        self.state.update_service_communes(extra)

    def open_msp(self, communes) -> None:
        """Open maisons de santé in communes: their GPs (present and future) practise there."""
        self._add_msp_agents(self.state.open_msp(communes))

    def set_tele_uptake(self, uptake: np.ndarray) -> None:
        """Teleconsultation uptake per commune and band from now on (a policy's dose)."""
        self.state.set_tele_uptake(uptake)

    def scale_ed_propensity(self, factor: np.ndarray) -> None:
        """Multiply each commune's propensity to take a GP-treatable request to the ED by
        ``factor`` (per commune) from the next week on (e.g. funded same-day care nearby); the
        diverted requests stay on the GP path."""
        self.state.scale_ed_propensity(factor)

    def add_mcs(self, communes) -> np.ndarray:
        """Médecins correspondants du SAMU in ``communes``: urgent-care minutes
        (``urgent_minutes``) become those to the nearest ED or MCS. Returns the communes newly
        equipped."""
        return self.state.add_mcs(communes)

    def remove_mcs(self, communes) -> None:
        """The médecins correspondants du SAMU in ``communes`` stop (a policy's end)."""
        self.state.remove_mcs(communes)

    def add_gps(
        self, communes: np.ndarray, age=None, activity=None, practice=None, holds_list=True
    ) -> np.ndarray:
        """Add GPs in ``communes`` (installations, or policy arrivals); ``holds_list=False``
        for residents who hold no médecin-traitant list. Returns their indices."""
        idx = self.state.add_gps(self.rng, self.time, communes, age, activity, practice, holds_list)
        epci = self.territory.communes.epci
        for k in idx if self.with_agents else ():
            self.gp_agents[k] = GP(self, k, self.space[int(epci[self.gp_commune[k]])])
        return idx

    def remove_gps(self, idx: np.ndarray) -> None:
        """GPs leave (exits, or policy departures): their registered patients lose their
        médecin traitant."""
        if not len(idx):
            return
        self.state.remove_gps(idx)
        for k in idx:
            agent = self.gp_agents.pop(int(k), None)
            if agent is not None:
                agent.remove()

    def settle_gps(self, idx: np.ndarray) -> None:
        """GPs (e.g. residents at the end of their year) install where they are: their
        activity is drawn as for any GP and they now hold a médecin-traitant list."""
        self.state.settle_gps(self.rng, idx)

    def credit_installations(self, n: int) -> None:
        """``n`` GPs installed through a policy (e.g. docteurs juniors settling where they
        trained) belong to the yearly installation flow: the next year-end draws that many
        fewer installations (any excess carries over), so totals stay at the baseline flow."""
        self.state.installation_credit += int(n)

    def add_installations(self, n: int) -> None:
        """``n`` additional GPs (e.g. graduates of extra training places) join the next
        year-end's installation flow and choose where to install like the others (the logit
        over EPCIs, capped by policies)."""
        self.state.installation_extra += max(int(n), 0)

    def postpone_installations(self, n: int) -> None:
        """``n`` installations of the flow do not happen at the next year-end (e.g. the
        cohort a fourth year of training keeps from installing): the draw is that many lower
        (any excess carries over)."""
        self.state.installation_postponed += int(n)

    def expected_installations(self) -> float:
        """Installations expected a year in the core (the national flow × its GP share)."""
        return self.state.expected_installations()

    def record_policy_row(self, row: dict) -> None:
        """A policy's yearly row (dose delivered, cost), written to ``policy_yearly``."""
        self.ledger.policy_rows.append(row)

    # ------------------------------------------------------------------ weekly step
    def step(self) -> None:
        """One week: policies set capacity, ``weekly.simulate_week`` computes the flows (and
        checks conservation in debug mode), the state keeps the new state and the ledger
        accumulates."""
        cap = self.gp_annual_activity() / WEEKS_PER_YEAR
        extra = self.state.cdps_weekly.copy()  # Guyane's CDPS (geo/cdps.py)
        for policy in self.policies:  # volunteers, juniors, ... move capacity
            cap, extra = policy.adjust_capacity(self, cap, extra)
        try:
            state = self.state.week_state(cap, extra, (self.steps - 1) % WEEKS_PER_YEAR)
            week = simulate_week(state, self.p, check=self.debug)
        except InvariantError as exc:
            raise InvariantError(f"week {self.steps}: {exc}") from None
        self.state.keep_week(week)
        flows = self.ledger.add_week(week, self.core, self.nearest_ed_site)
        for policy in self.policies:
            policy.after_step(self, flows, week.used, week.capacity)
        self.datacollector.collect(self)

    # ------------------------------------------------------------------ monthly / yearly
    def _weeks_to_next_month(self, model) -> int:
        """Weeks from the end of month ``self._month`` to the end of the next (4 or 5)."""
        m = self._month
        return round(52 * (m + 1) / 12) - round(52 * m / 12)

    def _end_of_month(self) -> None:
        self._month += 1
        self.ledger.close_month(self._month, self.territory, self.core)
        self._apply_due_gp_flows()

    def due_installations(self) -> np.ndarray:
        """Communes of the installations drawn at the last year's end not yet arrived."""
        parts = [c for _, c in self._due_installations]
        return np.concatenate(parts) if parts else np.zeros(0, np.int64)

    def _apply_due_gp_flows(self) -> None:
        """GPs whose exit or installation falls due this month leave or arrive (drawn at the
        last year's end, spread over the year): new service communes and nearest-GP times
        follow; lists, registration and dropping empty service communes stay yearly."""
        m = self._month
        leave = [idx for due, idx in self._due_exits if due == m]
        arrive = [c for due, c in self._due_installations if due == m]
        self._due_exits = [(d, i) for d, i in self._due_exits if d > m]
        self._due_installations = [(d, c) for d, c in self._due_installations if d > m]
        changed = False
        if leave:
            idx = np.concatenate(leave)
            idx = idx[self.gp_active[idx]]  # a policy may have taken some already
            self.remove_gps(idx)
            changed = changed or len(idx) > 0
        if arrive:
            communes = np.concatenate(arrive)
            if len(communes):
                self.add_gps(communes)
                changed = True
        if changed:  # add_gps added any new commune to the service ones
            self.state.update_nearest_gp()

    def _end_of_year(self) -> None:
        self.ledger.close_year(self.state, self.start_year + self.year_index)
        # GPs whose patients asked for all their delivered activity take no new MT patients
        saturated = self.ledger.gp_mean_load(len(self.gp_commune)) >= SATURATED_LOAD
        exits, installs, from_policies = self._gp_flows()
        self.last_year.update(
            exits=exits, installations=installs, installations_from_policies=from_policies
        )
        s = self.state
        s.update_service_communes()
        s.update_lists(self.time)
        s.register_patients(saturated)
        s.update_nearest_gp()
        for policy in self.policies:
            policy.end_of_year(self)
        self.year_index += 1
        self.ledger.reset_year()

    def _gp_flows(self) -> tuple[int, int, int]:
        """Ageing, cessations (exit hazard scaled to CNAM's cessations a year nationally) and
        installations with a location choice over EPCIs (``workforce.py``); policy
        installations credited this year (``credit_installations``) replace part of the
        flow. Who leaves and where newcomers go are drawn now; each exit and installation is
        due at the end of one of the next 12 months, drawn uniformly from a generator of its
        own (the model's stream is unchanged), so the flows are spread over the year instead
        of all falling on the year's last day. Returns exits, installations (all),
        installations from policies."""
        leave, exits = self.state.draw_exits(self.rng)
        drawn, from_policies = self.state.draw_installations(self.rng)
        n_new = drawn - from_policies
        communes = self._choose_communes(n_new) if n_new else np.zeros(0, np.int64)
        dates = self.spawn_rng(f"gp-flow-months-{self.year_index}")
        for idx, due in (
            (leave, self._due_exits),
            (communes, self._due_installations),
        ):
            month = self._month + 1 + dates.integers(0, 12, len(idx))
            for k in np.unique(month):
                due.append((int(k), np.asarray(idx)[month == k]))
        return exits, drawn, from_policies

    def _choose_communes(self, n: int) -> np.ndarray:
        """Logit over core EPCIs (capped by policies), then a commune within it."""
        core_e, prob = self.state.installation_probabilities()
        cap = np.full(len(core_e), np.inf)  # most installations an EPCI may take this year
        for policy in self.policies:
            cap = policy.installation_cap(self, core_e, cap)
        epcis = core_e[draw_with_caps(self.rng, prob, cap, n)]
        return self.state.communes_in(self.rng, epcis)
