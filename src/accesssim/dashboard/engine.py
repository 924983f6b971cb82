"""The dashboard's engine: for each seed, a policy run and its same-seed baseline twin,
all stepped together under a lock in a worker thread, publishing immutable snapshots.

Why a module of its own: this is everything the page shows computed from the model, and
nothing drawn; the tests drive it without a browser. The page never reads the live models:
after each batch of steps the run publishes a ``Snapshot`` (week, series, maps, effects),
and everything on screen comes from the same snapshot. The per-EPCI map values are the
registry's indicators (``outputs.indicators``), keyed by the registry's names.

Several seeds (``Settings.n_seeds``, seeds ``seed`` .. ``seed + n - 1``) are several twin
runs on one territory, stepped week by week in turn (the model has no seed axis to
vectorise over); the snapshot keeps every seed's values (``*_seeds``) and shows their median,
and ``effects.seed_intervals`` gives the median and 90 % interval of the effects as
``accesssim compare`` does.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field, replace
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
from accesssim.dashboard.effects import medians, policy_effects, seed_intervals
from accesssim.geo import priority
from accesssim.geo import territory as terr
from accesssim.model.access_model import MONTH_ENDS, WEEKS_PER_YEAR, AccessModel
from accesssim.policies import base as policy_base
from accesssim.policies import registry

PUBLISH_EVERY_S = 2.0  # a running batch refreshes the page at most this often: each refresh
# redraws the page (map, series) in this process, which at 0.3 s took 90 % of a 5-seed run
# (Cher, 104 weeks: 22 s at 0.3 s, 6.5 s at 2 s; docs/dashboard.md)


@dataclass(frozen=True)
class Settings:
    territory: str = DEFAULT_TERRITORY
    seed: int = 1
    values: dict = field(default_factory=default_values)
    preset: str = NO_PRESET
    base: tuple = ()  # the preset's [[policies]] specs
    n_seeds: int = 1  # seeds seed .. seed + n_seeds - 1 (compare's common random numbers)

    @property
    def seeds(self) -> list[int]:
        return list(range(int(self.seed), int(self.seed) + int(self.n_seeds)))


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
    seeds: tuple = (1,)
    # per seed (same order as ``seeds``): effects dicts, and per-EPCI arrays (seeds × EPCIs)
    effects_seeds: tuple = ()
    epci_seeds: dict = field(default_factory=dict)
    by_epci_seeds: dict = field(default_factory=dict)
    intervals: dict = field(default_factory=dict)  # effects.seed_intervals

    @property
    def date(self) -> str:
        if self.week == 0:
            return f"début janv. {START_YEAR}"
        return ff.month(START_YEAR, month_of_week(self.week))

    def values(self, indicator: str, view: str) -> np.ndarray:
        """Per EPCI, the median across seeds of the view's value (for the difference: the
        median of each seed's policy − baseline, the paired difference)."""
        if view == VIEWS[0]:
            return self.epci[(indicator, "policy")]
        if view == VIEWS[1]:
            return self.epci[(indicator, "baseline")]
        return seed_median(self.differences(indicator))

    def differences(self, indicator: str) -> np.ndarray:
        """Policy − baseline per seed and EPCI (seeds × EPCIs)."""
        if not self.epci_seeds:
            return (self.epci[(indicator, "policy")] - self.epci[(indicator, "baseline")])[None]
        return self.epci_seeds[(indicator, "policy")] - self.epci_seeds[(indicator, "baseline")]

    def avoided(self, key: str) -> np.ndarray:
        """Per EPCI, the median across seeds of baseline − policy of ``key`` ("forgone",
        "ed", "needed") since the start."""
        by = self.by_epci_seeds or {w: {k: v[None] for k, v in d.items()}
                                    for w, d in self.by_epci.items()}  # fmt: skip
        return seed_median(by["baseline"][key] - by["policy"][key])


def seed_median(a: np.ndarray) -> np.ndarray:
    """Median over the seeds axis (0) of per-seed values; NaN where every seed is NaN."""
    a = np.asarray(a, float)
    if a.shape[0] == 1:
        return a[0].copy()
    out = np.full(a.shape[1:], np.nan)
    ok = np.isfinite(a).any(0)
    if ok.any():
        out[ok] = np.nanmedian(a[:, ok], axis=0)
    return out


def month_of_week(week: int) -> int:
    """Month index (0 = January of the start year) of step ``week`` (1-based)."""
    year, within = divmod(week - 1, WEEKS_PER_YEAR)
    return 12 * year + int(np.searchsorted(MONTH_ENDS, within + 1, side="left"))


DELIVERED_STOCKS = {"volunteers", "pharmacy_points", "juniors_active", "msps_running",
                    "installations_redirected_cap_epcis", "mcs", "practices_open"}  # fmt: skip


class TwinRun:
    """The policy run and its same-seed baseline, stepped together, with per-commune totals
    since the start (the model's own records reset each year)."""

    def __init__(self, settings: Settings, territory: terr.Territory | None = None):
        self.settings = settings
        self.territory = t = (
            territory if territory is not None else select_territory(settings.territory)
        )
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
        flows summed, stocks (volunteers, MSPs running...) at their largest; text fields
        (e.g. the EPCIs a France Santé list labelled) are not counts and are left out. Two
        more keys say why a figure is zero: ``start_week`` (the policy's start) and
        ``no_effect_reason`` (``policies.base.no_effect`` on the rows so far: its reason, or
        None when it acted)."""
        m = self.models["policy"]
        out = []
        for p in m.policies:
            rows = [r for r in m.policy_rows if r["policy"] == p.name] + [p.year]
            total = {}
            for k, v in p.year.items():
                if not isinstance(v, int | float):  # text: a France Santé list, a reason
                    continue
                vals = [float(r.get(k) or 0.0) for r in rows]
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
            seeds=(self.settings.seed,),
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


class SeedRuns:
    """The twin runs of every seed of ``settings`` on one territory, stepped together; their
    snapshot holds each seed's values and shows the median (``Snapshot``)."""

    def __init__(self, settings: Settings):
        self.settings = settings
        t = select_territory(settings.territory)
        self.twins = [TwinRun(replace(settings, seed=s, n_seeds=1), t) for s in settings.seeds]
        self.step_ms = 0.0
        self.total_ms = 0.0

    @property
    def territory(self):
        return self.twins[0].territory

    @property
    def models(self):  # the first seed's twins (tests and the page's checks read them)
        return self.twins[0].models

    @property
    def week(self) -> int:
        return self.twins[0].week

    def step(self) -> None:
        t0 = time.perf_counter()
        for tw in self.twins:
            tw.step()
        self.step_ms = 1000 * (time.perf_counter() - t0)
        self.total_ms += self.step_ms

    def snapshot(self) -> Snapshot:
        snaps = [tw.snapshot() for tw in self.twins]
        first = snaps[0]
        if len(snaps) == 1:
            return replace(
                first,
                settings=self.settings,
                effects_seeds=(first.effects,),
                epci_seeds={k: v[None] for k, v in first.epci.items()},
                by_epci_seeds={
                    w: {k: v[None] for k, v in d.items()} for w, d in first.by_epci.items()
                },
                intervals=seed_intervals([first.effects]),
                step_ms=self.total_ms / max(self.week, 1),  # the mean over the weeks stepped
            )
        epci_seeds = {k: np.stack([s.epci[k] for s in snaps]) for k in first.epci}
        by_seeds = {
            w: {k: np.stack([s.by_epci[w][k] for s in snaps]) for k in first.by_epci[w]}
            for w in first.by_epci
        }
        effects_seeds = tuple(s.effects for s in snaps)
        intervals = seed_intervals(list(effects_seeds))
        effects = medians(intervals)
        monthly = {k: np.median(np.stack([s.monthly[k] for s in snaps]), 0) for k in first.monthly}

        def across(i, k, v):  # a count's median over seeds; a text (a reason) as the first's
            if not isinstance(v, int | float) or isinstance(v, bool):
                return v
            return float(np.median([s.delivered[i][1].get(k) or 0.0 for s in snaps]))

        delivered = [
            (kind, {k: across(i, k, v) for k, v in d.items()})
            for i, (kind, d) in enumerate(first.delivered)
        ]
        return replace(
            first,
            settings=self.settings,
            epci={k: seed_median(v) for k, v in epci_seeds.items()},
            by_epci={w: {k: seed_median(v) for k, v in d.items()} for w, d in by_seeds.items()},
            effects=effects,
            monthly=monthly,
            delivered=delivered,
            step_ms=self.total_ms / max(self.week, 1),  # the mean over the weeks stepped
            seeds=tuple(self.settings.seeds),
            effects_seeds=effects_seeds,
            epci_seeds=epci_seeds,
            by_epci_seeds=by_seeds,
            intervals=intervals,
        )


class Session:
    """One browser page's run: one command at a time, under a lock."""

    def __init__(self):
        self.lock = threading.Lock()
        self.run: SeedRuns | None = None

    def reset(self, settings: Settings) -> Snapshot:
        with self.lock:
            run = SeedRuns(settings)  # on error the previous run stays on screen
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
