"""Stage 2: every proxy plan and baseline checked in the simulation, as scenarios with the
chosen policies placed where the plan puts them, compared with common random numbers
(``experiments.compare``: the same seeds for every allocation), and with ``[simulation]
uncertainty = N`` also over N parameter sets (the calibration's draws and the ranges: the
``compare --uncertainty`` machinery).

Why a module: the proxy ranks placements on the APL index only; the simulation has the
behaviour (renoncement, ED visits, installations, the policies' own side effects) and the
payers' ledger, so the proxy optimum may not win there, and the report must say so.

How each lever's units become its policy's keys (``TRANSLATION``, said in the report):

- France Santé: ``rule = "list"``, one structure per listed EPCI (the list repeated for
  several); the count is the territory's share of the national target, so the target is the
  national count whose share rounds to the plan's count;
- maisons de santé: ``rule = "list"``, ``per_year`` = the plan's count (all opened the first
  year);
- salaried GPs: ``rule = "list"``, one post per listing, ``posts_per_year`` = the plan's count
  (all opened the first year; posts stay open);
- docteurs juniors: ``rule = "list"``, one junior per listing, each year's cohort; the cohort
  is ``per_year`` (France) prorated to the territory's population, so ``per_year`` is the
  national count whose share rounds to the plan's count (the cohort delay of the reform,
  ``delays_cohort``, scales with it); they start with the plan (week 0, not November 2026);
- solidarity days: ``targets`` = the plan's EPCIs, ``days_per_listing`` days a year per
  listing; every GP eligible within ``solidarity_max_minutes`` of a target shares its days
  (``participation = 1``), at most his capacity: a target no GP reaches gets none.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from accesssim.experiments import compare as compare_mod
from accesssim.experiments.optimise.proxy import Proxy
from accesssim.outputs import indicators
from accesssim.params import calibration as calfile
from accesssim.policies.juniors import DocteursJuniors
from accesssim.specs import scenario

PLACEABLE = ("france_sante", "msp_rollout", "salaried_gps", "docteurs_juniors", "solidarity_days")
TRANSLATION = {
    "france_sante": "France Santé: one labelled structure per planned unit at the EPCI's main "
    "GP commune (rule = 'list'); the policy labels the territory's share of a national "
    "target, so the target is set to the national count whose share rounds to the plan's count",
    "msp_rollout": "maisons de santé: rule = 'list', per_year = the plan's count, all opened "
    "the first year (an EPCI that already has one at the start is skipped)",
    "salaried_gps": "salaried GPs: rule = 'list', one post per planned unit in its EPCI, "
    "posts_per_year = the plan's count, all opened the first year (posts stay open; the share "
    "redirected_share filled by GPs who would have installed anyway is counted)",
    "docteurs_juniors": "docteurs juniors: rule = 'list', one junior per planned unit in its "
    "EPCI in every yearly cohort; the cohort is per_year (France) prorated to the territory's "
    "population, so per_year is set to the national count whose share rounds to the plan's "
    "count (the reform's cohort delay, delays_cohort, scales with it); they start with the "
    "plan (week 0), not in November 2026",
    "solidarity_days": "solidarity days: targets = the plan's EPCIs, each receiving its planned "
    "days a year (days_per_listing), shared by every GP eligible within the plan's "
    "solidarity_max_minutes (participation = 1), each at most his capacity; a target no GP "
    "reaches receives none (units simulated = the days given in the territory)",
}
FIGURES = ("forgone_avoided", "ed_avoided", "public_cost_eur")


class NotSimulated(ValueError):
    """A plan the simulation cannot place as the proxy did (the message says why)."""


@dataclass
class Simulation:
    comparison: object  # experiments.compare.Comparison
    names: dict[str, str]  # scenario name -> plan or baseline label
    skipped: dict[str, str] = field(default_factory=dict)  # name -> why not simulated
    rows: list[dict] = field(default_factory=list)  # one per plan or baseline
    translations: list[str] = field(default_factory=list)  # how the levers became policy keys
    runs: int = 0  # simulation runs (scenario x seed, x parameter set with uncertainty)
    seconds: float = 0.0  # wall time of the simulation


def national_count(share: float, n: int) -> int:
    """The smallest national count whose territory part ``round(share x count)`` is ``n``."""
    if n == 0 or share <= 0:
        return 0
    target = max(1, int(np.floor((n - 0.5) / share)))
    while int(round(share * target)) < n:
        target += 1
    return target


def france_sante_target(p: Proxy, n: int) -> int:
    """The national target whose territory share rounds to ``n`` structures (the policy
    labels round(share x target), share = the core's GPs / France's)."""
    c = p.territory.communes
    share = float(c.gp[np.asarray(c.core, bool)].sum()) / calfile.defaults()["gps_france"]
    return national_count(share, n)


def juniors_per_year(p: Proxy, n: int) -> int:
    """The national cohort whose territory part ``round(per_year x core population / France's
    population)`` (the policy's proration) is ``n`` juniors."""
    c = p.territory.communes
    pop = float(c.population[np.asarray(c.core, bool)].sum())
    return national_count(pop / calfile.defaults()["france_population"], n)


def policies_of(p: Proxy, x) -> list[dict]:
    """``[[policies]]`` tables placing units ``x`` (one per candidate) by list."""
    x = np.asarray(x)
    sirens = [str(s) for s in p.territory.epcis.siren]
    out = []
    for li, lv in enumerate(p.plan.levers):
        mine = np.flatnonzero((p.lever == li) & (x > 0))
        n = int(x[mine].sum())
        if n == 0:
            continue
        if lv.policy not in PLACEABLE:
            raise NotSimulated(
                f"{lv.policy} cannot be placed by a list in the simulation; "
                f"levers simulated: {', '.join(PLACEABLE)}"
            )
        order = mine[np.argsort(-x[mine], kind="stable")]
        rounds = int(x[mine].max())
        listed = [sirens[p.epci[u]] for r in range(rounds) for u in order if x[u] > r]
        if lv.policy == "solidarity_days":
            per = int(np.gcd.reduce(x[mine].astype(np.int64)))  # days a year per listing
            targets = [sirens[p.epci[u]] for u in order for _ in range(int(x[u]) // per)]
            spec = {"type": lv.policy, "participation": 1.0,
                    "max_travel_minutes": p.plan.solidarity_max_minutes, **lv.parameters,
                    "targets": targets, "days_per_listing": float(per)}  # fmt: skip
            out.append(spec)
            continue
        spec = {"type": lv.policy, **lv.parameters, "rule": "list", "epcis": listed}
        if lv.policy == "france_sante":
            target = france_sante_target(p, n)
            spec |= {"structures_first_year": target, "structures_target": target}
        elif lv.policy == "salaried_gps":
            spec["posts_per_year"] = n
        elif lv.policy == "docteurs_juniors":
            per_year = juniors_per_year(p, n)
            high = float(DocteursJuniors.PARAMS["per_year"].high)
            if per_year > high:
                raise NotSimulated(
                    f"{n} docteurs juniors here is {per_year} a year in France, above the "
                    f"policy's per_year bound ({high:g})"
                )
            spec = {"start": 0, **spec, "per_year": per_year}
        else:
            if rounds > 1:
                raise NotSimulated("a maison de santé per EPCI at most in the simulation")
            spec["per_year"] = n
        out.append(spec)
    return out


UNIT_COLUMNS = {
    "france_sante": "structures_labelled",
    "msp_rollout": "msps_running",
    "salaried_gps": "posts_filled",
    "docteurs_juniors": "juniors_active",
    "solidarity_days": "days",
}


def units_simulated(result) -> float:
    """Units the simulation placed (France Santé structures labelled, MSPs running, salaried
    posts filled, juniors active, solidarity days given in the territory), the median across
    seeds of the largest yearly count: an MSP listed in an EPCI that already has one at the
    start (drawn per seed) is not opened, so it can fall short of the plan."""
    per_seed: dict = {}
    for r in result.policy:
        col = UNIT_COLUMNS.get(r.get("type"))
        if col and r.get(col) is not None:
            key = (r["seed"], r["type"])
            per_seed[key] = max(per_seed.get(key, 0), r[col])
    seeds = {s for s, _ in per_seed}
    totals = [sum(v for (s, _), v in per_seed.items() if s == seed) for seed in seeds]
    return float(np.median(totals)) if totals else 0.0


def _scenario(p: Proxy, name: str, policies: list[dict]) -> scenario.Scenario:
    plan = p.plan
    data = {
        "scenario": {
            "name": name,
            "start_year": plan.start_year,
            "years": plan.years,
            "seeds": plan.seeds,
        },
        "territory": plan.territory.as_table(),
        "policies": policies,
    }
    where = f"{plan.where} (stage 2: {name})"
    return scenario.from_dict(data, path=where)


def run(p: Proxy, allocations: dict[str, np.ndarray], labels: dict[str, str],
        show_progress: bool | None = False, uncertainty_results="results",
        **engine) -> Simulation:  # fmt: skip
    """Simulate the baseline and every allocation (name -> units per candidate); returns the
    comparison and one row per allocation: forgone care and ED visits avoided (median and
    90 % interval across seeds), public net cost from the ledger, euros per avoided, and
    P(beats the official targeting) from the paired seeds; with ``plan.uncertainty`` = N, the
    same over N parameter sets x the seeds (``*_param`` columns; runs under
    ``uncertainty_results/uncertainty/``). ``engine``: ``workers`` (local processes, for the
    seed runs and the uncertainty runs), ``scheduler``, ``dask_local``."""
    t0 = time.perf_counter()
    scs, skipped = [], {}
    for name, x in allocations.items():
        if not np.asarray(x).any():
            skipped[name] = "no unit placed (nothing to simulate: its effect is zero)"
            continue
        try:
            scs.append(_scenario(p, name, policies_of(p, x)))
        except NotSimulated as exc:
            skipped[name] = str(exc)
    sim = Simulation(None, labels, skipped)
    if not scs:
        return sim
    kinds = {spec["type"] for sc in scs for spec in sc.policies}
    sim.translations = [TRANSLATION[k] for k in PLACEABLE if k in kinds]
    base = _scenario(p, "no_change", [])
    n_sets = p.plan.uncertainty
    cmp = compare_mod.compare(
        [base, *scs],
        show_progress=show_progress,
        uncertainty=n_sets,
        uncertainty_results=uncertainty_results,
        run_workers=int(engine.get("workers") or 1),
        **engine,
    )
    sim.comparison = cmp
    sim.runs = len(scs + [base]) * len(p.plan.seeds) * (1 + n_sets)
    per = {}
    for r in cmp.per_seed:
        per.setdefault(r["scenario"], []).append(r)
    official = per.get("official")
    u = cmp.uncertainty
    for sc in scs:
        rows = per[sc.name]
        row = {"name": sc.name, "label": labels.get(sc.name, sc.name), "seeds": len(rows)}
        for k in FIGURES:
            row[k], row[f"{k}_p5"], row[f"{k}_p95"] = indicators.interval([r[k] for r in rows])
        for k, v in indicators.cost_per_avoided_of(rows).items():
            row[k], row[f"{k}_p5"], row[f"{k}_p95"] = v
        row["p_beats_official"] = (
            indicators.probability_beats(
                [r["forgone_avoided"] for r in rows], [r["forgone_avoided"] for r in official]
            )
            if official and sc.name != "official"
            else float("nan")
        )
        if u is not None:
            row["parameter_sets"] = u.n_sets
            for k in FIGURES:
                m, lo, hi = indicators.interval([d[k] for d in u.pairs[sc.name]])
                row[f"{k}_param"], row[f"{k}_param_p5"], row[f"{k}_param_p95"] = m, lo, hi
            row["p_beats_official_param"] = (
                u.beats[(sc.name, "official")]
                if "official" in u.pairs and sc.name != "official"
                else float("nan")
            )
        row["units_planned"] = int(np.asarray(allocations[sc.name]).sum())
        row["units_simulated"] = units_simulated(cmp.policies[sc.name])
        sim.rows.append(row)
    sim.seconds = time.perf_counter() - t0
    return sim


def _n(v, digits: int = 0) -> str:
    return "n/a" if v is None or not np.isfinite(v) else f"{v:,.{digits}f}"


def report_lines(sim: Simulation) -> list[str]:
    """The report's lines after the seed table: how each lever became its policy's keys, and
    with parameter uncertainty both intervals (labelled) and P(beats the official list) over
    the paired draws."""
    lines = []
    if sim.translations:
        lines += ["", "How the plan's units were placed in the simulation:", ""]
        lines += [f"- {t}." for t in sim.translations]
    u = sim.comparison.uncertainty if sim.comparison is not None else None
    if u is None or not sim.rows:
        return lines
    lines += [
        "",
        f"### Parameter uncertainty ({u.n_sets} parameter sets x {len(u.seeds)} seeds, "
        f"{len(u.ranges) + len(u.joint)} uncertain parameters)",
        "",
        "Each parameter set draws every uncertain parameter over its range (Latin hypercube)"
        + (f", and {', '.join(u.joint)} together from the calibration's draws" if u.joint else "")
        + "; every allocation runs with the same sets and seeds (paired). Columns 'parameters "
        f"and seeds': {indicators.INTERVAL_LABELS['parameters+seeds']}; columns 'seeds only' "
        f"(the table above): {indicators.INTERVAL_LABELS['seeds']}.",
        "",
        "| allocation | forgone consultations avoided: seeds only | parameters and seeds | "
        "ED visits avoided: seeds only | parameters and seeds | P(beats the official list): "
        "seeds | parameters and seeds |",
        "|---|---|---|---|---|---:|---:|",
    ]
    for r in sim.rows:
        cells = []
        for k in ("forgone_avoided", "ed_avoided"):
            cells.append(f"{_n(r[k], 1)} [{_n(r[f'{k}_p5'], 1)}, {_n(r[f'{k}_p95'], 1)}]")
            cells.append(
                f"{_n(r[f'{k}_param'], 1)} [{_n(r[f'{k}_param_p5'], 1)}, "
                f"{_n(r[f'{k}_param_p95'], 1)}]"
            )
        cells += [_n(r["p_beats_official"], 2), _n(r["p_beats_official_param"], 2)]
        lines.append(f"| {r['label']} | " + " | ".join(cells) + " |")
    return lines
