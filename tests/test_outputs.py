"""GIS-ready outputs of a run: full-precision CSV with type sidecars and place columns,
Parquet with codes as strings, GeoJSON (RFC 7946) and GeoPackage layers, provenance."""

import csv
import dataclasses
import errno
import json
import math
import os
import re
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
from accesssim.util import files as aio
from accesssim.util import provenance

LOZERE = {
    "scenario": {"name": "lozere", "years": 1, "seeds": [3, 4]},
    "territory": {"departement": "48"},
}


@pytest.fixture(scope="module")
def lozere():
    return runner.run(scenario.from_dict(LOZERE), communes=True, show_progress=False)


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory, lozere):
    out = tmp_path_factory.mktemp("run")
    runner.write(lozere, out, figures=False)
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


# ---------------------------------------------------------------------- output folders
REPO = Path(__file__).resolve().parents[1]
SMALL = '[scenario]\nname = "small"\nyears = 1\nseeds = 1\n[territory]\ndepartement = "48"\n'


def snapshot(folder: Path) -> dict:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*")}


def test_a_run_never_writes_into_a_folder_it_did_not_create(lozere, tmp_path):
    """A folder with the user's files, or another command's results, is refused (naming the
    folder, what it holds and --force); --force writes beside the user's files, which stay."""
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.md").write_text("my notes")
    (mine / "summary.md").write_text("my summary")
    before = snapshot(mine)
    refused = r"mine: not a folder written by `accesssim run`.*notes\.md.*--force"
    with pytest.raises(aio.OutputFolderError, match=refused):
        runner.write(lozere, mine, figures=False)
    assert snapshot(mine) == before
    other = tmp_path / "cmp"
    other.mkdir()
    (other / "manifest.json").write_text('{"accesssim_version": "0", "command": "compare"}')
    with pytest.raises(aio.OutputFolderError, match="from `accesssim compare`"):
        runner.write(lozere, other, figures=False)
    files = runner.write(lozere, mine, figures=False, force=True)
    assert (mine / "notes.md").read_text() == "my notes"  # not listed by us: never removed
    assert (mine / "summary.md").read_text() != "my summary"  # forced: replaced
    assert files[-1] == mine / "manifest.json"
    assert json.loads((mine / "manifest.json").read_text())["command"] == "run"
    runner.write(lozere, mine, figures=False)  # now the folder of a run: no --force needed


def test_the_cli_and_the_api_refuse_a_user_folder_before_running(tmp_path, capsys, monkeypatch):
    import accesssim

    def never(*a, **kw):
        raise AssertionError("ran before checking the output folder")

    monkeypatch.setattr(runner, "run", never)
    sc = tmp_path / "small.toml"
    sc.write_text(SMALL, encoding="utf-8")
    assert cli.main(["run", str(sc), "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert f"{tmp_path}: not a folder written by `accesssim run`" in err and "--force" in err
    base, pol = (str(REPO / "scenarios" / f) for f in ("baseline.toml", "solidarity_2025.toml"))
    assert cli.main(["compare", base, pol, "--out", str(tmp_path)]) == 2
    assert "not a folder written by `accesssim compare`" in capsys.readouterr().err
    with pytest.raises(aio.OutputFolderError, match="small.toml"):
        accesssim.run(sc, out=tmp_path)
    with pytest.raises(aio.OutputFolderError, match="small.toml"):
        accesssim.compare(base, pol, out=tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["small.toml"]


def test_a_file_in_the_way_is_refused_before_running(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(runner, "run", lambda *a, **kw: pytest.fail("ran"))
    sc = tmp_path / "small.toml"
    sc.write_text(SMALL, encoding="utf-8")
    for out in (sc, sc / "x"):
        assert cli.main(["run", str(sc), "--out", str(out)]) == 2
        err = capsys.readouterr().err
        assert f"{out}" in err and "not a folder" in err and "Traceback" not in err


def test_compare_keeps_its_uncertainty_runs_beside_its_files(tmp_path):
    """compare --uncertainty runs into <out>/uncertainty/ before writing its files: that
    folder does not make <out> foreign, and is neither listed nor removed."""
    out = tmp_path / "cmp"
    (out / "uncertainty" / "lhs3").mkdir(parents=True)
    (out / "uncertainty" / "lhs3" / "experiment.json").write_text("{}")

    def produce(folder):
        (folder / "compare.md").write_text("report")
        return {"accesssim_version": "test"}

    with pytest.raises(aio.OutputFolderError):
        aio.write_folder(out, "compare", produce)  # without the exception, a foreign folder
    files = aio.write_folder(out, "compare", produce, ignore=("uncertainty",))
    assert [p.name for p in files] == ["compare.md", "manifest.json"]
    assert (out / "uncertainty" / "lhs3" / "experiment.json").exists()
    man = json.loads((out / "manifest.json").read_text())
    assert [e["path"] for e in man["files"]] == ["compare.md"] and man["command"] == "compare"
    aio.write_folder(out, "compare", produce, ignore=("uncertainty",))  # a rerun
    assert (out / "uncertainty" / "lhs3" / "experiment.json").exists()


def test_the_manifest_lists_every_file_and_a_rerun_removes_stale_ones(lozere, tmp_path):
    out = tmp_path / "r"
    files = runner.write(lozere, out, figures=False)
    entries = {e["path"]: e for e in json.loads((out / "manifest.json").read_text())["files"]}
    on_disk = {p.name for p in out.iterdir()}
    assert set(entries) | {"manifest.json"} == on_disk == {p.name for p in files}
    for name, e in entries.items():
        assert (
            e["sha256"] == aio.sha256_file(out / name) and e["bytes"] == (out / name).stat().st_size
        )
    assert {"communes_yearly.csv", "communes.geojson"} <= set(entries)
    assert [p.name for p in tmp_path.iterdir()] == ["r"]  # no partial folder left beside
    (out / "mine.txt").write_text("kept")
    runner.write(dataclasses.replace(lozere, communes=[]), out, figures=False)
    left = {p.name for p in out.iterdir()}
    assert not {n for n in left if n.startswith("communes")}  # the earlier run's, removed
    assert "mine.txt" in left and "epci_yearly.csv" in left
    entries = {e["path"] for e in json.loads((out / "manifest.json").read_text())["files"]}
    assert entries | {"manifest.json", "mine.txt"} == left


REAL_WRITER = aio.atomic_write_bytes


def full_disk(monkeypatch, nth: int, calls: list):
    """The atomic writer fails with ENOSPC on its ``nth`` call (every call recorded)."""
    real = REAL_WRITER

    def writer(path, data):
        calls.append(Path(path))
        if len(calls) == nth:  # as the real writer raises it: naming the file
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        real(path, data)

    monkeypatch.setattr(aio, "atomic_write_bytes", writer)


def test_a_full_disk_leaves_no_folder_that_looks_complete(lozere, tmp_path, monkeypatch):
    """The manifest is written last; a write failing at the first, a middle or the last
    (manifest) write leaves a new folder absent and an earlier complete one unchanged; the
    error is an OSError naming the file and the system's message."""
    calls: list[Path] = []
    full_disk(monkeypatch, 0, calls)
    runner.write(lozere, tmp_path / "count", figures=False)
    assert calls[-1].name == "manifest.json" and "summary.md" in {p.name for p in calls}
    n = len(calls)
    own = tmp_path / "own"  # an earlier complete run, without the communes files
    runner.write(dataclasses.replace(lozere, communes=[]), own, figures=False)
    before = snapshot(own)
    for nth in sorted({1, n // 2, n}):
        for out in (tmp_path / f"new{nth}", own):
            calls.clear()
            full_disk(monkeypatch, nth, calls)
            with pytest.raises(aio.OutputError) as err:
                runner.write(lozere, out, figures=False)
            assert err.value.errno == errno.ENOSPC and isinstance(err.value, OSError)
            assert "No space left on device" in str(err.value) and calls[-1].name in str(err.value)
        assert not (tmp_path / f"new{nth}").exists()
        assert snapshot(own) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["count", "own"]  # no partial folder


def test_a_full_disk_gives_a_message_and_exit_2(tmp_path, monkeypatch, capsys):
    sc = tmp_path / "small.toml"
    sc.write_text(SMALL, encoding="utf-8")
    out = tmp_path / "out"
    full_disk(monkeypatch, 3, [])
    assert cli.main(["run", str(sc), "--out", str(out), "--no-figures"]) == 2
    err = capsys.readouterr().err
    assert "No space left on device" in err and str(out) in err and "Traceback" not in err
    assert not (out / "manifest.json").exists()


def test_the_summary_names_the_files_written(lozere, tmp_path, monkeypatch):
    """The "Files:" line lists what was written: no Parquet, GeoPackage or figures when they
    were not, every figure when they were."""

    def listed(folder):
        line = next(
            x for x in (folder / "summary.md").read_text().splitlines() if x.startswith("Files:")
        )
        line = line.split(". Columns and units")[0]
        names = set(re.findall(r"[\w]+\.(?:csv|geojson|gpkg|png|md|json)\b", line))
        return line, names

    monkeypatch.setattr(export, "has", lambda module: False)
    bare = tmp_path / "bare"
    runner.write(lozere, bare, figures=False)
    line, names = listed(bare)
    on_disk = {p.name for p in bare.iterdir()}
    assert names == {n for n in on_disk if not n.endswith(".csvt")}
    assert ".csvt" in line and "parquet" not in line and ".png" not in line
    monkeypatch.undo()
    full = tmp_path / "full"
    runner.write(lozere, full, figures=True)
    line, names = listed(full)
    assert {"timeseries.png", "map_renoncement.png", "priority_vs_other.png"} <= names
    assert names <= {p.name for p in full.iterdir()}
    if export.has("pyarrow"):
        assert ".parquet" in line


def test_a_sweep_goes_on_when_its_failure_record_cannot_be_written(tmp_path, monkeypatch, capsys):
    from synthetic import LOZERE_BASE

    from accesssim.experiments import sweep

    (tmp_path / "base.toml").write_text(LOZERE_BASE, encoding="utf-8")
    exp = tmp_path / "exp.toml"
    exp.write_text('[experiment]\nname = "t"\nscenarios = ["base.toml"]\nseeds = [1, 2]\n')

    def boom(sc, **kw):
        raise RuntimeError("boom")

    real = aio.atomic_write_text

    def writer(path, text):
        if str(path).endswith(".failed.json"):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real(path, text)

    monkeypatch.setattr(sweep.runner, "run", boom)
    monkeypatch.setattr(sweep.aio, "atomic_write_text", writer)
    code = cli.main(["sweep", str(exp), "--workers", "1", "--out", str(tmp_path / "r")])
    captured = capsys.readouterr()
    assert code == 1 and "0 runs done, 2 failed" in captured.out
    assert captured.err.count("failure record could not be written") == 2
    assert "RuntimeError: boom" in captured.err and "No space left on device" in captured.err


def test_a_failed_write_names_its_file_and_leaves_no_temporary(tmp_path, monkeypatch):
    """write() on a full disk names no file: the atomic writer adds the one it was writing."""

    def no_space(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", no_space)
    with pytest.raises(OSError) as err:
        aio.atomic_write_text(tmp_path / "t.csv", "a,b\n")
    assert err.value.errno == errno.ENOSPC and err.value.filename == str(tmp_path / "t.csv")
    assert list(tmp_path.iterdir()) == []


def test_any_failure_while_writing_leaves_no_partial_folder(tmp_path):
    def produce(folder):
        (folder / "a.csv").write_text("x")
        raise RuntimeError("a bug")

    with pytest.raises(RuntimeError, match="a bug"):
        aio.write_folder(tmp_path / "out", "run", produce)
    assert list(tmp_path.iterdir()) == []


def test_a_geopackage_writer_failure_is_an_oserror_naming_the_file(tmp_path, monkeypatch):
    """GDAL reports a full disk as its own error (seen on a full tmpfs): made an OSError,
    so the command says which file and exits 2."""
    pyogrio = pytest.importorskip("pyogrio")

    def full(*a, **kw):
        raise pyogrio.errors.FeatureError("Could not add feature to layer at index 0")

    monkeypatch.setattr(pyogrio.raw, "write", full)
    path = tmp_path / "layers.gpkg"
    with pytest.raises(OSError, match="GeoPackage writer") as err:
        export.write_gpkg(path, [("epci", [{"a": 1}], [export.point_wkb(0, 0)], "Point")])
    assert err.value.filename == str(path) and list(tmp_path.iterdir()) == []
