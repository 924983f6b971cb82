"""The budget optimiser (accesssim optimise): plan files, the exact proxy MILP, baselines."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy import sparse

from accesssim.core import access
from accesssim.experiments.optimise import baselines, milp, proxy
from accesssim.geo import travel
from accesssim.specs import plan as planfile

LOZERE = {"departement": "48"}


def plan_dict(levers=None, constraints=None, **head):
    data = {
        "plan": {"name": "t", "years": 2, "seeds": 1, "budget_per_year": 1e6, **head},
        "territory": dict(LOZERE),
        "levers": levers
        if levers is not None
        else [{"type": "salaried_gps", "max_per_unit": 2}, {"type": "france_sante"}],
    }
    if constraints:
        data["constraints"] = constraints
    return data


@pytest.fixture(scope="module")
def lozere():
    pl = planfile.from_dict(plan_dict(), "lozere.toml")
    return proxy.build(pl)


@pytest.fixture(scope="module")
def four_lowest(lozere):
    """The SIRENs of Lozère's four lowest-APL EPCIs with candidates."""
    order = baselines.epci_order(lozere, "lowest_apl")[:4]
    return [str(s) for s in lozere.territory.epcis.siren[order]]


def small(four_lowest, budget, objective, max_per_epci=None):
    levers = [
        {"type": "salaried_gps", "max_per_unit": 2, "epcis": four_lowest[:3]},
        {"type": "france_sante", "max_per_unit": 1, "epcis": four_lowest},
    ]
    cons = {"max_per_epci": max_per_epci} if max_per_epci is not None else None
    pl = planfile.from_dict(
        plan_dict(levers, cons, budget_per_year=budget, objective=objective), "small.toml"
    )
    return proxy.build(pl)


def brute_force(p, objective):
    best = None
    plan = p.plan
    for x in itertools.product(*(range(int(c) + 1) for c in p.cap)):
        x = np.array(x, float)
        cy, ct = p.cost(x)
        if plan.budget_per_year is not None and cy > plan.budget_per_year:
            continue
        if plan.max_per_epci is not None:
            per = np.bincount(p.epci, weights=x)
            if per.max() > plan.max_per_epci:
                continue
        v = p.objectives(x)[objective]
        if best is None or (v > best if objective == "lifted" else v < best):
            best = v
    return best


@pytest.mark.parametrize("objective", ["lifted", "shortfall"])
@pytest.mark.parametrize("budget,max_per_epci", [(4e5, None), (6e5, 2), (9e5, None)])
def test_milp_objective_equals_brute_force(four_lowest, objective, budget, max_per_epci):
    p = small(four_lowest, budget, objective, max_per_epci)
    assert len(p.supply) == 7 and p.cap.sum() == 10
    r = milp.solve(p, k_best=1, mip_rel_gap=0.0)
    expected = brute_force(p, objective)
    assert r.best.figures[objective] == pytest.approx(expected, rel=1e-9, abs=1e-6)
    assert r.best.objective == pytest.approx(expected, rel=1e-6, abs=1e-3)
    assert r.best.gap <= 1e-6


@pytest.mark.parametrize("objective", ["lifted", "shortfall"])
def test_units_beyond_the_unary_ones_still_equal_brute_force(four_lowest, objective):
    # a cap above UNARY_MAX gives a candidate an integer remainder column
    levers = [
        {"type": "salaried_gps", "max_per_unit": milp.UNARY_MAX + 3, "epcis": four_lowest[:1]},
        {"type": "france_sante", "max_per_unit": 1, "epcis": four_lowest[:3]},
    ]
    for budget in (5.5e5, 1.1e6, 1.6e6):
        pl = planfile.from_dict(
            plan_dict(levers, budget_per_year=budget, objective=objective), "cap.toml"
        )
        p = proxy.build(pl)
        assert p.cap.max() > milp.UNARY_MAX
        r = milp.solve(p, k_best=1, mip_rel_gap=0.0)
        expected = brute_force(p, objective)
        assert r.best.figures[objective] == pytest.approx(expected, rel=1e-9, abs=1e-6)


def test_gap_rows_fill_a_commune_exactly_when_the_units_do():
    # sum_u min(x_u a_u, g) >= g  <=>  a . x >= g, for every whole x up to the caps, and the
    # shortfall max(g - fill, 0) equals max(g - a . x, 0)
    rng = np.random.default_rng(7)
    cap = np.array([1, 2, milp.UNARY_MAX, milp.UNARY_MAX + 2])
    units = milp.Units.of(cap.astype(float))
    assert units.U.shape == (4, 1 + 2 + milp.UNARY_MAX + milp.UNARY_MAX + 1)
    for _ in range(20):
        a = rng.uniform(0.0, 1.0, (3, 4)) * (rng.random((3, 4)) < 0.8)
        need = rng.uniform(0.3, 4.0, 3)
        fill = milp.gap_rows(sparse.csr_matrix(a), need, units).toarray()
        for x in itertools.product(*(range(c + 1) for c in cap)):
            x = np.array(x)
            v = np.zeros(len(units.cand))
            for j, (u, k) in enumerate(zip(units.cand, units.level, strict=True)):
                v[j] = (x[u] >= k) if k else max(x[u] - milp.UNARY_MAX, 0)
            np.testing.assert_array_equal(units.U @ v, x)
            assert (units.order_rows(cap) @ v <= 0).all()
            got, direct = fill @ v, a @ x
            np.testing.assert_array_equal(got >= need - 1e-12, direct >= need - 1e-12)
            np.testing.assert_allclose(np.maximum(need - got, 0), np.maximum(need - direct, 0),
                                       atol=1e-12)  # fmt: skip


@pytest.mark.parametrize("budget", [23.0, 100.0, 1e3 + 7])
def test_budget_hull_rows_hold_for_every_whole_plan_and_touch_the_best(budget):
    # per candidate costs; the rows count units per cost. Brute force over the counts.
    cost = np.array([3.0, 3.0, 7.0, 11.0, 0.0])
    rows = milp.budget_hull(cost, budget)
    costs = np.array([3.0, 7.0, 11.0])
    ranges = [range(int(budget // c) + 1) for c in costs]
    feasible = np.array([n for n in itertools.product(*ranges) if np.dot(n, costs) <= budget])
    for w, rhs in rows:
        per_cost = np.array([w[cost == c][0] for c in costs])  # same weight within a cost
        assert all((w[cost == c] == w[cost == c][0]).all() for c in costs) and w[4] == 0
        values = feasible @ per_cost
        assert values.max() <= rhs + 1e-9  # valid
        assert values.max() == pytest.approx(rhs)  # and tight: it touches a whole plan
    # a pair with too many whole points is left out; the one-cost rows stay
    few = milp.budget_hull(np.array([1.0, 2.0]), 2.0 * milp.HULL_POINTS_MAX + 10)
    assert len(few) == 2
    # the fractional corners of the plain budget are cut (3 does not divide 23 or 100)
    corner = np.array([budget / 3, 0, 0, 0, 0]) if budget % 3 else None
    if corner is not None:
        assert any(w @ corner > rhs + 1e-9 for w, rhs in rows)


def test_proxy_apl_equals_an_e2sfca_recompute(lozere):
    r = milp.solve(lozere, "lifted", k_best=2)
    t = lozere.territory
    times = travel.travel_matrix(t, 20.0, travel.METRIC)
    for s in r.solutions:
        assert s.x.sum() > 0
        linear = lozere.apl0 + lozere.A @ s.x
        supply = t.communes.gp * access.ACTS_PER_GP
        np.add.at(supply, lozere.site, s.x * lozere.supply)
        direct = access.e2sfca(supply, t.communes.population.astype(float), times)
        np.testing.assert_allclose(linear, direct, rtol=0, atol=1e-9)
        np.testing.assert_allclose(lozere.apl(s.x), direct, rtol=0, atol=1e-9)


@pytest.mark.parametrize("budget", [1e5, 3.7e5, 1.234e6])
def test_the_budget_is_never_exceeded(budget):
    pl = planfile.from_dict(
        plan_dict(budget_per_year=budget, budget_total=1.5 * budget, k_best=3), "b.toml"
    )
    p = proxy.build(pl)
    r = milp.solve(p)
    assert r.solutions
    for s in r.solutions:
        assert s.cost_year <= budget + 1e-6
        assert s.cost_total <= 1.5 * budget + 1e-6
        assert np.all(s.x <= p.cap) and np.all(s.x >= 0)
    # the K plans are distinct sets of sites
    sets = {tuple(np.flatnonzero(s.x)) for s in r.solutions}
    assert len(sets) == len(r.solutions)


@pytest.mark.parametrize("objective", ["lifted", "shortfall"])
def test_zero_budget_equals_the_baseline(objective):
    p = proxy.build(planfile.from_dict(plan_dict(budget_per_year=0.0), "z.toml"))
    r = milp.solve(p, objective, k_best=1)
    assert r.best.x.sum() == 0 and r.best.cost_year == 0
    assert r.best.figures == r.baseline
    assert r.best.objective == pytest.approx(r.baseline[objective], abs=1e-6)
    np.testing.assert_array_equal(p.apl(r.best.x), p.apl0)


def test_an_infeasible_plan_names_the_binding_constraint():
    levers = [{"type": "docteurs_juniors", "max_per_unit": 1}]
    pl = planfile.from_dict(plan_dict(levers, {"juniors": 5}, budget_per_year=1e5), "j.toml")
    with pytest.raises(milp.InfeasiblePlan, match=r"j.toml.*\[constraints\].juniors = 5.*"
                       r"\[plan\].budget_per_year"):  # fmt: skip
        milp.solve(proxy.build(pl))
    pl = planfile.from_dict(
        plan_dict(levers, {"juniors": 500, "max_per_epci": 1}, budget_per_year=1e9), "j.toml"
    )
    with pytest.raises(milp.InfeasiblePlan, match=r"juniors = 500 exceeds.*max_per_epci = 1"):
        milp.solve(proxy.build(pl))
    # a feasible fixed count is met exactly
    pl = planfile.from_dict(plan_dict(levers, {"juniors": 3}, budget_per_year=1e6), "j.toml")
    r = milp.solve(proxy.build(pl), k_best=1)
    assert r.best.x.sum() == 3


@pytest.mark.parametrize(
    "change,match",
    [
        ({"plan": {"budget_per_year": -1.0}}, r"bad.toml: \[plan\].budget_per_year: expected"),
        (
            {"levers": [{"type": "teleportation"}]},
            r"bad.toml: \[\[levers\]\] #1.type: unknown lever",
        ),
        ({"levers": [{"type": "numerus_pipeline"}]}, r"#1.type: .*a lever without a cost"),
        (
            {"levers": [{"type": "france_sante", "parameters": {"cost_per_structure": 0}}]},
            r"#1.parameters.cost_per_structure: a lever without a cost",
        ),
        ({"territory": {"departement": "999"}}, r"bad.toml: \[territory\].departement"),
        ({"plan": {"objective": "mean_apl"}}, r"\[plan\].objective: .*total supply over total"),
        ({"plan": {"budget_per_year": None}}, r"budget_per_year or \[plan\].budget_total"),
        ({"levers": [{"type": "salaried_gps", "speed": 1}]}, r"\[levers\] unknown key 'speed'"),
    ],
)
def test_bad_input_names_the_file_and_key(change, match):
    data = plan_dict()
    for section, value in change.items():
        if isinstance(value, dict):
            data[section] = {k: v for k, v in {**data[section], **value}.items() if v is not None}
        else:
            data[section] = value
    with pytest.raises(planfile.PlanError, match=match):
        planfile.from_dict(data, "bad.toml")


def test_the_example_plan_loads():
    from accesssim import examples

    pl = planfile.load(examples.ROOT / "plans" / "creuse_france_sante.toml")
    assert [lv.policy for lv in pl.levers] == ["france_sante"]
    fs = pl.levers[0]
    assert fs.unit_cost == 50000.0 and fs.unit_supply == 500.0  # the policy's declared values
    sal = planfile.from_dict(plan_dict(), "s.toml").levers[0]
    assert sal.unit_cost == pytest.approx(13e6 / 71)  # the policy's declared budget per post
    assert sal.unit_supply == 4220.0


def test_baselines_place_the_same_units(lozere):
    r = milp.solve(lozere, "lifted", k_best=1)
    units = baselines.units_by_lever(lozere, r.best.x)
    for rule in ("lowest_apl", "most_under", "random"):
        x = baselines.place(lozere, units, rule)
        assert baselines.units_by_lever(lozere, x) == units
        assert np.all(x <= lozere.cap)
        # the optimum is optimal on the proxy: no baseline of the same spend beats it
        assert lozere.objectives(x)["lifted"] <= r.best.figures["lifted"]


class CoverageProxy(proxy.Proxy):
    """A coverage instance (binary A) for the MCLP cross-check."""

    def apl(self, x):
        return self.apl0 + self.A @ np.asarray(x, float)

    def objectives(self, x):
        a = self.apl(x)
        pop = self.population * self.counted
        return {"lifted": float(pop[a >= self.threshold].sum()), "shortfall": 0.0}


def test_lifted_equals_spopt_mclp_on_a_coverage_instance():
    spopt = pytest.importorskip("spopt.locate")
    pulp = pytest.importorskip("pulp")
    rng = np.random.default_rng(3)
    n_dem, n_fac, p_fac = 30, 8, 3
    cover = (rng.random((n_dem, n_fac)) < 0.25).astype(float)
    weights = rng.integers(1, 100, n_dem).astype(float)
    pl = planfile.from_dict(
        plan_dict(budget_per_year=float(p_fac)), "cov.toml", check_territory=False
    )
    p = CoverageProxy(
        plan=pl, territory=None, w=None, supply0=None, population=weights,
        apl0=np.zeros(n_dem), counted=np.ones(n_dem, bool), lever=np.zeros(n_fac, np.int64),
        epci=np.arange(n_fac), site=np.arange(n_fac), supply=np.ones(n_fac),
        cost_year=np.ones(n_fac), cost_total=np.ones(n_fac), cap=np.ones(n_fac),
        A=sparse.csc_matrix(cover),
    )  # fmt: skip
    pl.threshold = 0.999  # covered = APL 1 (the program asks for t + MARGIN, a tolerance)
    r = milp.solve(p, "lifted", k_best=1)
    mclp = spopt.MCLP.from_cost_matrix(
        np.where(cover > 0, 0.0, 10.0), weights, service_radius=1.0, p_facilities=p_fac
    ).solve(pulp.PULP_CBC_CMD(msg=False))
    assert r.best.objective == pytest.approx(pulp.value(mclp.problem.objective))


def test_cli_optimise_writes_the_folder_and_api_returns_frames(tmp_path, capsys):
    import json

    import accesssim
    from accesssim import examples
    from accesssim.cli import main as cli

    example = examples.ROOT / "plans" / "creuse_france_sante.toml"
    out = tmp_path / "opt"
    assert cli.main(["optimise", str(example), "--out", str(out), "--no-figures"]) == 0
    text = capsys.readouterr().out
    assert "## Proven: optimal on the access proxy" in text and "## Simulated" in text
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["command"] == "optimise" and manifest["simulated"]
    names = {f["path"] if isinstance(f, dict) else f for f in manifest["files"]}
    assert any("plan.csv" in str(n) for n in names)
    for name in ("plan.csv", "proxy_comparison.csv", "simulation_comparison.csv", "plan.geojson",
                 "report.md"):  # fmt: skip
        assert (out / name).exists(), name
    layer = json.loads((out / "plan.geojson").read_text())
    assert all(isinstance(f["properties"]["epci"], str) for f in layer["features"])

    res = accesssim.optimise(example, simulate=False)
    assert res.plan["epci"].map(type).eq(str).all()
    assert res.plan["site_commune"].str.len().eq(5).all()
    plan1 = res.proxy.set_index("allocation").loc["plan_1"]
    assert plan1["lifted"] == pytest.approx(plan1["solver_objective"])
    assert plan1["cost_first_year_eur"] <= 300000.0
    assert res.simulation.empty and "not simulated" in repr(res)
    # the same plan in the folder and from the API (the proxy is deterministic)
    import pandas as pd

    written = pd.read_csv(out / "proxy_comparison.csv")
    assert written["lifted"].tolist() == res.proxy["lifted"].tolist()


def test_cli_optimise_reports_a_bad_plan(tmp_path, capsys):
    from accesssim.cli import main as cli

    bad = tmp_path / "bad.toml"
    bad.write_text('[plan]\nname = "b"\nbudget_per_year = -5.0\n[[levers]]\ntype = "msp_rollout"\n')
    assert cli.main(["optimise", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "bad.toml: [plan].budget_per_year" in err


def test_objective_simulated_ranks_the_proxy_plans_in_the_simulation():
    from accesssim.experiments.optimise import run, write

    data = plan_dict(
        [{"type": "france_sante", "max_per_unit": 1}],
        objective="simulated",
        years=1,
        seeds=1,
        budget_per_year=1e5,
        k_best=2,
    )
    data["territory"] = {"departement": "23"}
    r = run.optimise(planfile.from_dict(data, "s.toml"))
    assert r.solved.objective == "shortfall"  # the proxy's ranking
    text = write.report_text(r)
    assert "Objective 'simulated': of the 2 proxy plans simulated" in text
    assert {row["name"] for row in r.simulation_rows()} >= {"plan_1", "plan_2"}


def test_a_plan_with_salaried_gps_juniors_and_solidarity_days_is_simulated_where_placed():
    from accesssim.experiments import runner
    from accesssim.experiments.optimise import simulate

    levers = [
        {"type": "salaried_gps", "max_per_unit": 2},
        {"type": "docteurs_juniors", "max_per_unit": 2},
        {"type": "solidarity_days", "max_per_unit": 50},
    ]
    pl = planfile.from_dict(plan_dict(levers, years=1, seeds=1), "every.toml")
    p = proxy.build(pl)
    x = milp.solve(p).best.x
    specs = {s["type"]: s for s in simulate.policies_of(p, x)}
    assert set(specs) == {"salaried_gps", "docteurs_juniors", "solidarity_days"}
    sc = simulate._scenario(p, "plan_1", list(specs.values()))
    m = runner.run_one(sc, 1, sc.load_territory())
    e = m.territory.epcis
    planned = {}
    for u in np.flatnonzero(x > 0):
        key = (pl.levers[p.lever[u]].policy, str(p.territory.epcis.siren[p.epci[u]]))
        planned[key] = planned.get(key, 0) + int(x[u])
    by_kind = {pol.kind: pol for pol in m.policies}
    sal = by_kind["salaried_gps"]
    got = {}
    for s in e.siren[m.territory.communes.epci[m.gp_commune[sal.gps]]]:
        got[("salaried_gps", str(s))] = got.get(("salaried_gps", str(s)), 0) + 1
    assert got == {k: v for k, v in planned.items() if k[0] == "salaried_gps"}
    juniors = np.concatenate(by_kind["docteurs_juniors"].cohorts)
    got = {}
    for s in e.siren[m.territory.communes.epci[m.gp_commune[juniors]]]:
        got[("docteurs_juniors", str(s))] = got.get(("docteurs_juniors", str(s)), 0) + 1
    assert got == {k: v for k, v in planned.items() if k[0] == "docteurs_juniors"}
    rows = {r["type"]: r for r in m.policy_rows}
    assert rows["salaried_gps"]["posts_opened"] == sum(
        v for k, v in planned.items() if k[0] == "salaried_gps"
    )
    assert rows["docteurs_juniors"]["juniors_active"] == sum(
        v for k, v in planned.items() if k[0] == "docteurs_juniors"
    )
    days = sum(v for k, v in planned.items() if k[0] == "solidarity_days")
    assert 0 < rows["solidarity_days"]["days"] <= days + 1e-6


def test_salaried_gps_and_juniors_default_placement_is_unchanged():
    from accesssim.policies.juniors import DocteursJuniors
    from accesssim.policies.salaried_gps import SalariedGps

    assert SalariedGps.PARAMS["rule"].default == "underserved"
    assert DocteursJuniors.PARAMS["rule"].default == "underserved"
    with pytest.raises(ValueError, match="epcis: rule = 'list' needs a list"):
        SalariedGps({"type": "salaried_gps", "rule": "list"})


def test_stage_two_with_parameter_uncertainty(tmp_path):
    from accesssim.experiments.optimise import run, write

    data = plan_dict(
        [{"type": "salaried_gps", "max_per_unit": 1}], years=1, seeds=1, k_best=1,
        budget_per_year=4e5,
    )  # fmt: skip
    data["territory"] = {"departement": "23"}
    data["simulation"] = {"uncertainty": 2}
    r = run.optimise(planfile.from_dict(data, "u.toml"), uncertainty_results=tmp_path)
    rows = {row["name"]: row for row in r.simulation_rows()}
    assert "plan_1" in rows and not any(k.startswith("plan_") for k in r.simulation.skipped)
    row = rows["plan_1"]
    assert row["parameter_sets"] == 2
    assert row["forgone_avoided_param_p5"] <= row["forgone_avoided_param"]
    assert row["forgone_avoided_param"] <= row["forgone_avoided_param_p95"]
    text = write.report_text(r)
    assert "### Parameter uncertainty (2 parameter sets x 1 seeds" in text
    assert "parameters and seeds" in text and "seeds only" in text
    with pytest.raises(planfile.PlanError, match=r"\[simulation\].uncertainty"):
        planfile.from_dict({**data, "simulation": {"uncertainty": 1}}, "u.toml")


def test_the_plan_layer_is_also_a_geopackage_listed_in_the_manifest(tmp_path):
    pytest.importorskip("pyogrio")
    import json

    from pyogrio import read_info
    from pyogrio.raw import read

    from accesssim.experiments.optimise import run, write

    data = plan_dict([{"type": "france_sante", "max_per_unit": 1}], budget_per_year=2e5, k_best=1)
    r = run.optimise(planfile.from_dict(data, "g.toml"), simulate_plans=False)
    out = tmp_path / "opt"
    write.write(r, out, figures=False)
    manifest = json.loads((out / "manifest.json").read_text())
    names = {str(f["path"] if isinstance(f, dict) else f) for f in manifest["files"]}
    assert "plan.gpkg" in names and "gpkg" not in manifest["outputs_skipped"]
    info = read_info(out / "plan.gpkg", layer="plan")
    gj = json.loads((out / "plan.geojson").read_text())["features"]
    assert info["geometry_type"] == "MultiPolygon" and info["features"] == len(gj)
    _, _, geoms, fields = read(out / "plan.gpkg", layer="plan")
    cols = dict(zip(info["fields"].tolist(), fields, strict=True))
    assert [str(v) for v in cols["epci"]] == [f["properties"]["epci"] for f in gj]
    assert cols["plan_units"].tolist() == [f["properties"]["plan_units"] for f in gj]
    assert int(cols["plan_units"].sum()) == int(r.solved.best.x.sum())


def test_p_beats_official_pairs_each_plan_with_the_official_list_seed_by_seed():
    from accesssim.experiments.optimise import run

    data = plan_dict(
        [{"type": "france_sante", "max_per_unit": 1}],
        years=1,
        seeds=3,
        budget_per_year=1e5,
        k_best=1,
    )
    pl = planfile.from_dict(data, "official.toml")
    r = run.optimise(pl)
    assert r.baselines["official"].any()  # Lozère has a confirmed priority EPCI
    by_seed = {}
    for row in r.simulation.comparison.per_seed:
        by_seed.setdefault(row["scenario"], {})[row["seed"]] = row["forgone_avoided"]
    official = by_seed["official"]
    assert len(official) == 3
    rows = {row["name"]: row for row in r.simulation.rows}
    assert np.isnan(rows["official"]["p_beats_official"])
    for name in ("plan_1", "lowest_apl", "random"):
        if name not in rows:
            continue
        mine = by_seed[name]
        assert mine.keys() == official.keys()
        wins = [(mine[s] > official[s]) + 0.5 * (mine[s] == official[s]) for s in official]
        assert rows[name]["p_beats_official"] == pytest.approx(np.mean(wins))


def test_run_all_on_two_workers_gives_the_tables_of_one():
    # one scenario a task on spawned processes; each run depends on its seed only
    from accesssim.experiments import compare
    from accesssim.experiments.optimise import simulate

    p = proxy.build(planfile.from_dict(plan_dict(years=1, seeds=2), "w.toml"))
    x = np.zeros(len(p.supply))
    x[np.flatnonzero(p.lever == 1)[:2]] = 1  # two France Santé labels
    scs = [simulate._scenario(p, "no_change", []),
           simulate._scenario(p, "plan", simulate.policies_of(p, x))]  # fmt: skip
    one = compare.run_all(scs, workers=1)
    two = compare.run_all(scs, workers=2)
    for a, b in zip(one, two, strict=True):
        assert a.scenario.seeds == b.scenario.seeds == [1, 2]
        for table in ("weekly", "monthly", "yearly", "groups", "policy", "no_effect"):
            assert getattr(a, table) == getattr(b, table), table
        assert a.yearly and [r["seed"] for r in a.weekly][:1] == [1]
    assert one[0].yearly != one[1].yearly  # the plan changed something


def test_refine_moves_keep_the_spend_and_the_caps(lozere):
    from accesssim.experiments.optimise import refine

    x = milp.solve(lozere, "lifted", k_best=1).best.x
    siren = lozere.territory.epcis.siren.astype(str)
    forgone = {s: float(i) for i, s in enumerate(siren)}  # a made-up ranking
    moves = refine.propose(lozere, x, forgone, 50)
    assert moves
    for u, v in moves:
        assert lozere.lever[u] == lozere.lever[v] and lozere.epci[u] != lozere.epci[v]
        assert x[u] >= 1 and x[v] < lozere.cap[v]
        y = x.copy()
        y[u] -= 1
        y[v] += 1
        assert lozere.cost(y) == pytest.approx(lozere.cost(x))
    # a preferred destination comes first, whatever its forgone care
    room = np.flatnonzero((lozere.lever == lozere.lever[moves[0][0]]) & (x < lozere.cap))
    pick = room[-1]
    pref = np.full(len(x), np.inf)
    pref[pick] = 0
    first = refine.propose(lozere, x, forgone, 50, pref)[0]
    assert first[1] == pick
    # sources by least forgone care, destinations by most: the first move pairs the extremes
    u, v = moves[0]
    li = lozere.lever[u]
    used = np.flatnonzero((lozere.lever == li) & (x > 0))
    room = np.flatnonzero((lozere.lever == li) & (x < lozere.cap))
    assert forgone[siren[lozere.epci[u]]] == min(forgone[siren[lozere.epci[k]]] for k in used)
    assert forgone[siren[lozere.epci[v]]] == max(forgone[siren[lozere.epci[k]]] for k in room)


def test_cli_optimise_refine_reports_the_moves_and_checks_on_fresh_seeds(tmp_path, capsys):
    import json

    import pandas as pd

    from accesssim.cli import main as cli

    data = plan_dict([{"type": "france_sante", "max_per_unit": 1}], years=1, seeds=2,
                     budget_per_year=2e5, k_best=1)  # fmt: skip
    path = tmp_path / "r.toml"
    lines = []
    for section in ("plan", "territory"):
        lines.append(f"[{section}]")
        lines += [f"{k} = {json.dumps(v)}" for k, v in data[section].items()]
    lines += ["[[levers]]", 'type = "france_sante"', "max_per_unit = 1"]
    path.write_text("\n".join(lines) + "\n")
    out = tmp_path / "opt"
    args = ["optimise", str(path), "--out", str(out), "--no-figures", "--refine", "1",
            "--refine-moves", "3"]  # fmt: skip
    assert cli.main(args) == 0
    text = capsys.readouterr().out
    assert "## Refined: moves of one unit judged in the simulation (stage 3)" in text
    moves = pd.read_csv(out / "refine_moves.csv", dtype={"from_epci": str, "to_epci": str})
    assert 1 <= len(moves) <= 3 and moves["accepted"].sum() <= 1
    assert moves["from_epci"].str.len().eq(9).all()
    manifest = json.loads((out / "manifest.json").read_text())
    ref = manifest["refinement"]
    assert ref["search_seeds"] == [1, 2] and not set(ref["check_seeds"]) & {1, 2}
    assert manifest["solver"]["name"].startswith("HiGHS")
    if ref["accepted"]:
        assert "On fresh seeds" in text
        plan = pd.read_csv(out / "plan.csv")
        assert "refined" in set(plan["allocation"])
    # rerunning resumes: the stage-3 runs are on disk and are not run again
    assert manifest["refinement"]["runs_resumed"] == 0
    runs = sorted((out / "refine").rglob("manifest.json"))
    assert runs
    before = [r.stat().st_mtime_ns for r in runs]
    assert cli.main(args + ["--force"]) == 0
    assert [r.stat().st_mtime_ns for r in runs] == before
    again = json.loads((out / "manifest.json").read_text())["refinement"]
    assert again["runs_resumed"] == again["runs"] == ref["runs"]
    assert "found complete on disk" in capsys.readouterr().out


def test_a_plan_whose_levers_have_no_candidate_is_the_empty_plan(four_lowest):
    # the lever's EPCIs are outside the territory: no candidate, no variable
    levers = [{"type": "france_sante", "max_per_unit": 1, "epcis": ["200000172"]}]
    p = proxy.build(planfile.from_dict(plan_dict(levers), "none.toml"))
    assert len(p.supply) == 0
    for objective in ("lifted", "shortfall"):
        r = milp.solve(p, objective, k_best=2)
        assert len(r.solutions) == 1 and r.best.x.sum() == 0
        assert r.best.figures == r.baseline
        assert r.best.objective == pytest.approx(r.baseline[objective], abs=1e-6)
