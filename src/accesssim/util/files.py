"""Deterministic, atomic array files.

numpy's own ``savez`` stamps each zip member with the current time, so two
builds of the same territory would differ byte for byte; and a crash halfway
through a write would leave a truncated file that looks valid by name. Both
matter here (the territory file is versioned by checksum, caches are keyed by
content), so this module writes ``.npz`` files itself: fixed timestamps, sorted
members, written to a temporary name in the same folder and renamed.
The result is an ordinary ``.npz`` that ``numpy.load`` reads.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tempfile
import zipfile
from collections.abc import Mapping
from pathlib import Path

import numpy as np

_EPOCH = (1980, 1, 1, 0, 0, 0)
META_KEY = "__meta__"


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        exc.filename = exc.filename or str(path)
        raise
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp creates 0600; give the usual file mode
        os.replace(tmp, path)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError) and not exc.filename:  # a failed write names no file
            exc.filename = str(path)
        raise


def atomic_write_text(path: str | os.PathLike, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def npz_bytes(arrays: Mapping[str, np.ndarray], meta: Mapping | None = None) -> bytes:
    """Serialise arrays (and a JSON ``meta`` dict) to deterministic ``.npz`` bytes."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
        items = dict(arrays)
        if meta is not None:
            text = json.dumps(meta, sort_keys=True, ensure_ascii=False, indent=1)
            items[META_KEY] = np.frombuffer(text.encode("utf-8"), dtype=np.uint8)
        for name in sorted(items):
            arr = np.asarray(items[name])
            if arr.dtype == object:
                raise TypeError(f"array {name!r} has dtype object; store strings as fixed width")
            member = io.BytesIO()
            np.lib.format.write_array(member, np.ascontiguousarray(arr), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, member.getvalue())
    return buf.getvalue()


def write_npz(path: str | os.PathLike, arrays: Mapping[str, np.ndarray], meta=None) -> str:
    """Write arrays atomically and return the file's sha256."""
    data = npz_bytes(arrays, meta)
    atomic_write_bytes(path, data)
    return hashlib.sha256(data).hexdigest()


def read_npz(path: str | os.PathLike) -> tuple[dict[str, np.ndarray], dict]:
    """Read every array of an ``.npz`` into memory, and its JSON metadata if any."""
    with np.load(path, allow_pickle=False) as npz:
        arrays = {k: npz[k] for k in npz.files}
    raw = arrays.pop(META_KEY, None)
    meta = json.loads(raw.tobytes().decode("utf-8")) if raw is not None else {}
    return arrays, meta


def sha256_file(path: str | os.PathLike) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
