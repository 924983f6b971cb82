"""What the page lets one choose: the territory, the policy doses on sliders, the presets.

Why a module of its own: the controls are resolved from the policies' own declarations
(``policies.Slider`` and ``Param``) and from scenario files, and turned into the
``[[policies]]`` specs a run uses; this is logic the engine and the tests need without the
Solara page. The page's set-up (initial territory, presets' folder) lives here too, because
the presets are read from it.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from pathlib import Path

from accesssim import examples
from accesssim.dashboard import fmt as ff
from accesssim.dashboard.labels import EXTRA_KEYS, PRESET_NAMES, policy_label
from accesssim.geo import territory as terr
from accesssim.params import calibration as calfile
from accesssim.policies import registry, solidarity
from accesssim.specs import scenario as scn

log = logging.getLogger("accesssim.dashboard")

FRANCE = "France entière"
DEFAULT_TERRITORY = "Centre-Val de Loire"
SCENARIO_DIR = examples.ROOT / "scenarios"  # shipped in the package: a wheel has its presets
START_YEAR = 2025
BASELINE_TELE_SHARE = calfile.defaults()["tele_share"]
NO_PRESET = "Aucun (réglages libres)"


# ---------------------------------------------------------------------- set-up
@dataclass
class Setup:
    """What the page opens with: set by ``app.configure`` before serving, read at each render."""

    territory: str = DEFAULT_TERRITORY
    presets_dir: Path = SCENARIO_DIR


SETUP = Setup()


# ---------------------------------------------------------------------- sliders
FINE_STEPS = 300  # a slider with more steps than this gets a numeric box too


@dataclass(frozen=True)
class ResolvedSlider:
    """One policy dose on the page, resolved from its one declaration (a ``policies.Slider``
    on the policy class, bounds from the policy's ``Param``): what the page draws, not what a
    policy declares. ``none`` is the value meaning
    "no policy": a policy runs only when none of its sliders is at it (or a switch of it is
    on). ``none = None``: not a dose (a threshold), the policy is applied by its switch."""

    name: str
    label: str
    unit: str
    min: float
    max: float
    step: float
    default: float
    policy: str
    key: str
    none: float | None
    percent: bool = False
    integer: bool = False

    @property
    def fine(self) -> bool:
        """Too many steps to set one value with the mouse (e.g. 1,8 % of 0-100 % by 0,1 %):
        the page adds a numeric box."""
        return (self.max - self.min) / self.step > FINE_STEPS

    def at_none(self, v: float) -> bool:
        return self.none is not None and abs(v - self.none) < self.step / 2

    def show(self, v: float) -> str:
        unit = self.unit
        if not unit and self.none:  # e.g. telemedicine: the share without the policy
            unit = f"(référence {ff.percent(self.none, 0) if self.percent else self.none})"
        if self.percent:
            return f"{ff.percent(v, 1)} {unit}".strip()
        return f"{ff.number(v, 0 if self.integer else 2)} {unit}".strip()


@dataclass(frozen=True)
class ResolvedSwitch:
    """One on/off control of a policy (a ``policies.Switch``): a boolean parameter (``key``)
    or, with ``key = None``, the policy itself. Off at the start."""

    name: str
    label: str
    policy: str
    key: str | None


def sliders() -> tuple[ResolvedSlider, ...]:
    """The page's controls: every registered policy's ``SLIDERS`` (a policy registered from
    Python with a ``Slider`` appears here), bounds from its declared ``Param``."""
    out, seen = [], set()
    for kind, cls in registry.POLICY_TYPES.items():
        for sl in cls.SLIDERS:
            if sl.name in seen:
                raise ValueError(f"dashboard: two policies declare the control {sl.name!r}")
            seen.add(sl.name)
            p = cls.PARAMS[sl.key]
            integer = p.kind == "integer" or isinstance(sl.step, int)
            lo = p.low if sl.low is None else max(sl.low, p.low)
            hi = p.high if sl.high is None else min(sl.high, p.high)
            initial = sl.off if sl.initial is None else sl.initial
            cast = int if integer else float
            out.append(
                ResolvedSlider(
                    name=sl.name, label=sl.label, unit=sl.unit, min=cast(lo), max=cast(hi),
                    step=sl.step, default=cast(initial), policy=kind, key=sl.key,
                    none=None if sl.off is None else cast(sl.off), percent=sl.percent,
                    integer=integer,
                )
            )  # fmt: skip
    return tuple(out)


def switches() -> tuple[ResolvedSwitch, ...]:
    """The page's on/off controls: every registered policy's ``SWITCHES``."""
    names = {s.name for s in sliders()}
    out = []
    for kind, cls in registry.POLICY_TYPES.items():
        for sw in cls.SWITCHES:
            if sw.name in names:
                raise ValueError(f"dashboard: two policies declare the control {sw.name!r}")
            names.add(sw.name)
            out.append(ResolvedSwitch(sw.name, sw.label, kind, sw.key))
    return tuple(out)


def default_values() -> dict[str, float | bool]:
    return {s.name: s.default for s in sliders()} | {w.name: False for w in switches()}


def _by_policy():
    by: dict[str, tuple[list[ResolvedSlider], list[ResolvedSwitch]]] = {}
    for s in sliders():
        by.setdefault(s.policy, ([], []))[0].append(s)
    for w in switches():
        by.setdefault(w.policy, ([], []))[1].append(w)
    return by


def applied(kind: str, values: dict) -> bool:
    """Whether the controls apply policy ``kind``: one of its switches is on, or it has dose
    sliders and none of them is at its "none" value."""
    sl, sw = _by_policy()[kind]
    if any(values[w.name] for w in sw):
        return True
    doses = [s for s in sl if s.none is not None]
    return bool(doses) and not any(s.at_none(values[s.name]) for s in doses)


def inactive(values: dict) -> dict[str, str]:
    """The sliders that do nothing with these values, and why, in French (the page disables
    them visibly): a dose slider of a policy whose other dose is at zero (e.g. solidarity days
    at 0 days a month: participation does nothing), a threshold of a policy switched off."""
    values = default_values() | dict(values)
    out = {}
    for kind, (sl, sw) in _by_policy().items():
        if applied(kind, values):
            continue
        at_none = [s for s in sl if s.at_none(values[s.name])]
        for s in sl:
            if s.none is None:
                off = [w.label for w in sw if w.key is None]
                out[s.name] = (
                    f"sans effet : « {off[0] if off else policy_label(kind)} » est désactivée"
                )
            elif at_none and s not in at_none:
                zero = at_none[0]
                out[s.name] = (
                    f"sans effet : « {zero.label.split(' : ', 1)[-1]} » est à "
                    f"{zero.show(zero.none)}, la mesure est désactivée"
                )
    return out


def policy_specs(values: dict[str, float], base: list[dict] = ()) -> list[dict]:
    """The ``[[policies]]`` specs a run uses: the preset's specs (``base``) with their doses
    replaced by the control values, plus the controlled policies the preset lacks (starting at
    week 0). A policy its controls do not apply (``applied``) is left out, so a run without
    any policy is the baseline itself. An unknown control name is an error."""
    known = {s.name for s in sliders()} | {w.name for w in switches()}
    unknown = set(values) - known
    if unknown:
        raise ValueError(f"dashboard: unknown control(s) {sorted(unknown)}; known {sorted(known)}")
    values = default_values() | dict(values)
    by_policy = _by_policy()

    def doses(kind):
        if not applied(kind, values):
            return None
        sl, sw = by_policy[kind]
        d = {s.key: int(values[s.name]) if s.integer else float(values[s.name]) for s in sl}
        return d | {w.key: bool(values[w.name]) for w in sw if w.key is not None}

    out = []
    for spec in base:
        kind = spec.get("type")
        if kind not in by_policy:
            out.append(dict(spec))
        elif (d := doses(kind)) is not None:
            out.append({**spec, **d})
    in_base = {spec.get("type") for spec in base}
    for kind in by_policy:
        if kind not in in_base and (d := doses(kind)) is not None:
            out.append({"type": kind, "start": 0, **d})
    return out


# ---------------------------------------------------------------------- presets
@functools.lru_cache(maxsize=1)
def presets() -> dict[str, Path]:
    """Scenario files with policies, by French label (the scenario's territory is not used:
    the preset applies its policies to the territory chosen on the page)."""
    out = {}
    for path in sorted(SETUP.presets_dir.glob("*.toml")):
        try:
            sc = scn.load(path)
        except scn.ScenarioError as exc:
            log.warning("preset skipped: %s", exc)
            continue
        if sc.policies:
            out[PRESET_NAMES.get(sc.name, sc.description or sc.name)] = path
    return out


def load_preset(path: Path) -> tuple[dict[str, float | bool], list[dict]]:
    """Control values and base specs of a scenario file: each slider takes the value its
    policy resolves to (the policy's default when the file omits the key), each switch its
    parameter (or on, for a policy's own switch); controls of policies absent from the file
    go to "none" and off."""
    sc = scn.load(path)
    controls = sliders()
    values = {s.name: s.none if s.none is not None else s.default for s in controls}
    values |= {w.name: False for w in switches()}
    for spec, pol in zip(sc.policies, sc.build_policies(), strict=True):
        for s in controls:
            if s.policy != spec["type"]:
                continue
            v = pol.values[s.key]
            if v is None and s.name == "participation":  # calibrated to ~300 volunteers
                v = min(1.0, pol.VOLUNTEERS_REPORTED / max(solidarity.national_eligible(pol), 1))
            v = min(max(round(float(v) / s.step) * s.step, s.min), s.max)
            values[s.name] = int(round(v)) if s.integer else round(v, 6)
        for w in switches():
            if w.policy == spec["type"]:
                values[w.name] = True if w.key is None else bool(pol.values[w.key])
    return values, [dict(p) for p in sc.policies]


def preset_weeks(path: Path) -> int:
    """The scenario's horizon in weeks (its ``years``): where the page's runs stop."""
    return scn.load(path).weeks


def describe(specs: list[dict]) -> list[str]:
    """One French line per policy of a run: its doses and when it starts."""
    if not specs:
        return ["Aucune mesure : la simulation est la référence elle-même."]
    lines = []
    for spec in specs:
        kind = spec["type"]
        parts = []
        controls = [s for s in sliders() if s.policy == kind]
        for s in controls:
            if s.key in spec:
                parts.append(f"{s.label.split(' : ', 1)[-1]} {s.show(spec[s.key])}")
        for k, v in spec.items():
            if k in ("type", "start", "name") or any(s.key == k for s in controls):
                continue
            parts.append(EXTRA_KEYS[k](v) if k in EXTRA_KEYS else f"{k} = {v}")
        start = spec.get("start", 0)
        if isinstance(start, str):
            y, m = (int(x) for x in start.split("-")[:2])
            when = f"à partir de {ff.month(START_YEAR, 12 * (y - START_YEAR) + m - 1)}"
        else:
            when = "dès le début" if not start else f"à partir de la semaine {start}"
        detail = "; ".join(parts)
        lines.append(f"{policy_label(kind)} : {detail + ', ' if detail else ''}{when}")
    return lines


# ---------------------------------------------------------------------- territories
@functools.lru_cache(maxsize=1)
def territory_choices() -> list[str]:
    """France entière, then the régions and départements that hold communes (some
    collectivités, e.g. Saint-Martin or Wallis-et-Futuna, are named but have none)."""
    t = terr.load()
    c = t.communes
    regions = sorted(n for k, n in t.names["region"].items() if (c.region == k).any())
    deps = [f"{k} {n}" for k, n in sorted(t.names["departement"].items())]
    deps = [d for d in deps if (c.departement == d.split(" ", 1)[0]).any()]
    return [FRANCE, *regions, *deps]


def select_territory(choice: str) -> terr.Territory:
    t = terr.load()
    if choice == FRANCE:
        return t
    if choice in t.names["region"].values():
        return t.select(region=choice)
    return t.select(departement=choice.split(" ", 1)[0])
