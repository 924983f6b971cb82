"""France Santé labels (announced 13 Sep 2025): labelled proximity structures in the territory's
share of the national target, their dose, cost and dashboard control.
"""

from __future__ import annotations

import numpy as np

from accesssim.model.access_model import WEEKS_PER_YEAR
from accesssim.params.parameters import Param
from accesssim.policies import siting
from accesssim.policies.base import Policy, PolicyHost, Slider


class FranceSante(Policy):
    """Structures labelled "France Santé" (MSPs, centres de santé, practices, pharmacies with a
        teleconsultation point, solidarity-consultation sites) in the territory's share of the
        national target: 2,000 structures the first year, 5,000 from the second (FACTS.md §9; the
    first year's count is capped by the target, the dashboard's control). The
        territory's share is its share of France's private-practice GPs at the start (as the
        model's installation flow). Structures are placed at the main GP commune of the chosen
        EPCIs, lowest APL first (or a list), one per EPCI, then a second round if there are more
        structures than EPCIs. Each labelled structure adds ``extra_consultations_per_structure``
        consultations a year at its commune: the label's effect on access has no published
        figure, so this is an explicit assumption with a range (from nothing, a label on existing
        activity, to about 2,000 a year). Programme cost: 50,000 EUR per structure when it is
        labelled (a one-off envelope for works, equipment, staff or a new carer's installation),
        in the social-security budget (PLFSS 2026)."""

    kind = "france_sante"
    LABEL = "Label France Santé"
    HYPOTHESES = (  # the dashboard's "Hypothèses" panel (French)
        (
            "Structures labellisées : la part du territoire dans l'objectif national "
            "({structures_first_year} la première année, {structures_target} ensuite), au prorata "
            "de ses médecins libéraux."
        ),
        (
            "Chaque structure ajoute {extra_consultations_per_structure:g} consultations par an "
            "dans sa commune : l'effet du label n'a pas de chiffre publié (de rien à environ 2 "
            "000)."
        ),
        "Coût : {cost_per_structure:.0f} € par structure labellisée, une fois.",
    )
    PAYER = "assurance_maladie"
    PAYER_SOURCE = (
        "130 M EUR written into the PLFSS 2026 by a government amendment (Egora, 31 Oct 2025, "
        "https://www.egora.fr/actus-pro/acces-aux-soins/france-sante-50-000-euros-par-"
        "structure-pour-la-garantie-dun-rendez-vous ; APM via SFMU, 30 Oct 2025)"
    )
    SLIDERS = (
        Slider("france_sante_structures", "structures_target",
               "France Santé : structures labellisées en France (cible)", 500, high=10000,
               unit="structures"),
    )  # fmt: skip
    PARAMS = {
        "structures_first_year": Param(
            2000,
            "labelled structures in France in the first year",
            "S",
            "target of 2,000 structures in 2026 (announcement of 13 Sep 2025, FACTS.md §9)",
            0,
            100000,
            kind="integer",
        ),
        "structures_target": Param(
            5000,
            "labelled structures in France from the second year",
            "S",
            "target of 5,000 structures in 2027 (FACTS.md §9)",
            0,
            100000,
            kind="integer",
        ),
        "rule": siting.RULE,
        "epcis": siting.EPCIS,
        "extra_consultations_per_structure": Param(
            500.0,
            "GP consultations a year a labelled structure adds",
            "A",
            "no published figure for the effect of the label on access",
            0,
            20000,
            distribution="uniform",
            range=(0.0, 2000.0),
            range_source="no published figure: from nothing (a label on existing activity; "
            "'il ne s'agit pas de courir après ce qui existe déjà', Matignon, APM 30 Oct 2025) "
            "to ~2,000 a year (a 50,000 EUR envelope paying part of a year of a carer or a "
            "medical assistant; ~40 % of a GP's 5,000 acts)",
        ),
        "cost_per_structure": Param(
            50000.0,
            "euros per structure, once, when labelled",
            "S",
            "'une enveloppe de 50 000 euros sera attribuée à chaque structure labellisée' "
            "(Egora, 31 Oct 2025; 130-150 M EUR for 2026, FACTS.md §9)",
            0,
            1e7,
        ),
    }

    def __init__(self, spec=None, scenario=None):
        super().__init__(spec, scenario)
        siting.check_list_rule(self)
        self.reason = ""

    def _zero_year(self) -> dict:
        return {
            "structures_labelled": 0,
            "structures_new": 0,
            "consultations_added": 0.0,
            "cost_eur": 0.0,
            "no_effect_reason": getattr(self, "reason", ""),
        }

    def prepare(self, model: PolicyHost) -> None:
        v = self.v
        core_gps = model.gp_active & model.core[model.gp_commune]
        self.share = float(core_gps.sum()) / model.p["gps_france"]
        first = min(v.structures_first_year, v.structures_target)
        self.targets = [int(round(self.share * n)) for n in (first, v.structures_target)]
        self.rounds = 0
        self.sites = np.zeros(0, np.int64)  # all sites the territory will have, in order
        self.labelled = 0
        if max(self.targets) == 0:
            self.reason = (
                f"the territory's share ({self.share:.2%} of France's GPs) of the national "
                "target rounds to no structure"
            )
        elif v.extra_consultations_per_structure == 0:
            self.reason = (
                "extra_consultations_per_structure = 0: the label adds no consultation (its "
                "effect has no published figure)"
            )
        chosen = siting.choose_epcis(self, model, max(self.targets), cycle=True)
        if max(self.targets) and not len(chosen):
            self.reason = siting.no_core_epci_reason(self)
        if len(chosen):
            self.sites = model.epci_sites(chosen)
            self.schedule_yearly(model, self._label)
            if v.extra_consultations_per_structure > 0:
                model.update_service_communes(extra=np.unique(self.sites))
        self.year["no_effect_reason"] = self.reason

    def _label(self) -> None:
        target = self.targets[min(self.rounds, 1)]
        self.rounds += 1
        new = max(0, min(target, len(self.sites)) - self.labelled)
        self.year["structures_new"] += new
        self.year["cost_eur"] += new * self.v.cost_per_structure
        self.labelled += new

    def adjust_capacity(self, model: PolicyHost, cap, extra):
        if not self.labelled or not self.active(model):
            return cap, extra
        per_week = self.v.extra_consultations_per_structure / WEEKS_PER_YEAR
        if per_week == 0:
            return cap, extra
        n = np.bincount(self.sites[: self.labelled], minlength=len(extra))
        return cap, extra + n * per_week

    def after_step(self, model: PolicyHost, flows, used, capacity) -> None:
        if not self.labelled or not self.active(model):
            return
        self.year["structures_labelled"] = self.labelled
        self.year["consultations_added"] += (
            self.labelled * self.v.extra_consultations_per_structure / WEEKS_PER_YEAR
        )
