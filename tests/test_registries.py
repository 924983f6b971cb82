"""One home per concept: a toy policy and a toy indicator, each declared in one place, are
seen by scenarios, compare and sweep; the bugs named in issue 12 stay fixed. The toy runs in
Creuse, where GP capacity binds (in Lozère extra capacity serves nobody more)."""

import json

import numpy as np
import pytest
from synthetic import grid_territory

from accesssim.experiments import compare, sweep, sweep_summary
from accesssim.model.access_model import AccessModel
from accesssim.outputs import indicators
from accesssim.params.parameters import Param
from accesssim.policies import registry, solidarity
from accesssim.policies.base import Policy, Slider
from accesssim.specs import experiment, scenario

BASE = """
[scenario]
name = "base"
years = 1
seeds = [1, 2]
[territory]
departement = "23"
"""
TOY = """
[scenario]
name = "toy"
years = 1
seeds = [1, 2]
[territory]
departement = "23"
[[policies]]
type = "toy_boost"
name = "boost"
extra_share = 0.2
"""


class ToyBoost(Policy):
    """Every GP gives ``extra_share`` more consultations a week, at 1 euro each."""

    kind = "toy_boost"
    PARAMS = {"extra_share": Param(0.1, "extra capacity", "A", "a test", 0, 1)}
    SLIDERS = (Slider("toy_extra", "extra_share", "toy: extra capacity", 0.1),)

    def adjust_capacity(self, model, cap, extra):
        return cap * (1 + self.v.extra_share), extra

    def after_step(self, model, flows, used, capacity):
        self.year["cost_eur"] += 1.0


@pytest.fixture()
def toys(monkeypatch):
    """The toy policy and indicator, registered for one test only."""
    monkeypatch.setitem(registry.POLICY_TYPES, ToyBoost.kind, ToyBoost)
    ind = indicators.Indicator(
        "toy_served", "served consultations", "consultations", "{:,.0f}", ("in_person", "tele")
    )
    ind = indicators.Indicator(**{**ind.__dict__, "horizon": True, "compare": "horizon"})
    monkeypatch.setitem(indicators.INDICATORS, ind.name, ind)
    return ind


def test_toy_policy_and_indicator_reach_compare(tmp_path, toys):
    (tmp_path / "base.toml").write_text(BASE, encoding="utf-8")
    (tmp_path / "toy.toml").write_text(TOY, encoding="utf-8")
    cmp = compare.compare([tmp_path / "base.toml", tmp_path / "toy.toml"], show_progress=False)
    med, lo, hi = cmp.summary["toy"]["toy_served_change"]
    # more capacity serves more: by hand, the change is the sum of the yearly served rows
    served = {
        name: sum(r["in_person"] + r["tele"] for r in res.yearly if r["seed"] == 1)
        for name, res in (("base", cmp.baseline), ("toy", cmp.policies["toy"]))
    }
    per_seed = [r for r in cmp.per_seed if r["seed"] == 1][0]
    assert per_seed["toy_served_change"] == pytest.approx(served["toy"] - served["base"])
    assert lo > 0 and med > 0
    assert cmp.summary["toy"]["cost_eur"][0] == pytest.approx(52)  # 1 euro a week
    assert "served consultations" in compare.report_markdown(cmp)


def test_toy_policy_and_indicator_reach_sweep_by_name(tmp_path, toys):
    (tmp_path / "base.toml").write_text(BASE, encoding="utf-8")
    (tmp_path / "toy.toml").write_text(TOY, encoding="utf-8")
    exp_file = tmp_path / "e.toml"
    exp_file.write_text(
        '[experiment]\nname = "e"\nscenarios = ["base.toml", "toy.toml"]\nseeds = [1]\n'
        '[grid]\n"boost.extra_share" = [0.0, 0.3]\n',
        encoding="utf-8",
    )
    exp = experiment.load(exp_file)
    assert sorted(r.point.get("boost.extra_share", -1) for r in exp.runs) == [-1, 0.0, 0.3]
    sweep.sweep(exp, tmp_path / "r", workers=1, show_progress=False)
    rows, keys = sweep_summary.collect(tmp_path / "r" / "e")
    toy = {r["grid:boost.extra_share"]: r for r in rows if r["scenario"] == "toy"}
    assert "last_toy_served" in toy[0.3] and toy[0.3]["toy_served_change"] > 0
    assert toy[0.0]["toy_served_change"] == pytest.approx(0, abs=1e-6)  # no dose, no change
    sweep_summary.summarize(tmp_path / "r" / "e")
    header = (tmp_path / "r" / "e" / "sweep_summary.csv").read_text().splitlines()[0]
    assert "toy_served_change:median" in header and "last_toy_served:median" in header


def test_policy_parameters_are_declared_once():
    for kind, cls in registry.POLICY_TYPES.items():
        for key, p in cls.PARAMS.items():
            assert p.unit and p.source and p.status in {"S", "D", "A", "C"}, (kind, key)
            if p.default is not None and p.kind in ("number", "integer"):
                assert p.low <= p.default <= p.high, (kind, key)
        pol = cls({"type": kind})
        assert set(pol.values) == set(cls.PARAMS)


def test_cost_per_avoided_needs_clearly_positive_avoidance():
    assert np.isnan(indicators.cost_per_avoided([10, 10, 10], [5, 5, -1])[0])
    med, lo, hi = indicators.cost_per_avoided([10, 20, 30], [5, 5, 5])
    assert (med, lo, hi) == pytest.approx((4, 2.2, 5.8))


def test_interval_is_median_and_percentiles_ignoring_nans():
    assert indicators.interval([3, 1, 2, np.nan], 0, 100) == (2, 1, 3)
    assert np.isnan(indicators.interval([np.nan])[0])


def test_telemedicine_at_zero_share_runs():
    grid = grid_territory(3, 2, gp=3, population=3_000)
    pol = registry.from_spec({"type": "telemedicine", "tele_share": 0.0})
    m = AccessModel(grid, rng=1, policies=[pol], cache=False, debug=True)
    m.run_for(60)
    assert m.year_acc["tele"].sum() == 0  # from week 0 no teleconsultation at all
    assert all(r["extra_teleconsultations"] == 0 for r in m.policy_rows)


def test_juniors_stay_or_leave_draws_differ_between_years():
    grid = grid_territory(4, 3, gp=np.array([0] * 4 + [2] * 8), population=30_000)
    pol = registry.from_spec(
        {"type": "docteurs_juniors", "start": 0, "per_year": 20_000, "install_share": 0.5}
    )
    m = AccessModel(grid, rng=4, policies=[pol], cache=False)
    draws = []

    class Spy:  # records the policy's draws
        def __init__(self, rng):
            self.rng = rng

        def random(self, n):
            out = self.rng.random(n)
            draws.append(out.copy())
            return out

    pol.rng = Spy(pol.rng)
    m.run_for(52 * 3 + 1)
    assert len(draws) >= 2 and len(draws[0]) > 3
    k = min(len(draws[0]), len(draws[1]))
    assert not np.array_equal(draws[0][:k], draws[1][:k])


def test_policy_generator_is_the_model_seed_and_leaves_the_model_stream_alone():
    grid = grid_territory(3, 2, gp=3, population=3_000)
    a = AccessModel(grid, rng=9, cache=False)
    b = AccessModel(grid, rng=9, cache=False)
    g = b.spawn_rng("x")
    g.random(10)
    assert a.rng.random() == b.rng.random()
    assert AccessModel(grid, rng=9, cache=False).spawn_rng("x").random() == (
        b.spawn_rng("x").random()
    )


def test_solidarity_national_eligible_count_matches_all_of_france():
    assert solidarity.count_national_eligible(60.0) == solidarity.ELIGIBLE_FRANCE[60.0]


def test_integer_sirens_in_toml(tmp_path):
    p = tmp_path / "s.toml"
    p.write_text(
        '[scenario]\nname = "s"\n[territory]\nepcis = [200006930]\n'
        '[[policies]]\ntype = "msp_rollout"\nrule = "list"\nepcis = [200006930]\n',
        encoding="utf-8",
    )
    sc = scenario.load(p)
    assert sc.territory == scenario.TerritorySelection("epcis", ("200006930",), 30.0)
    assert sc.build_policies()[0].epci_list == ["200006930"]
    assert json.dumps(sc.territory.as_table())


def test_calibration_is_explicit_and_written_where_asked(tmp_path, monkeypatch):
    from accesssim.experiments import calibration
    from accesssim.params import calibration as calfile
    from accesssim.params import parameters

    table = {k: p.default for k, p in parameters.PARAMETERS.items()}
    assert calfile.defaults(None) == table
    shipped = calfile.load_calibration()
    assert shipped["origin"] == "shipped" and len(shipped["sha256"]) == 64
    assert calfile.defaults() == {**table, **shipped["fitted"]}
    assert calfile.defaults({"forgo_base": 0.01})["forgo_base"] == 0.01
    with pytest.raises(ValueError, match="unknown parameter"):
        calfile.load_calibration({"forgo": 1})
    # calibrate --write PATH writes there, never into the package
    before = calfile.SHIPPED_CALIBRATION.read_bytes()
    monkeypatch.setattr(
        calibration, "fit", lambda *a, **k: {"fitted": {"forgo_base": 0.005}, "observed": {}}
    )
    out = tmp_path / "fit.json"
    from accesssim.cli import main as cli

    assert cli.main(["calibrate", "--departement", "48", "--write", str(out)]) == 0
    assert calfile.SHIPPED_CALIBRATION.read_bytes() == before
    got = calfile.load_calibration(out)
    assert got["fitted"] == {"forgo_base": 0.005} and got["origin"] == str(out)
    grid = grid_territory(2, 1, gp=2, population=1_000)
    assert AccessModel(grid, rng=1, cache=False, calibration=out).p["forgo_base"] == 0.005
    sc = tmp_path / "s.toml"
    sc.write_text('[scenario]\nname = "s"\ncalibration = "fit.json"\n', encoding="utf-8")
    assert scenario.load(sc).calibration == out
    sc.write_text('[scenario]\nname = "s"\ncalibration = "missing.json"\n', encoding="utf-8")
    with pytest.raises(scenario.ScenarioError, match=r"calibration.*cannot read"):
        scenario.load(sc)


def test_toy_policy_reaches_the_dashboard(toys):
    """The toy's one ``Slider`` declaration gives the page's control, bounded by its
    ``Param`` (0 to 1); a twin run with the dose differs from its same-seed baseline."""
    pytest.importorskip("solara")
    from accesssim.dashboard import controls, engine

    (control,) = [s for s in controls.sliders() if s.name == "toy_extra"]
    assert (control.min, control.max, control.default, control.none) == (0, 1, 0.0, 0.0)
    assert control.policy == "toy_boost" and control.label == "toy: extra capacity"
    values = controls.default_values() | {"toy_extra": 0.2}
    run = engine.TwinRun(engine.Settings("23 Creuse", values=values))
    (pol,) = run.models["policy"].policies
    assert pol.kind == "toy_boost" and pol.v.extra_share == 0.2
    served = {"policy": 0.0, "baseline": 0.0}
    for _ in range(8):  # once requests wait, the extra capacity serves them
        run.step()
        for k in served:
            served[k] += run.models[k].week_totals["in_person"]
    assert served["policy"] > served["baseline"]
    assert engine.TwinRun(engine.Settings("23 Creuse")).models["policy"].policies == []  # at off
    with pytest.raises(ValueError, match="unknown control"):
        controls.policy_specs({"toy_extr": 0.2})


def test_grid_keys_by_name_and_by_position_set_the_same_dose():
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    exp = experiment.load(root / "experiments" / "solidarity_dose.toml")
    sdata = next(sd for p, sd in exp.scenarios if sd.get("policies"))
    by_pos, _ = experiment.apply_point(sdata, {"policies.0.participation": 0.3})
    by_name, applied = experiment.apply_point(sdata, {"solidarity_days.participation": 0.3})
    assert by_pos == by_name and applied == {"solidarity_days.participation": 0.3}
    assert by_name["policies"][0]["participation"] == 0.3


def test_indicator_formats_print_no_negative_zero():
    ind = indicators.INDICATORS["forgone"]
    assert ind.format(-0.0) == ind.format(-1e-9) == ind.format(0.0)
    assert not ind.format(-1e-9).startswith("-")
    assert ind.format(-5.0).startswith("-")  # a real negative keeps its sign
