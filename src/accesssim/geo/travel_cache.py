"""The travel-time cache: files of ``travel.travel_matrix``, their key and their size.

A cached matrix is a ``.npz`` (``util.files``) named by a hash of everything it depends on,
and holding that key in its metadata (format, cutoff, road parameters, a checksum of the
territory arrays). Reading checks the stored key against the one asked for, so a file renamed,
swapped or copied from another machine is recomputed, never used. The folder keeps at most
``$ACCESSSIM_CACHE_MAX_MB`` megabytes (default 2048): writing a file removes the least recently
used ones (reading a file marks it used).
"""

from __future__ import annotations

import hashlib
import json
import os
import warnings
from pathlib import Path

import numpy as np
from scipy import sparse

from accesssim.geo import ferries
from accesssim.util import files as aio

# 2: two-level graph (collapsed fast level), fitted speeds (issue 9); 3: the key stored in the
# file and checked on reading (issue 22)
CACHE_FORMAT = 3


def cache_path(cache_dir: str | Path | None = None) -> Path:
    """Where cached matrices live: argument, ``$ACCESSSIM_CACHE_DIR``, or the user cache dir;
    a ``ValueError`` naming the setting when it (or a folder above it) is a file (a setting
    that is wrong, unlike a full disk, which only warns when writing)."""
    if cache_dir is not None:
        return _folder(Path(cache_dir), "cache_dir")
    if os.environ.get("ACCESSSIM_CACHE_DIR"):
        return _folder(Path(os.environ["ACCESSSIM_CACHE_DIR"]), "ACCESSSIM_CACHE_DIR")
    if os.environ.get("XDG_CACHE_HOME"):
        return _folder(Path(os.environ["XDG_CACHE_HOME"]) / "accesssim", "XDG_CACHE_HOME")
    return Path.home() / ".cache" / "accesssim"


def _folder(path: Path, setting: str) -> Path:
    for q in (path, *path.parents):
        if q.exists():
            if not q.is_dir():
                raise ValueError(
                    f"{setting}: the travel-time cache folder {path} cannot be made: {q} is a "
                    "file, not a folder"
                )
            break
    return path


def cache_meta(territory, params: dict, cutoff: float) -> dict:
    """What a cached matrix is of, stored in its file and compared on reading: the cache
    format, cutoff, road parameters, a checksum of the territory arrays the times depend on
    (coordinates, areas, density classes, local, fast and ferry links), and the file's key."""
    c = territory.communes
    t = hashlib.sha256()
    fl = territory.fast_links
    arrays = (c.lon, c.lat, c.area_km2, c.density_class, territory.commune_adjacency)
    for arr in (*arrays, fl.pairs, fl.km, *ferries.ferry_edges(territory)):
        t.update(np.ascontiguousarray(arr).tobytes())
    p = json.loads(json.dumps(params))  # as read back from the file (lists)
    h = hashlib.sha256(json.dumps([CACHE_FORMAT, p, float(cutoff)]).encode())
    h.update(t.digest())
    return {
        "format": CACHE_FORMAT,
        "cutoff": float(cutoff),
        "params": p,
        "territory_sha256": t.hexdigest(),
        "key": h.hexdigest()[:24],
    }


CACHE_MAX_MB = 2048.0  # default cap of the travel-time cache (ACCESSSIM_CACHE_MAX_MB)


def cache_max_bytes() -> float:
    """The cache's size cap: ``$ACCESSSIM_CACHE_MAX_MB`` megabytes, default 2048."""
    raw = os.environ.get("ACCESSSIM_CACHE_MAX_MB", "").strip()
    if not raw:
        return CACHE_MAX_MB * 1e6
    try:
        mb = float(raw)
    except ValueError:
        mb = float("nan")
    if not (np.isfinite(mb) and mb >= 0):
        raise ValueError(
            f"ACCESSSIM_CACHE_MAX_MB: expected a size in megabytes >= 0 (default "
            f"{CACHE_MAX_MB:g}), got {raw!r}"
        )
    return mb * 1e6


def evict(folder: Path, keep: Path | None = None) -> list[Path]:
    """Remove the least recently used ``travel-*.npz`` files of ``folder`` until they fit in
    ``cache_max_bytes()`` (``keep``, the file just written, stays). Returns those removed."""
    cap = cache_max_bytes()
    entries = []
    for f in folder.glob("travel-*.npz"):
        try:
            st = f.stat()
        except OSError:  # removed meanwhile by another process
            continue
        entries.append((st.st_mtime, f, st.st_size))
    total = sum(size for _, _, size in entries)
    removed = []
    for _, f, size in sorted(entries, key=lambda e: (e[0], e[1].name)):
        if total <= cap:
            break
        if keep is not None and f == keep:
            continue
        try:
            f.unlink()
        except OSError:
            continue
        total -= size
        removed.append(f)
    return removed


def read_cached(path: Path, meta: dict, n: int) -> sparse.csr_matrix | None:
    """The matrix of a cache file when it is readable and its stored key is ``meta``."""
    try:
        a, stored = aio.read_npz(path)
        shape = tuple(int(x) for x in a["shape"])
        m = sparse.csr_matrix((a["data"], a["indices"], a["indptr"]), shape=shape)
    except Exception as exc:  # unreadable, truncated, not ours: recompute and overwrite
        warnings.warn(
            f"travel-time cache {path} unreadable ({type(exc).__name__}); recomputing it",
            stacklevel=3,
        )
        return None
    wrong = [k for k in meta if stored.get(k) != meta[k]]
    if shape != (n, n):
        wrong.append("shape")
    if wrong:
        warnings.warn(
            f"travel-time cache {path} was written for another matrix (its "
            f"{', '.join(wrong)} differ from those asked for); recomputing it",
            stacklevel=3,
        )
        return None
    try:
        os.utime(path)  # last use, for the least-recently-used eviction
    except OSError:
        pass
    return m
