"""Example scenarios, experiments and budget plans shipped inside the package.

The files live here (``scenarios/*.toml``, ``experiments/*.toml``, ``plans/*.toml``) so that a
wheel carries them; a checkout's top-level ``scenarios/``, ``experiments/`` and ``plans/`` are
links to these folders.
``accesssim examples DIR`` copies them out for a user who installed the wheel.
"""

from __future__ import annotations

import filecmp
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent
FOLDERS = ("scenarios", "experiments", "plans")


def files() -> list[Path]:
    """The shipped example files, relative to this folder, sorted."""
    return sorted(p.relative_to(ROOT) for d in FOLDERS for p in (ROOT / d).glob("*.toml"))


def copy_to(dest: str | Path, force: bool = False) -> tuple[list[Path], list[Path]]:
    """Copy the examples into ``dest/scenarios`` and ``dest/experiments``.

    Returns (copied, unchanged). A file already there with the same content is left alone; one
    with different content raises :class:`FileExistsError` unless ``force``, so a user's edited
    scenario is never overwritten silently.
    """
    dest = Path(dest)
    plan = [(ROOT / rel, dest / rel) for rel in files()]
    clash = [d for s, d in plan if d.exists() and not filecmp.cmp(s, d, shallow=False)]
    if clash and not force:
        shown = ", ".join(str(d) for d in clash[:5])
        raise FileExistsError(
            f"{len(clash)} example file(s) already exist with other content ({shown}); "
            "choose another folder or pass --force to overwrite them"
        )
    copied, same = [], []
    for src, dst in plan:
        if dst.exists() and filecmp.cmp(src, dst, shallow=False):
            same.append(dst)
            continue
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dst)
        copied.append(dst)
    return copied, same
