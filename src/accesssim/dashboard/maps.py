"""The map's colours: which indicators the page can map, in which view, with which classes.

Why a module of its own: the map shows the output registry's indicators
(``outputs.indicators.INDICATORS``) per EPCI, so their number formats come from the registry
(its precision, written the French way by ``fmt.like``); only what the registry does not
hold stays here: the French names and units (the registry's are English), the colour maps
and the formats of the per-EPCI differences (the registry has no per-EPCI difference).
Both the page (SVG) and the download (PNG) draw from ``map_classes``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from accesssim.dashboard import dashmap
from accesssim.dashboard import fmt as ff
from accesssim.dashboard.engine import VIEWS, Snapshot
from accesssim.outputs import indicators


@dataclass(frozen=True)
class MapIndicator:
    """A map colour: the registry indicator ``name`` per EPCI, with its French unit (the
    legend's) and its colour maps for values and for differences."""

    name: str
    unit: str
    cmap: str
    diff_cmap: str
    diff_format: Callable[[float], str]

    @property
    def value_format(self) -> Callable[[float], str]:
        """The registry's format of the indicator, in French."""
        return ff.like(indicators.INDICATORS[self.name].fmt)

    def format_of(self, view: str) -> Callable[[float], str]:
        return self.diff_format if view == VIEWS[2] else self.value_format


MAP_INDICATORS = {  # French name on the page: the registry indicator it shows
    "Renoncement aux soins": MapIndicator(
        "renoncement_rate",
        "consultations renoncées / demandées",
        "YlOrRd",
        "RdBu_r",
        lambda v: ff.points(v, 3),
    ),
    "APL": MapIndicator(
        "apl",
        "APL (consultations/an/habitant)",
        "RdYlGn",
        "RdBu",
        lambda v: ff.number(v, 3, signed=True),
    ),
    "Urgences évitables": MapIndicator(
        "ed_per_1000",
        "passages aux urgences évitables / 1 000 hab./an",
        "PuRd",
        "RdBu_r",
        lambda v: ff.number(v, 2, signed=True),
    ),
}


def map_classes(snap: Snapshot, indicator: str, view: str):
    """The values of ``indicator`` (a French name of ``MAP_INDICATORS``) in ``view``, and
    their classes."""
    ind = MAP_INDICATORS[indicator]
    values = snap.values(ind.name, view)
    if view == VIEWS[2]:
        return values, dashmap.class_breaks(values, ind.diff_format, ind.diff_cmap, diverging=True)
    return values, dashmap.class_breaks(values, ind.value_format, ind.cmap)


def map_title(snap: Snapshot, indicator: str, view: str) -> str:
    return f"{indicator}, {view.lower()} — {snap.territory.label}, semaine {snap.week}"


def map_svg(snap: Snapshot, indicator: str, view: str) -> tuple[str, dashmap.Classes]:
    """The map for the page, with the EPCI name and value on hover, and its classes."""
    values, classes = map_classes(snap, indicator, view)
    e = snap.territory.epcis
    fmt = MAP_INDICATORS[indicator].format_of(view)
    titles = [
        f"{e.name[k]} ({e.siren[k]}) : {fmt(values[k])}"
        + (" · prioritaire" if snap.priority[k] else "")
        if e.core[k]
        else f"{e.name[k]} : zone tampon, non compté"
        for k in range(len(e))
    ]
    colors = classes.color_of(values)
    return dashmap.svg(snap.territory, colors, titles, snap.priority, snap.confirmed), classes
