"""Salaried GPs employed by départements or communes (centres de santé): posts opened a year
in the most under-served EPCIs, their activity, and what they cost the collectivité net of
the fees it cashes.
"""

from __future__ import annotations

import numpy as np

from accesssim.core.workforce import PRACTICE_TYPES
from accesssim.model.access_model import WEEKS_PER_YEAR
from accesssim.params.parameters import Param
from accesssim.policies import siting
from accesssim.policies.base import PolicyHost, Slider
from accesssim.policies.installations import (
    ELIGIBILITY_PARAMS,
    WorkforceLever,
    eligible_epcis,
    install,
    no_eligible_reason,
    redirected_param,
    split_redirected,
)
from accesssim.policies.juniors import most_underserved_first

HEALTH_CENTRE = PRACTICE_TYPES.index("health_centre")
BUDGET_2023, DOCTORS_2023 = 13e6, 71  # Saône-et-Loire's 7 centres (concourspluripro.fr)


class SalariedGps(WorkforceLever):
    """``posts_per_year`` salaried GP posts opened a year by the territory's collectivités, each
    in the eligible EPCI whose APL is lowest counting the posts already opened (as the
    docteurs juniors), at its main commune, in a health centre; each GP gives
    ``acts_per_year`` acts and holds a médecin-traitant list. A share ``redirected_share`` of
    the posts is filled by GPs who would have installed in the territory anyway (taken from the
    installation flow). Posts stay open; a post whose GP leaves (the exit hazard of any GP) is
    not refilled. Cost to the collectivité: the budget per post less the fees it cashes for the
    acts its GPs give (the ledger books those fees, for the consultations added, to the
    Assurance maladie and complementary insurers: without the deduction they would be counted
    twice).

    With ``rule = "list"`` (a budget plan's placement, ``accesssim optimise``) the posts go to
    the listed EPCIs instead, one post per listing, in order (an EPCI listed twice gets two
    posts), whatever their APL: ``posts_per_year`` of the list's posts a year until the list
    is used up (listed EPCIs outside the run's core are skipped)."""

    kind = "salaried_gps"
    PAYER = "local"
    PAYER_SOURCE = (
        "the employing département or commune pays salaries and running costs and cashes the "
        "fees: Saône-et-Loire's 7 centres, 13 M EUR budget in 2023 "
        "(https://www.concourspluripro.fr/exercice-pluriprofessionnel/centres-de-sante/"
        "60-generalistes-recrutes-et-35000-patients-diriges)"
    )
    LABEL = "Médecins salariés (centres de santé)"  # display name (French), as on the dashboard
    HYPOTHESES = (  # the dashboard's "Hypothèses" panel (French)
        (
            "{posts_per_year} postes de médecins salariés ouverts par an par les collectivités, "
            "dans l'EPCI éligible le moins doté, en centre de santé ; {acts_per_year:.0f} actes par"
            " an et par médecin, avec une patientèle."
        ),
        (
            "{redirected_share:.0%} des postes sont pris par des médecins qui se seraient installés"
            " dans le territoire de toute façon ; un poste dont le médecin part n'est pas repourvu."
        ),
        (
            "Coût pour la collectivité : {budget_per_post_year:.0f} € par poste et par an, moins "
            "les honoraires encaissés."
        ),
    )
    SLIDERS = (
        Slider("salaried_posts", "posts_per_year",
               "Médecins salariés : postes ouverts par an (collectivités)", 1, high=50,
               unit="par an"),
    )  # fmt: skip
    PARAMS = {
        "posts_per_year": Param(
            10,
            "salaried GP posts opened a year in the territory",
            "A",
            "a dose; for scale, Saône-et-Loire recruited 30 GPs in 2018 and had 60 salaried GPs "
            "(71 doctors) in 2023 (concourspluripro.fr, URL in PAYER_SOURCE)",
            0,
            1000,
            kind="integer",
        ),
        "acts_per_year": Param(
            4220.0,
            "acts a year per salaried GP",
            "S",
            "4,220 consultations per doctor a year in centres de santé (4,533 in centres "
            "in financial balance), a report quoted by https://pour-des-medecins-salaries-"
            "au-croisic.e-monsite.com/pages/combien-coute-un-centre-de-sante-municipal-.html "
            "(secondary)",
            0,
            10000,
        ),
        "budget_per_post_year": Param(
            BUDGET_2023 / DOCTORS_2023,
            "euros a year per post (salary, staff, premises), before fees",
            "D",
            "Saône-et-Loire 2023: 13 M EUR for 7 centres and 71 salaried doctors "
            "(concourspluripro.fr, URL in PAYER_SOURCE); salaries 4,000-6,000 EUR net a month "
            "(https://static2.lequotidiendumedecin.fr/liberal/exercice/en-saone-et-loire-les-"
            "candidatures-se-bousculent-pour-le-centre-de-sante-multisite)",
            0,
            1e7,
        ),
        "redirected_share": redirected_param(
            0.5,
            "no published share; salaried posts draw GPs from outside (applicants from "
            "elsewhere) and from local liberal practice (a GP who left liberal practice after "
            "ten years, concourspluripro.fr)",
            "0 (all posts additional) to 1 (every post filled by a GP who would have "
            "installed here anyway): no figure either way",
        ),
        **ELIGIBILITY_PARAMS,
        "rule": Param(
            "underserved",
            "where: the eligible EPCI with the lowest APL first, or a list (one post per "
            "listing, in order, posts_per_year a year until the list is used up)",
            "A",
            "a choice",
            kind="choice",
            options=("underserved", "list"),
        ),
        "epcis": siting.EPCIS,
    }

    def __init__(self, spec=None, scenario=None):
        super().__init__(spec, scenario)
        siting.check_list_rule(self)

    def _zero_year(self):
        return {
            "posts_opened": 0,
            "posts_filled": 0,
            "posts_redirected": 0,
            "salaried_acts_given": 0.0,
            "fee_receipts_eur": 0.0,
            "eligible_epcis": 0,
            "cost_eur": 0.0,
        }

    def prepare(self, model: PolicyHost) -> None:
        self.gps = np.zeros(0, np.int64)
        self.listed_opened = False  # rule = "list": some post already opened
        self.queue = None  # rule = "list": the listed EPCIs not yet given a post
        if self.v.rule == "list":
            core = set(siting.candidate_epcis(model).tolist())
            listed = self._epci_indices(model, self.v.epcis, "epcis")
            self.queue = [int(k) for k in listed if k in core]
        self.schedule_yearly(model, self._open)

    def _listed(self, n: int) -> np.ndarray:
        """The next ``n`` listed EPCIs (one post each), taken off the list."""
        take, self.queue = self.queue[:n], self.queue[n:]
        return np.asarray(take, np.int64)

    def _open(self) -> None:
        m, v = self.model, self.v
        elig = eligible_epcis(m, v.eligible, v.underserved_apl)
        self.year["eligible_epcis"] = len(elig)
        n = v.posts_per_year
        if n == 0:
            self.no_effect("no dose")
            return
        if self.queue is not None:
            where = self._listed(n)
            n = len(where)
            if n == 0:
                self.no_effect(
                    "every listed EPCI has its posts"
                    if self.listed_opened
                    else siting.no_core_epci_reason(self)
                )
                return
            self.listed_opened = True
        elif len(elig) == 0:
            self.no_effect(no_eligible_reason(v))
            return
        else:
            pop = m.territory.epcis.population[elig]
            counts = most_underserved_first(m.epci_apl()[elig], v.acts_per_year / pop, n)
            where = np.repeat(elig, counts)
        idx = install(
            self.rng,
            m,
            where,
            activity=np.full(n, v.acts_per_year),
            practice=np.full(n, HEALTH_CENTRE, dtype=np.int8),
        )
        self.gps = np.concatenate([self.gps, idx])
        moved = split_redirected(self.rng, n, v.redirected_share)
        m.credit_installations(moved)
        self.year["posts_opened"] += n
        self.year["posts_redirected"] += moved

    def after_step(self, model: PolicyHost, flows, used, capacity) -> None:
        if not len(self.gps):
            return
        active = self.gps[model.gp_active[self.gps]]
        self.year["posts_filled"] = max(self.year["posts_filled"], len(active))
        # each salaried GP works at its commune's utilisation this week
        c = model.gp_commune[active]
        util = np.divide(used[c], capacity[c], out=np.zeros(len(c)), where=capacity[c] > 0)
        acts = float((self.v.acts_per_year / WEEKS_PER_YEAR * util).sum())
        receipts = acts * model.p["consultation_fee_eur"]
        self.year["salaried_acts_given"] += acts
        self.year["fee_receipts_eur"] += receipts
        budget = len(active) * self.v.budget_per_post_year / WEEKS_PER_YEAR
        self.year["cost_eur"] += budget - receipts
