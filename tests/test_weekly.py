"""The weekly step as a pure function, and the workforce's draws: hand-solved cases."""

import numpy as np
import pytest
from scipy import sparse

from accesssim.core import workforce
from accesssim.core.weekly import (
    InvariantError,
    WeekFlows,
    WeekState,
    by_band,
    by_commune,
    check_week,
    cohort_layout,
    simulate_week,
)
from accesssim.params import calibration as calfile

P = {
    **calfile.defaults(),
    "forgo_base": 0.0,
    "ed_base_rate": 0.0,
    "ed_without_mt_rr": 2.0,
    "ed_wait_per_week": 0.5,
    "ed_distance_per_10min": 0.2,
    "giveup_unserved": 0.25,
    "giveup_wait_per_week": 0.5,
    "capacity_flex": 0.2,
    "forgo_age_rr": (1.0,),
}


def one_commune(
    capacity: float, with_mt=520.0, without=0.0, backlog=(0.0, 0.0), wait=0.0, ed_minutes=None
) -> WeekState:
    w = sparse.csr_matrix(np.ones((1, 1)))
    return WeekState(
        people=np.array([[[with_mt, without]]]),
        backlog=np.array([[list(backlog)]], dtype=float),
        rate=np.array([52.0]),  # one consultation a week per person
        nearest_gp_minutes=np.zeros(1),
        wait_weeks=np.full(1, wait),
        tele_uptake=np.zeros((1, 1)),
        gp_capacity=np.array([capacity]),
        gp_commune=np.array([0]),
        extra_capacity=np.zeros(1),
        service=np.array([0]),
        weights=w,
        weights_t=w.T.tocsr(),
        ed_minutes=None if ed_minutes is None else np.full(1, ed_minutes),
    )


def test_enough_capacity_serves_everyone():
    f = simulate_week(one_commune(1000.0), P)
    assert f.needed.sum() == pytest.approx(520)
    assert f.in_person.sum() == pytest.approx(520)
    assert f.forgone.sum() == f.ed.sum() == f.backlog.sum() == 0


def test_short_capacity_by_hand():
    # 260 regular + 20 % flex = 312 served; 208 unserved: 25 % given up (no waiting yet),
    # the rest (75 %) waits; no ED visit (ed_base_rate 0)
    f = simulate_week(one_commune(260.0), P)
    assert f.in_person.sum() == pytest.approx(312)
    assert f.ed.sum() == 0
    assert f.forgone.sum() == pytest.approx(0.25 * 208)
    assert f.backlog.sum() == pytest.approx(0.75 * 208)
    assert f.wait_weeks[0] == pytest.approx(0.75 * 208 / 312)
    assert f.used[0] == pytest.approx(312) and f.capacity[0] == pytest.approx(312)


def test_the_backlog_lives_and_all_three_outcomes_occur():
    # 100 requests waiting (with an MT) for 2 weeks, capacity short: part goes to the ED
    # (0.1 × (1 + 0.5 × 2) = 0.2 of every request), part is given up (0.25 × (1 + 0.5 × 2)
    # = 0.5 of the unserved), the rest waits; need is conserved (checked inside)
    p = {**P, "ed_base_rate": 0.1}
    f = simulate_week(one_commune(260.0, backlog=(100.0, 0.0), wait=2.0), p)
    request = 520 + 100
    assert f.ed_waiting.sum() == pytest.approx(0.2 * 100)
    assert f.ed_other.sum() == pytest.approx(0.2 * 520)
    assert f.ed.sum() == pytest.approx(0.2 * request)
    unserved = 0.8 * request - 312
    assert f.forgone.sum() == pytest.approx(0.5 * unserved)
    assert f.backlog.sum() == pytest.approx(0.5 * unserved)
    assert f.ed.sum() > 0 and f.forgone.sum() > 0 and f.backlog.sum() > 0


def test_giving_up_rises_with_waiting():
    short = [simulate_week(one_commune(260.0, wait=w), P) for w in (0.0, 1.0, 3.0)]
    given_up = [f.forgone.sum() for f in short]
    assert given_up[0] < given_up[1] < given_up[2]


def test_ed_by_cause_and_distance_by_hand():
    # 100 people without an MT, ED 10 min further than the GP: 0.1 × 2 × exp(-0.2) of them
    p = {**P, "ed_base_rate": 0.1}
    f = simulate_week(one_commune(1000.0, with_mt=0.0, without=100.0, ed_minutes=10.0), p)
    q = 0.1 * 2 * np.exp(-0.2)
    assert f.ed_no_mt.sum() == pytest.approx(100 * q)
    assert f.ed_other.sum() == 0 and f.ed_waiting.sum() == 0
    assert f.in_person.sum() == pytest.approx(100 * (1 - q))
    # an ED nearer than the GP draws more; the difference is clipped at 30 min
    near = simulate_week(one_commune(1000.0, with_mt=0.0, without=100.0, ed_minutes=-60.0), p)
    assert near.ed.sum() == pytest.approx(100 * 0.1 * 2 * np.exp(0.6))


def test_tele_share_never_above_its_cap_per_gp():
    # two communes, one GP each; all need is in commune 0 and wants tele: the GP of commune 1
    # has no in-person acts, so it may give no teleconsultation either (a pooled cap would
    # let it give 20 % of its capacity remotely, i.e. 100 % of its acts)
    w = sparse.csr_matrix(np.eye(2))
    s = WeekState(
        people=np.array([[[520.0, 0.0]], [[0.0, 0.0]]]),
        backlog=np.zeros((2, 1, 2)),
        rate=np.array([52.0]),
        nearest_gp_minutes=np.zeros(2),
        wait_weeks=np.zeros(2),
        tele_uptake=np.ones((2, 1)),
        gp_capacity=np.array([200.0, 1000.0]),
        gp_commune=np.array([0, 1]),
        extra_capacity=np.zeros(2),
        service=np.array([0, 1]),
        weights=w,
        weights_t=w.T.tocsr(),
    )
    f = simulate_week(s, P)
    share = f.gp_tele / np.maximum(f.gp_tele + f.gp_in_person, 1e-12)
    assert share.max() <= P["tele_cap_per_gp"] + 1e-12
    assert f.gp_tele[1] == pytest.approx(0)
    assert f.tele.sum() == pytest.approx(f.gp_tele.sum())


def random_state(n=30, bands=6, seed=0) -> WeekState:
    """A random territory: every part of the week (ED, forgoing, tele, both passes, backlog)
    is active."""
    rng = np.random.default_rng(seed)
    w = sparse.random(n, n, density=0.3, random_state=seed, format="csr") + sparse.eye(n)
    w = sparse.csr_matrix(w)
    gp_commune = rng.integers(0, n, 2 * n)
    return WeekState(
        people=rng.uniform(0, 500, (n, bands, 2)),
        backlog=rng.uniform(0, 20, (n, bands, 2)),
        rate=rng.uniform(2, 6, bands),
        nearest_gp_minutes=rng.uniform(0, 40, n),
        wait_weeks=rng.uniform(0, 3, n),
        tele_uptake=rng.uniform(0, 0.3, (n, bands)),
        gp_capacity=rng.uniform(0, 60, 2 * n),
        gp_commune=gp_commune,
        extra_capacity=np.zeros(n),
        service=np.arange(n),
        weights=w,
        weights_t=w.T.tocsr(),
        ed_minutes=rng.uniform(0, 60, n),
    )


def test_the_memory_layout_changes_no_result():
    # the model keeps cohort arrays commune-fastest for speed (cohort_layout); a caller's
    # default (C-ordered) arrays give the same week
    p = {**P, "forgo_base": 0.01, "ed_base_rate": 0.02, "forgo_age_rr": (1, 1, 1, 1.2, 1.3, 1.5)}
    s = random_state()
    c = simulate_week(s, p)
    s.people, s.backlog = cohort_layout(s.people), cohort_layout(s.backlog)
    f = simulate_week(s, p)
    assert s.people.flags.f_contiguous and f.backlog.flags.f_contiguous
    for k in ("needed", "in_person", "tele", "ed", "forgone", "backlog", "wait_weeks"):
        assert np.allclose(getattr(c, k), getattr(f, k), rtol=1e-12, atol=1e-12), k
    assert c.ed.sum() > 0 and c.forgone.sum() > 0 and c.tele.sum() > 0 and c.backlog.sum() > 0


def test_fast_sums_equal_numpy_sums():
    x = np.random.default_rng(1).uniform(size=(7, 6, 2))
    for a in (x, cohort_layout(x)):
        assert np.allclose(by_band(a), a.sum(-1))
        assert np.allclose(by_commune(a), a.sum(axis=(1, 2)))
        assert np.allclose(by_commune(a[..., 1]), a[..., 1].sum(1))


def test_the_check_catches_a_leak():
    s = one_commune(260.0)
    f = simulate_week(s, P)
    leaky = WeekFlows(**{**f.__dict__, "forgone": f.forgone * 0.5})
    with pytest.raises(InvariantError, match="need"):
        check_week(s, leaky)


def test_exit_hazard_steps_at_the_declared_ages():
    p = calfile.defaults()
    age = np.array([40.0, 59.9, 60.0, 64.9, 65.0, 69.9, 70.0, 80.0])
    h = workforce.exit_hazard(p, age, np.zeros(len(age), np.int8))
    assert h.tolist() == [0.01, 0.01, 0.06, 0.06, 0.18, 0.18, 0.35, 0.35]
    msp = workforce.exit_hazard(p, age, np.full(len(age), workforce.MSP, np.int8))
    np.testing.assert_allclose(msp, h * p["msp_exit_factor"])


def test_activity_mean_is_acts_per_gp_whatever_the_age_mix():
    p = calfile.defaults()
    assert workforce.share_65plus(p) == pytest.approx(0.14)
    rng = np.random.default_rng(0)
    age = workforce.draw_ages(rng, p, 200_000)
    acts = workforce.draw_activity(rng, p, len(age), age)
    assert acts.mean() == pytest.approx(p["acts_per_gp"], rel=0.01)
