"""Edge inputs (issue 22): NaN refused wherever infinity is, names that could become paths,
bounds on seeds and SIRENs, output paths under a file, a full disk, région names without
accents, "1 year". Each case is a clear error naming the file and key (exit 2), not a
traceback, a hang or a silent result."""

import errno
import os
import re
from pathlib import Path

import pytest

from accesssim.cli import main as cli
from accesssim.geo import territory as terr
from accesssim.specs import experiment, scenario, schema
from accesssim.util import files as aio
from accesssim.util.text import plural

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = """
[scenario]
name = "edge"
years = 1
seeds = 1
[territory]
departement = "48"
"""
POLICY = (
    SCENARIO.replace('"edge"', '"days"')
    + """
[[policies]]
type = "solidarity_days"
targets = "completed"
"""
)


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def experiment_file(tmp_path, grid: str, name: str = "g") -> Path:
    write(tmp_path / "base.toml", SCENARIO)
    write(tmp_path / "days.toml", POLICY)
    return write(
        tmp_path / "exp.toml",
        f'[experiment]\nname = "{name}"\nscenarios = ["base.toml", "days.toml"]\n{grid}\n',
    )


# ---------------------------------------------------------------------- NaN and infinity
@pytest.mark.parametrize(
    "extra, key",
    [
        ("[parameters]\ned_without_mt_rr = nan", r"\[parameters\]\.ed_without_mt_rr"),
        ("[parameters]\ned_without_mt_rr = -nan", r"\[parameters\]\.ed_without_mt_rr"),
        ("[parameters]\navoidable_ed_visits = inf", r"\[parameters\]\.avoidable_ed_visits"),
        (
            "[parameters]\nage_shares = [nan, 0.174, 0.186, 0.197, 0.173, 0.1]",
            r"\[parameters\]\.age_shares",
        ),
        (
            '[[policies]]\ntype = "solidarity_days"\ntargets = "completed"\nparticipation = nan',
            r"\[\[policies\]\] solidarity_days\.participation",
        ),
        (
            '[[policies]]\ntype = "solidarity_days"\ntargets = "completed"\nparticipation = inf',
            r"\[\[policies\]\] solidarity_days\.participation",
        ),
    ],
)
def test_nan_and_infinity_in_a_scenario_name_the_file_and_key(tmp_path, extra, key):
    p = write(tmp_path / "s.toml", SCENARIO + extra + "\n")
    with pytest.raises(scenario.ScenarioError, match=key + r": expected (a )?finite numbers?") as e:
        scenario.load(p)
    assert str(p) in str(e.value)


@pytest.mark.parametrize(
    "grid, key",
    [
        ('[grid]\n"parameters.ed_without_mt_rr" = [1.5, nan]', "parameters.ed_without_mt_rr"),
        ('[grid]\n"solidarity_days.participation" = [nan]', "solidarity_days.participation"),
        ('[[points]]\n"parameters.ed_without_mt_rr" = inf', "parameters.ed_without_mt_rr"),
    ],
)
def test_nan_in_a_grid_names_the_experiment_file_and_key(tmp_path, grid, key):
    p = experiment_file(tmp_path, grid)
    with pytest.raises(scenario.ScenarioError, match="expected finite numbers") as e:
        experiment.load(p)
    assert str(p) in str(e.value) and key in str(e.value)


def test_nan_in_a_study_range_names_the_file_and_key(tmp_path):
    pytest.importorskip("SALib")
    from accesssim.experiments.sensitivity import pipeline

    write(tmp_path / "base.toml", SCENARIO)
    p = write(
        tmp_path / "s.toml",
        '[sensitivity]\nname = "st"\nbaseline = "base.toml"\n'
        'parameters = ["forgo_wait_per_week"]\n[ranges]\nforgo_wait_per_week = [0.2, nan]\n',
    )
    with pytest.raises(scenario.ScenarioError, match="finite numbers") as e:
        pipeline.load(p)
    assert str(p) in str(e.value) and "[ranges].forgo_wait_per_week" in str(e.value)


def test_nan_parameter_is_exit_2_not_a_run(tmp_path, capsys):
    p = write(tmp_path / "s.toml", SCENARIO + "[parameters]\ned_without_mt_rr = nan\n")
    assert cli.main(["run", str(p), "--out", str(tmp_path / "out")]) == 2
    assert "ed_without_mt_rr: expected a finite number" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


# ---------------------------------------------------------------------- names
BAD_NAMES = ["../x", "../../x", "a/b", "a\\\\b", ".hidden", "", "x" * 10_000, "a b"]


@pytest.mark.parametrize("name", BAD_NAMES, ids=lambda n: n[:12] or "empty")
def test_scenario_names_that_are_not_file_names_are_refused(tmp_path, name):
    p = write(tmp_path / "s.toml", SCENARIO.replace('"edge"', f'"{name}"'))
    with pytest.raises(scenario.ScenarioError, match=r"\[scenario\]\.name: expected a name") as e:
        scenario.load(p)
    assert str(p) in str(e.value)
    assert len(str(e.value)) < 400  # a 10,000-character name is not repeated


@pytest.mark.parametrize("name", ["../x", "a/b", "x" * 10_000])
def test_experiment_and_study_names_that_are_not_file_names_are_refused(tmp_path, name):
    p = experiment_file(tmp_path, "", name=name)
    with pytest.raises(scenario.ScenarioError, match=r"\[experiment\]\.name: expected a name"):
        experiment.load(p)
    pytest.importorskip("SALib")
    from accesssim.experiments.sensitivity import pipeline

    s = write(tmp_path / "st.toml", f'[sensitivity]\nname = "{name}"\nbaseline = "base.toml"\n')
    with pytest.raises(scenario.ScenarioError, match=r"\[sensitivity\]\.name: expected a name"):
        pipeline.load(s)


def test_a_dotted_dot_name_writes_nothing_outside_results(tmp_path, capsys, monkeypatch):
    p = write(tmp_path / "s.toml", SCENARIO.replace('"edge"', '"../../escaped"'))
    monkeypatch.chdir(tmp_path)
    assert cli.main(["run", str(p)]) == 2
    assert "[scenario].name" in capsys.readouterr().err
    assert not list(tmp_path.parent.glob("escaped*")) and not (tmp_path / "results").exists()


@pytest.mark.parametrize("name", ["baseline", "solidarity_2025", "v1.2-b", "réforme_été"])
def test_ordinary_names_pass(name):
    assert schema.file_name(name) is None
    assert schema.file_name("x" * schema.NAME_MAX) is None
    assert schema.file_name("x" * (schema.NAME_MAX + 1))


# ---------------------------------------------------------------------- seeds
@pytest.mark.parametrize(
    "seeds, message",
    [
        ("1000000000", "expected at most 10,000 seeds"),
        (f"[1, {2**32}]", "expected a count or a list of integers from 0 to 4294967295"),
        ("[-1]", "expected a count or a list of integers"),
    ],
)
def test_seeds_are_bounded(tmp_path, seeds, message):
    p = write(tmp_path / "s.toml", SCENARIO.replace("seeds = 1", f"seeds = {seeds}"))
    with pytest.raises(scenario.ScenarioError, match=message) as e:
        scenario.load(p)
    assert f"{p}: [scenario].seeds" in str(e.value)
    assert scenario.load(p, seeds=3).seeds == [1, 2, 3]  # --seeds replaces the file's


def test_seeds_option_is_bounded_too(tmp_path, capsys):
    p = write(tmp_path / "s.toml", SCENARIO)
    assert cli.main(["run", str(p), "--seeds", "1000000000", "--out", str(tmp_path / "o")]) == 2
    assert "at most 10,000 seeds" in capsys.readouterr().err


# ---------------------------------------------------------------------- output paths
def test_out_under_a_file_is_exit_2_before_any_work(tmp_path, capsys, monkeypatch):
    from accesssim.experiments import runner

    monkeypatch.setattr(runner, "run", lambda *a, **k: pytest.fail("ran before the check"))
    f = write(tmp_path / "afile", "")
    p = write(tmp_path / "s.toml", SCENARIO)
    assert cli.main(["run", str(p), "--out", str(f / "x")]) == 2
    err = capsys.readouterr().err
    assert f"--out {f / 'x'}" in err and "is a file, not a folder" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("command", ["compare", "sweep"])
def test_compare_and_sweep_out_under_a_file_is_exit_2(tmp_path, capsys, command):
    f = write(tmp_path / "afile", "")
    exp = experiment_file(tmp_path, "")
    files = [str(tmp_path / "base.toml"), str(tmp_path / "days.toml")]
    argv = [command, *(files if command == "compare" else [str(exp)]), "--out", str(f / "x")]
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert f"--out {f / 'x'}: {f} is a file, not a folder" in err


def test_apl_csv_under_a_file_is_exit_2(tmp_path, capsys):
    f = write(tmp_path / "afile", "")
    assert cli.main(["apl", "--departement", "48", "--csv", str(f / "x.csv")]) == 2
    assert f"--csv {f / 'x.csv'}" in capsys.readouterr().err


@pytest.mark.parametrize("under", ["", "sub"])
def test_cache_dir_pointing_at_a_file_is_exit_2(tmp_path, capsys, monkeypatch, under):
    f = write(tmp_path / "afile", "")
    monkeypatch.setenv("ACCESSSIM_CACHE_DIR", str(f / under) if under else str(f))
    assert cli.main(["apl", "--departement", "48"]) == 2
    err = capsys.readouterr().err
    assert "ACCESSSIM_CACHE_DIR" in err and "is a file, not a folder" in err


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EFBIG])
def test_a_full_disk_names_the_file_and_the_os_message(tmp_path, capsys, monkeypatch, code):
    """A write that fails (disk full, file too large): the message names the file."""

    def full(fd):
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(aio.os, "fsync", full)
    out = tmp_path / "x.csv"
    assert cli.main(["apl", "--departement", "48", "--no-cache", "--csv", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"accesssim: error: {out}: {os.strerror(code)}" in err
    assert not out.exists() and not list(tmp_path.glob(".x.csv*"))  # no temporary left


def test_an_atomic_writer_that_raises_is_a_message_not_a_traceback(tmp_path, capsys, monkeypatch):
    def full(path, data):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(aio, "atomic_write_bytes", full)
    p = write(tmp_path / "s.toml", SCENARIO)
    assert cli.main(["run", str(p), "--out", str(tmp_path / "o"), "--no-figures"]) == 2
    err = capsys.readouterr().err
    assert err.count("accesssim: error:") == 1 and os.strerror(errno.ENOSPC) in err
    assert "Traceback" not in err


# ---------------------------------------------------------------------- territory names
def test_empty_region_is_refused_not_all_of_france(tmp_path, capsys):
    with pytest.raises(SystemExit) as e:
        cli.main(["apl", "--region", ""])
    assert e.value.code == 2
    assert "argument --region: expected a name or code" in capsys.readouterr().err
    p = write(tmp_path / "s.toml", SCENARIO.replace('departement = "48"', 'region = " "'))
    with pytest.raises(scenario.ScenarioError, match=r"\[territory\]\.region: expected a name"):
        scenario.load(p)


@pytest.mark.parametrize(
    "kind, given, code",
    [
        ("region", "Ile-de-France", "11"),
        ("region", "ILE DE FRANCE", "11"),
        ("region", "provence alpes cote d'azur", "93"),
        ("region", "Auvergne Rhone-Alpes", "84"),
        ("departement", "ardeche", "07"),
        ("departement", "Cotes-d'Armor", "22"),
    ],
)
def test_names_without_accents_and_in_any_case(france, kind, given, code):
    assert france.resolve_code(kind, given) == code


def test_unknown_names_list_close_matches_with_their_accents(france, capsys):
    with pytest.raises(terr.TerritoryError, match="close matches: Île-de-France"):
        france.resolve_code("region", "Ile-de-Franse")
    with pytest.raises(terr.TerritoryError, match=r"expected a région name or code, got an empty"):
        france.resolve_code("region", "")
    assert cli.main(["apl", "--region", "Ile-de-France"]) == 0
    assert "Île-de-France" in capsys.readouterr().out


# ---------------------------------------------------------------------- SIRENs
def test_duplicate_sirens_are_dropped_with_a_message_and_the_label_stays_short(tmp_path):
    sirens = ", ".join(['"241800507"'] * 200_000 + ['"200066439"'])
    p = write(
        tmp_path / "s.toml",
        SCENARIO.replace('departement = "48"', f"epcis = [{sirens}]"),
    )
    with pytest.warns(UserWarning, match=r"\[territory\]\.epcis: 199,999 duplicate SIREN"):
        sc = scenario.load(p)
    assert sc.territory.codes == ("241800507", "200066439")
    assert len(sc.territory_label) < 120


def test_more_sirens_than_france_has_epcis_is_refused(tmp_path, france):
    n = len(france.epcis)
    sirens = ", ".join(f'"{200000000 + k}"' for k in range(n + 1))
    p = write(
        tmp_path / "s.toml",
        SCENARIO.replace('departement = "48"', f"epcis = [{sirens}]"),
    )
    with pytest.raises(scenario.ScenarioError, match=f"expected at most {n:,} EPCI SIRENs") as e:
        scenario.load(p)
    assert f"{p}: [territory].epcis" in str(e.value)


def test_a_long_epci_list_is_counted_in_the_label():
    sel = scenario.TerritorySelection("epcis", tuple(str(200000000 + k) for k in range(1000)))
    assert sel.label.endswith("... (1000 in all) (with a 30 km buffer)")
    assert len(sel.label) < 120


# ---------------------------------------------------------------------- "1 years"
def test_one_year_is_singular():
    assert plural(1, "year") == "1 year" and plural(5, "year") == "5 years"
    pattern = re.compile(r"\{[^{}]*\} years\b")
    offenders = [
        f"{f.relative_to(ROOT)}:{i}"
        for f in sorted((ROOT / "src" / "accesssim").rglob("*.py"))
        for i, line in enumerate(f.read_text(encoding="utf-8").splitlines(), 1)
        if pattern.search(line)
    ]
    assert not offenders, f"a count of years written as '{{n}} years' (1 years): {offenders}"


def test_run_summary_of_one_year_says_1_year(tmp_path, capsys):
    p = write(tmp_path / "s.toml", SCENARIO)
    assert cli.main(["run", str(p), "--out", str(tmp_path / "o"), "--no-figures"]) == 0
    out = capsys.readouterr()
    assert "1 years" not in out.out + out.err
    assert "1 year from 2025" in out.out and "edge: 1 year," in out.err
    assert "1 years" not in (tmp_path / "o" / "summary.md").read_text(encoding="utf-8")
