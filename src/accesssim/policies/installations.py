"""What the workforce levers share (installation aid, salaried GPs, CESP, numerus apertus):
which EPCIs are eligible (under-served), a national dose prorated to the territory, GPs added
with their attributes drawn from the policy's own generator, the honest counterfactual of a
moved installation, and the yearly row's ``no_effect_reason``.

A lever's installations are either *additional* (GPs the territory would not have had) or
*redirected* (GPs who would have installed in the territory anyway, elsewhere: they are taken
from the year's installation flow with ``credit_installations``, so the baseline's total is
kept and only the place changes).
"""

from __future__ import annotations

import numpy as np

from accesssim.core import workforce
from accesssim.params.parameters import Param
from accesssim.policies.base import Policy, PolicyHost

ELIGIBILITY_PARAMS = {
    "eligible": Param(
        "apl_below",
        "eligible EPCIs: APL below underserved_apl, or the confirmed priority list of 2025",
        "A",
        "a choice: the aids' zonages (ZIP/ZAC) are not shipped; the APL threshold stands in",
        kind="choice",
        options=("apl_below", "priority"),
    ),
    "underserved_apl": Param(
        2.5,
        "APL under which an EPCI is under-served (eligible)",
        "S",
        "sub-dense threshold of the 2017 zonage arrêté, 2.5 consultations a year per inhabitant "
        "(FACTS.md §1, parameter table); the model's APL is its own (docs/ODD.md)",
        0,
        20,
    ),
}


def redirected_param(default: float, source: str, range_source: str) -> Param:
    """The share of a lever's installations moved from elsewhere in the territory (the rest
    are additional): no published figure for any lever, so an assumption over [0, 1]."""
    return Param(
        default,
        "share of the lever's installations that would have installed elsewhere in the "
        "territory anyway (moved, not added)",
        "A",
        source,
        0,
        1,
        range=(0.0, 1.0),
        distribution="uniform",
        range_source=range_source,
    )


def eligible_epcis(model: PolicyHost, rule: str, threshold: float) -> np.ndarray:
    """Core, inhabited EPCIs that the lever may serve: APL below ``threshold`` now, or on the
    confirmed 2025 priority list."""
    e = model.territory.epcis
    ok = e.core & (e.population > 0)
    if rule == "priority":
        ok &= np.asarray(e.priority_confirmed, bool)
    else:
        ok &= model.epci_apl() < threshold
    return np.flatnonzero(ok)


def no_eligible_reason(v) -> str:
    """Why a lever with eligibility ``v.eligible`` found no EPCI to serve."""
    if v.eligible == "priority":
        return "no EPCI of the confirmed priority list in the territory"
    return f"no EPCI with APL below {v.underserved_apl:g} in the territory"


def territory_share(model: PolicyHost) -> float:
    """The territory's (core) share of the French population: a national dose's part here."""
    c = model.territory.communes
    return float(c.population[model.core].sum() / model.p["france_population"])


class Prorata:
    """A yearly dose in whole units: a fractional part carries over to the next year, so a
    small territory receives one unit every few years instead of never."""

    def __init__(self):
        self.carry = 0.0

    def take(self, amount: float) -> int:
        self.carry += max(float(amount), 0.0)
        n = int(np.floor(self.carry + 1e-9))
        self.carry -= n
        return n


class Pipeline:
    """Yearly cohorts (CESP signers, extra students) that come due after a lag: each year the
    cohorts age by one, the year's prorated dose joins as a new cohort, and the cohorts that
    reach the lag leave as due. ``first_year``: when the first cohort comes due."""

    def __init__(self):
        self.dose = Prorata()
        self.cohorts: list[list[int]] = []  # [years since entry, people]
        self.first_year: int | None = None

    def advance(self, year: int, amount: float, lag: int) -> tuple[int, int]:
        """Age the cohorts, add this year's whole dose, remove the due: (entered, due)."""
        for c in self.cohorts:
            c[0] += 1
        n = self.dose.take(amount)
        if n:
            self.cohorts.append([0, n])
            if self.first_year is None:
                self.first_year = year + lag
        due = sum(c[1] for c in self.cohorts if c[0] >= lag)
        self.cohorts = [c for c in self.cohorts if c[0] < lag]
        return n, due

    def waiting(self, younger_than: float = np.inf) -> int:
        """People still in the pipeline (those in their first ``younger_than`` years)."""
        return sum(c[1] for c in self.cohorts if c[0] < younger_than)


def spread(rng, model: PolicyHost, epcis: np.ndarray, n: int) -> np.ndarray:
    """``n`` EPCIs among ``epcis`` (repeats allowed), drawn in proportion to population (a GP
    chooses among the eligible EPCIs; the policy's own generator)."""
    pop = model.territory.epcis.population[epcis].astype(float)
    return epcis[rng.choice(len(epcis), size=n, p=pop / pop.sum())]


def install(rng, model: PolicyHost, epcis: np.ndarray, activity=None, practice=None) -> np.ndarray:
    """GPs installed in ``epcis`` (one per entry) at each EPCI's main commune: age around the
    installation age, activity and practice type drawn as for any new GP, all from the
    policy's generator ``rng`` (the model's stream is left untouched); returns their indices."""
    n = len(epcis)
    if n == 0:
        return np.zeros(0, np.int64)
    p = model.p
    sites = model.epci_sites(epcis)
    age = workforce.draw_ages(rng, p, n, around=p["installation_age"])
    if activity is None:
        activity = workforce.draw_activity(rng, p, n, age)
    if practice is None:
        practice = workforce.new_practice(rng, p, model.msp_commune[sites])
    return model.add_gps(sites, age=age, activity=activity, practice=practice)


def split_redirected(rng, n: int, share: float) -> int:
    """How many of ``n`` installations are moved from elsewhere (binomial with ``share``)."""
    return int(rng.binomial(n, share)) if n > 0 and share > 0 else 0


class WorkforceLever(Policy):
    """A policy whose yearly row says why it did nothing, when it did nothing
    (``no_effect_reason``; empty when its dose reached the territory that year). Subclasses set
    ``self.reason`` during the year; the first reason given in a year is kept."""

    def setup(self, model: PolicyHost) -> None:
        self.reason = ""
        super().setup(model)

    def no_effect(self, reason: str) -> None:
        if not self.reason:
            self.reason = reason

    def end_of_year(self, model: PolicyHost) -> None:
        if model.time <= self.start_week:
            self.no_effect("before the policy's start")
        model.record_policy_row(
            {
                "year": model.start_year + model.year_index,
                "policy": self.name,
                "type": self.kind,
                **self.year,
                "no_effect_reason": self.reason,
            }
        )
        self.year = self._zero_year()
        self.reason = ""
