"""Dependencies point one way (docs/ARCHITECTURE.md): no import cycles, no module importing
from a later layer, and no report text in the command line."""

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "accesssim"
LAYERS = [
    {"io", "metrics", "reference", "parameters", "allocation", "territory", "provenance"},
    {"travel"},
    {"access", "priority"},
    {"weekly", "workforce", "agents", "records", "model", "policies", "scenario"},
    {"indicators"},
    {"plots", "reports", "export", "calibration", "validate"},
    {
        "runner",
        "compare",
        "sweep",
        "sweep_summary",
        "sensitivity",
        "cli",
        "app",
        "dashmap",
        "fmt",
        "__main__",
        "api",
    },
]


def imports() -> dict[str, set[str]]:
    """Modules of the package each module imports (anywhere in it, lazy imports included)."""
    out = {}
    for f in SRC.glob("*.py"):
        deps = set()
        for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                parts = node.module.split(".")
                if parts[0] != "accesssim":
                    continue
                deps |= {parts[1]} if len(parts) > 1 else {a.name for a in node.names}
        out[f.stem] = {d for d in deps if (SRC / f"{d}.py").exists() and d != f.stem}
    return out


def layer(module: str) -> int:
    for k, group in enumerate(LAYERS):
        if module in group:
            return k
    return -1


def test_every_module_has_a_layer():
    unplaced = sorted(m for m in imports() if layer(m) < 0 and m != "__init__")
    assert not unplaced, f"add {unplaced} to LAYERS and docs/ARCHITECTURE.md"


def test_dependencies_point_one_way():
    wrong = [(m, d) for m, deps in imports().items() for d in deps if layer(d) > layer(m) >= 0]
    assert not wrong, wrong


def test_no_import_cycles():
    graph = imports()
    state: dict[str, int] = {}

    def visit(m, path):
        state[m] = 1
        for d in graph.get(m, ()):
            assert state.get(d) != 1, f"cycle: {' -> '.join([*path, d])}"
            if d not in state:
                visit(d, [*path, d])
        state[m] = 2

    for m in graph:
        if m not in state:
            visit(m, [m])


def test_the_command_line_formats_no_report():
    text = (SRC / "cli.py").read_text(encoding="utf-8")
    assert "reference.APL" not in text and "| indicator |" not in text
