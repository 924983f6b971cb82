"""CESP (contrat d'engagement de service public): students sign a year, draw a bursary until
the end of their training, then install in an under-served zone; the lag puts most of the
effect late in a short horizon, and the rows say so.
"""

from __future__ import annotations

from accesssim.params.parameters import Param
from accesssim.policies.base import PolicyHost, Slider
from accesssim.policies.installations import (
    ELIGIBILITY_PARAMS,
    Pipeline,
    WorkforceLever,
    eligible_epcis,
    install,
    no_eligible_reason,
    redirected_param,
    split_redirected,
    spread,
    territory_share,
)
from accesssim.util.text import plural


class Cesp(WorkforceLever):
    """``signers_per_year`` students sign a CESP a year (national, prorated to the territory's
    population). Each draws ``bursary_per_month`` for ``years_to_install`` years, until the end
    of training; then the signers who are GPs (``gp_share``) and keep their commitment
    (``completion_share``) install in eligible EPCIs (chosen in proportion to population). A
    share ``redirected_share`` of those would have installed elsewhere in the territory anyway
    (taken from the installation flow). Signers of year y install at the start of year
    y + ``years_to_install``: with a 5-year horizon only the first cohorts install inside it,
    and the rows report the installations still pending and the year of the first one."""

    kind = "cesp"
    PAYER = "state"
    PAYER_SOURCE = (
        "the bursary is paid by the State through the Centre national de gestion "
        "(https://www.banquedesterritoires.fr/le-contrat-dengagement-de-service-public-trouve-"
        "sa-place-et-le-nombre-de-candidats-ne-cesse-de)"
    )
    LABEL = "Contrats d'engagement de service public (CESP)"
    HYPOTHESES = (  # the dashboard's "Hypothèses" panel (French)
        (
            "{signers_per_year} contrats signés par an en France (au prorata de la population) ; "
            "bourse de {bursary_per_month:.0f} € par mois pendant {years_to_install} ans."
        ),
        (
            "Ensuite {gp_share:.0%} des signataires sont généralistes et {completion_share:.0%} "
            "tiennent leur engagement en s'installant dans un EPCI sous-doté ; "
            "{redirected_share:.0%} s'y seraient installés de toute façon."
        ),
        (
            "Les premières installations arrivent {years_to_install} ans après la première "
            "signature : d'ici là, la mesure coûte sans effet sur l'accès."
        ),
    )
    SLIDERS = (
        Slider("cesp_per_year", "signers_per_year",
               "CESP : contrats signés par an (France, au prorata du territoire)", 50,
               high=5000, unit="par an"),
    )  # fmt: skip
    PARAMS = {
        "signers_per_year": Param(
            486,
            "CESP signed a year, France (prorated to the territory)",
            "S",
            "486 contracts signed in 2016-2017, 6 % of the 8,124 admitted to second year "
            "(https://2017-2022.nosdeputes.fr/15/intervention/518083); 1,795 signed in all by "
            "2016 (FACTS.md §7.4)",
            0,
            20000,
        ),
        "bursary_per_month": Param(
            1200.0,
            "euros gross a month per signer",
            "S",
            "CESP bursary, 1,200 EUR gross a month (FACTS.md §7.4)",
            0,
            1e5,
        ),
        "years_to_install": Param(
            4,
            "years from signing to installation (years of bursary)",
            "A",
            "signers draw the bursary 'depuis quatre ans' on average at the end of their "
            "training (https://nosdeputes.fr/16/intervention/299991); contracts can be signed "
            "from the 2nd year to the last year of residency",
            1,
            15,
            kind="integer",
            range=(2, 8),
            distribution="uniform",
            range_source="signed in the last years of residency (2) to early in the second "
            "cycle (8); the engagement lasts as long as the bursary, at least 2 years",
        ),
        "gp_share": Param(
            0.5,
            "share of signers who become GPs",
            "A",
            "the CESP is open to every specialty; no share of general practitioners found",
            0,
            1,
            range=(0.3, 1.0),
            distribution="uniform",
            range_source="no figure: from a minority to every signer",
        ),
        "completion_share": Param(
            0.96,
            "share of signers who keep their commitment",
            "S",
            "4 % of the 2,800 contracts were broken (https://2017-2022.nosdeputes.fr/15/"
            "intervention/509671)",
            0,
            1,
        ),
        "redirected_share": redirected_param(
            0.5,
            "no published share: signers are students who would have practised anyway, in "
            "this territory or elsewhere",
            "0 (a signer would otherwise have left the territory) to 1 (would have installed "
            "in it, elsewhere): no figure",
        ),
        **ELIGIBILITY_PARAMS,
    }

    def _zero_year(self):
        return {
            "signers": 0,
            "signers_in_training": 0,
            "cesp_installations": 0,
            "cesp_redirected": 0,
            "cesp_installations_pending": 0.0,
            "first_installation_year": 0,
            "eligible_epcis": 0,
            "cost_eur": 0.0,
        }

    def prepare(self, model: PolicyHost) -> None:
        self.pipeline = Pipeline()  # signers, by years since signing
        self.schedule_yearly(model, self._year)

    def _year(self) -> None:
        m, v = self.model, self.v
        year = m.start_year + m.year_index
        expected = v.signers_per_year * territory_share(m)
        n, due = self.pipeline.advance(year, expected, v.years_to_install)
        first_year = self.pipeline.first_year
        training = self.pipeline.waiting()
        self.year["signers"] += n
        self.year["signers_in_training"] = training
        self.year["cost_eur"] += training * 12 * v.bursary_per_month
        share = v.gp_share * v.completion_share
        self.year["cesp_installations_pending"] = training * share
        self.year["first_installation_year"] = first_year or 0
        elig = eligible_epcis(m, v.eligible, v.underserved_apl)
        self.year["eligible_epcis"] = len(elig)
        if not due:
            if first_year is None:
                self.no_effect(
                    f"dose rounds to no signer yet ({expected:.2f} a year here)"
                    if v.signers_per_year > 0
                    else "no dose"
                )
            else:
                self.no_effect(
                    f"signers install from {first_year}, after "
                    f"{plural(v.years_to_install, 'year')} of training"
                )
            return
        k = int(self.rng.binomial(due, share))
        if k == 0:
            self.no_effect("no signer due this year is a GP who keeps the commitment")
            return
        if len(elig) == 0:
            self.no_effect(no_eligible_reason(v))  # the commitment cannot be served here
            return
        install(self.rng, m, spread(self.rng, m, elig, k))
        moved = split_redirected(self.rng, k, v.redirected_share)
        m.credit_installations(moved)
        self.year["cesp_installations"] += k
        self.year["cesp_redirected"] += moved
