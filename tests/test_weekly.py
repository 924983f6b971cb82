"""The weekly step as a pure function, and the workforce's draws: hand-solved cases."""

import numpy as np
import pytest
from scipy import sparse

from accesssim import parameters, workforce
from accesssim.weekly import InvariantError, WeekFlows, WeekState, check_week, simulate_week

P = {
    **parameters.defaults(),
    "forgo_base": 0.0,
    "ed_without_mt_rate": 0.0,
    "ed_unserved_rate": 0.2,
    "giveup_unserved": 0.25,
    "capacity_flex": 0.2,
    "forgo_age_rr": (1.0,),
}


def one_commune(capacity: float, with_mt=520.0, without=0.0) -> WeekState:
    w = sparse.csr_matrix(np.ones((1, 1)))
    return WeekState(
        people=np.array([[[with_mt, without]]]),
        backlog=np.zeros((1, 1, 2)),
        rate=np.array([52.0]),  # one consultation a week per person
        nearest_gp_minutes=np.zeros(1),
        wait_weeks=np.zeros(1),
        tele_uptake=np.zeros((1, 1)),
        gp_capacity=np.array([capacity]),
        gp_commune=np.array([0]),
        extra_capacity=np.zeros(1),
        service=np.array([0]),
        weights=w,
        weights_t=w.T.tocsr(),
    )


def test_enough_capacity_serves_everyone():
    f = simulate_week(one_commune(1000.0), P)
    assert f.needed.sum() == pytest.approx(520)
    assert f.in_person.sum() == pytest.approx(520)
    assert f.forgone.sum() == f.ed.sum() == f.backlog.sum() == 0


def test_short_capacity_by_hand():
    # 260 regular + 20 % flex = 312 served; 208 unserved: 20 % to the ED, 25 % given up,
    # the rest (55 %) waits
    f = simulate_week(one_commune(260.0), P)
    assert f.in_person.sum() == pytest.approx(312)
    assert f.ed.sum() == pytest.approx(0.2 * 208)
    assert f.forgone.sum() == pytest.approx(0.25 * 208)
    assert f.backlog.sum() == pytest.approx(0.55 * 208)
    assert f.wait_weeks[0] == pytest.approx(0.55 * 208 / 312)
    assert f.used[0] == pytest.approx(312) and f.capacity[0] == pytest.approx(312)


def test_people_without_mt_go_to_the_ed_first():
    p = {**P, "ed_without_mt_rate": 0.5}
    f = simulate_week(one_commune(1000.0, with_mt=0.0, without=100.0), p)
    assert f.ed_direct.sum() == pytest.approx(50) and f.in_person.sum() == pytest.approx(50)


def test_the_check_catches_a_leak():
    s = one_commune(260.0)
    f = simulate_week(s, P)
    leaky = WeekFlows(**{**f.__dict__, "forgone": f.forgone * 0.5})
    with pytest.raises(InvariantError, match="need"):
        check_week(s, leaky)


def test_exit_hazard_steps_at_the_declared_ages():
    p = parameters.defaults()
    age = np.array([40.0, 59.9, 60.0, 64.9, 65.0, 69.9, 70.0, 80.0])
    h = workforce.exit_hazard(p, age, np.zeros(len(age), np.int8))
    assert h.tolist() == [0.01, 0.01, 0.06, 0.06, 0.18, 0.18, 0.35, 0.35]
    msp = workforce.exit_hazard(p, age, np.full(len(age), workforce.MSP, np.int8))
    np.testing.assert_allclose(msp, h * p["msp_exit_factor"])


def test_activity_mean_is_acts_per_gp_whatever_the_age_mix():
    p = parameters.defaults()
    assert workforce.share_65plus(p) == pytest.approx(0.14)
    rng = np.random.default_rng(0)
    age = workforce.draw_ages(rng, p, 200_000)
    acts = workforce.draw_activity(rng, p, len(age), age)
    assert acts.mean() == pytest.approx(p["acts_per_gp"], rel=0.01)
