"""accesssim: agent-based simulation of access to general practitioners in France.

From Python: ``accesssim.run(scenario, seeds=..., out=...)``, ``accesssim.compare(baseline,
*policies, seeds=..., out=...)``, ``accesssim.optimise(plan, out=...)`` (tables as pandas
DataFrames) and ``accesssim.register_policy(cls)``; see ``accesssim.api``. They are imported
on first use, so ``import accesssim`` stays light.
"""

from typing import TYPE_CHECKING

from accesssim.util.version import __version__ as __version__

if TYPE_CHECKING:  # seen by type checkers and IDEs (signatures, completion); loaded lazily
    from accesssim.api import (
        ComparisonResults,
        OptimiseResults,
        RunResults,
        compare,
        load_scenario,
        optimise,
        register_policy,
        run,
    )

_API = (
    "run",
    "compare",
    "optimise",
    "register_policy",
    "load_scenario",
    "RunResults",
    "ComparisonResults",
    "OptimiseResults",
)
__all__ = [
    "__version__",
    "run",
    "compare",
    "optimise",
    "register_policy",
    "load_scenario",
    "RunResults",
    "ComparisonResults",
    "OptimiseResults",
]


def __getattr__(name: str):
    if name in _API:
        from accesssim import api

        return getattr(api, name)
    raise AttributeError(f"module 'accesssim' has no attribute {name!r}")


def __dir__():
    return sorted([*globals(), *_API])
