"""Published national figures the model is compared with (docs/sources.md, with sources).

Each entry: value, what it is, and where it comes from. These are targets for comparison and
calibration, never model inputs.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Published:
    value: float | None
    label: str
    source: str


APL = {
    "mean": Published(
        3.3,
        "mean APL (2023)",
        "DREES, Accessibilité aux soins de premier recours en 2023 (20/12/2024)",
    ),
    "bottom_decile_mean": Published(
        1.4, "mean of the 10% lowest (2023)", "DREES 2023 via Caisse des dépôts"
    ),
    "top_decile_mean": Published(
        5.6, "mean of the 10% highest (2023)", "DREES 2023 via Caisse des dépôts"
    ),
    # Level and spread at the same year: no share under 2.5 was published for 2023, and the
    # 2018 share (5.7 % at a mean of 3.93) is not comparable with a 2023-level APL; the
    # year-consistent comparison is in `accesssim validate`.
    "share_below_2_5": Published(
        None,
        "population under 2.5 (2023)",
        "not published since 2018 (5.7% at a mean of 3.93): see accesssim validate",
    ),
    "share_below_1_5": Published(
        None, "population under 1.5", "not published (docs/sources.md §1.3)"
    ),
}
