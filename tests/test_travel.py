"""Travel-time core: hand-solved graphs, nearest facility, cache, parameters."""

from dataclasses import replace

import numpy as np
import pytest
import synthetic
from scipy import sparse

from accesssim.geo import territory as terr
from accesssim.geo import travel


def line_graph(weights):
    n = len(weights) + 1
    a = np.arange(n - 1)
    g = sparse.coo_matrix((weights, (a, a + 1)), shape=(n, n))
    return (g + g.T).tocsr()


def test_line_graph_hand_solved():
    g = line_graph([5.0, 7.0])  # 0 -5- 1 -7- 2
    m = travel.matrix_from_graph(g, np.array([1.0, 2.0, 3.0]), cutoff=10, chunk=2)
    expected = np.array([[1, 6, np.inf], [7, 2, 9], [np.inf, 10, 3]])
    dense = np.full((3, 3), np.inf)
    r, c = m.nonzero()
    dense[r, c] = m.data if m.has_sorted_indices else m[r, c]
    np.testing.assert_allclose(dense, expected)  # 2->1 is exactly at the cutoff: kept
    assert m.nnz == 7


def test_shortest_path_takes_the_detour_when_faster():
    # triangle: 0-2 direct 20 min, 0-1-2 5+5 min
    g = sparse.csr_matrix(np.array([[0, 5, 20], [5, 0, 5], [20, 5, 0]], float))
    m = travel.matrix_from_graph(g, np.zeros(3) + 0.5, cutoff=60)
    assert m[0, 2] == pytest.approx(10.5)


def test_bad_cutoff():
    with pytest.raises(ValueError, match="cutoff"):
        travel.matrix_from_graph(line_graph([1.0]), np.ones(2), cutoff=-1)


@pytest.fixture(scope="module")
def landes():
    return terr.load().select(departement="40")


def test_nearest_equals_row_minimum_of_full_matrix(landes):
    full = travel.travel_matrix(landes, cutoff=1e6, cache=False)
    gp = np.flatnonzero(landes.communes.gp > 0)
    near = travel.nearest_minutes(landes, gp)
    expected = full[:, gp].toarray()
    expected[expected == 0] = np.inf
    np.testing.assert_allclose(near, expected.min(axis=1))


def test_cutoff_matrix_is_the_full_matrix_truncated(landes):
    full = travel.travel_matrix(landes, cutoff=1e6, cache=False)
    cut = travel.travel_matrix(landes, cutoff=20, cache=False)
    kept = full.copy()
    kept.data[kept.data > 20] = 0
    kept.eliminate_zeros()
    assert cut.nnz == kept.nnz
    np.testing.assert_allclose(cut.toarray(), kept.toarray())
    # every commune reaches itself, in its intra-commune time
    np.testing.assert_allclose(cut.diagonal(), travel.intra_minutes(landes))


def test_triangle_inequality_on_the_graph(landes):
    m = travel.travel_matrix(landes, cutoff=1e6, cache=False).toarray()
    intra = travel.intra_minutes(landes)
    path = np.where(m > 0, m - intra[:, None], np.inf)  # path times between town halls
    i, j, k = np.random.default_rng(0).integers(0, len(intra), (3, 5000))
    ok = np.isfinite(path[i, j]) & np.isfinite(path[j, k])
    assert ok.sum() > 4000
    assert np.all(path[i, k][ok] <= path[i, j][ok] + path[j, k][ok] + 1e-9)


def test_cache_round_trip_and_key(landes, tmp_path):
    a = travel.travel_matrix(landes, cutoff=20, cache_dir=tmp_path)
    files = list(tmp_path.glob("travel-*.npz"))
    assert len(files) == 1
    b = travel.travel_matrix(landes, cutoff=20, cache_dir=tmp_path)
    assert (a != b).nnz == 0
    travel.travel_matrix(
        landes, cutoff=20, params=travel.TravelParams(detour=1.4), cache_dir=tmp_path
    )
    assert len(list(tmp_path.glob("travel-*.npz"))) == 2  # new parameters, new entry


def test_corrupt_cache_is_recomputed(landes, tmp_path):
    a = travel.travel_matrix(landes, cutoff=20, cache_dir=tmp_path)
    (f,) = tmp_path.glob("travel-*.npz")
    f.write_bytes(b"not a zip")
    with pytest.warns(UserWarning, match="unreadable"):
        b = travel.travel_matrix(landes, cutoff=20, cache_dir=tmp_path)
    assert (a != b).nnz == 0


def test_slower_speeds_mean_longer_times(landes):
    fast = travel.travel_matrix(landes, cutoff=1e6, cache=False)
    p = travel.TravelParams()
    half = travel.TravelParams(
        speed_kmh=tuple(v / 2 for v in p.speed_kmh),
        fast_speed_kmh=p.fast_speed_kmh / 2,
        fast_access_minutes=2 * p.fast_access_minutes,
    )
    slow = travel.travel_matrix(landes, cutoff=1e6, cache=False, params=half)
    np.testing.assert_allclose(slow.data, 2 * fast.data, rtol=1e-9)


@pytest.mark.parametrize(
    "kw, msg",
    [
        ({"detour": 0.9}, "detour"),
        ({"speed_kmh": (10, 20, 0, 30)}, "speed_kmh"),
        ({"speed_kmh": (10, 20)}, "speed_kmh"),
        ({"intra_area_cap_km2": -1}, "intra_area_cap_km2"),
        ({"fast_speed_kmh": 0}, "fast_speed_kmh"),
    ],
)
def test_bad_params(kw, msg):
    with pytest.raises(ValueError, match=msg):
        travel.TravelParams(**kw)


def test_town_hall_times_are_symmetric_under_metric(landes):
    m = travel.travel_matrix(landes, cutoff=1e6, params=travel.METRIC, cache=False).toarray()
    np.testing.assert_allclose(m, m.T, rtol=1e-12)


def test_a_faster_network_never_lengthens_a_path(landes):
    assert len(landes.fast_links) > 0
    p = travel.METRIC
    quick = replace(p, fast_speed_kmh=3 * p.fast_speed_kmh)
    base = travel.travel_matrix(landes, cutoff=1e6, params=p, cache=False).toarray()
    fast = travel.travel_matrix(landes, cutoff=1e6, params=quick, cache=False).toarray()
    assert np.all(fast <= base + 1e-9)
    assert np.any(fast < base - 1e-6)  # and the fast level does carry some paths


def test_fast_link_replaces_a_slower_local_link_between_the_same_communes():
    t = synthetic.grid_territory(3, 1, gp=[0, 0, 0], population=[1, 1, 1], km=10.0)
    t = replace(
        t, fast_links=terr.FastLinks(np.array([[0, 1], [0, 2]], np.int32), np.array([10.0, 20.0]))
    )
    p = travel.TravelParams(
        detour_area_exponent=0.0,
        speed_kmh=(60.0,) * 4,
        fast_speed_kmh=120.0,
        fast_access_minutes=3.0,
        intra_area_cap_km2=0,
    )
    g = travel.road_graph(t, p).toarray()
    assert g[0, 1] == pytest.approx(8.0)  # fast: 10 km at 120 km/h + 3 min access, not 10
    assert g[0, 2] == pytest.approx(13.0) and g[2, 0] == g[0, 2]
    assert g[1, 2] == pytest.approx(10.0, rel=0.01)  # local (the fast route 1-0-2 takes 18)


def test_metric_convention_has_no_intra_commune_time(landes):
    np.testing.assert_allclose(travel.intra_minutes(landes, travel.METRIC), travel.MIN_MINUTES)
    assert np.all(travel.intra_minutes(landes) >= travel.MIN_MINUTES)


def test_tiled_dijkstra_equals_the_plain_one(landes):
    p = travel.TravelParams()
    g = travel.road_graph(landes, p)
    intra = travel.intra_minutes(landes, p)
    c = landes.communes
    plain = travel.matrix_from_graph(g, intra, 30)
    tiled = travel.matrix_from_graph(
        g, intra, 30, chunk=64, lonlat=(c.lon, c.lat), reach_km=travel.reach_km(p, 30)
    )
    assert plain.nnz == tiled.nnz > 0
    assert abs(plain - tiled).max() == 0


def test_reach_bound_covers_every_path_under_the_cutoff(landes):
    p = travel.TravelParams()
    m = travel.travel_matrix(landes, cutoff=30, params=p.metric(), cache=False).tocoo()
    c = landes.communes
    km = terr.great_circle_km(c.lon[m.row], c.lat[m.row], c.lon[m.col], c.lat[m.col])
    assert km.max() <= travel.reach_km(p, 30)


def swap(a, b):
    tmp = a.with_suffix(".swap")
    a.rename(tmp)
    b.rename(a)
    tmp.rename(b)


def test_a_swapped_cache_file_is_recomputed_not_used(landes, tmp_path):
    """Two valid cache files swapped (each holds the other's matrix): the stored key (cutoff,
    parameters, territory) is checked, so each is recomputed with a warning and the APL and
    matrices equal a fresh computation; the file is overwritten with the right matrix."""
    from accesssim.core import access
    from accesssim.geo import apl

    cut = access.step_decay(access.DREES_BANDS).cutoff
    other = cut + 10.0
    fresh = {c: travel.travel_matrix(landes, c, travel.METRIC, cache=False) for c in (cut, other)}
    fresh_apl = apl.territory_apl(landes, cache=False)
    for c in fresh:
        travel.travel_matrix(landes, c, travel.METRIC, cache_dir=tmp_path)
    files = sorted(tmp_path.glob("travel-*.npz"))
    assert len(files) == 2
    swap(*files)
    with pytest.warns(UserWarning, match="another matrix.*cutoff"):
        got_apl = apl.territory_apl(landes, cache_dir=tmp_path)
    np.testing.assert_array_equal(got_apl, fresh_apl)
    with pytest.warns(UserWarning, match="another matrix"):
        m = travel.travel_matrix(landes, other, travel.METRIC, cache_dir=tmp_path)
    assert (m != fresh[other]).nnz == 0
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # overwritten: now read without a warning
        for c, m in fresh.items():
            assert (
                travel.travel_matrix(landes, c, travel.METRIC, cache_dir=tmp_path) != m
            ).nnz == 0


def test_a_cache_file_of_another_territory_is_not_used(landes, tmp_path):
    creuse = terr.load().select(departement="23")
    a = travel.travel_matrix(landes, 20.0, cache_dir=tmp_path)
    travel.travel_matrix(creuse, 20.0, cache_dir=tmp_path)
    files = sorted(tmp_path.glob("travel-*.npz"), key=lambda f: f.stat().st_mtime)
    files[1].write_bytes(files[0].read_bytes())  # Creuse's name, Landes' matrix
    with pytest.warns(UserWarning, match="territory_sha256"):
        b = travel.travel_matrix(creuse, 20.0, cache_dir=tmp_path)
    assert b.shape == (len(creuse.communes),) * 2
    assert (b != travel.travel_matrix(creuse, 20.0, cache=False)).nnz == 0
    assert a.shape == (len(landes.communes),) * 2


def test_the_cache_keeps_under_its_size_cap(landes, tmp_path, monkeypatch):
    """ACCESSSIM_CACHE_MAX_MB: the least recently used files go first; a bad value is an
    error naming the variable."""
    import os

    travel.travel_matrix(landes, 10.0, cache_dir=tmp_path)
    (old,) = tmp_path.glob("travel-*.npz")
    os.utime(old, (1, 1))  # long unused
    travel.travel_matrix(landes, 12.0, cache_dir=tmp_path)
    (new,) = set(tmp_path.glob("travel-*.npz")) - {old}
    size = new.stat().st_size
    monkeypatch.setenv("ACCESSSIM_CACHE_MAX_MB", str(1.5 * size / 1e6))  # room for one
    travel.travel_matrix(landes, 14.0, cache_dir=tmp_path)
    left = set(tmp_path.glob("travel-*.npz"))
    assert old not in left and new not in left and len(left) == 1
    monkeypatch.setenv("ACCESSSIM_CACHE_MAX_MB", "lots")
    with pytest.raises(ValueError, match="ACCESSSIM_CACHE_MAX_MB.*megabytes"):
        travel.travel_matrix(landes, 16.0, cache_dir=tmp_path)


def test_an_unwritable_cache_warns_and_still_computes(landes, tmp_path, monkeypatch):
    """A cache that cannot be written (a full disk) warns and still returns the matrix; a cache
    setting that names a file is a configuration error (tests/test_edges.py)."""
    import errno
    import os

    from accesssim.util import files

    def full(path, data):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))

    monkeypatch.setattr(files, "atomic_write_bytes", full)
    with pytest.warns(UserWarning, match="cache not written"):
        m = travel.travel_matrix(landes, 20.0, cache_dir=tmp_path / "cache")
    assert (m != travel.travel_matrix(landes, 20.0, cache=False)).nnz == 0
