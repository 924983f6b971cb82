"""Packaging metadata agrees with itself: one version everywhere, the licence file matches."""

import re
import tomllib
from pathlib import Path

import accesssim

REPO = Path(__file__).resolve().parents[1]


def test_one_version_and_licence_everywhere():
    meta = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    assert meta["project"]["version"] == accesssim.__version__
    cff = (REPO / "CITATION.cff").read_text(encoding="utf-8")
    assert re.search(r"^version: (\S+)$", cff, re.M).group(1) == accesssim.__version__
    assert re.search(r"^license: (\S+)$", cff, re.M).group(1) == meta["project"]["license"]
    assert meta["project"]["license"] == "MIT"
    assert (REPO / "LICENSE").read_text(encoding="utf-8").startswith("MIT License")
    # `license = "MIT"` (an SPDX expression) needs setuptools >= 77
    (req,) = [r for r in meta["build-system"]["requires"] if r.startswith("setuptools")]
    assert tuple(map(int, req.split(">=")[1].split("."))) >= (77,)


def test_package_is_typed_and_runs_as_a_module():
    pkg = Path(accesssim.__file__).parent
    assert (pkg / "py.typed").exists() and (pkg / "__main__.py").exists()


def test_checkout_examples_are_the_packaged_files():
    for folder in ("scenarios", "experiments"):
        assert (REPO / folder).resolve() == (REPO / "src/accesssim/examples" / folder).resolve()
