"""Where the care-access levers act: the EPCIs a policy chooses (lowest APL first, at random,
or a list) and the shared rule "a dose that reaches nobody says why" (``no_effect_reason``).
"""

from __future__ import annotations

import numpy as np

from accesssim.params.parameters import Param
from accesssim.policies.base import PolicyHost

RULE = Param(
    "underserved",
    "where: lowest-APL EPCIs first, at random, or a list",
    "A",
    "a choice",
    kind="choice",
    options=("underserved", "random", "list"),
)
EPCIS = Param(None, "EPCIs in order (rule = 'list')", "A", "a choice", kind="sirens")


def candidate_epcis(model: PolicyHost) -> np.ndarray:
    """Core EPCIs with people: where a policy of the run may act."""
    e = model.territory.epcis
    return np.flatnonzero(e.core & (e.population > 0))


def choose_epcis(policy, model: PolicyHost, n: int, cycle: bool = False) -> np.ndarray:
    """``n`` EPCIs by the policy's ``rule`` (``policy.v.rule``, ``policy.v.epcis``): core EPCIs
    with people, lowest APL first, at random (the policy's own generator) or in the listed
    order (listed EPCIs outside the core are skipped). With ``cycle``, once every EPCI has one
    the order starts again (several sites per EPCI)."""
    free = candidate_epcis(model)
    if n <= 0 or not len(free):
        return np.zeros(0, np.int64)
    if policy.v.rule == "list":
        listed = policy._epci_indices(model, policy.v.epcis, "epcis")
        order = np.array([k for k in listed if k in set(free.tolist())], np.int64)
    elif policy.v.rule == "random":
        order = policy.rng.permutation(free)
    else:
        order = free[np.argsort(model.epci_apl()[free], kind="stable")]
    if not len(order):
        return np.zeros(0, np.int64)
    if cycle:
        order = np.resize(order, n)
    return np.asarray(order[:n], np.int64)


def check_list_rule(policy) -> None:
    """rule = 'list' needs a list of EPCIs (an error naming the key)."""
    if policy.v.rule == "list" and not policy.v.epcis:
        raise ValueError(f"{policy.where}.epcis: rule = 'list' needs a list of EPCI SIRENs")


def no_core_epci_reason(policy) -> str:
    """Why no EPCI was chosen: the listed ones are outside the run's core, or there is none."""
    if policy.v.rule == "list":
        return "none of the listed EPCIs (epcis) is in the run's core territory"
    return "no EPCI with people in the run's core territory"
