"""The registry of policy classes by ``kind``: what scenario files, compare, sweeps and the
dashboard look up. Importing it registers the built-in policies (it imports their modules);
a class of one's own is registered from Python or named as ``"package.module:Class"``, and a
sweep's workers import the parent's registered classes again by that path.

Safe by default: importing a module runs its code, so a scenario file's
``type = "package.module:Class"`` is imported only when the user allowed it (``--allow-code``
on the command line, ``trusted=True`` in the API: both enter :func:`code_allowed`). Without
that, a path is accepted only when it names a class already registered in this process (a
built-in one, one registered from Python, or one loaded earlier with permission), and is
refused before anything is imported. A sweep's workers import the classes the parent had
registered (``registered_paths`` / ``ensure_registered``): those paths come from the parent's
registrations, not from a file, so they need no permission.
"""

from __future__ import annotations

import contextlib
import contextvars

from accesssim.policies.base import NullPolicy, Policy
from accesssim.policies.ephemeral import EphemeralPractices
from accesssim.policies.france_sante import FranceSante
from accesssim.policies.juniors import DocteursJuniors
from accesssim.policies.mcs import MedecinsCorrespondants
from accesssim.policies.msp import MspRollout
from accesssim.policies.regulation import InstallationRegulation
from accesssim.policies.solidarity import SolidarityDays
from accesssim.policies.telemedicine import Telemedicine
from accesssim.policies.unscheduled import UnscheduledCare

POLICY_TYPES: dict[str, type[Policy]] = {}
ALIASES: dict[str, type[Policy]] = {}  # "module:Class" as a file wrote it -> class, when that
# is not the class's own import path (a class re-exported by a package)

_CODE_ALLOWED = contextvars.ContextVar("accesssim_code_allowed", default=False)
_PROCESS_ALLOWED = False  # the dashboard's server child, started with --allow-code

ALLOW_HINT = (
    "pass --allow-code (accesssim run, compare, sweep, sensitivity, dashboard) or "
    "trusted=True (accesssim.run, accesssim.compare, accesssim.load_scenario) if you trust "
    "this file, or register the class in Python (accesssim.register_policy) and name it by "
    "its kind"
)


class CodeNotAllowed(ValueError):
    """A scenario names a Python class to import and the user did not allow it."""


@contextlib.contextmanager
def code_allowed(allow: bool = True):
    """Within the block (this thread or task), scenario files may name ``"module:Class"``
    policies that are then imported (``allow=False``: leave the current permission)."""
    token = _CODE_ALLOWED.set(True) if allow else None
    try:
        yield
    finally:
        if token is not None:
            _CODE_ALLOWED.reset(token)


def allow_code_in_process() -> None:
    """Allow ``"module:Class"`` policies in every thread of this process for good (the
    dashboard's server child, whose parent was started with ``--allow-code``)."""
    global _PROCESS_ALLOWED
    _PROCESS_ALLOWED = True


def is_code_allowed() -> bool:
    return _PROCESS_ALLOWED or _CODE_ALLOWED.get()


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


def known_path(path: str) -> type[Policy] | None:
    """The registered class that ``"module:Class"`` names, if any (no import)."""
    for cls in POLICY_TYPES.values():
        if import_path(cls) == path or ALIASES.get(path) is cls:
            return cls
    return None


def load_class(path: str, where: str = "<scenario>", trusted: bool = False) -> type[Policy]:
    """The ``Policy`` subclass at ``"package.module:Class"`` (a scenario's ``type``), imported
    and registered; errors name ``where``. Unless ``trusted`` or within ``code_allowed``, a
    path that names no registered class is refused before anything is imported."""
    import importlib

    known = known_path(path)
    if known is not None:
        return known
    if not (trusted or is_code_allowed()):
        raise CodeNotAllowed(
            f"{where}: {path!r} names a Python module to import, and importing it runs its "
            f"code; a scenario may do that only when allowed: {ALLOW_HINT}"
        )
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
    if import_path(obj) != path:
        ALIASES[path] = obj
    return register(obj)


def lookup(kind, where: str = "<scenario>") -> type[Policy] | None:
    """The class of a scenario's ``type``: a registered kind, or ``"module:Class"`` (a
    registered class, or imported on first use when code is allowed: ``load_class``); None
    for an unknown kind."""
    if isinstance(kind, str) and kind not in POLICY_TYPES and ":" in kind:
        return load_class(kind, where)
    return POLICY_TYPES.get(kind)


def registered_paths() -> dict[str, str]:
    """Kind -> import path of every policy registered beyond (or instead of) the built-in ones
    (passed to a sweep's workers, which start with only the built-in ones), and each alias a
    file used (``"package:Class"`` -> the class's import path)."""
    out = {k: import_path(c) for k, c in POLICY_TYPES.items() if BUILTIN.get(k) is not c}
    registered = set(POLICY_TYPES.values())
    return out | {a: import_path(c) for a, c in ALIASES.items() if c in registered}


def ensure_registered(paths: dict[str, str]) -> None:
    """In a worker: import and register the policies the parent had registered. Their paths
    come from the parent's registrations (classes registered in Python, or loaded from a file
    the user allowed to run code), so they are imported without asking again."""
    for kind, path in paths.items():
        if ":" in kind:  # an alias the parent's files used: the same class
            ALIASES[kind] = load_class(path, "sweep worker", trusted=True)
        elif kind not in POLICY_TYPES or import_path(POLICY_TYPES[kind]) != path:
            cls = load_class(path, "sweep worker", trusted=True)
            if cls.kind != kind:
                raise ValueError(f"sweep worker: {path} has kind {cls.kind!r}, not {kind!r}")


for _cls in (
    NullPolicy,
    SolidarityDays,
    MspRollout,
    Telemedicine,
    DocteursJuniors,
    InstallationRegulation,
    UnscheduledCare,
    MedecinsCorrespondants,
    EphemeralPractices,
    FranceSante,
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
