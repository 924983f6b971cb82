"""The map's colours: which indicators the page can map, in which view, with which classes.

Why a module of its own: the map shows the output registry's indicators
(``outputs.indicators.INDICATORS``) per EPCI, so their number formats come from the registry
(its precision, written the French way by ``fmt.like``); only what the registry does not
hold stays here: the French names and units (the registry's are English), the colour maps
and the formats of the per-EPCI differences (the registry has no per-EPCI difference).
Both the page (SVG) and the download (PNG) draw from ``map_classes``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from accesssim.dashboard import dashmap
from accesssim.dashboard import fmt as ff
from accesssim.dashboard.effects import MIN_SEEDS_FOR_INTERVAL
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
    diff_at: Callable[[float, int], str]  # a difference written with so many decimals
    diff_decimals: int

    @property
    def diff_format(self) -> Callable[[float], str]:
        return lambda v: self.diff_at(v, self.diff_decimals)

    @property
    def value_format(self) -> Callable[[float], str]:
        """The registry's format of the indicator, in French."""
        return ff.like(indicators.INDICATORS[self.name].fmt)

    @property
    def value_decimals(self) -> int:
        return int(re.search(r"\.(\d+)", indicators.INDICATORS[self.name].fmt)[1])

    def value_at(self, v: float, decimals: int) -> str:
        """The registry's format with ``decimals`` decimals (legend labels that must differ)."""
        spec = re.sub(r"\.\d+", f".{decimals}", indicators.INDICATORS[self.name].fmt, count=1)
        return ff.like(spec)(v)

    def format_of(self, view: str) -> Callable[[float], str]:
        return self.diff_format if view == VIEWS[2] else self.value_format


MAP_INDICATORS = {  # French name on the page: the registry indicator it shows
    "Renoncement aux soins": MapIndicator(
        "renoncement_rate",
        "consultations renoncées / demandées",
        "YlOrRd",
        "RdBu_r",
        ff.points,
        3,
    ),
    "APL": MapIndicator(
        "apl",
        "APL (consultations/an/habitant)",
        "RdYlGn",
        "RdBu",
        lambda v, d: ff.number(v, d, signed=True),
        3,
    ),
    "Urgences évitables": MapIndicator(
        "ed_per_1000",
        "passages aux urgences évitables / 1 000 hab./an",
        "PuRd",
        "RdBu_r",
        lambda v, d: ff.number(v, d, signed=True),
        2,
    ),
}


OVERSEAS_NOTE = (
    "Carte de la France entière : les EPCI d'outre-mer ne sont ni dessinés ni comptés dans "
    "les classes (leurs valeurs sont dans le tableau CSV et au survol des cartes par "
    "département)."
)


def in_noise(snap: Snapshot, indicator: str) -> np.ndarray | None:
    """Per EPCI, whether the policy − baseline difference cannot be told from seed noise
    (its 90 % interval across seeds holds zero, ``effects.distinguishable``); None with fewer
    than ``effects.MIN_SEEDS_FOR_INTERVAL`` seeds."""
    d = snap.differences(MAP_INDICATORS[indicator].name)
    return noise_of(d)


def noise_of(per_seed: np.ndarray) -> np.ndarray | None:
    """``in_noise`` of a seeds × EPCIs array of paired differences."""
    if len(per_seed) < MIN_SEEDS_FOR_INTERVAL:
        return None
    out = np.zeros(per_seed.shape[1], bool)
    ok = np.isfinite(per_seed).all(0)
    if ok.any():
        lo, hi = np.percentile(per_seed[:, ok], [5, 95], axis=0)
        out[ok] = ~((lo > 0) | (hi < 0) | ((lo == 0) & (hi == 0)))  # effects.distinguishable
    return out


def classes_of(values, ind: MapIndicator, diff: bool, snap_territory) -> dashmap.Classes:
    """Classes of ``values`` over the EPCIs drawn (France: the mainland; the overseas ones
    are left out with a note, so they cannot set the top class of a map they are not on)."""
    shown = dashmap.shown_epcis(snap_territory)
    fitted = np.where(shown, values, np.nan)
    if diff:
        c = dashmap.class_breaks(fitted, ind.diff_format, ind.diff_cmap, diverging=True,
                                 fmt_at=ind.diff_at, decimals=ind.diff_decimals)  # fmt: skip
    else:
        c = dashmap.class_breaks(fitted, ind.value_format, ind.cmap, fmt_at=ind.value_at,
                                 decimals=ind.value_decimals)  # fmt: skip
    if not shown.all():
        c = replace(c, note=OVERSEAS_NOTE)
    return c


def map_classes(snap: Snapshot, indicator: str, view: str):
    """The values of ``indicator`` (a French name of ``MAP_INDICATORS``) in ``view``, and
    their classes."""
    ind = MAP_INDICATORS[indicator]
    values = snap.values(ind.name, view)
    return values, classes_of(values, ind, view == VIEWS[2], snap.territory)


def map_colors(snap: Snapshot, indicator: str, view: str):
    """The values, classes and colours of the map (EPCIs in seed noise in the zero band)."""
    values, classes = map_classes(snap, indicator, view)
    noise = in_noise(snap, indicator) if view == VIEWS[2] else None
    return values, *with_noise(classes, values, noise)


def with_noise(classes: dashmap.Classes, values, noise):
    """The classes (the zero band's label saying it also holds the EPCIs in seed noise), the
    colours, and the noise mask."""
    if noise is not None and noise.any() and classes.neutral is not None:
        labels = list(classes.labels)
        labels[classes.neutral] += " ou indiscernable du bruit des graines"
        classes = replace(classes, labels=tuple(labels))
    return classes, classes.color_of(values, noise), noise


def map_title(snap: Snapshot, indicator: str, view: str) -> str:
    return f"{indicator}, {view.lower()} — {snap.territory.label}, semaine {snap.week}"


def map_svg(snap: Snapshot, indicator: str, view: str) -> tuple[str, dashmap.Classes]:
    """The map for the page, with the EPCI name and value on hover, and its classes."""
    values, classes, colors, noise = map_colors(snap, indicator, view)
    e = snap.territory.epcis
    fmt = MAP_INDICATORS[indicator].format_of(view)
    titles = [
        f"{e.name[k]} ({e.siren[k]}) : {fmt(values[k])}"
        + (" (indiscernable du bruit des graines)" if noise is not None and noise[k] else "")
        + (" · prioritaire" if snap.priority[k] else "")
        if e.core[k]
        else f"{e.name[k]} : zone tampon, non compté"
        for k in range(len(e))
    ]
    return dashmap.svg(snap.territory, colors, titles, snap.priority, snap.confirmed), classes


def ab_map_svg(a: Snapshot, b: Snapshot, indicator: str) -> tuple[str, dashmap.Classes]:
    """The B − A map (policy runs of B and A, median over the paired seeds), drawn and
    classed as the difference view: zero band, EPCIs in seed noise in it."""
    from accesssim.dashboard import abcompare

    ind = MAP_INDICATORS[indicator]
    per_seed = abcompare.map_differences(a, b, ind.name)
    values = abcompare.map_values(a, b, ind.name)
    classes, colors, noise = with_noise(
        classes_of(values, ind, True, b.territory), values, noise_of(per_seed)
    )
    e = b.territory.epcis
    titles = [
        f"{e.name[k]} ({e.siren[k]}) : B − A {ind.diff_format(values[k])}"
        + (" (indiscernable du bruit des graines)" if noise is not None and noise[k] else "")
        if e.core[k]
        else f"{e.name[k]} : zone tampon, non compté"
        for k in range(len(e))
    ]
    return dashmap.svg(b.territory, colors, titles, b.priority, b.confirmed), classes
