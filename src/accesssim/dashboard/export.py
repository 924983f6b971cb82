"""The page's downloads: the EPCI table as CSV and the map as PNG.

Why a module of its own: a download is a file someone keeps and reads elsewhere, with its
own columns and formats (machine-readable numbers, SIRENs quoted as text), unlike the page's
French display; both are built from one ``Snapshot`` and testable without a browser.
"""

from __future__ import annotations

import csv
import io

import numpy as np

from accesssim.dashboard import dashmap
from accesssim.dashboard.engine import Snapshot
from accesssim.dashboard.maps import MAP_INDICATORS, map_classes, map_title

CSV_COLUMNS = (
    "epci_siren", "epci_name", "priority", "population", "weeks", "needed_policy",
    "forgone_policy", "forgone_baseline", "forgone_avoided", "ed_policy", "ed_baseline",
    "ed_avoided", "forgone_rate_policy", "forgone_rate_baseline", "apl_policy", "apl_baseline",
)  # fmt: skip


def epci_csv(snap: Snapshot) -> str:
    """The EPCI table of the current results (core EPCIs; SIRENs quoted, as text)."""
    e = snap.territory.epcis
    c = snap.territory.communes
    pop = np.bincount(c.epci, weights=c.population * c.core, minlength=len(e))
    p, b = snap.by_epci["policy"], snap.by_epci["baseline"]
    buf = io.StringIO()
    w = csv.writer(buf, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for k in np.flatnonzero(e.core):
        status = "confirmed" if snap.confirmed[k] else ("completed" if snap.priority[k] else "")
        w.writerow(
            [
                str(e.siren[k]), str(e.name[k]), status, int(round(pop[k])), snap.week,
                round(p["needed"][k], 1), round(p["forgone"][k], 1), round(b["forgone"][k], 1),
                round(b["forgone"][k] - p["forgone"][k], 1), round(p["ed"][k], 1),
                round(b["ed"][k], 1), round(b["ed"][k] - p["ed"][k], 1),
                round(float(snap.epci[("renoncement_rate", "policy")][k]), 6),
                round(float(snap.epci[("renoncement_rate", "baseline")][k]), 6),
                round(float(snap.epci[("apl", "policy")][k]), 4),
                round(float(snap.epci[("apl", "baseline")][k]), 4),
            ]
        )  # fmt: skip
    return buf.getvalue()


def map_png(snap: Snapshot, indicator: str, view: str) -> bytes:
    """The map of the page as a PNG, with its title and legend."""
    values, classes = map_classes(snap, indicator, view)
    return dashmap.png(
        snap.territory,
        classes.color_of(values),
        snap.priority,
        snap.confirmed,
        classes,
        map_title(snap, indicator, view),
        MAP_INDICATORS[indicator].unit,
    )
