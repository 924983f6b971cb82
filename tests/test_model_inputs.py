"""What the model reads from a scenario reaches it: the road parameters build its travel
matrices, and its APL counts supply as `accesssim validate` does (one conversion)."""

import json

import numpy as np
import pytest

from accesssim.core import access
from accesssim.experiments import runner, validation
from accesssim.geo import territory as terr
from accesssim.geo import travel
from accesssim.geo.apl import territory_apl
from accesssim.model.access_model import AccessModel
from accesssim.specs import scenario

FLAT_ACTIVITY = {"activity_cv": 0.0, "activity_factor_65plus": 1.0, "msp_activity_gain": 0.0}


@pytest.fixture(scope="module")
def lozere():
    return terr.load().select(departement="48")


def test_acts_per_gp_is_the_national_volume_over_the_gps():
    # 230 M acts a year (docs/sources.md) over the 55,546 GPs of CNAM 2024, by hand
    assert access.ACTS_PER_GP == pytest.approx(4140.72, abs=0.01)


def test_model_apl_at_week_0_is_the_validate_apl(lozere):
    """With every GP at the mean activity, the model's APL at week 0 equals, commune by
    commune, the APL `accesssim validate` and `accesssim apl` compute from head counts."""
    m = AccessModel(lozere, params=FLAT_ACTIVITY, rng=3)
    expected = territory_apl(lozere)  # c.gp x ACTS_PER_GP, METRIC times
    np.testing.assert_array_equal(validation.Context(lozere).apl, expected)  # what validate shows
    np.testing.assert_allclose(m.current_apl(), expected, rtol=1e-9, atol=1e-12)
    # with the default activity spread, the same on average (Lozère: ~290 GPs)
    c = lozere.communes
    pop = c.population * c.core
    got = (AccessModel(lozere, rng=3).current_apl() * pop).sum() / pop.sum()
    assert got == pytest.approx((expected * pop).sum() / pop.sum(), rel=0.05)


def test_road_parameters_of_a_scenario_reach_the_model(lozere, tmp_path):
    fast = AccessModel(lozere, rng=1)
    slower = {"road_local_speed_kmh": (15.0, 25.0, 30.0, 35.0), "road_fast_speed_kmh": 40.0}
    roads = travel.TravelParams(speed_kmh=(15.0, 25.0, 30.0, 35.0), fast_speed_kmh=40.0)
    slow = AccessModel(lozere, params=slower, rng=1)
    assert slow.travel_params == roads
    assert fast.travel_params == travel.TravelParams()
    # slower main roads never shorten a trip, and lengthen some
    ed_fast, ed_slow = fast.ed_minutes[fast.core], slow.ed_minutes[slow.core]
    assert np.all(ed_slow >= ed_fast - 1e-9) and np.any(ed_slow > ed_fast + 1)
    cutoff = slow.p["allocation_cutoff_minutes"]
    expected = travel.travel_matrix(lozere, cutoff, roads)
    assert (slow.times != expected).nnz == 0 and (fast.times != expected).nnz > 0
    # intra-commune time off: the model's own trips change too, the APL (METRIC) does not
    metric = AccessModel(lozere, params={"road_intra_area_cap_km2": 0.0}, rng=1)
    assert np.all(metric.intra <= fast.intra) and np.any(metric.intra < fast.intra)
    np.testing.assert_array_equal(metric.current_apl(), fast.current_apl())
    # and the manifest of a run records the value used
    path = tmp_path / "s.toml"
    path.write_text(
        '[scenario]\nname = "s"\nyears = 1\n[territory]\ndepartement = "48"\n'
        "[parameters]\nroad_local_speed_kmh = [20.0, 30.0, 40.0, 45.0]\n",
        encoding="utf-8",
    )
    sc = scenario.load(path)
    runner.write(runner.run(sc, show_progress=False), tmp_path / "out", figures=False)
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["parameters"]["road_local_speed_kmh"] == [20.0, 30.0, 40.0, 45.0]
    assert manifest["parameter_overrides"] == {"road_local_speed_kmh": [20.0, 30.0, 40.0, 45.0]}
