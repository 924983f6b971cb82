"""The integer program on the access proxy, solved exactly by HiGHS (``scipy.optimize.milp``),
with the K best distinct plans by no-good cuts.

Why an integer program: units are whole (a post, a structure, a day) and "lifted above the
threshold" is a yes/no per commune. Variables: ``x_u`` units at candidate ``u`` (integer,
0..cap), and per commune under the threshold that some candidate reaches either a binary
``y_i`` (objective ``lifted``: ``APL0_i + A_i x >= t y_i``, maximise sum pop_i y_i) or a
continuous ``z_i >= t - APL0_i - A_i x``, ``0 <= z_i <= t - APL0_i`` (objective
``shortfall``: minimise sum pop_i z_i). Constraints: the budget (first year and/or horizon),
units per EPCI, and a fixed number of docteurs juniors. A tiny cost term (at most 0.1 person,
or 1e-6 of the baseline shortfall, over the whole budget) breaks ties towards cheaper plans,
so that units that lift nobody are not bought. "Distinct" plans differ in the set of
candidates used: a binary ``b_u`` marks ``x_u >= 1``, and each plan found adds the cut
``sum_{u in S} (1 - b_u) + sum_{u not in S} b_u >= 1``.

The objective and gap reported are the solver's; every plan's figures are then recomputed by
a full E2SFCA (``Proxy.objectives``), which the tests hold equal to ``APL0 + A x``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
from scipy import optimize, sparse

from accesssim.experiments.optimise.proxy import Proxy
from accesssim.util.text import plural

MARGIN = 1e-6  # a commune counts as lifted at APL >= t + MARGIN in the program (tolerances)


class InfeasiblePlan(ValueError):
    """No plan satisfies the constraints; the message names the binding one."""


@dataclass
class Solution:
    rank: int
    x: np.ndarray  # units per candidate
    objective: float  # the solver's, without the tie-break term
    figures: dict  # Proxy.objectives(x) from a recompute
    cost_year: float
    cost_total: float
    gap: float
    seconds: float
    status: str


@dataclass
class Result:
    proxy: Proxy
    objective: str
    baseline: dict
    solutions: list[Solution] = field(default_factory=list)
    variables: int = 0
    constraints: int = 0

    @property
    def best(self) -> Solution:
        return self.solutions[0]


def check_feasible(p: Proxy) -> None:
    """Refuse, naming the constraint, a plan no allocation can satisfy (only a fixed number of
    juniors can make the empty plan infeasible)."""
    plan = p.plan
    if plan.juniors is None or plan.juniors == 0:
        return
    li = [i for i, lv in enumerate(plan.levers) if lv.policy == "docteurs_juniors"][0]
    lv = plan.levers[li]
    n, where = plan.juniors, plan.where
    if plan.budget_per_year is not None and n * lv.unit_cost > plan.budget_per_year + 1e-6:
        raise InfeasiblePlan(
            f"{where}: infeasible: [constraints].juniors = {n} costs "
            f"{n * lv.unit_cost:,.0f} EUR a year, more than [plan].budget_per_year = "
            f"{plan.budget_per_year:,.0f}"
        )
    if plan.budget_total is not None and n * lv.cost_over(plan.years) > plan.budget_total + 1e-6:
        raise InfeasiblePlan(
            f"{where}: infeasible: [constraints].juniors = {n} costs "
            f"{n * lv.cost_over(plan.years):,.0f} EUR over {plural(plan.years, 'year')}, more than "
            f"[plan].budget_total = {plan.budget_total:,.0f}"
        )
    room = p.cap[p.lever == li]
    if plan.max_per_epci is not None:
        room = np.minimum(room, plan.max_per_epci)
    if n > room.sum():
        raise InfeasiblePlan(
            f"{where}: infeasible: [constraints].juniors = {n} exceeds the places allowed "
            f"({int(room.sum())}: [[levers]] docteurs_juniors max_per_unit = {lv.max_per_unit}"
            + (
                f", [constraints].max_per_epci = {plan.max_per_epci}"
                if plan.max_per_epci is not None
                else ""
            )
            + f", over {int((p.lever == li).sum())} EPCIs)"
        )


def solve(p: Proxy, objective: str | None = None, k_best: int | None = None,
          time_limit: float = 60.0, mip_rel_gap: float = 1e-6) -> Result:  # fmt: skip
    """The optimum of the proxy and up to ``k_best`` distinct next-best plans."""
    plan = p.plan
    objective = objective or ("shortfall" if plan.objective == "simulated" else plan.objective)
    k_best = plan.k_best if k_best is None else k_best
    check_feasible(p)
    t = plan.threshold
    n = len(p.supply)
    reached = np.asarray((p.A != 0).sum(axis=1)).ravel() > 0
    rows = np.flatnonzero(p.counted & (p.apl0 < t) & reached)
    if objective == "lifted":  # communes that every unit at its cap cannot lift: y_i = 0
        most = np.asarray(p.A[rows] @ p.cap).ravel()
        rows = rows[p.apl0[rows] + most >= t + MARGIN]
    pop = p.population[rows]
    a_rows = p.A[rows].tocsr()
    m = len(rows)
    if objective == "lifted" and m:
        # coefficient strengthening, exact: a unit that alone lifts commune i counts for its
        # gap (min(A_iu, g_i) x_u >= g_i y_i holds exactly when A_i x >= g_i does, for
        # integer x >= 0), which tightens the LP relaxation a great deal
        need = (t + MARGIN - p.apl0[rows])[np.repeat(np.arange(m), np.diff(a_rows.indptr))]
        a_rows.data = np.minimum(a_rows.data, need)
    base = p.objectives(np.zeros(n))
    unreached = p.counted & (p.apl0 < t) & ~reached  # their shortfall is a constant (shortfall)
    constant = float((p.population[unreached] * (t - p.apl0[unreached])).sum())
    # variables: x (n), b (n), then y or z (m)
    c = np.zeros(2 * n + m)
    if objective == "lifted":
        c[2 * n :] = -pop
        budget_max = max(plan.budget_total or 0, (plan.budget_per_year or 0) * plan.years, 1.0)
        eps = 0.1 / budget_max
    else:
        c[2 * n :] = pop
        eps = (
            1e-6
            * max(base["shortfall"], 1.0)
            / max(plan.budget_total or 0, (plan.budget_per_year or 0) * plan.years, 1.0)
        )
    c[:n] = eps * p.cost_total
    integrality = np.r_[np.ones(2 * n), np.ones(m) if objective == "lifted" else np.zeros(m)]
    gap0 = t - p.apl0[rows]
    upper = np.r_[p.cap, np.ones(n), np.ones(m) if objective == "lifted" else gap0]
    bounds = optimize.Bounds(np.zeros(2 * n + m), upper)
    blocks = []
    eye_n = sparse.identity(n, format="csr")
    zero_nm = sparse.csr_matrix((n, m))
    # b_u <= x_u <= cap_u b_u
    blocks.append((sparse.hstack([-eye_n, eye_n, zero_nm]), -np.inf, 0.0))
    blocks.append((sparse.hstack([eye_n, -sparse.diags(p.cap), zero_nm]), -np.inf, 0.0))
    if m:
        if objective == "lifted":  # (t + margin - APL0) y - A x <= 0
            mat = sparse.hstack([-a_rows, sparse.csr_matrix((m, n)), sparse.diags(gap0 + MARGIN)])
            blocks.append((mat, -np.inf, np.zeros(m)))
        else:  # A x + z >= t - APL0
            mat = sparse.hstack([a_rows, sparse.csr_matrix((m, n)), sparse.identity(m)])
            blocks.append((mat, gap0, np.inf))
    pad = sparse.csr_matrix((1, n + m))
    if plan.budget_per_year is not None:
        blocks.append((sparse.hstack([sparse.csr_matrix(p.cost_year), pad]), -np.inf,
                       plan.budget_per_year))  # fmt: skip
    if plan.budget_total is not None:
        blocks.append((sparse.hstack([sparse.csr_matrix(p.cost_total), pad]), -np.inf,
                       plan.budget_total))  # fmt: skip
    if plan.max_per_epci is not None and n:
        epcis, inv = np.unique(p.epci, return_inverse=True)
        g = sparse.csr_matrix((np.ones(n), (inv, np.arange(n))), shape=(len(epcis), n))
        blocks.append((sparse.hstack([g, sparse.csr_matrix((len(epcis), n + m))]), -np.inf,
                       float(plan.max_per_epci)))  # fmt: skip
    if plan.juniors is not None:
        li = [i for i, lv in enumerate(plan.levers) if lv.policy == "docteurs_juniors"][0]
        row = (p.lever == li).astype(float)
        blocks.append((sparse.hstack([sparse.csr_matrix(row), pad]), plan.juniors, plan.juniors))
    result = Result(p, objective, base, variables=2 * n + m)
    cuts = []
    for rank in range(1, k_best + 1):
        cons = [optimize.LinearConstraint(mat, lo, hi) for mat, lo, hi in blocks + cuts]
        result.constraints = sum(mat.shape[0] for mat, _, _ in blocks + cuts)
        t0 = time.perf_counter()
        res = optimize.milp(
            c,
            integrality=integrality,
            bounds=bounds,
            constraints=cons,
            options={"time_limit": time_limit, "mip_rel_gap": mip_rel_gap},
        )
        seconds = time.perf_counter() - t0
        if res.x is None:
            if rank == 1:
                raise InfeasiblePlan(
                    f"{plan.where}: the solver found no plan ({res.message}); constraints: "
                    "[plan].budget_per_year/budget_total, [[levers]].max_per_unit, "
                    "[constraints].max_per_epci and juniors"
                )
            break
        x = np.round(res.x[:n])
        used = x > 0
        solver_obj = float(np.dot(c[2 * n :], res.x[2 * n :]))
        cost_year, cost_total = p.cost(x)
        result.solutions.append(
            Solution(
                rank=rank,
                x=x,
                objective=-solver_obj if objective == "lifted" else solver_obj + constant,
                figures=p.objectives(x),
                cost_year=cost_year,
                cost_total=cost_total,
                gap=float(getattr(res, "mip_gap", np.nan) or 0.0),
                seconds=seconds,
                status=res.message,
            )
        )
        # no-good cut on the set of candidates used
        row = np.zeros(2 * n + m)
        row[n : 2 * n] = np.where(used, -1.0, 1.0)
        cuts.append((sparse.csr_matrix(row), 1.0 - used.sum(), np.inf))
        if not used.any() and rank == 1 and n == 0:
            break
    return result
