"""Dashboard (Solara): a territory, policy doses on sliders, the effect against a baseline.

This module is the page only: its Solara components and ``configure``. No model logic here.
A run is a pair of ``AccessModel`` s with the same seed, one with the chosen policies and one
without (the baseline twin), stepped together (``engine``); the policies' random draws use
their own streams (``policies.Policy._rng``), so with no policy the two runs are identical
and every difference on screen is the policy's effect (``effects``).

Correct under any clicking: the page owns its controls (it does not use Mesa's SolaraViz
controller, whose play loop, interval sliders and buttons cannot be locked or hidden). One
command runs at a time: the buttons are disabled while it runs, a click that arrives before
they are is dropped, and the models are stepped under a lock. The views never read the live
models: everything on screen comes from one immutable ``engine.Snapshot``.

The rest of the dashboard, one concept a module: ``labels`` (French label tables),
``controls`` (territories, sliders, presets), ``engine`` (the twin run and its snapshots),
``effects`` (the effect table, through ``outputs.indicators``), ``maps`` (what the map
colours and how), ``export`` (CSV and PNG downloads), ``dashmap`` (the SVG/PNG map) and
``fmt`` (French number formats).

Start it with ``accesssim dashboard [--region R | --departement D] [--presets DIR]`` (needs
the ``viz`` extra): the command starts a child that calls ``configure`` (the initial
territory, the presets' folder) and then serves this module with Solara in the same process.
"""

from __future__ import annotations

import base64
import html
import io
import logging
import threading
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import solara  # noqa: E402
import solara.lab  # noqa: E402

from accesssim.dashboard import controls, dashmap, sessions  # noqa: E402
from accesssim.dashboard import fmt as ff  # noqa: E402
from accesssim.dashboard.controls import (  # noqa: E402
    FRANCE,
    NO_PRESET,
    SETUP,
    START_YEAR,
    default_values,
    describe,
    load_preset,
    preset_weeks,
    presets,
    territory_choices,
)
from accesssim.dashboard.engine import VIEWS, Session, Settings, Snapshot  # noqa: E402
from accesssim.dashboard.export import epci_csv, map_png  # noqa: E402
from accesssim.dashboard.labels import policy_label, what_it_did  # noqa: E402
from accesssim.dashboard.maps import MAP_INDICATORS, map_svg, map_title  # noqa: E402
from accesssim.dashboard.panels import (  # noqa: E402
    DoseControls,
    HypothesesView,
    map_values_html,
    series_alt,
)
from accesssim.dashboard.screen import SCREEN_CSS, ScreenSetup  # noqa: E402
from accesssim.dashboard.tables import html_table  # noqa: E402

log = logging.getLogger("accesssim.dashboard")

DEFAULT_HORIZON = 5 * 52  # a scenario's default horizon (``years = 5``): runs stop there


def configure(territory: str | None = None, presets_dir: str | Path | None = None) -> None:
    """Set the initial territory (a label of ``territory_choices``) and the folder whose
    scenario files with policies are offered as presets (default: the shipped examples)."""
    if territory is not None:
        SETUP.territory = territory
    if presets_dir is not None:
        SETUP.presets_dir = Path(presets_dir)
    controls.presets.cache_clear()


# ---------------------------------------------------------------------- views
@solara.component
def EffectView(snap: Snapshot):
    ef = snap.effects
    groups = ("priority", "elsewhere", "all")
    e = snap.territory.epcis
    n_confirmed = int((np.asarray(snap.confirmed, bool) & e.core).sum())
    head = ["", f"EPCI prioritaires ({n_confirmed} confirmé{'s' if n_confirmed > 1 else ''} ici)",
            "Ailleurs", "Total du territoire"]  # fmt: skip

    def row(label, key, f=ff.number):
        # a dash, not 0, where a group has no commune or no consultation yet (week 0)
        return [label, *[f(ef[g][key]) if ef[g]["needed_baseline"] else ff.MISSING
                         for g in groups]]  # fmt: skip

    rows = [
        row("Consultations renoncées évitées", "forgone_avoided"),
        row("Passages aux urgences évitables évités", "ed_avoided"),
        row("Personnes ayant renoncé : en moins", "forwent_avoided"),
        row("Renoncement avec mesures", "rate_policy", lambda v: ff.percent(v, 3)),
        row("Renoncement de référence", "rate_baseline", lambda v: ff.percent(v, 3)),
    ]
    per = ef["eur_per_avoided"]
    with solara.Card(f"Effet des mesures depuis le début ({snap.week} semaines)"):
        solara.HTML(tag="div", unsafe_innerHTML=html_table(head, rows))
        done = [
            f"<b>{html.escape(policy_label(kind))}</b> : "
            + html.escape(what_it_did(kind, d, snap.week, START_YEAR))
            for kind, d in snap.delivered
        ]
        if done:
            solara.HTML(
                tag="div",
                unsafe_innerHTML="<p style='font-size:13px;margin:8px 0 0' class='delivered'>"
                "Ce que les mesures ont fait : " + " · ".join(done) + "</p>",
            )
        solara.HTML(
            tag="div",
            unsafe_innerHTML=(
                f'<p style="font-size:15px;margin-top:8px"><b>Coût des mesures : '
                f"{ff.euros(ef['cost'])}</b> · <b>€ par consultation renoncée évitée : "
                f"{ff.euros(per) if per is not None else 'sans objet'}</b>"
                + (
                    ""
                    if per is not None
                    else " (pas d'effet net clairement positif : moins de 10 consultations ou "
                    "de 0,1 % du renoncement de référence)"
                )
                + "</p><p style='font-size:12px;color:#555'>Comparaison avec la référence "
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
                    filename="accesssim_carte.png",
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
    bp, bb = snap.by_epci["policy"], snap.by_epci["baseline"]
    rows = [
        [
            str(e.name[k]),
            "confirmé" if snap.confirmed[k] else ("liste complétée" if snap.priority[k] else ""),
            ff.percent(rp[k], 2),
            ff.percent(rb[k], 2),
            ff.number(bb["forgone"][k] - bp["forgone"][k]),
            ff.number(bb["ed"][k] - bp["ed"][k]),
        ]
        for k in order
    ]
    head = ["EPCI (renoncement le plus fort)", "Prioritaire", "Avec mesures", "Référence",
            "Consult. évitées", "Urgences évitées"]  # fmt: skip
    with solara.Card("Les 10 EPCI où l'on renonce le plus (référence)"):
        solara.HTML(tag="div", unsafe_innerHTML=html_table(head, rows))
        solara.FileDownload(
            lambda: epci_csv(snap).encode("utf-8"),
            filename="accesssim_epci.csv",
            label="Télécharger le tableau de tous les EPCI (CSV)",
        )


HOW_TO = (
    "1. Choisissez un territoire et, si vous voulez, un scénario prédéfini ou des doses de "
    "mesures. 2. Appuyez sur Réinitialiser pour construire la simulation avec ces réglages. "
    "3. Lancez 52 semaines (un an) ou avancez semaine par semaine, jusqu'à l'horizon du "
    "scénario. Les chiffres comparent la simulation avec mesures à une référence sans mesure, "
    "de même graine aléatoire."
)


@solara.component
def Page():
    session = solara.use_memo(Session, [])
    stop = solara.use_memo(threading.Event, [])
    snap = solara.use_reactive(None)
    busy = solara.use_reactive("")
    error = solara.use_reactive("")
    territory = solara.use_reactive(
        SETUP.territory if SETUP.territory in territory_choices() else territory_choices()[1]
    )
    seed = solara.use_reactive(1)
    values = solara.use_reactive(default_values())
    preset = solara.use_reactive(NO_PRESET)
    base = solara.use_reactive(())
    indicator = solara.use_reactive(next(iter(MAP_INDICATORS)))
    view = solara.use_reactive(VIEWS[0])
    weeks = solara.use_reactive(52)
    horizon = solara.use_reactive(DEFAULT_HORIZON)
    released = solara.use_reactive(False)
    current = Settings(
        territory.value, int(seed.value), dict(values.value), preset.value, base.value
    )

    def work(kind: str, n: int, settings: Settings):
        sessions.track(session)
        try:
            if kind == "reset":
                snap.set(session.reset(settings))
                released.set(False)
            else:
                snap.set(session.advance(n, stop, snap.set))
        except Exception as exc:  # shown on the page, logged on the server
            log.exception("dashboard %s failed", kind)
            what = (
                "la simulation n'a pas pu être construite (la précédente reste affichée)"
                if kind == "reset"
                else "la simulation s'est arrêtée"
            )
            error.set(f"{what} : {type(exc).__name__}: {exc}")
        finally:
            sessions.track(session)
            busy.set("")

    task = solara.lab.use_task(work, dependencies=None, prefer_threaded=True)

    def start(kind: str, n: int = 0):
        if busy.value:  # a click that arrived before the buttons were disabled
            return
        if kind != "reset" and session.run is None:
            released.set(snap.value is not None)
            return
        if kind != "reset" and snap.value is not None:  # never past the horizon
            n = min(n, int(horizon.value) - snap.value.week)
            if n <= 0:
                return
        labels = {"reset": "Construction de la simulation…", "play": "Lecture en cours…"}
        busy.set(labels.get(kind, f"Calcul de {n} semaine{'s' if n > 1 else ''}…"))
        error.set("")
        stop.clear()
        task(kind, n, current)

    def mount():
        start("reset")

        def leave():  # the page closed or Solara culled it: its models go at once
            sessions.release(session, stop)

        return leave

    solara.use_effect(mount, [])
    s: Snapshot | None = snap.value
    pending = s is not None and s.settings != current
    at_horizon = s is not None and s.week >= int(horizon.value)

    solara.Title("accesssim : accès aux médecins généralistes")
    solara.Style(SCREEN_CSS)
    ScreenSetup()
    with solara.AppBar():
        solara.AppBarTitle("accesssim — accès aux médecins généralistes (simulation)")
    with solara.Sidebar():
        with solara.Card("Comment l'utiliser"):
            solara.Text(HOW_TO)
        with solara.Card("Territoire et scénario"):
            solara.Select("Territoire (région ou département)", values=territory_choices(),
                          value=territory)  # fmt: skip
            if territory.value == FRANCE:
                solara.Warning(
                    "France entière : deux simulations de 35 000 communes ; la construction "
                    "prend 10 à 20 s et chaque semaine environ 0,3 s (un an : 15 à 20 s)."
                )

            def on_preset(label):
                preset.set(label)
                if label == NO_PRESET:
                    base.set(())
                    return
                try:
                    v, b = load_preset(presets()[label])
                    h = preset_weeks(presets()[label])
                except Exception as exc:
                    log.exception("preset %s failed", label)
                    error.set(f"Scénario {label!r} illisible : {exc}")
                    return
                values.set(v)
                base.set(tuple(b))
                horizon.set(h)

            solara.Select("Scénario prédéfini (mesures seulement)",
                          values=[NO_PRESET, *presets()], value=preset.value,
                          on_value=on_preset)  # fmt: skip
            with solara.Column(classes=["slider-seed"], gap="0px"):
                solara.Text(f"Graine aléatoire : {seed.value}")
                solara.SliderInt("Graine aléatoire", value=seed, min=1, max=50,
                                 thumb_label=False)  # fmt: skip
            # read keystroke by keystroke: Solara's update on Enter can read a lagging value
            solara.InputInt("Horizon (semaines ; le scénario s'arrête là)", value=horizon,
                            continuous_update=True, classes=["input-horizon"])  # fmt: skip
        with solara.Card("Mesures (doses)"):
            DoseControls(values, bool(busy.value))
            if base.value:
                solara.Text(
                    "Le scénario garde ses dates de début et ses autres réglages ; "
                    "une dose à zéro retire la mesure."
                )

    with solara.Column(style={"padding": "8px", "max-width": "1250px"}, classes=["main-column"]):
        with solara.Card():
            with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
                disabled = bool(busy.value)
                stepping = disabled or s is None or at_horizon
                solara.Button("Réinitialiser", on_click=lambda: start("reset"),
                              color="primary", disabled=disabled)  # fmt: skip
                solara.Button("Avancer d'une semaine", on_click=lambda: start("step", 1),
                              disabled=stepping)  # fmt: skip
                solara.Button(f"Lancer {weeks.value} semaines",
                              on_click=lambda: start("run", int(weeks.value)),
                              color="primary", disabled=stepping)  # fmt: skip
                play = int(horizon.value)
                solara.Button("▶ Lecture continue", on_click=lambda: start("play", play),
                              disabled=stepping)  # fmt: skip
                solara.Button("Pause", on_click=stop.set, disabled=not disabled)
            with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"},
                            classes=["slider-weeks"]):  # fmt: skip
                solara.Text(f"Semaines à lancer : {weeks.value}")
                with solara.Column(style={"width": "420px", "max-width": "100%"}):
                    solara.SliderInt("Semaines à lancer", value=weeks, min=1, max=156,
                                     disabled=bool(busy.value), thumb_label=False)  # fmt: skip
            if busy.value:
                solara.ProgressLinear(True)
                solara.Text(busy.value)
            if s is not None:
                solara.HTML(
                    tag="div",
                    unsafe_innerHTML=(
                        f"<p style='font-size:16px;margin:4px 0' class='status'>"
                        f"<b>{html.escape(s.territory.label)} — semaine {s.week}</b> "
                        f"({html.escape(s.date)}) · horizon {int(horizon.value)} semaines"
                        + (
                            f" · une semaine simulée en {ff.number(s.step_ms)} ms en moyenne "
                            "(les deux simulations)"
                            if s.week
                            else " · prête : lancez des semaines"
                        )
                        + "</p>"
                        "<p style='font-size:13px;margin:0'>Mesures de cette simulation : "
                        + " · ".join(html.escape(x) for x in describe(s.specs))
                        + "</p>"
                    ),
                )
            if at_horizon and not busy.value:
                solara.Info(
                    f"Horizon du scénario atteint ({int(horizon.value)} semaines) : prolongez "
                    "l'horizon dans le panneau de gauche pour continuer."
                )
            if released.value:
                solara.Warning(
                    "Simulation libérée après une longue inactivité (pour la mémoire du "
                    "serveur) : appuyez sur Réinitialiser pour la reconstruire."
                )
            if pending:
                solara.Warning(
                    "Réglages modifiés : appuyez sur Réinitialiser pour les appliquer (la "
                    "simulation affichée garde ses réglages, rappelés ci-dessus)."
                )
            if error.value:
                solara.Error(f"Erreur : {error.value}")
        if s is None:
            solara.Text("Construction de la simulation…")
            return
        EffectView(s)
        HypothesesView(s)
        MapView(s, indicator, view)
        SeriesView(s)
        TableView(s)


page = Page
