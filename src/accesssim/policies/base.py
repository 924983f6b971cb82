"""What every policy shares: the ``Policy`` base class (its hooks, its window, its yearly row),
the null policy, the checks of a ``[[policies]]`` value and the dashboard ``Slider``.

Policies (interventions) are each of the same shape, as in Starsim.

A policy has an eligibility rule (which EPCIs, communes or GPs), a start and an end (a date
``"YYYY-MM"`` or a week number from the start of the run), and a dose. It acts on the model
only through these hooks:

* ``setup(model)`` once, after the model is built: it creates the policy's own generator
  (``self.rng``, from the model's seed) and calls ``prepare(model)`` (schedule events here);
* ``adjust_capacity(model, cap_per_gp, extra_per_commune)`` every week before allocation;
* ``after_step(model, flows, used, capacity)`` every week after allocation (bookkeeping);
* ``installation_cap(model, epcis, cap)`` when new GPs choose where to install;
* ``end_of_year(model)`` once a year: its yearly row (dose delivered, cost) is recorded.

The model a hook receives is typed ``PolicyHost``: the list of what a policy may read and call
(``AccessModel`` provides it; tests/test_policies.py checks both that it does and that the
built-in policies use nothing else). A policy changes the model only through its methods
(``add_gps``, ``remove_gps``, ``settle_gps``, ``open_msp``, ``set_tele_uptake``, ...). Its dose is
declared in ``PARAMS`` (``Param``: default, unit, status, source, bounds), which scenario files,
sweeps (``<policy name>.<key>``) and the dashboard's sliders read. A new policy is one class
plus ``registry.register(cls)``; each built-in policy has its own module.

The null policy changes nothing: a run with it equals the baseline bit for bit. Costs are in
euros; sources in docs/sources.md.
"""

from __future__ import annotations

import datetime as dt
import math
import string
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np
from mesa.time import Schedule

from accesssim.model.access_model import WEEKS_PER_YEAR
from accesssim.params.parameters import Param

if TYPE_CHECKING:
    from accesssim.geo.territory import Territory


@runtime_checkable
class PolicyHost(Protocol):
    """What a policy may read and call on the model (``AccessModel`` provides it).

    Arrays are indexed by commune (``territory.communes``), EPCI (``territory.epcis``) or GP
    (the workforce's index, stable for a run: departed GPs stay, inactive). Anything else on
    the model is its own business; a policy that needs more asks for a method here."""

    # ---- read: the run
    territory: Territory  # communes and EPCIs of the run (core and buffer)
    p: dict[str, Any]  # parameter values of the run (defaults, calibration, overrides)
    core: np.ndarray  # bool per commune: in the run's core (counted), not its buffer
    time: float  # Mesa's clock: the step at time t simulates week t - 1 (0-based)
    start_year: int  # calendar year of week 0
    year_index: int  # years completed since the start (0 during the first year)
    # ---- read: state
    gp_commune: np.ndarray  # commune of each GP
    gp_active: np.ndarray  # bool per GP: still practising
    msp_commune: np.ndarray  # bool per commune: has a maison de santé
    tele_uptake: np.ndarray  # teleconsultation uptake now, commune × age band
    exits_by_epci: np.ndarray  # GPs who left in each EPCI at the last year's end
    ed_minutes: np.ndarray  # per commune: minutes to the nearest ED (inf: none reachable)
    urgent_minutes: np.ndarray  # per commune: minutes to urgent care (nearest ED or MCS)
    mcs_commune: np.ndarray  # bool per commune: a médecin correspondant du SAMU practises

    # ---- read: derived
    def current_apl(self) -> np.ndarray:
        """APL of each commune now."""
        ...

    def epci_apl(self) -> np.ndarray:
        """Population-weighted APL of each EPCI now."""
        ...

    def epci_sites(self, epci_idx) -> np.ndarray:
        """The commune where a policy acts in each EPCI (most active GPs, else most people)."""
        ...

    def minutes_to_nearest(self, sites, limit: float = np.inf) -> tuple[np.ndarray, np.ndarray]:
        """Minutes from each commune to the nearest of ``sites``, and which site (-1: none)."""
        ...

    def tele_uptake_for_share(self, share: float) -> np.ndarray:
        """Teleconsultation uptake (commune × band) at a national share ``share``."""
        ...

    # ---- act
    def add_gps(
        self, communes: np.ndarray, age=None, activity=None, practice=None, holds_list=True
    ) -> np.ndarray:
        """New GPs in ``communes``; returns their indices."""
        ...

    def remove_gps(self, idx: np.ndarray) -> None:
        """GPs ``idx`` leave; their registered patients lose their médecin traitant."""
        ...

    def settle_gps(self, idx: np.ndarray) -> None:
        """GPs ``idx`` (residents) install where they are and hold a list."""
        ...

    def credit_installations(self, n: int) -> None:
        """``n`` policy installations count towards the yearly installation flow."""
        ...

    def add_installations(self, n: int) -> None:
        """``n`` additional GPs join the next year-end's installation flow (placed by the
        installation choice)."""
        ...

    def postpone_installations(self, n: int) -> None:
        """``n`` installations of the flow do not happen at the next year-end."""
        ...

    def expected_installations(self) -> float:
        """Installations expected a year in the territory's core."""
        ...

    def open_msp(self, communes) -> None:
        """Open maisons de santé in ``communes``."""
        ...

    def set_tele_uptake(self, uptake: np.ndarray) -> None:
        """Teleconsultation uptake (commune × band) from now on."""
        ...

    def scale_ed_propensity(self, factor: np.ndarray) -> None:
        """Multiply each commune's propensity to take a GP-treatable request to the ED by
        ``factor`` (per commune) from the next week on."""
        ...

    def add_mcs(self, communes) -> np.ndarray:
        """Médecins correspondants du SAMU in ``communes`` (urgent care within their reach);
        returns the communes newly equipped."""
        ...

    def remove_mcs(self, communes) -> None:
        """The médecins correspondants du SAMU in ``communes`` stop."""
        ...

    def update_service_communes(self, extra=()) -> None:
        """Add ``extra`` communes (e.g. where volunteers consult) to the allocation's
        destinations."""
        ...

    def record_policy_row(self, row: dict) -> None:
        """Record a policy's yearly row (dose delivered, cost)."""
        ...

    # ---- randomness and time
    def spawn_rng(self, key: str) -> np.random.Generator:
        """A generator of the policy's own, from the model's seed and ``key``."""
        ...

    def schedule_event(self, function: Callable, *, at: float | None = None, **kw) -> Any:
        """Run ``function()`` at Mesa time ``at`` (between weeks: ``week + 0.5``)."""
        ...

    def schedule_recurring(self, function: Callable, schedule: Schedule, **kw) -> Any:
        """Run ``function()`` on a recurring ``Schedule``."""
        ...


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
    if not math.isfinite(value):
        raise ValueError(f"{where}: expected a finite number, got {value!r}")
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
    applied; the control starts at ``initial`` (default: ``off``). With ``off = None`` the
    slider is not a dose (e.g. a threshold): the policy is applied by its ``Switch``."""

    name: str  # the control's name (unique across policies)
    key: str  # the policy parameter it sets
    label: str  # in French, as on the page
    step: float
    off: float | None = 0.0
    initial: float | None = None
    low: float | None = None
    high: float | None = None
    unit: str = ""
    percent: bool = False


@dataclass(frozen=True)
class Switch:
    """A dashboard on/off control, declared once with the policy: either one of its boolean
    ``PARAMS`` (``key``, e.g. telemedicine's pharmacy points) or, with ``key = None``, the
    policy itself (a policy with no dose to slide, e.g. installation regulation). A switch
    that is on applies the policy even when its sliders are at "off" (the sliders then give
    their values as they are). Starts off: the page never opens anything silently."""

    name: str  # the control's name (unique across policies and sliders)
    key: str | None  # the boolean parameter it sets, or None: the policy on or off
    label: str  # in French, as on the page


class _FrenchFormatter(string.Formatter):
    """``str.format`` with French numbers: decimal comma, "%" after a no-break space, booleans
    as oui/non, None as "calibré" (the policy calibrates it)."""

    def format_field(self, value, format_spec):
        if value is None:
            return "calibré"
        if isinstance(value, bool):
            return "oui" if value else "non"
        if isinstance(value, int | float):
            text = format(value, format_spec or "g")
            return text.replace(".", ",").replace("%", "\u00a0%")
        return format(value, format_spec)


_FRENCH = _FrenchFormatter()


class Policy:
    """Base class: the hooks do nothing.

    A policy declares its dose in ``PARAMS`` (name → ``Param``: default, unit, status, source,
    bounds); a scenario's ``[[policies]]`` table may set those and ``name``, ``start``,
    ``end``. Parsed values are in ``self.values`` (and ``self.v.<name>``). The active window
    is resolved once, to weeks from the start of the run: ``start_week`` and ``end_week``.
    """

    kind = "none"
    LABEL = ""  # display name (French) on the dashboard; the kind if empty
    # who pays the programme cost (``cost_eur`` of the yearly rows) in the payers' ledger
    # (outputs/ledger.py): "assurance_maladie", "state" or "local", and the source of that
    PAYER = "assurance_maladie"
    PAYER_SOURCE = ""
    # keys a policy no longer takes, with what replaced them (a clear error, not "unknown")
    REMOVED_KEYS: dict[str, str] = {}
    PARAMS: dict[str, Param] = {}
    SLIDERS: tuple[Slider, ...] = ()  # dashboard controls
    SWITCHES: tuple[Switch, ...] = ()  # dashboard on/off controls
    # what this policy's results rest on, in one sentence for compare.md's assumptions
    # paragraph (which lists those of the policies compared, ``assumptions()``): may name
    # ``{name}`` and the policy's values, e.g. ``{per_year}``
    ASSUMPTIONS = ""
    # the same for the dashboard's "Hypothèses" panel, in French, one sentence a line: where
    # the dose takes its time or money from, what is counted outside the territory, what has
    # no published figure; may name the policy's values, e.g. ``{per_year}`` (``hypotheses``)
    HYPOTHESES: tuple[str, ...] = ()
    DEFAULT_START: str | int = 0
    COMMON_KEYS = ("name", "start", "end")

    @classmethod
    def keys(cls) -> tuple[str, ...]:
        return cls.COMMON_KEYS + tuple(cls.PARAMS)

    def __init__(self, spec: dict | None = None, scenario=None):
        self.spec = dict(spec or {})
        self.where = f"{getattr(scenario, 'path', None) or '<scenario>'}: [[policies]] {self.kind}"
        for key in sorted(set(self.spec) & set(self.REMOVED_KEYS)):
            raise ValueError(f"{self.where}.{key}: no longer a key: {self.REMOVED_KEYS[key]}")
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

    def assumptions(self) -> str:
        """The assumptions this policy's results rest on, with its values (``ASSUMPTIONS``
        by default, formatted with ``name`` and the policy's values; a policy whose
        assumptions depend on its keys overrides this)."""
        return self.ASSUMPTIONS.format(name=self.name, **self.values)

    def hypotheses(self) -> list[str]:
        """The French sentences of ``HYPOTHESES`` with this policy's values, numbers written
        the French way (``{tele_share:.0%}`` -> "6 %", ``{days_per_month:g}`` -> "0,22"); a
        value left to its calibrated default (None) shows as "calibré"."""
        return [_FRENCH.format(h, name=self.name, **self.values) for h in self.HYPOTHESES]

    def no_effect_reason(self, model: PolicyHost) -> str | None:
        """Why the dose reached nobody on this run (no eligible GP within reach, no target
        EPCI in the territory, ...), or None when it acted or the policy cannot tell. Called
        once a run has ended; the runner also flags a policy whose yearly rows are all zero
        (``no_effect``), and run and compare print and write the reasons."""
        return None

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

    def _epci_indices(self, model: PolicyHost, sirens: list[str], key: str) -> np.ndarray:
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

    def active(self, model: PolicyHost) -> bool:
        """Inside a weekly hook: the step at Mesa time t simulates week t - 1."""
        return self.active_at(model.time - 1)

    def schedule_yearly(self, model: PolicyHost, action: Callable[[], None]) -> None:
        """Run ``action()`` once a year from the window's start, between weeks (so that it
        acts from week ``start_week`` on)."""
        model.schedule_recurring(
            action,
            Schedule(
                interval=WEEKS_PER_YEAR, start=self.start_week + 0.5, end=min(self.end_week, 1e9)
            ),
        )

    # -------------------------------------------------------------- hooks
    def setup(self, model: PolicyHost) -> None:
        """Once, after the model is built: the policy's own generator, then ``prepare``."""
        self.model: PolicyHost = model
        self.rng = model.spawn_rng(f"{self.kind}:{self.name}")
        self.prepare(model)

    def prepare(self, model: PolicyHost) -> None:
        pass

    def adjust_capacity(
        self, model: PolicyHost, cap_per_gp: np.ndarray, extra_per_commune: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        return cap_per_gp, extra_per_commune

    def after_step(
        self,
        model: PolicyHost,
        flows: dict[str, np.ndarray],
        used: np.ndarray,
        capacity: np.ndarray,
    ) -> None:
        pass

    def installation_cap(self, model: PolicyHost, epcis: np.ndarray, cap: np.ndarray) -> np.ndarray:
        return cap

    def end_of_year(self, model: PolicyHost) -> None:
        if self.kind == "none":
            return
        model.record_policy_row(
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


def no_effect(policy: Policy, model: PolicyHost, rows: list[dict]) -> str | None:
    """Why ``policy`` had no effect on the run of ``model`` (its yearly ``rows``): its own
    reason (``no_effect_reason``), else the reasons its yearly rows give when every year gives
    one (a ``no_effect_reason`` column), else, when every figure of its yearly rows is zero
    (dose delivered and cost), that its dose reached nobody; None when it acted."""
    if policy.kind == "none":
        return None
    reason = policy.no_effect_reason(model)
    if reason:
        return reason
    mine = [r for r in rows if r.get("policy") == policy.name]
    # policies that say why in their yearly rows (``no_effect_reason``, empty in a year the
    # dose reached someone): no effect when every year gives a reason
    said = [r.get("no_effect_reason") for r in mine if "no_effect_reason" in r]
    if said and all(said):
        return "; ".join(dict.fromkeys(str(x) for x in said))
    if said:
        return None
    figures = [
        v
        for r in mine
        for k, v in r.items()
        if k not in ("year", "policy", "type", "seed") and isinstance(v, int | float)
    ]
    if not any(figures):
        when = "" if mine else " (no year of the run reached its start)"
        return f"every figure of its yearly rows is zero: its dose reached nobody{when}"
    return None


class NullPolicy(Policy):
    """The baseline: no intervention."""
