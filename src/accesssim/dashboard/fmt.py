"""French number formats for the dashboard: "45 609 891 €", "0,73 %", "3 700".

Thousands are separated by a no-break space and the decimal mark is a comma (the usage of
INSEE and DREES publications); a missing or infinite value shows as an en dash.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable

NBSP = "\u00a0"
MISSING = "–"


def number(x: float | None, decimals: int = 0, signed: bool = False) -> str:
    """``12345.678, 1`` -> ``"12 345,7"``; ``signed`` puts "+" before positive values."""
    if x is None or not math.isfinite(x):
        return MISSING
    x = round(float(x), decimals)
    if x == 0:
        x = 0.0  # no "-0"
    text = f"{abs(x):,.{decimals}f}".replace(",", NBSP).replace(".", ",")
    if x < 0:
        return "-" + text
    return ("+" + text) if signed and x > 0 else text


def euros(x: float | None, decimals: int = 0) -> str:
    """``45609891`` -> ``"45 609 891 €"``."""
    text = number(x, decimals)
    return text if text == MISSING else f"{text}{NBSP}€"


def percent(share: float | None, decimals: int = 2, signed: bool = False) -> str:
    """A share as a percentage: ``0.0073`` -> ``"0,73 %"``."""
    if share is None or not math.isfinite(share):
        return MISSING
    return f"{number(100 * share, decimals, signed)}{NBSP}%"


def points(share_diff: float | None, decimals: int = 2) -> str:
    """A difference of two shares in percentage points: ``0.0012`` -> ``"+0,12 pt"``."""
    if share_diff is None or not math.isfinite(share_diff):
        return MISSING
    return f"{number(100 * share_diff, decimals, signed=True)}{NBSP}pt"


def like(spec: str) -> Callable[[float | None], str]:
    """The French format of a Python format string of the output registry
    (``outputs.indicators``): ``"{:.2%}"`` -> ``percent(v, 2)``, ``"{:,.0f}"`` or
    ``"{:.0f}"`` -> ``number(v, 0)`` (thousands always separated), ``"{:+.3f}"`` -> ``number(v,
    3, signed=True)``: the registry's precision, written the French way."""
    m = re.fullmatch(r"\{:(\+?),?\.(\d+)([f%])\}", spec)
    if m is None:
        raise ValueError(f"no French format for {spec!r}")
    signed, decimals = bool(m[1]), int(m[2])
    if m[3] == "%":
        return lambda v: percent(v, decimals, signed)
    return lambda v: number(v, decimals, signed)


MONTHS = ("janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.",
          "nov.", "déc.")  # fmt: skip


def month(start_year: int, index: int) -> str:
    """Month ``index`` (0 = January of ``start_year``) as ``"nov. 2026"``."""
    return f"{MONTHS[index % 12]} {start_year + index // 12}"
