"""The page's views of one run's snapshot: the effect table, the map, the monthly series and
the table of every EPCI (Solara components).

Why a module of its own: the page (``app``) holds the controls and the run's life cycle; these
components only draw an immutable ``engine.Snapshot``.
"""

from __future__ import annotations

import base64
import html
import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import solara  # noqa: E402
import solara.lab  # noqa: E402

from accesssim.dashboard import dashmap, export  # noqa: E402
from accesssim.dashboard import effect_table as et  # noqa: E402
from accesssim.dashboard import fmt as ff  # noqa: E402
from accesssim.dashboard.controls import (  # noqa: E402
    START_YEAR,
)
from accesssim.dashboard.effects import MIN_SEEDS_FOR_INTERVAL  # noqa: E402
from accesssim.dashboard.engine import VIEWS, Snapshot  # noqa: E402
from accesssim.dashboard.export import epci_csv, map_png  # noqa: E402
from accesssim.dashboard.labels import policy_label, what_it_did  # noqa: E402
from accesssim.dashboard.maps import MAP_INDICATORS, map_svg, map_title  # noqa: E402
from accesssim.dashboard.panels import (  # noqa: E402
    map_values_html,
    series_alt,
)
from accesssim.dashboard.tables import html_table  # noqa: E402


@solara.component
def EffectView(snap: Snapshot):
    ef = snap.effects
    e = snap.territory.epcis
    n_confirmed = int((np.asarray(snap.confirmed, bool) & e.core).sum())
    head = ["", f"EPCI prioritaires ({n_confirmed} confirmé{'s' if n_confirmed > 1 else ''} ici)",
            "Ailleurs", "Total du territoire"]  # fmt: skip
    n = len(snap.seeds)
    cost, per_text = et.euros_text(snap)
    per = ef["eur_per_avoided"]
    with solara.Card(f"Effet des mesures depuis le début ({snap.week} semaines)"):
        solara.HTML(
            tag="div", unsafe_innerHTML=html_table(head, et.effect_rows(snap), cls="effects")
        )
        done = [
            f"<b>{html.escape(policy_label(kind))}</b> : "
            + html.escape(what_it_did(kind, d, snap.week, START_YEAR))
            for kind, d in snap.delivered
        ]
        if done:
            solara.HTML(
                tag="div",
                unsafe_innerHTML="<p style='font-size:13px;margin:8px 0 0' class='delivered'>"
                f"Ce que les mesures ont fait{' (médiane des graines)' if n > 1 else ''} : "
                + " · ".join(done)
                + "</p>",
            )
        unclear = (
            " (pas d'effet net clairement positif : moins de 10 consultations ou "
            "de 0,1 % du renoncement de référence)"
            if n == 1
            else " (pas d'effet net clairement positif : l'intervalle à 90 % des consultations "
            "évitées n'est pas entièrement au-dessus de zéro)"
        )
        seeds_note = (
            et.INTERVAL_NOTE.format(n=n)
            if n >= MIN_SEEDS_FOR_INTERVAL
            else et.ONE_SEED_NOTE.format(k=MIN_SEEDS_FOR_INTERVAL)
        )
        solara.HTML(
            tag="div",
            unsafe_innerHTML=(
                f'<p style="font-size:15px;margin-top:8px" class="euros"><b>Coût des mesures : '
                f"{html.escape(cost)}</b> · <b>€ par consultation renoncée évitée : "
                f"{html.escape(per_text)}</b>"
                + ("" if per is not None else unclear)
                + f"</p><p style='font-size:12px;color:#555'>{html.escape(seeds_note)} "
                "Comparaison avec la référence "
                "de même graine aléatoire (mêmes tirages, sans mesure). Un nombre négatif est "
                "une hausse. Une consultation offerte ne réduit le renoncement que là où des "
                "patients attendent ; les jours de solidarité sont pris sur le cabinet "
                "d'origine du volontaire (sans remplaçant), d'où des hausses possibles "
                "« Ailleurs » (déplacement). Personnes ayant renoncé : au moins une fois "
                "depuis le début, estimation du modèle. Toutes les valeurs sont modélisées.</p>"
            ),
        )


@solara.component
def MapView(snap: Snapshot, indicator: solara.Reactive, view: solara.Reactive):
    svg, classes = map_svg(snap, indicator.value, view.value)
    e = snap.territory.epcis
    title = map_title(snap, indicator.value, view.value)
    # a name for screen readers; the values themselves are in the table below the map
    svg = svg.replace('role="img"', f'role="img" aria-label="Carte : {html.escape(title)}"', 1)
    with solara.Card(title):
        with solara.Row(style={"flex-wrap": "wrap"}, classes=["map-controls"]):
            solara.Select("Couleur de la carte", values=list(MAP_INDICATORS), value=indicator)
            solara.ToggleButtonsSingle(value=view, values=list(VIEWS), classes=["view-buttons"])
        with solara.ColumnsResponsive(12, large=[9, 3]):
            with solara.Column():
                solara.HTML(tag="div", unsafe_innerHTML=svg, classes=["map-box"])
                solara.FileDownload(
                    lambda: map_png(snap, indicator.value, view.value),
                    filename=export.file_name(snap, "carte", "png"),
                    label="Télécharger la carte (PNG)",
                )
            with solara.Column():
                solara.HTML(
                    tag="div",
                    unsafe_innerHTML=dashmap.legend_html(
                        classes, MAP_INDICATORS[indicator.value].unit, not e.core.all()
                    ),
                )
                solara.Text(
                    "Survolez un EPCI pour voir son nom et sa valeur, ou ouvrez le tableau "
                    "des valeurs sous la carte."
                )
        solara.HTML(tag="div", unsafe_innerHTML=map_values_html(snap, indicator.value, view.value))


@solara.component
def SeriesView(snap: Snapshot):
    """Two monthly charts, one image each: side by side on a wide screen, one under the other
    on a phone (each readable at the screen's width), each with its text alternative."""
    s = snap.monthly
    charts = (
        ("rate", 100, "Consultations renoncées / demandées, par mois (%)"),
        ("ed", 1, "Passages aux urgences évitables par semaine (moyenne du mois)"),
    )
    images = []
    for key, scale, title in charts:
        fig, ax = plt.subplots(figsize=(5.6, 3.4))
        if snap.months:
            x = np.arange(len(snap.months))
            ax.plot(x, scale * s[f"{key}_baseline"], color="grey", lw=3, alpha=0.6,
                    label="référence (sans mesure)")  # fmt: skip
            ax.plot(x, scale * s[f"{key}_policy"], color="C0", lw=1.5, label="avec mesures")
            step = int(np.ceil(len(x) / 5))
            ax.set_xticks(x[::step], snap.months[::step], fontsize=8)
            ax.legend(fontsize=8)
        ax.set_title(title, fontsize=10)
        ax.grid(alpha=0.3)
        ticks = ax.get_yticks()
        spacing = np.diff(ticks).min() if len(ticks) > 1 else 1.0
        decimals = int(max(0, np.ceil(-np.log10(spacing) - 1e-6))) if spacing > 0 else 0
        ax.set_yticks(ticks, [ff.number(t, decimals) for t in ticks])
        ax.set_ylim(ticks[0], ticks[-1])
        fig.tight_layout()
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=80)
        plt.close(fig)
        images.append(
            f'<img class="series" alt="{html.escape(series_alt(snap, key))}" '
            f'src="data:image/png;base64,{base64.b64encode(buf.getvalue()).decode()}">'
        )
    with solara.Card("Évolution mensuelle (le dernier mois peut être partiel)"):
        solara.HTML(tag="div", unsafe_innerHTML="".join(images), classes=["series-row"])


@solara.component
def TableView(snap: Snapshot):
    e = snap.territory.epcis
    rp = snap.epci[("renoncement_rate", "policy")]
    rb = snap.epci[("renoncement_rate", "baseline")]
    order = [k for k in np.argsort(-np.nan_to_num(rb, nan=-1), kind="stable") if e.core[k]][:10]
    forgone, ed = snap.avoided("forgone"), snap.avoided("ed")
    rows = [
        [
            str(e.name[k]),
            "confirmé" if snap.confirmed[k] else ("liste complétée" if snap.priority[k] else ""),
            ff.percent(rp[k], 2),
            ff.percent(rb[k], 2),
            ff.number(forgone[k]),
            ff.number(ed[k]),
        ]
        for k in order
    ]
    head = ["EPCI (renoncement le plus fort)", "Prioritaire", "Avec mesures", "Référence",
            "Consult. évitées", "Urgences évitées"]  # fmt: skip
    with solara.Card("Les 10 EPCI où l'on renonce le plus (référence)"):
        solara.HTML(tag="div", unsafe_innerHTML=html_table(head, rows))
        with solara.Row(style={"flex-wrap": "wrap"}):
            solara.FileDownload(
                lambda: epci_csv(snap).encode("utf-8"),
                filename=export.file_name(snap, "epci", "csv"),
                label="Télécharger le tableau de tous les EPCI (CSV)",
            )
            solara.FileDownload(
                lambda: export.epci_bundle(snap),
                filename=export.file_name(snap, "epci", "zip"),
                label="CSV + .csvt + réglages (ZIP)",
            )
            solara.FileDownload(
                lambda: export.scenario_toml(snap).encode("utf-8"),
                filename=export.file_name(snap, "scenario", "toml"),
                label="Réglages (scénario TOML pour accesssim run)",
            )
