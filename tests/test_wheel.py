"""The wheel runs as shipped: built from a copy of the checkout, installed into a temporary
folder, it carries the calibration, the territory and the examples, and a small baseline gives
the same numbers as this (editable) install."""

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SMALL = """
[scenario]
name = "small"
years = 1
seeds = [7]
[territory]
departement = "48"
"""
IGNORE = shutil.ignore_patterns(
    ".venv", ".git", "results", "build", "dist", "*.egg-info", "__pycache__", ".*_cache", "tests"
)


@pytest.fixture(scope="module")
def wheel_site(tmp_path_factory):
    pytest.importorskip("setuptools")
    tmp = tmp_path_factory.mktemp("wheel")
    src = tmp / "src"
    shutil.copytree(REPO, src, symlinks=True, ignore=IGNORE)
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q"]
        + ["-w", str(tmp / "dist"), str(src)],
        capture_output=True,
        text=True,
    )
    assert build.returncode == 0, build.stderr[-3000:]
    (whl,) = (tmp / "dist").glob("accesssim-*.whl")
    site = tmp / "site"
    install = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(site)]
        + [str(whl)],
        capture_output=True,
        text=True,
    )
    assert install.returncode == 0, install.stderr[-3000:]
    return whl, site


def test_wheel_ships_calibration_territory_examples_and_types(wheel_site):
    whl, _ = wheel_site
    names = set(zipfile.ZipFile(whl).namelist())
    for f in (
        "accesssim/data/calibration.json",
        "accesssim/data/territory.npz",
        "accesssim/py.typed",
        "accesssim/__main__.py",
        "accesssim/examples/scenarios/baseline.toml",
        "accesssim/examples/experiments/solidarity_dose.toml",
    ):
        assert f in names, f
    shipped = {n for n in names if n.startswith("accesssim/examples/") and n.endswith(".toml")}
    in_repo = {f"accesssim/examples/{p.relative_to(REPO)}" for p in REPO.glob("scenarios/*.toml")}
    in_repo |= {
        f"accesssim/examples/{p.relative_to(REPO)}"
        for folder in ("experiments", "plans")
        for p in REPO.glob(f"{folder}/*.toml")
    }
    assert shipped == in_repo
    assert any(n.endswith("licenses/LICENSE") for n in names)


def run(python_path, cwd, *args):
    env = {**os.environ, "PYTHONPATH": str(python_path) if python_path else ""}
    out = subprocess.run(
        [sys.executable, "-m", "accesssim", *args], cwd=cwd, env=env, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr[-3000:]
    return out


def test_installed_wheel_gives_the_same_numbers_as_the_checkout(wheel_site, tmp_path):
    _, site = wheel_site
    sc = tmp_path / "small.toml"
    sc.write_text(SMALL, encoding="utf-8")
    where = subprocess.run(
        [sys.executable, "-c", "import accesssim; print(accesssim.__file__)"],
        env={**os.environ, "PYTHONPATH": str(site)},
        cwd=tmp_path,
        capture_output=True,
        text=True,
    ).stdout
    assert where.startswith(str(site)), where  # the wheel, not the checkout, is imported
    run(site, tmp_path, "run", str(sc), "--out", "wheel", "--no-figures")
    run(None, tmp_path, "run", str(sc), "--out", "editable", "--no-figures")
    for f in ("epci_yearly.csv", "national_weekly.csv", "groups_yearly.csv"):
        assert (tmp_path / "wheel" / f).read_text() == (tmp_path / "editable" / f).read_text(), f
    wheel, editable = (
        json.loads((tmp_path / d / "manifest.json").read_text()) for d in ("wheel", "editable")
    )
    assert wheel["parameters"] == editable["parameters"]  # the calibration came along
    assert wheel["provenance"]["git"] is None  # no checkout around an installed wheel
    # ... so the release and the model version tell wheel runs apart (same data shipped)
    assert wheel["provenance"]["accesssim"] == editable["provenance"]["accesssim"]
    assert wheel["model_version"] == editable["model_version"]
    assert wheel["provenance"]["model_version"] == wheel["model_version"]
    if (REPO / ".git").exists() and shutil.which("git"):
        assert editable["provenance"]["git"]["commit"]
    # the examples come out of the installed wheel
    run(site, tmp_path, "examples", "ex")
    assert (tmp_path / "ex" / "scenarios" / "baseline.toml").read_bytes() == (
        REPO / "scenarios" / "baseline.toml"
    ).read_bytes()
