"""The dashboard's French label tables: policy names, preset names, what a policy delivered,
and the scenario files' other keys.

Why a module of its own: these are the page's translations of names that live in English in
the policies and scenario files; keeping them apart from the page's logic lets a new policy
or preset get its French name in one place, and keeps the controls and the engine free of
display text they do not compute with.
"""

from __future__ import annotations

import re

import numpy as np

from accesssim.dashboard import fmt as ff
from accesssim.model.access_model import MONTH_ENDS, WEEKS_PER_YEAR
from accesssim.policies import registry


def policy_label(kind: str) -> str:
    """A policy's display name (its class's ``LABEL``), else its kind."""
    cls = registry.POLICY_TYPES.get(kind)
    return (cls.LABEL if cls is not None else "") or kind


PRESET_NAMES = {
    "pacte_2025": "Pacte 2025 (toutes les mesures)",
    "solidarity_2025": "Jours de solidarité (volontaires, sept. 2025)",
    "solidarity_mandatory": "Jours de solidarité obligatoires (2 j/mois, 2026)",
    "msp_rollout": "Maisons de santé (10 par an)",
    "telemedicine": "Téléconsultation (6 %, points en pharmacie)",
    "docteurs_juniors": "Docteurs juniors (nov. 2026)",
}


DELIVERED_LABELS = {  # policy year-row keys (accesssim.policies), in French
    "volunteers": "médecins volontaires",
    "days": "jours donnés",
    "consultations_offered": "consultations offertes sur place",
    "consultations_delivered": "consultations réalisées sur place",
    "home_consultations_displaced": "consultations perdues au cabinet d'origine",
    "msps_opened": "MSP ouvertes",
    "extra_teleconsultations": "téléconsultations en plus",
    "pharmacy_points": "points de téléconsultation en pharmacie",
    "juniors_active": "docteurs juniors en poste (au plus)",
    "juniors_installed": "docteurs juniors installés ensuite",
    "installations_redirected_cap_epcis": "EPCI fermés aux installations",
    "days_outside_not_counted": "jours donnés hors du territoire (ni comptés ni payés ici)",
    "slots_funded": "créneaux de soins non programmés financés",
    "mcs": "médecins correspondants du SAMU",
    "practices_open": "cabinets éphémères ouverts",
    "consultations_added": "consultations ajoutées (France Santé)",
    "aided_installations": "installations aidées",
    "posts_opened": "postes de médecins salariés ouverts",
    "signers": "contrats CESP signés",
    "cesp_installations": "installations de signataires CESP",
    "pipeline_installations": "installations issues des places en plus",
}


EXTRA_KEYS = {  # other keys of the scenario files, in French
    "mode": lambda v: {"voluntary": "volontariat", "mandatory": "obligatoire"}.get(v, v),
    "targets": lambda v: {
        "completed": "vers les EPCI prioritaires (liste complétée)",
        "confirmed": "vers les EPCI prioritaires (liste confirmée)",
    }.get(v, f"vers {len(v)} EPCI désignés" if isinstance(v, list) else v),
    "rule": lambda v: {
        "underserved": "les EPCI les moins dotés d'abord",
        "random": "EPCI tirés au sort",
        "list": "EPCI désignés",
    }.get(v, v),
    "install_share": lambda v: f"{ff.percent(v, 0)} s'installent ensuite",
    "pharmacy_points": lambda v: "points en pharmacie" if v else "sans points en pharmacie",
    "well_served_apl": lambda v: f"EPCI bien dotés : APL ≥ {ff.number(v, 1)}",
}


# the policies' no-effect reasons (``policies.base.no_effect``, in English), in French; a
# reason not listed here is shown as the model gives it, marked as such
REASONS_FR = (
    (r"no target EPCI \(.*\) in the territory or its buffer",
     "aucun EPCI cible dans le territoire ni à ses abords"),
    (r"no target EPCI \(.*\) in the territory's core, only in its buffer",
     "les EPCI cibles sont hors du territoire (à ses abords seulement)"),
    (r"no GP outside the target EPCIs within ([\d.]+) minutes of one",
     r"aucun médecin volontaire possible à moins de \1 minutes d'un EPCI cible"),
    (r"none of the (\d+) eligible GPs volunteered.*",
     r"aucun des \1 médecins éligibles ne s'est porté volontaire (participation trop faible)"),
    (r"its (\d+) volunteers all serve target EPCIs in the buffer.*",
     r"ses \1 volontaires servent des EPCI cibles hors du territoire (ni comptés ni payés ici)"),
    (r"0 days a month", "0 jour par mois"),
    (r"no EPCI of the territory is well served \(APL ≥ ([\d.]+); the highest is ([\d.]+).*",
     r"aucun EPCI du territoire n'est bien doté (APL ≥ \1 ; la plus haute est \2) : "
     r"aucune installation n'est bloquée"),
    (r"no EPCI with APL below ([\d.]+) in the territory",
     r"aucun EPCI d'APL inférieure à \1 dans le territoire"),
    (r"no EPCI of the confirmed priority list in the territory",
     "aucun EPCI prioritaire confirmé dans le territoire"),
    (r"no EPCI with people in the run's core territory", "aucun EPCI habité dans le territoire"),
    (r"([\d.]+) juniors a year in France is ([\d.]+) a year on this territory's population.*",
     r"\1 docteurs juniors par an en France font \2 par an au prorata de ce territoire : "
     r"arrondi à aucun"),
    (r"nobody on the territory is more than 30 minutes from an ED",
     "personne dans le territoire n'est à plus de 30 minutes d'un service d'urgences"),
    (r"before the policy's start", "avant le début de la mesure"),
    (r"every figure of its yearly rows is zero: its dose reached nobody.*",
     "tous ses chiffres sont nuls : la mesure n'a atteint personne"),
)  # fmt: skip


def reason_fr(reason: str) -> str:
    """A no-effect reason in French: the whole reason when known, else each part (the
    ``;``-separated reasons of several years) translated when known."""

    def one(text: str) -> str | None:
        for pattern, fr in REASONS_FR:
            if re.fullmatch(pattern, text):
                return re.sub(r"(\d)\.(\d)", r"\1,\2", re.sub(pattern, fr, text))
        return None

    if (whole := one(reason)) is not None:
        return whole
    parts = [one(p) or f"{p} (raison donnée par le modèle)" for p in reason.split("; ")]
    return " ; ".join(dict.fromkeys(parts))


def what_it_did(kind: str, done: dict, week: int, start_year: int) -> str:
    """One French line on what a policy did since the start, or why it did nothing yet:
    not started (and when it starts), or no effect and the model's reason."""
    parts = [f"{ff.number(v)} {lab}" for k, lab in DELIVERED_LABELS.items() if (v := done.get(k))]
    start = done.get("start_week", 0)
    if week <= start:
        first = int(start) + 1
        year, within = divmod(first - 1, WEEKS_PER_YEAR)
        month = 12 * year + int(np.searchsorted(MONTH_ENDS, within + 1, side="left"))
        return f"pas encore commencée (début semaine {first}, {ff.month(start_year, month)})"
    reason = done.get("no_effect_reason")
    if reason:
        return ", ".join([*parts, f"aucun effet : {reason_fr(reason)}"])
    return ", ".join(parts) or "en cours (rien de chiffré à ce jour)"
