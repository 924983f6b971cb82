"""Deterministic, atomic array files.

numpy's own ``savez`` stamps each zip member with the current time, so two
builds of the same territory would differ byte for byte; and a crash halfway
through a write would leave a truncated file that looks valid by name. Both
matter here (the territory file is versioned by checksum, caches are keyed by
content), so this module writes ``.npz`` files itself: fixed timestamps, sorted
members, written to a temporary name in the same folder and renamed.
The result is an ordinary ``.npz`` that ``numpy.load`` reads.

Output folders (``write_folder``): ``run --out`` and ``compare --out`` write a whole folder
whose ``manifest.json`` is its completeness marker and its owner's mark. A command writes into
a folder only when it does not exist, is empty, or holds a manifest of the same command (else
``force``); every file goes first into a hidden sibling folder, the manifest last, and only
then into place, so a failure (a full disk) leaves no folder that looks complete; files the
previous manifest of the same command listed and this one does not are removed.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Mapping
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
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp creates 0600; give the usual file mode
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        if exc.filename is None:  # a failed write() names no file: name the one meant
            raise OSError(exc.errno, exc.strerror or str(exc), str(path)) from exc
        raise
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return umask


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


# ---------------------------------------------------------------------- output folders
MANIFEST = "manifest.json"


class OutputFolderError(ValueError):
    """A folder a command will not write into without ``force`` (it did not create it)."""


class OutputError(OSError, ValueError):
    """Writing a command's results failed (disk full, a file where a folder is expected...).
    An ``OSError`` (``errno`` kept); also a ``ValueError``, the errors the command line
    reports as a message with exit code 2."""

    def __str__(self) -> str:
        return str(self.strerror)


def _manifest_command(manifest) -> str | None:
    """The command that wrote a manifest (``run`` manifests before 0.2 did not say)."""
    if not isinstance(manifest, dict) or "accesssim_version" not in manifest:
        return None
    if "command" in manifest:
        return manifest["command"]
    return "run" if "scenario_sha256" in manifest and "spec_hash" not in manifest else None


def read_manifest(out: str | os.PathLike) -> dict | None:
    """The ``manifest.json`` of a folder, or None when there is none or it is unreadable."""
    try:
        return json.loads((Path(out) / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def check_folder(
    out: str | os.PathLike, command: str, force: bool = False, ignore: Iterable[str] = ()
) -> dict | None:
    """May ``accesssim <command>`` write into ``out``? Yes when it does not exist, is empty
    (entries named in ``ignore`` aside), or holds a manifest written by the same command, or
    with ``force``; else ``OutputFolderError``. Returns that earlier manifest (None if none)."""
    out = Path(out)
    if not out.exists():
        above = next((p for p in out.parents if p.exists()), None)
        if above is not None and not above.is_dir():
            raise OutputFolderError(f"{out}: {above} is a file; expected a folder to write into")
        return None
    if not out.is_dir():
        raise OutputFolderError(f"{out}: exists and is not a folder; expected a folder to write")
    manifest = read_manifest(out)
    mine = _manifest_command(manifest) == command
    if mine:
        return manifest
    if force:
        return None
    entries = sorted(p.name for p in out.iterdir() if p.name not in set(ignore))
    if not entries:
        return None
    listed = ", ".join(entries[:5]) + (f" and {len(entries) - 5} more" if len(entries) > 5 else "")
    why = (
        f"its {MANIFEST} is from `accesssim {_manifest_command(manifest)}`"
        if _manifest_command(manifest)
        else f"it has no {MANIFEST} written by accesssim"
    )
    raise OutputFolderError(
        f"{out}: not a folder written by `accesssim {command}` ({why}; it holds {listed}); "
        "choose another output folder (--out), or pass --force (force=True from Python) to "
        "write into it anyway (files of the same names are replaced)"
    )


def file_entries(folder: Path) -> list[dict]:
    """Every file under ``folder`` (but a manifest at its top): relative path, bytes, sha256."""
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    return [
        {
            "path": p.relative_to(folder).as_posix(),
            "bytes": p.stat().st_size,
            "sha256": sha256_file(p),
        }
        for p in files
        if p.relative_to(folder).as_posix() != MANIFEST
    ]


def write_folder(
    out: str | os.PathLike,
    command: str,
    produce: Callable[[Path], dict],
    force: bool = False,
    ignore: Iterable[str] = (),
) -> list[Path]:
    """Write a command's results folder so that it is never half-written in place.

    ``produce(folder)`` writes the files into ``folder`` (a hidden sibling of ``out``) and
    returns the manifest; the manifest gets ``command`` and ``files`` (every file written, with
    its size and sha256) and is written last. Then the files move into ``out``: one rename
    when ``out`` does not exist; else the old manifest is removed first, the files are moved,
    the new manifest last, and the files the old manifest listed and this one does not are
    removed. Returns the paths written (the manifest last). The folder is checked first
    (``check_folder``); a write that fails raises ``OutputError`` naming the path and the
    system's message, with no manifest left behind (``out`` is unchanged when the failure
    comes before the move)."""
    out = Path(out)
    tmp = None
    try:
        previous = check_folder(out, command, force, ignore)
        tmp = _partial_dir(out)
        manifest = dict(produce(tmp))
        manifest["command"] = command
        entries = file_entries(tmp)
        manifest["files"] = entries
        atomic_write_text(tmp / MANIFEST, json.dumps(manifest, indent=1, default=list))
    except BaseException as exc:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
        if not isinstance(exc, OSError):
            raise
        raise OutputError(
            exc.errno,
            f"cannot write the results of `accesssim {command}`: {_reason(exc, out, tmp)}; "
            f"nothing was changed in {out}",
        ) from exc
    names = [e["path"] for e in entries]
    try:
        if not out.exists():
            os.rename(tmp, out)
        else:
            _move_into(tmp, out, names, previous)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        (out / MANIFEST).unlink(missing_ok=True)
        raise OutputError(
            exc.errno,
            f"cannot write the results of `accesssim {command}`: {_reason(exc, out, tmp)}; "
            f"{out} is incomplete (it has no {MANIFEST}): rerun with --force",
        ) from exc
    return [out / n for n in names] + [out / MANIFEST]


def _partial_dir(out: Path) -> Path:
    """A fresh hidden folder beside ``out`` (inside it when its parent is not writable, e.g.
    ``--out .`` in a home folder), to write the files into before they move into place."""
    real = out.resolve()
    real.parent.mkdir(parents=True, exist_ok=True)
    try:
        tmp = tempfile.mkdtemp(prefix=f".{real.name}.", suffix=".partial", dir=real.parent)
    except PermissionError:
        if not real.is_dir():
            raise
        tmp = tempfile.mkdtemp(prefix=".accesssim.", suffix=".partial", dir=real)
    os.chmod(tmp, 0o777 & ~_umask())  # mkdtemp creates 0700; give the usual folder mode
    return Path(tmp)


def _reason(exc: OSError, out: Path, tmp: Path | None = None) -> str:
    """The path (as it will be in ``out``) and the system's message of a failed write."""
    where = str(exc.filename or out)
    if tmp is not None and where.startswith(str(tmp)):
        where = str(out) + where[len(str(tmp)) :]
    if isinstance(exc, FileExistsError | NotADirectoryError):
        return f"{where}: a file stands where a folder is expected"
    return f"{where}: {exc.strerror or (exc.args[0] if exc.args else exc)}"


def _move_into(tmp: Path, out: Path, names: list[str], previous: dict | None) -> None:
    (out / MANIFEST).unlink(missing_ok=True)  # from here until the end, not complete
    for n in names:
        (out / n).parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp / n, out / n)
    os.replace(tmp / MANIFEST, out / MANIFEST)
    shutil.rmtree(tmp, ignore_errors=True)
    written = set(names)
    root = out.resolve()
    for entry in (previous or {}).get("files", []):
        rel = entry.get("path") if isinstance(entry, dict) else None
        if not isinstance(rel, str) or rel in written or rel == MANIFEST:
            continue
        stale = (out / rel).resolve()
        if stale.parent != root and root not in stale.parents:
            continue  # a manifest edited by hand: never remove outside the folder
        try:
            stale.unlink(missing_ok=True)
        except OSError:  # replaced by a folder, or not ours to remove: leave it
            pass
