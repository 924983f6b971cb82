"""One week of patient flows, as a pure function of the state arrays and the parameters.

Vectorised over all cohorts (commune × age band × médecin-traitant status) at once; the care
path is documented in docs/ODD.md §3 ("Care path"):

1. requests = this week's new need (band's annual rate / 52) + the backlog (requests waiting);
2. **GP-treatable ED visits**: each request goes to the emergency department with a probability
   ``ed_base_rate`` × ``ed_without_mt_rr`` (if the person has no médecin traitant) ×
   exp(−``ed_distance_per_10min`` × (ED minutes − GP minutes) / 10) × (1 + ``ed_wait_per_week``
   × waiting weeks) (× a policy's ``ed_factor`` per commune, if any). Split by cause:
   requests already waiting (``ed_waiting``), new need of
   people without an MT (``ed_no_mt``), new need of people with one (``ed_other``);
3. a share of new need is forgone up front ("friction": travel time to the nearest GP, waiting,
   age);
4. telemedicine takes its eligible share; each GP's teleconsultations stay within
   ``tele_cap_per_gp`` of that GP's acts (in person + tele); what the cap refuses waits;
5. in-person requests are allocated to GP capacity by capacity-constrained gravity
   (``allocation.py``), MT holders first on regular capacity, then everyone still waiting on
   what is left plus ``capacity_flex``; GP time set aside for teleconsultations that the cap
   refuses goes back to in-person care in a third pass (refused teleconsultations and
   unserved requests on that time), so no GP time is lost;
6. unserved requests are given up (forgone) with a weekly probability rising with waiting,
   ``giveup_unserved`` × (1 + ``giveup_wait_per_week`` × waiting weeks); the rest waits (the
   backlog, which meets step 2 again next week). Waiting weeks per commune = backlog / served
   per week (Little's law).

Patients react to a **perceived** wait (``WeekState.wait_weeks``), not to last week's ratio:
an exponential average of the weekly waits with time constant ``wait_smoothing_weeks``
(weight 1 − exp(−1/τ) on the new week; τ = 0 is the raw ratio). With the raw ratio, a commune
whose wait responds steeply to its own wait (slope below −1: give-up empties the backlog, the
wait falls, the backlog refills) alternates between two states for ever (docs/ODD.md §3).

Conservation (checked here): new need = in person + tele + ED + forgone + change in backlog;
no negative state; capacity used ≤ capacity; tele share of every GP ≤ its cap; each GP's
teleconsultations + in-person capacity = its capacity.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from accesssim.core.allocation import allocate

WEEKS_PER_YEAR = 52
FLOWS = ("needed", "in_person", "tele", "ed", "forgone")
ED_CAUSES = ("ed_no_mt", "ed_waiting", "ed_other")  # GP-treatable ED visits, by cause
ED_DIFF_CLIP = (-30.0, 120.0)  # minutes: ED nearer than the GP by at most 30, further by 120
MAX_WEEKLY_PROBABILITY = 0.9  # no weekly choice probability reaches 1 (numerical guard)


def cohort_layout(x: np.ndarray) -> np.ndarray:
    """A cohort array (communes, bands, 2) stored commune-fastest (Fortran order). Every
    operation of the week then runs over contiguous runs of communes; with the default
    layout numpy loops over the 2-long last axis and the week is ~3× slower (benchmarks/).
    Results do not depend on the layout, only speed does."""
    return np.asfortranarray(x)


def by_band(x: np.ndarray) -> np.ndarray:
    """(communes, bands, 2) → (communes, bands), summed over médecin-traitant status
    (an addition: ``sum`` over a 2-long axis is ~20× slower)."""
    return x[..., 0] + x[..., 1]


def by_commune(x: np.ndarray) -> np.ndarray:
    """(communes, ...) → (communes,): each commune's cells summed, as a product with a
    vector of ones (a BLAS call; ``sum`` over short inner axes is ~8× slower)."""
    flat = np.reshape(x, (len(x), -1), order="A")  # a view in either layout
    return flat @ np.ones(flat.shape[1])


class InvariantError(AssertionError):
    """A conservation or positivity check failed."""


@dataclass
class WeekState:
    """What a week reads. Cohort arrays are (communes, bands, 2): index 0 of the last axis is
    people with an MT, 1 without."""

    people: np.ndarray
    backlog: np.ndarray
    rate: np.ndarray  # consultations per person per year, by band
    nearest_gp_minutes: np.ndarray  # per commune
    wait_weeks: np.ndarray  # per commune, the perceived wait patients react to (smoothed)
    tele_uptake: np.ndarray  # (communes, bands)
    gp_capacity: np.ndarray  # consultations this week per GP (policies applied)
    gp_commune: np.ndarray
    extra_capacity: np.ndarray  # per commune (e.g. volunteers' days)
    service: np.ndarray  # communes that may hold capacity (allocation destinations)
    weights: object  # sparse (communes × service) gravity weights
    weights_t: object
    ed_minutes: np.ndarray | None = None  # per commune, to the nearest ED (None: as the GP)
    # per commune, multiplies the ED propensity (policies diverting GP-treatable ED visits to
    # funded same-day care); None: no change (the baseline, bit for bit)
    ed_factor: np.ndarray | None = None
    # this week's need relative to the year's mean week (the seasonal profile; 1: none)
    need_factor: float = 1.0
    # this week's GP-treatable ED propensity relative to the year's mean (seasonal; 1: none)
    ed_season_factor: float = 1.0


@dataclass
class WeekFlows:
    """What a week produces: flows by commune × band (summed over MT status), the new
    backlog and waiting, capacity and its use per commune."""

    needed: np.ndarray
    in_person: np.ndarray
    tele: np.ndarray
    ed: np.ndarray
    forgone: np.ndarray
    ed_no_mt: np.ndarray  # by commune: new need of people without an MT
    ed_waiting: np.ndarray  # by commune: requests that were waiting
    ed_other: np.ndarray  # by commune: new need of people with an MT
    backlog: np.ndarray  # (communes, bands, 2) at the end of the week
    waiting: np.ndarray  # the backlog per commune
    wait_weeks: np.ndarray  # this week's wait per commune, backlog / served (Little's law)
    perceived_wait: np.ndarray  # the smoothed wait patients react to next week
    used: np.ndarray  # consultations given per commune
    capacity: np.ndarray  # capacity per commune, flex included
    gp_utilisation: np.ndarray
    gp_tele: np.ndarray  # teleconsultations per GP
    gp_in_person: np.ndarray  # in-person consultations per GP
    gp_in_capacity: np.ndarray  # regular in-person capacity per GP (its capacity − its tele)

    def as_dict(self) -> dict[str, np.ndarray]:
        return {k: getattr(self, k) for k in FLOWS}

    def ed_by_cause(self) -> dict[str, np.ndarray]:
        return {k: getattr(self, k) for k in ED_CAUSES}


def ed_distance_factor(s: WeekState, p: dict) -> np.ndarray:
    """Relative ED propensity per commune from how much further the ED is than the nearest GP
    (1 when they are as near; unknown or unreachable EDs count as the furthest)."""
    if s.ed_minutes is None:
        return np.ones(len(s.people))
    lo, hi = ED_DIFF_CLIP
    ed_ok = np.isfinite(s.ed_minutes)
    gp = np.where(np.isfinite(s.nearest_gp_minutes), s.nearest_gp_minutes, 0.0)
    diff = np.where(ed_ok, np.clip(np.where(ed_ok, s.ed_minutes, 0.0) - gp, lo, hi), hi)
    return np.exp(-p["ed_distance_per_10min"] * diff / 10)


def ed_probability(s: WeekState, p: dict) -> np.ndarray:
    """Weekly probability that a GP-treatable request goes to the ED, (communes, 1, 2)."""
    base = (
        p["ed_base_rate"]
        * ed_distance_factor(s, p)
        * (1 + p["ed_wait_per_week"] * np.asarray(s.wait_weeks, float))
    )
    if s.ed_factor is not None:
        base = base * s.ed_factor
    if s.ed_season_factor != 1.0:
        base = base * s.ed_season_factor
    q = np.empty((len(base), 1, 2), order="F")  # the cohort layout (cohort_layout)
    q[:, 0, 0] = base
    q[:, 0, 1] = base * p["ed_without_mt_rr"]
    return np.minimum(q, MAX_WEEKLY_PROBABILITY, out=q)


def smoothing_weight(tau_weeks: float) -> float:
    """Weight of the new week in the perceived wait: 1 − exp(−1/τ) (1 when τ = 0: the raw
    wait), the discrete form of an exponential average with time constant τ weeks."""
    return 1.0 if tau_weeks <= 0 else float(-np.expm1(-1.0 / tau_weeks))


def perceived_wait(previous: np.ndarray, this_week: np.ndarray, tau_weeks: float) -> np.ndarray:
    """The wait patients react to next week: the previous perceived wait moved towards this
    week's wait by ``smoothing_weight(tau_weeks)``."""
    a = smoothing_weight(tau_weeks)
    if a == 1.0:
        return this_week
    prev = np.asarray(previous, float)
    return prev + a * (this_week - prev)


def simulate_week(s: WeekState, p: dict, check: bool = True) -> WeekFlows:
    """One week of flows from state ``s`` and parameters ``p``; raises ``InvariantError``
    (when ``check``) unless need is conserved and nothing is negative.

    Every cohort flow is the cohort's requests times factors that depend on the commune,
    the band or the MT status only, so the factors are formed on those small arrays and
    the (communes, bands, 2) arrays are touched about a dozen times a week (the step is
    bound by memory traffic; see benchmarks/). Fastest when the cohort arrays are in
    ``cohort_layout``."""
    n = len(s.people)
    new = s.people * (np.asarray(s.rate, float) * s.need_factor / WEEKS_PER_YEAR)[None, :, None]
    backlog0 = s.backlog

    # 2. GP-treatable ED visits, by cause: probability q per commune and MT status
    q = ed_probability(s, p)  # (communes, 1, 2)
    q0, q1 = q[:, 0, 0], q[:, 0, 1]
    new_mt, new_no_mt = by_commune(new[..., 0]), by_commune(new[..., 1])
    ed_no_mt = q1 * new_no_mt
    ed_other = q0 * new_mt
    ed_waiting = q0 * by_commune(backlog0[..., 0]) + q1 * by_commune(backlog0[..., 1])
    ed = by_band((new + backlog0) * q)
    # 3. friction forgoing of new need that did not go to the ED
    friction = np.asfortranarray(
        p["forgo_base"]
        * np.asarray(p["forgo_age_rr"], float)[None, :]
        * (1 + p["forgo_travel_per_10min"] * np.minimum(s.nearest_gp_minutes, 120)[:, None] / 10)
        * (1 + p["forgo_wait_per_week"] * s.wait_weeks[:, None])
    )
    np.minimum(friction, MAX_WEEKLY_PROBABILITY, out=friction)
    not_ed = 1 - q
    new_left = new * not_ed
    forgo_pre = by_band(new_left) * friction  # (communes, bands)
    new_left *= (1 - friction)[..., None]
    seek = backlog0 * not_ed
    seek += new_left  # requests still looking for a GP this week

    # 4. telemedicine: provisional share of every GP in proportion to its capacity
    cap = s.gp_capacity
    c_tele = p["tele_cap_per_gp"]
    cap_sum = cap.sum()
    uptake = np.asfortranarray(s.tele_uptake)
    want = float((by_band(seek) * uptake).sum())
    tele_given = min(want, c_tele * cap_sum)
    gp_tele = cap * (tele_given / cap_sum) if cap_sum > 0 else np.zeros_like(cap)
    gp_in_cap = cap - gp_tele
    capacity = np.bincount(s.gp_commune, weights=gp_in_cap, minlength=n) + s.extra_capacity
    tele_share = uptake * (tele_given / want if want > 0 else 0.0)  # of seek, (communes, bands)

    # 5. in-person allocation
    rest = seek * (1 - tele_share)[..., None]
    rounds = int(p["allocation_rounds"])
    offer = capacity[s.service]
    total_offer, total_capacity = offer.sum(), capacity.sum()
    if abs(total_offer - total_capacity) > 1e-8 + 1e-5 * abs(total_capacity):
        raise RuntimeError(
            "capacity outside the service communes: call "
            "update_service_communes() when adding capacity somewhere new"
        )
    # pass 1: patients with a médecin traitant, on regular capacity
    d1 = by_commune(rest[..., 0])
    s1, u1 = allocate(d1, offer, s.weights, rounds, s.weights_t)
    # pass 2: everyone still waiting (MT holders left over, people without one), on what
    # is left plus the extra GPs give under pressure (capacity_flex)
    left1 = d1 - s1
    d2 = left1 + by_commune(rest[..., 1])
    flex = offer * p["capacity_flex"]
    s2, u2 = allocate(d2, np.maximum(offer - u1, 0.0) + flex, s.weights, rounds, s.weights_t)
    used = np.zeros(n)
    used[s.service] = u1 + u2
    capacity = capacity.copy()
    capacity[s.service] += flex
    frac = np.zeros((n, 1, 2), order="F")  # share of each pass's demand served
    np.divide(s2, d2, out=frac[:, 0, 1], where=d2 > 0)
    np.divide(s1 + left1 * frac[:, 0, 1], d1, out=frac[:, 0, 0], where=d1 > 0)
    np.clip(frac, 0, 1, out=frac)  # floating-point residue only
    in_person = by_band(rest * frac)

    # the cap per GP: a GP's teleconsultations ≤ c × (its tele + its in-person acts); a
    # commune's in-person acts are shared by its GPs in proportion to their capacity
    utilisation = np.divide(used, capacity, out=np.zeros_like(used), where=capacity > 0)
    gp_in_person = gp_in_cap * (1 + p["capacity_flex"]) * utilisation[s.gp_commune]
    if c_tele < 1:
        gp_tele = np.minimum(gp_tele, c_tele / (1 - c_tele) * gp_in_person)
    kept = min(gp_tele.sum() / tele_given, 1.0) if tele_given > 0 else 0.0
    seek_b = by_band(seek)
    tele = seek_b * tele_share * kept  # refused teleconsultations wait with the unserved

    unserved = rest * (1 - frac)
    if kept < 1:
        unserved += seek * (tele_share * (1 - kept))[..., None]
    if tele_given > 0 and kept < 1:
        # the time set aside for the refused teleconsultations returns to in-person care:
        # a third pass offers it (with its flex) to everyone still unserved this week
        freed = np.maximum(cap - gp_in_cap - gp_tele, 0.0)  # per GP
        gp_in_cap = gp_in_cap + freed
        free_c = np.bincount(s.gp_commune, weights=freed, minlength=n)
        offer3 = free_c[s.service] * (1 + p["capacity_flex"])
        capacity[s.service] += offer3
        # only the columns with freed time take part (the others offer nothing: same result);
        # their transpose is used as it is (CSC), as converting it every week costs more
        cols = np.flatnonzero(offer3 > 0)
        wt3 = s.weights_t[cols]
        d3 = by_commune(unserved)
        s3, u3 = allocate(d3, offer3[cols], wt3.T, 1, wt3)  # one round (the freed time is local)
        used[s.service[cols]] += u3
        frac3 = np.zeros((n, 1, 1), order="F")
        np.divide(s3, d3, out=frac3[:, 0, 0], where=d3 > 0)
        np.clip(frac3, 0, 1, out=frac3)
        in_person += by_band(unserved * frac3)
        unserved *= 1 - frac3
        utilisation = np.divide(used, capacity, out=np.zeros_like(used), where=capacity > 0)
        gp_in_person = gp_in_cap * (1 + p["capacity_flex"]) * utilisation[s.gp_commune]

    # 6. unserved requests: given up with a probability rising with waiting, or wait
    g = np.minimum(
        p["giveup_unserved"] * (1 + p["giveup_wait_per_week"] * s.wait_weeks),
        MAX_WEEKLY_PROBABILITY,
    )
    forgone = forgo_pre + by_band(unserved) * g[:, None]
    backlog = unserved
    backlog *= (1 - g)[:, None, None]

    served = by_commune(in_person) + by_commune(tele)
    waiting = by_commune(backlog)
    wait_weeks = np.minimum(
        np.divide(waiting, served, out=np.zeros_like(served), where=served > 0),
        WEEKS_PER_YEAR,
    )
    # nobody served and someone waiting: the wait is as long as it gets
    wait_weeks[(served <= 0) & (waiting > 0)] = WEEKS_PER_YEAR
    perceived = perceived_wait(s.wait_weeks, wait_weeks, p["wait_smoothing_weeks"])
    out = WeekFlows(
        needed=by_band(new),
        in_person=in_person,
        tele=tele,
        ed=ed,
        forgone=forgone,
        ed_no_mt=ed_no_mt,
        ed_waiting=ed_waiting,
        ed_other=ed_other,
        backlog=backlog,
        waiting=waiting,
        wait_weeks=wait_weeks,
        perceived_wait=perceived,
        used=used,
        capacity=capacity,
        gp_utilisation=utilisation[s.gp_commune],
        gp_tele=gp_tele,
        gp_in_person=gp_in_person,
        gp_in_capacity=gp_in_cap,
    )
    if check:
        check_week(s, out, c_tele)
    return out


def check_week(s: WeekState, f: WeekFlows, tele_cap: float | None = None) -> None:
    """Raise InvariantError unless conservation and positivity hold for this week (and, given
    ``tele_cap``, no GP's teleconsultations exceed that share of its acts)."""
    lhs = f.needed.sum()
    rhs = (
        f.in_person.sum()
        + f.tele.sum()
        + f.ed.sum()
        + f.forgone.sum()
        + f.backlog.sum()
        - s.backlog.sum()
    )
    if not np.isclose(lhs, rhs, rtol=1e-9, atol=1e-6):
        raise InvariantError(f"need {lhs} != outcomes {rhs}")
    causes = f.ed_no_mt.sum() + f.ed_waiting.sum() + f.ed_other.sum()
    if not np.isclose(causes, f.ed.sum(), rtol=1e-9, atol=1e-6):
        raise InvariantError(f"ED by cause {causes} != ED {f.ed.sum()}")
    for name, arr in [
        ("backlog", f.backlog),
        ("people", s.people),
        *f.as_dict().items(),
        ("capacity", f.capacity),
    ]:
        if np.any(arr < -1e-9):
            raise InvariantError(f"negative {name}")
    if np.any(f.used > f.capacity * (1 + 1e-9) + 1e-9):
        raise InvariantError("GP capacity used exceeds capacity")
    time = f.gp_tele + f.gp_in_capacity
    if not np.allclose(time, s.gp_capacity, rtol=1e-9, atol=1e-9):
        raise InvariantError(
            "GP time lost: a GP's teleconsultations + in-person capacity != its capacity"
        )
    if tele_cap is not None:
        acts = f.gp_tele + f.gp_in_person
        if np.any(f.gp_tele > tele_cap * acts * (1 + 1e-9) + 1e-9):
            raise InvariantError(f"a GP's teleconsultation share exceeds {tele_cap}")
