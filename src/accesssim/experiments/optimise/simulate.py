"""Stage 2: every proxy plan and baseline checked in the simulation, as scenarios with the
chosen policies placed by ``rule = "list"``, compared with common random numbers
(``experiments.compare``: the same seeds for every allocation). The calibration's parameter
draws (``compare --uncertainty``) are not wired in yet: intervals are across seeds only.

Why a module: the proxy ranks placements on the APL index only; the simulation has the
behaviour (renoncement, ED visits, installations, the policies' own side effects) and the
payers' ledger, so the proxy optimum may not win there, and the report must say so.

Only levers whose policy can be placed by a list of EPCIs are simulated: France Santé
(``rule = "list"``, one structure per listed EPCI, the list repeated for several; the count is
the territory's share of the national target, so the target is set to give the plan's count)
and maisons de santé (``rule = "list"``, ``per_year`` = the plan's count, all opened in the
first year). Salaried GPs, solidarity days and docteurs juniors choose their own EPCIs in the
simulation (lowest APL first, or the priority list): a plan using them is not simulated, and
the report says why.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from accesssim.experiments import compare as compare_mod
from accesssim.experiments.optimise.proxy import Proxy
from accesssim.outputs import indicators
from accesssim.params import calibration as calfile
from accesssim.specs import scenario

PLACEABLE = ("france_sante", "msp_rollout")
FIGURES = ("forgone_avoided", "ed_avoided", "public_cost_eur")


class NotSimulated(ValueError):
    """A plan the simulation cannot place as the proxy did (the message says why)."""


@dataclass
class Simulation:
    comparison: object  # experiments.compare.Comparison
    names: dict[str, str]  # scenario name -> plan or baseline label
    skipped: dict[str, str] = field(default_factory=dict)  # name -> why not simulated
    rows: list[dict] = field(default_factory=list)  # one per plan or baseline


def france_sante_target(p: Proxy, n: int) -> int:
    """The national target whose territory share rounds to ``n`` structures (the policy
    labels round(share x target), share = the core's GPs / France's)."""
    c = p.territory.communes
    share = float(c.gp[np.asarray(c.core, bool)].sum()) / calfile.defaults()["gps_france"]
    if n == 0 or share <= 0:
        return 0
    target = max(1, int(np.floor((n - 0.5) / share)))
    while int(round(share * target)) < n:
        target += 1
    return target


def policies_of(p: Proxy, x) -> list[dict]:
    """``[[policies]]`` tables placing units ``x`` (one per candidate) by list."""
    x = np.asarray(x)
    sirens = p.territory.epcis.siren.astype(str)
    out = []
    for li, lv in enumerate(p.plan.levers):
        mine = np.flatnonzero((p.lever == li) & (x > 0))
        n = int(x[mine].sum())
        if n == 0:
            continue
        if lv.policy not in PLACEABLE:
            raise NotSimulated(
                f"{lv.policy} chooses its own EPCIs in the simulation (no list placement); "
                f"levers simulated: {', '.join(PLACEABLE)}"
            )
        order = mine[np.argsort(-x[mine], kind="stable")]
        rounds = int(x[mine].max())
        listed = [sirens[p.epci[u]] for r in range(rounds) for u in order if x[u] > r]
        spec = {"type": lv.policy, **lv.parameters, "rule": "list", "epcis": listed}
        if lv.policy == "france_sante":
            target = france_sante_target(p, n)
            spec |= {"structures_first_year": target, "structures_target": target}
        else:
            if rounds > 1:
                raise NotSimulated("a maison de santé per EPCI at most in the simulation")
            spec["per_year"] = n
        out.append(spec)
    return out


UNIT_COLUMNS = {"france_sante": "structures_labelled", "msp_rollout": "msps_running"}


def units_simulated(result) -> float:
    """Units the simulation placed (France Santé structures labelled, MSPs running), the
    median across seeds of the largest yearly count: an MSP listed in an EPCI that already has
    one at the start (drawn per seed) is not opened, so it can fall short of the plan."""
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
        show_progress: bool | None = False, **engine) -> Simulation:  # fmt: skip
    """Simulate the baseline and every allocation (name -> units per candidate); returns the
    comparison and one row per allocation: forgone care and ED visits avoided (median and
    90 % interval across seeds), public net cost from the ledger, euros per avoided, and
    P(beats the official targeting) from the paired seeds."""
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
    base = _scenario(p, "no_change", [])
    cmp = compare_mod.compare([base, *scs], show_progress=show_progress, **engine)
    sim.comparison = cmp
    per = {}
    for r in cmp.per_seed:
        per.setdefault(r["scenario"], []).append(r)
    official = per.get("official")
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
        row["units_planned"] = int(np.asarray(allocations[sc.name]).sum())
        row["units_simulated"] = units_simulated(cmp.policies[sc.name])
        sim.rows.append(row)
    return sim
