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


def test_citation_is_complete():
    cff = (REPO / "CITATION.cff").read_text(encoding="utf-8")
    for key in ("cff-version", "title", "authors", "version", "license", "date-released"):
        assert re.search(rf"^{key}:", cff, re.M), f"CITATION.cff: no {key!r}"
    date = re.search(r'^date-released: "?(\d{4}-\d{2}-\d{2})"?$', cff, re.M)
    assert date, "CITATION.cff: date-released must be a YYYY-MM-DD date"
    # the repository URL is known nowhere in the project: either a URL or the marked placeholder
    assert re.search(r"^repository-code: \"?https://\S+$", cff, re.M) or re.search(
        r"^# repository-code: PLACEHOLDER", cff, re.M
    ), "CITATION.cff: give repository-code, or keep its marked placeholder comment"
