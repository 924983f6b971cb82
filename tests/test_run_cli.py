"""`accesssim run` end to end on a small département, and the pinned baseline regression."""

import csv
import hashlib
import json
from pathlib import Path

import pytest

from accesssim.cli import main as cli
from accesssim.experiments import runner
from accesssim.outputs import indicators
from accesssim.params import calibration as calfile
from accesssim.specs import scenario

HERE = Path(__file__).resolve().parent
REGRESSION = HERE / "data" / "baseline_regression.json"
SMALL = """
[scenario]
name = "small"
years = 2
seeds = 2
[territory]
departement = "48"
"""


def test_run_writes_tables_figures_manifest(tmp_path, capsys):
    sc = tmp_path / "small.toml"
    sc.write_text(SMALL, encoding="utf-8")
    out = tmp_path / "out"
    assert cli.main(["run", str(sc), "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "modelled" in text and "median across seeds" in text
    for name in (
        "national_weekly.csv",
        "epci_yearly.csv",
        "epci_monthly.csv",
        "groups_yearly.csv",
        "manifest.json",
        "summary.md",
        "timeseries.png",
        "map_renoncement.png",
        "priority_vs_other.png",
    ):
        assert (out / name).stat().st_size > 0, name
    rows = list(csv.DictReader(open(out / "epci_yearly.csv", encoding="utf-8")))
    assert {r["seed"] for r in rows} == {"1", "2"} and {r["year"] for r in rows} == {"2025", "2026"}
    weekly = list(csv.DictReader(open(out / "national_weekly.csv", encoding="utf-8")))
    assert len(weekly) == 2 * 104
    # the weekly DataCollector series and the EPCI tables agree on the year's need
    need_w = sum(float(r["needed"]) for r in weekly if r["seed"] == "1" and int(r["week"]) <= 52)
    need_e = sum(float(r["needed"]) for r in rows if r["seed"] == "1" and r["year"] == "2025")
    assert need_w == pytest.approx(need_e, rel=1e-5)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seeds"] == [1, 2] and len(manifest["territory_sha256"]) == 64
    shipped = calfile.SHIPPED_CALIBRATION.read_bytes()
    assert manifest["calibration"] == {
        "origin": "shipped",
        "sha256": hashlib.sha256(shipped).hexdigest(),
    }


def regression_summary() -> dict:
    """Key indicators of a fixed-seed baseline on the Lozère, 2 years."""
    sc = scenario.from_dict(
        {
            "scenario": {"name": "regression", "years": 2, "seeds": [42]},
            "territory": {"departement": "48"},
        }
    )
    result = runner.run(sc, show_progress=False)
    (values,) = indicators.seed_values(result.yearly, result.policy).values()
    shown = [i.name for i in indicators.INDICATORS.values() if i.summary and i.table == "yearly"]
    return {k: round(float(values[f"last:{k}"]), 6) for k in shown}


def test_pinned_baseline_regression():
    """Fails when the model's behaviour drifts. If the change is intended, refresh the file
    with `python scripts/refresh_regression.py` and say why in the commit message."""
    pinned = json.loads(REGRESSION.read_text())
    got = regression_summary()
    assert set(got) == set(pinned["indicators"])
    for k, v in pinned["indicators"].items():
        assert got[k] == pytest.approx(v, rel=1e-4, abs=1e-9), k


def test_an_uncalibrated_run_warns_and_says_so(tmp_path):
    """calibration = "none" runs on the table's starting values: a warning, the manifest and
    the summary say so; a calibrated run names its calibration by origin and hash."""
    import json
    import warnings

    from accesssim.experiments import runner
    from accesssim.params import calibration as calfile
    from accesssim.specs import scenario

    f = tmp_path / "s.toml"
    f.write_text(
        '[scenario]\nname = "u"\nyears = 1\nseeds = [1]\ncalibration = "none"\n'
        '[territory]\ndepartement = "48"\n',
        encoding="utf-8",
    )
    sc = scenario.load(f)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = runner.run(sc, show_progress=False)
    assert any("uncalibrated" in str(w.message) for w in caught)
    runner.write(res, tmp_path / "out", figures=False)
    man = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert man["calibration"]["origin"] is None
    assert man["calibration"]["warning"] == calfile.UNCALIBRATED
    assert "running uncalibrated" in (tmp_path / "out" / "summary.md").read_text()
    sc.calibration = calfile.SHIPPED_CALIBRATION
    res = runner.run(sc, show_progress=False)
    runner.write(res, tmp_path / "cal", figures=False)
    sha = calfile.load_calibration(calfile.SHIPPED_CALIBRATION)["sha256"]
    assert (
        f"Calibration: shipped (sha256 {sha[:12]})" in (tmp_path / "cal" / "summary.md").read_text()
    )
