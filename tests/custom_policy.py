"""A policy defined outside accesssim, as a user's own module would be: the tests register it
from Python or name it as ``type = "custom_policy:ExtraCapacity"`` in a scenario file, and a
sweep's spawned workers import it from here."""

from accesssim.params.parameters import Param
from accesssim.policies.base import Policy


class ExtraCapacity(Policy):
    """Every GP gives ``extra_share`` more consultations a week, at 1 euro a week."""

    kind = "test_extra_capacity"
    PARAMS = {"extra_share": Param(0.1, "extra capacity", "A", "a test assumption", 0, 1)}

    def adjust_capacity(self, model, cap, extra):
        return cap * (1 + self.v.extra_share), extra

    def after_step(self, model, flows, used, capacity):
        self.year["cost_eur"] += 1.0
