"""Dashboard (Solara): a territory, policy doses on sliders, the effect against a baseline.

No model logic here. A run is a pair of ``AccessModel`` s with the same seed, one with the
chosen policies and one without (the baseline twin), stepped together; the policies' random
draws use their own streams (``policies.Policy._rng``), so with no policy the two runs are
identical and every difference on screen is the policy's effect.

Correct under any clicking: the page owns its controls (it does not use Mesa's SolaraViz
controller, whose play loop, interval sliders and buttons cannot be locked or hidden). One
command runs at a time: the buttons are disabled while it runs, a click that arrives before
they are is dropped, and the models are stepped under a lock. The views never read the live
models: after each batch of steps the run publishes an immutable ``Snapshot`` (week, series,
maps, effects), and everything on screen comes from the same snapshot.

Start it with ``accesssim dashboard [--region R | --departement D] [--presets DIR]`` (needs
the ``viz`` extra): the command starts a child that calls ``configure`` (the initial
territory, the presets' folder) and then serves this module with Solara in the same process.
"""

from __future__ import annotations

import csv
import functools
import html
import io
import logging
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import solara  # noqa: E402
import solara.lab  # noqa: E402

from accesssim import examples
from accesssim.core import metrics
from accesssim.dashboard import dashmap
from accesssim.dashboard import fmt as ff
from accesssim.geo import priority
from accesssim.geo import territory as terr
from accesssim.model.access_model import MONTH_ENDS, WEEKS_PER_YEAR, AccessModel
from accesssim.outputs import indicators
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
PUBLISH_EVERY_S = 0.3  # a running batch refreshes the page at most this often
PLAY_WEEKS = 20 * 52  # "play" stops by itself after 20 years


# ---------------------------------------------------------------------- set-up
@dataclass
class Setup:
    """What the page opens with: set by ``configure`` before serving, read at each render."""

    territory: str = DEFAULT_TERRITORY
    presets_dir: Path = SCENARIO_DIR


SETUP = Setup()


def configure(territory: str | None = None, presets_dir: str | Path | None = None) -> None:
    """Set the initial territory (a label of ``territory_choices``) and the folder whose
    scenario files with policies are offered as presets (default: the shipped examples)."""
    if territory is not None:
        SETUP.territory = territory
    if presets_dir is not None:
        SETUP.presets_dir = Path(presets_dir)
    presets.cache_clear()


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


def policy_label(kind: str) -> str:
    """A policy's display name (its class's ``LABEL``), else its kind."""
    cls = registry.POLICY_TYPES.get(kind)
    return (cls.LABEL if cls is not None else "") or kind


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
PRESET_NAMES = {
    "pacte_2025": "Pacte 2025 (toutes les mesures)",
    "solidarity_2025": "Jours de solidarité (volontaires, sept. 2025)",
    "solidarity_mandatory": "Jours de solidarité obligatoires (2 j/mois, 2026)",
    "msp_rollout": "Maisons de santé (10 par an)",
    "telemedicine": "Téléconsultation (6 %, points en pharmacie)",
    "docteurs_juniors": "Docteurs juniors (nov. 2026)",
}


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


EXTRA_KEYS = {  # other keys of the scenario files, in French
    "mode": lambda v: {"voluntary": "volontariat", "mandatory": "obligatoire"}.get(v, v),
    "targets": lambda v: {
        "completed": "vers les EPCI prioritaires (liste complétée)",
        "confirmed": "vers les EPCI prioritaires (liste confirmée)",
    }.get(v, f"vers {len(v)} EPCI désignés" if isinstance(v, list) else v),
    "rule": lambda v: {
        "underserved": "les EPCI les moins dotés d'abord",
        "random": "EPCI tirés au sort",
        "list": "EPCI désignés",
    }.get(v, v),
    "install_share": lambda v: f"{ff.percent(v, 0)} s'installent ensuite",
    "pharmacy_points": lambda v: "points en pharmacie" if v else "sans points en pharmacie",
    "well_served_apl": lambda v: f"EPCI bien dotés : APL ≥ {ff.number(v, 1)}",
}


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


# ---------------------------------------------------------------------- effects
def policy_effects(
    policy: dict[str, np.ndarray],
    baseline: dict[str, np.ndarray],
    in_priority: np.ndarray,
    core: np.ndarray,
    cost: float,
) -> dict:
    """Every effect figure on the page, in one place: for the priority EPCIs, elsewhere and
    in all, consultations forgone, GP-treatable ED visits and people who forwent care,
    with policies and in the baseline, and what was avoided (baseline - policy); the cost
    and the euros per avoided forgone consultation (only when clearly positive: at least
    10 and 0.1 % of the baseline's forgone consultations, else None).

    ``policy`` and ``baseline`` hold per-commune totals since the start ("needed",
    "forgone", "ed", "forwent"); ``in_priority`` and ``core`` are per-commune masks."""
    groups = {"priority": core & in_priority, "elsewhere": core & ~in_priority, "all": core}
    out: dict = {"cost": float(cost)}
    for g, mask in groups.items():
        row = {}
        for k in ("needed", "forgone", "ed", "forwent"):
            row[f"{k}_policy"] = float(policy[k][mask].sum())
            row[f"{k}_baseline"] = float(baseline[k][mask].sum())
            row[f"{k}_avoided"] = row[f"{k}_baseline"] - row[f"{k}_policy"]
        for w in ("policy", "baseline"):
            row[f"rate_{w}"] = row[f"forgone_{w}"] / row[f"needed_{w}"] if row[f"needed_{w}"] else 0
        out[g] = row
    out["eur_per_avoided"] = indicators.eur_per_avoided_run(
        cost, out["all"]["forgone_avoided"], out["all"]["forgone_baseline"]
    )
    return out


# ---------------------------------------------------------------------- runs
@dataclass(frozen=True)
class Settings:
    territory: str = DEFAULT_TERRITORY
    seed: int = 1
    values: dict = field(default_factory=default_values)
    preset: str = NO_PRESET
    base: tuple = ()  # the preset's [[policies]] specs


INDICATORS = {  # name: (unit, number format, colormap, colormap of differences)
    "Renoncement aux soins": (
        "consultations renoncées / demandées",
        lambda v: ff.percent(v, 2),
        "YlOrRd",
        "RdBu_r",
    ),
    "APL": ("APL (consultations/an/habitant)", lambda v: ff.number(v, 2), "RdYlGn", "RdBu"),
    "Urgences évitables": (
        "passages aux urgences évitables / 1 000 hab./an",
        lambda v: ff.number(v, 1),
        "PuRd",
        "RdBu_r",
    ),
}
VIEWS = ("Avec mesures", "Référence (sans mesure)", "Différence (mesures − référence)")
DIFF_FORMAT = {
    "Renoncement aux soins": lambda v: ff.points(v, 3),
    "APL": lambda v: ff.number(v, 3, signed=True),
    "Urgences évitables": lambda v: ff.number(v, 2, signed=True),
}


@dataclass(frozen=True)
class Snapshot:
    """Everything the page shows, taken from one model state (never mutated)."""

    settings: Settings
    specs: list
    territory: terr.Territory
    week: int
    epci: dict  # (indicator, "policy" | "baseline") -> value per EPCI
    by_epci: dict  # "policy" | "baseline" -> {"needed", "forgone", "ed"} per EPCI
    effects: dict
    months: list  # month labels
    monthly: dict  # "rate_policy", "rate_baseline", "ed_policy", "ed_baseline"
    priority: np.ndarray  # per EPCI: on the completed list of 151
    confirmed: np.ndarray  # per EPCI: on the confirmed list
    step_ms: float
    delivered: list  # (policy kind, {what it did: total since the start})

    @property
    def date(self) -> str:
        if self.week == 0:
            return f"début janv. {START_YEAR}"
        return ff.month(START_YEAR, month_of_week(self.week))

    def values(self, indicator: str, view: str) -> np.ndarray:
        if view == VIEWS[0]:
            return self.epci[(indicator, "policy")]
        if view == VIEWS[1]:
            return self.epci[(indicator, "baseline")]
        return self.epci[(indicator, "policy")] - self.epci[(indicator, "baseline")]


def month_of_week(week: int) -> int:
    """Month index (0 = January of the start year) of step ``week`` (1-based)."""
    year, within = divmod(week - 1, WEEKS_PER_YEAR)
    return 12 * year + int(np.searchsorted(MONTH_ENDS, within + 1, side="left"))


DELIVERED_LABELS = {  # policy year-row keys (accesssim.policies), in French
    "volunteers": "médecins volontaires",
    "days": "jours donnés",
    "consultations_offered": "consultations offertes sur place",
    "consultations_delivered": "consultations réalisées sur place",
    "home_consultations_displaced": "consultations perdues au cabinet d'origine",
    "msps_opened": "MSP ouvertes",
    "extra_teleconsultations": "téléconsultations en plus",
    "pharmacy_points": "points de téléconsultation en pharmacie",
    "juniors_active": "docteurs juniors en poste (au plus)",
    "juniors_installed": "docteurs juniors installés ensuite",
    "installations_redirected_cap_epcis": "EPCI fermés aux installations",
}
DELIVERED_STOCKS = {"volunteers", "pharmacy_points", "juniors_active", "msps_running",
                    "installations_redirected_cap_epcis"}  # fmt: skip


class TwinRun:
    """The policy run and its same-seed baseline, stepped together, with per-commune totals
    since the start (the model's own records reset each year)."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.territory = t = select_territory(settings.territory)
        self.specs = policy_specs(settings.values, list(settings.base))
        where = SimpleNamespace(path="tableau de bord", start_year=START_YEAR, weeks=None)
        chosen = [registry.from_spec(s, where) for s in self.specs]
        self.models = {
            "policy": AccessModel(t, rng=settings.seed, start_year=START_YEAR, policies=chosen),
            "baseline": AccessModel(t, rng=settings.seed, start_year=START_YEAR),
        }
        n, bands = self.models["baseline"].people.shape[:2]
        self.total = {
            w: {"needed": np.zeros(n), "ed": np.zeros(n), "forgone": np.zeros((n, bands))}
            for w in self.models
        }
        self.weekly = {w: {"needed": [], "forgone": [], "ed": []} for w in self.models}
        sirens = priority.national_selection()["sirens"]
        self.priority = np.isin(t.epcis.siren.astype(str), list(sirens))
        self.step_ms = 0.0

    @property
    def week(self) -> int:
        return self.models["policy"].steps

    def step(self) -> None:
        t0 = time.perf_counter()
        for w, m in self.models.items():
            m.step()
            f, tot = m.week_flows, self.total[w]
            tot["needed"] += f["needed"].sum(1)
            tot["ed"] += f["ed"].sum(1)
            tot["forgone"] += f["forgone"]
            for k in ("needed", "forgone", "ed"):
                self.weekly[w][k].append(m.week_totals[k])
        self.step_ms = 1000 * (time.perf_counter() - t0)

    def cost(self) -> float:
        m = self.models["policy"]
        booked = sum(r["cost_eur"] for r in m.policy_rows)
        return booked + sum(p.year.get("cost_eur", 0.0) for p in m.policies)

    def delivered(self) -> list[tuple[str, dict]]:
        """What each policy did since the start, from its yearly rows and the current year:
        flows summed, stocks (volunteers, MSPs running...) at their largest."""
        m = self.models["policy"]
        out = []
        for p in m.policies:
            rows = [r for r in m.policy_rows if r["policy"] == p.name] + [p.year]
            total = {}
            for k in p.year:
                vals = [float(r.get(k, 0.0)) for r in rows]
                total[k] = max(vals) if k in DELIVERED_STOCKS else sum(vals)
            out.append((p.kind, total))
        return out

    def _per_commune(self, w: str) -> dict[str, np.ndarray]:
        """Totals since the start; people who forwent care at least once, as in
        ``AccessModel.forwent_people`` (Poisson events over a cohort's people)."""
        tot = self.total[w]
        people = self.models[w].people.sum(-1)
        return {
            "needed": tot["needed"],
            "forgone": tot["forgone"].sum(1),
            "ed": tot["ed"],
            "forwent": metrics.people_who_forwent(tot["forgone"], people).sum(1),
        }

    def snapshot(self) -> Snapshot:
        t = self.territory
        c, e = t.communes, t.epcis
        n, core = len(e), c.core
        per = {w: self._per_commune(w) for w in self.models}
        # effects split on the confirmed 58, the one definition of run, compare and sweep
        confirmed = np.asarray(e.priority_confirmed, bool)
        effects = policy_effects(
            per["policy"], per["baseline"], confirmed[c.epci], core, self.cost()
        )
        pop = np.bincount(c.epci, weights=c.population * core, minlength=n)
        weeks = max(self.week, 1)
        epci, by_epci = {}, {}
        for w, m in self.models.items():
            by = {
                k: np.bincount(c.epci, weights=per[w][k] * core, minlength=n)
                for k in ("needed", "forgone", "ed")
            }
            by_epci[w] = by
            nan = np.full(n, np.nan)
            epci[("Renoncement aux soins", w)] = np.divide(
                by["forgone"], by["needed"], out=nan.copy(), where=by["needed"] > 0
            )
            epci[("APL", w)] = metrics.group_mean(m.current_apl(), c.population * core, c.epci, n)
            epci[("Urgences évitables", w)] = np.divide(
                1000 * by["ed"] * WEEKS_PER_YEAR / weeks, pop, out=nan.copy(), where=pop > 0
            )
            for key in list(epci):
                epci[key][~e.core] = np.nan
        monthly, months = self._monthly()
        return Snapshot(
            settings=self.settings,
            specs=self.specs,
            territory=t,
            week=self.week,
            epci=epci,
            by_epci=by_epci,
            effects=effects,
            months=months,
            monthly=monthly,
            priority=self.priority,
            confirmed=np.asarray(e.priority_confirmed, bool),
            step_ms=self.step_ms,
            delivered=self.delivered(),
        )

    def _monthly(self):
        weeks = len(self.weekly["policy"]["needed"])
        if not weeks:
            return {}, []
        idx = np.array([month_of_week(w) for w in range(1, weeks + 1)])
        nm = idx[-1] + 1
        out = {}
        count = np.bincount(idx, minlength=nm)
        for w in self.models:
            s = {k: np.bincount(idx, weights=v, minlength=nm) for k, v in self.weekly[w].items()}
            out[f"rate_{w}"] = np.divide(
                s["forgone"], s["needed"], out=np.zeros(nm), where=s["needed"] > 0
            )
            out[f"ed_{w}"] = s["ed"] / np.maximum(count, 1)
        return out, [ff.month(START_YEAR, k) for k in range(nm)]


class Session:
    """One browser page's run: one command at a time, under a lock."""

    def __init__(self):
        self.lock = threading.Lock()
        self.run: TwinRun | None = None

    def reset(self, settings: Settings) -> Snapshot:
        with self.lock:
            run = TwinRun(settings)  # on error the previous run stays on screen
            self.run = run
            return run.snapshot()

    def advance(self, weeks: int, stop: threading.Event, publish) -> Snapshot:
        """Step ``weeks`` weeks (until ``stop`` is set), publishing snapshots on the way at
        most every PUBLISH_EVERY_S, or less often when drawing them is slow (France)."""
        with self.lock:
            last, every = time.perf_counter(), PUBLISH_EVERY_S
            for _ in range(weeks):
                if stop.is_set():
                    break
                self.run.step()
                if time.perf_counter() - last > every:
                    t0 = time.perf_counter()
                    publish(self.run.snapshot())
                    last = time.perf_counter()
                    every = max(PUBLISH_EVERY_S, 3 * (last - t0))
            return self.run.snapshot()


# ---------------------------------------------------------------------- downloads
CSV_COLUMNS = (
    "epci_siren", "epci_name", "priority", "population", "weeks", "needed_policy",
    "forgone_policy", "forgone_baseline", "forgone_avoided", "ed_policy", "ed_baseline",
    "ed_avoided", "forgone_rate_policy", "forgone_rate_baseline", "apl_policy", "apl_baseline",
)  # fmt: skip


def epci_csv(snap: Snapshot) -> str:
    """The EPCI table of the current results (core EPCIs; SIRENs quoted, as text)."""
    e = snap.territory.epcis
    c = snap.territory.communes
    pop = np.bincount(c.epci, weights=c.population * c.core, minlength=len(e))
    p, b = snap.by_epci["policy"], snap.by_epci["baseline"]
    buf = io.StringIO()
    w = csv.writer(buf, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for k in np.flatnonzero(e.core):
        status = "confirmed" if snap.confirmed[k] else ("completed" if snap.priority[k] else "")
        w.writerow(
            [
                str(e.siren[k]), str(e.name[k]), status, int(round(pop[k])), snap.week,
                round(p["needed"][k], 1), round(p["forgone"][k], 1), round(b["forgone"][k], 1),
                round(b["forgone"][k] - p["forgone"][k], 1), round(p["ed"][k], 1),
                round(b["ed"][k], 1), round(b["ed"][k] - p["ed"][k], 1),
                round(float(snap.epci[("Renoncement aux soins", "policy")][k]), 6),
                round(float(snap.epci[("Renoncement aux soins", "baseline")][k]), 6),
                round(float(snap.epci[("APL", "policy")][k]), 4),
                round(float(snap.epci[("APL", "baseline")][k]), 4),
            ]
        )  # fmt: skip
    return buf.getvalue()


def map_classes(snap: Snapshot, indicator: str, view: str):
    unit, fmt, cmap, dcmap = INDICATORS[indicator]
    values = snap.values(indicator, view)
    if view == VIEWS[2]:
        return values, dashmap.class_breaks(values, DIFF_FORMAT[indicator], dcmap, diverging=True)
    return values, dashmap.class_breaks(values, fmt, cmap)


def map_title(snap: Snapshot, indicator: str, view: str) -> str:
    return f"{indicator}, {view.lower()} — {snap.territory.label}, semaine {snap.week}"


def map_svg(snap: Snapshot, indicator: str, view: str) -> tuple[str, dashmap.Classes]:
    """The map for the page, with the EPCI name and value on hover, and its classes."""
    values, classes = map_classes(snap, indicator, view)
    e = snap.territory.epcis
    fmt = DIFF_FORMAT[indicator] if view == VIEWS[2] else INDICATORS[indicator][1]
    titles = [
        f"{e.name[k]} ({e.siren[k]}) : {fmt(values[k])}"
        + (" · prioritaire" if snap.priority[k] else "")
        if e.core[k]
        else f"{e.name[k]} : zone tampon, non compté"
        for k in range(len(e))
    ]
    colors = classes.color_of(values)
    return dashmap.svg(snap.territory, colors, titles, snap.priority, snap.confirmed), classes


def map_png(snap: Snapshot, indicator: str, view: str) -> bytes:
    values, classes = map_classes(snap, indicator, view)
    return dashmap.png(
        snap.territory,
        classes.color_of(values),
        snap.priority,
        snap.confirmed,
        classes,
        map_title(snap, indicator, view),
        INDICATORS[indicator][0],
    )


# ---------------------------------------------------------------------- views
def _table(head: list[str], rows: list[list[str]], first_left=True) -> str:
    th = "".join(
        f'<th style="text-align:{"left" if i == 0 and first_left else "right"};padding:3px 8px">'
        f"{html.escape(h)}</th>"
        for i, h in enumerate(head)
    )
    body = "".join(
        "<tr>"
        + "".join(
            f'<td style="text-align:{"left" if i == 0 and first_left else "right"};'
            f'padding:3px 8px;border-top:1px solid #ddd">{html.escape(v)}</td>'
            for i, v in enumerate(r)
        )
        + "</tr>"
        for r in rows
    )
    return f'<table style="border-collapse:collapse;font-size:14px"><tr>{th}</tr>{body}</table>'


@solara.component
def EffectView(snap: Snapshot):
    ef = snap.effects
    groups = ("priority", "elsewhere", "all")
    head = ["", "EPCI prioritaires (58 confirmés)", "Ailleurs", "Total du territoire"]

    def row(label, key, f=ff.number):
        return [label, *[f(ef[g][key]) for g in groups]]

    rows = [
        row("Consultations renoncées évitées", "forgone_avoided"),
        row("Passages aux urgences évitables évités", "ed_avoided"),
        row("Personnes ayant renoncé : en moins", "forwent_avoided"),
        row("Renoncement avec mesures", "rate_policy", lambda v: ff.percent(v, 3)),
        row("Renoncement de référence", "rate_baseline", lambda v: ff.percent(v, 3)),
    ]
    per = ef["eur_per_avoided"]
    with solara.Card(f"Effet des mesures depuis le début ({snap.week} semaines)"):
        solara.HTML(tag="div", unsafe_innerHTML=_table(head, rows))
        done = [
            f"<b>{html.escape(policy_label(kind))}</b> : "
            + (
                ", ".join(
                    f"{ff.number(v)} {lab}"
                    for k, lab in DELIVERED_LABELS.items()
                    if (v := d.get(k))
                )
                or "pas encore commencé"
            )
            for kind, d in snap.delivered
        ]
        if done:
            solara.HTML(
                tag="div",
                unsafe_innerHTML="<p style='font-size:13px;margin:8px 0 0'>Ce que les mesures "
                "ont fait : " + " · ".join(done) + "</p>",
            )
        solara.HTML(
            tag="div",
            unsafe_innerHTML=(
                f'<p style="font-size:15px;margin-top:8px"><b>Coût des mesures : '
                f"{ff.euros(ef['cost'])}</b> · <b>€ par consultation renoncée évitée : "
                f"{ff.euros(per) if per is not None else 'sans objet'}</b>"
                + (
                    ""
                    if per is not None
                    else " (pas d'effet net clairement positif : moins de 10 consultations ou "
                    "de 0,1 % du renoncement de référence)"
                )
                + "</p><p style='font-size:12px;color:#555'>Comparaison avec la référence "
                "de même graine aléatoire (mêmes tirages, sans mesure). Un nombre négatif est "
                "une hausse. Une consultation offerte ne réduit le renoncement que là où des "
                "patients attendent ; les jours de solidarité sont pris sur le cabinet "
                "d'origine du volontaire (sans remplaçant), d'où des hausses possibles "
                "« Ailleurs » (déplacement). Personnes ayant renoncé : au moins une fois "
                "depuis le début, estimation du modèle. Toutes les valeurs sont modélisées.</p>"
            ),
        )


@solara.component
def MapView(snap: Snapshot, indicator: solara.Reactive, view: solara.Reactive):
    svg, classes = map_svg(snap, indicator.value, view.value)
    e = snap.territory.epcis
    with solara.Card(map_title(snap, indicator.value, view.value)):
        with solara.Row():
            solara.Select("Couleur de la carte", values=list(INDICATORS), value=indicator)
            solara.ToggleButtonsSingle(value=view, values=list(VIEWS))
        with solara.Columns([3, 1]):
            with solara.Column():
                solara.HTML(tag="div", unsafe_innerHTML=svg)
                solara.FileDownload(
                    lambda: map_png(snap, indicator.value, view.value),
                    filename="accesssim_carte.png",
                    label="Télécharger la carte (PNG)",
                )
            with solara.Column():
                solara.HTML(
                    tag="div",
                    unsafe_innerHTML=dashmap.legend_html(
                        classes, INDICATORS[indicator.value][0], not e.core.all()
                    ),
                )
                solara.Text("Survolez un EPCI pour voir son nom et sa valeur.")


@solara.component
def SeriesView(snap: Snapshot):
    s = snap.monthly
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.4))
    if snap.months:
        x = np.arange(len(snap.months))
        for ax, key, scale in ((axes[0], "rate", 100), (axes[1], "ed", 1)):
            ax.plot(x, scale * s[f"{key}_baseline"], color="grey", lw=3, alpha=0.6,
                    label="référence (sans mesure)")  # fmt: skip
            ax.plot(x, scale * s[f"{key}_policy"], color="C0", lw=1.5, label="avec mesures")
            step = int(np.ceil(len(x) / 6))
            ax.set_xticks(x[::step], snap.months[::step], fontsize=8)
    axes[0].set_title("Consultations renoncées / demandées, par mois (%)", fontsize=10)
    axes[1].set_title("Passages aux urgences évitables par semaine (moyenne du mois)", fontsize=10)
    for ax in axes:
        ax.grid(alpha=0.3)
        ticks = ax.get_yticks()
        spacing = np.diff(ticks).min() if len(ticks) > 1 else 1.0
        decimals = int(max(0, np.ceil(-np.log10(spacing) - 1e-6))) if spacing > 0 else 0
        ax.set_yticks(ticks, [ff.number(t, decimals) for t in ticks])
        ax.set_ylim(ticks[0], ticks[-1])
    if snap.months:
        axes[0].legend(fontsize=8)
    fig.tight_layout()
    with solara.Card("Évolution mensuelle (le dernier mois peut être partiel)"):
        solara.FigureMatplotlib(fig, format="png")
    plt.close(fig)


@solara.component
def TableView(snap: Snapshot):
    e = snap.territory.epcis
    rp = snap.epci[("Renoncement aux soins", "policy")]
    rb = snap.epci[("Renoncement aux soins", "baseline")]
    order = [k for k in np.argsort(-np.nan_to_num(rb, nan=-1), kind="stable") if e.core[k]][:10]
    bp, bb = snap.by_epci["policy"], snap.by_epci["baseline"]
    rows = [
        [
            str(e.name[k]),
            "confirmé" if snap.confirmed[k] else ("liste complétée" if snap.priority[k] else ""),
            ff.percent(rp[k], 2),
            ff.percent(rb[k], 2),
            ff.number(bb["forgone"][k] - bp["forgone"][k]),
            ff.number(bb["ed"][k] - bp["ed"][k]),
        ]
        for k in order
    ]
    head = ["EPCI (renoncement le plus fort)", "Prioritaire", "Avec mesures", "Référence",
            "Consult. évitées", "Urgences évitées"]  # fmt: skip
    with solara.Card("Les 10 EPCI où l'on renonce le plus (référence)"):
        solara.HTML(tag="div", unsafe_innerHTML=_table(head, rows))
        solara.FileDownload(
            lambda: epci_csv(snap).encode("utf-8"),
            filename="accesssim_epci.csv",
            label="Télécharger le tableau de tous les EPCI (CSV)",
        )


HOW_TO = (
    "1. Choisissez un territoire et, si vous voulez, un scénario prédéfini ou des doses de "
    "mesures. 2. Appuyez sur Réinitialiser pour construire la simulation avec ces réglages. "
    "3. Lancez 52 semaines (un an) ou avancez semaine par semaine. Les chiffres comparent la "
    "simulation avec mesures à une référence sans mesure, de même graine aléatoire."
)


@solara.component
def Page():
    session = solara.use_memo(Session, [])
    stop = solara.use_memo(threading.Event, [])
    snap = solara.use_reactive(None)
    busy = solara.use_reactive("")
    error = solara.use_reactive("")
    territory = solara.use_reactive(
        SETUP.territory if SETUP.territory in territory_choices() else territory_choices()[1]
    )
    seed = solara.use_reactive(1)
    values = solara.use_reactive(default_values())
    preset = solara.use_reactive(NO_PRESET)
    base = solara.use_reactive(())
    indicator = solara.use_reactive(next(iter(INDICATORS)))
    view = solara.use_reactive(VIEWS[0])
    weeks = solara.use_reactive(52)
    current = Settings(
        territory.value, int(seed.value), dict(values.value), preset.value, base.value
    )

    def work(kind: str, n: int, settings: Settings):
        try:
            if kind == "reset":
                snap.set(session.reset(settings))
            else:
                snap.set(session.advance(n, stop, snap.set))
        except Exception as exc:  # shown on the page, logged on the server
            log.exception("dashboard %s failed", kind)
            what = (
                "la simulation n'a pas pu être construite (la précédente reste affichée)"
                if kind == "reset"
                else "la simulation s'est arrêtée"
            )
            error.set(f"{what} : {type(exc).__name__}: {exc}")
        finally:
            busy.set("")

    task = solara.lab.use_task(work, dependencies=None, prefer_threaded=True)

    def start(kind: str, n: int = 0):
        if busy.value:  # a click that arrived before the buttons were disabled
            return
        if kind != "reset" and session.run is None:
            return
        labels = {"reset": "Construction de la simulation…", "play": "Lecture en cours…"}
        busy.set(labels.get(kind, f"Calcul de {n} semaine{'s' if n > 1 else ''}…"))
        error.set("")
        stop.clear()
        task(kind, n, current)

    def mount():
        start("reset")
        return stop.set  # on leaving the page, a running batch stops

    solara.use_effect(mount, [])
    s: Snapshot | None = snap.value
    pending = s is not None and s.settings != current

    solara.Title("accesssim : accès aux médecins généralistes")
    with solara.AppBar():
        solara.AppBarTitle("accesssim — accès aux médecins généralistes (simulation)")
    with solara.Sidebar():
        with solara.Card("Comment l'utiliser"):
            solara.Text(HOW_TO)
        with solara.Card("Territoire et scénario"):
            solara.Select("Territoire (région ou département)", values=territory_choices(),
                          value=territory)  # fmt: skip
            if territory.value == FRANCE:
                solara.Warning(
                    "France entière : deux simulations de 35 000 communes ; la construction "
                    "prend 10 à 20 s et chaque semaine environ 0,3 s (un an : 15 à 20 s)."
                )

            def on_preset(label):
                preset.set(label)
                if label == NO_PRESET:
                    base.set(())
                    return
                try:
                    v, b = load_preset(presets()[label])
                except Exception as exc:
                    log.exception("preset %s failed", label)
                    error.set(f"Scénario {label!r} illisible : {exc}")
                    return
                values.set(v)
                base.set(tuple(b))

            solara.Select("Scénario prédéfini (mesures seulement)",
                          values=[NO_PRESET, *presets()], value=preset.value,
                          on_value=on_preset)  # fmt: skip
            with solara.Column(classes=["slider-seed"], gap="0px"):
                solara.Text(f"Graine aléatoire : {seed.value}")
                solara.SliderInt("", value=seed, min=1, max=50, thumb_label=False)
        with solara.Card("Mesures (doses)"):
            for sl in sliders():
                v = values.value.get(sl.name, sl.default)

                def on_value(x, sl=sl):
                    x = int(x) if sl.integer else round(float(x), 6)  # no 0.030000000000000002
                    values.set({**values.value, sl.name: x})

                with solara.Column(classes=[f"slider-{sl.name}"], gap="0px"):
                    solara.HTML(
                        tag="div",
                        unsafe_innerHTML=f"<div style='font-size:13px'>{html.escape(sl.label)} :"
                        f" <b>{html.escape(sl.show(v))}</b></div>",
                    )
                    (solara.SliderInt if sl.integer else solara.SliderFloat)(
                        "",
                        value=v,
                        min=sl.min,
                        max=sl.max,
                        step=sl.step,
                        on_value=on_value,
                        thumb_label=False,
                    )
            if base.value:
                solara.Text(
                    "Le scénario garde ses dates de début et ses autres réglages ; "
                    "une dose à zéro retire la mesure."
                )

    with solara.Column(style={"padding": "8px", "max-width": "1250px"}):
        with solara.Card():
            with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
                disabled = bool(busy.value)
                solara.Button("Réinitialiser", on_click=lambda: start("reset"),
                              color="primary", disabled=disabled)  # fmt: skip
                solara.Button("Avancer d'une semaine", on_click=lambda: start("step", 1),
                              disabled=disabled or s is None)  # fmt: skip
                solara.Button(f"Lancer {weeks.value} semaines",
                              on_click=lambda: start("run", int(weeks.value)),
                              color="primary", disabled=disabled or s is None)  # fmt: skip
                solara.Button("▶ Lecture continue", on_click=lambda: start("play", PLAY_WEEKS),
                              disabled=disabled or s is None)  # fmt: skip
                solara.Button("Pause", on_click=stop.set, disabled=not disabled)
            with solara.Row(style={"align-items": "center"}, classes=["slider-weeks"]):
                solara.Text(f"Semaines à lancer : {weeks.value}")
                with solara.Column(style={"width": "420px"}):
                    solara.SliderInt("", value=weeks, min=1, max=156, disabled=bool(busy.value),
                                     thumb_label=False)  # fmt: skip
            if busy.value:
                solara.ProgressLinear(True)
                solara.Text(busy.value)
            if s is not None:
                solara.HTML(
                    tag="div",
                    unsafe_innerHTML=(
                        f"<p style='font-size:16px;margin:4px 0' class='status'>"
                        f"<b>{html.escape(s.territory.label)} — semaine {s.week}</b> "
                        f"({html.escape(s.date)})"
                        + (
                            f" · dernière semaine simulée en {ff.number(s.step_ms)} ms (les "
                            "deux simulations)"
                            if s.week
                            else " · prête : lancez des semaines"
                        )
                        + "</p>"
                        "<p style='font-size:13px;margin:0'>Mesures de cette simulation : "
                        + " · ".join(html.escape(x) for x in describe(s.specs))
                        + "</p>"
                    ),
                )
            if pending:
                solara.Warning(
                    "Réglages modifiés : appuyez sur Réinitialiser pour les appliquer (la "
                    "simulation affichée garde ses réglages, rappelés ci-dessus)."
                )
            if error.value:
                solara.Error(f"Erreur : {error.value}")
        if s is None:
            solara.Text("Construction de la simulation…")
            return
        EffectView(s)
        MapView(s, indicator, view)
        SeriesView(s)
        TableView(s)


page = Page
