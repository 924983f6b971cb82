"""accesssim: agent-based simulation of access to general practitioners in France.

From Python: ``accesssim.run(scenario, seeds=..., out=...)``, ``accesssim.compare(baseline,
*policies, seeds=..., out=...)`` (tables as pandas DataFrames) and
``accesssim.register_policy(cls)``; see ``accesssim.api``. They are imported on first use, so
``import accesssim`` stays light.
"""

from accesssim.util.version import __version__ as __version__

_API = ("run", "compare", "register_policy", "load_scenario", "RunResults", "ComparisonResults")


def __getattr__(name: str):
    if name in _API:
        from accesssim import api

        return getattr(api, name)
    raise AttributeError(f"module 'accesssim' has no attribute {name!r}")


def __dir__():
    return sorted([*globals(), *_API])
