"""Workforce levers: installation aid, salaried GPs, CESP, numerus pipeline; and the
installation regulation against the bill adopted by the Assemblée (PPL Garot, May 2025).

Zero dose equals the baseline; sizes by hand on the synthetic grid; no effect is said, with its
reason; bad values name their key."""

import numpy as np
import pytest
from synthetic import grid_territory

from accesssim.core.workforce import PRACTICE_TYPES
from accesssim.model.access_model import AccessModel
from accesssim.policies import registry

POP = 3_000
N_COMMUNES = 12


@pytest.fixture()
def grid():
    gp = np.array([0] * 4 + [6] * 4 + [6] * 4)  # 3 EPCIs (rows of 4 communes)
    return grid_territory(4, 3, gp=gp, population=POP)


def run(grid, specs, weeks=104, rng=1):
    pols = [registry.from_spec(s) for s in specs]
    m = AccessModel(grid, rng=rng, policies=pols, cache=False, agents=False)
    m.run_for(weeks)
    return m


def gps_with_due(m) -> int:
    """GPs present plus those drawn at the last year's end, due in the coming months."""
    return len(m.gp_commune) + len(m.due_installations())


def national_for(n_here: float, model) -> float:
    """The national dose that gives ``n_here`` a year on the grid (prorated by population)."""
    return n_here * model.p["france_population"] / (POP * N_COMMUNES)


ZERO = [
    {"type": "installation_aid", "per_year": 0},
    {"type": "salaried_gps", "posts_per_year": 0},
    {"type": "cesp", "signers_per_year": 0},
    {"type": "numerus_pipeline", "extra_places": 0},
]


@pytest.mark.parametrize("spec", ZERO, ids=[s["type"] for s in ZERO])
def test_zero_dose_equals_the_baseline_and_says_why(grid, spec):
    base = run(grid, [])
    extra = {} if spec["type"] == "numerus_pipeline" else {"underserved_apl": 20}
    m = run(grid, [{**spec, **extra}])
    assert m.yearly_rows == base.yearly_rows
    assert len(m.policy_rows) == 2
    assert all(r["no_effect_reason"] == "no dose" and r["cost_eur"] == 0 for r in m.policy_rows)


def test_no_eligible_epci_is_no_effect_no_cost_and_a_reason(grid):
    base = run(grid, [])
    for kind, key in (("installation_aid", "per_year"), ("salaried_gps", "posts_per_year")):
        dose = 5 if kind == "salaried_gps" else 10_000
        m = run(grid, [{"type": kind, key: dose, "underserved_apl": 0}])
        assert m.yearly_rows == base.yearly_rows, kind
        for r in m.policy_rows:
            assert r["eligible_epcis"] == 0 and r["cost_eur"] == 0
            assert r["no_effect_reason"] == "no EPCI with APL below 0 in the territory"


def test_installation_aid_adds_or_moves_gps_into_eligible_epcis(grid):
    base = run(grid, [], weeks=52)
    probe = AccessModel(grid, rng=1, cache=False, agents=False)
    per_year = national_for(3, probe)
    spec = {"type": "installation_aid", "per_year": per_year, "underserved_apl": 20}
    # every aided GP additional: three more GPs, in the territory's EPCIs, 10,000 EUR each
    m = run(grid, [{**spec, "redirected_share": 0.0}], weeks=52)
    (row,) = m.policy_rows
    assert row["aided_installations"] == 3 and row["aided_additional"] == 3
    assert row["cost_eur"] == pytest.approx(3 * 10_000)
    assert row["no_effect_reason"] == ""
    assert m.last_year["installations_from_policies"] == 0
    n0 = gps_with_due(base) - base.last_year["installations"]  # GPs at the start
    assert gps_with_due(m) == n0 + 3 + m.last_year["installations"]
    # every aided GP moved: the year's flow gives up as many (as far as it has them)
    m = run(grid, [{**spec, "redirected_share": 1.0}], weeks=52)
    (row,) = m.policy_rows
    assert row["aided_redirected"] == 3
    drawn = m.last_year["installations"]
    assert m.last_year["installations_from_policies"] == min(3, drawn)
    assert gps_with_due(m) == n0 + 3 + drawn - min(3, drawn)


def test_only_eligible_epcis_receive_aided_gps(grid):
    probe = AccessModel(grid, rng=1, cache=False, agents=False)
    apl = probe.epci_apl()
    threshold = float(np.sort(apl)[0] + 1e-6)  # only the least served EPCI is eligible
    spec = {
        "type": "installation_aid",
        "per_year": national_for(4, probe),
        "underserved_apl": threshold,
        "redirected_share": 0.0,
    }
    pol = registry.from_spec(spec)
    m = AccessModel(grid, rng=1, policies=[pol], cache=False, agents=False)
    n0 = len(m.gp_commune)
    m.run_for(1)  # the aid acts between weeks 0 and 1
    new = np.arange(n0, len(m.gp_commune))
    assert len(new) == 4
    epcis = grid.communes.epci[m.gp_commune[new]]
    assert set(epcis) == {int(np.argmin(apl))}


def test_a_dose_too_small_for_the_territory_carries_over_and_says_so(grid):
    probe = AccessModel(grid, rng=1, cache=False, agents=False)
    spec = {"type": "installation_aid", "per_year": national_for(0.5, probe), "underserved_apl": 20}
    m = run(grid, [spec])
    first, second = m.policy_rows
    assert (
        first["aided_installations"] == 0
        and "rounds to no installation" in first["no_effect_reason"]
    )
    assert second["aided_installations"] == 1 and second["no_effect_reason"] == ""


def test_salaried_gps_cost_is_budget_less_fees_and_they_work_in_health_centres(grid):
    spec = {
        "type": "salaried_gps",
        "posts_per_year": 2,
        "underserved_apl": 20,
        "redirected_share": 0.0,
    }
    pol = registry.from_spec(spec)
    m = AccessModel(grid, rng=1, policies=[pol], cache=False, agents=False)
    m.run_for(52)
    (row,) = m.policy_rows
    assert row["posts_opened"] == 2 and row["posts_filled"] == 2
    gps = pol.gps
    assert (m.gp_practice[gps] == PRACTICE_TYPES.index("health_centre")).all()
    assert (m.gp_activity[gps] == 4220).all() and m.gp_holds_list[gps].all()
    weeks = 52  # opened before week 0 is simulated (Mesa time 0.5): paid all year
    budget = 2 * (13e6 / 71) * weeks / 52
    assert row["cost_eur"] + row["fee_receipts_eur"] == pytest.approx(budget)
    assert row["fee_receipts_eur"] == pytest.approx(30 * row["salaried_acts_given"])
    assert 0 < row["salaried_acts_given"] <= 2 * 4220 * weeks / 52 + 1e-6
    # most under-served first: the first post goes to the EPCI with the lowest APL
    probe = AccessModel(grid, rng=1, cache=False, agents=False)
    assert grid.communes.epci[m.gp_commune[gps[0]]] == int(np.argmin(probe.epci_apl()))


def test_salaried_posts_reduce_forgone_care(grid):
    """GPs where there were none: travel to the nearest GP falls (updated at a year's end), so
    forgone care falls in the second year."""
    base = run(grid, [])
    m = run(grid, [{"type": "salaried_gps", "posts_per_year": 3, "underserved_apl": 20,
                    "redirected_share": 0.0}])  # fmt: skip

    def forgone(model):
        return sum(r["forgone"] for r in model.yearly_rows if r["year"] == 2026)

    assert forgone(m) < forgone(base)


def test_cesp_pays_bursaries_then_installs_after_the_lag(grid):
    probe = AccessModel(grid, rng=1, cache=False, agents=False)
    spec = {
        "type": "cesp",
        "signers_per_year": national_for(10, probe),
        "years_to_install": 2,
        "gp_share": 1.0,
        "completion_share": 1.0,
        "redirected_share": 0.0,
        "underserved_apl": 20,
    }
    m = run(grid, [spec], weeks=52 * 3)
    y1, y2, y3 = m.policy_rows
    assert y1["signers"] == 10 and y1["cost_eur"] == pytest.approx(10 * 12 * 1200)
    assert y2["signers_in_training"] == 20 and y2["cost_eur"] == pytest.approx(20 * 12 * 1200)
    for r in (y1, y2):
        assert r["cesp_installations"] == 0 and r["first_installation_year"] == 2027
        assert r["no_effect_reason"] == "signers install from 2027, after 2 years of training"
    assert y3["cesp_installations"] == 10 and y3["no_effect_reason"] == ""
    assert y3["signers_in_training"] == 20  # the 2025 cohort left, the 2027 one came


def test_numerus_within_a_five_year_horizon_adds_no_installation_and_says_when(grid):
    base = run(grid, [], weeks=52 * 5)
    m = run(grid, [{"type": "numerus_pipeline", "extra_places": 10}], weeks=52 * 5)
    assert m.yearly_rows == base.yearly_rows  # before the first graduates, nothing changes
    assert len(m.policy_rows) == 5
    for k, r in enumerate(m.policy_rows):
        assert r["pipeline_installations"] == 0 and r["first_installation_year"] == 2035
        assert r["no_effect_reason"] == "first graduates install in 2035 (10 years after admission)"
        assert r["students_in_training"] == 10 * (k + 1)
        assert r["cost_eur"] == pytest.approx(10 * (k + 1) * 20_000)
    assert m.policy_rows[-1]["pipeline_installations_pending"] == pytest.approx(50 * 0.4 * 0.6)


def test_numerus_graduates_join_the_installation_flow(grid):
    base = run(grid, [], weeks=52 * 2)
    spec = {"type": "numerus_pipeline", "extra_places": 6, "lag_years": 1, "gp_share": 1.0,
            "stay_share": 1.0}  # fmt: skip
    m = run(grid, [spec], weeks=52 * 2)
    assert m.policy_rows[1]["pipeline_installations"] == 6
    assert m.policy_rows[1]["no_effect_reason"] == ""
    # the year's installations arrive over the next months (drawn at the year's end)
    due, base_due = len(m.due_installations()), len(base.due_installations())
    assert m.gp_active.sum() + due > base.gp_active.sum() + base_due


@pytest.mark.parametrize(
    "spec, key",
    [
        (
            {"type": "installation_aid", "redirected_share": 1.5},
            "installation_aid.redirected_share",
        ),
        ({"type": "installation_aid", "eligible": "zip"}, "installation_aid.eligible"),
        ({"type": "salaried_gps", "posts_per_year": 2.5}, "salaried_gps.posts_per_year"),
        ({"type": "cesp", "years_to_install": 0}, "cesp.years_to_install"),
        ({"type": "numerus_pipeline", "lag_years": "ten"}, "numerus_pipeline.lag_years"),
        ({"type": "numerus_pipeline", "redirected_share": 0.5}, "unknown key"),
    ],
)
def test_bad_values_name_their_key(spec, key):
    with pytest.raises(ValueError, match=key):
        registry.from_spec(spec)


# ------------------------------------------------------------------ installation regulation
def test_regulation_well_served_epcis_take_no_more_installations_than_they_lose(grid):
    """PPL Garot (adopted by the Assemblée on 7 May 2025): in a well-served zone an
    installation needs a departure; elsewhere it is automatic. With every EPCI well served,
    each EPCI's new GPs drawn at a year's end are at most its GPs who left at that year's end
    (they arrive over the following months)."""
    spec = {"type": "installation_regulation", "well_served_apl": 0.0}
    pol = registry.from_spec(spec)
    m = AccessModel(grid, rng=3, policies=[pol], cache=False, agents=False)
    for year in range(3):
        m.run_for(52)
        arrived = np.bincount(grid.communes.epci[m.due_installations()], minlength=3)
        assert (arrived <= m.exits_by_epci).all(), year
        assert m.policy_rows[-1]["installations_redirected_cap_epcis"] == 3


def test_regulation_leaves_under_served_epcis_free(grid):
    base = run(grid, [], weeks=52 * 2)
    m = run(grid, [{"type": "installation_regulation", "well_served_apl": 20.0}], weeks=52 * 2)
    assert m.yearly_rows == base.yearly_rows  # no EPCI is well served: the rule never binds
    assert all(r["installations_redirected_cap_epcis"] == 0 for r in m.policy_rows)
