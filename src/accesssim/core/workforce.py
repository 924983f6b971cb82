"""The GP workforce: who practises where, at what activity, with what list, and how that
changes (draws at the start, ageing, exits, installations and where they go, lists and
registration of people without a médecin traitant).

State is one array per attribute in ``Workforce`` (one entry per GP ever present; leavers
stay with ``active = False`` so indices are stable). Functions take the generator and the
parameter dict explicitly; the model (``model/state.py``) calls them and applies what they return
to patients.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from accesssim.core.allocation import allocate
from accesssim.params.parameters import ADULT_BANDS

PRACTICE_TYPES = ("solo", "group", "msp", "health_centre")
MSP = PRACTICE_TYPES.index("msp")


@dataclass
class Workforce:
    """GP arrays, aligned by GP index."""

    commune: np.ndarray
    age: np.ndarray
    practice: np.ndarray  # index into PRACTICE_TYPES
    activity: np.ndarray  # acts a year before the MSP gain
    active: np.ndarray
    list: np.ndarray  # registered adults (médecin traitant)
    accepting: np.ndarray
    utilisation: np.ndarray
    installed_week: np.ndarray
    holds_list: np.ndarray  # False for residents (docteurs juniors)

    def __len__(self) -> int:
        return len(self.commune)

    @classmethod
    def initial(cls, gp_per_commune, density_class, p: dict, rng) -> Workforce:
        """The GPs at week 0: ages, practice types and activity drawn."""
        commune = np.repeat(np.arange(len(gp_per_commune)), gp_per_commune).astype(np.int64)
        n = len(commune)
        age = draw_ages(rng, p, n)
        practice = draw_practice(rng, p, commune, density_class)
        activity = draw_activity(rng, p, n, age)
        return cls(
            commune=commune,
            age=age,
            practice=practice,
            activity=activity,
            active=np.ones(n, bool),
            list=np.zeros(n),
            accepting=np.ones(n, bool),
            utilisation=np.zeros(n),
            installed_week=np.zeros(n),
            holds_list=np.ones(n, bool),
        )

    def append(self, commune, age, practice, activity, week: float, holds_list=True) -> np.ndarray:
        """Add GPs; returns their indices."""
        n, start = len(commune), len(self)
        new = {
            "commune": np.asarray(commune, np.int64),
            "age": np.asarray(age, float),
            "practice": np.asarray(practice).astype(np.int8),
            "activity": np.asarray(activity, float),
            "active": np.ones(n, bool),
            "list": np.zeros(n),
            "accepting": np.ones(n, bool),
            "utilisation": np.zeros(n),
            "installed_week": np.full(n, week),
            "holds_list": np.full(n, bool(holds_list)),
        }
        for f in fields(self):
            setattr(self, f.name, np.concatenate([getattr(self, f.name), new[f.name]]))
        return np.arange(start, start + n)

    def annual_activity(self, p: dict) -> np.ndarray:
        """Acts per year of each GP (0 when inactive), MSP gain included."""
        gain = np.where(self.practice == MSP, 1 + p["msp_activity_gain"], 1.0)
        return self.activity * gain * self.active

    def list_cap(self, p: dict) -> np.ndarray:
        gain = np.where(self.practice == MSP, 1 + p["msp_list_gain"], 1.0)
        return p["list_cap_factor"] * p["list_size_per_gp"] * gain

    def accepting_now(self, p: dict) -> np.ndarray:
        return self.active & self.holds_list & (self.list < self.list_cap(p))


# ---------------------------------------------------------------------- draws
def draw_ages(rng, p: dict, n: int, around: float | None = None) -> np.ndarray:
    """Ages from the banded distribution, or around an installation age (sd 3, 27-60)."""
    if around is not None:
        return np.clip(rng.normal(around, 3.0, n), 27, 60)
    bands = np.asarray(p["gp_age_bands"], float)
    pick = rng.choice(len(bands), size=n, p=bands[:, 2] / bands[:, 2].sum())
    return rng.uniform(bands[pick, 0], bands[pick, 1])


def share_65plus(p: dict) -> float:
    """Share of GPs aged 65+ in the age distribution (0.14 by default)."""
    bands = np.asarray(p["gp_age_bands"], float)
    return float(bands[bands[:, 0] >= 65, 2].sum() / bands[:, 2].sum())


def draw_activity(rng, p: dict, n: int, age: np.ndarray) -> np.ndarray:
    """Annual acts per GP: gamma heterogeneity, lower after 65, mean = acts_per_gp."""
    cv = p["activity_cv"]
    raw = rng.gamma(1 / cv**2, cv**2, n) if cv > 0 else np.ones(n)
    raw = raw * np.where(age >= 65, p["activity_factor_65plus"], 1.0)
    s65 = share_65plus(p)
    norm = 1.0 / ((1 - s65) + s65 * p["activity_factor_65plus"])
    return p["acts_per_gp"] * raw * norm


def draw_practice(rng, p: dict, gp_commune: np.ndarray, density_class) -> np.ndarray:
    """MSPs group the GPs of a commune: communes are drawn (sparser first) until the MSP
    share is reached; other GPs are solo or group by the sourced shares."""
    solo, group, msp, _ = p["practice_shares"]
    counts = np.bincount(gp_commune, minlength=len(density_class))
    cand = np.flatnonzero(counts > 0)
    weight = 1.0 + density_class[cand]  # 61 % of MSPs in fragile areas (docs/sources.md)
    order = cand[np.argsort(-(rng.random(len(cand)) ** (1 / weight)))]
    target = msp * len(gp_commune)
    chosen = order[: np.searchsorted(np.cumsum(counts[order]), target) + 1]
    msp_commune = np.zeros(len(density_class), bool)
    msp_commune[chosen] = target > 0
    practice = np.where(rng.random(len(gp_commune)) < solo / (solo + group), 0, 1)
    practice[msp_commune[gp_commune]] = MSP
    return practice.astype(np.int8)


def new_practice(rng, p: dict, in_msp_commune: np.ndarray) -> np.ndarray:
    """Practice type of newly installed GPs: MSP where the commune has one, else solo with
    probability ``installation_solo_share``, else group."""
    n = len(in_msp_commune)
    solo = rng.random(n) < p["installation_solo_share"]
    return np.where(in_msp_commune, MSP, np.where(solo, 0, 1))


# ---------------------------------------------------------------------- exits
def exit_hazard(p: dict, age: np.ndarray, practice: np.ndarray) -> np.ndarray:
    """Relative yearly exit hazard by age band (rising after 60), lower in MSPs."""
    limits = np.asarray(p["exit_hazard_age_limits"], float)
    hazards = np.asarray(p["exit_hazards"], float)
    hazard = hazards[np.searchsorted(limits, age, side="right")]
    return hazard * np.where(practice == MSP, p["msp_exit_factor"], 1.0)


# ---------------------------------------------------------------------- installations
def draw_with_caps(rng, prob: np.ndarray, cap: np.ndarray, n: int) -> np.ndarray:
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


def epci_utility(p: dict, territory, core, w: Workforce, msp_commune) -> np.ndarray:
    """Logit utility of installing in each EPCI: population, colleagues, an MSP, priority
    status (installation aid), urbanity."""
    c, e = territory.communes, territory.epcis
    pop_e = np.bincount(c.epci[core], weights=c.population[core], minlength=len(e))
    gps_e = np.bincount(c.epci[w.commune[w.active]], minlength=len(e))
    msp_e = np.bincount(c.epci[msp_commune], minlength=len(e)) > 0
    dense_e = np.bincount(
        c.epci, weights=c.population * (c.density_class == 0), minlength=len(e)
    ) / np.maximum(pop_e, 1)
    return (
        np.log(np.maximum(pop_e, 1))
        + p["install_beta_colleagues"] * np.log1p(1e4 * gps_e / np.maximum(pop_e, 1))
        + p["install_beta_msp"] * msp_e
        + p["install_beta_priority"] * e.priority_confirmed
        + p["install_beta_urban"] * dense_e
    )


def communes_in(rng, territory, core, w: Workforce, epcis: np.ndarray) -> np.ndarray:
    """A commune within each chosen EPCI, by population × (1 + GPs there)."""
    c = territory.communes
    gp_c = np.bincount(w.commune[w.active], minlength=len(c))
    out = np.empty(len(epcis), np.int64)
    for k, ep in enumerate(epcis):  # a few hundred a year: not the hot path
        members = np.flatnonzero((c.epci == ep) & core)
        wt = c.population[members] * (1.0 + gp_c[members])
        out[k] = members[rng.choice(len(members), p=wt / wt.sum())] if wt.sum() > 0 else members[0]
    return out


# ---------------------------------------------------------------------- lists
def update_lists(w: Workforce, p: dict, mt_total: float, week: float) -> None:
    """Registered adults per GP: the territory's MT holders shared by activity (MSP GPs hold
    larger lists; newcomers start empty); accepting while under the list cap."""
    gain = np.where(w.practice == MSP, 1 + p["msp_list_gain"], 1.0)
    weight = w.annual_activity(p) * gain
    established = w.installed_week < week
    weight = weight * (established | (week == 0)) * w.holds_list
    w.list = mt_total * weight / weight.sum() if weight.sum() > 0 else np.zeros_like(weight)
    w.accepting = w.accepting_now(p)


def register(w: Workforce, p: dict, people: np.ndarray, service, weights, weights_t) -> None:
    """People without an MT register with accepting GPs within reach, up to their lists
    (moves people in place; raises the GPs' lists)."""
    n = len(people)
    spare = np.maximum(w.list_cap(p) - w.list, 0) * w.accepting
    spare_c = np.bincount(w.commune, weights=spare, minlength=n)[service]
    without = people[:, ADULT_BANDS, 1].sum(1)
    got, used = allocate(without * p["mt_registration_rate"], spare_c, weights, 1, weights_t)
    share = np.divide(got, without, out=np.zeros_like(got), where=without > 0)
    moved = people[:, ADULT_BANDS, 1] * share[:, None]
    people[:, ADULT_BANDS, 1] -= moved
    people[:, ADULT_BANDS, 0] += moved
    per_c = np.zeros(n)
    per_c[service] = np.divide(used, spare_c, out=np.zeros_like(used), where=spare_c > 0)
    w.list += spare * per_c[w.commune]
    w.accepting = w.accepting_now(p)


def detach(w: Workforce, idx, people: np.ndarray, service, weights, weights_t) -> None:
    """GPs ``idx`` leave: their registered adults lose their MT, spread over the cohorts
    within reach of their communes (moves people in place)."""
    lost = np.bincount(w.commune[idx], weights=w.list[idx], minlength=len(people))[service]
    mt = people[:, ADULT_BANDS, 0].sum(1)
    reach = weights_t @ mt
    ratio = np.divide(lost, reach, out=np.zeros_like(lost), where=reach > 0)
    share = np.minimum(weights @ ratio, 1.0)
    moved = people[:, ADULT_BANDS, 0] * share[:, None]
    people[:, ADULT_BANDS, 0] -= moved
    people[:, ADULT_BANDS, 1] += moved
    w.active[idx] = False
    w.list[idx] = 0
