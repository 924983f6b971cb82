"""The dashboard's EPCI map: class breaks fitted to the values shown, an inline SVG with the
EPCI name and value on hover, and the same map as a PNG for download.

Why an inline SVG: it is a vector figure drawn by the browser itself, so it needs no extra
package, no JavaScript and no map tiles (it works offline), it scales to the page, and each
EPCI carries a ``<title>`` the browser shows on hover. The PNG for download is drawn with
matplotlib from the same classes and colours.
"""

from __future__ import annotations

import html
import io
import textwrap
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.collections import PolyCollection  # noqa: E402
from matplotlib.colors import to_hex  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

from accesssim.geo.territory import Territory

BUFFER_GREY = "#d4d4d4"
NO_VALUE_GREY = "#f0f0f0"
OVERSEAS_DEPARTEMENTS = ("971", "972", "973", "974", "976")


@dataclass(frozen=True)
class Classes:
    """Class edges (ascending), one colour per class and a label per class; ``neutral``: the
    zero band's class of a diverging map (``None`` otherwise) and ``note``: what the legend
    must add (e.g. EPCIs left out of the classes)."""

    edges: tuple[float, ...]
    colors: tuple[str, ...]
    labels: tuple[str, ...]
    neutral: int | None = None
    note: str = ""

    def color_of(self, values: np.ndarray, in_noise: np.ndarray | None = None) -> list[str]:
        """The colour of each value; NaN gets the no-value grey, and a value flagged
        ``in_noise`` (its interval across seeds holds zero) the zero band's colour."""
        out = []
        edges = np.asarray(self.edges)
        noise = np.zeros(len(values), bool) if in_noise is None else np.asarray(in_noise, bool)
        for v, z in zip(np.asarray(values, float), noise, strict=True):
            if not np.isfinite(v):
                out.append(NO_VALUE_GREY)
                continue
            if z and self.neutral is not None:
                out.append(self.colors[self.neutral])
                continue
            k = int(np.searchsorted(edges, v, side="right")) - 1
            out.append(self.colors[min(max(k, 0), len(self.colors) - 1)])
        return out


def _nice(x: float, up: bool) -> float:
    """``x`` rounded outward to two significant digits."""
    if x == 0 or not np.isfinite(x):
        return 0.0
    mag = 10 ** (np.floor(np.log10(abs(x))) - 1)
    return float((np.ceil if up else np.floor)(x / mag) * mag)


MAX_EXTRA_DIGITS = 6  # labels get up to this many more decimals until no two read the same


def distinct_labels(edges, fmt_at, decimals: int) -> tuple[int, list[str]]:
    """The fewest decimals (from ``decimals``) at which every edge of ``edges`` reads
    differently through ``fmt_at(value, decimals)``, and the edges so written: two classes
    never carry the same label."""
    for d in range(decimals, decimals + MAX_EXTRA_DIGITS + 1):
        shown = [fmt_at(x, d) for x in edges]
        if len(set(shown)) == len(shown):
            return d, shown
    return d, shown


def class_breaks(
    values, fmt, cmap: str, n: int = 6, diverging: bool = False, fmt_at=None, decimals: int = 0
) -> Classes:
    """Classes fitted to the finite ``values`` shown (quantiles rounded to two significant
    digits), so a region's map is not one colour; all values equal give one class.

    ``diverging`` (a difference) centres them on zero with a zero band, the differences
    too small to show at ``decimals`` (``|v|`` under half a unit of the last digit of
    ``fmt_at(v, decimals)``, so the band is what reads as zero), in white; the classes either
    side split the larger differences by size. With ``fmt_at`` the labels get as many
    decimals as they need so that no two read the same (``distinct_labels``)."""
    v = np.asarray(values, float)
    v = v[np.isfinite(v)]
    cm = plt.get_cmap(cmap)
    if not len(v):
        return Classes((0.0, 0.0), (NO_VALUE_GREY,), ("pas de valeur",))
    lo, hi = float(v.min()), float(v.max())
    if diverging:
        if fmt_at is not None:
            unit = _display_unit(fmt_at, decimals)
            band = 0.5 * unit
        else:
            band = 1e-9 * max(1.0, float(np.abs(v).max()))
        big = np.abs(v[np.abs(v) >= band])
        if not len(big):
            zero = fmt(0.0) if fmt_at is None else fmt_at(0.0, decimals)
            return Classes((-band, band), ("#ffffff",), (f"{zero} (aucun écart)",), neutral=0)
        # classes split the differences clearly outside the band (no sliver of a class just
        # beyond it when most values sit at its edge)
        clear = big[big >= 2 * band] if (big >= 2 * band).any() else big
        qs = np.unique([_nice(q, up=True) for q in np.quantile(clear, [1 / 3, 2 / 3, 1.0])])
        qs = qs[qs > band]
        if not len(qs):
            qs = np.array([float(big.max())])
        qs[-1] = max(qs[-1], float(big.max()))
        pos = [band, *qs.tolist()]
        edges = [-e for e in reversed(pos)] + pos
        k = len(edges) - 1
        colors = [to_hex(cm(i / (k - 1))) for i in range(k)]
        mid = len(pos) - 1
        colors[mid] = "#ffffff"
        if fmt_at is None:
            shown = [fmt(x) for x in edges]
            zero = fmt(0.0)
        else:
            d, shown = distinct_labels(edges, fmt_at, decimals + 1)
            zero = fmt_at(0.0, decimals)
        labels = [
            f"{shown[i]} à {shown[i + 1]} : {zero} à l'arrondi (aucun écart)"
            if i == mid
            else f"{shown[i]} à {shown[i + 1]}"
            for i in range(k)
        ]
        return Classes(tuple(edges), tuple(colors), tuple(labels), neutral=mid)
    if hi - lo <= 1e-12 * max(1.0, abs(hi)):
        return Classes((lo, hi), (to_hex(cm(0.5)),), (f"{fmt(lo)} partout",))
    inner = [_nice(q, up=False) for q in np.quantile(v, np.linspace(0, 1, n + 1)[1:-1])]
    edges = np.unique([lo, *[e for e in inner if lo < e < hi], hi])
    k = len(edges) - 1
    colors = [to_hex(cm(0.1 + 0.85 * i / max(k - 1, 1))) for i in range(k)]
    shown = [fmt(x) for x in edges] if fmt_at is None else distinct_labels(
        edges, fmt_at, decimals)[1]  # fmt: skip
    labels = [f"{shown[i]} à {shown[i + 1]}" for i in range(k)]
    return Classes(tuple(edges.tolist()), tuple(colors), tuple(labels))


def _display_unit(fmt_at, decimals: int) -> float:
    """The value of one unit of the last digit ``fmt_at(., decimals)`` shows (e.g. 1e-5 for
    points of a share at 3 decimals: 0.001 pt), found from the format itself."""
    for exp in range(-12, 7):
        u = 10.0**exp
        if fmt_at(u, decimals) != fmt_at(0.0, decimals) and fmt_at(0.4 * u, decimals) == fmt_at(
            0.0, decimals
        ):
            return u
    return 1e-9


def shown_epcis(territory: Territory) -> np.ndarray:
    """EPCIs drawn: all, except overseas ones when the core also holds mainland EPCIs (all
    of France): they would shrink the mainland to a dot."""
    c = territory.communes
    first = np.full(len(territory.epcis), -1)
    order = np.arange(len(c))[::-1]
    first[c.epci[order]] = order
    overseas = np.isin(c.departement[np.maximum(first, 0)], OVERSEAS_DEPARTEMENTS)
    core = territory.epcis.core
    if (core & ~overseas).any() and (core & overseas).any():
        return ~overseas
    return np.ones(len(territory.epcis), bool)


def _rings(territory: Territory, shown: np.ndarray, max_points: int = 60_000):
    rings = [(k, r) for k, r in territory.epci_rings() if shown[k]]
    total = sum(len(r) for _, r in rings)
    stride = max(1, int(np.ceil(total / max_points)))
    if stride > 1:  # thin large maps (all of France) so the page stays light
        rings = [(k, r[::stride] if len(r) > 8 * stride else r) for k, r in rings]
    return rings


def svg(
    territory: Territory,
    colors: list[str],
    titles: list[str],
    priority: np.ndarray,
    confirmed: np.ndarray,
    width: int = 760,
) -> str:
    """The map as an SVG string: fill per EPCI (grey for buffer EPCIs), a hover title per
    EPCI, a heavy outline around priority EPCIs (solid: confirmed list, dashed: completed)."""
    e = territory.epcis
    shown = shown_epcis(territory)
    rings = _rings(territory, shown)
    if not rings:
        return "<p>Pas de contour à dessiner.</p>"
    xy = np.concatenate([r for _, r in rings])
    lat0 = np.radians(xy[:, 1].mean())
    x0, x1 = xy[:, 0].min(), xy[:, 0].max()
    y0, y1 = xy[:, 1].min(), xy[:, 1].max()
    sx = np.cos(lat0)
    scale = (width - 10) / max((x1 - x0) * sx, 1e-9)
    height = int(np.ceil((y1 - y0) * scale)) + 10

    def path_of(ring):
        px = (ring[:, 0] - x0) * sx * scale + 5
        py = (y1 - ring[:, 1]) * scale + 5
        pts = " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(px, py, strict=True))
        return f"M{pts}Z"

    by_epci: dict[int, list[str]] = {}
    for k, r in rings:
        by_epci.setdefault(k, []).append(path_of(r))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" style="max-width:{width}px" role="img" class="epci-map">',
        "<style>.epci-map path.e:hover{stroke:#000;stroke-width:2}</style>",
    ]
    for k, d in by_epci.items():
        fill, edge = (colors[k], "#8c8c8c") if e.core[k] else (BUFFER_GREY, "#ffffff")
        parts.append(
            f'<path class="e" d="{" ".join(d)}" fill="{fill}" stroke="{edge}" '
            f'stroke-width="0.6"><title>{html.escape(titles[k])}</title></path>'
        )
    for k, d in by_epci.items():
        if priority[k] or confirmed[k]:
            dash = "" if confirmed[k] else ' stroke-dasharray="4 3"'
            parts.append(
                f'<path d="{" ".join(d)}" fill="none" stroke="#111" stroke-width="1.6"{dash} '
                'pointer-events="none"/>'
            )
    parts.append("</svg>")
    return "".join(parts)


def legend_html(classes: Classes, unit: str, has_buffer: bool) -> str:
    """Legend: one swatch per class, then buffer EPCIs and priority outlines."""
    sw = (
        '<span style="display:inline-block;width:14px;height:14px;margin-right:5px;'
        'vertical-align:middle;border:1px solid #999;background:{}"></span>'
    )
    rows = [f"<div><b>{html.escape(unit)}</b></div>"]
    rows += [
        f"<div>{sw.format(c)}{html.escape(lab)}</div>"
        for c, lab in zip(classes.colors, classes.labels, strict=True)
    ]
    if has_buffer:
        rows.append(
            f"<div>{sw.format(BUFFER_GREY)}EPCI voisins (zone tampon : simulés pour les "
            "trajets, non comptés)</div>"
        )
    line = (
        '<span style="display:inline-block;width:22px;height:0;margin-right:5px;'
        'vertical-align:middle;border-top:2px {} #111"></span>'
    )
    rows.append(f"<div>{line.format('solid')}EPCI prioritaire (liste confirmée)</div>")
    rows.append(
        f"<div>{line.format('dashed')}EPCI prioritaire (liste complétée à 151 par "
        "l'indice du modèle)</div>"
    )
    if classes.note:
        rows.append(f"<div style='font-size:12px;color:#555'>{html.escape(classes.note)}</div>")
    return (
        '<div class="map-legend" style="font-size:13px;line-height:1.6">' + "".join(rows) + "</div>"
    )


def png(
    territory: Territory,
    colors: list[str],
    priority: np.ndarray,
    confirmed: np.ndarray,
    classes: Classes,
    title: str,
    unit: str,
    subtitle: tuple[str, ...] = (),
) -> bytes:
    """The same map as a PNG (for download), with its legend (both outline styles), its
    title, and under it ``subtitle`` (the run's provenance lines)."""
    e = territory.epcis
    shown = shown_epcis(territory)
    rings = _rings(territory, shown)
    fig, ax = plt.subplots(figsize=(10, 8))
    if rings:
        polys = [r for _, r in rings]
        fills = [colors[k] if e.core[k] else BUFFER_GREY for k, _ in rings]
        edges = ["#8c8c8c" if e.core[k] else "#ffffff" for k, _ in rings]  # as the SVG: a
        # white zero-band EPCI keeps its outline on the white page
        ax.add_collection(PolyCollection(polys, facecolors=fills, edgecolors=edges, lw=0.3))
        for style, mask in (("solid", confirmed), ("dashed", priority & ~confirmed)):
            heavy = [r for k, r in rings if mask[k]]
            if heavy:
                ax.add_collection(
                    PolyCollection(heavy, facecolors="none", edgecolors="#111", lw=1.2, ls=style)
                )
        xy = np.concatenate(polys)
        ax.set_xlim(xy[:, 0].min() - 0.05, xy[:, 0].max() + 0.05)
        ax.set_ylim(xy[:, 1].min() - 0.05, xy[:, 1].max() + 0.05)
        ax.set_aspect(1 / np.cos(np.radians(xy[:, 1].mean())))
    ax.set_axis_off()
    handles = [Patch(facecolor=c, edgecolor="#999", label=lab) for c, lab in
               zip(classes.colors, classes.labels, strict=True)]  # fmt: skip
    if not e.core.all():
        handles.append(Patch(facecolor=BUFFER_GREY, label="EPCI voisins (zone tampon)"))
    handles.append(Line2D([], [], color="#111", lw=1.5, ls="solid",
                          label="EPCI prioritaire (liste confirmée)"))  # fmt: skip
    handles.append(Line2D([], [], color="#111", lw=1.5, ls="dashed",
                          label="EPCI prioritaire (liste complétée à 151)"))  # fmt: skip
    ax.legend(handles=handles, title=unit, loc="center left", bbox_to_anchor=(1.0, 0.5),
              fontsize=8, title_fontsize=9)  # fmt: skip
    ax.set_title(title, fontsize=11)
    notes = [classes.note] if classes.note else []
    lines = [w for line in [*subtitle, *notes] for w in textwrap.wrap(line, 150)]
    fig.text(0.01, 0.0, "\n".join(lines), fontsize=7, va="top")
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()
