"""Every command in the README's fenced shell blocks is valid from a checkout: its options
parse, the files it names exist, the extras it installs exist; the cheap ones run."""

import re
import shlex
import tomllib
from pathlib import Path

import pytest

from accesssim.cli import main as cli
from accesssim.cli.parser import build_parser

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text(encoding="utf-8")


def shell_commands() -> list[str]:
    blocks = re.findall(r"```(?:bash|sh|shell)\n(.*?)```", README, re.S)
    lines = []
    for block in blocks:
        for line in block.replace("\\\n", " ").splitlines():
            line = line.split(" #")[0].strip()
            if line and not line.startswith("#"):
                lines.append(line)
    return lines


ACCESSSIM = [c for c in shell_commands() if re.match(r"(\.venv/bin/)?accesssim ", c)]


def test_readme_has_commands():
    assert len(ACCESSSIM) >= 5


@pytest.mark.parametrize("command", ACCESSSIM)
def test_readme_command_parses_and_names_existing_files(command):
    argv = shlex.split(command)[1:]
    if "--help" in argv:
        with pytest.raises(SystemExit) as exit_:
            build_parser().parse_args(argv)
        assert exit_.value.code == 0
        return
    args = build_parser().parse_args(argv)  # unknown option or command: SystemExit
    for value in vars(args).values():
        for v in value if isinstance(value, list) else [value]:
            if isinstance(v, str) and v.endswith(".toml"):
                assert (REPO / v).is_file(), f"{command}: {v} does not exist"


def test_pip_installs_name_existing_extras_from_a_checkout():
    extras = set(
        tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    )
    found = re.findall(r"pip install ([^`\n]*)", README)
    assert found
    for spec in found:
        assert "accesssim[" not in spec, f"`pip install {spec}`: not published on an index"
        for names in re.findall(r"\.\[([^\]]+)\]", spec):
            assert set(names.split(",")) <= extras, spec


CHEAP = [c for c in ACCESSSIM if " apl " in f"{c} " and ("--departement" in c or "--region" in c)]


@pytest.mark.parametrize("command", CHEAP)
def test_cheap_readme_commands_run(command, tmp_path, monkeypatch):
    """The APL commands on a selection run (seconds); runs over years and seeds are
    long-running and only parsed above."""
    monkeypatch.chdir(tmp_path)
    assert cli.main(shlex.split(command)[1:]) == 0
