"""Interventions: the ``Policy`` base class (``base``), one module per built-in policy
(``solidarity``, ``msp``, ``telemedicine``, ``juniors``, ``regulation``) and the registry
(``registry``), which registers the built-in ones when imported.

The names a policy of one's own needs are importable from here
(``from accesssim.policies import Policy, PolicyHost, Slider, register``); code inside the package
imports the concrete modules.
"""

from accesssim.policies.base import NullPolicy, Policy, PolicyHost, Slider, Switch
from accesssim.policies.registry import from_spec, lookup, register

__all__ = [
    "NullPolicy",
    "Policy",
    "PolicyHost",
    "Slider",
    "Switch",
    "from_spec",
    "lookup",
    "register",
]
