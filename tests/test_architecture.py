"""Dependencies point one way (docs/ARCHITECTURE.md).

The layer rules are import-linter contracts in ``pyproject.toml`` (run by ``make lint`` as
``lint-imports``). import-linter builds its graph with grimp, which sees every import form:
``import a.b``, ``from a import b``, relative imports and imports inside functions. The tests
below run the contracts on the package, check that they catch planted violations of each form
on a copy of it, and add the rules a contract cannot state: no cycles, no import of the
package's front door from inside, no ``importlib`` between the project's own modules, no
callable modules, and no module over 500 lines without a reason in ARCHITECTURE.md.
"""

import ast
import re
import shutil
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "accesssim"
MODULES = sorted(p for p in SRC.rglob("*.py"))


def lint_imports(src_dir: Path) -> subprocess.CompletedProcess:
    """import-linter's command on the package found in ``src_dir``, with the project's
    contracts."""
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from importlinter.cli import lint_imports_command; "
            "sys.exit(lint_imports_command())",
            "--config",
            str(ROOT / "pyproject.toml"),
            "--no-cache",
        ],
        env={"PYTHONPATH": str(src_dir), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        cwd=src_dir,
    )


def test_the_package_keeps_its_contracts():
    out = lint_imports(SRC.parent)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "1 kept, 0 broken" in out.stdout


@pytest.mark.parametrize(
    "where, line, culprit",
    [
        ("model/access_model.py", "import accesssim.dashboard.app\n", "accesssim.model"),
        ("core/weekly.py", "from ..outputs import reports\n", "accesssim.core"),
        ("examples/__init__.py", "from accesssim import cli\n", "accesssim.examples"),
        ("geo/travel.py", "def f():\n    from accesssim.model import ledger\n", "accesssim.geo"),
    ],
    ids=["import a.b", "relative", "from package import", "lazy"],
)
def test_the_contracts_catch_a_planted_violation(tmp_path, where, line, culprit):
    """Each import form that the old ast check missed breaks the contracts on a copy."""
    copy = tmp_path / "src" / "accesssim"
    shutil.copytree(SRC, copy, ignore=shutil.ignore_patterns("data", "__pycache__"))
    target = copy / where
    target.write_text(target.read_text(encoding="utf-8") + "\n" + line, encoding="utf-8")
    out = lint_imports(copy.parent)
    assert out.returncode != 0, out.stdout
    assert f"{culprit} is not allowed to import" in out.stdout


@pytest.fixture(scope="module")
def graph():
    return grimp.build_graph("accesssim", cache_dir=None)


def test_no_import_cycles(graph):
    state: dict[str, int] = {}

    def visit(m, path):
        state[m] = 1
        for d in sorted(graph.find_modules_directly_imported_by(m)):
            assert state.get(d) != 1, f"cycle: {' -> '.join([*path, d])}"
            if d not in state:
                visit(d, [*path, d])
        state[m] = 2

    for m in sorted(graph.modules):
        if m not in state and m != "accesssim":  # the front door lazily reaches the API
            visit(m, [m])


def test_no_module_imports_the_front_door(graph):
    """``accesssim/__init__`` reaches the API, so a module importing it would depend on
    every layer."""
    importers = graph.find_modules_that_directly_import("accesssim")
    assert not importers, importers


def _calls(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            f = node.func
            name = f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", "")
            yield name, node


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(SRC)))
def test_no_hidden_imports_or_callable_modules(path):
    """``importlib``/``__import__`` with a project path would hide an edge from the contracts,
    and a module swapped for a callable class hides its signature (``help``, IDEs)."""
    text = path.read_text(encoding="utf-8")
    tree = ast.parse(text)
    for name, node in _calls(tree):
        if name in ("import_module", "__import__") and node.args:
            first = ast.unparse(node.args[0]).strip("f'\"")
            assert not first.startswith("accesssim"), (
                f"{path.name}:{node.lineno} imports a project module through importlib"
            )
    assert not re.search(r"sys\.modules\[__name__\]\.__class__", text), path


def test_hidden_import_check_catches_importlib(tmp_path):
    planted = tmp_path / "x.py"
    planted.write_text('import importlib\nm = importlib.import_module("accesssim.api")\n')
    with pytest.raises(AssertionError, match="through importlib"):
        test_no_hidden_imports_or_callable_modules(planted)


def long_modules_explained() -> set[str]:
    """Modules named in ARCHITECTURE.md's table of modules over 500 lines."""
    text = (ROOT / "docs" / "ARCHITECTURE.md").read_text(encoding="utf-8")
    section = text.split("## Modules over 500 lines", 1)[-1]
    return set(re.findall(r"^\| `([\w/]+\.py)` \|", section, flags=re.M))


def test_long_modules_have_a_reason():
    long = {
        str(p.relative_to(SRC))
        for p in MODULES
        if len(p.read_text(encoding="utf-8").splitlines()) > 500
    }
    missing = long - long_modules_explained()
    assert not missing, f"over 500 lines with no reason in docs/ARCHITECTURE.md: {missing}"


def test_the_command_line_formats_no_report():
    for path in sorted((SRC / "cli").glob("*.py")):  # main.py and the modules split from it
        text = path.read_text(encoding="utf-8")
        assert "reference.APL" not in text and "| indicator |" not in text, path
