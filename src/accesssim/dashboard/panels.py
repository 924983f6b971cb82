"""The page's panels that explain and control: the dose controls, the "Hypothèses" panel, and
the map's values and chart in words (for keyboards, touch screens and screen readers).

Why a module of its own: these are Solara components and texts the page (``app``) places,
kept apart so that the page module stays the page's layout and its commands.
"""

from __future__ import annotations

import html
import math

import numpy as np
import solara

from accesssim.dashboard import fmt as ff
from accesssim.dashboard import references
from accesssim.dashboard.controls import ResolvedSwitch, inactive, sliders, switches
from accesssim.dashboard.engine import Snapshot
from accesssim.dashboard.labels import policy_label
from accesssim.dashboard.maps import MAP_INDICATORS
from accesssim.dashboard.tables import html_table
from accesssim.policies import registry


@solara.component
def DoseControls(values: solara.Reactive, disabled: bool):
    """The policies' controls: a slider a dose (with a numeric box when its steps are too
    fine for a mouse), a switch an on/off choice; a control that does nothing with the
    current values is disabled, and says why (``controls.inactive``)."""
    off = inactive(values.value)
    # each policy's controls together: its switches, then its sliders
    kinds = list(dict.fromkeys([c.policy for c in (*sliders(), *switches())]))
    order = {k: i for i, k in enumerate(kinds)}
    items = sorted([*switches(), *sliders()], key=lambda c: order[c.policy])
    for sw in items:
        if not isinstance(sw, ResolvedSwitch):
            _slider(values, sw, off.get(sw.name), disabled)
            continue

        def on_switch(x, sw=sw):
            values.set({**values.value, sw.name: bool(x)})

        solara.Switch(
            label=sw.label,
            value=bool(values.value.get(sw.name, False)),
            on_value=on_switch,
            disabled=disabled,
            classes=[f"switch-{sw.name}"],
        )


def _slider(values: solara.Reactive, sl, why: str | None, disabled: bool):
    """One dose: its label and value, the slider, a numeric box when the steps are fine."""
    v = values.value.get(sl.name, sl.default)

    def on_value(x, sl=sl):
        x = min(max(float(x), sl.min), sl.max)
        x = int(round(x)) if sl.integer else round(round(x / sl.step) * sl.step, 6)
        values.set({**values.value, sl.name: x})

    with solara.Column(classes=[f"slider-{sl.name}", "dose"] + (["inactive"] if why else []),
                       gap="0px"):  # fmt: skip
        solara.HTML(
            tag="div",
            unsafe_innerHTML=f"<div style='font-size:13px'>"
            f"{html.escape(sl.label)} : <b>{html.escape(sl.show(v))}</b>"
            + (f"<br><i class='why-inactive'>{html.escape(why)}</i>" if why else "")
            + "</div>",
        )
        (solara.SliderInt if sl.integer else solara.SliderFloat)(
            sl.label,  # the slider's accessible name (drawn hidden: shown above)
            value=v,
            min=sl.min,
            max=sl.max,
            step=sl.step,
            on_value=on_value,
            thumb_label=False,
            disabled=disabled or bool(why),
        )
        if sl.fine:  # e.g. 1,8 % of 0-100 % by 0,1 %: typed, not dragged
            NumberBox(sl, v, on_value, disabled or bool(why))


@solara.component
def NumberBox(sl, value: float, on_value, disabled: bool):
    """A slider's value typed the French way ("1,8" for 1,8 %). Each keystroke is read as it
    comes (Solara's update on Enter reads a value that can lag behind the last keys); the box
    keeps the reader's text while it means the slider's value, and shows the slider's value
    when it changed elsewhere (the slider, a preset)."""
    scale = 100 if sl.percent else 1
    decimals = 1 if sl.percent else 2

    def shown(v):
        return ff.number(v * scale, decimals).replace(ff.NBSP, "")

    text, set_text = solara.use_state(shown(value))
    typed_value = parse_number(text)
    if typed_value is not None and abs(typed_value / scale - value) >= sl.step / 2:
        text = shown(value)  # moved elsewhere since it was typed

    def typed(t):
        set_text(t)
        x = parse_number(t)
        if x is not None:
            on_value(x / scale)

    solara.InputText(
        f"{sl.label.split(' : ', 1)[-1]} ({'%' if sl.percent else sl.unit})",
        value=text,
        on_value=typed,
        continuous_update=True,
        disabled=disabled,
        classes=[f"input-{sl.name}"],
    )


def parse_number(text: str) -> float | None:
    """A number as typed on a French page: ``"1,8"``, ``"1.8"``, ``"1 000,5"``, ``"2 %"``;
    None when it is not one (the box is then ignored)."""
    text = str(text).replace(ff.NBSP, "").replace(" ", "").replace("%", "").replace(",", ".")
    try:
        x = float(text)
    except ValueError:
        return None
    return x if math.isfinite(x) else None


@solara.component
def HypothesesView(snap: Snapshot):
    """Why the number is what it is: each policy's assumptions (written once, in the policy
    class: ``Policy.HYPOTHESES``) and the published figures beside the modelled ones."""
    items = []
    for spec in snap.specs:
        try:
            lines = registry.from_spec(spec).hypotheses()
        except Exception:  # a preset the page could not build shows its error elsewhere
            lines = []
        lines = lines or ["(hypothèses non décrites pour cette mesure)"]
        items.append(
            f"<li><b>{html.escape(policy_label(spec['type']))}</b><ul>"
            + "".join(f"<li>{html.escape(x)}</li>" for x in lines)
            + "</ul></li>"
        )
    head = ["Repère", "Publié", "Modèle (cette page)", "Statut", "Source"]
    with solara.Card("Hypothèses et repères publiés", classes=["hypotheses"]):
        solara.HTML(
            tag="div",
            unsafe_innerHTML=(
                "<p style='font-size:13px;margin:0'>Ce que chaque mesure suppose (les "
                "chiffres sans source publiée sont des hypothèses du modèle) :</p>"
                + (
                    f"<ul style='font-size:13px'>{''.join(items)}</ul>"
                    if items
                    else "<p style='font-size:13px'>Aucune mesure : la simulation est la "
                    "référence.</p>"
                )
                + "<p style='font-size:13px;margin:8px 0 4px'>Valeurs publiées et valeurs du "
                "modèle (registre de <code>accesssim validate</code>, qui calcule les valeurs du "
                "modèle sur la France entière ; un tiret : la page ne calcule pas cette valeur "
                "sur ce territoire) ; « ajusté » : le modèle a été calibré sur cette valeur, "
                "elle ne le valide donc pas.</p>" + html_table(head, references.rows(snap))
            ),
        )


def map_values_html(snap: Snapshot, indicator: str, view: str) -> str:
    """The map's values as a table, in a disclosure: the same numbers as the hover titles,
    reachable from the keyboard and on a touch screen (no hover there)."""
    ind = MAP_INDICATORS[indicator]
    values = snap.values(ind.name, view)
    fmt = ind.format_of(view)
    e = snap.territory.epcis
    core = np.flatnonzero(e.core)
    order = core[np.argsort([str(e.name[k]) for k in core], kind="stable")]
    rows = [
        [str(e.name[k]), str(e.siren[k]), fmt(values[k]),
         "confirmé" if snap.confirmed[k] else ("liste complétée" if snap.priority[k] else "")]
        for k in order
    ]  # fmt: skip
    head = ["EPCI", "SIREN", f"{indicator} ({view.lower()})", "Prioritaire"]
    return (
        '<details class="map-values"><summary>Valeurs de la carte, par EPCI '
        f"({len(rows)})</summary>" + html_table(head, rows) + "</details>"
    )


def series_alt(snap: Snapshot, key: str) -> str:
    """A monthly chart in words, for a screen reader: what it shows and its last month
    (``key``: "rate", forgone care, or "ed", GP-treatable ED visits)."""
    what = (
        "part des consultations renoncées, par mois"
        if key == "rate"
        else "passages aux urgences évitables par semaine, moyenne du mois"
    )
    if not snap.months:
        return f"Graphique mensuel ({what}) : aucune semaine simulée pour l'instant."
    s = snap.monthly
    last = (
        f"{ff.percent(s['rate_policy'][-1], 2)} avec mesures contre "
        f"{ff.percent(s['rate_baseline'][-1], 2)} en référence"
        if key == "rate"
        else f"{ff.number(s['ed_policy'][-1])} avec mesures contre "
        f"{ff.number(s['ed_baseline'][-1])} en référence"
    )
    return (
        f"Graphique mensuel, avec mesures et référence sans mesure : {what}. "
        f"Dernier mois ({snap.months[-1]}) : {last}."
    )
