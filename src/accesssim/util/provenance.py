"""What produced a result: package and model versions, dependency, Python and platform
versions, git commit.

Recorded in every manifest so that a figure can be traced to the code and libraries that made
it, including between tagged releases (see CHANGELOG.md for the version policy).
"""

from __future__ import annotations

import platform
import subprocess
from importlib import metadata
from pathlib import Path

from accesssim.util.version import __version__, model_version

# the libraries whose versions can change a result or a file written
DEPENDENCIES = (
    "mesa",
    "numpy",
    "scipy",
    "networkx",
    "matplotlib",
    "pandas",
    "tqdm",
    "pyogrio",
    "pyarrow",
    "dask",
    "solara",
)
PACKAGE_DIR = Path(__file__).resolve().parents[1]


def dependency_versions(names=DEPENDENCIES) -> dict[str, str | None]:
    """Installed version of each distribution, None when it is not installed."""
    out: dict[str, str | None] = {}
    for name in names:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def git_commit(path: Path = PACKAGE_DIR) -> dict | None:
    """The commit of the checkout holding ``path`` and whether the package's tracked files have
    local changes; None for an installed wheel (no ``.git`` above the package, or the package
    not tracked there) or when git is unavailable."""
    if not any((p / ".git").exists() for p in (path, *path.parents)):
        return None
    try:

        def git(*args):
            return subprocess.run(
                ["git", *args], cwd=path, capture_output=True, text=True, timeout=10, check=True
            ).stdout.strip()

        # the package must be tracked there: a wheel installed into a checkout's .venv is not
        git("ls-files", "--error-unmatch", "--", "__init__.py")
        commit = git("rev-parse", "HEAD")
        dirty = bool(git("status", "--porcelain", "--untracked-files=no", "--", "."))
    except (OSError, subprocess.SubprocessError):
        return None
    return {"commit": commit, "dirty": dirty}


def provenance() -> dict:
    """Everything above, as a JSON-ready dict."""
    return {
        "accesssim": __version__,
        "model_version": model_version(),
        "git": git_commit(),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "dependencies": dependency_versions(),
    }
