import csv

import numpy as np

from accesssim.cli import main as cli
from accesssim.core import metrics


def test_apl_on_a_departement_writes_map_and_csv(tmp_path, capsys):
    png, out = tmp_path / "m.png", tmp_path / "c.csv"
    assert cli.main(["apl", "--departement", "40", "--map", str(png), "--csv", str(out)]) == 0
    text = capsys.readouterr().out
    assert "mean APL" in text and "3.30" in text and "10 EPCIs with the lowest APL" in text
    assert png.read_bytes()[:4] == b"\x89PNG"
    rows = list(csv.DictReader(open(out, encoding="utf-8")))
    assert {r["departement"] for r in rows} == {"40"}
    apl = np.array([float(r["apl_modelled"]) for r in rows])
    pop = np.array([float(r["population"]) for r in rows])
    printed = float(text.split("mean APL")[1].split()[0])
    assert printed == round(metrics.weighted_mean(apl, pop), 2)


def test_unknown_departement_is_a_clear_error(capsys):
    assert cli.main(["apl", "--departement", "Landess"]) == 2
    err = capsys.readouterr().err
    assert "unknown département 'Landess'" in err and "Landes" in err
