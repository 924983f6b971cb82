"""The comparison rules of `make examples-check` (scripts/examples_check.py): numbers within a
relative 1e-9, timings ignored, any real change reported with file, line and column. The full
regeneration takes about a minute of one core and is not run here (make target only)."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
import examples_check as ec  # noqa: E402

CSV = "scenario,metric,median,p5\npacte_2025,forgone_avoided,643703.25,561213.0\n"


def test_csv_within_tolerance_passes_and_a_real_change_is_named():
    assert ec.compare_csv("s.csv", CSV, CSV.replace("643703.25", "643703.2500000001")) == []
    moved = ec.compare_csv("s.csv", CSV, CSV.replace("643703.25", "643703.26"))
    assert len(moved) == 1 and "line 2" in moved[0] and "'median'" in moved[0]
    longer = ec.compare_csv("s.csv", CSV, CSV + "x,y,1,2\n")
    assert longer == ["s.csv: 1 rows committed, 2 regenerated"]
    assert "header" in ec.compare_csv("s.csv", CSV, CSV.replace("p5", "p10"))[0]


def test_text_ignores_timings_but_not_numbers_or_words():
    a = "Ran in 36.4 s.\n| forgone | +643,703 [+561,213; +645,123] |\n"
    assert ec.compare_text("c.md", a, a.replace("36.4 s", "12 s")) == []
    assert ec.compare_text("c.md", a, a.replace("+643,703", "+643,704"))
    assert ec.compare_text("c.md", a, a.replace("forgone", "avoided"))


def test_a_missing_example_exits_2(tmp_path, capsys):
    assert ec.main(["--results", str(tmp_path)]) == 2
    assert "manifest.json is missing" in capsys.readouterr().err
