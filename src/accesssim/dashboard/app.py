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
import solara  # noqa: E402
import solara.lab  # noqa: E402

from accesssim.dashboard import controls, sessions, urlstate  # noqa: E402
from accesssim.dashboard import fmt as ff  # noqa: E402
from accesssim.dashboard.abview import ABPanel  # noqa: E402
from accesssim.dashboard.controls import (  # noqa: E402
    FRANCE,
    NO_PRESET,
    SETUP,
    describe,
    load_preset,
    preset_weeks,
    presets,
    territory_choices,
)
from accesssim.dashboard.engine import VIEWS, Session, Settings, Snapshot  # noqa: E402
from accesssim.dashboard.maps import MAP_INDICATORS  # noqa: E402
from accesssim.dashboard.panels import (  # noqa: E402
    DoseControls,
    HypothesesView,
)
from accesssim.dashboard.planview import PlanPanel  # noqa: E402
from accesssim.dashboard.screen import SCREEN_CSS, ScreenSetup  # noqa: E402

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


from accesssim.dashboard.views import EffectView, MapView, SeriesView, TableView  # noqa: E402,E501

DEFAULT_SEEDS = 3


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
    horizon = solara.use_reactive(DEFAULT_HORIZON)
    released = solara.use_reactive(False)
    current = Settings(
        territory.value,
        int(seed.value),
        dict(values.value),
        preset.value,
        base.value,
        int(n_seeds.value),
    )

    def work(kind: str, n: int, settings: Settings):
        sessions.track(session)
        try:
            if kind == "reset":
                snap.set(session.reset(settings))
                released.set(False)
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
            sessions.track(session)
            busy.set("")

    task = solara.lab.use_task(work, dependencies=None, prefer_threaded=True)

    def start(kind: str, n: int = 0, settings: Settings | None = None):
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

        def leave():  # the page closed or Solara culled it: its models go at once
            sessions.release(session, stop)

        return leave

    solara.use_effect(mount, [])
    s: Snapshot | None = snap.value
    pending = s is not None and s.settings != current
    at_horizon = s is not None and s.week >= int(horizon.value)

    def write_link():  # the run shown, in the URL, once it stops
        if s is None or busy.value:
            return
        st = s.settings
        query = urlstate.encode(st.territory, st.preset, st.seed, st.n_seeds, st.values, s.week)
        if query != (router.search or ""):
            router.push(f"{router.path or '/'}?{query}")

    solara.use_effect(write_link, [s, busy.value])

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
            with solara.Column(classes=["slider-seeds"], gap="0px"):
                last = seed.value + n_seeds.value - 1
                solara.Text(
                    f"Nombre de graines : {n_seeds.value}"
                    + (f" (graines {seed.value} à {last} ; médiane et intervalle à 90 %)"
                       if n_seeds.value > 1 else " (pas d'intervalle)")
                )  # fmt: skip
                solara.SliderInt("Nombre de graines", value=n_seeds, min=1,
                                 max=urlstate.MAX_SEEDS, thumb_label=False)  # fmt: skip
                if territory.value == FRANCE and n_seeds.value > 1:
                    solara.Warning(
                        f"France entière avec {n_seeds.value} graines : "
                        f"{2 * n_seeds.value} simulations de 35 000 communes, environ "
                        f"{ff.number(0.6 * n_seeds.value, 1)} Go de mémoire et "
                        f"{ff.number(5 * n_seeds.value)} s de construction."
                    )
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
        ABPanel(s, pinned, indicator, busy=bool(busy.value))
        PlanPanel(open_plan, busy=bool(busy.value))
        HypothesesView(s)
        MapView(s, indicator, view)
        SeriesView(s)
        TableView(s)


page = Page
