"""Policies (interventions), each of the same shape, as in Starsim.

A policy has an eligibility rule (which EPCIs, communes or GPs), a start and an end (a date
``"YYYY-MM"`` or a week number from the start of the run), and a dose. It acts on the model
only through these hooks:

* ``setup(model)`` once, after the model is built (schedule its events here);
* ``adjust_capacity(model, cap_per_gp, extra_per_commune)`` every week before allocation;
* ``after_step(model, flows, used, capacity)`` every week after allocation (bookkeeping);
* ``installation_cap(model, epcis, cap)`` when new GPs choose where to install;
* ``end_of_year(model)`` once a year: its yearly row (dose delivered, cost) is recorded.

The null policy changes nothing: a run with it equals the baseline bit for bit. Costs are in
euros; sources in FACTS.md §3.4, §6, §7 as noted per default.
"""

from __future__ import annotations

import datetime as dt
import functools
import zlib

import numpy as np
from scipy.sparse import csgraph

from accesssim import metrics
from accesssim.model import WEEKS_PER_YEAR


class Policy:
    """Base class: the hooks do nothing. ``KEYS`` lists the spec keys a policy accepts."""

    kind = "none"
    KEYS: tuple[str, ...] = ("name", "start", "end")

    def __init__(self, spec: dict | None = None, scenario=None):
        self.spec = dict(spec or {})
        self.where = f"{getattr(scenario, 'path', None) or '<scenario>'}: [[policies]] {self.kind}"
        self.name = str(self.spec.get("name", self.kind))
        self.start_year = getattr(scenario, "start_year", 2025)
        horizon = getattr(scenario, "weeks", None)
        self.start_week = self._week("start", self.spec.get("start", 0))
        self.end_week = self._week("end", self.spec["end"]) if "end" in self.spec else np.inf
        if horizon is not None and self.start_week >= horizon:
            raise ValueError(
                f"{self.where}.start: {self.spec.get('start')!r} is after the "
                f"horizon ({horizon} weeks from {self.start_year})"
            )
        if self.end_week <= self.start_week:
            raise ValueError(f"{self.where}.end: must come after start")
        self.year = self._zero_year()

    # -------------------------------------------------------------- spec helpers
    def _week(self, key: str, value) -> float:
        if isinstance(value, int) and not isinstance(value, bool):
            if value < 0:
                raise ValueError(f"{self.where}.{key}: expected a week >= 0, got {value}")
            return float(value)
        if isinstance(value, str | dt.date):
            try:
                d = (
                    value
                    if isinstance(value, dt.date)
                    else dt.date.fromisoformat(value if len(value) > 7 else f"{value}-01")
                )
            except ValueError:
                raise ValueError(
                    f"{self.where}.{key}: expected a date 'YYYY-MM' or a week number, got {value!r}"
                ) from None
            weeks = (d - dt.date(self.start_year, 1, 1)).days / 7
            return float(max(0, int(round(weeks))))
        raise ValueError(
            f"{self.where}.{key}: expected a date 'YYYY-MM' or a week number, got {value!r}"
        )

    def _num(self, key: str, default, low=None, high=None, integer=False):
        v = self.spec.get(key, default)
        if isinstance(v, bool) or not isinstance(v, int | float):
            raise ValueError(f"{self.where}.{key}: expected a number, got {v!r}")
        if integer and int(v) != v:
            raise ValueError(f"{self.where}.{key}: expected a whole number, got {v!r}")
        if (low is not None and v < low) or (high is not None and v > high):
            raise ValueError(f"{self.where}.{key}: {v} is out of range [{low}, {high}]")
        return int(v) if integer else float(v)

    def _choice(self, key: str, default: str, options: tuple[str, ...]) -> str:
        v = self.spec.get(key, default)
        if v not in options:
            raise ValueError(f"{self.where}.{key}: expected one of {options}, got {v!r}")
        return v

    def _sirens(self, key: str) -> list[str] | None:
        v = self.spec.get(key)
        if v is None:
            return None
        if not isinstance(v, list) or not all(isinstance(s, str) for s in v) or not v:
            raise ValueError(f"{self.where}.{key}: expected a non-empty list of EPCI SIRENs")
        return v

    def _epci_indices(self, model, sirens: list[str], key: str) -> np.ndarray:
        known = {str(s): k for k, s in enumerate(model.territory.epcis.siren)}
        missing = [s for s in sirens if s not in known]
        if missing:
            raise ValueError(
                f"{self.where}.{key}: unknown EPCI SIREN(s) {missing[:5]} in this territory"
            )
        return np.array([known[s] for s in sirens], dtype=np.int64)

    def _rng(self, model) -> np.random.Generator:
        """A generator of the policy's own, seeded from the run's seed: drawing volunteers
        does not shift the model's stream, so runs with and without the policy share their
        random numbers (common random numbers)."""
        salt = zlib.crc32(f"{self.kind}:{self.name}".encode())
        return np.random.default_rng([int(getattr(model, "_seed", 0) or 0), salt])

    def active(self, model) -> bool:
        week = model.time - 1  # the step at time t simulates week t-1 .. t
        return self.start_week <= week < self.end_week

    # -------------------------------------------------------------- hooks
    def setup(self, model) -> None:
        pass

    def adjust_capacity(self, model, cap_per_gp, extra_per_commune):
        return cap_per_gp, extra_per_commune

    def after_step(self, model, flows, used, capacity) -> None:
        pass

    def installation_cap(self, model, epcis, cap):
        return cap

    def end_of_year(self, model) -> None:
        if self.kind == "none":
            return
        model.policy_rows.append(
            {
                "year": model.start_year + model.year_index,
                "policy": self.name,
                "type": self.kind,
                **self.year,
            }
        )
        self.year = self._zero_year()

    def _zero_year(self) -> dict:
        return {"cost_eur": 0.0}


class NullPolicy(Policy):
    """The baseline: no intervention."""


def _site_of_epci(model, epci_idx: np.ndarray) -> np.ndarray:
    """Where a policy acts in an EPCI: its commune with the most GPs, else the most populous."""
    gps = np.bincount(model.gp_commune[model.gp_active], minlength=len(model.core))
    return epci_sites(model.territory.communes, gps, epci_idx)


def epci_sites(communes, gps: np.ndarray, epci_idx: np.ndarray) -> np.ndarray:
    """For each EPCI, its commune with the most GPs (``gps`` per commune), ties and no-GP
    EPCIs going to the most populous."""
    out = []
    for k in epci_idx:
        members = np.flatnonzero(communes.epci == k)
        key = np.lexsort((-communes.population[members], -gps[members]))
        out.append(members[key[0]])
    return np.asarray(out, dtype=np.int64)


def _epci_apl(model) -> np.ndarray:
    c = model.territory.communes
    return metrics.group_mean(
        model.current_apl(), c.population.astype(float), c.epci, len(model.territory.epcis)
    )


class SolidarityDays(Policy):
    """Mission de solidarité territoriale (Sept. 2025): GPs from outside the priority EPCIs give
    up to 2 days a month of consultations in one, paid 200 EUR a day; the days are taken from
    their home practice (unless a replacement covers a share).

    Defaults reproduce the reported uptake: ~300 volunteers (Feb. 2026) delivering ~6,500
    consultations from October 2025 to mid-February 2026 (FACTS.md §7.2): with 22 consultations a
    day that is 6,500 / (4.5 months × 300 × 22) = 0.22 days a month per volunteer; participation
    = 300 / the GPs eligible nationally (computed).
    """

    kind = "solidarity_days"
    KEYS = Policy.KEYS + (
        "targets",
        "mode",
        "participation",
        "days_per_month",
        "max_travel_minutes",
        "consultations_per_day",
        "pay_per_day",
        "replacement_share",
        "well_served_apl",
    )
    VOLUNTEERS_REPORTED = 300
    DAYS_PER_MONTH_REPORTED = 6500 / (4.5 * 300 * 22)

    def __init__(self, spec=None, scenario=None):
        super().__init__(spec, scenario)
        targets = self.spec.get("targets", "completed")
        if isinstance(targets, list):
            self.target_sirens = self._sirens("targets")
        elif targets in ("completed", "confirmed"):
            self.target_sirens = targets
        else:
            raise ValueError(
                f"{self.where}.targets: expected 'completed', 'confirmed' or a "
                f"list of EPCI SIRENs, got {targets!r}"
            )
        self.mode = self._choice("mode", "voluntary", ("voluntary", "mandatory"))
        mandatory = self.mode == "mandatory"
        self.participation = (
            self._num("participation", 1.0 if mandatory else -1.0, -1, 1)
            if "participation" in self.spec or mandatory
            else None
        )
        self.days_per_month = self._num(
            "days_per_month", 2.0 if mandatory else self.DAYS_PER_MONTH_REPORTED, 0, 2
        )
        self.max_travel = self._num("max_travel_minutes", 60.0, 1, 240)
        self.per_day = self._num("consultations_per_day", 22.0, 1, 60)  # IQVIA 2018 [S]
        self.pay = self._num("pay_per_day", 200.0, 0, 10_000)  # CPAM 94 [S]
        self.replacement = self._num("replacement_share", 0.0, 0, 1)
        self.well_served_apl = self._num("well_served_apl", 4.0, 0, 20)  # [A] Senate bill
        if self.participation is not None and self.participation < 0:
            raise ValueError(f"{self.where}.participation: expected a share in [0, 1]")

    def _zero_year(self) -> dict:
        return {
            "volunteers": 0,
            "days": 0.0,
            "consultations_offered": 0.0,
            "consultations_delivered": 0.0,
            "home_capacity_removed": 0.0,
            "home_consultations_displaced": 0.0,
            "cost_eur": 0.0,
        }

    def target_epcis(self, model) -> np.ndarray:
        if isinstance(self.target_sirens, list):
            return self._epci_indices(model, self.target_sirens, "targets")
        e = model.territory.epcis
        if self.target_sirens == "confirmed":
            return np.flatnonzero(e.priority_confirmed)
        from accesssim import priority

        sirens = priority.national_selection()["sirens"]
        return np.flatnonzero(np.isin(e.siren, list(sirens)))

    def setup(self, model) -> None:
        t = model.territory
        self.targets = self.target_epcis(model)
        self.volunteer = np.zeros(0, dtype=np.int64)
        self.site = np.zeros(0, dtype=np.int64)
        self.n_eligible = 0
        if not len(self.targets):
            return
        sites = _site_of_epci(model, self.targets)
        dist, _, src = csgraph.dijkstra(
            model.road,
            indices=sites,
            min_only=True,
            return_predecessors=True,
            limit=self.max_travel,
        )
        minutes = dist + model.intra
        home_epci = t.communes.epci[model.gp_commune]
        eligible = (
            model.gp_active
            & ~np.isin(home_epci, self.targets)
            & (minutes[model.gp_commune] <= self.max_travel)
        )
        if self.mode == "mandatory":
            eligible &= _epci_apl(model)[home_epci] >= self.well_served_apl
        candidates = np.flatnonzero(eligible)
        self.n_eligible = len(candidates)
        rate = self.participation
        if rate is None:  # calibrated to the ~300 volunteers reported nationally
            rate = min(1.0, self.VOLUNTEERS_REPORTED / max(national_eligible(self), 1))
        self.rate = rate
        pick = self._rng(model).random(len(candidates)) < rate
        self.volunteer = candidates[pick]
        self.site = src[model.gp_commune[self.volunteer]]
        model.update_service_communes(extra=np.unique(self.site))
        self._given = np.zeros(len(self.volunteer))

    def adjust_capacity(self, model, cap, extra):
        if not len(self.volunteer) or not self.active(model):
            self._given = np.zeros(len(self.volunteer))
            return cap, extra
        days_week = self.days_per_month * 12 / WEEKS_PER_YEAR
        cap = cap.copy()
        given = np.minimum(cap[self.volunteer], days_week * self.per_day)
        removed = given * (1 - self.replacement)
        cap[self.volunteer] -= removed
        extra = extra + np.bincount(self.site, weights=given, minlength=len(extra))
        self._given, self._removed = given, removed
        return cap, extra

    def after_step(self, model, flows, used, capacity) -> None:
        if not self._given.any():
            return
        util = np.divide(used, capacity, out=np.zeros_like(used), where=capacity > 0)
        y = self.year
        y["volunteers"] = int(len(self.volunteer))
        y["days"] += float(self._given.sum() / self.per_day)
        y["consultations_offered"] += float(self._given.sum())
        y["consultations_delivered"] += float((self._given * util[self.site]).sum())
        home = model.gp_commune[self.volunteer]
        y["home_capacity_removed"] += float(self._removed.sum())
        y["home_consultations_displaced"] += float((self._removed * util[home]).sum())
        y["cost_eur"] += float(self._given.sum() / self.per_day * self.pay)


@functools.lru_cache(maxsize=8)
def _national_eligible(max_travel: float) -> int:
    """GPs eligible to volunteer in all of France: outside the priority EPCIs (completed
    list) and within ``max_travel`` minutes of one (its site)."""
    from accesssim import priority, travel
    from accesssim import territory as terr

    t = terr.load()
    e, c = t.epcis, t.communes
    targets = np.flatnonzero(np.isin(e.siren, list(priority.national_selection()["sirens"])))
    gps = c.gp.astype(np.int64)
    sites = epci_sites(c, gps, targets)
    g = travel.road_graph(t)
    dist = csgraph.dijkstra(g, indices=sites, min_only=True, limit=max_travel)
    minutes = dist + travel.intra_minutes(t)
    ok = ~np.isin(c.epci, targets) & (minutes <= max_travel)
    return int(gps[ok].sum())


def national_eligible(policy: SolidarityDays) -> int:
    return _national_eligible(policy.max_travel)


class MspRollout(Policy):
    """Open N maisons de santé a year in EPCIs chosen by a rule. Their GPs gain activity (+2 %)
    and lists (+13 %), MSPs attract young GPs in the installation choice and retain GPs
    (parameters msp_*); cost from the reported funding: 153.5 M EUR for 1,918 MSPs in 2023
    = 80,000 EUR per MSP a year (FACTS.md §3.4)."""

    kind = "msp_rollout"
    KEYS = Policy.KEYS + ("per_year", "rule", "epcis", "cost_per_msp_year")

    def __init__(self, spec=None, scenario=None):
        super().__init__(spec, scenario)
        self.per_year = self._num("per_year", 10, 0, 1000, integer=True)
        self.rule = self._choice("rule", "underserved", ("underserved", "random", "list"))
        self.epci_list = self._sirens("epcis")
        if self.rule == "list" and not self.epci_list:
            raise ValueError(f"{self.where}.epcis: rule = 'list' needs a list of EPCI SIRENs")
        self.cost = self._num("cost_per_msp_year", 153.5e6 / 1918, 0, 1e7)

    def _zero_year(self):
        return {"msps_opened": 0, "msps_running": 0, "cost_eur": 0.0}

    def setup(self, model) -> None:
        from mesa.time import Schedule

        self.opened: list[int] = []
        self.queue = (
            list(self._epci_indices(model, self.epci_list, "epcis")) if self.epci_list else None
        )
        model.schedule_recurring(
            self._open,
            Schedule(
                interval=WEEKS_PER_YEAR, start=self.start_week + 0.5, end=min(self.end_week, 1e9)
            ),
        )
        self._model = model

    def _open(self) -> None:
        m = self._model
        e = m.territory.epcis
        has = np.bincount(m.territory.communes.epci[m.msp_commune], minlength=len(e)) > 0
        free = np.flatnonzero(e.core & ~has & (e.population > 0))
        if self.rule == "list":
            chosen = [k for k in self.queue if k in set(free.tolist())][: self.per_year]
            self.queue = [k for k in self.queue if k not in chosen]
        elif self.rule == "random":
            rng = self._rng(m)
            chosen = rng.permutation(free)[: self.per_year] if len(free) else []
        else:
            apl = _epci_apl(m)[free]
            chosen = free[np.argsort(apl, kind="stable")][: self.per_year]
        chosen = np.asarray(chosen, dtype=np.int64)
        if len(chosen):
            m.open_msp(_site_of_epci(m, chosen))
            self.opened += chosen.tolist()
            self.year["msps_opened"] += len(chosen)

    def after_step(self, model, flows, used, capacity) -> None:
        self.year["msps_running"] = len(self.opened)
        self.year["cost_eur"] += len(self.opened) * self.cost / WEEKS_PER_YEAR


class Telemedicine(Policy):
    """A higher teleconsultation share (within the 20 % cap per GP) and pharmacy-assisted
    teleconsultation points in under-served communes (APL < 2.5), where uptake rises.
    Cost: 23 EUR per teleconsultation above the baseline share (266 M EUR reimbursed for
    11.6 M in 2023) and 1,225 EUR per pharmacy point the first year (FACTS.md §6)."""

    kind = "telemedicine"
    KEYS = Policy.KEYS + (
        "tele_share",
        "pharmacy_points",
        "pharmacy_uptake_gain",
        "cost_per_teleconsultation",
        "cost_per_point",
    )

    def __init__(self, spec=None, scenario=None):
        super().__init__(spec, scenario)
        self.share = self._num("tele_share", 0.06, 0, 0.2)
        pp = self.spec.get("pharmacy_points", True)
        if not isinstance(pp, bool):
            raise ValueError(f"{self.where}.pharmacy_points: expected true or false, got {pp!r}")
        self.points = pp
        self.gain = self._num("pharmacy_uptake_gain", 1.5, 1, 10)  # [A]
        self.cost_tc = self._num("cost_per_teleconsultation", 266e6 / 11.6e6, 0, 1000)
        self.cost_point = self._num("cost_per_point", 1225.0, 0, 1e6)

    def _zero_year(self):
        return {"extra_teleconsultations": 0.0, "pharmacy_points": 0, "cost_eur": 0.0}

    def setup(self, model) -> None:
        self._model = model
        self.base_uptake = model.tele_uptake.copy()
        model.schedule_event(self._start, at=self.start_week + 0.5)
        if np.isfinite(self.end_week):
            model.schedule_event(self._stop, at=self.end_week + 0.5)

    def _start(self) -> None:
        m = self._model
        up = self.base_uptake * self.share / m.p["tele_share"]
        self.n_points = 0
        if self.points:
            under = (m.current_apl() < 2.5) & m.core
            up[under] *= self.gain
            self.n_points = int(under.sum())
            self.year["cost_eur"] += self.n_points * self.cost_point
            self.year["pharmacy_points"] = self.n_points
        m.tele_uptake = np.clip(up, 0, 1)

    def _stop(self) -> None:
        self._model.tele_uptake = self.base_uptake.copy()

    def after_step(self, model, flows, used, capacity) -> None:
        if not self.active(model):
            return
        tele = float(flows["tele"].sum(1) @ model.core)
        ratio = model.p["tele_share"] / self.share
        extra = tele * max(0.0, 1 - ratio)
        self.year["extra_teleconsultations"] += extra
        self.year["cost_eur"] += extra * self.cost_tc


class DocteursJuniors(Policy):
    """Fourth-year general-practice residents from November 2026: about 3,700 a year
    nationally (scaled to the territory's population), placed in the most under-served EPCIs
    first, for one year, at about 200 acts a month; a share then installs where they trained.
    Residents are supervised and hold no médecin-traitant list until they install.
    Cost per junior-month: pay 2,374.62 + 417 (autonomy) + 1,000 (ZIP) + 83 (activity bonus,
    500 per semester) + supervisor 1,800 + 800 (ZIP) = 6,474.62 EUR gross (FACTS.md §7.3)."""

    kind = "docteurs_juniors"
    KEYS = Policy.KEYS + ("per_year", "acts_per_month", "install_share", "monthly_cost")
    NATIONAL_POPULATION = 68_350_798

    def __init__(self, spec=None, scenario=None):
        if "start" not in (spec or {}):
            spec = {**(spec or {}), "start": "2026-11"}
        super().__init__(spec, scenario)
        self.per_year = self._num("per_year", 3700, 0, 20000)
        self.acts = self._num("acts_per_month", 200, 0, 1000)
        self.install_share = self._num("install_share", 0.3, 0, 1)  # [A]
        self.monthly_cost = self._num(
            "monthly_cost", 2374.62 + 417 + 1000 + 500 / 6 + 1800 + 800, 0, 1e5
        )

    def _zero_year(self):
        return {"juniors_active": 0, "juniors_installed": 0, "cost_eur": 0.0}

    def setup(self, model) -> None:
        from mesa.time import Schedule

        self._model = model
        self.juniors = np.zeros(0, dtype=np.int64)
        self.cohorts: list[np.ndarray] = []
        model.schedule_recurring(
            self._arrive,
            Schedule(
                interval=WEEKS_PER_YEAR, start=self.start_week + 0.5, end=min(self.end_week, 1e9)
            ),
        )

    def _arrive(self) -> None:
        m = self._model
        pop = m.territory.communes.population[m.core].sum()
        n = int(round(self.per_year * pop / self.NATIONAL_POPULATION))
        # last year's cohort leaves; a share installs where it trained
        if self.cohorts:
            old = self.cohorts.pop(0)
            old = old[m.gp_active[old]]
            stay = self._rng(m).random(len(old)) < self.install_share
            m.gp_activity[old[stay]] = m._draw_activity(int(stay.sum()), m.gp_age[old[stay]])
            m.gp_holds_list[old[stay]] = True  # installed: now a médecin traitant
            m._retire(old[~stay])
            self.year["juniors_installed"] += int(stay.sum())
        if n <= 0:
            return
        e = m.territory.epcis
        core_e = np.flatnonzero(e.core & (e.population > 0))
        order = core_e[np.argsort(_epci_apl(m)[core_e], kind="stable")]
        sites = _site_of_epci(m, order[np.arange(n) % len(order)])
        idx = m._install(
            sites,
            age=np.full(n, 29.0),
            activity=np.full(n, 12 * self.acts),
            practice=np.ones(n, dtype=np.int8),
        )
        m.gp_holds_list[idx] = False  # residents are supervised: no médecin-traitant list
        self.cohorts.append(idx)

    def after_step(self, model, flows, used, capacity) -> None:
        active = sum(int(model.gp_active[c].sum()) for c in self.cohorts)
        self.year["juniors_active"] = max(self.year["juniors_active"], active)
        self.year["cost_eur"] += active * self.monthly_cost * 12 / WEEKS_PER_YEAR


class InstallationRegulation(Policy):
    """The Assembly bill (PPL Garot): in well-served EPCIs (APL at or above a threshold) a GP
    installs only when another leaves; other installations go elsewhere."""

    kind = "installation_regulation"
    KEYS = Policy.KEYS + ("well_served_apl",)

    def __init__(self, spec=None, scenario=None):
        super().__init__(spec, scenario)
        self.threshold = self._num("well_served_apl", 4.0, 0, 20)  # [A] no published threshold

    def _zero_year(self):
        return {"installations_redirected_cap_epcis": 0, "cost_eur": 0.0}

    def installation_cap(self, model, epcis, cap):
        if model.time < self.start_week or model.time >= self.end_week:
            return cap
        well = _epci_apl(model)[epcis] >= self.threshold
        exits = getattr(model, "exits_by_epci", np.zeros(len(model.territory.epcis)))[epcis]
        cap = cap.copy()
        cap[well] = np.minimum(cap[well], exits[well])
        self.year["installations_redirected_cap_epcis"] = int(well.sum())
        return cap


POLICY_TYPES: dict[str, type[Policy]] = {
    p.kind: p
    for p in (
        NullPolicy,
        SolidarityDays,
        MspRollout,
        Telemedicine,
        DocteursJuniors,
        InstallationRegulation,
    )
}


def from_spec(spec: dict, scenario=None) -> Policy:
    """Build a policy from a ``[[policies]]`` table; errors name the file and key."""
    where = f"{getattr(scenario, 'path', None) or '<scenario>'}: [[policies]]"
    kind = spec.get("type")
    if kind not in POLICY_TYPES:
        raise ValueError(
            f"{where}.type: unknown policy {kind!r}; known: {', '.join(sorted(POLICY_TYPES))}"
        )
    unknown = set(spec) - {"type"} - set(POLICY_TYPES[kind].KEYS)
    if unknown:
        raise ValueError(
            f"{where}: unknown key(s) {sorted(unknown)} for policy {kind!r}; "
            f"expected {sorted(POLICY_TYPES[kind].KEYS)}"
        )
    return POLICY_TYPES[kind](spec, scenario)
