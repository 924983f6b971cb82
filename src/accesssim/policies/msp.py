"""Maisons de santé rollout: N MSPs opened a year in EPCIs chosen by a rule, its dose, cost and
dashboard control.
"""

from __future__ import annotations

import numpy as np

from accesssim.model.access_model import WEEKS_PER_YEAR
from accesssim.params.parameters import Param
from accesssim.policies.base import Policy, PolicyHost, Slider


class MspRollout(Policy):
    """Open N maisons de santé a year in EPCIs chosen by a rule. Their GPs gain activity (+2 %)
    and lists (+13 %), MSPs attract young GPs in the installation choice and retain GPs
    (parameters msp_*); cost from the reported funding: 153.5 M EUR for 1,918 MSPs in 2023
    = 80,000 EUR per MSP a year (docs/sources.md §3.4)."""

    kind = "msp_rollout"
    PAYER = "assurance_maladie"
    PAYER_SOURCE = (
        "ACI funding paid by the CNAM: 153.5 M EUR to 1,918 MSPs in 2023 (docs/sources.md)"
    )
    LABEL = "Maisons de santé"  # display name (French), as on the dashboard
    HYPOTHESES = (  # the dashboard's "Hypothèses" panel (French)
        (
            "{per_year} maisons de santé ouvertes par an, dans les EPCI les moins dotés d'abord "
            "(règle par défaut)."
        ),
        (
            "Leurs médecins gagnent de l'activité (+2 %) et de la patientèle (+13 %) ; une MSP "
            "attire les jeunes médecins qui s'installent (venus d'ailleurs dans le territoire : "
            "déplacés, pas en plus) et retient ceux en place."
        ),
        "Coût : {cost_per_msp_year:.0f} € par MSP et par an (financement rapporté de 2023).",
    )
    SLIDERS = (  # 30 a year in one territory at most on the page
        Slider("msp_per_year", "per_year",
               "Maisons de santé : ouvertures par an (EPCI les moins dotés)", 1, high=30,
               unit="par an"),
    )  # fmt: skip
    ASSUMPTIONS = (
        "Maisons de santé ({name}): {per_year} opened a year ({rule}); their GPs gain the "
        "sourced activity and list effects and attract installations (parameters msp_*)."
    )
    PARAMS = {
        "per_year": Param(10, "MSPs opened a year", "A", "a dose", 0, 1000, kind="integer"),
        "rule": Param(
            "underserved",
            "where: lowest-APL EPCIs first, at random, or a list",
            "A",
            "a choice",
            kind="choice",
            options=("underserved", "random", "list"),
        ),
        "epcis": Param(None, "EPCIs in order (rule = 'list')", "A", "a choice", kind="sirens"),
        "cost_per_msp_year": Param(
            153.5e6 / 1918,
            "euros per MSP a year",
            "D",
            "153.5 M EUR for 1,918 MSPs in 2023 (docs/sources.md)",
            0,
            1e7,
        ),
    }

    def __init__(self, spec=None, scenario=None):
        super().__init__(spec, scenario)
        self.per_year = self.v.per_year
        self.rule = self.v.rule
        self.epci_list = self.v.epcis
        if self.rule == "list" and not self.epci_list:
            raise ValueError(f"{self.where}.epcis: rule = 'list' needs a list of EPCI SIRENs")
        self.cost = self.v.cost_per_msp_year

    def _zero_year(self):
        return {"msps_opened": 0, "msps_running": 0, "cost_eur": 0.0}

    def prepare(self, model: PolicyHost) -> None:
        self.opened: list[int] = []
        self.queue = (
            list(self._epci_indices(model, self.epci_list, "epcis")) if self.epci_list else None
        )
        self.schedule_yearly(model, self._open)

    def _open(self) -> None:
        m = self.model
        e = m.territory.epcis
        has = np.bincount(m.territory.communes.epci[m.msp_commune], minlength=len(e)) > 0
        free = np.flatnonzero(e.core & ~has & (e.population > 0))
        if self.rule == "list":
            chosen = [k for k in self.queue if k in set(free.tolist())][: self.per_year]
            self.queue = [k for k in self.queue if k not in chosen]
        elif self.rule == "random":
            chosen = self.rng.permutation(free)[: self.per_year] if len(free) else []
        else:
            apl = m.epci_apl()[free]
            chosen = free[np.argsort(apl, kind="stable")][: self.per_year]
        chosen = np.asarray(chosen, dtype=np.int64)
        if len(chosen):
            m.open_msp(m.epci_sites(chosen))
            self.opened += chosen.tolist()
            self.year["msps_opened"] += len(chosen)

    def after_step(self, model: PolicyHost, flows, used, capacity) -> None:
        self.year["msps_running"] = len(self.opened)
        self.year["cost_eur"] += len(self.opened) * self.cost / WEEKS_PER_YEAR
