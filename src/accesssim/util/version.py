"""The package version and the model version, in a module of its own so that every layer can
read them without importing the package's front door (``accesssim/__init__``, which reaches
the API).

``__version__`` is the release (a git tag ``vX.Y.Z``, see CHANGELOG.md). ``MODEL_VERSION``
names the numbers a scenario gives: ``r<MODEL_REVISION>-<hash>``, where the hash is a short
sha256 of the shipped data files that set the numbers (``MODEL_DATA_FILES``: the territory
and the calibration) and ``MODEL_REVISION`` is bumped by hand whenever a code change moves the
numbers (CHANGELOG.md, "Releases"). Two results with the same model version were made by the
same model; it is recorded in every manifest, so runs of an installed wheel (which has no git
commit to record) can still be told apart.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

__version__ = "0.1.0"

# Bump when the numbers change (model, parameters, policies, territory or calibration rules),
# and refresh tests/data/baseline_regression.json with scripts/refresh_regression.py in the
# same commit; tests/test_model_version.py fails until both agree.
MODEL_REVISION = 3

# the shipped files whose content sets the numbers, relative to the package
MODEL_DATA_FILES = ("data/territory.npz", "data/calibration.json")
PACKAGE_DIR = Path(__file__).resolve().parents[1]


def model_data_hash(package_dir: Path = PACKAGE_DIR) -> str:
    """First 12 hex digits of the sha256 over ``MODEL_DATA_FILES`` (name and bytes of each);
    ``missing`` in place of a file that is absent (a broken install)."""
    h = hashlib.sha256()
    for rel in MODEL_DATA_FILES:
        h.update(rel.encode() + b"\0")
        try:
            h.update((package_dir / rel).read_bytes())
        except OSError:
            h.update(b"missing")
        h.update(b"\0")
    return h.hexdigest()[:12]


@functools.cache
def model_version() -> str:
    """``r<MODEL_REVISION>-<model_data_hash()>``, e.g. ``r1-3fa2b0c4d5e6``."""
    return f"r{MODEL_REVISION}-{model_data_hash()}"
