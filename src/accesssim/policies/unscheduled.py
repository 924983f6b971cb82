"""Funding of unscheduled (same-day) care in GP practices to avoid ED visits (Pacte territoire
santé 2, engagement 10), its dose, cost and dashboard control.
"""

from __future__ import annotations

import numpy as np

from accesssim.params.parameters import Param
from accesssim.policies import siting
from accesssim.policies.base import Policy, PolicyHost, Slider


class UnscheduledCare(Policy):
    """Funded same-day slots in one GP practice of each chosen EPCI (lowest APL first, or a
    list). Each funded practice offers ``slots_per_week`` extra same-day consultations (extra
    capacity at the EPCI's site, open to everyone on the GP path), and people within
    ``reach_minutes`` of a funded practice take a share ``diversion_share`` fewer of their
    GP-treatable requests to the ED: those requests stay on the GP path (served, waiting or
    forgone like any other). Programme cost: ``cost_per_slot`` for every funded slot offered,
    priced at the SNP majoration (15 EUR for a same-day act regulated by the SAS, at most 20 a
    week per doctor), paid by the Assurance maladie; an upper bound, as an unused slot would
    not be billed. The diversion share has no published figure (status A, with a range)."""

    kind = "unscheduled_care"
    LABEL = "Soins non programmés en cabinet"
    HYPOTHESES = (  # the dashboard's "Hypothèses" panel (French)
        (
            "{practices} cabinets financés, un par EPCI (les moins dotés d'abord), offrent chacun "
            "{slots_per_week:g} créneaux de soins non programmés par semaine en plus."
        ),
        (
            "Les habitants à moins de {reach_minutes:g} minutes d'un cabinet financé portent "
            "{diversion_share:.0%} de moins de leurs demandes aux urgences (aucun chiffre publié) :"
            " ces demandes restent sur le parcours du médecin généraliste."
        ),
        (
            "Coût : {cost_per_slot:g} € par créneau offert (majoration de soins non programmés), un"
            " plafond : un créneau inutilisé ne serait pas facturé."
        ),
    )
    PAYER = "assurance_maladie"
    PAYER_SOURCE = (
        "SNP majoration in the NGAP (arrêté of 14 May 2023, legifrance JORFTEXT000047542123), "
        "billed to the Assurance maladie (ameli.fr, 'Offre de soins non programmés')"
    )
    SLIDERS = (
        Slider("unscheduled_practices", "practices",
               "Soins non programmés : cabinets financés (EPCI les moins dotés)", 1, high=50,
               unit="cabinets"),
    )  # fmt: skip
    PARAMS = {
        "practices": Param(
            10,
            "funded GP practices (one per chosen EPCI)",
            "A",
            "a dose",
            0,
            1000,
            kind="integer",
        ),
        "rule": siting.RULE,
        "epcis": siting.EPCIS,
        "slots_per_week": Param(
            20.0,
            "funded same-day slots per practice a week",
            "S",
            "the SNP majoration may be billed at most 20 times a week per doctor (NGAP art. "
            "14.1.3, legifrance JORFTEXT000047542123; ameli.fr): one doctor's weekly maximum",
            0,
            500,
        ),
        "cost_per_slot": Param(
            15.0,
            "euros per funded slot",
            "S",
            "SNP majoration, 15 EUR per same-day act after SAS regulation (ameli.fr, 'Offre de "
            "soins non programmés : les mesures concernant la médecine de ville', 2022; NGAP "
            "art. 14.1.3)",
            0,
            1000,
        ),
        "diversion_share": Param(
            0.2,
            "share of GP-treatable ED visits of people within reach diverted to the practice",
            "A",
            "no published figure for the effect of funded same-day slots on ED visits",
            0,
            0.9,
            distribution="uniform",
            range=(0.05, 0.5),
            range_source="no published figure: from a few visits (slots little known to "
            "patients) to half of the GP-treatable visits of people nearby (the 27 % of ED "
            "visits a same-day GP could take, DREES 2013 via FACTS.md §5, are already the "
            "model's whole ED flow)",
        ),
        "reach_minutes": Param(
            20.0,
            "road minutes within which people use a funded practice instead of the ED",
            "A",
            "the APL's 20-minute catchment (arrêté of 13 Nov 2017, FACTS.md parameter table)",
            0,
            120,
            distribution="uniform",
            range=(10.0, 30.0),
            range_source="from half the APL catchment to the 30 minutes patients consider "
            "(allocation_cutoff_minutes)",
        ),
    }

    def __init__(self, spec=None, scenario=None):
        super().__init__(spec, scenario)
        siting.check_list_rule(self)
        self.reason = ""

    def _zero_year(self) -> dict:
        return {
            "practices": 0,
            "slots_funded": 0.0,
            "population_in_reach": 0.0,
            "ed_diverted_estimate": 0.0,
            "cost_eur": 0.0,
            "no_effect_reason": getattr(self, "reason", ""),
        }

    def prepare(self, model: PolicyHost) -> None:
        v = self.v
        self.sites = np.zeros(0, np.int64)
        self.within = np.zeros(len(model.core), bool)
        self.factor = None
        self.pop_in_reach = 0.0
        if v.practices == 0:
            self.reason = "practices = 0: no practice funded"
        elif v.slots_per_week == 0 and v.diversion_share == 0:
            self.reason = "slots_per_week = 0 and diversion_share = 0: nothing funded acts"
        else:
            chosen = siting.choose_epcis(self, model, v.practices)
            if not len(chosen):
                self.reason = siting.no_core_epci_reason(self)
            else:
                self.sites = model.epci_sites(chosen)
                minutes, _ = model.minutes_to_nearest(self.sites, limit=v.reach_minutes)
                self.within = (minutes <= v.reach_minutes) & model.core
                pop = model.territory.communes.population.astype(float)
                self.pop_in_reach = float(pop @ self.within)
                if v.diversion_share > 0 and self.within.any():
                    self.factor = np.where(self.within, 1.0 - v.diversion_share, 1.0)
                if v.slots_per_week > 0:
                    model.update_service_communes(extra=self.sites)
                model.schedule_event(self._start, at=self.start_week + 0.5)
                if np.isfinite(self.end_week):
                    model.schedule_event(self._stop, at=self.end_week + 0.5)
        self.year["no_effect_reason"] = self.reason

    def _start(self) -> None:
        if self.factor is not None:
            self.model.scale_ed_propensity(self.factor)

    def _stop(self) -> None:
        if self.factor is not None:
            self.model.scale_ed_propensity(1.0 / self.factor)

    def adjust_capacity(self, model: PolicyHost, cap, extra):
        if not len(self.sites) or self.v.slots_per_week == 0 or not self.active(model):
            return cap, extra
        slots = np.bincount(self.sites, minlength=len(extra)) * self.v.slots_per_week
        return cap, extra + slots

    def after_step(self, model: PolicyHost, flows, used, capacity) -> None:
        if not len(self.sites) or not self.active(model):
            return
        y, v = self.year, self.v
        y["practices"] = len(self.sites)
        y["population_in_reach"] = self.pop_in_reach
        slots = len(self.sites) * v.slots_per_week
        y["slots_funded"] += slots
        y["cost_eur"] += slots * v.cost_per_slot
        if self.factor is not None:  # ED visits that would have happened without the policy
            ed = flows["ed"].sum(1) @ self.within
            y["ed_diverted_estimate"] += float(ed * v.diversion_share / (1 - v.diversion_share))
