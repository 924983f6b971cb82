"""The dashboard's engine: a policy run and its same-seed baseline twin, stepped together
under a lock in a worker thread, publishing immutable snapshots.

Why a module of its own: this is everything the page shows computed from the model, and
nothing drawn; the tests drive it without a browser. The page never reads the live models:
after each batch of steps the run publishes a ``Snapshot`` (week, series, maps, effects),
and everything on screen comes from the same snapshot. The per-EPCI map values are the
registry's indicators (``outputs.indicators``), keyed by the registry's names.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from types import SimpleNamespace

import numpy as np

from accesssim.core import metrics
from accesssim.dashboard import fmt as ff
from accesssim.dashboard.controls import (
    DEFAULT_TERRITORY,
    NO_PRESET,
    START_YEAR,
    default_values,
    policy_specs,
    select_territory,
)
from accesssim.dashboard.effects import policy_effects
from accesssim.geo import priority
from accesssim.geo import territory as terr
from accesssim.model.access_model import MONTH_ENDS, WEEKS_PER_YEAR, AccessModel
from accesssim.policies import base as policy_base
from accesssim.policies import registry

PUBLISH_EVERY_S = 0.3  # a running batch refreshes the page at most this often


@dataclass(frozen=True)
class Settings:
    territory: str = DEFAULT_TERRITORY
    seed: int = 1
    values: dict = field(default_factory=default_values)
    preset: str = NO_PRESET
    base: tuple = ()  # the preset's [[policies]] specs


# the three views of a snapshot's per-EPCI values (``Snapshot.values``)
VIEWS = ("Avec mesures", "Référence (sans mesure)", "Différence (mesures − référence)")


@dataclass(frozen=True)
class Snapshot:
    """Everything the page shows, taken from one model state (never mutated)."""

    settings: Settings
    specs: list
    territory: terr.Territory
    week: int
    epci: dict  # (registry indicator name, "policy" | "baseline") -> value per EPCI
    by_epci: dict  # "policy" | "baseline" -> {"needed", "forgone", "ed"} per EPCI
    effects: dict
    months: list  # month labels
    monthly: dict  # "rate_policy", "rate_baseline", "ed_policy", "ed_baseline"
    priority: np.ndarray  # per EPCI: on the completed list of 151
    confirmed: np.ndarray  # per EPCI: on the confirmed list
    step_ms: float  # mean time of one week, both runs
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


DELIVERED_STOCKS = {"volunteers", "pharmacy_points", "juniors_active", "msps_running",
                    "installations_redirected_cap_epcis", "mcs", "practices_open"}  # fmt: skip


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
        self.total_ms = 0.0  # all weeks stepped: the page shows the mean, not the last week

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
        self.total_ms += self.step_ms

    def cost(self) -> float:
        m = self.models["policy"]
        booked = sum(r["cost_eur"] for r in m.policy_rows)
        return booked + sum(p.year.get("cost_eur", 0.0) for p in m.policies)

    def delivered(self) -> list[tuple[str, dict]]:
        """What each policy did since the start, from its yearly rows and the current year:
        flows summed, stocks (volunteers, MSPs running...) at their largest. Two more keys say
        why a figure is zero: ``start_week`` (the policy's start) and ``no_effect_reason``
        (``policies.base.no_effect`` on the rows so far: its reason, or None when it acted)."""
        m = self.models["policy"]
        out = []
        for p in m.policies:
            rows = [r for r in m.policy_rows if r["policy"] == p.name] + [p.year]
            total = {}
            for k, v in p.year.items():
                if not isinstance(v, int | float):  # e.g. the year's no_effect_reason text
                    continue
                vals = [float(r.get(k, 0.0)) for r in rows]
                total[k] = max(vals) if k in DELIVERED_STOCKS else sum(vals)
            so_far = [*(r for r in m.policy_rows if r["policy"] == p.name),
                      {"policy": p.name, **p.year}]  # fmt: skip
            total["start_week"] = p.start_week
            total["no_effect_reason"] = policy_base.no_effect(p, m, so_far)
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
            epci[("renoncement_rate", w)] = np.divide(
                by["forgone"], by["needed"], out=nan.copy(), where=by["needed"] > 0
            )
            epci[("apl", w)] = metrics.group_mean(m.current_apl(), c.population * core, c.epci, n)
            epci[("ed_per_1000", w)] = np.divide(
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
            step_ms=self.total_ms / max(self.week, 1),  # the mean over the weeks stepped
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
