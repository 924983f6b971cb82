"""A row of the validation table (:class:`Check`) and the registry of rows, in table order."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from accesssim.experiments.validation.context import Context

STATUSES = ("fitted", "set by construction", "independent", "conditional", "no reference")


@dataclass(frozen=True)
class Check:
    name: str
    published: float | None  # the figure, in the unit of ``compute``; None if only a range
    published_text: str  # as printed, e.g. "3.3" or "≥ 97%"
    tolerance: str  # as printed, e.g. "± 0.2"
    low: float | None  # acceptance interval for the model value (None: reported only)
    high: float | None
    status: str
    source: str
    year: str
    compute: Callable[[Context], float]
    percent: bool = False
    note: str = ""
    why_missed: str = ""  # printed when the model falls outside the tolerance
    # share of people whose value the row can test (e.g. those not at 0 minutes by convention)
    tested: Callable[[Context], float] | None = None

    def __post_init__(self):
        if self.status not in STATUSES:
            raise ValueError(f"check {self.name!r}: status must be one of {STATUSES}")
        if not self.source or not self.year:
            raise ValueError(f"check {self.name!r}: a source and a year are required")


REGISTRY: list[Check] = []


def register(check: Check) -> Check:
    """Add a row to the table (names are unique)."""
    if any(c.name == check.name for c in REGISTRY):
        raise ValueError(f"a check named {check.name!r} is already registered")
    REGISTRY.append(check)
    return check
