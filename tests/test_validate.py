"""The validation table: rows, statuses, sources, road-pair statistics and bad pair files."""

import numpy as np
import pytest

from accesssim.experiments import validation as validate


def test_every_registered_check_has_a_status_a_source_and_a_year():
    assert len(validate.REGISTRY) >= 12
    for chk in validate.REGISTRY:
        assert chk.status in validate.STATUSES
        assert chk.source and chk.year
    names = {c.name for c in validate.REGISTRY}
    for needed in (
        "APL mean",
        "population ≤ 10 min from a GP",
        "population > 30 min from an ED (ED sites only), metropolitan",
    ):
        assert needed in names


def test_the_table_builds_on_france(france):
    ctx = validate.Context(france)
    ctx.care_years = 1  # the care-path rows read a model run; one year is enough here
    rows = validate.run(ctx)
    assert len(rows) == len(validate.REGISTRY)
    by = {r["check"]: r for r in rows}
    for r in rows:
        assert np.isfinite(r["model"]) and r["status"] and r["source"]
    # the APL mean is supply over the population reached: at most 230 M / population
    mean = by["APL mean"]["model"]
    assert mean <= 230e6 / france.communes.population.sum() + 1e-9
    md = validate.markdown(rows)
    missed = [r for r in rows if r["within"] is False]
    assert md.count("\n") == len(rows) + 2 + (len(missed) + 2 if missed else 0)
    assert "set by construction" in md and "independent" in md and "fitted" in md
    # the care path's rows: the spatial ED pattern is independent, the national totals fitted
    # the APL-ED rank correlation rests on an assumed parameter: labelled conditional, and
    # shown at the ends of that parameter's range as well as at its default
    spearman = [r for r in rows if r["check"].startswith("Spearman rank correlation APL - GP")]
    assert len(spearman) == 3 and {r["status"] for r in spearman} == {"conditional"}
    assert by["GP-treatable ED visits a year (model run)"]["status"] == "fitted"
    assert by["largest teleconsultation share of one GP in a week (model run)"]["model"] <= 0.2
    # every miss is explained (met or explained, never silent)
    for r in missed:
        assert r["why_missed"], f"{r['check']} misses its tolerance without an explanation"
        assert f"- {r['check']}: {r['why_missed']}" in md
    assert "unexplained" not in md


def test_an_unexplained_miss_is_printed_as_such():
    chk = validate.Check("toy", 1.0, "1", "± 0", 1.0, 1.0, "independent", "s", "2020", lambda c: 2)
    (row,) = validate.run(object(), [chk])
    assert row["within"] is False and "- toy: unexplained" in validate.markdown([row])


def test_register_rejects_duplicates_and_bad_status():
    with pytest.raises(ValueError, match="already registered"):
        validate.register(validate.REGISTRY[0])
    with pytest.raises(ValueError, match="status"):
        validate.Check("x", 1, "1", "", 0, 2, "guessed", "s", "2020", lambda ctx: 1.0)


def test_pair_stats_hand_computed():
    s = validate.pair_stats(np.array([2.0, 0.5, 1.0, np.inf]))
    assert s["geometric_mean"] == pytest.approx(1.0)
    assert s["off_by_1_5"] == 2 and s["n"] == 3 and s["no_road"] == 1
    assert s["sd_log"] == pytest.approx(np.std(np.log([2.0, 0.5, 1.0])))


def test_pair_file_with_unknown_codes_names_them(france, tmp_path):
    f = tmp_path / "pairs.csv"
    f.write_text(
        "id,origin_code,destination_code,reference_minutes,set,source\n"
        "1,69123,99999,75,fit,recalled\n1,00000,69123,75,held_out,recalled\n",
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match="unknown commune code.*00000, 99999"):
        validate.read_road_pairs(f, france)


def test_pair_file_with_a_bad_field_names_line_and_field(france, tmp_path):
    f = tmp_path / "pairs.csv"
    f.write_text(
        "id,origin_code,destination_code,reference_minutes,set,source\n"
        "1,69123,38185,soon,fit,recalled\n",
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match="line 2, field 'reference_minutes'"):
        validate.read_road_pairs(f, france)


def test_shipped_pairs_cover_regions_distances_and_a_fixed_split(france):
    from accesssim.geo import territory as terr

    p = validate.read_road_pairs(validate.ROAD_PAIRS, france)
    c = france.communes
    km = terr.great_circle_km(
        c.lon[p["origin"]], c.lat[p["origin"]], c.lon[p["destination"]], c.lat[p["destination"]]
    )
    assert len(km) >= 40 and km.min() >= 5 and km.max() <= 250
    regions = set(c.region[p["origin"]].tolist()) | set(c.region[p["destination"]].tolist())
    assert len(regions) >= 17  # 13 metropolitan régions and 4 overseas
    ids = np.array([int(r["id"]) for r in p["rows"]])
    np.testing.assert_array_equal(p["fit"], ids % 2 == 1)  # odd ids fit, even ids held out
