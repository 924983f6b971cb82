"""Seasons: a monthly profile gives weekly factors that keep the yearly rate; GP exits and
installations are spread over the year; conservation holds with a live backlog."""

import numpy as np
import pytest
from synthetic import grid_territory

from accesssim.core.seasons import weekly_factors
from accesssim.model.access_model import AccessModel

WINTER = (1.3, 1.2, 1.1, 1.0, 0.9, 0.85, 0.8, 0.75, 0.9, 1.0, 1.1, 1.2)  # a test profile


def test_weekly_factors_integrate_to_the_yearly_rate():
    f = weekly_factors(WINTER)
    assert len(f) == 52
    assert f.sum() == pytest.approx(52, rel=1e-12)  # the year's total is unchanged
    assert f[1] > f[28]  # January above July
    # by hand: week 0's mid-point is 0.115 months into January, between December's centre
    # (-0.5) and January's (0.5): 1.2 + (1.3 - 1.2) × 0.615..., before the rescaling
    t = 0.5 * 12 / 52
    raw0 = 1.2 + (1.3 - 1.2) * (t + 0.5)
    t = np.arange(52) + 0.5
    assert f[0] * np.mean(
        np.interp(t * 12 / 52, np.arange(-0.5, 13), [1.2, *WINTER, 1.3])
    ) == pytest.approx(raw0)


def test_a_flat_profile_is_exactly_one():
    assert (weekly_factors((2.0,) * 12) == 1.0).all()


@pytest.mark.parametrize("bad", [(1.0,) * 11, (-1.0,) + (1.0,) * 11, (0.0,) * 12])
def test_bad_profiles_are_refused(bad):
    with pytest.raises(ValueError, match="monthly profile"):
        weekly_factors(bad)


@pytest.fixture(scope="module")
def landes(france):
    return france.select(departement="40")


def test_the_year_integrates_to_the_yearly_rate_in_a_run(landes):
    flat = AccessModel(landes, rng=1, agents=False)
    flat.run_for(52)
    seasonal = AccessModel(landes, {"need_monthly_profile": WINTER}, rng=1, agents=False)
    seasonal.run_for(52)
    a = np.asarray(flat.datacollector.model_vars["needed"])
    b = np.asarray(seasonal.datacollector.model_vars["needed"])
    assert b.sum() == pytest.approx(a.sum(), rel=1e-9)
    f = weekly_factors(WINTER)
    assert b[1] / b[28] == pytest.approx(f[1] / f[28], rel=1e-9)  # people do not change


def test_conservation_with_a_live_backlog_and_seasons(landes):
    # no extra capacity under pressure and more need: a backlog builds; every week's
    # conservation and positivity are checked (debug)
    p = {"need_monthly_profile": WINTER, "ed_monthly_profile": WINTER, "capacity_flex": 0.0,
         "consultations_per_inhabitant": 6.0}  # fmt: skip
    m = AccessModel(landes, p, rng=1, agents=False, debug=True)
    m.run_for(30)
    assert min(m.datacollector.model_vars["backlog"][5:]) > 0


def test_gp_exits_and_installations_are_spread_over_the_year(landes):
    m = AccessModel(landes, rng=1, agents=False)
    m.run_for(52)
    due = len(m.due_installations())
    assert due == m.last_year["installations"] - m.last_year["installations_from_policies"]
    m.run_for(52)
    gps = np.asarray(m.datacollector.model_vars["gps"][52:103])  # within year 2
    assert len(np.unique(gps)) > 3  # the count changes in several months, not once
    assert len(m.due_installations()) == m.last_year["installations"]  # year 1's all arrived


def forgone_share(m, week: int) -> float:
    v = m.datacollector.model_vars
    return v["forgone"][week] / v["needed"][week]


def test_the_warm_up_starts_the_record_near_its_settled_state():
    # capacity short everywhere (one GP for 4,000 people): without warm-up the run starts with
    # no backlog and no perceived wait, so forgone care in week 1 is far below its level a
    # quarter later; the default warm-up closes most of that gap
    t = grid_territory(3, 3, gp=1, population=4_000)
    cold = AccessModel(t, {"warm_up_weeks": 0}, rng=1, agents=False, cache=False)
    cold.run_for(13)
    warm = AccessModel(t, rng=1, agents=False, cache=False)
    warm.run_for(13)
    cold_gap = abs(forgone_share(cold, 0) / forgone_share(cold, 12) - 1)
    warm_gap = abs(forgone_share(warm, 0) / forgone_share(warm, 12) - 1)
    assert cold_gap > 0.2
    assert warm_gap < cold_gap / 4
