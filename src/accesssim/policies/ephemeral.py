"""Ephemeral practices (cabinets éphémères, e.g. Pontarlier 2017: 5 GPs taking turns): GP
capacity opened for a fixed duration in under-served EPCIs, its dose, cost and dashboard
control.
"""

from __future__ import annotations

import numpy as np

from accesssim.model.access_model import WEEKS_PER_YEAR
from accesssim.params.parameters import Param
from accesssim.policies import siting
from accesssim.policies.base import Policy, PolicyHost, Slider


class EphemeralPractices(Policy):
    """``practices`` temporary practices open at the policy's start in the chosen EPCIs (lowest
    APL first, or a list), one per EPCI at its main GP commune, for ``duration_months``. Each
    offers ``consultations_per_day`` × ``days_per_week`` consultations a week, of which
    ``net_new_share`` is new GP time (in Pontarlier two of the five doctors were retired and the
    three in practice were replaced at their own practice: Le Quotidien du médecin,
    8 Oct 2017). Its doctors hold no médecin-traitant list (France TV, 2018). Programme cost:
    premises and running costs borne by the town (``cost_per_practice_year``; no published
    amount: status A), booked to local authorities; the consultations are billed as usual
    (counted by the payers' ledger)."""

    kind = "ephemeral_practice"
    LABEL = "Cabinets éphémères"
    HYPOTHESES = (  # the dashboard's "Hypothèses" panel (French)
        (
            "{practices} cabinets éphémères ouverts au début de la mesure pendant "
            "{duration_months:g} mois, un par EPCI (les moins dotés d'abord), "
            "{consultations_per_day:g} consultations par jour, {days_per_week:g} jours par semaine."
        ),
        (
            "Part de temps médical nouveau : {net_new_share:.0%} (à Pontarlier, trois des cinq "
            "médecins étaient remplacés dans leur propre cabinet) ; pas de patientèle de médecin "
            "traitant."
        ),
        (
            "Coût pour la commune : {cost_per_practice_year:.0f} € par cabinet et par an (aucun "
            "montant publié)."
        ),
    )
    PAYER = "local"
    PAYER_SOURCE = (
        "the town lends the premises and bears the running costs (Pontarlier: Le Quotidien du "
        "médecin, 8 Oct 2017; pleinair.net: 'la ville supporte seule la charge du cabinet')"
    )
    SLIDERS = (
        Slider("ephemeral_practices", "practices",
               "Cabinets éphémères : nombre ouvert (EPCI les moins dotés)", 1, high=30,
               unit="cabinets"),
    )  # fmt: skip
    PARAMS = {
        "practices": Param(
            2,
            "ephemeral practices opened (one per chosen EPCI)",
            "A",
            "a dose",
            0,
            1000,
            kind="integer",
        ),
        "rule": siting.RULE,
        "epcis": siting.EPCIS,
        "duration_months": Param(
            15.0,
            "months a practice stays open",
            "A",
            "Pontarlier: opened 2 Oct 2017 (Le Quotidien du médecin, 8 Oct 2017), to close on "
            "31 December when the maison médicale opened (pleinair.net; opening planned for 2019, "
            "France TV): about 15 months",
            0,
            600,
            distribution="uniform",
            range=(6.0, 27.0),
            range_source="a temporary practice until a lasting one opens: half a year to the "
            "27 months of a Pontarlier practice kept until a 2019 opening",
        ),
        "consultations_per_day": Param(
            30.0,
            "consultations a day in one practice",
            "S",
            "'une trentaine de patients par jour' (France TV, Pontarlier); 35-40 a day after 3 "
            "months (La Presse Pontissalienne, Jan 2018); the ARS guaranteed revenue for 24 a "
            "day (Le Quotidien du médecin, 8 Oct 2017)",
            0,
            200,
        ),
        "days_per_week": Param(
            5.0,
            "days a week a practice is open",
            "S",
            "'cinq généralistes se relaient du lundi au vendredi' (Le Quotidien du médecin, "
            "8 Oct 2017)",
            0,
            7,
        ),
        "net_new_share": Param(
            1.0,
            "share of the practice's consultations that is new GP time",
            "A",
            "Pontarlier: 2 retired doctors, 3 in practice replaced at home by derogation "
            "(Le Quotidien du médecin, 8 Oct 2017)",
            0,
            1,
            distribution="uniform",
            range=(0.4, 1.0),
            range_source="from the retired doctors' share only (2 of 5) to all of it (the "
            "three in practice replaced at home)",
        ),
        "cost_per_practice_year": Param(
            30000.0,
            "euros a year per practice (premises, running costs)",
            "A",
            "no published amount: Pontarlier bought the walls of a vacant practice and bears "
            "the running costs (Le Quotidien du médecin, 8 Oct 2017)",
            0,
            1e7,
            distribution="uniform",
            range=(10000.0, 60000.0),
            range_source="no published amount: a lent office with shared costs to premises, "
            "equipment and a secretariat",
        ),
    }

    def __init__(self, spec=None, scenario=None):
        super().__init__(spec, scenario)
        siting.check_list_rule(self)
        self.reason = ""
        self.close_week = min(
            self.end_week, self.start_week + self.v.duration_months * WEEKS_PER_YEAR / 12
        )

    def _zero_year(self) -> dict:
        return {
            "practices_open": 0,
            "weeks_open": 0,
            "consultations_offered": 0.0,
            "consultations_delivered": 0.0,
            "cost_eur": 0.0,
            "no_effect_reason": getattr(self, "reason", ""),
        }

    def weekly_consultations(self) -> float:
        v = self.v
        return v.consultations_per_day * v.days_per_week * v.net_new_share

    def prepare(self, model: PolicyHost) -> None:
        v = self.v
        self.sites = np.zeros(0, np.int64)
        if v.practices == 0:
            self.reason = "practices = 0: no practice opened"
        elif v.duration_months == 0:
            self.reason = "duration_months = 0: no practice stays open"
        elif self.weekly_consultations() == 0:
            self.reason = (
                "no consultation offered (consultations_per_day, days_per_week or "
                "net_new_share is 0)"
            )
        else:
            chosen = siting.choose_epcis(self, model, v.practices)
            if not len(chosen):
                self.reason = siting.no_core_epci_reason(self)
            else:
                self.sites = model.epci_sites(chosen)
                model.update_service_communes(extra=self.sites)
        self.year["no_effect_reason"] = self.reason

    def open_at(self, week: float) -> bool:
        return self.start_week <= week < self.close_week

    def adjust_capacity(self, model: PolicyHost, cap, extra):
        if not len(self.sites) or not self.open_at(model.time - 1):
            return cap, extra
        add = np.bincount(self.sites, minlength=len(extra)) * self.weekly_consultations()
        return cap, extra + add

    def after_step(self, model: PolicyHost, flows, used, capacity) -> None:
        if not len(self.sites) or not self.open_at(model.time - 1):
            return
        y = self.year
        util = np.divide(used, capacity, out=np.zeros_like(used), where=capacity > 0)
        offered = self.weekly_consultations()
        y["practices_open"] = len(self.sites)
        y["weeks_open"] += 1
        y["consultations_offered"] += offered * len(self.sites)
        y["consultations_delivered"] += float(offered * util[self.sites].sum())
        y["cost_eur"] += len(self.sites) * self.v.cost_per_practice_year / WEEKS_PER_YEAR
