"""The registry of policy classes by ``kind``: what scenario files, compare, sweeps and the
dashboard look up. Importing it registers the built-in policies (it imports their modules);
a class of one's own is registered from Python or named as ``"package.module:Class"``, and a
sweep's workers import the parent's registered classes again by that path.
"""

from __future__ import annotations

from accesssim.policies.base import NullPolicy, Policy
from accesssim.policies.cesp import Cesp
from accesssim.policies.installation_aid import InstallationAid
from accesssim.policies.juniors import DocteursJuniors
from accesssim.policies.msp import MspRollout
from accesssim.policies.numerus import NumerusPipeline
from accesssim.policies.regulation import InstallationRegulation
from accesssim.policies.salaried_gps import SalariedGps
from accesssim.policies.solidarity import SolidarityDays
from accesssim.policies.telemedicine import Telemedicine

POLICY_TYPES: dict[str, type[Policy]] = {}


def register(cls: type[Policy]) -> type[Policy]:
    """Make a policy class known to scenarios, compare, sweep and the dashboard (by its
    ``kind``); usable as a decorator. A sweep's worker processes import the class again from
    its module (``import_path``), so it must be defined at the top level of an importable
    module (or of the script being run), not in a notebook cell."""
    if not (isinstance(cls, type) and issubclass(cls, Policy)):
        raise TypeError(f"register: expected a subclass of accesssim.policies.Policy, got {cls!r}")
    POLICY_TYPES[cls.kind] = cls
    return cls


def import_path(cls: type[Policy]) -> str:
    """``"module:QualName"``, how a worker process finds a class registered in its parent."""
    return f"{cls.__module__}:{cls.__qualname__}"


def load_class(path: str, where: str = "<scenario>") -> type[Policy]:
    """The ``Policy`` subclass at ``"package.module:Class"`` (a scenario's ``type``), imported
    and registered; errors name ``where``."""
    import importlib

    module, _, qualname = path.partition(":")
    try:
        obj = importlib.import_module(module)
        for part in qualname.split("."):
            obj = getattr(obj, part)
    except (ImportError, AttributeError) as exc:
        hint = (
            " (a class defined in a notebook, an interactive session or a function cannot be"
            " imported by another process: define it at the top level of a module on the"
            " Python path)"
            if module == "__main__" or "<locals>" in qualname
            else ""
        )
        raise ValueError(f"{where}: cannot import policy class {path!r}: {exc}{hint}") from None
    if not (isinstance(obj, type) and issubclass(obj, Policy)):
        raise ValueError(f"{where}: {path!r} is not a subclass of accesssim.policies.Policy")
    return register(obj)


def lookup(kind, where: str = "<scenario>") -> type[Policy] | None:
    """The class of a scenario's ``type``: a registered kind, or ``"module:Class"`` (imported
    on first use, in any process); None for an unknown kind."""
    if isinstance(kind, str) and kind not in POLICY_TYPES and ":" in kind:
        return load_class(kind, where)
    return POLICY_TYPES.get(kind)


def registered_paths() -> dict[str, str]:
    """Kind -> import path of every policy registered beyond (or instead of) the built-in ones
    (passed to a sweep's workers, which start with only the built-in ones)."""
    return {k: import_path(c) for k, c in POLICY_TYPES.items() if BUILTIN.get(k) is not c}


def ensure_registered(paths: dict[str, str]) -> None:
    """In a worker: import and register the policies the parent had registered."""
    for kind, path in paths.items():
        if kind not in POLICY_TYPES or import_path(POLICY_TYPES[kind]) != path:
            cls = load_class(path, "sweep worker")
            if cls.kind != kind:
                raise ValueError(f"sweep worker: {path} has kind {cls.kind!r}, not {kind!r}")


for _cls in (
    NullPolicy,
    SolidarityDays,
    MspRollout,
    Telemedicine,
    DocteursJuniors,
    InstallationRegulation,
    InstallationAid,
    SalariedGps,
    Cesp,
    NumerusPipeline,
):
    register(_cls)
BUILTIN = dict(POLICY_TYPES)  # what a fresh process knows


def from_spec(spec: dict, scenario=None) -> Policy:
    """Build a policy from a ``[[policies]]`` table; errors name the file and key."""
    where = f"{getattr(scenario, 'path', None) or '<scenario>'}: [[policies]]"
    cls = lookup(spec.get("type"), f"{where}.type")
    if cls is None:
        raise ValueError(
            f"{where}.type: unknown policy {spec.get('type')!r}; known: "
            f'{", ".join(sorted(POLICY_TYPES))}, or "package.module:Class" for a Policy subclass'
        )
    return cls(spec, scenario)
