"""Docteurs juniors (fourth-year GP residents from November 2026): placement most under-served
first, the yearly cohorts, what they cost, and the dashboard control.
"""

from __future__ import annotations

import numpy as np

from accesssim.model.access_model import WEEKS_PER_YEAR
from accesssim.params.parameters import Param
from accesssim.policies.base import Policy, PolicyHost, Slider


class DocteursJuniors(Policy):
    """Fourth-year general-practice residents from November 2026: about 3,700 a year
    nationally (scaled to the territory's population), placed in the most under-served EPCIs
    first, for one year, at about 200 acts a month; a share then installs where they trained.
    Residents are supervised and hold no médecin-traitant list until they install.
    Cost per junior-month: pay 2,374.62 + 417 (autonomy) + 1,000 (ZIP) + 83 (activity bonus,
    500 per semester) + supervisor 1,800 + 800 (ZIP) = 6,474.62 EUR gross (docs/sources.md §7.3)."""

    kind = "docteurs_juniors"
    PAYER = "assurance_maladie"
    PAYER_SOURCE = (
        "assumption: residents' pay and supervisors' fees funded through the health-insurance "
        "budget (ONDAM); primary source not found"
    )
    LABEL = "Docteurs juniors"  # display name (French), as on the dashboard
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
        "monthly_cost": Param(
            2374.62 + 417 + 1000 + 500 / 6 + 1800 + 800,
            "euros per junior-month (pay, bonuses, supervisor)",
            "S",
            "decree 2023 and Pacte 2025 (docs/sources.md)",
            0,
            1e5,
        ),
    }

    def __init__(self, spec=None, scenario=None):
        super().__init__(spec, scenario)
        self.per_year = self.v.per_year
        self.acts = self.v.acts_per_month
        self.install_share = self.v.install_share
        self.monthly_cost = self.v.monthly_cost

    def _zero_year(self):
        return {"juniors_active": 0, "juniors_installed": 0, "cost_eur": 0.0}

    def prepare(self, model: PolicyHost) -> None:
        self.cohorts: list[np.ndarray] = []
        self.schedule_yearly(model, self._arrive)

    def _arrive(self) -> None:
        m = self.model
        pop = m.territory.communes.population[m.core].sum()
        n = int(round(self.per_year * pop / m.p["france_population"]))
        # last year's cohort leaves; a share installs where it trained
        if self.cohorts:
            old = self.cohorts.pop(0)
            old = old[m.gp_active[old]]
            # one generator for the whole run: each year's stay-or-leave draws are new ones
            stay = self.rng.random(len(old)) < self.install_share
            m.settle_gps(old[stay])  # installed: drawn activity, now a médecin traitant
            # juniors are the cohort the yearly installations come from: those who stay
            # replace part of the baseline flow, they do not add to it
            m.credit_installations(int(stay.sum()))
            m.remove_gps(old[~stay])
            self.year["juniors_installed"] += int(stay.sum())
        if n <= 0:
            return
        e = m.territory.epcis
        core_e = np.flatnonzero(e.core & (e.population > 0))
        per_junior = 12 * self.acts / e.population[core_e]  # APL-like gain, acts per inhabitant
        counts = most_underserved_first(m.epci_apl()[core_e], per_junior, n)
        sites = m.epci_sites(np.repeat(core_e, counts))
        idx = m.add_gps(
            sites,
            age=np.full(n, 29.0),
            activity=np.full(n, 12 * self.acts),
            practice=np.ones(n, dtype=np.int8),
            holds_list=False,  # residents are supervised: no médecin-traitant list
        )
        self.cohorts.append(idx)

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
