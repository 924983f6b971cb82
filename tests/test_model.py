"""The agent-based model: conservation, limiting cases, determinism, Mesa wiring."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from synthetic import grid_territory

from accesssim.model.access_model import FLOWS, AccessModel
from accesssim.model.agents import GP, PatientCohort
from accesssim.policies.base import NullPolicy


def totals(m):
    return {k: float(m.year_acc[k].sum()) for k in FLOWS}


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    nx=st.integers(2, 5),
    ny=st.integers(1, 4),
    seed=st.integers(0, 10_000),
    gp_max=st.integers(0, 6),
    weeks=st.integers(1, 60),
)
def test_conservation_on_random_territories(nx, ny, seed, gp_max, weeks, tmp_path_factory):
    rng = np.random.default_rng(seed)
    n = nx * ny
    t = grid_territory(
        nx, ny, gp=rng.integers(0, gp_max + 1, n), population=rng.integers(0, 20_000, n)
    )
    m = AccessModel(t, rng=seed, debug=True, cache=False)  # debug: invariants every week
    backlog0 = m.backlog.sum()
    m.run_for(min(weeks, 51))  # within the first year, so accumulators hold every week
    tot = totals(m)
    outcomes = tot["in_person"] + tot["tele"] + tot["ed"] + tot["forgone"]
    assert tot["needed"] == pytest.approx(outcomes + m.backlog.sum() - backlog0, rel=1e-9, abs=1e-6)
    people = m.people.sum()
    assert people == pytest.approx(t.communes.population.sum())  # nobody appears or vanishes


def test_no_gps_means_all_need_goes_unmet():
    t = grid_territory(3, 2, gp=0, population=5_000)
    m = AccessModel(t, rng=1, debug=True, cache=False)
    backlog0 = m.backlog.sum()  # left by the warm-up weeks (warm_up_weeks)
    assert backlog0 > 0
    m.run_for(20)
    tot = totals(m)
    assert tot["needed"] > 0
    assert tot["in_person"] == 0 and tot["tele"] == 0
    assert tot["ed"] + tot["forgone"] + m.backlog.sum() - backlog0 == pytest.approx(tot["needed"])


def test_unlimited_capacity_means_no_renoncement():
    t = grid_territory(3, 3, gp=400, population=2_000)  # ~10× the need
    m = AccessModel(t, params={"forgo_base": 0.0}, rng=1, debug=True, cache=False)
    m.run_for(30)
    tot = totals(m)
    assert tot["forgone"] == pytest.approx(0, abs=1e-9)
    assert m.backlog.sum() == pytest.approx(0, abs=1e-9)
    assert tot["in_person"] + tot["tele"] + tot["ed"] == pytest.approx(tot["needed"])
    # nobody waits, so no ED visit comes from waiting
    assert m.year_ed_cause["ed_waiting"].sum() == pytest.approx(0, abs=1e-9)


def test_need_matches_the_age_rates_by_hand():
    t = grid_territory(2, 1, gp=5, population=10_000)
    m = AccessModel(t, rng=1, cache=False)
    m.run_for(1)
    expected = (m.population_by_band * m.rate).sum() / 52
    assert m.week_totals["needed"] == pytest.approx(expected)


@pytest.fixture(scope="module")
def landes():
    from accesssim.geo import territory

    return territory.load().select(departement="40")


def run_year(t, seed, **kw):
    m = AccessModel(t, rng=seed, **kw)
    m.run_for(53)
    return m


def test_same_seed_same_results_different_seeds_differ(landes):
    a, b, c = run_year(landes, 7), run_year(landes, 7), run_year(landes, 8)
    assert a.yearly_rows == b.yearly_rows
    assert a.datacollector.model_vars == b.datacollector.model_vars
    assert a.gp_age.tolist() != c.gp_age.tolist()
    assert a.datacollector.model_vars["forgone"] != c.datacollector.model_vars["forgone"]


def test_null_policy_reproduces_the_baseline_bit_for_bit(landes):
    a = run_year(landes, 3)
    b = run_year(landes, 3, policies=[NullPolicy()])
    assert a.yearly_rows == b.yearly_rows and a.monthly_rows == b.monthly_rows


def test_without_agents_the_results_are_identical(landes):
    # agents are read-only views: batch runs skip them (agents=False) and get the same run
    a = run_year(landes, 4)
    b = run_year(landes, 4, agents=False)
    assert len(a.agents) > 0 and len(b.agents) == 0
    assert a.yearly_rows == b.yearly_rows and a.monthly_rows == b.monthly_rows
    assert a.datacollector.model_vars == b.datacollector.model_vars


def test_mesa_wiring_and_schedules(landes):
    m = run_year(landes, 1)
    cohorts = m.agents_by_type[PatientCohort]
    assert len(cohorts) == len(landes.communes) * 6
    gps = m.agents_by_type[GP]
    assert len(gps) == int(m.gp_active.sum())
    some = next(iter(gps))
    assert some.cell.coordinate == landes.communes.epci[some.commune]
    # agents expose the model's state: a GP's weekly capacity is its annual activity / 52
    assert some.weekly_capacity == pytest.approx(m.gp_annual_activity()[some.index] / 52)
    assert some.weekly_capacity > 0
    assert some.practice in ("solo", "group", "msp") and some.list_size >= 0
    cohort = next(iter(cohorts))
    assert cohort.size == pytest.approx(m.people[cohort.commune, cohort.band].sum())
    assert m.space.G.number_of_nodes() == len(landes.epcis)
    pos = m.space[0].position
    assert np.allclose(pos, (landes.epcis.lon[0], landes.epcis.lat[0]))
    # monthly and yearly events ran on the scheduler: 12 months, 1 year of records
    n_core = int(landes.epcis.core.sum())
    assert len(m.monthly_rows) == 12 * n_core and len(m.yearly_rows) == n_core
    months = sorted({r["month"] for r in m.monthly_rows})
    assert months == list(range(1, 13))
    # monthly needs add up to the yearly need
    need_months = sum(r["needed"] for r in m.monthly_rows)
    need_year = sum(r["needed"] for r in m.yearly_rows)
    assert need_months == pytest.approx(need_year)


def test_unknown_parameter_is_refused(landes):
    with pytest.raises(ValueError, match="unknown parameter 'forgo_bas'.*forgo_base"):
        AccessModel(landes, params={"forgo_bas": 0.1})
    with pytest.raises(ValueError, match="out of range"):
        AccessModel(landes, params={"tele_share": 2.0})
