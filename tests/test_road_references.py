"""Road reference trips: the split rule the committed files follow, the fit that never reads the
held-out half, statistics by trip length, and clear errors on bad files."""

import shutil

import numpy as np
import pytest
from scipy import sparse

from accesssim.experiments.validation import road_checks
from accesssim.experiments.validation import road_references as rr
from accesssim.geo import territory as terr
from accesssim.geo import travel


@pytest.fixture(scope="module")
def france():
    return terr.load()


@pytest.fixture(scope="module")
def landes():
    return terr.load().select(departement="40")


def _rows(path):
    return np.genfromtxt(path, delimiter=",", names=True, dtype=None, encoding="utf-8")


def test_split_rule_is_the_parity_of_the_sha256_of_the_code():
    # last hex digit of `printf CODE | sha256sum` (coreutils): 4, a, e, b
    assert [rr.is_held_out(c) for c in ("38185", "75056", "01001", "2A004")] == [
        False,
        False,
        False,
        True,
    ]


def test_committed_halves_follow_the_split_rule_and_share_no_commune():
    fit = _rows(rr.ROAD_REFERENCE_DIR / rr.FIT_FILE)
    held = _rows(rr.ROAD_REFERENCE_DIR / rr.HELD_OUT_FILE)
    assert len(fit) > 10_000 and len(held) > 10_000
    for part, expect in ((fit, False), (held, True)):
        origin = [str(c).zfill(5) for c in part["origin_code"]]
        assert all(rr.is_held_out(c) == expect for c in origin)
        isere = part["source"] == "osrm_isere"
        dest = [str(c).zfill(5) for c in part["destination_code"][isere]]
        assert all(rr.is_held_out(c) == expect for c in dest)
        paris = part["destination_code"][~isere].astype(str)
        assert set(paris.tolist()) == {"75056"}
    ends = lambda p: set(map(str, p["origin_code"])) | set(map(str, p["destination_code"]))  # noqa: E731
    assert ends(fit) & ends(held) <= {"75056"}
    # both halves hold short rural trips and long trips
    for part in (fit, held):
        assert np.sum(part["reference_minutes"] < 20) > 500
        assert np.sum(part["reference_minutes"] >= 60) > 5_000


def test_fit_reads_only_the_fit_file_and_gives_the_same_result_without_the_held_out_file(
    landes, tmp_path, monkeypatch
):
    codes = landes.communes.code.astype(str)
    rng = np.random.default_rng(3)
    a, b = rng.integers(0, len(codes), (2, 40))
    keep = a != b
    lines = ["origin_code,destination_code,reference_minutes,source"]
    lines += [
        f"{codes[i]},{codes[j]},{10 + k % 30},test"
        for k, (i, j) in enumerate(zip(a[keep], b[keep], strict=True))
    ]
    (tmp_path / rr.FIT_FILE).write_text("\n".join(lines) + "\n", encoding="utf-8")
    shutil.copy(tmp_path / rr.FIT_FILE, tmp_path / rr.HELD_OUT_FILE)
    monkeypatch.setattr(rr, "ROAD_REFERENCE_DIR", tmp_path)
    opened = []
    real_open = open

    def spy(path, *args, **kw):
        opened.append(str(path))
        return real_open(path, *args, **kw)

    monkeypatch.setattr("builtins.open", spy)
    with_held = rr.fit_road_references(landes, max_evaluations=20)
    assert not any(rr.HELD_OUT_FILE in p for p in opened)
    assert any(rr.FIT_FILE in p for p in opened)
    (tmp_path / rr.HELD_OUT_FILE).unlink()
    without = rr.fit_road_references(landes, max_evaluations=20)
    assert with_held == without


def test_ratio_stats_hand_computed():
    s = rr.ratio_stats(np.array([1.0, 1.25, 0.5, np.inf]))
    assert s["n"] == 4
    assert s["within_1_25"] == pytest.approx(0.5)  # 1.0 and 1.25 in; 0.5 and no road out
    assert s["geometric_mean"] == pytest.approx(0.625 ** (1 / 3))


def test_length_weights_give_each_trip_class_the_same_total():
    w = rr.length_weights(np.array([5.0, 10.0, 30.0, 90.0]))
    np.testing.assert_allclose(w, [1 / 6, 1 / 6, 1 / 3, 1 / 3])


def test_local_detour_grows_with_area_and_never_falls_below_one():
    p = travel.TravelParams(detour=1.0, detour_area_exponent=0.5)
    np.testing.assert_allclose(
        travel.local_detour(np.array([44.0, 11.0, 2.75]), p), [2.0, 1.0, 1.0]
    )
    flat = travel.TravelParams(detour=1.2, detour_area_exponent=0.0)
    np.testing.assert_allclose(travel.local_detour(np.array([1.0, 500.0]), flat), [1.2, 1.2])
    with pytest.raises(ValueError, match="detour_area_exponent"):
        travel.TravelParams(detour_area_exponent=3.0)


def test_pair_minutes_from_either_end_on_a_directed_graph(landes):
    # 0 -> 1 (1 min), 1 -> 2 (2 min), 2 -> 0 (10 min): shortest times are not symmetric
    g = sparse.csr_matrix(
        sparse.coo_matrix(([1.0, 2.0, 10.0], ([0, 1, 2], [1, 2, 0])), shape=(3, 3))
    )
    many_to_one = travel.pair_minutes(landes, [0, 1, 2], [2, 2, 2], graph=g)  # from the end
    np.testing.assert_allclose(many_to_one, [3.0, 2.0, 0.0])
    one_to_many = travel.pair_minutes(landes, [0, 0], [1, 2], graph=g)
    np.testing.assert_allclose(one_to_many, [1.0, 3.0])
    np.testing.assert_allclose(travel.pair_minutes(landes, [2], [1], graph=g), [11.0])


def test_reference_file_errors_name_file_line_and_field(france, tmp_path):
    f = tmp_path / "refs.csv"
    f.write_text("origin_code,destination_code,reference_minutes\n", encoding="utf-8")
    with pytest.raises(ValueError, match="missing field.*source"):
        rr.read_references(f, france)
    f.write_text(
        "origin_code,destination_code,reference_minutes,source\n38185,99999,5,x\n",
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match="unknown commune code.*99999"):
        rr.read_references(f, france)
    f.write_text(
        "origin_code,destination_code,reference_minutes,source\n38185,69123,-3,x\n",
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match=r"refs.csv, line 2, field 'reference_minutes'"):
        rr.read_references(f, france)
    with pytest.raises(ValueError, match="is missing"):
        rr.read_references(tmp_path / "absent.csv", france)


def test_trip_classes_on_a_hand_built_set(france):
    c = france.communes
    code = {str(k): i for i, k in enumerate(c.code)}
    village = next(i for i in np.argsort(c.population) if c.population[i] >= 100)
    town = int(np.argmax(c.population))
    ed = int(france.emergency.commune[0])
    p = {
        "origin": np.array([village, village, village, town]),
        "destination": np.array([town, ed, town, code["75056"]]),
        "reference": np.array([12.0, 15.0, 45.0, 300.0]),
    }
    cls = rr.trip_classes(france, p)
    np.testing.assert_array_equal(cls["short"], [True, True, False, False])
    ed_is_town = bool(c.population[ed] >= 10_000)
    np.testing.assert_array_equal(cls["short village-to-town"], [True, ed_is_town, False, False])
    assert cls["short village-to-ED commune"][1]
    np.testing.assert_array_equal(cls["medium"], [False, False, True, False])
    np.testing.assert_array_equal(cls["long"], [False, False, False, True])


def test_road_rows_are_registered_with_targets_and_the_recalled_pairs_are_secondary():
    names = [c.name for c in road_checks.CHECKS]
    for cls in ("short trips (< 20 min)", "long trips"):
        gm = next(c for c in road_checks.CHECKS if cls in c.name and "held out" in c.name)
        assert (gm.low, gm.high, gm.status) == (0.85, 1.15, "independent")
    within = [c for c in road_checks.CHECKS if "within ×1.25" in c.name]
    assert len(within) == 4 and all(c.low == 0.70 for c in within)
    recalled = [n for n in names if "recalled" in n]
    assert recalled == ["secondary: recalled town pairs, geometric mean model/reference"]
