"""One declarative checker for the project's TOML files (scenario, experiment, study).

Each file kind declares its tables as ``Table``s of ``Field``s (type, bounds, choices, a
custom check); ``check_table`` applies them and raises the file kind's error with a message
that names the file, the key and what is expected. Declaring instead of hand-writing the
checks keeps the messages uniform across file kinds, and makes a refused NaN or infinity a
property of every number field rather than something each parser must remember.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MISSING = object()

TYPE_NAMES = {
    str: "a string",
    int: "an integer",
    float: "a number",
    list: "a list",
    dict: "a table",
    bool: "true or false",
}


@dataclass(frozen=True)
class Field:
    """One key of a table: its type (``float`` accepts integers and returns floats; numbers
    must be finite), whether it is required, its default, bounds, choices, and ``check``: a
    function of the value that returns what is expected when the value is wrong, else None.
    ``expected`` replaces the generated wording of what is expected."""

    type: type | None = None
    required: bool = False
    default: Any = MISSING
    low: float | None = None
    high: float | None = None
    choices: tuple | None = None
    check: Callable[[Any], str | None] | None = None
    expected: str = ""

    def describe(self) -> str:
        if self.expected:
            return self.expected
        if self.choices is not None:
            return "one of " + ", ".join(repr(c) for c in self.choices)
        what = TYPE_NAMES.get(self.type, "a value")
        if self.low is not None and self.high is not None:
            return f"{what} from {self.low:g} to {self.high:g}"
        if self.low is not None:
            return f"{what} >= {self.low:g}"
        if self.high is not None:
            return f"{what} <= {self.high:g}"
        return what


@dataclass(frozen=True)
class Table:
    """A TOML table: its fields; ``open`` tables accept keys not declared (checked elsewhere,
    e.g. ``[parameters]`` against the parameter table)."""

    name: str
    fields: dict[str, Field] = field(default_factory=dict)
    open: bool = False


def _is_number(v) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def shown(value, limit: int = 80) -> str:
    """``repr(value)`` for an error message, cut to about ``limit`` characters (a 10,000
    character name or a list of 200,000 codes is not repeated in full)."""
    text = repr(value)
    if len(text) <= limit:
        return text
    if isinstance(value, str | list | tuple | dict):
        unit = "characters" if isinstance(value, str) else "items"
        return f"{text[: limit - 20]}... ({len(value):,} {unit})"
    return f"{text[: limit - 20]}..."


def check_value(f: Field, value, where: str, error: type[Exception]):
    """The value, converted (an integer given for a number becomes a float), or ``error``."""

    def fail():
        raise error(f"{where}: expected {f.describe()}, got {shown(value)}")

    if f.type is float:
        if not _is_number(value) or not math.isfinite(value):
            fail()
        value = float(value)
    elif f.type is int:
        if not isinstance(value, int) or isinstance(value, bool):
            fail()
    elif f.type is bool:
        if not isinstance(value, bool):
            fail()
    elif f.type is not None and not isinstance(value, f.type):
        fail()
    if f.choices is not None and value not in f.choices:
        fail()
    if f.low is not None and value < f.low:
        fail()
    if f.high is not None and value > f.high:
        fail()
    if f.check is not None:
        wrong = f.check(value)
        if wrong:
            raise error(f"{where}: expected {wrong}, got {shown(value)}")
    return value


def read_toml(path: Path, error: type[Exception], what: str = "file") -> tuple[bytes, dict]:
    """A TOML file's bytes (for hashes) and its data, read once; ``error`` names the file when
    it cannot be read (``what``: "scenario file", "plan file"...) or is not valid TOML."""
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise error(f"{path}: cannot read the {what} ({exc.strerror})") from exc
    try:
        return raw, tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise error(f"{path}: not valid TOML ({exc})") from exc


def check_sections(data, allowed, where: str, error: type[Exception]) -> None:
    """No top-level section outside ``allowed``."""
    if not isinstance(data, dict):
        raise error(f"{where}: expected TOML tables")
    unknown = set(data) - set(allowed)
    if unknown:
        raise error(f"{where}: unknown section(s) {sorted(unknown)}; expected {sorted(allowed)}")


def check_table(raw, table: Table, where: str, error: type[Exception]) -> dict:
    """The table's values checked, with defaults filled in; ``error`` names the file
    (``where``), the table and the key, and says what is expected."""
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise error(f"{where}: [{table.name}] must be a table")
    out = {}
    for key, value in raw.items():
        f = table.fields.get(key)
        if f is None:
            if table.open:
                out[key] = value
                continue
            raise error(
                f"{where}: [{table.name}] unknown key {key!r}; expected one of "
                f"{sorted(table.fields)}"
            )
        out[key] = check_value(f, value, f"{where}: [{table.name}].{key}", error)
    for key, f in table.fields.items():
        if key in out:
            continue
        if f.required:
            raise error(f"{where}: [{table.name}].{key} is missing; expected {f.describe()}")
        if f.default is not MISSING:
            out[key] = f.default
    return out


def non_empty_list(of: type, what: str) -> Callable[[Any], str | None]:
    """A check: a non-empty list whose items are all ``of`` (booleans are not integers)."""

    def check(v):
        ok = (
            isinstance(v, list)
            and v
            and all(isinstance(x, of) and not isinstance(x, bool) for x in v)
        )
        return None if ok else what

    return check


NAME_MAX = 100
_NAME = re.compile(r"\w[\w.-]*")  # \w: letters (accented too), digits, _


def file_name(v) -> str | None:
    """A check: a name that is used as a file or folder name (results/<name>, runs/<name>-...):
    letters, digits, ``_``, ``-`` and ``.``, not starting with ``.`` or ``-``, at most
    ``NAME_MAX`` characters. No ``/``, ``..`` or spaces: a name never becomes a path."""
    if isinstance(v, str) and len(v) <= NAME_MAX and _NAME.fullmatch(v):
        return None
    return (
        f"a name usable as a file name (letters, digits, '_', '-' and '.', not starting with "
        f"'.' or '-', at most {NAME_MAX} characters)"
    )
