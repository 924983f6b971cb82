"""The care path's policies and accounting (issue: trusted ED and forgone-care answers):
removed keys rejected, zero dose = baseline, juniors from the installation flow, the most
under-served first at any number, costs and benefits on one territory."""

import numpy as np
import pytest
from synthetic import grid_territory

from accesssim.model.access_model import AccessModel
from accesssim.params import calibration as calfile
from accesssim.params import checks
from accesssim.policies import registry
from accesssim.policies.juniors import most_underserved_first
from accesssim.specs import scenario


@pytest.mark.parametrize("key", sorted(checks.REMOVED))
def test_a_parameter_that_no_longer_exists_is_rejected_with_its_replacement(key):
    with pytest.raises(ValueError, match="no longer exists"):
        checks.validate({key: 0.3})
    with pytest.raises((ValueError, scenario.ScenarioError), match=key):
        scenario.from_dict({"scenario": {"name": "x", "years": 1}, "parameters": {key: 0.3}})


def test_most_underserved_first_by_hand():
    # 1.0 -> 1.5 -> 2.0 (area 0), then the tie at 2.0 goes to the lower index (0 -> 2.5),
    # then area 1 (2.0 -> 2.5); area 2 (3.0) never is the lowest
    counts = most_underserved_first(np.array([1.0, 2.0, 3.0]), np.array([0.5, 0.5, 1.0]), 4)
    assert counts.tolist() == [3, 1, 0]
    # more units than areas: the rule still holds, no round robin
    counts = most_underserved_first(np.array([1.0, 5.0]), np.array([1.0, 1.0]), 6)
    assert counts.tolist() == [5, 1]  # 1 -> 6 after five; 5 -> 6 after one
    assert most_underserved_first(np.array([1.0, 2.0]), np.ones(2), 0).tolist() == [0, 0]


def _yearly_flows(m):
    keys = ("needed", "in_person", "tele", "ed_visits", "forgone", "mean_backlog", "gps")
    return [tuple(r[k] for k in keys) for r in m.yearly_rows]


@pytest.mark.parametrize(
    "spec",
    [
        {"type": "solidarity_days", "targets": ["900000000"], "participation": 0.0},
        {"type": "docteurs_juniors", "start": 0, "per_year": 0},
        {"type": "telemedicine", "tele_share": 0.03, "pharmacy_points": False},
    ],
)
def test_a_policy_at_zero_dose_equals_the_baseline(spec):
    grid = grid_territory(4, 3, gp=np.array([0] * 4 + [1] * 4 + [2] * 4), population=3_000)
    base = AccessModel(grid, rng=7, cache=False)
    pol = AccessModel(grid, rng=7, policies=[registry.from_spec(spec)], cache=False)
    base.run_for(60)
    pol.run_for(60)
    assert _yearly_flows(pol) == _yearly_flows(base)


def test_juniors_come_out_of_the_yearly_installation_flow():
    grid = grid_territory(4, 3, gp=np.array([0] * 4 + [3] * 4 + [3] * 4), population=3_000)
    pol = registry.from_spec(
        {"type": "docteurs_juniors", "start": 0, "per_year": 8000, "install_share": 1.0}
    )
    # a flow large enough to take every junior who installs (~3 a year against ~4 drawn)
    params = {"installations_per_year": 20000, "gps_france": 55_546 / 6}
    m = AccessModel(grid, params=params, rng=3, policies=[pol], cache=False, debug=True)
    flow_calls = []
    choose = m._choose_communes
    m._choose_communes = lambda n: (flow_calls.append(n), choose(n))[1]
    drawn, credited = [], []
    for _ in range(4):
        m.run_for(52)
        drawn.append(m.last_year["installations"])
        credited.append(m.last_year["installations_from_policies"])
    juniors_installed = sum(r["juniors_installed"] for r in m.policy_rows)
    assert juniors_installed > 0 and sum(credited) > 0
    # every junior who installed took the place of one installation of the flow (from the
    # year-end after the one that follows their settling: ``owed`` are not yet credited)
    assert sum(flow_calls) + juniors_installed == sum(drawn) + m.installation_credit + pol.owed
    assert sum(flow_calls) + sum(credited) == sum(drawn)
    assert all(c <= d for c, d in zip(credited, drawn, strict=True))


def test_a_regional_run_costs_and_counts_volunteers_on_its_own_territory():
    # 4 rows of 4 communes 4 km apart; the run's core is rows 1-2, rows 0 and 3 its buffer.
    # Volunteers (GPs of rows 1 and 3, some living in the buffer) serve the target row 0
    # (buffer) or row 2 (core): only days given in the core are costed and counted.
    full = grid_territory(
        4, 4, gp=np.array([0] * 4 + [4] * 4 + [0] * 4 + [4] * 4), population=2_000
    )
    t = full.select(epcis=["900000001", "900000002"], buffer_km=5)
    assert (~t.communes.core).any()
    pol = registry.from_spec(
        {
            "type": "solidarity_days",
            "targets": ["900000000", "900000002"],
            "participation": 1.0,
            "days_per_month": 2,
            "max_travel_minutes": 60,
        }
    )
    m = AccessModel(t, rng=1, policies=[pol], cache=False, debug=True)
    n = len(pol.volunteer)
    assert n >= 4
    epci = t.communes.epci
    sirens = t.epcis.siren
    row0 = m.epci_sites(np.flatnonzero(sirens == "900000000"))[0]
    row2 = m.epci_sites(np.flatnonzero(sirens == "900000002"))[0]
    pol.site = np.where(np.arange(n) % 2 == 0, row0, row2)  # half to each target
    m.update_service_communes(extra=[row0, row2])
    inside = m.core[pol.site]
    home_in_buffer = ~m.core[m.gp_commune[pol.volunteer]]
    assert inside.any() and (~inside).any() and (home_in_buffer & inside).any()
    assert not m.core[row0] and m.core[row2] and epci[row0] != epci[row2]
    m.run_for(52)
    (row,) = [r for r in m.policy_rows if r["type"] == "solidarity_days"]
    assert row["volunteers"] == int(inside.sum())
    assert row["days"] == pytest.approx(inside.sum() * 2 * 12)
    assert row["days_outside_not_counted"] == pytest.approx((~inside).sum() * 2 * 12)
    assert row["cost_eur"] == pytest.approx(row["days"] * 200)


ED_BASE = """
[scenario]
name = "base"
years = 1
seeds = [1]
[territory]
departement = "23"
"""
ED_POLICY = """
[scenario]
name = "juniors"
years = 1
seeds = [1]
[territory]
departement = "23"
[[policies]]
type = "docteurs_juniors"
start = 0
per_year = 20000
"""


def test_ed_sensitivity_keeps_the_baseline_total_it_says_and_reports_what_it_got(tmp_path):
    from accesssim.experiments import compare

    (tmp_path / "base.toml").write_text(ED_BASE, encoding="utf-8")
    (tmp_path / "pol.toml").write_text(ED_POLICY, encoding="utf-8")
    cmp = compare.compare(
        [tmp_path / "base.toml", tmp_path / "pol.toml"], ed_sensitivity=True, show_progress=False
    )
    kept = cmp.sensitivity_baseline_ed
    main = sum(r["ed_visits"] for r in cmp.baseline.yearly)
    assert kept["main"] == pytest.approx(main)
    for v in compare.ED_SENSITIVITY_VALUES:
        # rescaled on the main run's split by cause, then (where waiting moved the total by
        # more than 2 %, as where supply binds) once more in proportion
        assert kept[v] == pytest.approx(main, rel=2 * compare.ED_KEEP_TOLERANCE), v
    by_v = cmp.sensitivity["juniors"]
    assert set(by_v) == set(compare.ED_SENSITIVITY_VALUES)
    report = compare.report_markdown(cmp)
    for v in compare.ED_SENSITIVITY_VALUES:
        assert f"{kept[v]:,.0f} at {v:g}" in report  # the report gives the measured totals
    assert "ed_unmet_share" not in report


def test_identifiability_and_draws_by_hand():
    from accesssim.experiments import calibration

    names = list(calibration.FREE)
    assert len(names) == 6 and len(calibration.TARGETS) == 5
    # target i moved by parameter i only (sensitivities 4, 2, 1, 0.5, 0.25), and the last
    # target also by the sixth parameter (0.1): the rows are orthogonal, so the singular
    # values are the row norms and the condition number is 4 / sqrt(0.25² + 0.1²)
    jac = np.zeros((5, 6))
    jac[np.arange(5), np.arange(5)] = [4.0, 2.0, 1.0, 0.5, 0.25]
    jac[4, 5] = 0.1
    ident = calibration.identifiability(jac, names)
    targets = list(calibration.TARGETS)
    assert ident["pinned_by"] == dict(zip(targets, names[:5], strict=True))
    assert ident["parameter_pinned_by"] == dict(zip(names, [*targets, targets[4]], strict=True))
    assert ident["condition_number"] == pytest.approx(4.0 / np.hypot(0.25, 0.1))
    x = np.log([3.5, 0.006, 0.024, 0.2, 0.1, 0.15])
    lo, hi = calibration._bounds()
    draws, kept = calibration.parameter_draws(x, np.zeros(5), jac, names, lo, hi, n=30)
    assert len(draws) == 30 and 0 < kept <= 1
    for d in draws:  # every draw keeps every linearised target within tolerance
        dx = np.log([d[k] for k in names]) - x
        assert np.all(np.abs(jac @ dx) <= 1 + 1e-9)


def test_capacity_flex_is_fitted_inside_its_evidence_range():
    from accesssim.experiments import calibration

    lo, hi = calibration._bounds()
    j = list(calibration.FREE).index("capacity_flex")
    low, high = calibration.parameters.PARAMETERS["capacity_flex"].range
    assert np.exp([lo[j], hi[j]]) == pytest.approx([low, high])


def test_the_shipped_calibration_keeps_model_outputs_out_of_its_targets():
    import json

    from accesssim.experiments import calibration

    rec = json.loads(calfile.SHIPPED_CALIBRATION.read_text(encoding="utf-8"))
    assert "observed" not in rec
    assert set(rec["targets"]) == set(calibration.TARGETS)
    for t in rec["targets"].values():
        assert set(t) == {"value", "tolerance", "source"}
    draws = calibration.draws()
    assert len(draws) >= 10 and all(set(d) == set(calibration.FREE) for d in draws)
    assert rec["france_check"]["within_tolerance"] and len(rec["france_check"]["seeds"]) >= 5
