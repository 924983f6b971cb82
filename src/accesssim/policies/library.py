"""Policies (interventions), each of the same shape, as in Starsim.

A policy has an eligibility rule (which EPCIs, communes or GPs), a start and an end (a date
``"YYYY-MM"`` or a week number from the start of the run), and a dose. It acts on the model
only through these hooks:

* ``setup(model)`` once, after the model is built: it creates the policy's own generator
  (``self.rng``, from the model's seed) and calls ``prepare(model)`` (schedule events here);
* ``adjust_capacity(model, cap_per_gp, extra_per_commune)`` every week before allocation;
* ``after_step(model, flows, used, capacity)`` every week after allocation (bookkeeping);
* ``installation_cap(model, epcis, cap)`` when new GPs choose where to install;
* ``end_of_year(model)`` once a year: its yearly row (dose delivered, cost) is recorded.

It changes the model only through the model's public methods (``add_gps``, ``remove_gps``,
``settle_gps``, ``open_msp``, ``set_tele_uptake``, ``update_service_communes``). Its dose is
declared in ``PARAMS`` (``Param``: default, unit, status, source, bounds), which scenario files,
sweeps (``<policy name>.<key>``) and the dashboard's sliders read. A new policy is one class
plus ``register(cls)``.

The null policy changes nothing: a run with it equals the baseline bit for bit. Costs are in
euros; sources in docs/sources.md.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np
from mesa.time import Schedule
from scipy.sparse import csgraph

from accesssim.core import access
from accesssim.model.access_model import WEEKS_PER_YEAR, epci_sites
from accesssim.params.parameters import PARAMETERS, Param


def _sirens(value, where: str) -> list[str]:
    """A non-empty list of EPCI SIRENs; integers (``[241800507]`` in TOML) are accepted."""
    ok = isinstance(value, list) and value
    out = []
    for v in value if ok else ():
        if isinstance(v, int) and not isinstance(v, bool) and 0 < v < 10**9:
            out.append(f"{v:09d}")
        elif isinstance(v, str) and v:
            out.append(v)
        else:
            ok = False
    if not ok:
        raise ValueError(
            f'{where}: expected a non-empty list of EPCI SIRENs, e.g. ["241800507"], got {value!r}'
        )
    return out


def check_value(p: Param, value, where: str):
    """Validate one policy value against its declaration; errors name ``where``."""
    if p.kind == "bool":
        if not isinstance(value, bool):
            raise ValueError(f"{where}: expected true or false, got {value!r}")
        return value
    if p.kind == "choice":
        if value not in p.options:
            raise ValueError(f"{where}: expected one of {p.options}, got {value!r}")
        return value
    if p.kind == "sirens":
        if isinstance(value, str) and value in p.options:
            return value
        return _sirens(value, where)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{where}: expected a number, got {value!r}")
    if p.kind == "integer" and int(value) != value:
        raise ValueError(f"{where}: expected a whole number, got {value!r}")
    if (p.low is not None and value < p.low) or (p.high is not None and value > p.high):
        raise ValueError(f"{where}: {value} is out of range [{p.low}, {p.high}]")
    return int(value) if p.kind == "integer" else float(value)


@dataclass(frozen=True)
class Slider:
    """A dashboard control over one of a policy's ``PARAMS``, declared once, with the policy.

    Its bounds are the parameter's (narrowed by ``low``/``high`` for the screen), whole numbers
    when the parameter is an integer or ``step`` is one; the page shows ``label`` (French) and
    the value with ``unit`` (as a percentage if ``percent``). At ``off`` the policy is not
    applied; the control starts at ``initial`` (default: ``off``)."""

    name: str  # the control's name (unique across policies)
    key: str  # the policy parameter it sets
    label: str  # in French, as on the page
    step: float
    off: float = 0.0
    initial: float | None = None
    low: float | None = None
    high: float | None = None
    unit: str = ""
    percent: bool = False


class Policy:
    """Base class: the hooks do nothing.

    A policy declares its dose in ``PARAMS`` (name → ``Param``: default, unit, status, source,
    bounds); a scenario's ``[[policies]]`` table may set those and ``name``, ``start``,
    ``end``. Parsed values are in ``self.values`` (and ``self.v.<name>``). The active window
    is resolved once, to weeks from the start of the run: ``start_week`` and ``end_week``.
    """

    kind = "none"
    PARAMS: dict[str, Param] = {}
    SLIDERS: tuple[Slider, ...] = ()  # dashboard controls
    DEFAULT_START: str | int = 0
    COMMON_KEYS = ("name", "start", "end")

    @classmethod
    def keys(cls) -> tuple[str, ...]:
        return cls.COMMON_KEYS + tuple(cls.PARAMS)

    def __init__(self, spec: dict | None = None, scenario=None):
        self.spec = dict(spec or {})
        self.where = f"{getattr(scenario, 'path', None) or '<scenario>'}: [[policies]] {self.kind}"
        unknown = set(self.spec) - {"type"} - set(self.keys())
        if unknown:
            raise ValueError(
                f"{self.where}: unknown key(s) {sorted(unknown)} for policy {self.kind!r}; "
                f"expected {sorted(self.keys())}"
            )
        self.name = str(self.spec.get("name", self.kind))
        self.start_year = getattr(scenario, "start_year", 2025)
        horizon = getattr(scenario, "weeks", None)
        start = self.spec.get("start", self.DEFAULT_START)
        self.start_week = self._week("start", start)
        self.end_week = self._week("end", self.spec["end"]) if "end" in self.spec else np.inf
        if horizon is not None and self.start_week >= horizon:
            raise ValueError(
                f"{self.where}.start: {start!r} is after the "
                f"horizon ({horizon} weeks from {self.start_year})"
            )
        if self.end_week <= self.start_week:
            raise ValueError(f"{self.where}.end: must come after start")
        self.values = {}
        for key, p in self.PARAMS.items():
            value = self.spec.get(key, self.default(key))
            self.values[key] = (
                None if value is None else check_value(p, value, f"{self.where}.{key}")
            )
        self.v = SimpleNamespace(**self.values)
        self.year = self._zero_year()

    def default(self, key: str):
        """The default of a parameter (a policy may make it depend on other keys)."""
        return self.PARAMS[key].default

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

    def _epci_indices(self, model, sirens: list[str], key: str) -> np.ndarray:
        known = {str(s): k for k, s in enumerate(model.territory.epcis.siren)}
        missing = [s for s in sirens if s not in known]
        if missing:
            raise ValueError(
                f"{self.where}.{key}: unknown EPCI SIREN(s) {missing[:5]} in this territory"
            )
        return np.array([known[s] for s in sirens], dtype=np.int64)

    def active_at(self, week: float) -> bool:
        """Whether week ``week`` (from the start of the run, 0-based) is in the window."""
        return self.start_week <= week < self.end_week

    def active(self, model) -> bool:
        """Inside a weekly hook: the step at Mesa time t simulates week t - 1."""
        return self.active_at(model.time - 1)

    def schedule_yearly(self, model, action) -> None:
        """Run ``action()`` once a year from the window's start, between weeks (so that it
        acts from week ``start_week`` on)."""
        model.schedule_recurring(
            action,
            Schedule(
                interval=WEEKS_PER_YEAR, start=self.start_week + 0.5, end=min(self.end_week, 1e9)
            ),
        )

    # -------------------------------------------------------------- hooks
    def setup(self, model) -> None:
        """Once, after the model is built: the policy's own generator, then ``prepare``."""
        self.model = model
        self.rng = model.spawn_rng(f"{self.kind}:{self.name}")
        self.prepare(model)

    def prepare(self, model) -> None:
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


class SolidarityDays(Policy):
    """Mission de solidarité territoriale (Sept. 2025): GPs from outside the priority EPCIs give
    up to 2 days a month of consultations in one, paid 200 EUR a day; the days are taken from
    their home practice (unless a replacement covers a share).

    Defaults reproduce the reported uptake: ~300 volunteers (Feb. 2026) delivering ~6,500
    consultations from October 2025 to mid-February 2026 (docs/sources.md §7.2): with 22
    consultations a day that is 6,500 / (4.5 months × 300 × 22) = 0.22 days a month per
    volunteer; participation = 300 / the GPs eligible nationally (``ELIGIBLE_FRANCE``).
    """

    kind = "solidarity_days"
    SLIDERS = (  # every volunteer (mandatory mode), 2 days a month (the bill)
        Slider("participation", "participation", "Jours de solidarité : médecins volontaires",
               0.001, unit="des médecins éligibles", percent=True),
        Slider("days_per_month", "days_per_month",
               "Jours de solidarité : jours par mois et par volontaire", 0.01, initial=1.0,
               unit="j/mois"),
    )  # fmt: skip
    VOLUNTEERS_REPORTED = 300
    DAYS_PER_MONTH_REPORTED = 6500 / (4.5 * 300 * 22)
    PARAMS = {
        "targets": Param(
            "completed",
            "priority EPCIs that receive volunteers",
            "S",
            "'completed': the 2025 list of 151 (58 confirmed + the model's index, priority.py); "
            "'confirmed': the 58; or a list of EPCI SIRENs",
            kind="sirens",
            options=("completed", "confirmed"),
        ),
        "mode": Param(
            "voluntary",
            "voluntary (the pilot) or mandatory (Senate bill: GPs of well-served EPCIs)",
            "S",
            "Pacte 2025; PPL Mouiller",
            kind="choice",
            options=("voluntary", "mandatory"),
        ),
        "participation": Param(
            None,
            "share of eligible GPs who volunteer (none: the reported ~300 nationally)",
            "D",
            "300 volunteers (Feb. 2026, docs/sources.md) / GPs eligible in France; 1 if mandatory",
            0,
            1,
        ),
        "days_per_month": Param(
            DAYS_PER_MONTH_REPORTED,
            "days a month each volunteer gives (2 if mandatory)",
            "D",
            "6,500 consultations Oct. 2025 - mid-Feb. 2026 / (4.5 months × 300 × 22)",
            0,
            2,
        ),
        "max_travel_minutes": Param(
            60.0, "furthest a volunteer travels, minutes", "A", "no published limit", 1, 240
        ),
        "consultations_per_day": Param(
            22.0, "consultations a day", "S", "IQVIA 2018 (docs/sources.md)", 1, 60
        ),
        "pay_per_day": Param(
            200.0, "euros per day given", "S", "CPAM 94 (docs/sources.md)", 0, 1e4
        ),
        "replacement_share": Param(
            0.0, "share of the days a replacement covers at home", "A", "no figure", 0, 1
        ),
        "well_served_apl": Param(
            4.0,
            "APL from which an EPCI is well served (mandatory mode)",
            "A",
            "the Senate bill gives no threshold",
            0,
            20,
        ),
    }

    def default(self, key):
        if self.spec.get("mode") == "mandatory":
            return {"participation": 1.0, "days_per_month": 2.0}.get(key, super().default(key))
        return super().default(key)

    def __init__(self, spec=None, scenario=None):
        super().__init__(spec, scenario)
        v = self.v
        self.target_sirens = v.targets
        self.mode = v.mode
        self.participation = v.participation
        self.days_per_month = v.days_per_month
        self.max_travel = v.max_travel_minutes
        self.per_day = v.consultations_per_day
        self.pay = v.pay_per_day
        self.replacement = v.replacement_share
        self.well_served_apl = v.well_served_apl

    def _zero_year(self) -> dict:
        return {
            "volunteers": 0,
            "days": 0.0,
            "days_outside_not_counted": 0.0,
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
        from accesssim.geo import priority

        sirens = priority.national_selection()["sirens"]
        return np.flatnonzero(np.isin(e.siren, list(sirens)))

    def prepare(self, model) -> None:
        t = model.territory
        self.targets = self.target_epcis(model)
        self.volunteer = np.zeros(0, dtype=np.int64)
        self.site = np.zeros(0, dtype=np.int64)
        self.n_eligible = 0
        if not len(self.targets):
            return
        sites = model.epci_sites(self.targets)
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
            eligible &= model.epci_apl()[home_epci] >= self.well_served_apl
        candidates = np.flatnonzero(eligible)
        self.n_eligible = len(candidates)
        rate = self.participation
        if rate is None:  # calibrated to the ~300 volunteers reported nationally
            rate = min(1.0, self.VOLUNTEERS_REPORTED / max(national_eligible(self), 1))
        self.rate = rate
        pick = self.rng.random(len(candidates)) < rate
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
        # one territory: what volunteers give inside the run's core (the région) is costed and
        # counted, wherever they live (buffer included); days given in buffer EPCIs are
        # neither costed nor counted, as their benefits are not counted either
        inside = model.core[self.site]
        given, removed = self._given * inside, self._removed * inside
        y["volunteers"] = int(inside.sum())
        y["days"] += float(given.sum() / self.per_day)
        y["days_outside_not_counted"] += float(self._given[~inside].sum() / self.per_day)
        y["consultations_offered"] += float(given.sum())
        y["consultations_delivered"] += float((given * util[self.site]).sum())
        home = model.gp_commune[self.volunteer]
        y["home_capacity_removed"] += float(removed.sum())
        y["home_consultations_displaced"] += float((removed * util[home]).sum())
        y["cost_eur"] += float(given.sum() / self.per_day * self.pay)


@functools.lru_cache(maxsize=8)
def count_national_eligible(max_travel: float) -> int:
    """GPs eligible to volunteer in all of France: outside the priority EPCIs (completed
    list) and within ``max_travel`` minutes of one (its site)."""
    from accesssim.geo import priority, travel
    from accesssim.geo import territory as terr

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


# GPs eligible in all of France at the default 60 minutes: count_national_eligible(60.0) on the
# embedded territory (tests/test_registries.py recomputes it; refresh it when GP supply or the
# road model change): a regional run need not load all of France
ELIGIBLE_FRANCE = {60.0: 17128}


def national_eligible(policy: SolidarityDays) -> int:
    """GPs eligible nationally at the policy's travel limit (computed on all of France, once
    per process, only for a limit other than the default)."""
    if policy.max_travel in ELIGIBLE_FRANCE:
        return ELIGIBLE_FRANCE[policy.max_travel]
    return count_national_eligible(policy.max_travel)


class MspRollout(Policy):
    """Open N maisons de santé a year in EPCIs chosen by a rule. Their GPs gain activity (+2 %)
    and lists (+13 %), MSPs attract young GPs in the installation choice and retain GPs
    (parameters msp_*); cost from the reported funding: 153.5 M EUR for 1,918 MSPs in 2023
    = 80,000 EUR per MSP a year (docs/sources.md §3.4)."""

    kind = "msp_rollout"
    SLIDERS = (  # 30 a year in one territory at most on the page
        Slider("msp_per_year", "per_year",
               "Maisons de santé : ouvertures par an (EPCI les moins dotés)", 1, high=30,
               unit="par an"),
    )  # fmt: skip
    PARAMS = {
        "per_year": Param(10, "MSPs opened a year", "A", "a dose", 0, 1000, kind="integer"),
        "rule": Param(
            "underserved",
            "where: lowest-APL EPCIs first, at random, or a list",
            "A",
            "a choice",
            kind="choice",
            options=("underserved", "random", "list"),
        ),
        "epcis": Param(None, "EPCIs in order (rule = 'list')", "A", "a choice", kind="sirens"),
        "cost_per_msp_year": Param(
            153.5e6 / 1918,
            "euros per MSP a year",
            "D",
            "153.5 M EUR for 1,918 MSPs in 2023 (docs/sources.md)",
            0,
            1e7,
        ),
    }

    def __init__(self, spec=None, scenario=None):
        super().__init__(spec, scenario)
        self.per_year = self.v.per_year
        self.rule = self.v.rule
        self.epci_list = self.v.epcis
        if self.rule == "list" and not self.epci_list:
            raise ValueError(f"{self.where}.epcis: rule = 'list' needs a list of EPCI SIRENs")
        self.cost = self.v.cost_per_msp_year

    def _zero_year(self):
        return {"msps_opened": 0, "msps_running": 0, "cost_eur": 0.0}

    def prepare(self, model) -> None:
        self.opened: list[int] = []
        self.queue = (
            list(self._epci_indices(model, self.epci_list, "epcis")) if self.epci_list else None
        )
        self.schedule_yearly(model, self._open)

    def _open(self) -> None:
        m = self.model
        e = m.territory.epcis
        has = np.bincount(m.territory.communes.epci[m.msp_commune], minlength=len(e)) > 0
        free = np.flatnonzero(e.core & ~has & (e.population > 0))
        if self.rule == "list":
            chosen = [k for k in self.queue if k in set(free.tolist())][: self.per_year]
            self.queue = [k for k in self.queue if k not in chosen]
        elif self.rule == "random":
            chosen = self.rng.permutation(free)[: self.per_year] if len(free) else []
        else:
            apl = m.epci_apl()[free]
            chosen = free[np.argsort(apl, kind="stable")][: self.per_year]
        chosen = np.asarray(chosen, dtype=np.int64)
        if len(chosen):
            m.open_msp(m.epci_sites(chosen))
            self.opened += chosen.tolist()
            self.year["msps_opened"] += len(chosen)

    def after_step(self, model, flows, used, capacity) -> None:
        self.year["msps_running"] = len(self.opened)
        self.year["cost_eur"] += len(self.opened) * self.cost / WEEKS_PER_YEAR


class Telemedicine(Policy):
    """A higher teleconsultation share (within the 20 % cap per GP) and pharmacy-assisted
    teleconsultation points in under-served communes (APL < 2.5), where uptake rises.
    Cost: 23 EUR per teleconsultation above the baseline share (266 M EUR reimbursed for
    11.6 M in 2023) and 1,225 EUR per pharmacy point the first year (docs/sources.md §6)."""

    kind = "telemedicine"
    SLIDERS = (  # up to the 20 % cap per GP; at the baseline share: no policy
        Slider("tele_share", "tele_share",
               "Téléconsultation : part des consultations éligibles", 0.005,
               off=PARAMETERS["tele_share"].default, percent=True),
    )  # fmt: skip
    PARAMS = {
        "tele_share": Param(
            0.06,
            "teleconsultation share of GP acts with the policy",
            "A",
            "a dose; capped by the 20 % rule per GP",
            0,
            0.2,
        ),
        "pharmacy_points": Param(
            True, "open pharmacy-assisted points", "A", "a choice", kind="bool"
        ),
        "pharmacy_apl_below": Param(
            access.SUBDENSE_THRESHOLD,
            "APL under which a commune gets a point",
            "S",
            "sub-dense threshold 2.5 (DREES)",
            0,
            20,
        ),
        "pharmacy_uptake_gain": Param(
            1.5, "uptake multiplier where there is a point", "A", "no figure", 1, 10
        ),
        "cost_per_teleconsultation": Param(
            266e6 / 11.6e6,
            "euros per teleconsultation",
            "D",
            "266 M EUR reimbursed for 11.6 M in 2023 (docs/sources.md)",
            0,
            1000,
        ),
        "cost_per_point": Param(
            1225.0, "euros per pharmacy point, first year", "S", "docs/sources.md", 0, 1e6
        ),
    }

    def __init__(self, spec=None, scenario=None):
        super().__init__(spec, scenario)
        v = self.v
        self.share = v.tele_share
        self.points = v.pharmacy_points
        self.gain = v.pharmacy_uptake_gain
        self.cost_tc = v.cost_per_teleconsultation
        self.cost_point = v.cost_per_point

    def _zero_year(self):
        return {"extra_teleconsultations": 0.0, "pharmacy_points": 0, "cost_eur": 0.0}

    def prepare(self, model) -> None:
        self.base_uptake = model.tele_uptake.copy()
        model.schedule_event(self._start, at=self.start_week + 0.5)
        if np.isfinite(self.end_week):
            model.schedule_event(self._stop, at=self.end_week + 0.5)

    def _start(self) -> None:
        m = self.model
        up = m.tele_uptake_per_share * self.share
        self.n_points = 0
        if self.points:
            under = (m.current_apl() < self.v.pharmacy_apl_below) & m.core
            up[under] *= self.gain
            self.n_points = int(under.sum())
            self.year["cost_eur"] += self.n_points * self.cost_point
            self.year["pharmacy_points"] = self.n_points
        m.set_tele_uptake(up)

    def _stop(self) -> None:
        self.model.set_tele_uptake(self.base_uptake)

    def after_step(self, model, flows, used, capacity) -> None:
        if not self.active(model):
            return
        tele = float(flows["tele"].sum(1) @ model.core)
        # teleconsultations above the baseline share (none if the dose is at or below it)
        extra = tele * max(0.0, 1 - model.p["tele_share"] / self.share) if self.share > 0 else 0.0
        self.year["extra_teleconsultations"] += extra
        self.year["cost_eur"] += extra * self.cost_tc


class DocteursJuniors(Policy):
    """Fourth-year general-practice residents from November 2026: about 3,700 a year
    nationally (scaled to the territory's population), placed in the most under-served EPCIs
    first, for one year, at about 200 acts a month; a share then installs where they trained.
    Residents are supervised and hold no médecin-traitant list until they install.
    Cost per junior-month: pay 2,374.62 + 417 (autonomy) + 1,000 (ZIP) + 83 (activity bonus,
    500 per semester) + supervisor 1,800 + 800 (ZIP) = 6,474.62 EUR gross (docs/sources.md §7.3)."""

    kind = "docteurs_juniors"
    DEFAULT_START = "2026-11"
    SLIDERS = (  # up to twice the 3,700 a year
        Slider("juniors_per_year", "per_year",
               "Docteurs juniors : arrivées par an (France, au prorata du territoire)", 100,
               high=7400, unit="par an"),
    )  # fmt: skip
    PARAMS = {
        "per_year": Param(
            3700, "residents a year, France", "S", "Pacte 2025 (docs/sources.md)", 0, 20000
        ),
        "acts_per_month": Param(
            200, "acts a month per resident", "A", "supervised residents see fewer", 0, 1000
        ),
        "install_share": Param(0.3, "share installing where they trained", "A", "no figure", 0, 1),
        "monthly_cost": Param(
            2374.62 + 417 + 1000 + 500 / 6 + 1800 + 800,
            "euros per junior-month (pay, bonuses, supervisor)",
            "S",
            "decree 2023 and Pacte 2025 (docs/sources.md)",
            0,
            1e5,
        ),
    }

    def __init__(self, spec=None, scenario=None):
        super().__init__(spec, scenario)
        self.per_year = self.v.per_year
        self.acts = self.v.acts_per_month
        self.install_share = self.v.install_share
        self.monthly_cost = self.v.monthly_cost

    def _zero_year(self):
        return {"juniors_active": 0, "juniors_installed": 0, "cost_eur": 0.0}

    def prepare(self, model) -> None:
        self.cohorts: list[np.ndarray] = []
        self.schedule_yearly(model, self._arrive)

    def _arrive(self) -> None:
        m = self.model
        pop = m.territory.communes.population[m.core].sum()
        n = int(round(self.per_year * pop / m.p["france_population"]))
        # last year's cohort leaves; a share installs where it trained
        if self.cohorts:
            old = self.cohorts.pop(0)
            old = old[m.gp_active[old]]
            # one generator for the whole run: each year's stay-or-leave draws are new ones
            stay = self.rng.random(len(old)) < self.install_share
            m.settle_gps(old[stay])  # installed: drawn activity, now a médecin traitant
            # juniors are the cohort the yearly installations come from: those who stay
            # replace part of the baseline flow, they do not add to it
            m.credit_installations(int(stay.sum()))
            m.remove_gps(old[~stay])
            self.year["juniors_installed"] += int(stay.sum())
        if n <= 0:
            return
        e = m.territory.epcis
        core_e = np.flatnonzero(e.core & (e.population > 0))
        per_junior = 12 * self.acts / e.population[core_e]  # APL-like gain, acts per inhabitant
        counts = most_underserved_first(m.epci_apl()[core_e], per_junior, n)
        sites = m.epci_sites(np.repeat(core_e, counts))
        idx = m.add_gps(
            sites,
            age=np.full(n, 29.0),
            activity=np.full(n, 12 * self.acts),
            practice=np.ones(n, dtype=np.int8),
            holds_list=False,  # residents are supervised: no médecin-traitant list
        )
        self.cohorts.append(idx)

    def after_step(self, model, flows, used, capacity) -> None:
        active = sum(int(model.gp_active[c].sum()) for c in self.cohorts)
        self.year["juniors_active"] = max(self.year["juniors_active"], active)
        self.year["cost_eur"] += active * self.monthly_cost * 12 / WEEKS_PER_YEAR


def most_underserved_first(apl: np.ndarray, gain: np.ndarray, n: int) -> np.ndarray:
    """How many of ``n`` units each area gets when every unit goes, one after the other, to
    the area whose APL is lowest counting the units already placed (``gain`` each): the rule
    holds at any number, the worst-off area keeps receiving until another is lower."""
    import heapq

    counts = np.zeros(len(apl), np.int64)
    heap = [(float(a), k) for k, a in enumerate(apl)]
    heapq.heapify(heap)
    for _ in range(int(n)):
        a, k = heapq.heappop(heap)
        counts[k] += 1
        heapq.heappush(heap, (a + float(gain[k]), k))
    return counts


class InstallationRegulation(Policy):
    """The Assembly bill (PPL Garot): in well-served EPCIs (APL at or above a threshold) a GP
    installs only when another leaves; other installations go elsewhere."""

    kind = "installation_regulation"
    PARAMS = {
        "well_served_apl": Param(
            4.0,
            "APL from which an EPCI is well served",
            "A",
            "the bill gives no threshold",
            0,
            20,
        ),
    }

    def __init__(self, spec=None, scenario=None):
        super().__init__(spec, scenario)
        self.threshold = self.v.well_served_apl

    def _zero_year(self):
        return {"installations_redirected_cap_epcis": 0, "cost_eur": 0.0}

    def installation_cap(self, model, epcis, cap):
        if not self.active_at(model.time):  # at a year's end: from the next week on
            return cap
        well = model.epci_apl()[epcis] >= self.threshold
        exits = model.exits_by_epci[epcis]
        cap = cap.copy()
        cap[well] = np.minimum(cap[well], exits[well])
        self.year["installations_redirected_cap_epcis"] = int(well.sum())
        return cap


POLICY_TYPES: dict[str, type[Policy]] = {}


def register(cls: type[Policy]) -> type[Policy]:
    """Make a policy class known to scenarios, compare, sweep and the dashboard (by its
    ``kind``); usable as a decorator. A sweep's worker processes import the class again from
    its module (``import_path``), so it must be defined at the top level of an importable
    module (or of the script being run), not in a notebook cell."""
    if not (isinstance(cls, type) and issubclass(cls, Policy)):
        raise TypeError(f"register: expected a subclass of accesssim.policies.Policy, got {cls!r}")
    POLICY_TYPES[cls.kind] = cls
    return cls


def import_path(cls: type[Policy]) -> str:
    """``"module:QualName"``, how a worker process finds a class registered in its parent."""
    return f"{cls.__module__}:{cls.__qualname__}"


def load_class(path: str, where: str = "<scenario>") -> type[Policy]:
    """The ``Policy`` subclass at ``"package.module:Class"`` (a scenario's ``type``), imported
    and registered; errors name ``where``."""
    import importlib

    module, _, qualname = path.partition(":")
    try:
        obj = importlib.import_module(module)
        for part in qualname.split("."):
            obj = getattr(obj, part)
    except (ImportError, AttributeError) as exc:
        hint = (
            " (a class defined in a notebook, an interactive session or a function cannot be"
            " imported by another process: define it at the top level of a module on the"
            " Python path)"
            if module == "__main__" or "<locals>" in qualname
            else ""
        )
        raise ValueError(f"{where}: cannot import policy class {path!r}: {exc}{hint}") from None
    if not (isinstance(obj, type) and issubclass(obj, Policy)):
        raise ValueError(f"{where}: {path!r} is not a subclass of accesssim.policies.Policy")
    return register(obj)


def lookup(kind, where: str = "<scenario>") -> type[Policy] | None:
    """The class of a scenario's ``type``: a registered kind, or ``"module:Class"`` (imported
    on first use, in any process); None for an unknown kind."""
    if isinstance(kind, str) and kind not in POLICY_TYPES and ":" in kind:
        return load_class(kind, where)
    return POLICY_TYPES.get(kind)


def registered_paths() -> dict[str, str]:
    """Kind -> import path of every policy registered beyond (or instead of) the built-in ones
    (passed to a sweep's workers, which start with only the built-in ones)."""
    return {k: import_path(c) for k, c in POLICY_TYPES.items() if BUILTIN.get(k) is not c}


def ensure_registered(paths: dict[str, str]) -> None:
    """In a worker: import and register the policies the parent had registered."""
    for kind, path in paths.items():
        if kind not in POLICY_TYPES or import_path(POLICY_TYPES[kind]) != path:
            cls = load_class(path, "sweep worker")
            if cls.kind != kind:
                raise ValueError(f"sweep worker: {path} has kind {cls.kind!r}, not {kind!r}")


for _cls in (
    NullPolicy,
    SolidarityDays,
    MspRollout,
    Telemedicine,
    DocteursJuniors,
    InstallationRegulation,
):
    register(_cls)
BUILTIN = dict(POLICY_TYPES)  # what a fresh process knows


def from_spec(spec: dict, scenario=None) -> Policy:
    """Build a policy from a ``[[policies]]`` table; errors name the file and key."""
    where = f"{getattr(scenario, 'path', None) or '<scenario>'}: [[policies]]"
    cls = lookup(spec.get("type"), f"{where}.type")
    if cls is None:
        raise ValueError(
            f"{where}.type: unknown policy {spec.get('type')!r}; known: "
            f'{", ".join(sorted(POLICY_TYPES))}, or "package.module:Class" for a Policy subclass'
        )
    return cls(spec, scenario)
