"""GP supply and demand as DREES counts them: age-standardised demand, the under-65 variant,
the held-out DREES file by département, and the build's readers of the new inputs."""

import importlib.util
import json
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from accesssim.core import access
from accesssim.geo import territory, travel
from accesssim.geo.apl import AGE_WEIGHTS, standardised_population, territory_apl

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def corse():
    return territory.load().select(region="Corse", buffer_km=0)


def _fake(pop, shares, national=None):
    communes = SimpleNamespace(population=np.asarray(pop), age_shares=np.asarray(shares))
    meta = {"age_structure": {"national_shares": national}} if national else {}
    return SimpleNamespace(communes=communes, meta=meta)


def test_standardised_population_hand_solved():
    # two bands, weights 1 and 3; national shares 3/4 and 1/4 -> national weight 1.5
    t = _fake([100, 200], [[1.0, 0.0], [0.5, 0.5]], national=[0.75, 0.25])
    got = standardised_population(t, (1.0, 3.0))
    np.testing.assert_allclose(got, [100 * 1 / 1.5, 200 * 2 / 1.5])
    # no weights, or a territory without ages: the plain population
    np.testing.assert_array_equal(standardised_population(t, None), [100, 200])
    plain = SimpleNamespace(communes=SimpleNamespace(population=np.array([5]), age_shares=None))
    np.testing.assert_array_equal(standardised_population(plain), [5])
    with pytest.raises(ValueError, match="age_weights must be 2 positive numbers"):
        standardised_population(t, (1.0, 0.0))


def test_standardised_demand_keeps_the_national_total(france):
    # weights normalised on the national age mix: France's standardised population is its
    # population, and older départements weigh more than younger ones
    pop = france.communes.population.astype(float)
    demand = standardised_population(france)
    assert demand.sum() == pytest.approx(pop.sum(), rel=1e-5)
    c = france.communes
    creuse, guyane = c.departement == "23", c.departement == "973"
    assert demand[creuse].sum() / pop[creuse].sum() > 1.05
    assert demand[guyane].sum() / pop[guyane].sum() < 0.9


def test_age_standardised_apl_equals_pysal_access_on_corse(corse):
    """PySAL `access` (a test extra) with the standardised demand computed here from the
    shipped age shares, against territory_apl on Corse."""
    pytest.importorskip("pandas")
    pytest.importorskip("access")
    from pysal_reference import pysal_e2sfca

    c = corse.communes
    times = travel.travel_matrix(corse, 20, travel.METRIC, cache=False)
    national = np.asarray(corse.meta["age_structure"]["national_shares"])
    w = np.asarray(AGE_WEIGHTS)
    demand = c.population * (c.age_shares.astype(float) @ w) / (national @ w)
    assert not np.allclose(demand, c.population)  # Corse is older than France: it matters
    supply = c.gp * access.ACTS_PER_GP
    ours = territory_apl(corse, cache=False)
    np.testing.assert_allclose(ours, pysal_e2sfca(demand, supply, times), atol=1e-9)
    # and it is not the unstandardised APL
    assert not np.allclose(ours, territory_apl(corse, cache=False, age_weights=None))


def test_under_65_apl_is_at_most_the_all_gp_apl_and_equal_where_no_gp_is_over_65(corse):
    c = corse.communes
    assert 0 < c.gp_65plus.sum() < c.gp.sum() and np.all(c.gp_65plus <= c.gp)
    all_gps = territory_apl(corse, cache=False)
    under = territory_apl(corse, cache=False, under_65=True)
    assert np.all(under <= all_gps + 1e-12)
    # demand is the same in both, so a commune reaching (20 min) no commune with a GP over 65
    # keeps its APL exactly, and one that reaches such a commune loses some
    reach = travel.travel_matrix(corse, 20, travel.METRIC, cache=False).tocsr()
    reach.data[:] = 1
    touched = (reach @ (c.gp_65plus > 0).astype(float)) > 0
    assert (~touched).any() and touched.any()
    np.testing.assert_allclose(under[~touched], all_gps[~touched], rtol=0, atol=1e-12)
    assert np.all(under[touched] < all_gps[touched])


def test_under_65_needs_gp_ages(corse):
    from dataclasses import replace

    bare = replace(corse, communes=replace(corse.communes, gp_65plus=None))
    with pytest.raises(ValueError, match="no GP ages"):
        territory_apl(bare, cache=False, under_65=True)


# ---------------------------------------------------------------------- held-out DREES file
def test_drees_file_is_shipped_unchanged_and_its_derived_figures_recompute():
    from accesssim.experiments.validation import apl_checks

    shipped = apl_checks.DREES_APL.read_bytes()
    assert shipped == (ROOT / "validation/apl_drees_by_departement_francemonitor.json").read_bytes()
    data = json.loads(shipped)
    deps = data["departments"]
    assert len(deps) == 100 and sum(d["popUnder25"] for d in deps) == 12_341_978
    metro = [d for d in deps if not d["code"].startswith("97")]
    over = [d for d in deps if d["code"].startswith("97")]

    def share(g):
        return sum(d["popUnder25"] for d in g) / sum(d["pop"] for d in g)

    def mean23(g):
        return sum(d["apl2023"]["mg"] * d["pop"] for d in g) / sum(d["pop"] for d in g)

    assert share(metro) == pytest.approx(apl_checks.DREES_2024_METRO_UNDER_2_5, abs=5e-5)
    assert share(over) == pytest.approx(apl_checks.DREES_2024_OVERSEAS_UNDER_2_5, abs=5e-5)
    from accesssim.experiments.validation import territory_checks

    published = {c.name: c.published for c in territory_checks.CHECKS}
    assert mean23(metro) == pytest.approx(published["APL mean, metropolitan France"], abs=5e-3)
    assert mean23(over) == pytest.approx(published["APL mean, overseas départements"], abs=5e-3)
    assert data["france"]["apl2023"]["mg"] == apl_checks.DREES_FILE_MEAN_2023


def test_drees_file_reader_names_the_field(tmp_path):
    from accesssim.experiments.validation import read_drees_apl

    bad = tmp_path / "apl.json"
    bad.write_text(json.dumps({"france": {"byYear": []}, "departments": [{"code": "01"}]}))
    with pytest.raises(ValueError, match=r"apl\.json: département #0 lacks field\(s\) pop"):
        read_drees_apl(bad)
    with pytest.raises(ValueError, match="is missing"):
        read_drees_apl(tmp_path / "none.json")


def test_region_shares_sum_the_file_by_region(france):
    from accesssim.experiments import validation

    ctx = validation.Context(france)
    shares = validation.apl_checks.region_shares(ctx)
    # Centre-Val de Loire (24): its six départements of the file, summed by hand
    deps = json.loads(validation.apl_checks.DREES_APL.read_text(encoding="utf-8"))["departments"]
    cvl = [d for d in deps if d["code"] in ("18", "28", "36", "37", "41", "45")]
    expected = sum(d["popUnder25"] for d in cvl) / sum(d["pop"] for d in cvl)
    assert shares["24"][1] == pytest.approx(expected)
    assert "06" not in shares  # Mayotte is not in the file


# ---------------------------------------------------------------------- EPCI outlines
def test_every_shipped_epci_outline_is_a_valid_polygon(france):
    shapely = pytest.importorskip("shapely")
    rings: dict[int, list] = {}
    for k, ring in france.epci_rings():
        rings.setdefault(k, []).append(ring)
    assert len(rings) == len(france.epcis)
    bad = [
        str(france.epcis.name[k])
        for k, rr in rings.items()
        if not shapely.MultiPolygon([shapely.Polygon(r) for r in rr]).is_valid
    ]
    assert bad == []


@pytest.fixture()
def inputs_module():
    if importlib.util.find_spec("shapely") is None:
        pytest.skip("build inputs absent: pip install -e '.[build-data]' to run this test")
    sys.path.insert(0, str(ROOT / "scripts"))
    import territory_inputs

    return territory_inputs


def test_valid_outline_repairs_a_self_intersection(inputs_module):
    import shapely

    bowtie = shapely.Polygon([(0, 0), (1, 1), (1, 0), (0, 1), (0, 0)])
    assert not bowtie.is_valid
    fixed = inputs_module.valid_outline(shapely, bowtie)
    assert fixed.is_valid and fixed.area == pytest.approx(0.5)
    # a part nested in another's hole (an enclave of an enclave) is merged into one shell
    ring = shapely.Polygon([(0, 0), (4, 0), (4, 4), (0, 4)], [[(1, 1), (3, 1), (3, 3), (1, 3)]])
    nested = shapely.MultiPolygon([ring, shapely.box(1.5, 1.5, 2.5, 2.5)])
    out = inputs_module.valid_outline(shapely, nested)
    assert out.is_valid and out.geom_type == "Polygon" and out.area == pytest.approx(16)


# ---------------------------------------------------------------------- build readers
def test_insee_age_file_is_read_with_the_published_total(inputs_module):
    pytest.importorskip("xlrd")
    by_dep = inputs_module.read_insee_age_xls()
    assert len(by_dep) == 101 and {"2A", "2B", "971", "976"} <= set(by_dep)
    # "France métropolitaine et DOM" row of sheet 2023 of the Insee file
    assert sum(v.sum() for v in by_dep.values()) == 68_042_591


def test_age_readers_name_the_file_and_field(inputs_module, tmp_path):
    with pytest.raises(SystemExit, match=r"Insee population by age: file .*nope\.xls is missing"):
        inputs_module.read_insee_age_xls(tmp_path / "nope.xls")
    pytest.importorskip("xlrd")
    with pytest.raises(SystemExit, match="has no sheet '1900'"):
        inputs_module.read_insee_age_xls(sheet="1900")
    f = tmp_path / "ages.csv"
    f.write_text("code;0-19;20-39;40-59;60-74\n28001;1;2;3;4\n", encoding="utf-8")
    with pytest.raises(SystemExit, match=r"ages\.csv has no field '75\+'"):
        inputs_module.read_age_csv(f)
    f.write_text("code;0-19;20-39;40-59;60-74;75+\n28001;1;2;x;4;5\n", encoding="utf-8")
    with pytest.raises(SystemExit, match=r"line 2, field '40-59': expected a number, got 'x'"):
        inputs_module.read_age_csv(f)
    f.write_text("code,0-19,20-39,40-59,60-74,75+\n28001,1,1,1,1,6\n28,5,5,5,5,0\n")
    by_code = inputs_module.read_age_csv(f)
    shares, used = inputs_module.commune_age_shares(["28001", "28002"], ["28", "28"], by_code)
    np.testing.assert_allclose(shares, [[0.1, 0.1, 0.1, 0.1, 0.6], [0.25] * 4 + [0]], atol=1e-7)
    assert used == {"commune": 1, "departement": 1}
    with pytest.raises(SystemExit, match=r"no row for département\(s\) 45 \(field 'code'\)"):
        inputs_module.commune_age_shares(["45001"], ["45"], by_code)


def test_gp_age_reader_and_spread(inputs_module, tmp_path):
    f = tmp_path / "gp_ages.csv"
    f.write_text("departement,effectif,effectif_65_plus\n28,100,120\n", encoding="utf-8")
    with pytest.raises(SystemExit, match=r"field 'effectif_65_plus': 120 GPs aged 65\+ is more"):
        inputs_module.read_gp_ages(f)
    f.write_text("departement,effectif\n28,100\n", encoding="utf-8")
    with pytest.raises(SystemExit, match=r"gp_ages\.csv has no field 'effectif_65_plus'"):
        inputs_module.read_gp_ages(f)
    sys.path.insert(0, str(ROOT / "scripts"))
    import build_territory

    dep = np.array(["28", "28", "28", "45"])
    gp = np.array([6, 3, 1, 10])
    # 28: its own share 0.3 of 10 GPs = 3, spread 6:3:1 -> 1.8, 0.9, 0.3 -> 2, 1, 0;
    # 45: the national 0.14 of 10 = 1.4 -> 1, to its only commune
    old = inputs_module.gp_65plus_by_commune(
        dep, gp, {"28": 0.3}, 0.14, build_territory.largest_remainder
    )
    assert old.tolist() == [2, 1, 0, 1]
