"""The Python API: the CLI's numbers as DataFrames (codes as strings), the same files with
``out=``, and a policy defined in Python usable from scenario files, compare and a sweep whose
workers are separate processes. Runs are one year in Creuse (seconds)."""

import ast
import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from custom_policy import ExtraCapacity

import accesssim
from accesssim.cli import main as cli
from accesssim.experiments import sweep, sweep_summary
from accesssim.policies import registry
from accesssim.specs import experiment, scenario

CODES = {c: str for c in ("commune", "epci", "departement", "region", "cog")}


def toml(name, policy="", seeds="[1, 2]", where='departement = "23"'):
    return (
        f'[scenario]\nname = "{name}"\nyears = 1\nseeds = {seeds}\n[territory]\n{where}\n{policy}'
    )


@pytest.fixture()
def files(tmp_path):
    (tmp_path / "base.toml").write_text(toml("base"), encoding="utf-8")
    pol = '[[policies]]\ntype = "custom_policy:ExtraCapacity"\nname = "extra"\nextra_share = 0.2\n'
    (tmp_path / "extra.toml").write_text(toml("extra", pol), encoding="utf-8")
    return tmp_path


@pytest.fixture()
def registered():
    """ExtraCapacity registered from Python for one test."""
    accesssim.register_policy(ExtraCapacity)
    yield ExtraCapacity
    registry.POLICY_TYPES.pop(ExtraCapacity.kind, None)


def test_run_returns_the_cli_tables_as_dataframes(files, tmp_path):
    """Leading-zero codes stay strings (an Ain EPCI: département "01") and every number equals
    the CLI's CSV, read back with the codes as text."""
    sc = files / "ain.toml"
    sc.write_text(toml("ain", seeds="[3]", where='epcis = ["200029999"]'), encoding="utf-8")
    assert cli.main(["run", str(sc), "--out", str(tmp_path / "cli"), "--communes"]) == 0
    res = accesssim.run(sc, communes=True)
    for attr, name in (("yearly", "epci_yearly"), ("communes", "communes_yearly")):
        df = getattr(res, attr)
        assert isinstance(df, pd.DataFrame) and len(df) > 0
        assert all(isinstance(v, str) for v in df["departement"])
        assert "01" in set(df["departement"]) and all(len(v) == 9 for v in df["epci"])
        csv = pd.read_csv(tmp_path / "cli" / f"{name}.csv", dtype=CODES, keep_default_na=False)
        csv = csv.replace("", np.nan).infer_objects()
        assert list(csv.columns) == list(df.columns)
        pd.testing.assert_frame_equal(
            df.reset_index(drop=True), csv, check_dtype=False, check_exact=True
        )
    assert res.communes["commune"].str.startswith("01").any()  # 01xxx not read as 1xxx
    mine = res.yearly
    mine["mine"] = 1  # a column added to one copy is not in the next
    assert "mine" not in res.table("epci_yearly")
    weekly = pd.read_csv(tmp_path / "cli" / "national_weekly.csv")
    np.testing.assert_array_equal(res.weekly["forgone"].to_numpy(), weekly["forgone"].to_numpy())
    # one row per seed of every indicator, from the same rows
    assert list(res.values.index) == [3]
    last = res.yearly[res.yearly["year"] == res.yearly["year"].max()]
    assert res.values.loc[3, "last:forgone"] == pytest.approx(last["forgone"].sum())


def test_run_with_out_writes_the_cli_files(files, tmp_path):
    res = accesssim.run(files / "base.toml", seeds=1, out=tmp_path / "api", figures=False)
    assert cli.main(["run", str(files / "base.toml"), "--seeds", "1", "--no-figures",
                     "--out", str(tmp_path / "cli")]) == 0  # fmt: skip
    written = {p.name for p in res.files}
    assert written == {p.name for p in (tmp_path / "cli").iterdir()}
    for name in written - {"manifest.json", "layers.gpkg", "summary.md"}:
        assert (tmp_path / "api" / name).read_bytes() == (tmp_path / "cli" / name).read_bytes()
    man = json.loads((tmp_path / "api" / "manifest.json").read_text())
    assert man["seeds"] == [1] and man["provenance"]["accesssim"] == accesssim.__version__


def test_run_accepts_a_dict_or_a_scenario_and_leaves_it_unchanged(files):
    sc = scenario.load(files / "base.toml")
    res = accesssim.run(sc, seeds=[5])
    assert sc.seeds == [1, 2] and list(res.yearly["seed"].unique()) == [5]
    data = {"scenario": {"name": "d", "years": 1}, "territory": {"departement": "23"}}
    assert accesssim.run(data).yearly["seed"].unique().tolist() == [1]
    with pytest.raises(TypeError, match="scenario file path"):
        accesssim.run(42)


def test_compare_from_python_equals_the_cli_and_writes_a_manifest(files, tmp_path):
    """A policy named "custom_policy:ExtraCapacity" in TOML (allowed to import its module:
    ``trusted=True``, ``--allow-code``), compared from Python and from the command line: the
    same summary; the manifest carries provenance like a run's."""
    cmp = accesssim.compare(
        files / "base.toml", files / "extra.toml", out=tmp_path / "api", trusted=True
    )
    out = tmp_path / "cli"
    args = ["compare", str(files / "base.toml"), str(files / "extra.toml"), "--out", str(out)]
    args += ["--allow-code"]
    assert cli.main(args) == 0
    assert isinstance(cmp.summary, pd.DataFrame)
    # empty fields are missing numbers (e.g. no confirmed priority EPCI in the territory)
    csv = pd.read_csv(out / "compare_summary.csv", dtype={"scenario": str, "metric": str})
    pd.testing.assert_frame_equal(cmp.summary, csv, check_dtype=False, check_exact=True)
    # more capacity where it binds: fewer forgone consultations in both seeds; 1 euro a week
    per_seed = cmp.per_seed.set_index("seed")
    assert (per_seed["forgone_avoided"] > 0).all()
    assert per_seed["cost_eur"].tolist() == [52.0, 52.0]
    base, pol = cmp.baseline.yearly, cmp.policies["extra"].yearly
    by_hand = base.groupby("seed")["forgone"].sum() - pol.groupby("seed")["forgone"].sum()
    np.testing.assert_allclose(per_seed["forgone_avoided"], by_hand, rtol=1e-9)
    for folder in (tmp_path / "api", out):
        man = json.loads((folder / "manifest.json").read_text())
        assert man["seeds"] == [1, 2] and man["baseline"] == "base"
        assert [s["name"] for s in man["scenarios"]] == ["base", "extra"]
        assert len(man["scenarios"][1]["sha256"]) == 64
        assert man["provenance"]["dependencies"]["numpy"] == np.__version__
    assert callable(accesssim.compare)  # the module, callable as the API's compare


def test_compare_needs_a_baseline_without_policies(files):
    with pytest.raises(scenario.ScenarioError, match="baseline must have no"):
        accesssim.compare(files / "extra.toml", files / "base.toml", trusted=True)


def test_registered_policy_by_kind_in_toml_and_a_sweep_in_worker_processes(tmp_path, registered):
    """Registered in this process only; the sweep's spawned workers (a process pool, then a
    local Dask cluster) import it again from custom_policy (its module) and run the grid."""
    pol = '[[policies]]\ntype = "test_extra_capacity"\nname = "extra"\n'
    (tmp_path / "base.toml").write_text(toml("base", seeds="[1]"), encoding="utf-8")
    (tmp_path / "extra.toml").write_text(toml("extra", pol, seeds="[1]"), encoding="utf-8")
    (tmp_path / "e.toml").write_text(
        '[experiment]\nname = "e"\nscenarios = ["base.toml", "extra.toml"]\nseeds = [1]\n'
        '[grid]\n"extra.extra_share" = [0.0, 0.3]\n',
        encoding="utf-8",
    )
    exp = experiment.load(tmp_path / "e.toml")
    counts = sweep.sweep(exp, tmp_path / "r", workers=2, show_progress=False)
    assert sweep.failures(tmp_path / "r" / "e") == []
    assert counts["done"] == 3 and counts["failed"] == 0
    rows, _ = sweep_summary.collect(tmp_path / "r" / "e")
    extra = {r["grid:extra.extra_share"]: r for r in rows if r["scenario"] == "extra"}
    assert extra[0.3]["forgone_avoided"] > 0
    assert extra[0.0]["forgone_avoided"] == pytest.approx(0, abs=1e-6)  # no dose, no change
    if importlib.util.find_spec("distributed") is None:
        return
    # Dask workers are fresh processes too: the same path reaches them, the same numbers come
    counts = sweep.sweep(exp, tmp_path / "d", dask_local=1, show_progress=False)
    assert counts["done"] == 3 and sweep.failures(tmp_path / "d" / "e") == []
    dask_rows, _ = sweep_summary.collect(tmp_path / "d" / "e")
    key = {r["run_id"]: r["horizon_forgone"] for r in rows}
    assert {r["run_id"]: r["horizon_forgone"] for r in dask_rows} == key


def test_policy_class_a_worker_cannot_import_fails_with_a_clear_message(tmp_path):
    class Local(ExtraCapacity):  # defined in a function: no import path for a worker
        kind = "test_local_policy"

    accesssim.register_policy(Local)
    try:
        pol = '[[policies]]\ntype = "test_local_policy"\n'
        (tmp_path / "p.toml").write_text(toml("p", pol, seeds="[1]"), encoding="utf-8")
        (tmp_path / "e.toml").write_text(
            '[experiment]\nname = "e"\nscenarios = ["p.toml"]\n', encoding="utf-8"
        )
        counts = sweep.sweep(experiment.load(tmp_path / "e.toml"), tmp_path / "r", workers=2,
                             show_progress=False)  # fmt: skip
        assert counts["failed"] == 1
        (failure,) = sweep.failures(tmp_path / "r" / "e")
        assert "cannot import policy class 'test_api:test_policy" in failure["traceback"]
        assert "define it at the top level of a module" in failure["traceback"]
    finally:
        registry.POLICY_TYPES.pop(Local.kind)


def test_scenario_type_errors_name_the_file():
    with pytest.raises(ValueError, match="package.module:Class"):
        registry.from_spec({"type": "no_such_policy"})
    with registry.code_allowed():  # allowed to import: the import's own errors
        with pytest.raises(ValueError, match="cannot import policy class 'no_such_module:X'"):
            registry.from_spec({"type": "no_such_module:X"})
        with pytest.raises(ValueError, match="not a subclass"):
            registry.from_spec({"type": "accesssim.policies.base:Slider"})
    with pytest.raises(TypeError, match="subclass"):
        accesssim.register_policy(dict)


def readme_python_blocks() -> list[str]:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## From Python", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, re.S)


def test_readme_from_python_examples(tmp_path, monkeypatch):
    """The README's API example names files and attributes that exist; its policy module,
    saved as mypolicies.py, works as ``type = "mypolicies:LongerHours"`` from the command
    line, with ``--allow-code`` and ``PYTHONPATH=.`` as the README says."""
    api_block, policy_block = readme_python_blocks()
    tree = ast.parse(api_block)
    for path in re.findall(r'"(scenarios/[^"]+\.toml)"', api_block):
        assert (Path(__file__).resolve().parents[1] / path).is_file(), path
    used = {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
    api_names = {"run", "compare"}
    result_attrs = used - api_names
    known = set(dir(accesssim.RunResults)) | set(dir(accesssim.ComparisonResults))
    assert result_attrs <= known, result_attrs - known
    (tmp_path / "mypolicies.py").write_text(policy_block, encoding="utf-8")
    pol = '[[policies]]\ntype = "mypolicies:LongerHours"\nextra_share = 0.5\n'
    (tmp_path / "s.toml").write_text(toml("longer", pol, seeds="[1]"), encoding="utf-8")
    # ".", as the README says; then the code under test (the same accesssim as this process)
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([".", str(Path(accesssim.__file__).parents[1])]),
    }
    out = subprocess.run(
        [str(Path(sys.executable).parent / "accesssim"), "run", "s.toml", "--no-figures",
         "--out", "r", "--allow-code"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert registry.POLICY_TYPES.pop("longer_hours", None) is None  # not in this process
    base = accesssim.run(toml_dict("base"))
    longer = pd.read_csv(tmp_path / "r" / "epci_yearly.csv", dtype=CODES)
    assert longer["forgone"].sum() < base.yearly["forgone"].sum()  # more capacity, less forgone


def toml_dict(name):
    return {
        "scenario": {"name": name, "years": 1, "seeds": [1]},
        "territory": {"departement": "23"},
    }


def test_run_and_compare_are_functions_with_signatures_and_numpy_docstrings():
    """``help()`` and IDEs read real signatures: no module swapped for a callable."""
    import inspect
    import types

    for fn, first in ((accesssim.run, "scenario_or_path"), (accesssim.compare, "baseline")):
        assert isinstance(fn, types.FunctionType)
        assert next(iter(inspect.signature(fn).parameters)) == first
        doc = inspect.getdoc(fn)
        for section in ("Parameters\n----------", "Returns\n-------", "Examples\n--------"):
            assert section in doc, (fn.__name__, section)
    assert "run" in dir(accesssim) and "compare" in accesssim.__all__


def test_results_display_short_in_a_notebook(files):
    """repr and the notebook displays stay under 10 kB (the rows are megabytes) and name the
    run; the comparison's display carries each policy's effect from its summary."""
    cmp = accesssim.compare(files / "base.toml", files / "extra.toml", trusted=True)
    res = cmp.policies["extra"]
    for obj in (res, cmp, res.result, cmp.comparison):
        assert len(repr(obj)) < 10_000
    for obj in (res, cmp):
        for shown in (obj._repr_html_(), obj._repr_markdown_()):
            assert len(shown.encode()) < 10_000
    assert "'extra'" in repr(res) and "seeds 1, 2" in repr(res)
    med = cmp.comparison.summary["extra"]["forgone_avoided"][0]
    assert f"{med:,.0f}" in cmp._repr_markdown_()
    rate = float(np.median(res.values["last:renoncement_rate"]))
    shown = res.headline()["forgone / needed consultations, last year"]
    assert shown == accesssim.api.indicators.INDICATORS["renoncement_rate"].fmt.format(rate)


def test_plot_draws_the_standard_figures(files):
    import matplotlib.figure
    import matplotlib.pyplot as plt

    res = accesssim.run(files / "base.toml", seeds=1)
    for kind in ("timeseries", "priority", "map"):
        fig = res.plot(kind)
        assert isinstance(fig, matplotlib.figure.Figure) and fig.axes
        plt.close(fig)
    with pytest.raises(ValueError, match="unknown figure 'pie'"):
        res.plot("pie")


def test_to_geodataframe_holds_the_geojson_layer(files, tmp_path):
    gpd = pytest.importorskip("geopandas")
    # (not into tmp_path itself: it holds the scenario files, which a run does not overwrite)
    res = accesssim.run(files / "base.toml", seeds=1, out=tmp_path / "run", figures=False)
    gdf = res.to_geodataframe()
    assert isinstance(gdf, gpd.GeoDataFrame) and gdf.crs.to_epsg() == 4326
    layer = json.loads((tmp_path / "run" / "epci.geojson").read_text())
    assert len(gdf) == len(layer["features"]) > 0
    assert gdf["epci"].tolist() == [f["properties"]["epci"] for f in layer["features"]]
    assert all(isinstance(v, str) for v in gdf["departement"])
    assert "23" in set(gdf["departement"])  # Creuse (and its buffer EPCIs)
    np.testing.assert_allclose(
        gdf["renoncement_rate"], [f["properties"]["renoncement_rate"] for f in layer["features"]]
    )
