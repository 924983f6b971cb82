"""Budget plan files (TOML) for ``accesssim optimise``: a territory, a budget, the allowed levers
with their unit costs, constraints and an objective, parsed into a typed :class:`Plan`.

Why a file kind of its own: a plan is not a scenario (it names levers and a budget, not a
dose), but it reuses the scenario's ``[territory]`` table and seeds, and every lever's unit
cost and supply per unit are read from the policy's declared ``PARAMS`` (their defaults and
sources), never typed into the plan: a plan may override a policy parameter under
``[levers.parameters]`` exactly as a scenario would, and the same checks apply. Example::

    [plan]
    name = "creuse_france_sante"
    start_year = 2025
    years = 2                     # the horizon: costs and the simulation (stage 2)
    seeds = 2
    objective = "lifted"          # lifted | shortfall | simulated
    threshold = 2.5               # APL threshold, consultations a year per inhabitant
    budget_per_year = 500000.0    # EUR a year (the first year, when one-off costs fall)
    # budget_total = 1000000.0    # EUR over the horizon
    k_best = 3

    [territory]
    departement = "48"

    [[levers]]
    type = "salaried_gps"          # a policy with a declared unit cost (LEVERS)
    unit = "epci"
    max_per_unit = 2
    # parameters = { acts_per_year = 4220.0 }   # policy overrides, checked as in a scenario

    [constraints]
    max_per_epci = 3               # units of all levers together in one EPCI
    solidarity_max_minutes = 60.0  # volunteers within this many minutes of a target
    # juniors = 4                  # the number of docteurs juniors, fixed (placement chosen)

    [simulation]
    uncertainty = 0                # stage 2 also over N parameter sets (compare --uncertainty)
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from accesssim.geo import territory as terr
from accesssim.specs import schema
from accesssim.specs.scenario import (
    TERRITORY,
    ScenarioError,
    TerritorySelection,
    _epcis,
    parse_seeds,
)


class PlanError(ValueError):
    """A plan file that cannot be used; the message names the file and the key."""


@dataclass(frozen=True)
class LeverKind:
    """How a policy becomes an optimiser lever: its unit, the ``PARAMS`` key of its unit cost
    and whether that cost is paid each year or once (when the unit opens), and the supply a
    unit adds in consultations a year: a ``PARAMS`` key times ``supply_factor``, or, for
    ``"site_gps"``, the global parameter ``supply_param`` times the site's GP activity (an MSP
    raises its GPs' activity)."""

    policy: str
    unit: str
    cost_param: str
    cost_basis: str  # "year" or "once"
    supply_param: str
    supply_factor: float = 1.0
    supply_kind: str = "param"  # "param" or "site_gps"
    note: str = ""


LEVERS: dict[str, LeverKind] = {
    k.policy: k
    for k in (
        LeverKind(
            "salaried_gps",
            "salaried GP post",
            "budget_per_post_year",
            "year",
            "acts_per_year",
            note="gross activity of the post; the share filled by GPs who would have "
            "installed anyway (redirected_share) is only in the simulation",
        ),
        LeverKind(
            "france_sante",
            "labelled structure",
            "cost_per_structure",
            "once",
            "extra_consultations_per_structure",
            note="the label's effect on supply has no published figure (status A)",
        ),
        LeverKind(
            "solidarity_days",
            "volunteer day a year",
            "pay_per_day",
            "year",
            "consultations_per_day",
            note="days given at the target; the proxy does not remove them from the "
            "volunteer's home practice (the simulation does, replacement_share)",
        ),
        LeverKind(
            "docteurs_juniors",
            "docteur junior",
            "monthly_cost",
            "year",
            "acts_per_month",
            supply_factor=12.0,
            note="a junior's acts a month x 12; cost a month x 12",
        ),
        LeverKind(
            "msp_rollout",
            "maison de santé",
            "cost_per_msp_year",
            "year",
            "msp_activity_gain",
            supply_kind="site_gps",
            note="the sourced +2 % activity of the site's GPs only; attraction and retention "
            "are only in the simulation",
        ),
    )
}
COST_FACTOR = {"docteurs_juniors": 12.0}  # monthly cost -> a year
OBJECTIVES = ("lifted", "shortfall", "simulated")
MEAN_APL_REFUSED = (
    "the population-weighted mean APL cannot be an objective: in 2SFCA it equals total supply "
    "over total population whatever the placement (supply is conserved), so every plan of the "
    "same supply ties; use 'lifted' (people lifted above the threshold), 'shortfall' "
    "(population-weighted shortfall below it) or 'simulated'"
)


def _objective(v) -> str | None:
    if v in ("mean", "mean_apl", "apl"):
        return MEAN_APL_REFUSED
    return None if v in OBJECTIVES else "one of " + ", ".join(repr(o) for o in OBJECTIVES)


HEAD = schema.Table(
    "plan",
    {
        "name": schema.Field(str, required=True, check=schema.file_name),
        "description": schema.Field(str, default=""),
        "start_year": schema.Field(int, default=2025, low=2000, high=2100),
        "years": schema.Field(int, default=2, low=1, high=50),
        "seeds": schema.Field(default=2),
        "objective": schema.Field(str, default="lifted", check=_objective),
        "threshold": schema.Field(float, default=2.5, low=0, high=50),
        "budget_per_year": schema.Field(float, low=0, expected="a number of euros >= 0"),
        "budget_total": schema.Field(float, low=0, expected="a number of euros >= 0"),
        "k_best": schema.Field(int, default=3, low=1, high=50),
        "random_baseline_seed": schema.Field(int, default=1, low=0),
    },
)
LEVER = schema.Table(
    "levers",
    {
        "type": schema.Field(str, required=True),
        "unit": schema.Field(str, default="epci", choices=("epci",)),
        "max_per_unit": schema.Field(int, default=1, low=0, high=10_000),
        "epcis": schema.Field(list, check=schema.non_empty_list(str, "a list of EPCI SIRENs")),
        "parameters": schema.Field(dict, default={}),
    },
)
CONSTRAINTS = schema.Table(
    "constraints",
    {
        "max_per_epci": schema.Field(int, low=0, high=10_000),
        "solidarity_max_minutes": schema.Field(float, default=60.0, low=1, high=240),
        "juniors": schema.Field(int, low=0, high=100_000),
    },
)


def _sets(v) -> str | None:
    return None if v == 0 or v >= 2 else "0 (seeds only) or a number of parameter sets >= 2"


SIMULATION = schema.Table(
    "simulation",
    {"uncertainty": schema.Field(int, default=0, low=0, high=10_000, check=_sets)},
)
SECTIONS = {"plan", "territory", "levers", "constraints", "simulation"}


@dataclass(frozen=True)
class Lever:
    """One allowed lever: its kind, where it may go (every core EPCI, or ``epcis``), at most
    ``max_per_unit`` units in one EPCI, the policy's values (defaults and overrides), and the
    unit cost (EUR, a year or once) and supply (consultations a year) read from them."""

    kind: LeverKind
    max_per_unit: int
    epcis: tuple[str, ...] | None
    parameters: dict
    values: dict
    unit_cost: float
    unit_supply: float  # consultations a year per unit (per GP activity for "site_gps")

    @property
    def policy(self) -> str:
        return self.kind.policy

    def cost_over(self, years: int) -> float:
        """EUR a unit costs over ``years`` years (opened at the start)."""
        return self.unit_cost * (years if self.kind.cost_basis == "year" else 1)


@dataclass
class Plan:
    name: str
    path: Path | None
    territory: TerritorySelection
    levers: list[Lever]
    start_year: int = 2025
    years: int = 2
    seeds: list[int] = field(default_factory=lambda: [1, 2])
    objective: str = "lifted"
    threshold: float = 2.5
    budget_per_year: float | None = None
    budget_total: float | None = None
    k_best: int = 3
    max_per_epci: int | None = None
    solidarity_max_minutes: float = 60.0
    juniors: int | None = None
    random_baseline_seed: int = 1
    uncertainty: int = 0  # stage 2: parameter sets (the calibration's draws and the ranges)
    description: str = ""
    sha256: str = ""

    @property
    def where(self) -> str:
        return str(self.path) if self.path else "<plan>"


def _lever(raw, i: int, where: str, years: int) -> Lever:
    at = f"{where}: [[levers]] #{i + 1}"
    if not isinstance(raw, dict):
        raise PlanError(f"{at}: must be a table")
    t = schema.check_table(raw, LEVER, f"{where} (lever #{i + 1})", PlanError)
    kind = t["type"]
    from accesssim.policies import registry

    cls = registry.lookup(kind, f"{at}.type") if ":" not in kind else None
    if cls is None:
        raise PlanError(f"{at}.type: unknown lever {kind!r}; levers: {', '.join(sorted(LEVERS))}")
    if kind not in LEVERS:
        raise PlanError(
            f"{at}.type: policy {kind!r} has no declared unit cost and supply per unit the "
            f"optimiser can use (a lever without a cost); levers: {', '.join(sorted(LEVERS))}"
        )
    lk = LEVERS[kind]
    params = t["parameters"]
    if "type" in params:
        raise PlanError(f"{at}.parameters.type: the lever's type is set by [[levers]].type")

    class _Where:
        path = f"{where} [[levers]] #{i + 1}.parameters"

    _Where.years, _Where.start_year, _Where.weeks = years, 2025, years * 52
    try:
        # values only: the optimiser's units act from the plan's start (stage 2 starts them
        # there), so a policy's later default start (docteurs juniors, Nov. 2026) is not checked
        policy = cls({"type": kind, "start": 0, **params}, _Where())
    except ValueError as exc:
        raise PlanError(str(exc)) from exc
    values = {k: getattr(policy.v, k) for k in policy.PARAMS}
    if lk.supply_kind == "site_gps":
        from accesssim.params import parameters as pt

        supply = float(pt.PARAMETERS[lk.supply_param].default)
    else:
        supply = float(values[lk.supply_param]) * lk.supply_factor
    cost = float(values[lk.cost_param]) * COST_FACTOR.get(kind, 1.0)
    if not cost > 0:
        raise PlanError(
            f"{at}.parameters.{lk.cost_param}: a lever without a cost (0 EUR) cannot be "
            "budgeted; expected a unit cost > 0"
        )
    if not supply > 0:
        raise PlanError(
            f"{at}.parameters.{lk.supply_param}: the lever adds no supply (0); the proxy "
            "cannot place it"
        )
    epcis = tuple(_epcis(t["epcis"], f"{at}.epcis")) if "epcis" in t else None
    return Lever(lk, t["max_per_unit"], epcis, params, values, cost, supply)


def load(path: str | Path, check_territory: bool = True) -> Plan:
    """Read and validate a plan file; with ``check_territory`` the territory is loaded once so
    that an unknown région, département or EPCI is refused here, naming the key."""
    path = Path(path)
    raw_bytes, data = schema.read_toml(path, PlanError, "plan file")
    return from_dict(data, path, raw_bytes, check_territory)


def from_dict(data: dict, path=None, raw_bytes: bytes = b"", check_territory: bool = True) -> Plan:
    where = str(path) if path else "<plan>"
    schema.check_sections(data, SECTIONS, where, PlanError)
    if not isinstance(data.get("plan"), dict) or "name" not in data["plan"]:
        raise PlanError(f'{where}: [plan] must be a table with at least name = "..."')
    head = schema.check_table(data["plan"], HEAD, where, PlanError)
    if "budget_per_year" not in head and "budget_total" not in head:
        raise PlanError(
            f"{where}: [plan].budget_per_year or [plan].budget_total is missing; expected a "
            "number of euros >= 0"
        )
    try:
        seeds = parse_seeds(head["seeds"], f"{where}: [plan].seeds")
        territory = schema.check_table(data.get("territory"), TERRITORY, where, PlanError)
        if "epcis" in territory:
            territory["epcis"] = _epcis(territory["epcis"], f"{where}: [territory].epcis")
    except ScenarioError as exc:
        raise PlanError(str(exc)) from exc
    kinds = [k for k in ("region", "departement", "epcis") if k in territory]
    if len(kinds) > 1:
        raise PlanError(f"{where}: [territory] give one of region, departement or epcis")
    selection = TerritorySelection(
        kind=kinds[0] if kinds else None,
        codes=tuple(territory["epcis"]) if "epcis" in kinds else tuple(territory[k] for k in kinds),
        buffer_km=territory["buffer_km"],
    )
    if check_territory:
        try:
            selection.load()
        except terr.TerritoryError as exc:
            key = f".{kinds[0]}" if kinds else ""
            raise PlanError(f"{where}: [territory]{key}: {exc}") from exc
    raw_levers = data.get("levers")
    if not isinstance(raw_levers, list) or not raw_levers:
        raise PlanError(f"{where}: [[levers]] is missing; expected at least one lever table")
    levers = [_lever(r, i, where, head["years"]) for i, r in enumerate(raw_levers)]
    dup = sorted({lv.policy for lv in levers if sum(x.policy == lv.policy for x in levers) > 1})
    if dup:
        raise PlanError(f"{where}: [[levers]].type: each lever once, got {dup} more than once")
    cons = schema.check_table(data.get("constraints"), CONSTRAINTS, where, PlanError)
    sim = schema.check_table(data.get("simulation"), SIMULATION, where, PlanError)
    if "juniors" in cons and "docteurs_juniors" not in {lv.policy for lv in levers}:
        raise PlanError(
            f"{where}: [constraints].juniors: fixes the number of docteurs juniors, but no "
            '[[levers]] has type = "docteurs_juniors"'
        )
    return Plan(
        name=head["name"],
        path=Path(path) if path else None,
        territory=selection,
        levers=levers,
        start_year=head["start_year"],
        years=head["years"],
        seeds=seeds,
        objective=head["objective"],
        threshold=head["threshold"],
        budget_per_year=head.get("budget_per_year"),
        budget_total=head.get("budget_total"),
        k_best=head["k_best"],
        max_per_epci=cons.get("max_per_epci"),
        solidarity_max_minutes=cons["solidarity_max_minutes"],
        juniors=cons.get("juniors"),
        random_baseline_seed=head["random_baseline_seed"],
        uncertainty=sim["uncertainty"],
        description=head["description"],
        sha256=hashlib.sha256(raw_bytes).hexdigest() if raw_bytes else "",
    )
