"""Saturation outputs (core/saturation.py, issue 19): the appointment delay and the GPs
refusing new médecin-traitant patients by hand, conservation with a live backlog, zero dose
equals the baseline with the new outputs."""

import numpy as np
import pytest
from synthetic import grid_territory
from test_weekly import P, one_commune

from accesssim.core import saturation
from accesssim.core.weekly import simulate_week
from accesssim.model.access_model import AccessModel
from accesssim.model.ledger import Ledger
from accesssim.policies import registry


def test_delay_days_by_hand():
    # 7 × backlog ÷ served a week; nothing served with a backlog: 52 weeks; nothing at all: 0
    got = saturation.delay_days(np.array([2.0, 0.0, 1.0, 0.0]), np.array([4.0, 5.0, 0.0, 0.0]))
    np.testing.assert_allclose(got, [3.5, 0.0, 364.0, 0.0])


def test_delay_summary_by_hand():
    # mean weighted by consultations served: (7 × 1 + 0 × 3) / 4
    s = saturation.delay_summary(np.array([7.0, 0.0]), np.array([1.0, 3.0]))
    assert s["mean"] == pytest.approx(1.75)
    assert s["median"] == 0.0  # three quarters wait nothing
    # one exponential of mean 5: median 5 ln 2; over 1 day e^-0.2; over 5 days e^-1
    s = saturation.delay_summary(np.array([5.0]), np.array([2.0]))
    assert s["median"] == pytest.approx(5 * np.log(2), rel=1e-9)
    assert s["over_5_days"] == pytest.approx(np.exp(-1.0))
    assert s["over_1_day"] == pytest.approx(np.exp(-0.2))
    # means 1 and 3, equal weights: e^-x + e^-x/3 = 1, i.e. y^3 + y - 1 = 0 with y = e^-x/3
    y = 0.6823278038280193  # the real root of y^3 + y - 1
    med = saturation.exponential_mixture_median(np.array([1.0, 3.0]), np.array([1.0, 1.0]))
    assert med == pytest.approx(-3 * np.log(y), rel=1e-9)


def test_delay_of_a_saturated_commune_by_hand():
    """One commune, 100 requests a week, capacity 80 + 10 % flex = 88, give-up 0.2 a week
    (no rise with waiting, no ED, no friction): the backlog settles at B = 0.8 × (100 − 88)
    / 0.2 = 48 (B = 0.8 × (100 + B − 88)), so the delay is 7 × 48 / 88 days; every week
    conserves need with the backlog live (checked inside simulate_week)."""
    p = {**P, "capacity_flex": 0.1, "giveup_unserved": 0.2, "giveup_wait_per_week": 0.0}
    s = one_commune(80.0, with_mt=100.0)
    for _ in range(200):
        f = simulate_week(s, p, check=True)
        assert f.in_person.sum() == pytest.approx(88.0)
        s.backlog, s.wait_weeks = f.backlog, f.wait_weeks
    assert f.backlog.sum() == pytest.approx(48.0, rel=1e-9)
    assert f.forgone.sum() == pytest.approx(12.0, rel=1e-9)  # the excess, once settled
    days = saturation.delay_days(f.waiting, f.in_person.sum(1) + f.tele.sum(1))
    assert days[0] == pytest.approx(7 * 48 / 88, rel=1e-9)
    # the GP's load: 88 acts on 80 delivered = 1.1 (saturated)
    load = saturation.regular_load(f.gp_utilisation, p["capacity_flex"])
    assert load[0] == pytest.approx(1.1) and load[0] >= saturation.SATURATED_LOAD


def test_refusal_share_by_hand():
    """Four GPs, flex 0.1: GP 0 at utilisation 1 then 0.5 (load 0.825, accepting), GP 1 at 1
    both weeks (load 1.1, refusing), GP 2 joins in week 2 at 1 (load 1.1, refusing), GP 3
    idle but with a full list (refusing): 3 of 4."""
    led = Ledger((1, 1), 1, 0, capacity_flex=0.1)
    led._add_gp_load(np.array([1.0, 1.0]))
    led._add_gp_load(np.array([0.5, 1.0, 1.0, 0.0]))
    load = led.gp_mean_load(4)
    np.testing.assert_allclose(load, [0.825, 1.1, 1.1, 0.0])
    refusing = saturation.refusing(load, np.array([False, False, False, True]))
    assert refusing.tolist() == [False, True, True, True]
    assert refusing.mean() == 0.75
    led.reset_year()
    assert led.gp_mean_load(4).tolist() == [0.0] * 4


def _rows(m):
    keep = ("needed", "in_person", "forgone", "mean_backlog", "delay_days", "gps_refusing")
    return [tuple(r[k] for k in keep) for r in m.yearly_rows]


def test_zero_dose_equals_the_baseline_with_saturation_outputs():
    """A territory short of GPs (live backlog, saturated GPs): solidarity days at zero
    participation leave every flow, the delay and the refusals as in the baseline."""
    grid = grid_territory(4, 3, gp=np.array([0] * 4 + [1] * 4 + [0] * 4), population=3_000)
    spec = {"type": "solidarity_days", "targets": ["900000000"], "participation": 0.0}
    base = AccessModel(grid, rng=7, cache=False, debug=True)
    pol = AccessModel(grid, rng=7, policies=[registry.from_spec(spec)], cache=False)
    base.run_for(104)
    pol.run_for(104)
    assert _rows(pol) == _rows(base)
    keys = [k for k in base.last_year if k.startswith(("delay_", "share_gps", "gp_load"))]
    np.testing.assert_array_equal(  # NaN where an APL class has no commune, in both
        [pol.last_year[k] for k in keys], [base.last_year[k] for k in keys]
    )
    # not a trivial case: requests wait and GPs are saturated
    assert base.last_year["delay_days_mean"] > 0 and base.last_year["mean_backlog"] > 0
    assert base.last_year["share_gps_saturated"] > 0
