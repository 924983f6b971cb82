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
@dataclass(frozen=True)
class ResolvedSlider:
    """One policy dose on the page, resolved from its one declaration (a ``policies.Slider``
    on the policy class, bounds from the policy's ``Param``): what the page draws, not what a
    policy declares. ``none`` is the value meaning
    "no policy": a policy runs only when none of its sliders is at it."""

    name: str
    label: str
    unit: str
    min: float
    max: float
    step: float
    default: float
    policy: str
    key: str
    none: float
    percent: bool = False
    integer: bool = False

    def show(self, v: float) -> str:
        unit = self.unit
        if not unit and self.none:  # e.g. telemedicine: the share without the policy
            unit = f"(référence {ff.percent(self.none, 0) if self.percent else self.none})"
        if self.percent:
            return f"{ff.percent(v, 1)} {unit}".strip()
        return f"{ff.number(v, 0 if self.integer else 2)} {unit}".strip()


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
                    none=cast(sl.off), percent=sl.percent, integer=integer,
                )
            )  # fmt: skip
    return tuple(out)


def default_values() -> dict[str, float]:
    return {s.name: s.default for s in sliders()}


def policy_specs(values: dict[str, float], base: list[dict] = ()) -> list[dict]:
    """The ``[[policies]]`` specs a run uses: the preset's specs (``base``) with their doses
    replaced by the slider values, plus the slider policies the preset lacks (starting at
    week 0). A slider policy at its "none" value is left out, so a run without any policy
    is the baseline itself. An unknown control name is an error."""
    controls = sliders()
    unknown = set(values) - {s.name for s in controls}
    if unknown:
        raise ValueError(
            f"dashboard: unknown control(s) {sorted(unknown)}; "
            f"known {sorted(s.name for s in controls)}"
        )
    values = {s.name: s.default for s in controls} | dict(values)
    by_policy: dict[str, list[ResolvedSlider]] = {}
    for s in controls:
        by_policy.setdefault(s.policy, []).append(s)

    def doses(kind):
        sl = by_policy[kind]
        if any(abs(values[s.name] - s.none) < s.step / 2 for s in sl):
            return None
        return {s.key: int(values[s.name]) if s.integer else float(values[s.name]) for s in sl}

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


def load_preset(path: Path) -> tuple[dict[str, float], list[dict]]:
    """Slider values and base specs of a scenario file: each slider takes the value its
    policy resolves to (the policy's default when the file omits the key); sliders of
    policies absent from the file go to "none"."""
    sc = scn.load(path)
    controls = sliders()
    values = {s.name: s.none for s in controls}
    for spec, pol in zip(sc.policies, sc.build_policies(), strict=True):
        for s in controls:
            if s.policy != spec["type"]:
                continue
            v = pol.values[s.key]
            if v is None and s.name == "participation":  # calibrated to ~300 volunteers
                v = min(1.0, pol.VOLUNTEERS_REPORTED / max(solidarity.national_eligible(pol), 1))
            v = min(max(round(float(v) / s.step) * s.step, s.min), s.max)
            values[s.name] = int(round(v)) if s.integer else round(v, 6)
    return values, [dict(p) for p in sc.policies]


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
