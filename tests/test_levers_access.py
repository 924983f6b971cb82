"""Care-access levers (issue 20): unscheduled care in GP practices, médecins correspondants du
SAMU, ephemeral practices, France Santé labels. Zero dose is the baseline, effects by hand on a
synthetic grid, a dose that reaches nobody says why, bad values name their key."""

import numpy as np
import pytest
from synthetic import grid_territory

from accesssim.model.access_model import AccessModel
from accesssim.model.ledger import URGENT_CARE_MINUTES
from accesssim.outputs import indicators
from accesssim.policies import registry


@pytest.fixture(scope="module")
def grid():
    """2 rows (EPCIs) of 8 communes 10 km apart, 2 GPs each, the ED in commune 0: the far
    end of each row is more than 30 minutes from urgent care."""
    return grid_territory(8, 2, gp=np.full(16, 2), population=2_000, km=10.0)


def run(territory, specs=(), weeks=52, **kw):
    pols = [registry.from_spec(s) for s in specs]
    m = AccessModel(territory, rng=3, policies=pols, cache=False, agents=False, **kw)
    m.run_for(weeks)
    return m, pols


@pytest.fixture(scope="module")
def baseline(grid):
    return run(grid)[0]


def rows_of(m, kind):
    return [r for r in m.policy_rows if r["type"] == kind]


@pytest.mark.parametrize(
    "spec",
    [
        {"type": "unscheduled_care", "practices": 0},
        {"type": "mcs", "count": 0},
        {"type": "ephemeral_practice", "practices": 0},
        {"type": "france_sante", "structures_first_year": 0, "structures_target": 0},
    ],
)
def test_zero_dose_is_the_baseline_and_says_why(grid, baseline, spec):
    m, _ = run(grid, [spec])
    assert m.yearly_rows == baseline.yearly_rows
    (row,) = rows_of(m, spec["type"])
    assert row["cost_eur"] == 0 and row["no_effect_reason"]


def test_unscheduled_care_halves_ed_visits_nearby_and_costs_its_slots(grid, baseline):
    spec = {"type": "unscheduled_care", "practices": 1, "epcis": ["900000001"], "rule": "list",
            "diversion_share": 0.5, "slots_per_week": 0, "reach_minutes": 20}  # fmt: skip
    m, (pol,) = run(grid, [spec], weeks=1)
    b, _ = run(grid, weeks=1)
    within = pol.within
    (site,) = pol.sites
    assert grid.communes.epci[site] == 1 and within[site] and 1 < within.sum() < 16
    ed, ed0 = m.week_flows["ed"].sum(1), b.week_flows["ed"].sum(1)
    # week 0: the same state, nothing waiting: the ED flow is the propensity times need
    np.testing.assert_allclose(ed[within], 0.5 * ed0[within])
    np.testing.assert_array_equal(ed[~within], ed0[~within])
    # a year with 20 slots a week: 52 × 20 × 15 EUR; fewer ED visits than the baseline
    m, _ = run(grid, [{**spec, "slots_per_week": 20}])
    (row,) = rows_of(m, "unscheduled_care")
    assert row["cost_eur"] == pytest.approx(52 * 20 * 15.0)
    assert row["slots_funded"] == pytest.approx(52 * 20) and row["no_effect_reason"] == ""
    ed_m = sum(r["ed_visits"] for r in m.yearly_rows)
    ed_b = sum(r["ed_visits"] for r in baseline.yearly_rows)
    assert ed_b - ed_m == pytest.approx(row["ed_diverted_estimate"], rel=0.3)
    assert ed_m < ed_b


def test_unscheduled_care_stops_at_its_end(grid):
    spec = {"type": "unscheduled_care", "practices": 2, "diversion_share": 0.5, "end": 4}
    m, _ = run(grid, [spec], weeks=6)
    assert np.allclose(m.state.ed_factor, 1.0)  # undone at the end


def test_mcs_bring_urgent_care_within_30_minutes_and_change_no_care(grid, baseline):
    m, (pol,) = run(grid, [{"type": "mcs", "count": 2}])
    pop = grid.communes.population
    far0 = baseline.urgent_minutes > URGENT_CARE_MINUTES
    far1 = m.urgent_minutes > URGENT_CARE_MINUTES
    assert len(pol.sites) == 2 and (far1 <= far0).all() and far1.sum() < far0.sum()
    # each MCS is a commune with an active GP
    assert np.isin(pol.sites, m.gp_commune[m.gp_active]).all()
    (row,) = rows_of(m, "mcs")
    assert row["population_newly_within_30"] == pytest.approx(pop[far0 & ~far1].sum())
    assert row["population_over_30_before"] == pytest.approx(pop[far0].sum())
    assert row["cost_eur"] == pytest.approx(2 * 5000.0)
    ind = indicators.INDICATORS["population_urgent_over_30"]
    got, base = ind.value(m.yearly_rows), ind.value(baseline.yearly_rows)
    assert base == pytest.approx(pop[far0].sum()) and got == pytest.approx(pop[far1].sum())
    for k in ("forgone", "ed_visits", "in_person"):  # urgent-care rows only
        assert [r[k] for r in m.yearly_rows] == [r[k] for r in baseline.yearly_rows]


def test_mcs_say_why_when_everyone_is_near_an_ed():
    near = grid_territory(3, 1, gp=np.full(3, 2), population=1_000, km=4.0)
    m, _ = run(near, [{"type": "mcs", "count": 5}], weeks=2)
    (pol,) = m.policies
    assert not len(pol.sites) and "more than 30 minutes" in pol.reason


def test_ephemeral_practice_adds_its_weekly_capacity_for_its_duration():
    scarce = grid_territory(4, 2, gp=np.full(8, 1), population=4_000, km=4.0)  # need > supply
    spec = {"type": "ephemeral_practice", "practices": 1, "duration_months": 3}
    m, (pol,) = run(scarce, [spec])
    baseline, _ = run(scarce)
    (row,) = rows_of(m, "ephemeral_practice")
    weeks = round(3 * 52 / 12)
    assert row["weeks_open"] == weeks and row["practices_open"] == 1
    assert row["consultations_offered"] == pytest.approx(weeks * 30 * 5)
    assert 0 < row["consultations_delivered"] <= row["consultations_offered"]
    assert row["cost_eur"] == pytest.approx(weeks * 30000 / 52)
    assert registry.BUILTIN["ephemeral_practice"].PAYER == "local"
    # the site is in the lowest-APL EPCI; forgone care falls against the baseline
    assert sum(r["forgone"] for r in m.yearly_rows) < sum(
        r["forgone"] for r in baseline.yearly_rows
    )
    cap = m.gp_annual_activity() / 52
    _, extra = pol.adjust_capacity(m, cap, np.zeros(len(cap)))
    assert not extra.any()  # closed after its 3 months


def test_france_sante_labels_the_territory_share_and_costs_50k_each(grid):
    gps = 32
    spec = {"type": "france_sante", "structures_first_year": 2000, "structures_target": 5000}
    m, (pol,) = run(grid, [spec], weeks=104, params={"gps_france": 10_000})
    first, target = round(gps / 10_000 * 2000), round(gps / 10_000 * 5000)
    assert pol.targets == [first, target] == [6, 16]
    y1, y2 = rows_of(m, "france_sante")
    assert y1["structures_new"] == first and y2["structures_new"] == target - first
    assert y1["cost_eur"] == pytest.approx(first * 50_000)
    assert y2["structures_labelled"] == target
    assert y2["consultations_added"] == pytest.approx(target * 500.0)
    # 16 structures on 2 EPCIs: 8 rounds, both EPCIs' sites
    assert len(np.unique(pol.sites)) == 2


def test_france_sante_says_why_when_its_share_rounds_to_nothing(grid, baseline):
    m, _ = run(grid, [{"type": "france_sante"}])  # 32 GPs of 55,546: 1 and 3 structures
    assert rows_of(m, "france_sante")[0]["no_effect_reason"] == ""
    m, _ = run(grid, [{"type": "france_sante"}], params={"gps_france": 1e6})
    (row,) = rows_of(m, "france_sante")
    assert "rounds to no structure" in row["no_effect_reason"] and row["cost_eur"] == 0
    m, _ = run(grid, [{"type": "france_sante", "extra_consultations_per_structure": 0}])
    (row,) = rows_of(m, "france_sante")
    assert "no published figure" in row["no_effect_reason"] and row["cost_eur"] > 0


@pytest.mark.parametrize(
    "spec, key",
    [
        ({"type": "unscheduled_care", "diversion_share": 1.5}, "diversion_share"),
        ({"type": "unscheduled_care", "rule": "list"}, "epcis"),
        ({"type": "mcs", "count": -1}, "count"),
        ({"type": "mcs", "count": 2.5}, "count"),
        ({"type": "ephemeral_practice", "duration_months": "long"}, "duration_months"),
        ({"type": "ephemeral_practice", "rule": "nearest"}, "rule"),
        ({"type": "france_sante", "extra_consultations_per_structure": -5}, "extra_consult"),
        ({"type": "france_sante", "slots": 3}, "slots"),
    ],
)
def test_bad_values_name_their_key(spec, key):
    with pytest.raises(ValueError, match=key):
        registry.from_spec(spec)


def test_listed_epcis_outside_the_territory_are_named(grid):
    pol = registry.from_spec({"type": "ephemeral_practice", "rule": "list", "epcis": ["200000000"]})
    with pytest.raises(ValueError, match="epcis.*200000000"):
        AccessModel(grid, rng=1, policies=[pol], cache=False, agents=False)
