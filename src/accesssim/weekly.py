"""One week of patient flows, as a pure function of the state arrays and the parameters.

Vectorised over all cohorts (commune × age band × médecin-traitant status) at once:

1. need: each cohort requests its band's annual rate / 52, plus its backlog;
2. people without a médecin traitant (MT) send a share of their new need to the emergency
   department (ED); a share of new need is forgone up front ("friction": travel time to the
   nearest GP, waiting, age);
3. telemedicine takes its eligible share, within ``tele_cap_per_gp`` of GP capacity;
4. in-person requests are allocated to GP capacity by capacity-constrained gravity
   (``allocation.py``), MT holders first on regular capacity, then everyone still waiting on
   what is left plus ``capacity_flex``;
5. what is not served goes partly to the ED, is partly given up (forgone), the rest waits.

Conservation (checked here): new need = in person + tele + ED + forgone + change in backlog;
no negative state; capacity used ≤ capacity.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from accesssim.allocation import allocate

WEEKS_PER_YEAR = 52
FLOWS = ("needed", "in_person", "tele", "ed", "forgone")


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
    wait_weeks: np.ndarray  # per commune
    tele_uptake: np.ndarray  # (communes, bands)
    gp_capacity: np.ndarray  # consultations this week per GP (policies applied)
    gp_commune: np.ndarray
    extra_capacity: np.ndarray  # per commune (e.g. volunteers' days)
    service: np.ndarray  # communes that may hold capacity (allocation destinations)
    weights: object  # sparse (communes × service) gravity weights
    weights_t: object


@dataclass
class WeekFlows:
    """What a week produces: flows by commune × band (summed over MT status), the new
    backlog and waiting, capacity and its use per commune."""

    needed: np.ndarray
    in_person: np.ndarray
    tele: np.ndarray
    ed: np.ndarray
    forgone: np.ndarray
    ed_direct: np.ndarray  # by commune (from lacking an MT)
    ed_unserved: np.ndarray  # by commune (unserved need)
    backlog: np.ndarray  # (communes, bands, 2) at the end of the week
    wait_weeks: np.ndarray
    used: np.ndarray  # consultations given per commune
    capacity: np.ndarray  # capacity per commune, flex included
    gp_utilisation: np.ndarray

    def as_dict(self) -> dict[str, np.ndarray]:
        return {k: getattr(self, k) for k in FLOWS}


def simulate_week(s: WeekState, p: dict, check: bool = True) -> WeekFlows:
    """One week of flows from state ``s`` and parameters ``p``; raises ``InvariantError``
    (when ``check``) unless need is conserved and nothing is negative."""
    n = len(s.people)
    new = s.people * (s.rate / WEEKS_PER_YEAR)[None, :, None]
    request = new + s.backlog

    ed_direct = np.zeros_like(new)
    ed_direct[..., 1] = new[..., 1] * p["ed_without_mt_rate"]
    friction = (
        p["forgo_base"]
        * np.asarray(p["forgo_age_rr"], float)[None, :]
        * (1 + p["forgo_travel_per_10min"] * np.minimum(s.nearest_gp_minutes, 120)[:, None] / 10)
        * (1 + p["forgo_wait_per_week"] * s.wait_weeks[:, None])
    )
    forgo_pre = np.minimum(new * np.minimum(friction, 0.9)[..., None], new - ed_direct)
    seek = request - ed_direct - forgo_pre

    cap = s.gp_capacity
    tele_want = seek * s.tele_uptake[..., None]
    tele_cap = p["tele_cap_per_gp"] * cap.sum()
    want = tele_want.sum()
    tele = tele_want * (min(1.0, tele_cap / want) if want > 0 else 0.0)
    in_person_cap = cap * (1 - tele.sum() / cap.sum()) if cap.sum() > 0 else cap
    capacity = np.bincount(s.gp_commune, weights=in_person_cap, minlength=n) + s.extra_capacity

    rest = seek - tele
    rounds = int(p["allocation_rounds"])
    offer = capacity[s.service]
    if not np.isclose(offer.sum(), capacity.sum()):
        raise RuntimeError(
            "capacity outside the service communes: call "
            "update_service_communes() when adding capacity somewhere new"
        )
    # pass 1: patients with a médecin traitant, on regular capacity
    d1 = rest[..., 0].sum(1)
    s1, u1 = allocate(d1, offer, s.weights, rounds, s.weights_t)
    # pass 2: everyone still waiting (MT holders left over, people without one), on what
    # is left plus the extra GPs give under pressure (capacity_flex)
    left1 = d1 - s1
    d2 = left1 + rest[..., 1].sum(1)
    flex = offer * p["capacity_flex"]
    s2, u2 = allocate(d2, offer - u1 + flex, s.weights, rounds, s.weights_t)
    used = np.zeros(n)
    used[s.service] = u1 + u2
    capacity = capacity.copy()
    capacity[s.service] += flex
    f2 = np.divide(s2, d2, out=np.zeros_like(s2), where=d2 > 0)
    f1 = np.divide(s1 + left1 * f2, d1, out=np.zeros_like(s1), where=d1 > 0)
    frac = np.stack([f1, f2], axis=-1)
    in_person = rest * frac[:, None, :]
    unserved = np.maximum(rest - in_person, 0)
    ed_unserved = unserved * p["ed_unserved_rate"]
    give_up = unserved * p["giveup_unserved"]
    backlog = unserved - ed_unserved - give_up

    utilisation = np.divide(used, capacity, out=np.zeros_like(used), where=capacity > 0)
    served = (in_person + tele).sum(axis=(1, 2))
    wait_weeks = np.minimum(
        np.divide(backlog.sum(axis=(1, 2)), served, out=np.zeros_like(served), where=served > 0),
        WEEKS_PER_YEAR,
    )
    out = WeekFlows(
        needed=new.sum(-1),
        in_person=in_person.sum(-1),
        tele=tele.sum(-1),
        ed=(ed_direct + ed_unserved).sum(-1),
        forgone=(forgo_pre + give_up).sum(-1),
        ed_direct=ed_direct.sum(axis=(1, 2)),
        ed_unserved=ed_unserved.sum(axis=(1, 2)),
        backlog=backlog,
        wait_weeks=wait_weeks,
        used=used,
        capacity=capacity,
        gp_utilisation=utilisation[s.gp_commune],
    )
    if check:
        check_week(s, out)
    return out


def check_week(s: WeekState, f: WeekFlows) -> None:
    """Raise InvariantError unless conservation and positivity hold for this week."""
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
