"""Command-line traps: département case, broken pipes, help text, option names, examples."""

import argparse
import subprocess
import sys

import pytest

from accesssim import examples
from accesssim.cli import main as cli
from accesssim.cli.parser import build_parser
from accesssim.specs import experiment


def subparsers():
    parser = build_parser()
    (sub,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return parser, sub.choices


def test_departement_codes_are_case_insensitive(france, capsys):
    assert france.resolve_code("departement", "2a") == "2A"
    assert france.resolve_code("departement", " 2b ") == "2B"
    assert cli.main(["apl", "--departement", "2a"]) == 0
    assert "Corse-du-Sud (2A)" in capsys.readouterr().out


@pytest.mark.parametrize("argv", [["--help"], ["apl", "--departement", "48"]])
def test_a_closed_pipe_gives_no_traceback(argv):
    """`accesssim ... | head`: the reader goes away before the output is written."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "accesssim", *argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    proc.stdout.close()  # like `head` exiting: every later write to stdout fails with EPIPE
    err = proc.stderr.read().decode()
    proc.wait(timeout=120)
    assert "Traceback" not in err and "BrokenPipe" not in err, err


def test_python_dash_m_accesssim():
    out = subprocess.run(
        [sys.executable, "-m", "accesssim", "--version"], capture_output=True, text=True
    )
    assert out.returncode == 0 and out.stdout.startswith("accesssim ")


def test_help_prints_no_doubled_percent_and_every_option_has_help():
    parser, subs = subparsers()
    for name, p in {"accesssim": parser, **subs}.items():
        text = p.format_help()
        assert "%%" not in text, name
        for action in p._actions:
            if isinstance(action, argparse._SubParsersAction) or not action.option_strings:
                continue
            assert action.help, f"{name} {action.option_strings} has no help"
    assert "90% interval" in subs["compare"].format_help()


def test_default_output_folders_are_named_in_help():
    _, subs = subparsers()
    assert "results/<scenario name>" in subs["run"].format_help()
    assert "results/compare_<baseline>" in subs["compare"].format_help()
    assert "default results/" in subs["sweep"].format_help()


def test_sweep_takes_out_and_keeps_results_as_an_alias():
    parser = build_parser()
    assert parser.parse_args(["sweep", "e.toml", "--out", "a"]).out == "a"
    assert parser.parse_args(["sweep", "e.toml", "--results", "b"]).out == "b"
    assert parser.parse_args(["sweep", "e.toml"]).out == "results"


def test_examples_are_shipped_and_copied_without_overwriting(tmp_path, capsys):
    names = {str(p) for p in examples.files()}
    assert {"scenarios/baseline.toml", "experiments/solidarity_dose.toml"} <= names
    assert cli.main(["examples", str(tmp_path)]) == 0
    for rel in examples.files():
        assert (tmp_path / rel).read_bytes() == (examples.ROOT / rel).read_bytes()
    # the experiments find their scenarios in the copy (relative paths)
    exp = experiment.load(tmp_path / "experiments" / "solidarity_dose.toml")
    assert len(exp.scenarios) == 2
    assert cli.main(["examples", str(tmp_path)]) == 0  # same content: nothing to do
    assert "unchanged" in capsys.readouterr().out
    edited = tmp_path / "scenarios" / "baseline.toml"
    edited.write_text(edited.read_text() + "\n# mine\n")
    assert cli.main(["examples", str(tmp_path)]) == 2
    assert "--force" in capsys.readouterr().err and "# mine" in edited.read_text()
    assert cli.main(["examples", str(tmp_path), "--force"]) == 0
    assert "# mine" not in edited.read_text()
