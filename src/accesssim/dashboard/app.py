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

import html
import logging
import threading
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import solara  # noqa: E402
import solara.lab  # noqa: E402

from accesssim.dashboard import controls, dashmap, export, urlstate  # noqa: E402
from accesssim.dashboard import effect_table as et  # noqa: E402
from accesssim.dashboard import fmt as ff  # noqa: E402
from accesssim.dashboard.abview import ABPanel  # noqa: E402
from accesssim.dashboard.controls import (  # noqa: E402
    FRANCE,
    NO_PRESET,
    SETUP,
    describe,
    load_preset,
    presets,
    sliders,
    territory_choices,
)
from accesssim.dashboard.effects import MIN_SEEDS_FOR_INTERVAL  # noqa: E402
from accesssim.dashboard.engine import VIEWS, Session, Settings, Snapshot  # noqa: E402
from accesssim.dashboard.export import epci_csv, map_png  # noqa: E402
from accesssim.dashboard.labels import DELIVERED_LABELS, policy_label  # noqa: E402
from accesssim.dashboard.maps import MAP_INDICATORS, map_svg, map_title  # noqa: E402
from accesssim.dashboard.planview import PlanPanel  # noqa: E402

log = logging.getLogger("accesssim.dashboard")

PLAY_WEEKS = 20 * 52  # "play" stops by itself after 20 years


def configure(territory: str | None = None, presets_dir: str | Path | None = None) -> None:
    """Set the initial territory (a label of ``territory_choices``) and the folder whose
    scenario files with policies are offered as presets (default: the shipped examples)."""
    if territory is not None:
        SETUP.territory = territory
    if presets_dir is not None:
        SETUP.presets_dir = Path(presets_dir)
    controls.presets.cache_clear()


# ---------------------------------------------------------------------- views
_table = et.html_table


@solara.component
def EffectView(snap: Snapshot):
    ef = snap.effects
    head = ["", "EPCI prioritaires (58 confirmés)", "Ailleurs", "Total du territoire"]
    n = len(snap.seeds)
    cost, per_text = et.euros_text(snap)
    per = ef["eur_per_avoided"]
    with solara.Card(f"Effet des mesures depuis le début ({snap.week} semaines)"):
        solara.HTML(tag="div", unsafe_innerHTML=_table(head, et.effect_rows(snap), cls="effects"))
        done = [
            f"<b>{html.escape(policy_label(kind))}</b> : "
            + (
                ", ".join(
                    f"{ff.number(v)} {lab}"
                    for k, lab in DELIVERED_LABELS.items()
                    if (v := d.get(k))
                )
                or "pas encore commencé"
            )
            for kind, d in snap.delivered
        ]
        if done:
            solara.HTML(
                tag="div",
                unsafe_innerHTML="<p style='font-size:13px;margin:8px 0 0'>Ce que les mesures "
                f"ont fait{' (médiane des graines)' if n > 1 else ''} : "
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
    with solara.Card(map_title(snap, indicator.value, view.value)):
        with solara.Row():
            solara.Select("Couleur de la carte", values=list(MAP_INDICATORS), value=indicator)
            solara.ToggleButtonsSingle(value=view, values=list(VIEWS))
        with solara.Columns([3, 1]):
            with solara.Column():
                solara.HTML(tag="div", unsafe_innerHTML=svg)
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
                solara.Text("Survolez un EPCI pour voir son nom et sa valeur.")


@solara.component
def SeriesView(snap: Snapshot):
    s = snap.monthly
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.4))
    if snap.months:
        x = np.arange(len(snap.months))
        for ax, key, scale in ((axes[0], "rate", 100), (axes[1], "ed", 1)):
            ax.plot(x, scale * s[f"{key}_baseline"], color="grey", lw=3, alpha=0.6,
                    label="référence (sans mesure)")  # fmt: skip
            ax.plot(x, scale * s[f"{key}_policy"], color="C0", lw=1.5, label="avec mesures")
            step = int(np.ceil(len(x) / 6))
            ax.set_xticks(x[::step], snap.months[::step], fontsize=8)
    axes[0].set_title("Consultations renoncées / demandées, par mois (%)", fontsize=10)
    axes[1].set_title("Passages aux urgences évitables par semaine (moyenne du mois)", fontsize=10)
    for ax in axes:
        ax.grid(alpha=0.3)
        ticks = ax.get_yticks()
        spacing = np.diff(ticks).min() if len(ticks) > 1 else 1.0
        decimals = int(max(0, np.ceil(-np.log10(spacing) - 1e-6))) if spacing > 0 else 0
        ax.set_yticks(ticks, [ff.number(t, decimals) for t in ticks])
        ax.set_ylim(ticks[0], ticks[-1])
    if snap.months:
        axes[0].legend(fontsize=8)
    fig.tight_layout()
    with solara.Card("Évolution mensuelle (le dernier mois peut être partiel)"):
        solara.FigureMatplotlib(fig, format="png")
    plt.close(fig)


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
        solara.HTML(tag="div", unsafe_innerHTML=_table(head, rows))
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


DEFAULT_SEEDS = 3


HOW_TO = (
    "1. Choisissez un territoire et, si vous voulez, un scénario prédéfini ou des doses de "
    "mesures. 2. Appuyez sur Réinitialiser pour construire la simulation avec ces réglages. "
    "3. Lancez 52 semaines (un an) ou avancez semaine par semaine. Les chiffres comparent la "
    "simulation avec mesures à une référence sans mesure, de même graine aléatoire."
)


@solara.component
def Page():
    session = solara.use_memo(Session, [])
    stop = solara.use_memo(threading.Event, [])
    snap = solara.use_reactive(None)
    busy = solara.use_reactive("")
    error = solara.use_reactive("")
    # --- state from the link (urlstate): a link reopens the same run
    router = solara.use_router()
    link, link_values, link_base = solara.use_memo(lambda: urlstate.opened_link(router.search), [])
    territory = solara.use_reactive(
        link.territory
        or (SETUP.territory if SETUP.territory in territory_choices() else territory_choices()[1])
    )
    seed = solara.use_reactive(link.seed)
    n_seeds = solara.use_reactive(  # France: one seed unless asked (memory, below)
        link.n_seeds or (1 if territory.value == FRANCE else DEFAULT_SEEDS)
    )
    values = solara.use_reactive(link_values)
    preset = solara.use_reactive(link.preset)
    base = solara.use_reactive(link_base)
    pinned = solara.use_reactive(None)  # run A of the A/B comparison
    indicator = solara.use_reactive(next(iter(MAP_INDICATORS)))
    view = solara.use_reactive(VIEWS[0])
    weeks = solara.use_reactive(52)
    current = Settings(
        territory.value,
        int(seed.value),
        dict(values.value),
        preset.value,
        base.value,
        int(n_seeds.value),
    )

    def work(kind: str, n: int, settings: Settings):
        try:
            if kind == "reset":
                snap.set(session.reset(settings))
                if n:  # a link's run: on to the week it had reached
                    snap.set(session.advance(n, stop, snap.set))
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
            busy.set("")

    task = solara.lab.use_task(work, dependencies=None, prefer_threaded=True)

    def start(kind: str, n: int = 0, settings: Settings | None = None):
        if busy.value:  # a click that arrived before the buttons were disabled
            return
        if kind != "reset" and session.run is None:
            return
        labels = {"reset": "Construction de la simulation…", "play": "Lecture en cours…"}
        k = (settings or current).n_seeds
        runs = f" ({k} graines × 2 simulations, pas à pas ensemble)" if k > 1 else ""
        busy.set(labels.get(kind, f"Calcul de {n} semaine{'s' if n > 1 else ''}…") + runs)
        error.set("")
        stop.clear()
        task(kind, n, settings or current)

    def open_plan(plan):  # a budget plan (planview): its controls, then its run
        st = Settings(plan.territory, plan.seed, dict(plan.values), f"Plan : {plan.label}",
                      plan.base, plan.n_seeds)  # fmt: skip
        territory.set(st.territory)
        seed.set(st.seed)
        n_seeds.set(st.n_seeds)
        values.set(st.values)
        preset.set(st.preset)
        base.set(st.base)
        start("reset", plan.weeks, st)

    def mount():
        if link.dropped:
            error.set("Lien : réglages ignorés (inconnus ou hors des bornes) : "
                      + ", ".join(link.dropped))  # fmt: skip
        start("reset", link.weeks)
        return stop.set  # on leaving the page, a running batch stops

    solara.use_effect(mount, [])
    s: Snapshot | None = snap.value
    pending = s is not None and s.settings != current

    def write_link():  # the run shown, in the URL, once it stops
        if s is None or busy.value:
            return
        st = s.settings
        query = urlstate.encode(st.territory, st.preset, st.seed, st.n_seeds, st.values, s.week)
        if query != (router.search or ""):
            router.push(f"{router.path or '/'}?{query}")

    solara.use_effect(write_link, [s, busy.value])

    solara.Title("accesssim : accès aux médecins généralistes")
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
                except Exception as exc:
                    log.exception("preset %s failed", label)
                    error.set(f"Scénario {label!r} illisible : {exc}")
                    return
                values.set(v)
                base.set(tuple(b))

            solara.Select("Scénario prédéfini (mesures seulement)",
                          values=[NO_PRESET, *presets()], value=preset.value,
                          on_value=on_preset)  # fmt: skip
            with solara.Column(classes=["slider-seed"], gap="0px"):
                solara.Text(f"Graine aléatoire : {seed.value}")
                solara.SliderInt("", value=seed, min=1, max=50, thumb_label=False)
            with solara.Column(classes=["slider-seeds"], gap="0px"):
                last = seed.value + n_seeds.value - 1
                solara.Text(
                    f"Nombre de graines : {n_seeds.value}"
                    + (f" (graines {seed.value} à {last} ; médiane et intervalle à 90 %)"
                       if n_seeds.value > 1 else " (pas d'intervalle)")
                )  # fmt: skip
                solara.SliderInt("", value=n_seeds, min=1, max=urlstate.MAX_SEEDS,
                                 thumb_label=False)  # fmt: skip
                if territory.value == FRANCE and n_seeds.value > 1:
                    solara.Warning(
                        f"France entière avec {n_seeds.value} graines : "
                        f"{2 * n_seeds.value} simulations de 35 000 communes, environ "
                        f"{ff.number(0.6 * n_seeds.value, 1)} Go de mémoire et "
                        f"{ff.number(5 * n_seeds.value)} s de construction."
                    )
        with solara.Card("Mesures (doses)"):
            for sl in sliders():
                v = values.value.get(sl.name, sl.default)

                def on_value(x, sl=sl):
                    x = int(x) if sl.integer else round(float(x), 6)  # no 0.030000000000000002
                    values.set({**values.value, sl.name: x})

                with solara.Column(classes=[f"slider-{sl.name}"], gap="0px"):
                    solara.HTML(
                        tag="div",
                        unsafe_innerHTML=f"<div style='font-size:13px'>{html.escape(sl.label)} :"
                        f" <b>{html.escape(sl.show(v))}</b></div>",
                    )
                    (solara.SliderInt if sl.integer else solara.SliderFloat)(
                        "",
                        value=v,
                        min=sl.min,
                        max=sl.max,
                        step=sl.step,
                        on_value=on_value,
                        thumb_label=False,
                    )
            if base.value:
                solara.Text(
                    "Le scénario garde ses dates de début et ses autres réglages ; "
                    "une dose à zéro retire la mesure."
                )

    with solara.Column(style={"padding": "8px", "max-width": "1250px"}):
        with solara.Card():
            with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
                disabled = bool(busy.value)
                solara.Button("Réinitialiser", on_click=lambda: start("reset"),
                              color="primary", disabled=disabled)  # fmt: skip
                solara.Button("Avancer d'une semaine", on_click=lambda: start("step", 1),
                              disabled=disabled or s is None)  # fmt: skip
                solara.Button(f"Lancer {weeks.value} semaines",
                              on_click=lambda: start("run", int(weeks.value)),
                              color="primary", disabled=disabled or s is None)  # fmt: skip
                solara.Button("▶ Lecture continue", on_click=lambda: start("play", PLAY_WEEKS),
                              disabled=disabled or s is None)  # fmt: skip
                solara.Button("Pause", on_click=stop.set, disabled=not disabled)
            with solara.Row(style={"align-items": "center"}, classes=["slider-weeks"]):
                solara.Text(f"Semaines à lancer : {weeks.value}")
                with solara.Column(style={"width": "420px"}):
                    solara.SliderInt("", value=weeks, min=1, max=156, disabled=bool(busy.value),
                                     thumb_label=False)  # fmt: skip
            if busy.value:
                solara.ProgressLinear(True)
                solara.Text(busy.value)
            if s is not None:
                solara.HTML(
                    tag="div",
                    unsafe_innerHTML=(
                        f"<p style='font-size:16px;margin:4px 0' class='status'>"
                        f"<b>{html.escape(s.territory.label)} — semaine {s.week}</b> "
                        f"({html.escape(s.date)})"
                        + (
                            f" · dernière semaine simulée en {ff.number(s.step_ms)} ms (les "
                            "deux simulations)"
                            if s.week
                            else " · prête : lancez des semaines"
                        )
                        + "</p>"
                        "<p style='font-size:13px;margin:0'>Mesures de cette simulation : "
                        + " · ".join(html.escape(x) for x in describe(s.specs))
                        + "</p>"
                    ),
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
        ABPanel(s, pinned, indicator, busy=bool(busy.value))
        PlanPanel(open_plan, busy=bool(busy.value))
        MapView(s, indicator, view)
        SeriesView(s)
        TableView(s)


page = Page
