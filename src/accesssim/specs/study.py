"""Sensitivity files (TOML, ``experiments/``) checked once into a ``Study``.

Why here: like scenario files (``specs.scenario``), a study file is read and checked in one
place, every error naming the file, the key and what is expected (``StudyError``); running it
is ``experiments.sensitivity``. Example::

    [sensitivity]
    name = "morris_cvl"
    baseline = "../scenarios/baseline.toml"
    policies = ["../scenarios/solidarity_2025.toml"]   # optional: policy effects
    methods = ["morris"]               # "morris", "sobol" or both (Sobol on what Morris keeps)
    parameters = "all"                 # every uncertain parameter, or a list of names
    seeds = 1                          # per parameter set, shared by every scenario (CRN)
    outputs = ["renoncement_rate", "forgone_avoided"]
    years = 5                          # optional: override the scenarios' horizon

    [morris]
    r = 10                             # trajectories
    levels = 4

    [sobol]
    n = 64                             # base sample, a power of two
    parameters = "kept"                # those Morris keeps (mu* >= keep × the largest), or a list
    keep = 0.1

    [ranges]                           # optional: another range for a parameter
    forgo_wait_per_week = [0.2, 1.0]

Outputs: an indicator name (``indicators.INDICATORS``: the baseline's last-year value;
``horizon:<name>`` for a horizon total), or a policy − same-seed baseline difference
(``indicators.differences()`` and ``eur_per_forgone_avoided``), analysed for each policy as
``<policy>: <difference>``. The indicators are a higher layer, so ``load`` is given the check
of output names (``experiments.sensitivity.pipeline.load`` passes
``experiments.sensitivity.measures.resolve_outputs``). A sampled value replaces the scenario
file's own ``[parameters]`` value for that parameter.
"""

from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from accesssim.specs import scenario
from accesssim.specs.ranges import parameter_ranges, uncertain
from accesssim.specs.scenario import ScenarioError


class StudyError(ScenarioError):
    """A sensitivity file that cannot be used; the message names the file, the key and what is
    expected. (A ``ScenarioError``, so callers that catch those catch it too.)"""


KEYS = {"name", "description", "baseline", "policies", "methods", "parameters", "seeds"}
KEYS |= {"outputs", "years"}
DEFAULT_OUTPUTS = (
    "renoncement_rate",
    "share_without_mt",
    "forgone_avoided",
    "ed_avoided",
    "eur_per_forgone_avoided",
    "renoncement_change_priority_pp",
)


@dataclass
class Study:
    name: str
    path: Path
    description: str
    baseline: tuple[Path, dict]
    policies: list[tuple[Path, dict]]
    methods: list[str]
    parameter_names: list[str]
    seeds: list[int]
    outputs: list[str]
    morris: dict
    sobol: dict
    range_overrides: dict
    calibration: object
    definition_hash: str
    policy_names: list[str] = field(default_factory=list)


def read_toml(path: Path) -> tuple[bytes, dict]:
    """The file's bytes (for the definition hash) and its TOML."""
    try:
        raw = path.read_bytes()
        return raw, tomllib.loads(raw.decode("utf-8"))
    except OSError as exc:
        raise StudyError(f"{path}: cannot read the file ({exc.strerror})") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise StudyError(f"{path}: not valid TOML ({exc})") from exc


def load(path: str | Path, *, check_outputs: Callable[[list, list, str], object]) -> Study:
    """The study file, checked; raise ``StudyError`` naming the file and key (a scenario file
    it names that is itself wrong raises that file's ``ScenarioError``). ``check_outputs(names,
    policy_names, where)`` raises on an unknown output name (the names are the indicators', a
    higher layer: ``experiments.sensitivity.measures.resolve_outputs``)."""
    path = Path(path)
    where = str(path)
    raw, data = read_toml(path)
    bad = set(data) - {"sensitivity", "morris", "sobol", "ranges"}
    if bad:
        raise StudyError(f"{where}: unknown section(s) {sorted(bad)}")
    head = data.get("sensitivity", {})
    for key in head:
        if key not in KEYS:
            raise StudyError(f"{where}: [sensitivity] unknown key {key!r}")
    name = head.get("name")
    if not isinstance(name, str) or not name:
        raise StudyError(f"{where}: [sensitivity].name: expected a non-empty string")
    hasher = hashlib.sha256(raw)

    def scen(f, key):
        if not isinstance(f, str):
            raise StudyError(f"{where}: [sensitivity].{key}: expected a scenario file path")
        p = (path.parent / f).resolve()
        sc = scenario.load(p)
        _, sdata = read_toml(p)
        if "years" in head:
            sdata.setdefault("scenario", {})["years"] = head["years"]
        hasher.update(p.read_bytes())
        return p, sdata, sc

    bp, bdata, bsc = scen(head.get("baseline"), "baseline")
    if bsc.policies:
        raise StudyError(f"{where}: [sensitivity].baseline: {bp} has policies")
    pols = head.get("policies", [])
    if not isinstance(pols, list):
        raise StudyError(f"{where}: [sensitivity].policies: expected a list of files")
    policies = [scen(f, "policies") for f in pols]
    for p, _, sc in policies:
        if sc.territory != bsc.territory:
            raise StudyError(f"{p}: [territory] differs from the baseline's ({bp})")
    pnames = [sc.name for _, _, sc in policies]
    if len(set(pnames + [bsc.name])) != len(pnames) + 1:
        raise StudyError(f"{where}: scenario names must differ")
    methods = head.get("methods", ["morris"])
    if isinstance(methods, str):
        methods = [methods]
    if not methods or any(m not in ("morris", "sobol") for m in methods):
        raise StudyError(
            f"{where}: [sensitivity].methods: expected some of 'morris', 'sobol', got {methods}"
        )
    names = head.get("parameters", "all")
    if names == "all":
        names = uncertain()
    if not isinstance(names, list) or not names:
        raise StudyError(f'{where}: [sensitivity].parameters: expected "all" or a list')
    overrides = data.get("ranges", {})
    _as_study_error(
        parameter_ranges, list(overrides), bsc.calibration, overrides, f"{where}: [ranges]"
    )
    ranges = _as_study_error(
        parameter_ranges, names, bsc.calibration, overrides, f"{where}: [ranges]"
    )
    del ranges  # checked here, rebuilt where used
    seeds = _as_study_error(
        scenario.parse_seeds, head.get("seeds", 1), f"{where}: [sensitivity].seeds"
    )
    outputs = head.get("outputs", list(DEFAULT_OUTPUTS))
    if not isinstance(outputs, list) or not outputs:
        raise StudyError(f"{where}: [sensitivity].outputs: expected a list of names")
    check_outputs(outputs, pnames, f"{where}: [sensitivity].outputs")
    morris = {"r": 10, "levels": 4, **data.get("morris", {})}
    sobol = {"n": 64, "parameters": "kept", "keep": 0.1, **data.get("sobol", {})}
    for k in morris:
        if k not in ("r", "levels"):
            raise StudyError(f"{where}: [morris] unknown key {k!r}")
    for k in sobol:
        if k not in ("n", "parameters", "keep"):
            raise StudyError(f"{where}: [sobol] unknown key {k!r}")
    if not isinstance(morris["r"], int) or morris["r"] < 2:
        raise StudyError(f"{where}: [morris].r: expected an integer >= 2")
    if not isinstance(morris["levels"], int) or morris["levels"] < 2 or morris["levels"] % 2:
        raise StudyError(f"{where}: [morris].levels: expected an even integer >= 2")
    n = sobol["n"]
    if not isinstance(n, int) or n < 2 or n & (n - 1):
        raise StudyError(
            f"{where}: [sobol].n: {n!r} is not a power of two (Sobol sequences need 2^k, "
            f"e.g. 64 or 128)"
        )
    if "sobol" in methods and "morris" not in methods and sobol["parameters"] == "kept":
        raise StudyError(
            f'{where}: [sobol].parameters = "kept" needs Morris first (methods = '
            '["morris", "sobol"]) or a list of names'
        )
    if isinstance(sobol["parameters"], list):
        _as_study_error(
            parameter_ranges, sobol["parameters"], bsc.calibration, overrides, f"{where}: [sobol]"
        )
    return Study(
        name=name,
        path=path,
        description=head.get("description", ""),
        baseline=(bp, bdata),
        policies=[(p, d) for p, d, _ in policies],
        methods=list(methods),
        parameter_names=list(names),
        seeds=seeds,
        outputs=list(outputs),
        morris=morris,
        sobol=sobol,
        range_overrides=overrides,
        calibration=bsc.calibration,
        definition_hash=hasher.hexdigest(),
        policy_names=pnames,
    )


def _as_study_error(check, *args):
    """``check(*args)``, a ``ScenarioError`` it raises (a parameter range, the seeds: messages
    naming the study file and key) raised as a ``StudyError``."""
    try:
        return check(*args)
    except ScenarioError as exc:
        raise StudyError(str(exc)) from None
