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
from matplotlib.ticker import FuncFormatter, MaxNLocator  # noqa: E402

from accesssim.geo.territory import Territory
from accesssim.outputs.indicators import INDICATORS, PRIORITY_GROUPS, SYNTHETIC_NOTE, interval
from accesssim.util import files as aio
from accesssim.util.text import plural

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
    path: str | Path | None,
    title: str,
    label: str,
    source: str,
    bins: Sequence[float] = APL_BINS,
    cmap: str = "RdYlGn",
    outline: np.ndarray | None = None,
    outline_label: str = "",
    percent: bool = False,
    points: bool = False,
):
    """Map one value per EPCI, with a binned legend, title, source line and optional outlines.

    EPCIs outside the selection's core are drawn grey; ``outline`` (boolean per EPCI) draws a
    heavy border, e.g. around priority EPCIs. Overseas départements get small insets.
    ``percent``: values are shares, ticks read "2%"; ``points``: values are differences of
    shares, ticks read "+2" and the label should say "percentage points".

    With ``path`` None the figure is returned open (for a notebook); otherwise it is written
    atomically and closed.
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
    if points:
        fmt = lambda b: f"{100 * b:+g}" if b else "0"  # noqa: E731
    elif percent:
        fmt = lambda b: f"{100 * b:g}%"  # noqa: E731
    else:
        fmt = lambda b: f"{b:g}"  # noqa: E731
    labels = [fmt(b) for b in bins[:-1]] + [f"> {fmt(bins[-2])}"]
    if bins[0] < 0:  # an open lower end (changes): its edge is a sentinel, not a value
        labels[0] = f"< {fmt(bins[1])}"
    cb.ax.set_yticklabels(labels)
    cb.set_label(label)
    fig.suptitle(title, fontsize=13, y=0.97)
    notes = [source]
    if outline is not None and outline.any():
        notes.append(f"Heavy outline: {outline_label}.")
    if not e.core.all():
        notes.append("Grey: buffer EPCIs outside the selection.")
    fig.text(0.02, 0.015, "  ".join(notes), fontsize=7, wrap=True)
    if path is None:
        return fig
    buf = io.BytesIO()
    fig.savefig(buf, format=Path(path).suffix.lstrip(".") or "png", dpi=130)
    plt.close(fig)
    aio.atomic_write_bytes(path, buf.getvalue())
    return None


def draw_epcis(ax, territory: Territory, values, norm, cmap: str, outline=None) -> None:
    """Draw every EPCI of a territory on ``ax`` (used by the dashboard)."""
    _draw(
        ax,
        territory,
        np.asarray(values, float),
        np.ones(len(territory.epcis), bool),
        norm,
        cmap,
        outline,
    )


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


# ---------------------------------------------------------------------- run figures
RATE_BINS = (0.0, 0.0025, 0.005, 0.01, 0.02, 0.03, 0.05, 0.1, 1.0)


def year_axis(ax) -> None:
    """Whole years on the x axis ("2026", never "2025.5" or "2,026"), labelled."""
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.0f}"))
    ax.set_xlabel("year")


def number_axis(ax, label: str, axis: str = "y") -> None:
    """Axis label with its unit, and tick labels with thousands separators and only the
    decimals the tick step needs (1,200 / 0.05 / 12.5)."""
    target = ax.yaxis if axis == "y" else ax.xaxis

    def fmt(v, _):
        ticks = target.get_majorticklocs()
        step = np.min(np.diff(ticks)) if len(ticks) > 1 else abs(v) or 1.0
        decimals = next((d for d in range(7) if abs(round(step, d) - step) <= 1e-9 * step), 6)
        return f"{v:,.{decimals}f}".replace("-", "−")

    target.set_major_formatter(FuncFormatter(fmt))
    (ax.set_ylabel if axis == "y" else ax.set_xlabel)(label, fontsize=9)


GRID_LABELS = {"scenario.years": "horizon (years)", "scenario.start_year": "first year"}


def grid_label(key: str, policy_types: dict[str, str] | None = None) -> str:
    """A sweep's grid key in words, from its declaration: ``parameters.<name>`` and
    ``<policy name>.<key>`` (``policy_types``: policy name -> type) or ``policies.<i>.<key>``
    (``policy_types`` also maps ``"<i>"``) read their ``Param``'s description, without its
    parenthesised notes (``solidarity_days.participation`` -> "share of eligible GPs who
    volunteer"); an unknown key stays as it is."""
    from accesssim.params import parameters
    from accesssim.policies import registry

    key = key.removeprefix("grid:")
    if key in GRID_LABELS:
        return GRID_LABELS[key]
    head, _, rest = key.partition(".")
    p = None
    if head == "parameters":
        p = parameters.PARAMETERS.get(rest)
    else:
        if head == "policies":
            head, _, rest = rest.partition(".")
        try:
            cls = registry.lookup((policy_types or {}).get(head, head))
        except ValueError:  # a "module:Class" type that does not import here
            cls = None
        p = cls.PARAMS.get(rest) if cls is not None else None
    if p is None:
        return key
    return (getattr(p, "label", None) or p.unit).split(" (")[0]


def _save(fig, path, dpi: int = 120) -> Path:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    plt.close(fig)
    aio.atomic_write_bytes(path, buf.getvalue())
    return Path(path)


def _bands(x_rows, key, value):
    """Median and min/max across seeds of ``value(row)`` grouped by ``key(row)``."""
    by: dict = {}
    for r in x_rows:
        by.setdefault(key(r), []).append(value(r))
    xs = sorted(by)
    med, lo, hi = np.array([interval(by[x], 0, 100) for x in xs]).reshape(-1, 3).T
    return np.array(xs), med, lo, hi


def _yearly_indicator(rows, name: str) -> list[dict]:
    """One item per (seed, year): the registered indicator ``name`` over ``rows``."""
    by: dict = {}
    for r in rows:
        by.setdefault((r["seed"], r["year"]), []).append(r)
    ind = INDICATORS[name]
    return [{"year": k[1], "v": ind.value(v)} for k, v in by.items()]


RUN_FIGURES = {  # kind -> file name of ``run --out``
    "timeseries": "timeseries.png",
    "priority": "priority_vs_other.png",
    "map": "map_renoncement.png",
}


def _band_label(result) -> str:
    n_seeds = len(result.scenario.seeds)
    return f"min–max across {n_seeds} seeds" if n_seeds > 1 else "one seed"


def timeseries_figure(result):
    """National weekly series with bands across seeds (forgone care, ED visits, people
    without a médecin traitant, active GPs)."""
    sc = result.scenario
    band_label = _band_label(result)
    # national weekly series, smoothed to 4-week sums
    fig, axes = plt.subplots(2, 2, figsize=(11, 7), sharex=True)
    panels = [
        (
            "forgone / needed consultations",
            lambda r: r["forgone"] / max(r["needed"], 1e-9),
            100,
            "% of needed consultations",
        ),
        ("GP-treatable ED visits", lambda r: r["ed_visits"], 1, "ED visits per week"),
        (
            "share without médecin traitant (15+)",
            lambda r: r["share_without_mt"],
            100,
            "% of people aged 15+",
        ),
        ("active GPs", lambda r: r["gps"], 1, "GPs"),
    ]
    for ax, (title, fn, scale, unit) in zip(axes.flat, panels, strict=True):
        x, med, lo, hi = _bands(result.weekly, lambda r: r["week"], fn)
        years = sc.start_year + x / 52
        ax.fill_between(years, lo * scale, hi * scale, alpha=0.3, label=band_label)
        ax.plot(years, med * scale, lw=1.5, label="median")
        ax.set_title(title, fontsize=10)
        number_axis(ax, unit)
        year_axis(ax)
        ax.grid(alpha=0.3)
    axes[0, 0].legend(fontsize=8)
    for ax in axes[0]:
        ax.set_xlabel("")
    fig.suptitle(f"{sc.name}: weekly series, {sc.territory_label}")
    fig.text(0.01, 0.005, SYNTHETIC_NOTE, fontsize=6.5, wrap=True)
    fig.tight_layout(rect=(0, 0.04, 1, 0.97))
    return fig


def priority_figure(result):
    """Priority EPCIs against the rest, yearly forgone care and ED visits (median and band)."""
    sc = result.scenario
    band_label = _band_label(result)
    # priority vs other EPCIs, yearly
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    # metropolitan and overseas priority EPCIs apart: the overseas set the priority mean
    groups = PRIORITY_GROUPS
    for group, sel in (
        ("metropolitan priority EPCIs", groups["priority_metropolitan"]),
        ("overseas priority EPCIs", groups["priority_overseas"]),
        ("other metropolitan EPCIs", groups["other_metropolitan"]),
    ):
        rows = [r for r in result.yearly if sel(r)]
        if not rows:
            continue
        for ax, key, title, unit in (
            (
                axes[0],
                "renoncement_rate",
                "forgone / needed consultations",
                "% of needed consultations",
            ),
            (
                axes[1],
                "ed_per_1000",
                "GP-treatable ED visits",
                "ED visits per 1,000 inhabitants per year",
            ),
        ):
            items = _yearly_indicator(rows, key)
            x, med, lo, hi = _bands(items, lambda r: r["year"], lambda r: r["v"])
            s = 100 if key == "renoncement_rate" else 1
            ax.fill_between(x, lo * s, hi * s, alpha=0.25)
            ax.plot(x, med * s, marker="o", label=group)
            ax.set_title(title, fontsize=10)
            number_axis(ax, unit)
            year_axis(ax)
            ax.grid(alpha=0.3)
    axes[0].legend(fontsize=8)
    fig.suptitle(f"{sc.name}: priority EPCIs vs the rest (median, {band_label})")
    fig.text(0.01, 0.005, SYNTHETIC_NOTE, fontsize=6.5, wrap=True)
    fig.tight_layout(rect=(0, 0.06, 1, 0.95))
    return fig


def renoncement_map(result):
    """Map of the last year's forgone care by EPCI (median across seeds)."""
    sc = result.scenario
    n_seeds = len(sc.seeds)
    # map of the last year's renoncement rate by EPCI (median across seeds)
    last = max(r["year"] for r in result.yearly)
    by_epci: dict = {}
    for r in result.yearly:
        if r["year"] == last:
            by_epci.setdefault(r["epci"], []).append(r["renoncement_rate"])
    territory = result.territory or sc.load_territory()
    values = np.array(
        [np.median(by_epci[s]) if s in by_epci else np.nan for s in territory.epcis.siren]
    )
    return epci_choropleth(
        territory,
        values,
        None,
        title=f"{sc.name}: forgone care by EPCI, {last}",
        label="forgone / needed GP consultations, % (modelled)",
        source=f"accesssim {sc.name}, median of {n_seeds} seed(s). {SYNTHETIC_NOTE}",
        bins=RATE_BINS,
        cmap="YlOrRd",
        percent=True,
        outline=territory.epcis.priority_confirmed,
        outline_label="priority EPCIs confirmed on the 2025 list of 151",
    )


FIGURE_BUILDERS = {
    "timeseries": timeseries_figure,
    "priority": priority_figure,
    "map": renoncement_map,
}


def run_figures(result, out) -> list[Path]:
    """The run's standard figures written into ``out`` (see ``RUN_FIGURES``)."""
    out = Path(out)
    return [
        _save(FIGURE_BUILDERS[kind](result), out / name, dpi=130 if kind == "map" else 120)
        for kind, name in RUN_FIGURES.items()
    ]


# ---------------------------------------------------------------------- comparison figures
CHANGE_BINS = (-1.0, -0.02, -0.01, -0.005, -0.001, 0.001, 0.005, 0.01, 0.02, 1.0)


def compare_figures(cmp, out) -> list[Path]:
    """Bars with 90 % intervals, maps of the change by EPCI, yearly forgone per scenario."""
    out = Path(out)
    files = []
    names = list(cmp.summary)
    n_seeds = len(cmp.baseline.scenario.seeds)
    years = cmp.baseline.scenario.years
    fig, axes = plt.subplots(1, 3, figsize=(13, 4.4))
    cost = max((abs(cmp.summary[n]["cost_eur"][2]) for n in names), default=0)
    scale, euros = (1e-6, "million euros") if cost >= 1e6 else (1e-3, "thousand euros")
    if cost < 1e3:
        scale, euros = 1, "euros"
    for ax, key, title, unit in (
        (axes[0], "forgone_avoided", "forgone consultations avoided", "consultations"),
        (axes[1], "ed_avoided", "ED visits avoided", "ED visits"),
        (axes[2], "cost_eur", "cost", euros),
    ):
        s = scale if key == "cost_eur" else 1
        med = np.array([cmp.summary[n][key][0] for n in names]) * s
        lo = np.array([cmp.summary[n][key][1] for n in names]) * s
        hi = np.array([cmp.summary[n][key][2] for n in names]) * s
        ax.bar(names, med, color="#4a7ab5")
        ax.errorbar(names, med, yerr=[med - lo, hi - med], fmt="none", ecolor="black", capsize=4)
        ax.axhline(0, color="grey", lw=0.8)
        ax.set_title(title, fontsize=10)
        number_axis(ax, f"{unit}, total over {years} year{'s' * (years > 1)}")
        ax.tick_params(axis="x", rotation=30, labelsize=8)
        ax.grid(axis="y", alpha=0.3)
    fig.suptitle(
        f"Policies against the baseline over {plural(years, 'year')} "
        f"(median and 90% interval across {plural(n_seeds, 'seed')})"
    )
    fig.text(0.01, 0.005, SYNTHETIC_NOTE, fontsize=6.5, wrap=True)
    fig.tight_layout(rect=(0, 0.05, 1, 0.94))
    files.append(_save(fig, out / "compare_bars.png"))

    # yearly forgone consultations per scenario
    fig, ax = plt.subplots(figsize=(8, 4.2))
    for name, res in (("baseline", cmp.baseline), *cmp.policies.items()):
        items = _yearly_indicator(res.yearly, "forgone")
        x, med, lo, hi = _bands(items, lambda r: r["year"], lambda r: r["v"])
        ax.fill_between(x, lo, hi, alpha=0.2)
        ax.plot(x, med, marker="o", label=name)
    ax.set_title("forgone GP consultations per year (median, range across seeds)", fontsize=10)
    number_axis(ax, "forgone consultations per year")
    year_axis(ax)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    fig.text(0.01, 0.005, SYNTHETIC_NOTE, fontsize=6.5, wrap=True)
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    files.append(_save(fig, out / "compare_timeseries.png"))

    # maps of the change in the last year's forgone/needed by EPCI
    territory = cmp.baseline.territory or cmp.baseline.scenario.load_territory()
    last = max(r["year"] for r in cmp.baseline.yearly)
    base = {
        (r["seed"], r["epci"]): r["renoncement_rate"]
        for r in cmp.baseline.yearly
        if r["year"] == last
    }
    for name, res in cmp.policies.items():
        change: dict = {}
        for r in res.yearly:
            if r["year"] == last:
                change.setdefault(r["epci"], []).append(
                    r["renoncement_rate"] - base[(r["seed"], r["epci"])]
                )
        values = np.array(
            [np.median(change[s]) if s in change else np.nan for s in territory.epcis.siren]
        )
        path = out / f"map_change_{name}.png"
        epci_choropleth(
            territory,
            values,
            path,
            title=f"{name}: change in forgone care by EPCI, {last}",
            label="change in forgone / needed consultations (percentage points)",
            source=f"Median across {plural(n_seeds, 'seed')}, policy minus baseline. "
            f"{SYNTHETIC_NOTE}",
            bins=CHANGE_BINS,
            cmap="RdBu_r",
            points=True,
            outline=np.isin(territory.epcis.siren, list(cmp.priority_sirens)),
            outline_label="priority EPCIs (2025 list completed to 151)",
        )
        files.append(path)
    return files
