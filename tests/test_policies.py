"""Policies: eligibility, conservation of capacity, costs, effects, bad input."""

import ast
from pathlib import Path

import numpy as np
import pytest
from synthetic import grid_territory

import accesssim.policies
from accesssim.model.access_model import AccessModel
from accesssim.policies import registry
from accesssim.policies.base import PolicyHost
from accesssim.specs import scenario

ROOT = Path(__file__).resolve().parents[1]
TARGET = "900000000"  # row 0 of the synthetic grid: no GP of its own


@pytest.fixture()
def grid():
    gp = np.array([0] * 4 + [6] * 4 + [6] * 4)  # 3 rows of 4 communes 4 km apart
    return grid_territory(4, 3, gp=gp, population=3_000)


def solidarity(**kw):
    spec = {
        "type": "solidarity_days",
        "targets": [TARGET],
        "participation": 1.0,
        "days_per_month": 2,
        "max_travel_minutes": 30,
        **kw,
    }
    return registry.from_spec(spec)


def test_eligibility_and_dose(grid):
    pol = solidarity(max_travel_minutes=9)
    m = AccessModel(grid, rng=1, policies=[pol], cache=False)
    c = grid.communes
    home = m.gp_commune[pol.volunteer]
    assert len(pol.volunteer) > 0
    assert not np.isin(c.epci[home], pol.targets).any()  # nobody volunteers inside a target
    from scipy.sparse.csgraph import dijkstra

    reach = dijkstra(m.road, indices=np.unique(pol.site), min_only=True) + m.intra
    assert np.all(reach[home] <= 9)  # within the travel limit
    assert np.isin(c.epci[pol.site], pol.targets).all()
    # GPs further than the limit are not volunteers
    far = np.flatnonzero(reach[m.gp_commune] > 9)
    assert not np.isin(far, pol.volunteer).any() and len(far) > 0


def test_home_capacity_falls_by_what_is_given_and_cost_is_days_times_pay(grid):
    pol = solidarity(replacement_share=0.0)
    m = AccessModel(grid, rng=1, policies=[pol], cache=False, debug=True)
    cap = m.gp_annual_activity() / 52
    # before the first step the model is outside the window (the step at time t is week t - 1)
    new_cap, extra = pol.adjust_capacity(m, cap, np.zeros(len(grid.communes)))
    assert np.array_equal(new_cap, cap) and not extra.any()  # outside: nothing moves
    m.run_for(1)  # week 0, inside the policy's window (activity changes only at a year's end)
    assert np.array_equal(m.gp_annual_activity() / 52, cap)
    new_cap, extra = pol.adjust_capacity(m, cap, np.zeros(len(grid.communes)))
    given = cap.sum() - new_cap.sum()
    assert given > 0 and given == pytest.approx(extra.sum())  # moved, not created
    per_gp = cap[pol.volunteer] - new_cap[pol.volunteer]
    assert np.all(per_gp <= 2 * 12 / 52 * 22 + 1e-9)  # no GP gives more than its days
    m.run_for(51)  # the rest of the first year
    (row,) = [r for r in m.policy_rows if r["type"] == "solidarity_days"]
    assert row["cost_eur"] == pytest.approx(row["days"] * 200)
    assert row["days"] == pytest.approx(row["consultations_offered"] / 22)
    # 2 days a month each, but never more than a GP's own week (GPs with little delivered
    # activity, the low tail of the activity spread, give what they have)
    each = np.minimum(cap[pol.volunteer], 2 * 12 / 52 * 22)
    assert row["days"] == pytest.approx(each.sum() * 52 / 22, rel=1e-9)
    assert row["days"] <= len(pol.volunteer) * 2 * 12 + 1e-9


def test_replacement_covers_a_share_of_home_capacity(grid):
    pol = solidarity(replacement_share=0.5)
    m = AccessModel(grid, rng=1, policies=[pol], cache=False)
    m.run_for(1)  # week 0: inside the policy's window
    cap = m.gp_annual_activity() / 52
    new_cap, extra = pol.adjust_capacity(m, cap, np.zeros(len(grid.communes)))
    assert cap.sum() - new_cap.sum() == pytest.approx(0.5 * extra.sum())


def test_solidarity_days_move_care_from_homes_to_targets():
    # scarce GPs (8 for ~2,400 consultations needed a week) so moved days matter
    grid = grid_territory(4, 3, gp=np.array([0] * 4 + [1] * 4 + [1] * 4), population=3_000)
    base = AccessModel(grid, rng=1, cache=False)
    pol = AccessModel(grid, rng=1, policies=[solidarity()], cache=False, debug=True)
    base.run_for(26)
    pol.run_for(26)
    c = grid.communes
    target = c.epci == 0
    served_b = (base.year_acc["in_person"] + base.year_acc["tele"]).sum(1)
    served_p = (pol.year_acc["in_person"] + pol.year_acc["tele"]).sum(1)
    assert served_p[target].sum() > served_b[target].sum()
    home = np.unique(pol.gp_commune[pol.policies[0].volunteer])
    # the volunteers' home communes lose care: their residents are served less
    assert served_p[home].sum() < served_b[home].sum()


def test_msp_juniors_telemedicine_regulation_run_and_conserve(grid):
    specs = [
        {"type": "msp_rollout", "per_year": 2},
        {"type": "docteurs_juniors", "start": 0},
        {"type": "telemedicine", "tele_share": 0.1},
        {"type": "installation_regulation", "well_served_apl": 0.1},
    ]
    dose = {
        "msp_rollout": "msps_opened",
        "docteurs_juniors": "juniors_active",
        "telemedicine": "extra_teleconsultations",
        "installation_regulation": "installations_redirected_cap_epcis",
    }
    for spec in specs:
        m = AccessModel(
            grid, rng=2, policies=[registry.from_spec(spec)], cache=False, debug=True
        )  # debug: conservation checked every week
        m.run_for(60)
        assert m.policy_rows and all(r["cost_eur"] >= 0 for r in m.policy_rows)
        assert max(r[dose[spec["type"]]] for r in m.policy_rows) > 0, spec["type"]


def test_msp_opening_raises_activity_by_the_sourced_gain(grid):
    m = AccessModel(grid, rng=3, cache=False)
    m.gp_practice[:] = 0
    m.msp_commune[:] = False
    before = m.gp_annual_activity().copy()
    site = int(m.gp_commune[0])
    m.open_msp([site])
    after = m.gp_annual_activity()
    here = m.gp_commune == site
    np.testing.assert_allclose(after[here], before[here] * 1.02)
    np.testing.assert_allclose(after[~here], before[~here])


@pytest.mark.parametrize("path", sorted((ROOT / "scenarios").glob("*.toml")), ids=lambda p: p.name)
def test_each_shipped_scenario_runs_one_step(path):
    sc = scenario.load(path)
    t = sc.load_territory().select(departement="18") if not sc.territory else None
    m = AccessModel(
        t or sc.load_territory(),
        params=sc.parameters,
        rng=1,
        policies=sc.build_policies(),
        debug=True,
    )
    m.run_for(1)
    assert m.week_totals["needed"] > 0


@pytest.mark.parametrize(
    "spec, message",
    [
        ({"type": "solidarity_days", "days_per_month": 3}, r"days_per_month: 3 is out of range"),
        ({"type": "solidarity_days", "targets": ["123"]}, r"targets: unknown EPCI SIREN"),
        ({"type": "solidarity_days", "mode": "forced"}, r"mode: expected one of"),
        ({"type": "msp_rollout", "per_year": -1}, r"per_year: -1 is out of range"),
        ({"type": "msp_rollout", "per_year": 1.5}, r"per_year: expected a whole number"),
        ({"type": "docteurs_juniors", "start": "2040-01"}, r"start: .* is after the horizon"),
        ({"type": "telemedicine", "start": "soon"}, r"start: expected a date"),
        ({"type": "telemedicine", "tele_share": 0.5}, r"tele_share: 0.5 is out of range"),
        ({"type": "solidarity_days", "dayz": 1}, r"unknown key\(s\) \['dayz'\]"),
    ],
)
def test_bad_policy_specs_name_file_and_key(tmp_path, grid, spec, message):
    lines = ["[scenario]", 'name = "t"', "years = 2", "[[policies]]"]
    for k, v in spec.items():
        lines.append(f"{k} = {v!r}".replace("'", '"'))
    path = tmp_path / "p.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=message) as err:
        sc = scenario.load(path)
        AccessModel(grid, policies=sc.build_policies(), cache=False)
    assert "p.toml" in str(err.value) or "targets" in str(err.value)


def test_juniors_hold_no_list_so_their_departure_leaves_attachment_unchanged():
    grid = grid_territory(4, 3, gp=np.array([0] * 4 + [1] * 4 + [1] * 4), population=3_000)
    pol = registry.from_spec({"type": "docteurs_juniors", "start": 0, "install_share": 0.0})
    m = AccessModel(grid, rng=4, policies=[pol], cache=False, debug=True)
    m.run_for(52)
    juniors = pol.cohorts[0]
    assert len(juniors) > 0 and np.all(m.gp_list[juniors] == 0)
    assert not m.gp_accepting[juniors].any()
    without_before = m.people[..., 1].sum()
    m.remove_gps(juniors)
    assert m.people[..., 1].sum() == pytest.approx(without_before)


def test_the_model_provides_what_policies_may_use_and_policies_use_nothing_else(grid):
    """``PolicyHost`` lists what a policy may read and call: ``AccessModel`` has all of it, and
    the policies' modules reach the model (``model.x``, ``m.x``, ``self.model.x``) through
    nothing else."""
    allowed = set(PolicyHost.__annotations__) | {
        n for n in vars(PolicyHost) if not n.startswith("_")
    }
    m = AccessModel(grid, rng=1, cache=False, agents=False)
    assert isinstance(m, PolicyHost)
    assert not [n for n in allowed if not hasattr(m, n)]
    used = {}
    for path in Path(accesssim.policies.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Attribute):
                continue
            v = node.value
            is_model = (isinstance(v, ast.Name) and v.id in ("model", "m")) or (
                isinstance(v, ast.Attribute) and v.attr == "model"
                and isinstance(v.value, ast.Name) and v.value.id == "self"
            )  # fmt: skip
            if is_model:
                used.setdefault(node.attr, path.name)
    assert len(used) > 20
    assert set(used) <= allowed, {k: f for k, f in used.items() if k not in allowed}
