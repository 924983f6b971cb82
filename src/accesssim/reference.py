"""Published national figures the model is compared with (FACTS.md, with sources).

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
    "share_below_2_5": Published(
        0.057,
        "population under 2.5 (2018; none published since)",
        "DREES ER 1144 (2020); 2015 variants 3.8-8%",
    ),
    "share_below_1_5": Published(None, "population under 1.5", "not published (FACTS.md §1.3)"),
}
