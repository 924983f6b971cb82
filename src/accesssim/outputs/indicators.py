"""Output indicators: one registry, one summary across seeds, one policy − baseline difference.

Every figure that run, compare, sweep, summarize, the plots and the reports print is an
``Indicator`` here: what column of the yearly EPCI table (``model/ledger.py``) it reads, how it
reduces over EPCIs (a sum, a population-weighted mean, or a ratio of sums), its label, unit,
format and which direction is better. ``DIFFERENCES`` are the policy − baseline measures of a
comparison (same seed: common random numbers). ``interval`` is the only median-and-band
summary across seeds, and ``cost_per_avoided`` the only euros per avoided consultation.

A new indicator is one ``register(Indicator(...))`` (or one entry in ``INDICATORS``); with
``compare="last"`` (or ``"horizon"``) its change against the baseline also appears in compare
and sweep summaries.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

from accesssim.outputs import ledger

SYNTHETIC_NOTE = (
    "All figures are modelled by accesssim on the embedded territory: GP supply spread from "
    "département head-counts, road times from a proxy, behaviour parameters partly assumed "
    "(see parameters.py and docs/ODD.md). They are not observations."
)


@dataclass(frozen=True)
class Indicator:
    """One output figure over a set of EPCI-year rows.

    ``reduce``: ``"sum"`` of ``column``; ``"mean"``, the population-weighted mean of
    ``column``; ``"ratio"``, sum of ``column`` / sum of ``denominator`` (each may be a tuple of
    columns added up). ``scale`` multiplies the result. ``table`` is ``"yearly"`` (EPCI rows)
    or ``"policy"`` (policy rows: cost, dose). ``better``: ``"lower"``, ``"higher"`` or ``""``.
    """

    name: str
    label: str
    unit: str
    fmt: str
    column: str | tuple[str, ...]
    reduce: str = "sum"
    denominator: str | tuple[str, ...] | None = None
    scale: float = 1.0
    better: str = ""
    table: str = "yearly"
    summary: bool = True  # shown in the run summary table
    horizon: bool = False  # a flow: also summed over the whole horizon (sums only)
    compare: str | None = None  # "last" or "horizon": add a policy − baseline change

    def __post_init__(self):
        if self.reduce not in ("sum", "mean", "ratio"):
            raise ValueError(f"indicator {self.name}: reduce must be sum, mean or ratio")
        if self.reduce == "ratio" and self.denominator is None:
            raise ValueError(f"indicator {self.name}: a ratio needs a denominator")
        if self.better not in ("lower", "higher", ""):
            raise ValueError(f"indicator {self.name}: better must be 'lower', 'higher' or ''")
        if self.compare not in (None, "last", "horizon"):
            raise ValueError(f"indicator {self.name}: compare must be 'last' or 'horizon'")
        if self.horizon and self.reduce != "sum":
            raise ValueError(f"indicator {self.name}: only sums have a horizon total")
        if self.compare == "horizon" and not self.horizon:
            raise ValueError(f"indicator {self.name}: compare='horizon' needs horizon=True")

    def columns(self) -> tuple[str, ...]:
        cols = _cols(self.column)
        if self.reduce == "ratio":
            cols += _cols(self.denominator)
        if self.reduce == "mean":
            cols += ("population",)
        return cols

    def value(self, rows: Iterable[dict]) -> float:
        """The indicator over ``rows`` (NaN when its denominator is zero)."""
        rows = list(rows)
        num = sum(_get(r, self.column) for r in rows)
        if self.reduce == "sum":
            return float(num) * self.scale
        if self.reduce == "mean":
            num = sum(_get(r, self.column) * r["population"] for r in rows)
            den = sum(r["population"] for r in rows)
        else:
            den = sum(_get(r, self.denominator) for r in rows)
        return float(num / den) * self.scale if den > 0 else float("nan")

    def format(self, v: float) -> str:
        text = self.fmt.format(v) if np.isfinite(v) else "n/a"
        return text[1:] if text.startswith("-") and not text.strip("-0.,%") else text  # no "-0"


def _cols(c) -> tuple[str, ...]:
    return (c,) if isinstance(c, str) else tuple(c)


def _get(row: dict, column) -> float:
    return sum(row[c] for c in _cols(column))


INDICATORS: dict[str, Indicator] = {}

# the one definition of "priority EPCIs" in run, compare and sweep outputs (ledger.py's
# ``priority_confirmed`` column); policies may target another list (their own dose)
PRIORITY_LABEL = "priority EPCIs = the 58 confirmed on the ministry's June 2025 list"
# metropolitan and overseas EPCIs apart as well: the 9 overseas priority EPCIs would
# otherwise set the priority averages (issue 19)
PRIORITY_GROUPS: dict[str, Callable[[dict], bool]] = {
    "priority": lambda r: bool(r["priority_confirmed"]),
    "other": lambda r: not r["priority_confirmed"],
    "priority_metropolitan": lambda r: bool(r["priority_confirmed"]) and not r.get("overseas"),
    "priority_overseas": lambda r: bool(r["priority_confirmed"]) and bool(r.get("overseas")),
    "other_metropolitan": lambda r: not r["priority_confirmed"] and not r.get("overseas"),
}


def register(ind: Indicator) -> Indicator:
    """Add (or replace) an indicator; it is then computed, summarised and compared."""
    INDICATORS[ind.name] = ind
    return ind


for _ind in (
    Indicator(
        "renoncement_rate",
        "forgone / needed consultations",
        "share",
        "{:.2%}",
        "forgone",
        "ratio",
        "needed",
        better="lower",
    ),
    Indicator(
        "share_people_forwent",
        "people who forwent care at least once",
        "share of people",
        "{:.2%}",
        "people_forwent",
        "ratio",
        "population",
        better="lower",
    ),
    Indicator(
        "forgone",
        "forgone consultations",
        "consultations",
        "{:,.0f}",
        "forgone",
        better="lower",
        horizon=True,
    ),
    Indicator(
        "ed_visits",
        "GP-treatable ED visits",
        "visits",
        "{:,.0f}",
        "ed_visits",
        better="lower",
        horizon=True,
    ),
    Indicator(
        "ed_per_1000",
        "  per 1,000 inhabitants",
        "visits per 1,000",
        "{:.1f}",
        "ed_visits",
        "ratio",
        "population",
        scale=1000.0,
        better="lower",
    ),
    # GP-treatable ED visits by cause (weekly.ED_CAUSES; docs/ODD.md §3)
    Indicator(
        "ed_no_mt",
        "  ED visits from new need, no médecin traitant",
        "visits",
        "{:,.0f}",
        "ed_no_mt",
        better="lower",
        horizon=True,
        compare="horizon",
    ),
    Indicator(
        "ed_waiting",
        "  ED visits from requests waiting for a GP",
        "visits",
        "{:,.0f}",
        "ed_waiting",
        better="lower",
        horizon=True,
        compare="horizon",
    ),
    Indicator(
        "ed_other",
        "  ED visits from new need, with a médecin traitant",
        "visits",
        "{:,.0f}",
        "ed_other",
        better="lower",
        horizon=True,
        compare="horizon",
    ),
    Indicator(
        "mean_wait_weeks",
        "waiting for a GP (weeks, Little's law)",
        "weeks",
        "{:.3f}",
        "mean_wait_weeks",
        "mean",
        better="lower",
    ),
    Indicator(  # 7 days × 52 weeks × mean backlog ÷ consultations served a year
        "delay_days",
        "appointment delay (days, backlog ÷ served)",
        "days",
        "{:.2f}",
        "mean_backlog",
        "ratio",
        ("in_person", "tele"),
        scale=364.0,
        better="lower",
        compare="last",
    ),
    Indicator(
        "share_gps_refusing",
        "GPs refusing new médecin-traitant patients",
        "share of GPs with a list",
        "{:.1%}",
        "gps_refusing",
        "ratio",
        "gps_with_list",
        better="lower",
        compare="last",
    ),
    Indicator(
        "consultations_per_inhabitant",
        "GP consultations per inhabitant",
        "consultations",
        "{:.2f}",
        ("in_person", "tele"),
        "ratio",
        "population",
        better="higher",
    ),
    Indicator(
        "tele_share",
        "teleconsultation share",
        "share",
        "{:.1%}",
        "tele",
        "ratio",
        ("in_person", "tele"),
    ),
    Indicator("apl", "mean APL", "APL", "{:.2f}", "apl", "mean", better="higher"),
    Indicator(
        "share_below_2_5",
        "population under APL 2.5",
        "share of people",
        "{:.1%}",
        "population_below_2_5",
        "ratio",
        "population",
        better="lower",
    ),
    Indicator(
        "share_without_mt",
        "share without médecin traitant (15+)",
        "share of adults",
        "{:.1%}",
        "share_without_mt",
        "mean",
        better="lower",
    ),
    Indicator("gps", "GPs", "GPs", "{:,.0f}", "gps", better="higher"),
    # not in the run summary; read by comparisons
    Indicator(
        "needed",
        "needed consultations",
        "consultations",
        "{:,.0f}",
        "needed",
        summary=False,
        horizon=True,
    ),
    Indicator(
        "population_below_2_5",
        "population under APL 2.5",
        "people",
        "{:,.0f}",
        "population_below_2_5",
        better="lower",
        summary=False,
    ),
    # urgent-care access (PTS2 engagement 4): people more than 30 minutes from an ED or a
    # médecin correspondant du SAMU (the policy mcs adds them)
    Indicator(
        "population_urgent_over_30",
        "population > 30 min from urgent care (ED or MCS)",
        "people",
        "{:,.0f}",
        "population_urgent_over_30",
        better="lower",
        summary=False,
        compare="last",
    ),
    Indicator(
        "share_urgent_over_30",
        "share > 30 min from urgent care (ED or MCS)",
        "share of people",
        "{:.2%}",
        "population_urgent_over_30",
        "ratio",
        "population",
        better="lower",
        summary=False,
    ),
    Indicator(
        "cost_eur",
        "cost",
        "euros",
        "{:,.0f}",
        "cost_eur",
        table="policy",
        better="lower",
        summary=False,
        horizon=True,
    ),
):
    register(_ind)


# ---------------------------------------------------------------------- per seed
def seed_values(
    yearly: list[dict],
    policy: list[dict] = (),
    groups: dict[str, Callable[[dict], bool]] | None = None,
) -> dict[int, dict[str, float]]:
    """Per seed, every indicator: ``last:<name>`` over the last simulated year (and
    ``last:<name>:<group>`` over the rows each of ``groups`` selects), ``horizon:<name>`` over
    every year for summed indicators."""
    if not yearly:
        return {}
    last = max(r["year"] for r in yearly)
    by_seed: dict[int, list[dict]] = {}
    for r in yearly:
        by_seed.setdefault(r["seed"], []).append(r)
    pol_by_seed: dict[int, list[dict]] = {s: [] for s in by_seed}
    for r in policy:
        pol_by_seed.setdefault(r["seed"], []).append(r)
    out: dict[int, dict[str, float]] = {}
    for seed, rows in by_seed.items():
        last_rows = [r for r in rows if r["year"] == last]
        d: dict[str, float] = {}
        for ind in INDICATORS.values():
            if ind.table == "policy":
                prow = pol_by_seed.get(seed, [])
                lr = [r for r in prow if r["year"] == last]
                d[f"last:{ind.name}"] = ind.value(lr) if prow else 0.0
                d[f"horizon:{ind.name}"] = ind.value(prow) if prow else 0.0
                continue
            d[f"last:{ind.name}"] = ind.value(last_rows)
            for g, sel in (groups or {}).items():
                d[f"last:{ind.name}:{g}"] = ind.value(r for r in last_rows if sel(r))
            if ind.horizon:
                d[f"horizon:{ind.name}"] = ind.value(rows)
        d |= ledger.seed_flows(rows, pol_by_seed.get(seed, []))
        out[seed] = d
    return out


# ---------------------------------------------------------------------- summaries
def interval(values, low: float = 5, high: float = 95) -> tuple[float, float, float]:
    """Median and the ``low``-``high`` percentile band of the finite values (0, 100 give the
    range); NaNs when none is finite."""
    v = np.asarray([x for x in values if np.isfinite(x)], float)
    if not len(v):
        return (np.nan, np.nan, np.nan)
    return (
        float(np.median(v)),
        float(np.percentile(v, low)),
        float(np.percentile(v, high)),
    )


def format_interval(ind_fmt: Callable[[float], str], med, lo, hi, style: str = "range") -> str:
    """``med [lo–hi]`` (style ``range``, a bare median if lo == hi) or ``med [lo; hi]``."""
    if style == "range":
        return ind_fmt(med) if lo == hi else f"{ind_fmt(med)} [{ind_fmt(lo)}–{ind_fmt(hi)}]"
    return f"{ind_fmt(med)} [{ind_fmt(lo)}; {ind_fmt(hi)}]"


# ---------------------------------------------------------------------- policy − baseline
@dataclass(frozen=True)
class Difference:
    """A policy − baseline measure per seed: ``sign × scale × (policy − baseline)`` of one
    indicator over the horizon or the last year, optionally in one group of EPCIs
    (``sign = -1`` for "avoided")."""

    name: str
    label: str
    indicator: str
    scope: str = "last"  # "last" or "horizon"
    group: str | None = None
    sign: float = 1.0
    scale: float = 1.0
    fmt: str = "{:+,.0f}"

    @property
    def key(self) -> str:
        return f"{self.scope}:{self.indicator}" + (f":{self.group}" if self.group else "")

    def of(self, base: dict, pol: dict) -> float:
        b, p = base.get(self.key, np.nan), pol.get(self.key, np.nan)
        return float(self.sign * self.scale * (p - b)) + 0.0  # + 0.0: no negative zero

    def format(self, v: float) -> str:
        text = self.fmt.format(v) if np.isfinite(v) else "n/a"
        return text[1:] if text.startswith("-") and not text.strip("-0.,%") else text  # no "-0"


CURATED_DIFFERENCES = (
    Difference(
        "forgone_avoided",
        "forgone consultations avoided (whole horizon)",
        "forgone",
        "horizon",
        sign=-1,
    ),
    Difference("ed_avoided", "ED visits avoided (whole horizon)", "ed_visits", "horizon", sign=-1),
    Difference(
        "renoncement_change_priority_pp",
        "change in forgone/needed, priority EPCIs (points)",
        "renoncement_rate",
        group="priority",
        scale=100,
        fmt="{:+.3f}",
    ),
    Difference(
        "renoncement_change_priority_metropolitan_pp",
        "  of which metropolitan priority EPCIs (points)",
        "renoncement_rate",
        group="priority_metropolitan",
        scale=100,
        fmt="{:+.3f}",
    ),
    Difference(
        "renoncement_change_priority_overseas_pp",
        "  of which overseas priority EPCIs (points)",
        "renoncement_rate",
        group="priority_overseas",
        scale=100,
        fmt="{:+.3f}",
    ),
    Difference(
        "renoncement_change_other_pp",
        "change in forgone/needed, other EPCIs (points)",
        "renoncement_rate",
        group="other",
        scale=100,
        fmt="{:+.3f}",
    ),
    Difference("apl_change", "change in mean APL (last year)", "apl", fmt="{:+.3f}"),
    Difference(
        "below_2_5_change",
        "change in population under APL 2.5 (last year)",
        "population_below_2_5",
    ),
    Difference(
        "cost_eur",
        "programme cost (euros, whole horizon, undiscounted)",
        "cost_eur",
        "horizon",
        fmt="{:,.0f}",
    ),
)
COST_PER_AVOIDED = (
    "eur_per_forgone_avoided",
    "public euros per forgone consultation avoided (payers' ledger, discounted)",
)
COST_PER_ED_AVOIDED = (
    "eur_per_ed_avoided",
    "public euros per GP-treatable ED visit avoided (payers' ledger, discounted)",
)


def differences() -> list[Difference]:
    """The curated differences, then a change for each indicator registered with ``compare``."""
    out = list(CURATED_DIFFERENCES)
    for ind in INDICATORS.values():
        if ind.compare:
            out.append(
                Difference(
                    f"{ind.name}_change",
                    f"change in {ind.label.strip()} ({'whole horizon' if ind.compare == 'horizon' else 'last year'})",  # noqa: E501
                    ind.name,
                    ind.compare,
                    # counts keep whole numbers (no 1.2e+04); other units 4 significant digits
                    fmt="{:+,.0f}" if ind.fmt.endswith(".0f}") else "{:+,.4g}",
                )
            )
    return out


def seed_differences(base: dict, pol: dict) -> dict[str, float]:
    """Every difference for one seed (values from ``seed_values``), and the payers' ledger of
    the policy in that seed (``ledger.from_values``: net cost by payer and item, discounted
    effects, euros per avoided)."""
    out = {d.name: d.of(base, pol) for d in differences()}
    if "ledger:forgone" in base:
        out |= ledger.from_values(base, pol)
    return out


def cost_per_avoided(costs, avoided) -> tuple[float, float, float]:
    """Euros per avoided event, median and 90 % interval across seeds of each seed's ratio
    (``ledger.cost_effectiveness``): given only when the avoided events are clearly positive
    (their 5th percentile above 0); NaNs otherwise (never a ratio to a small or negative
    denominator). A negative ratio is a saving per avoided event. Compare, sweeps and
    sensitivity pass the ledger's public net cost and discounted effects."""
    costs, avoided = np.asarray(costs, float), np.asarray(avoided, float)
    ok = np.isfinite(costs) & np.isfinite(avoided)
    if not ok.any() or interval(avoided[ok])[1] <= 0:
        return (np.nan, np.nan, np.nan)
    ratios = [ledger.cost_effectiveness(c, a) for c, a in zip(costs[ok], avoided[ok], strict=True)]
    return interval(ratios)


def cost_per_avoided_of(rows: list[dict]) -> dict[str, tuple[float, float, float]]:
    """Both ratios of the payers' ledger across seeds, from per-seed difference rows."""
    return {
        COST_PER_AVOIDED[0]: cost_per_avoided(
            [r["public_cost_eur"] for r in rows], [r["forgone_avoided_discounted"] for r in rows]
        ),
        COST_PER_ED_AVOIDED[0]: cost_per_avoided(
            [r["public_cost_eur"] for r in rows], [r["ed_avoided_discounted"] for r in rows]
        ),
    }


def eur_per_avoided_run(cost: float, avoided: float, baseline: float) -> float | None:
    """Euros per forgone consultation avoided in one run (the dashboard's single seed): only
    when the effect is clearly positive (at least 10 consultations and 0.1 % of the
    baseline's forgone consultations) and the cost positive; None otherwise."""
    clear = avoided >= max(10.0, 1e-3 * baseline)
    return float(cost) / float(avoided) if clear and cost > 0 else None


def cost_per_avoided_percentiles(costs, avoided, qs=(5, 25, 50, 75, 95)) -> dict[str, float]:
    """Euros per forgone consultation avoided across parameter draws (``compare
    --uncertainty``): percentiles over the draws that avoid some (a ratio to a non-positive
    denominator has no meaning) and the share of draws that avoid none."""
    costs, avoided = np.asarray(costs, float), np.asarray(avoided, float)
    ratio = np.array(
        [ledger.cost_effectiveness(c, a) for c, a in zip(costs, avoided, strict=True)], float
    )
    fin = ratio[np.isfinite(ratio)]
    return {
        "share_not_avoiding": float(np.mean(avoided <= 0)) if len(avoided) else float("nan"),
        **{f"p{q:02d}": float(np.percentile(fin, q)) if len(fin) else float("nan") for q in qs},
    }


# ---------------------------------------------------------------------- uncertainty labels
INTERVAL_LABELS = {
    "seeds": "90 % interval across seeds only (stochastic noise; parameters at their defaults)",
    "parameters+seeds": "90 % interval across parameter sets × seeds (parameter uncertainty "
    "over the ranges of parameters.PARAMETERS and stochastic noise together)",
}


def probability_beats(a, b) -> float:
    """Share of paired draws (same parameter set and seed) where ``a`` exceeds ``b``, ties
    counted half: the probability that one policy avoids more than another."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    ok = np.isfinite(a) & np.isfinite(b)
    if not ok.any():
        return float("nan")
    return float(np.mean((a[ok] > b[ok]) + 0.5 * (a[ok] == b[ok])))
