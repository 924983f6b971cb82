"""Policies (interventions): each has the same shape, as in Starsim.

A policy has an eligibility rule (which EPCIs, communes or GPs), a start and an end (weeks
from the start of the run, or dates), and a dose; it acts on the model only through these
hooks, called by the model:

* ``setup(model)`` once, after the model is built;
* ``adjust_capacity(model, cap_per_gp, extra_per_commune)`` every week, before allocation,
  returning the (possibly changed) weekly capacities;
* ``after_step(model, flows, used, capacity)`` every week, after allocation (bookkeeping);
* ``end_of_year(model)`` once a year.

The null policy changes nothing: a run with it equals the baseline bit for bit.
"""

from __future__ import annotations


class Policy:
    """Base class: does nothing. Subclasses override the hooks they need."""

    kind = "none"

    def __init__(self, spec: dict | None = None, scenario=None):
        self.spec = dict(spec or {})

    def setup(self, model) -> None:
        pass

    def adjust_capacity(self, model, cap_per_gp, extra_per_commune):
        return cap_per_gp, extra_per_commune

    def after_step(self, model, flows, used, capacity) -> None:
        pass

    def end_of_year(self, model) -> None:
        pass

    def cost_euros(self, model) -> float:
        return 0.0


class NullPolicy(Policy):
    """The baseline: no intervention."""


POLICY_TYPES: dict[str, type[Policy]] = {"none": NullPolicy}


def from_spec(spec: dict, scenario=None) -> Policy:
    """Build a policy from a ``[[policies]]`` table; errors name the file and key."""
    where = f"{getattr(scenario, 'path', None) or '<scenario>'}: [[policies]]"
    kind = spec.get("type")
    if kind not in POLICY_TYPES:
        raise ValueError(
            f"{where}.type: unknown policy {kind!r}; known: {', '.join(sorted(POLICY_TYPES))}"
        )
    unknown = set(spec) - {"type"} - set(getattr(POLICY_TYPES[kind], "KEYS", ()))
    if unknown:
        raise ValueError(f"{where}: unknown key(s) {sorted(unknown)} for policy {kind!r}")
    return POLICY_TYPES[kind](spec, scenario)
