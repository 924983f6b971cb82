"""Installation aid (Pacte territoire santé engagement 2; the 2024 convention's lump sum):
a yearly number of aided installations steered into under-served EPCIs, additional or only
moved from elsewhere, and what each costs.
"""

from __future__ import annotations

from accesssim.params.parameters import Param
from accesssim.policies.base import PolicyHost, Slider
from accesssim.policies.installations import (
    ELIGIBILITY_PARAMS,
    Prorata,
    WorkforceLever,
    eligible_epcis,
    install,
    no_eligible_reason,
    redirected_param,
    split_redirected,
    spread,
    territory_share,
)


class InstallationAid(WorkforceLever):
    """Aided installations a year (national, prorated to the territory's population) in
    eligible (under-served) EPCIs, at the EPCI's main commune, chosen among the eligible EPCIs
    in proportion to population. A share ``redirected_share`` of them would have installed
    elsewhere in the territory anyway: they are taken from the year's installation flow
    (``credit_installations``), so only their place changes; the rest are additional GPs.
    Each aided installation costs ``cost_per_installation`` once, the year it happens."""

    kind = "installation_aid"
    PAYER = "assurance_maladie"
    PAYER_SOURCE = (
        "convention médicale 2024: the installation lump sum is an Assurance maladie aid "
        "(https://urml-paysdelaloire.org/2026/02/les-zonages-quelles-aides)"
    )
    LABEL = "Aide à l'installation"  # display name (French), as on the dashboard
    HYPOTHESES = (  # the dashboard's "Hypothèses" panel (French)
        (
            "{per_year:.0f} installations aidées par an en France (au prorata de la population), "
            "dans les EPCI sous-dotés."
        ),
        (
            "{redirected_share:.0%} d'entre elles auraient eu lieu ailleurs dans le territoire : "
            "elles sont retirées du flux d'installations (seul leur lieu change) ; les autres sont "
            "des médecins en plus."
        ),
        "Coût : {cost_per_installation:.0f} € par installation aidée, l'année de l'installation.",
    )
    SLIDERS = (  # the dose only: at 0 the policy is off (a share slider at 0 would be "off")
        Slider("aid_per_year", "per_year",
               "Aide à l'installation : installations aidées par an (France, au prorata du "
               "territoire)", 50, high=5000, unit="par an"),
    )  # fmt: skip
    PARAMS = {
        "per_year": Param(
            1000 / 3,
            "aided installations a year, France (prorated to the territory)",
            "D",
            "Pacte territoire santé 2, engagement 2: 1,000 aided installations by 2017 "
            "(seeds/003), i.e. about 333 a year over 2015-2017",
            0,
            20000,
        ),
        "cost_per_installation": Param(
            10_000.0,
            "euros per aided installation (paid once)",
            "S",
            "convention médicale 2024, from 1 Jan 2026: 10,000 EUR lump sum for a first "
            "installation in a ZIP, 5,000 EUR in a ZAC (https://omniprat.org/fiches-pratiques/"
            "aides-a-linstallation-en-zone-sous-dense); the earlier CAIM paid up to 50,000 EUR "
            "(https://pneumologie.lequotidiendumedecin.fr/liberal/exercice/"
            "les-nouvelles-options-la-loupe)",
            0,
            1e6,
        ),
        "redirected_share": redirected_param(
            0.9,
            "no published share; the evidence says most aided GPs would have installed anyway: "
            "the Cour des comptes found a net gain of 50 GPs in three years for 773 "
            "beneficiaries of the 2007 aid (https://2017-2022.nosdeputes.fr/15/intervention/"
            "288517) and judges the 2016-2023 aids' efficiency 'non démontrée' (2025, "
            "https://www.egora.fr/actus-pro/acces-aux-soins/"
            "205-millions-deuros-verses-pour-des-resultats-inefficaces-la-cour-des)",
            "0 (every aided GP is additional) to 1 (every aided GP only moves); the 2007 "
            "figure (50 net of 773, i.e. 0.94 not additional) is near the top",
        ),
        **ELIGIBILITY_PARAMS,
    }

    def _zero_year(self):
        return {
            "aided_installations": 0,
            "aided_redirected": 0,
            "aided_additional": 0,
            "eligible_epcis": 0,
            "cost_eur": 0.0,
        }

    def prepare(self, model: PolicyHost) -> None:
        self.dose = Prorata()
        self.schedule_yearly(model, self._install)

    def _install(self) -> None:
        m, v = self.model, self.v
        expected = v.per_year * territory_share(m)
        n = self.dose.take(expected)
        elig = eligible_epcis(m, v.eligible, v.underserved_apl)
        self.year["eligible_epcis"] = len(elig)
        if n == 0:
            self.no_effect(
                f"dose rounds to no installation this year ({expected:.2f} a year here)"
                if v.per_year > 0
                else "no dose"
            )
            return
        if len(elig) == 0:
            self.dose.carry += n  # not spent: the aid waits for an eligible EPCI
            self.no_effect(no_eligible_reason(v))
            return
        install(self.rng, m, spread(self.rng, m, elig, n))
        moved = split_redirected(self.rng, n, v.redirected_share)
        m.credit_installations(moved)
        self.year["aided_installations"] += n
        self.year["aided_redirected"] += moved
        self.year["aided_additional"] += n - moved
        self.year["cost_eur"] += n * v.cost_per_installation
