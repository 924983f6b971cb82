"""Travel-time core: a two-level road graph over communes and shortest times on it (numpy/scipy).

Level 1, **local links**: between communes whose polygons share a border, except where no road
exists (Guyane's interior, listed estuaries without a bridge: see DATA.md). Time = great-circle
distance between town halls × detour / speed, the speed being the harmonic mean of the two
communes' density-class speeds (time spent in each half at that half's speed). The detour grows
with the communes' size, a proxy of terrain and road density (large communes are mountain and
forest communes with few, winding roads): ``detour × (area / REF_AREA_KM2) ** detour_area_exponent``
with ``area`` the geometric mean of the two communes' areas, never below 1 (:func:`local_detour`).

Level 2, **fast links** (standing in for main roads and motorways): between pôles (communes of
10,000 inhabitants or more) along the edges of their Delaunay triangulation up to 120 km apart,
shipped in the territory. A link's length is the land path along commune adjacency (so it never
crosses water the local graph cannot), travelled at ``fast_speed_kmh``, an effective speed over
that zig-zag length. The level is collapsed into direct pôle-to-pôle edges that add
``fast_access_minutes`` once per trip (getting onto and off main roads), so that a short hop
inside a town is not taken at motorway speed (:func:`road_graph`).

The speeds, the detour's area exponent, the fast speed and the access time are fitted to
router times on the *fit* half of ``validation/roads/`` (:func:`fit_road_levels`, ``accesssim
validate --fit-roads``); the held-out half is reported by ``accesssim validate`` (docs/travel.md).
Their values, status and source are in ``params/parameters.py`` (block "travel"). Times alone
cannot separate a detour from a speed: the base ``detour`` stays 1 (assumed) and the speeds are
effective speeds along the straight chain of town halls.

**Intra-commune time** is an explicit choice (``intra_area_cap_km2``): 0 reproduces Insee's
METRIC convention, used by DREES for APL and for distances to the nearest GP or ED, and is what
``accesssim apl`` and ``accesssim validate`` use (:data:`METRIC`). The behaviour model keeps a
positive default: mean distance from a resident to the centre of a disc of the commune's area,
(2/3)·r, at the commune's speed, with the area capped at 25 km² (services are spread across a
large commune's neighbourhoods).

Times are in minutes. ``times[i, j]`` is the time from a resident of commune ``i`` to a
facility in commune ``j``: the intra-commune time of ``i`` plus the shortest path between
town halls. Ferry links of islands without a bridge are edges at their published crossing
time (``ferries.py``). Communes with no road or ferry to a facility (Guyane's interior, islands
whose crossing time was not found) get no finite time: they are absent from sparse matrices and
``inf`` in nearest-facility times.
"""

from __future__ import annotations

import warnings
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np
from scipy import sparse
from scipy.sparse import csgraph

from accesssim.geo import ferries, travel_cache
from accesssim.geo.territory import Territory, great_circle_km
from accesssim.params import parameters
from accesssim.util import files as aio

MIN_MINUTES = 0.1  # floor of any time, so that no stored time is an implicit zero
# Local speeds are fitted scales times these (km/h, dense .. very sparse): the former assumed
# door-to-door speeds, whose ratios within urban and within rural classes remain assumptions.
LOCAL_SPEED_RATIOS = (25.0, 40.0, 55.0, 60.0)
FAST_COLLAPSE_MINUTES = 240.0  # pôle pairs joined by one collapsed fast edge (see road_graph)
REF_AREA_KM2 = 11.0  # median commune area of the territory (11.0 km²): detour = base there


def _param(name):
    return parameters.PARAMETERS[name].default


@dataclass(frozen=True)
class TravelParams:
    """Road-model parameters; defaults, status, sources: ``params/parameters.py`` ("travel")."""

    detour: float = _param("road_local_detour")
    detour_area_exponent: float = _param("road_local_detour_area_exponent")
    speed_kmh: tuple[float, float, float, float] = _param("road_local_speed_kmh")
    fast_speed_kmh: float = _param("road_fast_speed_kmh")
    fast_access_minutes: float = _param("road_fast_access_minutes")
    intra_area_cap_km2: float = _param("road_intra_area_cap_km2")

    def __post_init__(self):
        if not (np.isfinite(self.detour) and self.detour >= 1.0):
            raise ValueError(f"detour must be a number >= 1, got {self.detour}")
        if not (np.isfinite(self.detour_area_exponent) and abs(self.detour_area_exponent) <= 2):
            raise ValueError(
                f"detour_area_exponent must be a number in [-2, 2], got {self.detour_area_exponent}"
            )
        sp = np.asarray(self.speed_kmh, float)
        if sp.shape != (4,) or not np.all(np.isfinite(sp) & (sp > 0)):
            raise ValueError(f"speed_kmh must be 4 positive speeds, got {self.speed_kmh}")
        if not (np.isfinite(self.fast_speed_kmh) and self.fast_speed_kmh > 0):
            raise ValueError(f"fast_speed_kmh must be a positive speed, got {self.fast_speed_kmh}")
        if not (np.isfinite(self.fast_access_minutes) and self.fast_access_minutes >= 0):
            raise ValueError(f"fast_access_minutes must be >= 0, got {self.fast_access_minutes}")
        if not (np.isfinite(self.intra_area_cap_km2) and self.intra_area_cap_km2 >= 0):
            raise ValueError(f"intra_area_cap_km2 must be >= 0, got {self.intra_area_cap_km2}")

    @classmethod
    def from_parameters(cls, p: dict) -> TravelParams:
        """The road model of a parameter set (``params.calibration.defaults()`` with a scenario's
        overrides): its ``road_*`` entries."""
        return cls(
            detour=float(p["road_local_detour"]),
            detour_area_exponent=float(p["road_local_detour_area_exponent"]),
            speed_kmh=tuple(float(x) for x in p["road_local_speed_kmh"]),
            fast_speed_kmh=float(p["road_fast_speed_kmh"]),
            fast_access_minutes=float(p["road_fast_access_minutes"]),
            intra_area_cap_km2=float(p["road_intra_area_cap_km2"]),
        )

    def metric(self) -> TravelParams:
        """The same roads with intra-commune time 0 (Insee METRIC convention)."""
        return replace(self, intra_area_cap_km2=0.0)


METRIC = TravelParams().metric()


def commune_speeds(territory: Territory, params: TravelParams) -> np.ndarray:
    return np.asarray(params.speed_kmh, float)[territory.communes.density_class]


def local_detour(area_km2: np.ndarray, params: TravelParams) -> np.ndarray:
    """Road length / great-circle length of a local link between communes of this (geometric
    mean) area: the base detour scaled by the area's power, never below 1."""
    area = np.maximum(np.asarray(area_km2, float), 1e-3)
    return np.maximum(params.detour * (area / REF_AREA_KM2) ** params.detour_area_exponent, 1.0)


def intra_minutes(territory: Territory, params: TravelParams = TravelParams()) -> np.ndarray:
    """Mean time from a resident to the centre of their own commune, minutes."""
    c = territory.communes
    area = np.minimum(c.area_km2, params.intra_area_cap_km2)
    radius = np.sqrt(area / np.pi)
    detour = local_detour(c.area_km2, params)
    minutes = (2 / 3) * radius * detour / commune_speeds(territory, params) * 60
    return np.maximum(minutes, MIN_MINUTES)


def road_graph(territory: Territory, params: TravelParams = TravelParams()) -> sparse.csr_matrix:
    """Symmetric sparse graph of minutes between town halls: local links and the fast level.

    The fast level is collapsed into direct edges between pôles: for every pair of pôles whose
    fastest route on the fast links takes at most ``FAST_COLLAPSE_MINUTES``, one edge of that
    time plus ``fast_access_minutes`` (getting onto and off the main roads, paid once per
    trip). Where a local and a fast edge join the same communes, the faster is kept.
    """
    c = territory.communes
    n = len(c)
    a, b = territory.commune_adjacency.T.astype(np.int64)
    km = great_circle_km(c.lon[a], c.lat[a], c.lon[b], c.lat[b])
    v = commune_speeds(territory, params)
    detour = local_detour(np.sqrt(c.area_km2[a] * c.area_km2[b]), params)
    minutes = km * detour * 0.5 * (1 / v[a] + 1 / v[b]) * 60
    fa, fb, fast = _fast_edges(territory, params)
    sa, sb, sea = ferries.ferry_edges(territory)  # published crossing times (geo/ferries.py)
    rows = np.concatenate([a, fa, sa])
    cols = np.concatenate([b, fb, sb])
    vals = np.maximum(np.concatenate([minutes, fast, sea]), MIN_MINUTES)
    lo, hi = np.minimum(rows, cols), np.maximum(rows, cols)
    order = np.lexsort((vals, hi, lo))  # per pair, the fastest first
    lo, hi, vals = lo[order], hi[order], vals[order]
    first = np.ones(len(lo), bool)
    first[1:] = (lo[1:] != lo[:-1]) | (hi[1:] != hi[:-1])
    lo, hi, vals = lo[first], hi[first], vals[first]
    g = sparse.coo_matrix((vals, (lo, hi)), shape=(n, n))
    return (g + g.T).tocsr()


def _fast_edges(territory: Territory, params: TravelParams):
    """Pôle-to-pôle edges of the collapsed fast level (see :func:`road_graph`)."""
    fl = territory.fast_links
    empty = np.zeros(0, np.int64)
    if len(fl) == 0:
        return empty, empty, np.zeros(0)
    poles, local = np.unique(fl.pairs, return_inverse=True)
    local = local.reshape(-1, 2)
    p = len(poles)
    t = np.asarray(fl.km, float) / params.fast_speed_kmh * 60
    layer = sparse.coo_matrix((t, (local[:, 0], local[:, 1])), shape=(p, p))
    d = csgraph.dijkstra(layer.tocsr(), directed=False, limit=FAST_COLLAPSE_MINUTES)
    i, j = np.nonzero(np.isfinite(d) & (np.arange(p)[:, None] < np.arange(p)[None, :]))
    return poles[i], poles[j], d[i, j] + params.fast_access_minutes


def pair_minutes(
    territory: Territory,
    origins: np.ndarray,
    destinations: np.ndarray,
    params: TravelParams = METRIC,
    graph: sparse.spmatrix | None = None,
    limit: float = np.inf,
) -> np.ndarray:
    """Town hall to town hall minutes for pairs of commune indices (``inf`` if no road, or if
    longer than ``limit``). Dijkstra runs from whichever end has fewer distinct communes (on the
    reversed graph from the destinations), so thousands of trips to one place cost one search."""
    origins = np.asarray(origins, np.int64)
    destinations = np.asarray(destinations, np.int64)
    if origins.size == 0:
        return np.zeros(0)
    g = road_graph(territory, params) if graph is None else graph
    src, inv = np.unique(origins, return_inverse=True)
    dst, dinv = np.unique(destinations, return_inverse=True)
    if dst.size < src.size:
        d = csgraph.dijkstra(sparse.csr_matrix(g.T), directed=True, indices=dst, limit=limit)
        return d[dinv, origins]
    d = csgraph.dijkstra(g, directed=True, indices=src, limit=limit)
    return d[inv, destinations]


def fit_road_levels(
    territory: Territory,
    origins: np.ndarray,
    destinations: np.ndarray,
    reference_minutes: np.ndarray,
    base: TravelParams = METRIC,
    weights: np.ndarray | None = None,
    max_evaluations: int = 400,
) -> dict:
    """Fit the road model to reference times: two local speed scales, the detour's area
    exponent, the fast speed and the access time to the fast level.

    Local speeds are ``LOCAL_SPEED_RATIOS`` times a scale for dense and intermediate communes
    and another for sparse and very sparse ones (ratios within each pair stay assumed). Minimises
    the weighted sum of squared log ratios model/reference on the pairs given (the fit set only)
    by Nelder-Mead from the default start, restarted once from its end point: shortest paths
    switch routes as speeds change, so the objective is only piecewise smooth. Trips under 90
    minutes and longer ones are searched apart, each up to twice its longest reference
    (a model time beyond that, or no road, counts at that bound): a few minutes on France.
    """
    from scipy.optimize import minimize

    ref = np.asarray(reference_minutes, float)
    origins = np.asarray(origins, np.int64)
    destinations = np.asarray(destinations, np.int64)
    w = np.full(ref.size, 1.0 / ref.size) if weights is None else np.asarray(weights, float)
    if w.shape != ref.shape or not np.all(np.isfinite(w) & (w >= 0)):
        raise ValueError("weights must be one non-negative number per reference trip")
    ratios = np.asarray(LOCAL_SPEED_RATIOS)
    groups = [g for g in (ref < 90.0, ref >= 90.0) if g.any()]
    limits = [2 * float(ref[g].max()) for g in groups]
    calls = []

    def params(x):
        su, sr, vf, acc = np.exp(x[[0, 1, 3, 4]])
        sp = (ratios[0] * su, ratios[1] * su, ratios[2] * sr, ratios[3] * sr)
        return replace(
            base,
            speed_kmh=tuple(float(v) for v in sp),
            detour_area_exponent=float(np.clip(x[2], -2.0, 2.0)),
            fast_speed_kmh=float(vf),
            fast_access_minutes=float(acc),
        )

    def objective(x):
        calls.append(x)
        p = params(x)
        graph = road_graph(territory, p)
        total = 0.0
        for g, lim in zip(groups, limits, strict=True):
            model = pair_minutes(territory, origins[g], destinations[g], p, graph, limit=lim)
            total += float(np.sum(w[g] * np.log(np.minimum(model, lim) / ref[g]) ** 2))
        return total

    start = np.array([0.0, 0.0, 0.0, np.log(90.0), np.log(5.0)])
    options = {"xatol": 1e-3, "fatol": 1e-6, "maxfev": max(1, max_evaluations // 2)}
    res = minimize(objective, start, method="Nelder-Mead", options=options)
    res = minimize(objective, res.x, method="Nelder-Mead", options=options)
    p = params(res.x)
    return {
        "local_speed_kmh": tuple(round(v, 1) for v in p.speed_kmh),
        "detour_area_exponent": round(p.detour_area_exponent, 3),
        "fast_speed_kmh": round(p.fast_speed_kmh, 1),
        "fast_access_minutes": round(p.fast_access_minutes, 2),
        "weighted_sum_sq_log_ratio": float(res.fun),
        "evaluations": len(calls),
        "converged": bool(res.success),
    }


def matrix_from_graph(
    graph: sparse.spmatrix,
    origin_minutes: np.ndarray,
    cutoff: float,
    chunk: int = 512,
    lonlat: tuple[np.ndarray, np.ndarray] | None = None,
    reach_km: float | None = None,
) -> sparse.csr_matrix:
    """All travel times under ``cutoff`` as a sparse matrix, by chunked Dijkstra.

    ``times[i, j] = origin_minutes[i] + shortest path(i, j)``; entries above ``cutoff``
    are absent. Memory is bounded by ``chunk`` dense rows at a time.

    With ``lonlat`` and ``reach_km`` (an upper bound of the great-circle distance any path
    under ``cutoff`` can cover), sources are grouped in tiles of about 0.5 degree and each
    tile's Dijkstra runs on the subgraph within reach: the same result (no path under the
    cutoff leaves that ball), about ten times faster on all of France, because scipy's
    Dijkstra initialises one full row per source.
    """
    graph = sparse.csr_matrix(graph)
    n = graph.shape[0]
    origin_minutes = np.asarray(origin_minutes, float)
    if graph.shape != (n, n) or origin_minutes.shape != (n,):
        raise ValueError("graph must be square and origin_minutes one value per node")
    if not (np.isfinite(cutoff) and cutoff > 0):
        raise ValueError(f"cutoff must be a positive number of minutes, got {cutoff}")
    if lonlat is None or reach_km is None or not np.isfinite(reach_km):
        groups = [(np.arange(start, min(start + chunk, n)), None) for start in range(0, n, chunk)]
    else:
        groups = _tiles(lonlat, reach_km, chunk)
    rows, cols, vals = [], [], []
    for idx, sub in groups:
        if sub is None:
            d = csgraph.dijkstra(graph, directed=True, indices=idx, limit=cutoff)
            col_of = None
        else:
            local = np.searchsorted(sub, idx)
            d = csgraph.dijkstra(graph[sub][:, sub], directed=True, indices=local, limit=cutoff)
            col_of = sub
        d += origin_minutes[idx, None]
        r, col = np.nonzero(d <= cutoff)
        rows.append(idx[r])
        cols.append(col if col_of is None else col_of[col])
        vals.append(d[r, col])
    rows = np.concatenate(rows) if rows else np.zeros(0, np.int64)
    cols = np.concatenate(cols) if cols else np.zeros(0, np.int64)
    vals = np.concatenate(vals) if vals else np.zeros(0)
    m = sparse.csr_matrix((vals, (rows, cols)), shape=(n, n))
    m.sort_indices()
    return m


def _tiles(lonlat, reach_km: float, chunk: int, degrees: float = 0.5):
    """Source groups (tiles of ``degrees``) and the sorted node set within reach of each."""
    from scipy.spatial import cKDTree

    from accesssim.geo.territory import EARTH_RADIUS_KM, _unit_xyz

    lon, lat = (np.asarray(v, float) for v in lonlat)
    xyz = _unit_xyz(lon, lat)
    tree = cKDTree(xyz)
    key = np.floor(lon / degrees).astype(np.int64) * 100_000 + np.floor(lat / degrees).astype(
        np.int64
    )
    order = np.argsort(key, kind="stable")
    bounds = np.flatnonzero(np.diff(key[order])) + 1
    out = []
    for members in np.split(order, bounds):
        for start in range(0, len(members), chunk):
            idx = np.sort(members[start : start + chunk])
            centre = xyz[idx].mean(axis=0)
            centre /= np.linalg.norm(centre)
            spread = np.max(np.linalg.norm(xyz[idx] - centre, axis=1))
            chord = 2 * np.sin(reach_km / EARTH_RADIUS_KM / 2) + spread + 1e-9
            sub = np.sort(np.asarray(tree.query_ball_point(centre, chord), np.int64))
            out.append((idx, sub))
    return out


def reach_km(params: TravelParams, cutoff: float) -> float:
    """Upper bound of the great-circle km a path under ``cutoff`` minutes can cover.

    A local link of time t covers at most t × speed / detour km (the detour is never below 1);
    a collapsed fast edge at most (t - access) × fast speed (its land path is never shorter than
    the great circle).
    """
    v_local = max(params.speed_kmh)
    return cutoff / 60 * max(v_local, params.fast_speed_kmh) * 1.001


def travel_matrix(
    territory: Territory,
    cutoff: float = 30.0,
    params: TravelParams = TravelParams(),
    cache: bool = True,
    cache_dir: str | Path | None = None,
) -> sparse.csr_matrix:
    """Commune × commune travel times in minutes, under ``cutoff``, cached on disk.

    The cache key is a hash of everything the result depends on (coordinates, areas, density
    classes, local and fast links, parameters, cutoff, cache format), so a changed territory,
    parameter or road model never reads a stale file. The file also holds its key (format,
    cutoff, parameters, territory checksum), checked on reading: a file that is not the one
    asked for (renamed, swapped, copied from elsewhere) or cannot be read is recomputed and
    overwritten, with a warning. A file that cannot be written leaves the matrix uncached
    (warning). The cache keeps at most ``$ACCESSSIM_CACHE_MAX_MB`` megabytes (default 2048),
    the least recently used files going first.
    """
    meta = travel_cache.cache_meta(territory, asdict(params), cutoff)
    path = travel_cache.cache_path(cache_dir) / f"travel-{meta['key']}.npz"
    if cache and path.exists():
        m = travel_cache.read_cached(path, meta, len(territory.communes))
        if m is not None:
            return m
    c = territory.communes
    m = matrix_from_graph(
        road_graph(territory, params),
        intra_minutes(territory, params),
        cutoff,
        lonlat=(c.lon, c.lat),
        reach_km=reach_km(params, cutoff),
    )
    if cache:
        arrays = {"data": m.data, "indices": m.indices, "indptr": m.indptr, "shape": m.shape}
        try:
            aio.write_npz(path, arrays, meta)
            travel_cache.evict(path.parent, keep=path)
        except OSError as exc:
            warnings.warn(
                f"travel-time cache not written ({exc.filename or path}: "
                f"{exc.strerror or exc}); set ACCESSSIM_CACHE_DIR to a writable folder",
                stacklevel=2,
            )
    return m


def nearest_minutes(
    territory: Territory,
    facility_communes: np.ndarray,
    params: TravelParams = TravelParams(),
    graph: sparse.spmatrix | None = None,
) -> np.ndarray:
    """Minutes from each commune's residents to the nearest facility (multi-source Dijkstra).

    ``facility_communes`` holds the commune index of each facility (repeats allowed). Communes
    with no facility reachable by road get ``inf``.
    """
    src = np.unique(np.asarray(facility_communes, dtype=np.int64))
    n = len(territory.communes)
    if src.size == 0:
        return np.full(n, np.inf)
    if src.min() < 0 or src.max() >= n:
        raise ValueError("facility_communes must be commune indices of this territory")
    g = road_graph(territory, params) if graph is None else graph
    d = csgraph.dijkstra(g, directed=True, indices=src, min_only=True)
    return d + intra_minutes(territory, params)
