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

import copy
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from accesssim.specs import scenario, schema
from accesssim.specs.ranges import parameter_ranges, uncertain
from accesssim.specs.scenario import ScenarioError


class StudyError(ScenarioError):
    """A sensitivity file that cannot be used; the message names the file, the key and what is
    expected. (A ``ScenarioError``, so callers that catch those catch it too.)"""


def _methods(v) -> str | None:
    ok = isinstance(v, list) and v and all(m in ("morris", "sobol") for m in v)
    return None if ok else "some of 'morris', 'sobol'"


def _power_of_two(n) -> str | None:
    if n & (n - 1):
        return "a power of two (Sobol sequences need 2^k, e.g. 64 or 128)"
    return None


HEAD = schema.Table(
    "sensitivity",
    {
        "name": schema.Field(str, required=True, check=schema.file_name),
        "description": schema.Field(str, default=""),
        "baseline": schema.Field(str, required=True, expected="a scenario file path"),
        "policies": schema.Field(list, default=[], expected="a list of files"),
        "methods": schema.Field(default=["morris"]),
        "parameters": schema.Field(default="all"),
        "seeds": schema.Field(default=1),
        "outputs": schema.Field(
            list,
            check=schema.non_empty_list(str, "a list of names"),
            expected="a list of names",
        ),
        "years": schema.Field(int, low=1, high=50),
    },
)
MORRIS = schema.Table(
    "morris",
    {
        "r": schema.Field(int, low=2, default=10),
        "levels": schema.Field(
            int, low=2, default=4, check=lambda v: "an even integer >= 2" if v % 2 else None
        ),
    },
)
SOBOL = schema.Table(
    "sobol",
    {
        "n": schema.Field(int, low=2, default=64, check=_power_of_two),
        "parameters": schema.Field(default="kept"),
        "keep": schema.Field(float, low=0, high=1, default=0.1),
    },
)
KEYS = set(HEAD.fields)
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
    return schema.read_toml(path, StudyError)


def load(path: str | Path, *, check_outputs: Callable[[list, list, str], object]) -> Study:
    """The study file, checked; raise ``StudyError`` naming the file and key (a scenario file
    it names that is itself wrong raises that file's ``ScenarioError``). ``check_outputs(names,
    policy_names, where)`` raises on an unknown output name (the names are the indicators', a
    higher layer: ``experiments.sensitivity.measures.resolve_outputs``)."""
    path = Path(path)
    where = str(path)
    raw, data = read_toml(path)
    schema.check_sections(data, {"sensitivity", "morris", "sobol", "ranges"}, where, StudyError)
    head = schema.check_table(data.get("sensitivity"), HEAD, where, StudyError)
    name = head["name"]
    hasher = hashlib.sha256(raw)

    def scen(f, key):
        if not isinstance(f, str):
            raise StudyError(f"{where}: [sensitivity].{key}: expected a scenario file path")
        p = (path.parent / f).resolve()
        raw_s, sdata = schema.read_toml(p, ScenarioError, "scenario file")  # read once
        sc = scenario.from_dict(copy.deepcopy(sdata), p, raw_s)  # errors name that file
        if "years" in head:
            sdata.setdefault("scenario", {})["years"] = head["years"]
        hasher.update(raw_s)
        return p, sdata, sc

    bp, bdata, bsc = scen(head.get("baseline"), "baseline")
    if bsc.policies:
        raise StudyError(f"{where}: [sensitivity].baseline: {bp} has policies")
    policies = [scen(f, "policies") for f in head["policies"]]
    for p, _, sc in policies:
        if sc.territory != bsc.territory:
            raise StudyError(f"{p}: [territory] differs from the baseline's ({bp})")
    pnames = [sc.name for _, _, sc in policies]
    if len(set(pnames + [bsc.name])) != len(pnames) + 1:
        raise StudyError(f"{where}: scenario names must differ")
    methods = head["methods"]
    if isinstance(methods, str):
        methods = [methods]
    schema.check_value(
        schema.Field(check=_methods), methods, f"{where}: [sensitivity].methods", StudyError
    )
    names = head["parameters"]
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
    seeds = _as_study_error(scenario.parse_seeds, head["seeds"], f"{where}: [sensitivity].seeds")
    outputs = head.get("outputs", list(DEFAULT_OUTPUTS))
    check_outputs(outputs, pnames, f"{where}: [sensitivity].outputs")
    morris = schema.check_table(data.get("morris"), MORRIS, where, StudyError)
    sobol = schema.check_table(data.get("sobol"), SOBOL, where, StudyError)
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
        description=head["description"],
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
