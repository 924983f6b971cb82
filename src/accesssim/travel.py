"""Travel-time core: a road-proxy graph over communes and shortest times on it (numpy/scipy).

No French source gives a road detour factor or average speeds by type of area
(FACTS.md §8), so both are documented assumptions exposed as :class:`TravelParams`:

* **Edge time** between two communes sharing a border = great-circle distance between their
  town halls × ``detour`` / speed, the speed being the harmonic mean of the two communes'
  density-class speeds (time spent in each half at that half's speed).
* **Detour 1.3**: the generic road/straight-line ratio for regional trips is 1.2–1.4 and falls
  with distance (Héran, FACTS.md §8); 1.3 is the middle. Adjacent town halls are a few km apart,
  where detours are at the high end, but the graph path itself already zig-zags between town
  halls, which adds its own detour.
* **Speeds 25 / 40 / 55 / 60 km/h** (dense / intermediate / sparse / very sparse communes):
  door-to-door car speeds, well under the limits (50 in towns, 80 on rural roads, 110–130 on
  the few expressways), for lights, junctions, villages crossed and parking.
* **Intra-commune time**: mean distance from a resident to the centre of a disc of the commune's
  area, (2/3)·r, at the commune's speed, with the area capped at ``intra_area_cap_km2``
  (25 km²): in a large commune services are spread across its neighbourhoods, so residents are
  not all going to the town hall. Insee METRIC sets intra-commune times to 0 by convention
  (FACTS.md §8), which this reproduces as ``intra_area_cap_km2=0``.

Times are in minutes. ``times[i, j]`` is the time from a resident of commune ``i`` to a
facility in commune ``j``: the intra-commune time of ``i`` plus the shortest path between
town halls. The matrix is asymmetric because of the origin's intra-commune time.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from scipy import sparse
from scipy.sparse import csgraph

from accesssim import io as aio
from accesssim.territory import Territory, great_circle_km

CACHE_FORMAT = 1
MIN_MINUTES = 0.1  # floor of any time, so that no stored time is an implicit zero


@dataclass(frozen=True)
class TravelParams:
    """Road-proxy assumptions (see the module docstring for why these values)."""

    detour: float = 1.3
    speed_kmh: tuple[float, float, float, float] = (25.0, 40.0, 55.0, 60.0)
    intra_area_cap_km2: float = 25.0

    def __post_init__(self):
        if not (np.isfinite(self.detour) and self.detour >= 1.0):
            raise ValueError(f"detour must be a number >= 1, got {self.detour}")
        sp = np.asarray(self.speed_kmh, float)
        if sp.shape != (4,) or not np.all(np.isfinite(sp) & (sp > 0)):
            raise ValueError(f"speed_kmh must be 4 positive speeds, got {self.speed_kmh}")
        if not (np.isfinite(self.intra_area_cap_km2) and self.intra_area_cap_km2 >= 0):
            raise ValueError(f"intra_area_cap_km2 must be >= 0, got {self.intra_area_cap_km2}")


def commune_speeds(territory: Territory, params: TravelParams) -> np.ndarray:
    return np.asarray(params.speed_kmh, float)[territory.communes.density_class]


def intra_minutes(territory: Territory, params: TravelParams = TravelParams()) -> np.ndarray:
    """Mean time from a resident to the centre of their own commune, minutes."""
    c = territory.communes
    area = np.minimum(c.area_km2, params.intra_area_cap_km2)
    radius = np.sqrt(area / np.pi)
    minutes = (2 / 3) * radius * params.detour / commune_speeds(territory, params) * 60
    return np.maximum(minutes, MIN_MINUTES)


def road_graph(territory: Territory, params: TravelParams = TravelParams()) -> sparse.csr_matrix:
    """Symmetric sparse graph of minutes between the town halls of neighbouring communes."""
    c = territory.communes
    a, b = territory.commune_adjacency.T.astype(np.int64)
    km = great_circle_km(c.lon[a], c.lat[a], c.lon[b], c.lat[b])
    v = commune_speeds(territory, params)
    minutes = km * params.detour * 0.5 * (1 / v[a] + 1 / v[b]) * 60
    minutes = np.maximum(minutes, MIN_MINUTES)
    n = len(c)
    g = sparse.coo_matrix((minutes, (a, b)), shape=(n, n))
    return (g + g.T).tocsr()


def matrix_from_graph(
    graph: sparse.spmatrix,
    origin_minutes: np.ndarray,
    cutoff: float,
    chunk: int = 512,
) -> sparse.csr_matrix:
    """All travel times under ``cutoff`` as a sparse matrix, by chunked Dijkstra.

    ``times[i, j] = origin_minutes[i] + shortest path(i, j)``; entries above ``cutoff``
    are absent. Memory is bounded by ``chunk`` dense rows at a time.
    """
    graph = sparse.csr_matrix(graph)
    n = graph.shape[0]
    origin_minutes = np.asarray(origin_minutes, float)
    if graph.shape != (n, n) or origin_minutes.shape != (n,):
        raise ValueError("graph must be square and origin_minutes one value per node")
    if not (np.isfinite(cutoff) and cutoff > 0):
        raise ValueError(f"cutoff must be a positive number of minutes, got {cutoff}")
    rows, cols, vals = [], [], []
    for start in range(0, n, chunk):
        idx = np.arange(start, min(start + chunk, n))
        d = csgraph.dijkstra(graph, directed=True, indices=idx, limit=cutoff)
        d += origin_minutes[idx, None]
        r, col = np.nonzero(d <= cutoff)
        rows.append(idx[r])
        cols.append(col)
        vals.append(d[r, col])
    rows = np.concatenate(rows) if rows else np.zeros(0, np.int64)
    cols = np.concatenate(cols) if cols else np.zeros(0, np.int64)
    vals = np.concatenate(vals) if vals else np.zeros(0)
    m = sparse.csr_matrix((vals, (rows, cols)), shape=(n, n))
    m.sort_indices()
    return m


def travel_matrix(
    territory: Territory,
    cutoff: float = 30.0,
    params: TravelParams = TravelParams(),
    cache: bool = True,
    cache_dir: str | Path | None = None,
) -> sparse.csr_matrix:
    """Commune × commune travel times in minutes, under ``cutoff``, cached on disk.

    The cache key is a hash of everything the result depends on (coordinates, areas, density
    classes, adjacency, parameters, cutoff), so a changed territory or parameter never reads
    a stale file.
    """
    key = _cache_key(territory, params, cutoff)
    path = cache_path(cache_dir) / f"travel-{key}.npz"
    if cache and path.exists():
        try:
            a, _ = aio.read_npz(path)
            return sparse.csr_matrix(
                (a["data"], a["indices"], a["indptr"]), shape=tuple(a["shape"])
            )
        except Exception:  # unreadable cache: recompute and overwrite
            pass
    m = matrix_from_graph(road_graph(territory, params), intra_minutes(territory, params), cutoff)
    if cache:
        arrays = {"data": m.data, "indices": m.indices, "indptr": m.indptr, "shape": m.shape}
        aio.write_npz(path, arrays, {"cutoff": cutoff, "params": asdict(params)})
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


def cache_path(cache_dir: str | Path | None = None) -> Path:
    """Where cached matrices live: argument, ``$ACCESSSIM_CACHE_DIR``, or the user cache dir."""
    if cache_dir is not None:
        return Path(cache_dir)
    if os.environ.get("ACCESSSIM_CACHE_DIR"):
        return Path(os.environ["ACCESSSIM_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "accesssim"


def _cache_key(territory: Territory, params: TravelParams, cutoff: float) -> str:
    c = territory.communes
    h = hashlib.sha256()
    h.update(json.dumps([CACHE_FORMAT, asdict(params), float(cutoff)]).encode())
    for arr in (c.lon, c.lat, c.area_km2, c.density_class, territory.commune_adjacency):
        h.update(np.ascontiguousarray(arr).tobytes())
    return h.hexdigest()[:24]
