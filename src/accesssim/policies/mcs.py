"""Médecins correspondants du SAMU (MCS): GPs trained and equipped to give urgent care within
30 minutes where the nearest ED is farther (Pacte territoire santé 2, engagement 4), their dose,
cost and dashboard control.
"""

from __future__ import annotations

import numpy as np

from accesssim.model.ledger import URGENT_CARE_MINUTES
from accesssim.params.parameters import Param
from accesssim.policies.base import Policy, PolicyHost, Slider


class MedecinsCorrespondants(Policy):
    """``count`` GPs of the territory become médecins correspondants du SAMU. They are placed
    one at a time where they bring urgent care within 30 minutes to the most people: the most
    populous core commune still more than 30 minutes from an ED or an MCS gets the active GP
    nearest to it (if that GP is within 30 minutes of it). The effect is on the urgent-care
    access rows only (``population_urgent_over_30``: people more than 30 minutes from an ED or
    an MCS): an MCS answers life-threatening calls in wait for the SMUR, not GP-treatable
    requests, so GP capacity and ED visits do not change (the Auvergne-Rhône-Alpes network,
    half of France's MCS, made 3,340 interventions in 2022 for 347 doctors: Le Quotidien du
    médecin, 7 Jul 2023). The baseline has no MCS: the territory data hold none of the
    ~600 in place (FACTS.md), so the effect is that of MCS added on top of EDs only.
    Programme cost: ``cost_per_mcs_year`` (forfaits and training set by each ARS; no national
    amount found: status A), funded by the ARS's fonds d'intervention régional and paid
    through the CPAM."""

    kind = "mcs"
    LABEL = "Médecins correspondants du SAMU"
    HYPOTHESES = (  # the dashboard's "Hypothèses" panel (French)
        (
            "{count} médecins du territoire deviennent médecins correspondants du SAMU, placés là "
            "où ils mettent le plus d'habitants à moins de 30 minutes d'une prise en charge "
            "urgente."
        ),
        (
            "Effet sur l'accès aux soins urgents seulement : ni le temps des médecins ni les "
            "passages aux urgences ne changent, donc aucune consultation évitée."
        ),
        (
            "La référence n'a aucun MCS (ceux en place ne sont pas dans les données) ; coût : "
            "{cost_per_mcs_year:.0f} € par MCS et par an (aucun montant national : hypothèse)."
        ),
    )
    PAYER = "assurance_maladie"
    PAYER_SOURCE = (
        "forfaits set by the ARS in the fonds d'intervention régional, liquidated by the CPAM "
        "(circulaire DGOS 2015, https://jorfsearch.steinertriples.ch/doc/AFSZ1510675C); the FIR "
        "mixes State and Assurance maladie credits, booked here to the Assurance maladie "
        "(assumption)"
    )
    SLIDERS = (
        Slider("mcs_count", "count",
               "Médecins correspondants du SAMU : nombre sur le territoire", 1, high=100,
               unit="médecins"),
    )  # fmt: skip
    PARAMS = {
        "count": Param(
            10,
            "médecins correspondants du SAMU on the territory",
            "A",
            "a dose; nationally 150 (2012) -> 580 (end 2016), target 700 (PTS2 engagement 4, "
            "FACTS.md §5)",
            0,
            10000,
            kind="integer",
        ),
        "cost_per_mcs_year": Param(
            5000.0,
            "euros per MCS a year (forfaits, training, equipment)",
            "A",
            "no national amount found: each ARS sets the intervention and on-call forfaits "
            "(circulaire DGOS 2015, jorfsearch AFSZ1510675C); yearly training about 2 days "
            "(ARS Occitanie PAPS page)",
            0,
            1e6,
            distribution="uniform",
            range=(1000.0, 20000.0),
            range_source="no published amount: from a few paid interventions and the yearly "
            "training to a funded on-call schedule with its equipment",
        ),
    }

    def __init__(self, spec=None, scenario=None):
        super().__init__(spec, scenario)
        self.reason = ""

    def _zero_year(self) -> dict:
        return {
            "mcs": 0,
            "population_over_30_before": getattr(self, "pop_before", 0.0),
            "population_newly_within_30": 0.0,
            "cost_eur": 0.0,
            "no_effect_reason": getattr(self, "reason", ""),
        }

    def place(self, model: PolicyHost) -> np.ndarray:
        """The communes of the MCS, chosen greedily (most populous uncovered commune first)
        on the current urgent-care minutes; sets ``reason`` when none can be placed."""
        pop = model.territory.communes.population.astype(float)
        far = (model.urgent_minutes > URGENT_CARE_MINUTES) & model.core & (pop > 0)
        self.pop_before = float(pop @ far)
        gp_sites = np.unique(model.gp_commune[model.gp_active & model.core[model.gp_commune]])
        if not far.any():
            self.reason = "nobody on the territory is more than 30 minutes from an ED"
            return np.zeros(0, np.int64)
        if not len(gp_sites):
            self.reason = "no active GP on the territory to become a médecin correspondant"
            return np.zeros(0, np.int64)
        to_gp, nearest_gp = model.minutes_to_nearest(gp_sites, limit=URGENT_CARE_MINUTES)
        reachable = far & (to_gp <= URGENT_CARE_MINUTES)
        if not reachable.any():
            self.reason = (
                "no active GP within 30 minutes of the people more than 30 minutes from an ED"
            )
            return np.zeros(0, np.int64)
        covered = ~reachable
        placed = []
        for _ in range(self.v.count):
            left = np.flatnonzero(~covered)
            if not len(left):
                break
            u = left[np.argmax(pop[left])]
            site = int(nearest_gp[u])
            placed.append(site)
            reach, _ = model.minutes_to_nearest([site], limit=URGENT_CARE_MINUTES)
            covered |= reach <= URGENT_CARE_MINUTES
        return np.asarray(placed, np.int64)

    def prepare(self, model: PolicyHost) -> None:
        self.sites = np.zeros(0, np.int64)
        self.pop_before = 0.0
        if self.v.count == 0:
            self.reason = "count = 0: no médecin correspondant"
        else:
            self.sites = self.place(model)
            if len(self.sites):
                model.schedule_event(self._start, at=self.start_week + 0.5)
                if np.isfinite(self.end_week):
                    model.schedule_event(self._stop, at=self.end_week + 0.5)
        self.year = self._zero_year()

    def _start(self) -> None:
        m = self.model
        pop = m.territory.communes.population.astype(float)
        before = (m.urgent_minutes > URGENT_CARE_MINUTES) & m.core
        m.add_mcs(self.sites)
        after = (m.urgent_minutes > URGENT_CARE_MINUTES) & m.core
        self.newly = float(pop @ (before & ~after))

    def _stop(self) -> None:
        self.model.remove_mcs(self.sites)

    def after_step(self, model: PolicyHost, flows, used, capacity) -> None:
        if not len(self.sites) or not self.active(model):
            return
        y = self.year
        y["mcs"] = len(self.sites)
        y["population_newly_within_30"] = self.newly
        y["cost_eur"] += len(self.sites) * self.v.cost_per_mcs_year / 52
