"""The A/B panel of the page: pin the run on screen as A, compare the next run B with it.

Why a module of its own: the page module stays the page's layout; this panel is one Solara
component drawing what ``abcompare`` computes (both effect tables, B − A seed by seed with
the probability that B does better, the B − A map).
"""

from __future__ import annotations

import html

import numpy as np
import solara

from accesssim.dashboard import abcompare, dashmap, export
from accesssim.dashboard import effect_table as et
from accesssim.dashboard import fmt as ff
from accesssim.dashboard.engine import Snapshot
from accesssim.dashboard.maps import MAP_INDICATORS, ab_map_svg

_table = et.html_table


@solara.component
def ABPanel(s: Snapshot, pinned: solara.Reactive, indicator: solara.Reactive, busy: bool):
    """Pin the current run as A; once B (the run on screen) is on the same territory, seeds
    and week, both effect tables side by side, B − A seed by seed and its map."""
    a: Snapshot | None = pinned.value
    with solara.Card("Comparer deux scénarios (A et B)"):
        with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
            solara.Button("Épingler cette simulation comme A", on_click=lambda: pinned.set(s),
                          disabled=busy)  # fmt: skip
            if a is not None:
                solara.Button("Retirer A", on_click=lambda: pinned.set(None), disabled=busy)
        if a is None:
            solara.Text(
                "Épinglez une simulation (A), changez les mesures, réinitialisez et lancez "
                "autant de semaines : la simulation affichée devient B, comparée à A graine "
                "par graine."
            )
            return
        why = abcompare.mismatch(a, s)
        solara.HTML(
            tag="div",
            unsafe_innerHTML="<p style='font-size:13px' class='ab-names'>A : "
            + html.escape(" · ".join(export.subtitle_lines(a)[:1]))
            + "<br>B : "
            + html.escape(" · ".join(export.subtitle_lines(s)[:1]))
            + "</p>",
        )
        if why:
            solara.Warning(f"A et B ne se comparent pas encore : {why}.")
            return
        with solara.Columns([1, 1]):
            for name, snap in (("A", a), ("B", s)):
                with solara.Column():
                    cost, per = et.euros_text(snap)
                    rows = [[r[0], r[-1]] for r in et.effect_rows(snap)]
                    rows += [["Coût des mesures", cost], ["€ par consultation évitée", per]]
                    table = _table(["Total du territoire", name], rows, cls=f"ab-{name}")
                    solara.HTML(tag="div", unsafe_innerHTML=f"<b>{name}</b>{table}")
        diffs = abcompare.differences(a, s)
        rows = []
        for key, (label, _) in abcompare.COMPARED.items():
            d = diffs[key]
            f = ff.number if key != "cost" else ff.euros
            cell_text = et.cell(d["interval"], f, d["noise"], len(s.seeds))
            p = d["p_b_better"]
            rows.append([label, cell_text, ff.percent(p, 0) if np.isfinite(p) else "–"])
        solara.HTML(
            tag="div",
            unsafe_innerHTML=_table(
                ["B − A (total du territoire)", "Écart", "B meilleur que A (part des graines)"],
                rows,
                cls="ab-diff",
            )
            + "<p style='font-size:12px;color:#555'>Même graine, même référence : l'écart de "
            "chaque graine ne vient que des mesures. « B meilleur » : part des graines où B "
            "évite plus (coût : coûte moins) que A, égalités comptées pour moitié.</p>",
        )
        svg, classes = ab_map_svg(a, s, indicator.value)
        ind = MAP_INDICATORS[indicator.value]
        with solara.Columns([3, 1]):
            solara.HTML(tag="div", unsafe_innerHTML=svg)
            solara.HTML(
                tag="div",
                unsafe_innerHTML="<div class='ab-map'>"
                + dashmap.legend_html(
                    classes, f"B − A, {ind.unit}", not s.territory.epcis.core.all()
                )  # fmt: skip
                + "</div>",
            )
