"""GIS-ready outputs of a run: full-precision CSV with type sidecars and place columns,
Parquet with codes as strings, GeoJSON (RFC 7946) and GeoPackage layers, provenance."""

import csv
import json
import math
import shutil
import subprocess
from importlib import metadata
from pathlib import Path

import numpy as np
import pytest

from accesssim.cli import main as cli
from accesssim.experiments import runner
from accesssim.geo import territory
from accesssim.outputs import export
from accesssim.specs import scenario
from accesssim.util import provenance

LOZERE = {
    "scenario": {"name": "lozere", "years": 1, "seeds": [3, 4]},
    "territory": {"departement": "48"},
}


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    result = runner.run(scenario.from_dict(LOZERE), communes=True, show_progress=False)
    runner.write(result, out, figures=False)
    return out


def read_csv(path):
    return list(csv.DictReader(open(path, encoding="utf-8")))


def test_csv_values_keep_full_precision_and_write_no_nan_token():
    assert export.csv_value(82215088.0) == "82215088.0"
    assert export.csv_value(float("nan")) == "" and export.csv_value(None) == ""
    for v in (0.1 + 0.2, 2.98503e-15, 1 / 3, 123456789.123456789):
        assert float(export.csv_value(v)) == v  # round trip, bit for bit
    text = export.csv_text([{"cost": 82215088.0, "x": float("nan"), "code": "01001"}])
    assert text == "cost,x,code\n82215088.0,,01001\n"


def test_csvt_types_and_place_columns(run_dir):
    for name in ("epci_yearly", "epci_monthly", "communes_yearly", "national_weekly"):
        header = (run_dir / f"{name}.csv").read_text().splitlines()[0].split(",")
        types = (run_dir / f"{name}.csvt").read_text().strip().split(",")
        assert len(types) == len(header), name
        kinds = dict(zip(header, (t.strip('"') for t in types), strict=True))
        for code in ("commune", "epci", "departement", "region", "cog"):
            if code in kinds:
                assert kinds[code] == "String", (name, code)
        if name != "national_weekly":
            assert {"epci", "departement", "region", "cog"} <= set(header), name
    communes = read_csv(run_dir / "communes_yearly.csv")
    # independent of the place lookup: a Lozère INSEE code starts with its département
    assert {r["departement"] for r in communes} == {"48"}
    assert all(r["commune"].startswith("48") and len(r["commune"]) == 5 for r in communes)
    assert {r["region"] for r in communes} == {"76"} and {r["cog"] for r in communes} == {"2026"}
    # an EPCI's département is the one holding most of its people in all of France
    # (241200567, in the Lozère selection by one commune, is an Aveyron EPCI)
    france = territory.load()
    c = france.communes
    pop_by = {}
    for dep, k, pop in zip(c.departement, c.epci, c.population, strict=True):
        key = (str(france.epcis.siren[k]), str(dep))
        pop_by[key] = pop_by.get(key, 0) + int(pop)
    main = {}
    for (siren, dep), pop in sorted(pop_by.items()):
        if pop > main.get(siren, ("", -1))[1]:
            main[siren] = (dep, pop)
    rows = read_csv(run_dir / "epci_yearly.csv")
    assert {r["epci"]: r["departement"] for r in rows} == {
        r["epci"]: main[r["epci"]][0] for r in rows
    }
    assert {r["epci"]: r["departement"] for r in rows}["241200567"] == "12"
    text = (run_dir / "epci_yearly.csv").read_text()
    assert ",nan" not in text and "e+0" not in text


def test_parquet_round_trips_codes_as_strings(run_dir):
    pq = pytest.importorskip("pyarrow.parquet")
    table = pq.read_table(run_dir / "epci_yearly.parquet")
    for col in ("epci", "departement", "region", "cog"):
        assert str(table.schema.field(col).type) == "string", col
    rows = read_csv(run_dir / "epci_yearly.csv")
    assert table.column("epci").to_pylist() == [r["epci"] for r in rows]
    assert table.column("forgone").to_pylist() == [float(r["forgone"]) for r in rows]
    df = pq.read_table(run_dir / "communes_yearly.parquet").to_pandas()
    assert df["commune"].str.len().eq(5).all() and df["commune"].str.startswith("48").all()


def last_year_medians(rows, key, field):
    groups = {}
    for r in rows:
        groups.setdefault(r[key], []).append(float(r[field]))
    return {k: float(np.median(v)) for k, v in groups.items()}


def test_geojson_is_rfc7946_with_the_run_indicators(run_dir):
    fc = json.loads(
        (run_dir / "epci.geojson").read_text(encoding="utf-8"),
        parse_constant=lambda c: pytest.fail(f"non-JSON constant {c}"),
    )
    assert fc["type"] == "FeatureCollection" and fc["features"]
    rows = read_csv(run_dir / "epci_yearly.csv")
    expected = last_year_medians(rows, "epci", "forgone")
    assert {f["properties"]["epci"] for f in fc["features"]} == set(expected)
    for f in fc["features"]:
        p, g = f["properties"], f["geometry"]
        assert p["forgone"] == pytest.approx(expected[p["epci"]], rel=1e-12)
        assert p["seeds"] == 2 and isinstance(p["departement"], str)
        assert g["type"] == "MultiPolygon"
        for (ring,) in g["coordinates"]:
            xy = np.array(ring)
            assert len(xy) >= 4 and xy[0].tolist() == xy[-1].tolist()  # closed
            x, y = xy[:, 0], xy[:, 1]
            assert np.dot(x[:-1], y[1:]) - np.dot(x[1:], y[:-1]) > 0  # counter-clockwise
            # lon/lat order, around the Lozère (lon 2.9-4.0 E, lat 44.1-45.0 N) and its EPCIs
            assert ((x > 1.5) & (x < 5.5)).all() and ((y > 43.5) & (y < 46)).all()
    communes = json.loads((run_dir / "communes.geojson").read_text(encoding="utf-8"))
    assert {f["geometry"]["type"] for f in communes["features"]} == {"Point"}


def test_geopackage_opens_with_gdal_and_carries_codes_and_values(run_dir):
    pyogrio = pytest.importorskip("pyogrio")
    layers = {name: kind for name, kind in pyogrio.list_layers(run_dir / "layers.gpkg")}
    assert layers == {"epci": "MultiPolygon", "communes": "Point"}
    meta, _, geom, values = pyogrio.raw.read(run_dir / "layers.gpkg", layer="epci")
    assert meta["crs"] == "EPSG:4326"
    cols = dict(zip(meta["fields"], values, strict=True))
    assert meta["dtypes"][list(meta["fields"]).index("epci")] == "object"
    rows = read_csv(run_dir / "epci_yearly.csv")
    apl = last_year_medians(rows, "epci", "apl")
    assert sorted(cols["epci"]) == sorted(apl)
    for code, v in zip(cols["epci"], cols["apl"], strict=True):
        assert v == pytest.approx(apl[code], rel=1e-12)
    meta_c, _, _, values_c = pyogrio.raw.read(run_dir / "layers.gpkg", layer="communes")
    codes = dict(zip(meta_c["fields"], values_c, strict=True))["commune"]
    assert all(isinstance(c, str) and c.startswith("48") for c in codes)


def test_missing_optional_writers_are_skipped_and_said(tmp_path, monkeypatch):
    monkeypatch.setattr(export, "has", lambda module: False)
    result = runner.run(
        scenario.from_dict({**LOZERE, "scenario": {"name": "s", "years": 1, "seeds": [1]}}),
        show_progress=False,
    )
    runner.write(result, tmp_path, figures=False)
    assert not list(tmp_path.glob("*.parquet")) and not (tmp_path / "layers.gpkg").exists()
    assert (tmp_path / "epci.geojson").exists()
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert set(manifest["outputs_skipped"]) == {"parquet", "gpkg"}


def test_manifest_records_versions_and_git_commit(run_dir):
    prov = json.loads((run_dir / "manifest.json").read_text())["provenance"]
    assert prov["dependencies"]["mesa"] == metadata.version("mesa")
    assert prov["dependencies"]["numpy"] == metadata.version("numpy")
    repo = Path(provenance.__file__).resolve().parents[2]
    if (repo / ".git").exists() and shutil.which("git"):
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True
        ).stdout.strip()
        assert prov["git"]["commit"] == head


def test_git_commit_is_none_outside_a_checkout(tmp_path):
    assert provenance.git_commit(tmp_path) is None


def test_apl_csv_uses_the_run_tables_column_names(tmp_path):
    out = tmp_path / "apl.csv"
    assert cli.main(["apl", "--departement", "48", "--csv", str(out)]) == 0
    rows = read_csv(out)
    assert {"commune", "epci", "departement", "region", "cog"} <= set(rows[0])
    assert "epci_siren" not in rows[0] and all(len(r["epci"]) == 9 for r in rows)
    assert not any(math.isnan(float(r["apl_modelled"])) for r in rows)
    assert (tmp_path / "apl.csvt").read_text().startswith('"String"')


def test_tables_keep_every_column_of_rows_of_different_kinds():
    """The Pacte's policy rows mix types: each type's counters must reach the CSV (a header
    taken from the first row alone dropped the other types' columns)."""
    from accesssim.outputs import export

    rows = [{"type": "a", "x": 1.5}, {"type": "b", "y": 2}]
    text = export.csv_text(rows)
    assert text.splitlines() == ["type,x,y", "a,1.5,", "b,,2"]
    assert list(export.column_types(rows)) == ["type", "x", "y"]
