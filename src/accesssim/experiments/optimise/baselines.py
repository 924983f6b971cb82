"""The four baselines a plan is judged against: the same units of each lever as the optimum
(the same spend), placed by another rule.

Why the same units: the question is where the next euro goes, so a baseline changes the
placement only. Rules (one unit per EPCI in the rule's order, then around again, within each
candidate's cap and ``max_per_epci``):

- ``official``: the confirmed 2025 priority EPCIs of the territory
  (``territory.epcis.priority_confirmed``), lowest APL first among them;
- ``lowest_apl``: EPCIs by population-weighted APL (core communes), lowest first;
- ``most_under``: EPCIs by the number of people under the threshold, most first;
- ``random``: EPCIs in a random order (``[plan].random_baseline_seed``).
"""

from __future__ import annotations

import numpy as np

from accesssim.core import metrics
from accesssim.experiments.optimise.proxy import Proxy

RULES = ("official", "lowest_apl", "most_under", "random")
LABELS = {
    "official": "official list (confirmed priority EPCIs)",
    "lowest_apl": "lowest APL first",
    "most_under": "most people under the threshold first",
    "random": "random placement",
}


def epci_order(p: Proxy, rule: str) -> np.ndarray:
    """EPCI indices in the rule's order (only EPCIs with a candidate)."""
    t = p.territory
    c = t.communes
    n_e = len(t.epcis)
    have = np.unique(p.epci)
    core = p.counted
    apl = metrics.group_mean(p.apl0[core], p.population[core], c.epci[core], n_e)
    if rule == "official":
        have = have[np.asarray(t.epcis.priority_confirmed, bool)[have]]
        return have[np.argsort(apl[have], kind="stable")]
    if rule == "lowest_apl":
        return have[np.argsort(apl[have], kind="stable")]
    if rule == "most_under":
        under = np.bincount(
            c.epci, weights=p.population * (core & (p.apl0 < p.threshold)), minlength=n_e
        )
        return have[np.argsort(-under[have], kind="stable")]
    if rule == "random":
        rng = np.random.default_rng(p.plan.random_baseline_seed)
        return rng.permutation(have)
    raise ValueError(f"unknown baseline rule {rule!r}; expected one of {RULES}")


def place(p: Proxy, units_per_lever: dict[int, int], rule: str) -> np.ndarray:
    """Units per candidate: each lever's ``units_per_lever[lever]`` units, one per EPCI in the
    rule's order, around again while room is left. Fewer units are placed when the rule's
    EPCIs have no more room (the caller reports it)."""
    x = np.zeros(len(p.supply))
    order = epci_order(p, rule)
    per_epci = np.zeros(len(p.territory.epcis))
    cap_epci = p.plan.max_per_epci
    for li, want in sorted(units_per_lever.items()):
        cands = {int(e): int(u) for u, e in enumerate(p.epci) if p.lever[u] == li}
        left = int(want)
        while left > 0:
            placed = False
            for e in order:
                u = cands.get(int(e))
                if u is None or x[u] >= p.cap[u]:
                    continue
                if cap_epci is not None and per_epci[e] >= cap_epci:
                    continue
                x[u] += 1
                per_epci[e] += 1
                left -= 1
                placed = True
                if left == 0:
                    break
            if not placed:
                break
    return x


def units_by_lever(p: Proxy, x) -> dict[int, int]:
    """Units of each lever (index into ``plan.levers``) in ``x``."""
    x = np.asarray(x)
    return {li: int(x[p.lever == li].sum()) for li in range(len(p.plan.levers))}
