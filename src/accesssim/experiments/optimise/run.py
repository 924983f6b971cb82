"""One optimisation from a plan: the proxy, the exact MILP and its K best plans, the four
baselines with the same units, and (stage 2) all of them in the simulation; the tables that
the command, the API and the report read.

Why apart from the solver and the writer: this is the order of the work (proven first,
simulated second), and the one place that turns arrays into rows with codes as strings.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np

from accesssim.experiments.optimise import baselines, milp, proxy, refine, simulate
from accesssim.specs import plan as planfile


@dataclass
class OptimiseResult:
    plan: planfile.Plan
    proxy: proxy.Proxy
    solved: milp.Result
    baselines: dict[str, np.ndarray]
    simulation: simulate.Simulation | None = None
    refinement: refine.Refinement | None = None  # stage 3, when asked for
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    def allocations(self) -> dict[str, np.ndarray]:
        """Plan and baseline name -> units per candidate."""
        out = {f"plan_{s.rank}": s.x for s in self.solved.solutions}
        out |= {f"{k}": x for k, x in self.baselines.items()}
        if self.refinement is not None and self.refinement.accepted:
            out["refined"] = self.refinement.x
        return out

    def labels(self) -> dict[str, str]:
        out = {f"plan_{s.rank}": f"proxy plan {s.rank}" for s in self.solved.solutions}
        out |= {k: baselines.LABELS[k] for k in self.baselines}
        if self.refinement is not None and self.refinement.accepted:
            out["refined"] = "refined in the simulation (stage 3)"
        return out

    def plan_rows(self) -> list[dict]:
        """One row per plan or baseline, lever and EPCI with units (codes as strings)."""
        p = self.proxy
        e, c = p.territory.epcis, p.territory.communes
        rows = []
        for name, x in self.allocations().items():
            for u in np.flatnonzero(x > 0):
                lv = self.plan.levers[p.lever[u]]
                k, s = int(p.epci[u]), int(p.site[u])
                rows.append(
                    {
                        "allocation": name,
                        "lever": lv.policy,
                        "unit": lv.kind.unit,
                        "epci": str(e.siren[k]),
                        "epci_name": str(e.name[k]),
                        "site_commune": str(c.code[s]),
                        "site_name": str(c.name[s]),
                        "units": int(x[u]),
                        "consultations_a_year": float(x[u] * p.supply[u]),
                        "cost_first_year_eur": float(x[u] * p.cost_year[u]),
                        "cost_horizon_eur": float(x[u] * p.cost_total[u]),
                        "priority_confirmed": bool(e.priority_confirmed[k]),
                    }
                )
        return rows

    def proxy_rows(self) -> list[dict]:
        """The proxy figures of every plan and baseline (a full E2SFCA recompute), with the
        solver's objective, gap and time for the plans."""
        p, sol = self.proxy, self.solved
        rows = [{"allocation": "no_change", "label": "no change", "units": 0, **sol.baseline,
                 "cost_first_year_eur": 0.0, "cost_horizon_eur": 0.0}]  # fmt: skip
        by_rank = {f"plan_{s.rank}": s for s in sol.solutions}
        labels = self.labels()
        for name, x in self.allocations().items():
            cy, ct = p.cost(x)
            row = {"allocation": name, "label": labels[name], "units": int(x.sum())}
            row |= p.objectives(x) | {"cost_first_year_eur": cy, "cost_horizon_eur": ct}
            s = by_rank.get(name)
            row["solver_objective"] = s.objective if s else math.nan
            row["solver_gap"] = s.gap if s else math.nan
            row["solver_seconds"] = s.seconds if s else math.nan
            rows.append(row)
        return rows

    def simulation_rows(self) -> list[dict]:
        return list(self.simulation.rows) if self.simulation else []

    def epci_units(self, name: str = "plan_1") -> np.ndarray:
        """Units per EPCI (all levers) of one allocation."""
        x = self.allocations()[name]
        return np.bincount(self.proxy.epci, weights=x, minlength=len(self.proxy.territory.epcis))


def optimise(
    plan: planfile.Plan | str,
    simulate_plans: bool = True,
    show_progress: bool | None = False,
    time_limit: float = 60.0,
    uncertainty_results="results",
    refine_rounds: int = 0,
    refine_moves: int = 6,
    **engine,
) -> OptimiseResult:
    """Stage 1 (the exact proxy optimum, K best, four baselines) and, with ``simulate_plans``,
    stage 2 (every allocation in the simulation with common random numbers; with
    ``[simulation].uncertainty`` = N also over N parameter sets, runs under
    ``uncertainty_results/uncertainty/``). With ``refine_rounds`` > 0, stage 3: greedy moves of
    one unit from the best simulated allocation, at most ``refine_moves`` a round, in the
    simulation (runs under ``uncertainty_results/refine/``). ``engine``: ``workers`` (local
    processes), ``scheduler``, ``dask_local``."""
    t0 = time.perf_counter()
    if not isinstance(plan, planfile.Plan):
        plan = planfile.load(plan)
    p = proxy.build(plan)
    solved = milp.solve(p, time_limit=time_limit)
    units = baselines.units_by_lever(p, solved.best.x)
    placed = {rule: baselines.place(p, units, rule) for rule in baselines.RULES}
    result = OptimiseResult(plan, p, solved, placed)
    for rule, x in placed.items():
        got = baselines.units_by_lever(p, x)
        if rule == "official" and not len(baselines.epci_order(p, rule)):
            result.notes.append(
                "baseline official list: no confirmed priority EPCI in the territory's core "
                "(nothing placed, not simulated)"
            )
        elif got != units:
            result.notes.append(
                f"baseline {baselines.LABELS[rule]}: {int(x.sum())} of {int(sum(units.values()))} "
                "units placed (its EPCIs have no more room under the caps)"
            )
    if plan.objective == "simulated":
        result.notes.append(
            "objective 'simulated': the proxy ranks plans by the population-weighted shortfall; "
            "the K best are then ranked by forgone consultations avoided in the simulation"
        )
    if simulate_plans:
        result.simulation = simulate.run(
            p,
            result.allocations(),
            result.labels(),
            show_progress=show_progress,
            uncertainty_results=uncertainty_results,
            **engine,
        )
        if refine_rounds > 0 and result.simulation.rows:
            result.refinement = refine.refine(
                p,
                result.simulation,
                result.allocations(),
                rounds=refine_rounds,
                moves=refine_moves,
                results=uncertainty_results,
                **engine,
            )
    result.seconds = time.perf_counter() - t0
    return result
