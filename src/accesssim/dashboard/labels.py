"""The dashboard's French label tables: policy names, preset names, what a policy delivered,
and the scenario files' other keys.

Why a module of its own: these are the page's translations of names that live in English in
the policies and scenario files; keeping them apart from the page's logic lets a new policy
or preset get its French name in one place, and keeps the controls and the engine free of
display text they do not compute with.
"""

from __future__ import annotations

from accesssim.dashboard import fmt as ff
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
