"""Published reference values beside the page's modelled ones, from the ``validate`` registry.

Why a module of its own: a number on the page means more next to the published figure it can
be checked against, but only where both measure the same thing. The published figures, their
status (fitted, set by construction, independent), source and year are the registry's
(``experiments.validation.checks``), never retyped here; this module only says which rows the
page shows and how the page's snapshot gives the same quantity on the chosen territory (or
that it cannot: the row then shows the published value alone, and ``accesssim validate``
computes the model's on all of France).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from accesssim.dashboard import fmt as ff
from accesssim.experiments.validation import REGISTRY
from accesssim.model.access_model import WEEKS_PER_YEAR

STATUS_FR = {
    "fitted": "ajusté (cible de calibrage)",
    "set by construction": "fixé par construction",
    "independent": "indépendant (non ajusté)",
    "conditional": "conditionnel (dépend d'une hypothèse)",
    "no reference": "sans référence publiée (contexte)",
}


def _ed_per_1000_confirmed(snap) -> float | None:
    """GP-treatable ED visits per 1,000 inhabitants a year in the territory's confirmed
    priority EPCIs, reference run: the registry row's quantity, on this territory."""
    c = snap.territory.communes
    sel = c.core & np.asarray(snap.confirmed, bool)[c.epci]
    pop = float(c.population[sel].sum())
    if not snap.week or pop == 0:
        return None
    return 1000 * snap.effects["priority"]["ed_baseline"] * WEEKS_PER_YEAR / snap.week / pop


def _ed_a_year_france(snap) -> float | None:
    """GP-treatable ED visits a year, reference run, all of France only (the registry row)."""
    if snap.settings.territory != "France entière" or snap.week < WEEKS_PER_YEAR:
        return None
    return snap.effects["all"]["ed_baseline"] * WEEKS_PER_YEAR / snap.week


@dataclass(frozen=True)
class Reference:
    check: str  # the registry row's name
    label: str  # in French
    model: Callable | None  # snapshot -> the same quantity on the territory, or None
    show: Callable[[float], str] = ff.number
    scope: str = ""  # what the modelled value covers, in French


REFERENCES = (
    Reference(
        "GP-treatable ED visits per 1,000, metropolitan confirmed priority EPCIs",
        "Passages aux urgences évitables pour 1 000 habitants par an, EPCI prioritaires "
        "confirmés (publié : tous motifs, une borne haute)",
        _ed_per_1000_confirmed,
        lambda v: ff.number(v, 0),
        "EPCI confirmés du territoire, référence, ramené à un an",
    ),
    Reference(
        "GP-treatable ED visits a year (model run)",
        "Passages aux urgences évitables par an, France",
        _ed_a_year_france,
        lambda v: f"{ff.number(v / 1e6, 2)} M",
        "France entière, référence, ramené à un an (après 52 semaines)",
    ),
    Reference(
        "people 15+ who forwent care in a year (model run)",
        "Personnes de 15 ans et plus ayant renoncé à des soins dans l'année, France",
        None,
    ),
    Reference(
        "teleconsultation share of GP acts (model run)",
        "Part des téléconsultations dans les actes des généralistes, France",
        None,
    ),
    Reference(
        "solidarity-days volunteers nationally, Feb. 2026 (policy defaults)",
        "Médecins volontaires des jours de solidarité en France (février 2026)",
        None,
    ),
)


def rows(snap) -> list[list[str]]:
    """One row a reference: label, published value, modelled value on the page (or a dash:
    ``accesssim validate`` computes it on all of France), status, source and year, all from
    the registry but the model."""
    checks = {c.name: c for c in REGISTRY}
    out = []
    for ref in REFERENCES:
        chk = checks[ref.check]
        value = ref.model(snap) if ref.model is not None else None
        model = f"{ref.show(value)} ({ref.scope})" if value is not None else ff.MISSING
        out.append(
            [ref.label, chk.published_text, model, STATUS_FR[chk.status],
             f"{chk.source}, {chk.year}"]
        )  # fmt: skip
    return out
