"""Scenario files (TOML): territory selection, horizon, seeds, parameter overrides, policies.

Every error names the file, the key and what is expected. Example::

    [scenario]
    name = "baseline"          # names results/<name>: letters, digits, _ - . (no / or ..)
    start_year = 2025
    years = 5                  # 1 to 50
    seeds = 3                  # or an explicit list: [1, 2, 3]; at most 10,000
    # calibration = "my_fit.json"   # from `accesssim calibrate --write`; "none": table values

    [territory]                # omit for all of France
    region = "Centre-Val de Loire"   # or departement = "18", or epcis = ["241800507"]
                                     # (names match without accents or case)
    buffer_km = 30

    [parameters]               # overrides by name (accesssim.params.parameters)
    ed_without_mt_rr = 2.0

    [[policies]]               # empty for the baseline
    type = "none"
"""

from __future__ import annotations

import collections
import copy
import hashlib
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from accesssim.geo import territory as terr
from accesssim.params import calibration as calfile
from accesssim.params import checks
from accesssim.params.calibration import SHIPPED_CALIBRATION
from accesssim.specs import schema


class ScenarioError(ValueError):
    """A scenario file that cannot be used; the message names the file and the key."""


SECTIONS = {"scenario", "territory", "parameters", "policies"}


def _sirens(v) -> str | None:
    ok = (
        isinstance(v, list)
        and v
        and all(
            (isinstance(s, int) and not isinstance(s, bool) and s > 0) or (isinstance(s, str) and s)
            for s in v
        )
    )
    return None if ok else 'a list of EPCI SIRENs, e.g. ["241800507"]'


def _name_or_code(v) -> str | None:
    return None if v.strip() else "a name or a code (not empty)"


HEAD = schema.Table(
    "scenario",
    {
        "name": schema.Field(str, required=True, check=schema.file_name),
        "description": schema.Field(str, default=""),
        "start_year": schema.Field(int, default=2025, low=2000, high=2100),
        "years": schema.Field(int, default=5, low=1, high=50),
        "seeds": schema.Field(default=1),  # parse_seeds
        "calibration": schema.Field(str),
    },
)
TERRITORY = schema.Table(
    "territory",
    {
        "region": schema.Field(str, check=_name_or_code),
        "departement": schema.Field(str, check=_name_or_code),
        "epcis": schema.Field(list, check=_sirens),
        "buffer_km": schema.Field(float, low=0, default=terr.DEFAULT_BUFFER_KM),
    },
)


LABEL_CODES = 5  # EPCI SIRENs named in a selection's label; more are counted
MAX_SEEDS = 10_000  # seeds of one scenario (each a run); more is a typo, not a study
MAX_SEED = 2**32 - 1  # numpy's SeedSequence entropy of one word


@dataclass(frozen=True)
class TerritorySelection:
    """Which communes a scenario models, parsed once from ``[territory]``: all of France
    (``kind`` None), a région or a département (``codes``: the one name or code written), or
    a list of EPCIs (``codes``: SIRENs), with a buffer around it. Equal selections compare
    equal (compare refuses scenarios whose selections differ)."""

    kind: str | None = None  # "region", "departement", "epcis" or None: all of France
    codes: tuple[str, ...] = ()
    buffer_km: float = terr.DEFAULT_BUFFER_KM

    def __bool__(self) -> bool:
        return self.kind is not None

    @property
    def label(self) -> str:
        """The selection in words, e.g. "region Bretagne (with a 30 km buffer)"; a long list of
        EPCIs is shortened (the label goes into titles)."""
        if not self:
            return "all of France"
        codes = ", ".join(self.codes[:LABEL_CODES])
        if len(self.codes) > LABEL_CODES:
            codes += f", ... ({len(self.codes)} in all)"
        return f"{self.kind} {codes} (with a {self.buffer_km:g} km buffer)"

    def as_table(self) -> dict:
        """The ``[territory]`` table it was read from (for manifests and derived scenarios);
        empty for all of France."""
        if not self:
            return {}
        value = list(self.codes) if self.kind == "epcis" else self.codes[0]
        return {self.kind: value, "buffer_km": self.buffer_km}

    def load(self, base: terr.Territory | None = None) -> terr.Territory:
        """The selected territory (``base``: the loaded whole, default the embedded one)."""
        t = base or terr.load()
        if not self:
            return t
        value = list(self.codes) if self.kind == "epcis" else self.codes[0]
        return t.select(**{self.kind: value}, buffer_km=self.buffer_km)


@dataclass
class Scenario:
    name: str
    path: Path | None
    start_year: int = 2025
    years: int = 5
    seeds: list[int] = field(default_factory=lambda: [1])
    description: str = ""
    territory: TerritorySelection = field(default_factory=TerritorySelection)
    parameters: dict = field(default_factory=dict)
    policies: list[dict] = field(default_factory=list)
    sha256: str = ""
    calibration: Path | None = SHIPPED_CALIBRATION  # None: the table's defaults
    policy_objects: list | None = field(default=None, repr=False, compare=False)

    @property
    def weeks(self) -> int:
        return self.years * 52

    @property
    def territory_label(self) -> str:
        """The selection in words, e.g. "region Bretagne (with a 30 km buffer)"."""
        return self.territory.label

    def load_territory(self, base: terr.Territory | None = None) -> terr.Territory:
        try:
            return self.territory.load(base)
        except terr.TerritoryError as exc:
            raise ScenarioError(f"{self.path}: [territory] {exc}") from exc

    def as_tables(self) -> dict:
        """The scenario as the tables a scenario file would hold (a scenario built in Python
        has no file: reruns and the optimiser's stage 2 rebuild it from these)."""
        head = {"name": self.name, "start_year": self.start_year, "years": self.years,
                "seeds": list(self.seeds)}  # fmt: skip
        if self.calibration is None:
            head["calibration"] = "none"
        elif Path(self.calibration) != Path(SHIPPED_CALIBRATION):
            head["calibration"] = str(Path(self.calibration).resolve())
        return {
            "scenario": head,
            "territory": self.territory.as_table(),
            "parameters": dict(self.parameters),
            "policies": [dict(p) for p in self.policies],
        }

    def variant(self, parameters: dict | None = None, policies: list | None = None) -> Scenario:
        """This scenario with other parameters or policies, parsed and validated again."""
        tables = self.as_tables()
        if parameters is not None:
            tables["parameters"] = dict(parameters)
        if policies is not None:
            tables["policies"] = [dict(p) for p in policies]
        return from_dict(tables)

    def build_policies(self):
        """Fresh policy objects for one run (a policy keeps its run's state), copied from
        those parsed and validated once when the scenario was read."""
        if self.policy_objects is None or len(self.policy_objects) != len(self.policies):
            from accesssim.policies import registry

            self.policy_objects = [registry.from_spec(spec, self) for spec in self.policies]
        return [copy.deepcopy(p) for p in self.policy_objects]


def parse_seeds(raw, where: str) -> list[int]:
    """A seed count N (seeds 1..N, N <= ``MAX_SEEDS``) or an explicit list of at most
    ``MAX_SEEDS`` distinct integers from 0 to ``MAX_SEED``."""
    if isinstance(raw, int) and not isinstance(raw, bool):
        if raw < 1:
            raise ScenarioError(f"{where}: expected at least 1, got {raw}")
        if raw > MAX_SEEDS:
            raise ScenarioError(
                f"{where}: expected at most {MAX_SEEDS:,} seeds (each seed is a run), got {raw:,}"
            )
        return list(range(1, raw + 1))
    if (
        isinstance(raw, list)
        and raw
        and all(isinstance(s, int) and not isinstance(s, bool) and 0 <= s <= MAX_SEED for s in raw)
    ):
        if len(raw) > MAX_SEEDS:
            raise ScenarioError(
                f"{where}: expected at most {MAX_SEEDS:,} seeds (each seed is a run), "
                f"got {len(raw):,}"
            )
        counts = collections.Counter(raw)
        dup = sorted(s for s, n in counts.items() if n > 1)
        if dup:
            raise ScenarioError(f"{where}: duplicate seeds {schema.shown(dup)}")
        return list(raw)
    raise ScenarioError(
        f"{where}: expected a count or a list of integers from 0 to {MAX_SEED}, "
        f"got {schema.shown(raw)}"
    )


def _epcis(raw: list, where: str) -> list[str]:
    """SIRENs as strings (integers, ``epcis = [241800507]``, accepted), each once (duplicates
    dropped with a warning), no more than France has EPCIs."""
    sirens = [f"{s:09d}" if isinstance(s, int) else s for s in raw]
    unique = list(dict.fromkeys(sirens))
    n_france = len(terr.load().epcis)
    if len(unique) > n_france:
        raise ScenarioError(
            f"{where}: expected at most {n_france:,} EPCI SIRENs (France has {n_france:,} "
            f"EPCIs), got {len(unique):,} different ones"
        )
    if len(unique) < len(sirens):
        warnings.warn(
            f"{where}: {len(sirens) - len(unique):,} duplicate SIREN(s) ignored "
            f"({len(unique):,} EPCIs)",
            UserWarning,
            stacklevel=3,
        )
    return unique


def load(path: str | Path, seeds: int | None = None) -> Scenario:
    """Read and validate a scenario file; ``seeds`` overrides the file's seed count."""
    path = Path(path)
    raw_bytes, data = schema.read_toml(path, ScenarioError, "scenario file")
    return from_dict(data, path, raw_bytes, seeds)


def from_dict(data: dict, path=None, raw_bytes: bytes = b"", seeds: int | None = None):
    where = str(path) if path else "<scenario>"
    schema.check_sections(data, SECTIONS, where, ScenarioError)
    if not isinstance(data.get("scenario"), dict) or "name" not in data["scenario"]:
        raise ScenarioError(f'{where}: [scenario] must be a table with at least name = "..."')
    head = schema.check_table(data["scenario"], HEAD, where, ScenarioError)
    years, start = head["years"], head["start_year"]
    seed_list = parse_seeds(head["seeds"] if seeds is None else seeds, f"{where}: [scenario].seeds")
    calibration = calfile.SHIPPED_CALIBRATION
    if "calibration" in head:  # a file written by `accesssim calibrate --write`, or "none"
        raw = head["calibration"]
        calibration = None if raw == "none" else Path(path).parent / raw if path else Path(raw)
        try:
            calfile.load_calibration(calibration)
        except ValueError as exc:
            raise ScenarioError(f"{where}: [scenario].calibration: {exc}") from exc

    territory = schema.check_table(data.get("territory"), TERRITORY, where, ScenarioError)
    if "epcis" in territory:
        territory["epcis"] = _epcis(territory["epcis"], f"{where}: [territory].epcis")
    kinds = [k for k in ("region", "departement", "epcis") if k in territory]
    if len(kinds) > 1:
        raise ScenarioError(f"{where}: [territory] give one of region, departement or epcis")
    selection = TerritorySelection(
        kind=kinds[0] if kinds else None,
        codes=tuple(territory["epcis"]) if "epcis" in kinds else tuple(territory[k] for k in kinds),
        buffer_km=territory["buffer_km"],
    )

    params = data.get("parameters", {})
    if not isinstance(params, dict):
        raise ScenarioError(f"{where}: [parameters] must be a table")
    try:
        params = checks.validate(params, where=f"{where}: [parameters]")
    except ValueError as exc:
        raise ScenarioError(str(exc)) from exc

    policies = data.get("policies", [])
    if not isinstance(policies, list) or not all(isinstance(p, dict) for p in policies):
        raise ScenarioError(f"{where}: [[policies]] must be an array of tables")
    sc = Scenario(
        name=head["name"],
        path=path,
        start_year=start,
        years=years,
        seeds=seed_list,
        description=head["description"],
        territory=selection,
        parameters=params,
        policies=policies,
        sha256=hashlib.sha256(raw_bytes).hexdigest() if raw_bytes else "",
        calibration=calibration,
    )
    try:
        sc.build_policies()  # parses and validates every policy now, before anything runs
    except ValueError as exc:
        raise ScenarioError(str(exc)) from exc
    return sc
