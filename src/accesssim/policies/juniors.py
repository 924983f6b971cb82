"""Docteurs juniors (fourth-year GP residents from November 2026): placement most under-served
first, the yearly cohorts, what they cost, and the dashboard control.
"""

from __future__ import annotations

import numpy as np

from accesssim.model.access_model import WEEKS_PER_YEAR
from accesssim.params.parameters import Param
from accesssim.policies import siting
from accesssim.policies.base import Policy, PolicyHost, Slider


class DocteursJuniors(Policy):
    """Fourth-year general-practice residents from November 2026: about 3,700 a year
    nationally (scaled to the territory's population), placed in the most under-served EPCIs
    first, for one year, at about 200 acts a month; a share then installs where they trained.
    Residents are supervised and hold no médecin-traitant list until they install.

    The counterfactual (``delays_cohort``): the added year keeps each cohort one more year in
    training, so baseline and reform installations come from the same cohorts. A cohort's
    installations are spread over the years after its DES (geometric, mean 3.8 years after
    the thesis, median 2: CNAM 2023); delaying every cohort from the first by one year takes
    out of the flow, in the l-th year-end after the first cohort would have finished, what
    one cohort installs in its l-th year (``expected_installations`` × p(1 - p)^l, p = 1 /
    (1 + mean)), scaled by the share of the cohort in a fourth year (``per_year`` / 3,700).
    The juniors who install where they trained are that same cohort's installations: counted
    from the year-end after their settling (the first year of the delayed cohort's
    installations), they replace part of the flow, not add to it.
    Cost per junior-month: pay 2,374.62 + 417 (autonomy) + 1,000 (ZIP) + 83 (activity bonus,
    500 per semester) + supervisor 1,800 + 800 (ZIP) = 6,474.62 EUR gross (docs/sources.md §7.3).

    With ``rule = "list"`` (a budget plan's placement, ``accesssim optimise``) every cohort is
    placed in the listed EPCIs in order, one junior per listing, the list starting again when
    the cohort is larger (listed EPCIs outside the run's core are skipped); the cohort's size
    is still ``per_year`` prorated to the territory."""

    kind = "docteurs_juniors"
    PAYER = "assurance_maladie"
    PAYER_SOURCE = (
        "assumption: residents' pay and supervisors' fees funded through the health-insurance "
        "budget (ONDAM); primary source not found"
    )
    LABEL = "Docteurs juniors"  # display name (French), as on the dashboard
    HYPOTHESES = (  # the dashboard's "Hypothèses" panel (French)
        (
            "{per_year} docteurs juniors par an en France (au prorata de la population du "
            "territoire), placés pour un an d'abord dans les EPCI les moins dotés."
        ),
        (
            "Chacun fait {acts_per_month} actes par mois (hypothèse), sans patientèle de médecin "
            "traitant ; {install_share:.0%} s'installent ensuite là où ils ont été formés (aucun "
            "chiffre publié)."
        ),
        (
            "La quatrième année retarde d'un an les installations de chaque promotion (retard "
            "compté : {delays_cohort}) : les installations ordinaires baissent d'abord."
        ),
        "Coût : {monthly_cost:.0f} € par mois de docteur junior (rémunération et encadrement).",
    )
    ASSUMPTIONS = (
        "Docteurs juniors ({name}): {acts_per_month} acts a month each (an assumption); "
        "{install_share} of them install where they trained (no figure); the fourth year "
        "delays the cohort's own installations by a year (delays_cohort = {delays_cohort}; "
        "installations spread after training, mean lag in years {install_delay_mean_years})."
    )
    DEFAULT_START = "2026-11"
    SLIDERS = (  # up to twice the 3,700 a year
        Slider("juniors_per_year", "per_year",
               "Docteurs juniors : arrivées par an (France, au prorata du territoire)", 100,
               high=7400, unit="par an"),
    )  # fmt: skip
    PARAMS = {
        "per_year": Param(
            3700, "residents a year, France", "S", "Pacte 2025 (docs/sources.md)", 0, 20000
        ),
        "acts_per_month": Param(
            200, "acts a month per resident", "A", "supervised residents see fewer", 0, 1000
        ),
        "install_share": Param(0.3, "share installing where they trained", "A", "no figure", 0, 1),
        "delays_cohort": Param(
            True,
            "the fourth year delays the cohort's own installations by a year",
            "S",
            "the fourth year of the DES de médecine générale applies to every resident from "
            "November 2026 (decree 2025-850; docs/sources.md §7.3): a year more in training",
            kind="bool",
        ),
        "install_delay_mean_years": Param(
            3.8,
            "mean years from the end of training to installation (spreads a cohort's "
            "installations; geometric, median 2)",
            "S",
            "CNAM (Dec. 2023): delay after the thesis 3.8 years on average, 2 years median "
            "(docs/sources.md; FACTS §3.2)",
            0,
            20,
        ),
        "monthly_cost": Param(
            2374.62 + 417 + 1000 + 500 / 6 + 1800 + 800,
            "euros per junior-month (pay, bonuses, supervisor)",
            "S",
            "decree 2023 and Pacte 2025 (docs/sources.md)",
            0,
            1e5,
        ),
        "rule": Param(
            "underserved",
            "where: the EPCI with the lowest APL first (counting the juniors placed), or a list "
            "(one junior per listing, in order, the list repeated for a larger cohort)",
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
        self.per_year = self.v.per_year
        self.acts = self.v.acts_per_month
        self.install_share = self.v.install_share
        self.monthly_cost = self.v.monthly_cost
        mean = self.v.install_delay_mean_years
        self.lag_p = 1.0 / (1.0 + mean)  # geometric over years after training: mean ``mean``
        # the share of a national cohort kept one more year in training
        self.delayed_share = min(1.0, self.per_year / self.COHORT) if self.v.delays_cohort else 0

    COHORT = 3700  # GP residents a year entering the fourth year (Pacte 2025; docs/sources.md)

    def _zero_year(self):
        return {
            "juniors_active": 0,
            "juniors_installed": 0,
            "installations_postponed": 0,
            "cost_eur": 0.0,
        }

    def prepare(self, model: PolicyHost) -> None:
        self.cohorts: list[np.ndarray] = []
        self.arrivals = 0  # yearly arrivals so far
        self.owed = 0  # juniors installed, credited to the flow at the next year-end but one
        self.postponed_due = 0.0  # installations to postpone, the fraction carried over
        self.n_placed = 0
        self.list_missed = False  # rule = "list": no listed EPCI in the run's core
        self.schedule_yearly(model, self._arrive)

    def _postpone(self, m: PolicyHost) -> None:
        """The cohort delay: before the year-end of the l-th year after the first cohort would
        have finished (l = arrivals - 2), what one cohort installs in its l-th year."""
        lag = self.arrivals - 2
        if lag < 0 or not self.delayed_share:
            return
        due = m.expected_installations() * self.delayed_share * self.lag_p
        self.postponed_due += due * (1 - self.lag_p) ** lag
        n = int(self.postponed_due)  # whole installations; the fraction carries over
        self.postponed_due -= n
        m.postpone_installations(n)
        self.year["installations_postponed"] += n

    def _arrive(self) -> None:
        m = self.model
        self.arrivals += 1
        pop = m.territory.communes.population[m.core].sum()
        n = int(round(self.per_year * pop / m.p["france_population"]))
        # last year's juniors who installed are installations of the delayed cohort's first
        # year after training: they replace part of this year-end's flow
        m.credit_installations(self.owed)
        self.owed = 0
        self._postpone(m)
        # last year's cohort leaves; a share installs where it trained
        if self.cohorts:
            old = self.cohorts.pop(0)
            old = old[m.gp_active[old]]
            # one generator for the whole run: each year's stay-or-leave draws are new ones
            stay = self.rng.random(len(old)) < self.install_share
            m.settle_gps(old[stay])  # installed: drawn activity, now a médecin traitant
            # they come from their own cohort's installations, not on top of them: credited
            # to the flow at the next arrival (the year-end after this one)
            self.owed = int(stay.sum())
            m.remove_gps(old[~stay])
            self.year["juniors_installed"] += int(stay.sum())
        if n <= 0:
            return
        if self.v.rule == "list":
            where = siting.choose_epcis(self, m, n, cycle=True)
            if not len(where):
                self.list_missed = True
                return
        else:
            e = m.territory.epcis
            core_e = np.flatnonzero(e.core & (e.population > 0))
            per_junior = 12 * self.acts / e.population[core_e]  # APL-like gain, per inhabitant
            counts = most_underserved_first(m.epci_apl()[core_e], per_junior, n)
            where = np.repeat(core_e, counts)
        self.n_placed += n
        sites = m.epci_sites(where)
        idx = m.add_gps(
            sites,
            age=np.full(n, 29.0),
            activity=np.full(n, 12 * self.acts),
            practice=np.ones(n, dtype=np.int8),
            holds_list=False,  # residents are supervised: no médecin-traitant list
        )
        self.cohorts.append(idx)

    def no_effect_reason(self, model: PolicyHost) -> str | None:
        if self.list_missed and not self.n_placed:
            return siting.no_core_epci_reason(self)
        if self.arrivals and not self.n_placed:
            pop = model.territory.communes.population[model.core].sum()
            return (
                f"{self.per_year:g} juniors a year in France is "
                f"{self.per_year * pop / model.p['france_population']:.2f} a year on this "
                "territory's population: rounded to none placed"
            )
        return None

    def after_step(self, model: PolicyHost, flows, used, capacity) -> None:
        active = sum(int(model.gp_active[c].sum()) for c in self.cohorts)
        self.year["juniors_active"] = max(self.year["juniors_active"], active)
        self.year["cost_eur"] += active * self.monthly_cost * 12 / WEEKS_PER_YEAR


def most_underserved_first(apl: np.ndarray, gain: np.ndarray, n: int) -> np.ndarray:
    """How many of ``n`` units each area gets when every unit goes, one after the other, to
    the area whose APL is lowest counting the units already placed (``gain`` each): the rule
    holds at any number, the worst-off area keeps receiving until another is lower."""
    import heapq

    counts = np.zeros(len(apl), np.int64)
    heap = [(float(a), k) for k, a in enumerate(apl)]
    heapq.heapify(heap)
    for _ in range(int(n)):
        a, k = heapq.heappop(heap)
        counts[k] += 1
        heapq.heappush(heap, (a + float(gain[k]), k))
    return counts
