"""Figures: EPCI choropleths at real coordinates (matplotlib, no GIS stack needed)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.collections import PolyCollection  # noqa: E402
from matplotlib.colors import BoundaryNorm  # noqa: E402

from accesssim import io as aio  # noqa: E402
from accesssim.territory import Territory  # noqa: E402

OVERSEAS = {
    "971": "Guadeloupe",
    "972": "Martinique",
    "973": "Guyane",
    "974": "La Réunion",
    "976": "Mayotte",
}
APL_BINS = (0.0, 1.5, 2.5, 3.0, 3.5, 4.0, 5.0, 6.0, 20.0)


def epci_choropleth(
    territory: Territory,
    values: np.ndarray,
    path: str | Path,
    title: str,
    label: str,
    source: str,
    bins: Sequence[float] = APL_BINS,
    cmap: str = "RdYlGn",
    outline: np.ndarray | None = None,
    outline_label: str = "",
) -> None:
    """Map one value per EPCI, with a binned legend, title, source line and optional outlines.

    EPCIs outside the selection's core are drawn grey; ``outline`` (boolean per EPCI) draws a
    heavy border, e.g. around priority EPCIs. Overseas départements get small insets.
    """
    values = np.asarray(values, float)
    e = territory.epcis
    dep_of_epci = _epci_departement(territory)
    overseas = np.array([d in OVERSEAS for d in dep_of_epci])
    shown_overseas = sorted(
        {d for d, c in zip(dep_of_epci, e.core, strict=True) if c and d in OVERSEAS}
    )
    mainland = ~overseas

    norm = BoundaryNorm(list(bins), plt.get_cmap(cmap).N, extend="neither")
    fig = plt.figure(figsize=(9, 10))
    main_box = [0.02, 0.22, 0.8, 0.7] if shown_overseas else [0.02, 0.08, 0.8, 0.84]
    if mainland[e.core].any():
        ax = fig.add_axes(main_box)
        _draw(ax, territory, values, mainland, norm, cmap, outline)
    else:
        ax = None
    for k, dep in enumerate(shown_overseas):
        if ax is None and k == 0:
            inset = fig.add_axes([0.02, 0.08, 0.8, 0.84])
        else:
            inset = fig.add_axes([0.02 + 0.165 * k, 0.05, 0.14, 0.13])
            inset.set_title(OVERSEAS[dep], fontsize=7)
        _draw(
            inset, territory, values, np.array([d == dep for d in dep_of_epci]), norm, cmap, outline
        )
    cax = fig.add_axes([0.85, 0.25, 0.03, 0.5])
    sm = plt.cm.ScalarMappable(norm=norm, cmap=cmap)
    cb = fig.colorbar(sm, cax=cax, ticks=list(bins))
    cb.ax.set_yticklabels([f"{b:g}" for b in bins[:-1]] + [f"> {bins[-2]:g}"])
    cb.set_label(label)
    fig.suptitle(title, fontsize=13, y=0.97)
    notes = [source]
    if outline is not None and outline.any():
        notes.append(f"Heavy outline: {outline_label}.")
    if not e.core.all():
        notes.append("Grey: buffer EPCIs outside the selection.")
    fig.text(0.02, 0.015, "  ".join(notes), fontsize=7, wrap=True)
    buf = io.BytesIO()
    fig.savefig(buf, format=Path(path).suffix.lstrip(".") or "png", dpi=130)
    plt.close(fig)
    aio.atomic_write_bytes(path, buf.getvalue())


def _draw(ax, territory, values, mask, norm, cmap, outline) -> None:
    e = territory.epcis
    polys, colors, edges = [], [], []
    cm = plt.get_cmap(cmap)
    for k, ring in territory.epci_rings():
        if not mask[k]:
            continue
        polys.append(ring)
        if e.core[k] and np.isfinite(values[k]):
            colors.append(cm(norm(values[k])))
        else:
            colors.append((0.85, 0.85, 0.85, 1.0))
        edges.append(bool(outline is not None and outline[k]))
    if not polys:
        ax.set_axis_off()
        return
    edges = np.array(edges)
    ax.add_collection(PolyCollection(polys, facecolors=colors, edgecolors="white", linewidths=0.15))
    if edges.any():
        heavy = [p for p, h in zip(polys, edges, strict=True) if h]
        ax.add_collection(
            PolyCollection(heavy, facecolors="none", edgecolors="black", linewidths=0.9)
        )
    xy = np.concatenate(polys)
    ax.set_xlim(xy[:, 0].min() - 0.1, xy[:, 0].max() + 0.1)
    ax.set_ylim(xy[:, 1].min() - 0.1, xy[:, 1].max() + 0.1)
    ax.set_aspect(1 / np.cos(np.radians(xy[:, 1].mean())))
    ax.set_axis_off()


def _epci_departement(territory: Territory) -> list[str]:
    """The département of each EPCI (that of its first commune; EPCIs rarely straddle)."""
    c = territory.communes
    first = np.full(len(territory.epcis), -1)
    order = np.arange(len(c))[::-1]
    first[c.epci[order]] = order
    return [str(c.departement[i]) if i >= 0 else "" for i in first]
