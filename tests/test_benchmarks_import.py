"""The benchmarks' child-process scripts (strings run by ``python -c``) import real modules: the
layout move once left them importing paths that no longer existed, which no test saw."""

import ast
import importlib
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"


def scripts():
    """(file, imported module, names) for every import inside a string constant of a benchmark."""
    out = []
    for f in sorted(BENCH.glob("*.py")):
        for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and "import" in node.value
            ):
                try:
                    inner = ast.parse(node.value)
                except SyntaxError:
                    continue
                for n in ast.walk(inner):
                    if isinstance(n, ast.ImportFrom) and (n.module or "").startswith("accesssim"):
                        out.append((f.name, n.module, [a.name for a in n.names]))
    return out


@pytest.mark.parametrize("file, module, names", scripts())
def test_benchmark_scripts_import_what_exists(file, module, names):
    mod = importlib.import_module(module)
    for name in names:
        assert hasattr(mod, name) or importlib.util.find_spec(f"{module}.{name}"), (file, name)


def test_the_scan_finds_the_scripts():
    assert {f for f, _, _ in scripts()} >= {"bench_foundation.py", "bench_model.py"}
