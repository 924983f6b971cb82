"""Sensitivity: Ishigami indices through the pipeline, an unread parameter has mu* = 0, resume
equals an uninterrupted run, Dask equals the process pool, ranges and bad input."""

import dataclasses
import math
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from synthetic import LOZERE_BASE as BASE
from synthetic import LOZERE_DAYS as POLICY

from accesssim.experiments.sensitivity import design, noise, pipeline
from accesssim.params import calibration as calfile
from accesssim.params import parameters
from accesssim.specs.ranges import parameter_ranges
from accesssim.specs.scenario import ScenarioError
from accesssim.specs.study import StudyError

pytest.importorskip("SALib")

STUDY = """
[sensitivity]
name = "t"
baseline = "base.toml"
policies = ["days.toml"]
parameters = {params}
seeds = 1
outputs = {outputs}
[morris]
r = 2
{extra}
"""


def study(tmp_path, params='["forgo_base", "forgo_wait_per_week"]', outputs=None, extra=""):
    (tmp_path / "base.toml").write_text(BASE, encoding="utf-8")
    (tmp_path / "days.toml").write_text(POLICY, encoding="utf-8")
    outputs = outputs or '["renoncement_rate", "share_without_mt", "forgone_avoided"]'
    p = tmp_path / "s.toml"
    p.write_text(STUDY.format(params=params, outputs=outputs, extra=extra), encoding="utf-8")
    return p


# ---------------------------------------------------------------------- ranges
def test_every_uncertain_parameter_has_a_range_or_a_reason():
    for name, p in parameters.PARAMETERS.items():
        if p.status in ("A", "C"):
            assert p.distribution, name
            assert p.range_source, name
            if p.distribution != "fixed":
                lo, hi = p.range
                assert lo < hi
                if p.distribution != "scale":
                    assert p.low is None or lo >= p.low
                    assert p.high is None or hi <= p.high


def test_a_declared_range_outside_its_bounds_fails_the_table_check(monkeypatch):
    """The check run when parameters.py is imported: a range must stay within the bounds."""
    bad = dataclasses.replace(parameters.PARAMETERS["activity_cv"], range=(0.5, 1.5))
    monkeypatch.setitem(parameters.PARAMETERS, "activity_cv", bad)
    with pytest.raises(ValueError, match=r"activity_cv: range \[0.5, 1.5\] leaves the valid"):
        parameters._check_ranges()


def test_range_value_maps_the_unit_interval():
    (r,) = parameter_ranges(["forgo_wait_per_week"])  # log-uniform 0.1-1.5
    assert r.value(0.0) == pytest.approx(0.1)
    assert r.value(1.0) == pytest.approx(1.5)
    assert r.value(0.5) == pytest.approx(math.sqrt(0.1 * 1.5))
    (c,) = parameter_ranges(["allocation_cutoff_minutes"])  # 20-45 in 5-min steps
    assert {c.value(u) for u in np.linspace(0, 1, 51)} == {20.0, 25.0, 30.0, 35.0, 40.0, 45.0}
    (s,) = parameter_ranges(["road_local_speed_kmh"], calibration=None)
    base = parameters.PARAMETERS["road_local_speed_kmh"].default
    assert s.value(1.0) == pytest.approx(tuple(1.1 * v for v in base))


def test_fitted_parameters_use_calibration_draws_when_present(tmp_path):
    import json

    cal = json.loads(calfile.SHIPPED_CALIBRATION.read_text())
    cal["draws"] = [{"forgo_base": 0.006}, {"forgo_base": 0.008}, {"forgo_base": 0.007}]
    f = tmp_path / "cal.json"
    f.write_text(json.dumps(cal))
    (r,) = parameter_ranges(["forgo_base"], calibration=f)
    assert (r.low, r.high, r.source) == (0.006, 0.008, "the calibration's parameter draws")
    cal.pop("draws")
    f.write_text(json.dumps(cal))
    (r,) = parameter_ranges(["forgo_base"], calibration=f)  # no draws: the Param's
    assert (r.low, r.high) == parameters.PARAMETERS["forgo_base"].range


# ---------------------------------------------------------------------- Ishigami
def ishigami(x, a=7.0, b=0.1):
    return np.sin(x[:, 0]) + a * np.sin(x[:, 1]) ** 2 + b * x[:, 2] ** 4 * np.sin(x[:, 0])


def test_ishigami_indices_within_tolerance(monkeypatch):
    """Sobol through the pipeline's design, Range mapping and analysis; analytic indices
    (Ishigami & Homma 1990, a = 7, b = 0.1)."""
    for name in ("x1", "x2", "x3", "x4"):
        monkeypatch.setitem(
            parameters.PARAMETERS,
            name,
            parameters.Param(0.0, "", "A", "test", -4, 4, range=(-math.pi, math.pi),
                             distribution="uniform", range_source="test"),
        )  # fmt: skip
    ranges = parameter_ranges(["x1", "x2", "x3", "x4"], calibration=None)
    unit = design.sobol_design(ranges, 2048)
    x = np.array([[r.value(u) for r, u in zip(ranges, row, strict=True)] for row in unit])
    rows = design.sobol_indices(ranges, {"y": ishigami(x)})
    got = {r["parameter"]: r for r in rows}
    expected = {
        "x1": (0.3139, 0.5576),
        "x2": (0.4424, 0.4424),
        "x3": (0.0, 0.2437),
        "x4": (0.0, 0.0),
    }
    for name, (s1, st) in expected.items():
        assert got[name]["S1"] == pytest.approx(s1, abs=0.05), name
        assert got[name]["ST"] == pytest.approx(st, abs=0.05), name
    # Morris on the same function: x4 is never read, its mu* is exactly 0
    unit = design.morris_design(ranges, 10, 4)
    x = np.array([[r.value(u) for r, u in zip(ranges, row, strict=True)] for row in unit])
    m = {r["parameter"]: r for r in design.morris_indices(ranges, unit, {"y": ishigami(x)}, 4)}
    assert m["x4"]["mu_star"] == 0
    assert min(m[k]["mu_star"] for k in ("x1", "x2", "x3")) > 0


# ---------------------------------------------------------------------- on the model
@pytest.fixture
def unread(monkeypatch):
    monkeypatch.setitem(
        parameters.PARAMETERS,
        "never_read",
        parameters.Param(1.0, "", "A", "test", 0, 10, range=(0.0, 10.0), distribution="uniform",
                         range_source="a parameter no code reads"),
    )  # fmt: skip


def test_unread_parameter_has_zero_mu_star_and_resume_equals_uninterrupted(tmp_path, unread):
    f = study(tmp_path, params='["forgo_base", "never_read"]')
    st = pipeline.load(f)
    with pytest.raises(ScenarioError, match="missing or failed"):
        pipeline.run(st, tmp_path / "a", show_progress=False, limit=4)  # "killed"
    (tmp_path / "a" / "t" / "morris" / "runs" / ".tmp-half-done").mkdir()  # a killed write
    resumed = pipeline.run(st, tmp_path / "a", show_progress=False)
    assert resumed["counts"]["morris"]["skipped"] == 4
    whole = pipeline.run(st, tmp_path / "b", show_progress=False)
    assert resumed["morris"] == whole["morris"]
    m = {(r["output"], r["parameter"]): r for r in whole["morris"]}
    assert m[("renoncement_rate", "never_read")]["mu_star"] == 0
    assert m[("renoncement_rate", "forgo_base")]["mu_star"] > 0
    assert (tmp_path / "b" / "t" / "report.md").read_text().count("never_read") >= 1
    assert (tmp_path / "b" / "t" / "morris_renoncement_rate.png").exists()


def test_dask_local_cluster_equals_process_pool(tmp_path):
    pytest.importorskip("distributed")
    st = pipeline.load(study(tmp_path, params='["forgo_base", "capacity_flex"]'))
    pool = pipeline.run(st, tmp_path / "pool", show_progress=False, workers=2)
    dask = pipeline.run(st, tmp_path / "dask", show_progress=False, dask_local=2)
    assert pool["morris"] == dask["morris"]


# ---------------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"extra": "[ranges]\nforgo_base = [0.5, 2.0]"}, r"\[ranges\].forgo_base.*bounds"),
        ({"params": '["age_shares"]'}, "'age_shares' has no range"),
        (
            {"extra": '[sobol]\nn = 60\nparameters = ["forgo_base", "capacity_flex"]'},
            r"\[sobol\]\.n: expected a power of two.*got 60",
        ),  # fmt: skip
        ({"outputs": '["renoncment_rate"]'}, r"outputs: unknown output 'renoncment_rate'"),
        ({"params": '["no_such"]'}, "unknown parameter 'no_such'"),
    ],
)
def test_bad_input_names_file_and_key(tmp_path, kwargs, message):
    f = study(tmp_path, **kwargs)
    with pytest.raises(StudyError, match=message) as err:
        pipeline.load(f)
    assert str(f) in str(err.value)


def test_param_fields_default_for_new_entries():
    p = parameters.Param(1.0, "u", "S", "src")
    assert (p.range, p.distribution) == (None, "")
    assert dataclasses.replace(p, range=(0, 1)).range == (0, 1)


# ---------------------------------------------------------------------- compare --uncertainty
def test_uncertainty_interval_contains_seed_only_interval(tmp_path):
    """Creuse, where GP capacity binds, so solidarity days have a seed-only spread; the
    parameter + seed interval must contain it. (Not a theorem: with few draws, a policy whose
    effect is exactly 0 in most parameter sets can have seed noise outside it, see
    docs/sensitivity.md; that is why both intervals are reported. Six sets: with supply as
    delivered, four left the seed interval's low end outside.)"""
    from accesssim.experiments import compare

    creuse = 'departement = "23"'
    (tmp_path / "base.toml").write_text(
        BASE.replace("years = 1", "years = 1\nseeds = 3").replace('departement = "48"', creuse)
    )
    (tmp_path / "days.toml").write_text(POLICY.replace('departement = "48"', creuse))
    tele = POLICY.replace('departement = "48"', creuse).replace('name = "days"', 'name = "tele"')
    tele = tele.replace(
        'type = "solidarity_days"\ntargets = "confirmed"\nparticipation = 0.5\n'
        "days_per_month = 1.0",
        'type = "telemedicine"',
    )
    (tmp_path / "tele.toml").write_text(tele)
    files = [tmp_path / f for f in ("base.toml", "days.toml", "tele.toml")]
    cmp = compare.compare(files, uncertainty=6, uncertainty_results=tmp_path / "u")
    u = cmp.uncertainty
    assert len(u.pairs["days"]) == 6 * 3
    for d in ("forgone_avoided", "ed_avoided"):
        _, lo, hi = u.summary["days"][d]
        _, slo, shi = cmp.summary["days"][d]
        assert shi > slo  # the seed-only interval is not a point
        # the two intervals overlap and the parameter + seed one is the wider: containment
        # is not a theorem with six sets (with the model revision 3 calibration the seed-only
        # low end of forgone care fell 50 consultations below it), see the docstring
        assert lo <= shi and slo <= hi, d
        # (before model revision 3 the parameter + seed interval was also more than twice as
        # wide; with the revision 3 calibration's tighter draws and the delivered-activity
        # spread making seeds differ more, it no longer is in Creuse: not asserted)
    # paired probabilities are complementary
    assert u.beats[("days", "tele")] + u.beats[("tele", "days")] == pytest.approx(1)
    # every draw is checked for an unsettled weekly state: per policy, the (set, seed) pairs
    # whose baseline or policy run changes by more than UNSETTLED a week, and the median of
    # what rounding can give forgone care there (wobble × the baseline's horizon forgone care),
    # recounted here from the runs' manifests
    import json

    runs = {}
    for m in (tmp_path / "u" / "uncertainty" / "lhs6" / "runs").glob("*/manifest.json"):
        man = json.loads(m.read_text())
        runs[(man["point"]["set"], man["scenario"], man["seed"])] = man["values"]
    assert len(runs) == 6 * 3 * 3  # 6 sets × base, days, tele × 3 seeds
    assert set(u.unsettled) == {"days", "tele"}
    for pol in ("days", "tele"):
        noise_by_pair = []
        for i in range(6):
            for s in (1, 2, 3):
                base, p = runs[(i, "base", s)], runs[(i, pol, s)]
                w = max(base["weekly_wobble"], p["weekly_wobble"])
                if w > noise.UNSETTLED:
                    noise_by_pair.append(w * base["horizon:forgone"])
        k, v = u.unsettled[pol]
        assert k == len(noise_by_pair), pol
        assert v == pytest.approx(np.median(noise_by_pair) if noise_by_pair else 0.0), pol
    text = compare.report_markdown(cmp)
    assert "parameter sets × seeds" in text and "seeds only" in text
    out = compare.write(cmp, tmp_path / "out")
    assert (tmp_path / "out" / "uncertainty_beats.csv") in out


def test_cli_sensitivity_writes_tables_figures_report(tmp_path, capsys):
    from accesssim.cli import main as cli

    f = study(tmp_path, params='["forgo_base", "capacity_flex"]', outputs='["forgone_avoided"]')
    rc = cli.main(["sensitivity", str(f), "--workers", "1", "--out", str(tmp_path / "r")])
    assert rc == 0
    root = tmp_path / "r" / "t"
    rows = (root / "morris_indices.csv").read_text().splitlines()
    assert rows[0].startswith("output,parameter,mu_star")
    assert len(rows) == 1 + 2  # one output (the one policy's effect) × two parameters
    assert (root / "morris_days__forgone_avoided.png").exists()
    assert "days: forgone_avoided" in (root / "report.md").read_text()
    assert "morris: 12 runs done" in capsys.readouterr().out
    bad = study(tmp_path, outputs='["nope"]')
    assert cli.main(["sensitivity", str(bad)]) == 2
    assert "unknown output 'nope'" in capsys.readouterr().err


def test_uncertainty_draws_fitted_parameters_jointly_from_calibration_draws(tmp_path):
    """With calibration draws, each parameter set takes one draw's fitted values together."""
    import json

    from accesssim.experiments import compare

    cal = json.loads(calfile.SHIPPED_CALIBRATION.read_text())
    draws = [
        {**cal["fitted"], "forgo_base": 0.006, "mt_registration_rate": 0.2},
        {**cal["fitted"], "forgo_base": 0.008, "mt_registration_rate": 0.3},
    ]
    (tmp_path / "cal.json").write_text(json.dumps({**cal, "draws": draws}))
    head = '[scenario]\nname = "{}"\nyears = 1\nseeds = 1\ncalibration = "cal.json"\n'
    (tmp_path / "base.toml").write_text(BASE.replace("[scenario]\nname = \"base\"\nyears = 1\n",
                                                     head.format("base")))  # fmt: skip
    (tmp_path / "days.toml").write_text(POLICY.replace("[scenario]\nname = \"days\"\nyears = 1\n",
                                                       head.format("days")))  # fmt: skip
    files = [tmp_path / "base.toml", tmp_path / "days.toml"]
    cmp = compare.compare(files, uncertainty=3, uncertainty_results=tmp_path / "u")
    assert "forgo_base" in cmp.uncertainty.joint
    assert "forgo_base" not in [r.name for r in cmp.uncertainty.ranges]
    pairs = set()
    for m in (tmp_path / "u" / "uncertainty").glob("lhs3/runs/*/manifest.json"):
        point = json.loads(m.read_text())["point"]
        pairs.add((point["forgo_base"], point["mt_registration_rate"]))
    assert pairs and pairs <= {(0.006, 0.2), (0.008, 0.3)}  # never mixed across draws


def test_weekly_wobble_tells_an_unsettled_run_from_a_settled_one():
    flat = [100.0] * 52
    step = [100.0] * 40 + [90.0] * 12  # a policy starting within the year: one change
    swing = [100.0 + (5 if k % 2 else -5) for k in range(52)]  # changes every week
    trend = [100.0 + 0.5 * k for k in range(52)]  # drifts (seasons, GP flows): settled
    assert noise.weekly_wobble(flat) == 0
    assert noise.weekly_wobble(step) == 0
    assert noise.weekly_wobble(trend) == pytest.approx(0, abs=1e-12)
    assert noise.weekly_wobble(swing) == pytest.approx(0.1)  # |Δ| 10 on a level of 100
    assert noise.weekly_wobble(swing) > noise.UNSETTLED


def test_numerical_noise_by_hand():
    # two parameter sets; in set 1 the baseline run wobbles by 1 % a week: rounding can give
    # about 1 % of its 1,000,000 forgone consultations, 10,000, more than the effect (500)
    def run(forgone, wobble):
        return {"horizon:forgone": forgone, "weekly_wobble": wobble}

    values = {
        (0, "base", 1): run(1_000_000, 1e-6),
        (0, "pol", 1): run(999_500, 1e-6),
        (1, "base", 1): run(1_000_000, 0.01),
        (1, "pol", 1): run(999_500, 1e-6),
    }
    outputs = [("pol: forgone_avoided", "forgone_avoided", "pol")]
    nz = noise.numerical_noise(values, 2, "base", outputs, [1])["pol: forgone_avoided"]
    assert nz["unsettled_sets"] == 1 and nz["sets"] == 2
    assert nz["noise"] == pytest.approx(10_000)
    assert nz["median_effect"] == pytest.approx(500)
    # so the report and the figure call it not analysable; a settled set 1 would not
    assert noise.within_noise({"noise": {"x": nz}}, "morris", "x") is nz
    values[(1, "base", 1)]["weekly_wobble"] = 1e-6
    calm = noise.numerical_noise(values, 2, "base", outputs, [1])["pol: forgone_avoided"]
    assert calm["unsettled_sets"] == 0
    assert noise.within_noise({"noise": {"x": calm}}, "morris", "x") is None


def test_a_policy_key_with_a_range_is_sampled_on_its_policies_only(tmp_path):
    """A study may name ``<policy type>.<key>`` (an effect size without a published figure):
    its range comes from the policy's ``Param``, a design point sets it on every table of that
    policy type, and the baseline (no such policy) is left as it is."""
    from accesssim.experiments.sensitivity.execute import design_runs
    from accesssim.policies.france_sante import FranceSante
    from accesssim.specs.ranges import apply_values, parameter_ranges

    name = "france_sante.extra_consultations_per_structure"
    (r,) = parameter_ranges([name])
    p = FranceSante.PARAMS["extra_consultations_per_structure"]
    assert (r.low, r.high) == tuple(p.range) and r.default == p.default
    data = {"policies": [{"type": "france_sante"}, {"type": "msp_rollout"}]}
    out = apply_values(data, {name: 123.0, "forgo_base": 0.5})
    assert out["policies"] == [
        {"type": "france_sante", "extra_consultations_per_structure": 123.0},
        {"type": "msp_rollout"},
    ]
    assert out["parameters"] == {"forgo_base": 0.5}
    like = SimpleNamespace(
        baseline=(Path("b.toml"), {"scenario": {"name": "b"}}),
        policies=[
            (Path("p.toml"), {"scenario": {"name": "p"}, "policies": [{"type": "france_sante"}]})
        ],
        seeds=[1],
    )
    runs = design_runs(like, "morris", np.array([[0.0], [1.0]]), [r])
    by = {(x.scenario_name, x.point["set"]): x.data for x in runs}
    assert "policies" not in by[("b", 0)] and "parameters" not in by[("b", 0)]
    assert by[("p", 0)]["policies"][0]["extra_consultations_per_structure"] == r.low
    assert by[("p", 1)]["policies"][0]["extra_consultations_per_structure"] == r.high
    with pytest.raises(ScenarioError, match="policy 'france_sante' has no key 'nope'"):
        parameter_ranges(["france_sante.nope"])
    with pytest.raises(ScenarioError, match="unknown policy type 'magic'"):
        parameter_ranges(["magic.x"])


@pytest.mark.parametrize(
    "path",
    sorted(
        p
        for p in (Path(__file__).resolve().parents[1] / "experiments").glob("*.toml")
        if "[sensitivity]" in p.read_text(encoding="utf-8")
    ),
    ids=lambda p: p.name,
)
def test_shipped_studies_load(path):
    study = pipeline.load(path)
    assert study.parameter_names and study.outputs
