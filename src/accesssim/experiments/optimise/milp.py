"""The integer program on the access proxy, solved by HiGHS (``highspy``), with the K best
distinct plans by no-good cuts.

Why an integer program: units are whole (a post, a structure, a day) and "lifted above the
threshold" is a yes/no per commune. Per commune under the threshold that some candidate reaches,
either a binary ``y_i`` (objective ``lifted``: maximise sum pop_i y_i, ``y_i = 1`` only if
``A_i x >= g_i``, its gap to the threshold) or a continuous shortfall ``z_i`` (objective
``shortfall``: minimise sum pop_i z_i, ``z_i >= g_i - A_i x``). Constraints: the budget (first
year and/or horizon), units per EPCI, a fixed number of docteurs juniors. A tiny cost term (at
most 0.1 person, or 1e-6 of the baseline shortfall, over the whole budget) breaks ties towards
cheaper plans, so that units that lift nobody are not bought.

Why this formulation (measured on all of France, ``benchmarks/README.md``): the plain one,
``x_u`` integer and ``g_i y_i <= A_i x``, still had a 0.2-0.5 % gap after 90 s. Three exact
changes and two solver options (``HIGHS_OPTIONS``) prove the optimum to 0.01 % in 53-58 s on
the 2-core machine:

- **One binary per unit** (``v_uk = [x_u >= k]``, ordered), for the first ``UNARY_MAX`` units of
  a candidate, then one integer remainder. Each unit then counts for its own increment of the
  commune's gap, ``min(k a, g) - min((k-1) a, g)``: the second post at a site that the first
  already nearly fills counts for what is left, not for a full ``a``. The first binary is also
  the "candidate used" flag the no-good cuts need.
- **The integer hull of the budget** over the units of each pair of unit costs: the points
  ``c0 n0 + c1 n1 <= B`` with whole ``n`` have a few facets (and ``n <= B // c``); adding them
  removes the fractional leftover of the budget from every LP bound. Valid with more levers,
  since the others only use more budget.
- **HiGHS itself through highspy**, a newer HiGHS than the one scipy bundles: on the same
  formulation scipy 1.18's left a 0.31 % gap at 60 s where highspy 1.16's was at 0.02 %.

The objective and gap reported are the solver's; every plan's figures are then recomputed by
a full E2SFCA (``Proxy.objectives``), which the tests hold equal to ``APL0 + A x``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import highspy
import numpy as np
from scipy import sparse

from accesssim.experiments.optimise.proxy import Proxy
from accesssim.util.text import plural

MARGIN = 1e-6  # a commune counts as lifted at APL >= t + MARGIN in the program (tolerances)
UNARY_MAX = 4  # units of a candidate modelled one binary each; beyond, one integer remainder
MIP_REL_GAP = 1e-4  # HiGHS's default: the optimum is proven to within 0.01 %
# Two HiGHS options measured on France (benchmarks/README.md; chosen on the 50 M EUR case, then
# checked on 30 and 80 M EUR): no restart (each threw away the root's work: 83-92 s -> 59-65 s),
# and twice the default heuristic effort (-> 53 s; 52 s and 37 s on the checks, against 52 and
# 52 s with the defaults)
HIGHS_OPTIONS = {"mip_allow_restart": False, "mip_heuristic_effort": 0.1}
HULL_POINTS_MAX = 200_000  # a pair of costs with more whole points is left out of the hull


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


@dataclass
class Units:
    """The unit columns: for candidate ``u``, binaries ``[x_u >= k]`` for k = 1..min(cap,
    UNARY_MAX), then an integer remainder when the cap is larger. ``x = U v``."""

    cand: np.ndarray  # per column: its candidate
    level: np.ndarray  # per column: k for a unit binary, 0 for the remainder
    upper: np.ndarray  # per column: 1, or cap - UNARY_MAX for the remainder
    U: sparse.csr_matrix  # candidates x columns: units each column adds

    @classmethod
    def of(cls, cap: np.ndarray) -> Units:
        cap = cap.astype(np.int64)
        k = np.minimum(cap, UNARY_MAX)
        cand = np.repeat(np.arange(len(cap)), k)
        level = np.concatenate([np.arange(1, j + 1) for j in k]) if len(cap) else np.zeros(0)
        rest = np.flatnonzero(cap > UNARY_MAX)
        cand = np.r_[cand, rest].astype(np.int64)
        level = np.r_[level, np.zeros(len(rest))].astype(np.int64)
        upper = np.r_[np.ones(int(k.sum())), cap[rest] - UNARY_MAX].astype(float)
        n = len(cand)
        u = sparse.csr_matrix((np.ones(n), (cand, np.arange(n))), shape=(len(cap), n))
        return cls(cand, level, upper, u)

    def column(self, level: int) -> np.ndarray:
        """Per candidate, its column at ``level`` (-1 where it has none)."""
        out = np.full(self.U.shape[0], -1, np.int64)
        sel = np.flatnonzero(self.level == level)
        out[self.cand[sel]] = sel
        return out

    def order_rows(self, cap: np.ndarray) -> sparse.csr_matrix:
        """``v_u,k+1 - v_u,k <= 0`` and ``remainder - (cap - UNARY_MAX) v_u,UNARY_MAX <= 0``."""
        rows, cols, vals = [], [], []
        r = 0
        for k in range(2, UNARY_MAX + 2):
            hi = self.column(k if k <= UNARY_MAX else 0)
            lo = self.column(k - 1)
            ok = np.flatnonzero((hi >= 0) & (lo >= 0))
            w = np.ones(len(ok)) if k <= UNARY_MAX else cap[ok] - UNARY_MAX
            idx = r + np.arange(len(ok))
            rows += [idx, idx]
            cols += [hi[ok], lo[ok]]
            vals += [np.ones(len(ok)), -w]
            r += len(ok)
        cat = [np.concatenate(a) if a else np.zeros(0) for a in (rows, cols, vals)]
        return sparse.csr_matrix((cat[2], (cat[0], cat[1])), shape=(r, len(self.cand)))


def gap_rows(a_rows: sparse.csr_matrix, need: np.ndarray, units: Units) -> sparse.csr_matrix:
    """Per commune and unit column, the part of the commune's gap ``need`` that column fills:
    ``min(k a, g) - min((k-1) a, g)`` for the k-th unit of a candidate worth ``a`` a unit,
    ``min(a, max(g - UNARY_MAX a, 0))`` a unit of the remainder. Exact for whole units: the
    increments sum to ``min(x a, g)``, and the commune's gap is filled by the units exactly
    when ``sum_u min(x_u a_u, g) >= g``, i.e. when ``A x >= g``."""
    coo = a_rows.tocoo()
    g = need[coo.row]
    rows, cols, vals = [], [], []
    for k in range(UNARY_MAX + 1):
        col = units.column(k)[coo.col]
        ok = col >= 0
        if k:
            inc = np.minimum(k * coo.data, g) - np.minimum((k - 1) * coo.data, g)
        else:
            inc = np.minimum(coo.data, np.maximum(g - UNARY_MAX * coo.data, 0.0))
        ok &= inc > 0
        rows.append(coo.row[ok])
        cols.append(col[ok])
        vals.append(inc[ok])
    return sparse.csr_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
        shape=(a_rows.shape[0], len(units.cand)),
    )


def budget_hull(cost: np.ndarray, budget: float) -> list[tuple[np.ndarray, float]]:
    """Valid rows ``w . x <= rhs`` (``w`` per candidate) from the integer hull of the budget:
    ``n_c <= budget // c`` for each unit cost ``c``, and for each pair of costs ``c0 < c1``
    the facets of ``{(n0, n1) whole, c0 n0 + c1 n1 <= budget}`` (upper hull of the points
    ``(n1, floor((budget - c1 n1) / c0))``). ``n_c`` counts the units of all candidates that
    cost ``c``; other candidates only use budget, so each row holds with more levers too. A
    pair with more than ``HULL_POINTS_MAX`` points (two cheap levers on a large budget) is left
    out: the rows only tighten the program, and the walk over the points is in Python."""
    costs = np.unique(cost[cost > 0])
    out = []
    for c in costs:
        out.append(((cost == c).astype(float), float(np.floor(budget / c + 1e-9))))
    for i, c0 in enumerate(costs):
        for c1 in costs[i + 1 :]:
            if budget / c1 > HULL_POINTS_MAX:
                continue
            n1 = np.arange(int(np.floor(budget / c1 + 1e-9)) + 1, dtype=float)
            n0 = np.floor((budget - c1 * n1) / c0 + 1e-9)
            hull: list[tuple[float, float]] = []  # (n1, n0), n1 increasing, n0 decreasing
            for b, a in zip(n1, n0, strict=True):
                while len(hull) >= 2:
                    (b1, a1), (b2, a2) = hull[-2], hull[-1]
                    if (a2 - a1) * (b - b1) <= (a - a1) * (b2 - b1):  # hull[-1] not above
                        hull.pop()
                    else:
                        break
                hull.append((b, a))
            for (b1, a1), (b2, a2) in zip(hull, hull[1:], strict=False):
                alpha, beta = b2 - b1, a1 - a2  # alpha n0 + beta n1 <= alpha a1 + beta b1
                w = alpha * (cost == c0) + beta * (cost == c1)
                out.append((w.astype(float), float(alpha * a1 + beta * b1)))
    return out


def _highs(c, lower, upper, integer, mat, row_lo, row_hi, time_limit, mip_rel_gap):
    h = highspy.Highs()
    h.silent()
    h.setOptionValue("time_limit", float(time_limit))
    h.setOptionValue("mip_rel_gap", float(mip_rel_gap))
    for key, value in HIGHS_OPTIONS.items():
        h.setOptionValue(key, value)
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = len(c), mat.shape[0]
    lp.col_cost_, lp.col_lower_, lp.col_upper_ = c, lower, upper
    lp.row_lower_, lp.row_upper_ = row_lo, row_hi
    csc = mat.tocsc()
    csc.sort_indices()
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_, lp.a_matrix_.index_, lp.a_matrix_.value_ = (
        csc.indptr, csc.indices, csc.data)  # fmt: skip
    kind = highspy.HighsVarType
    lp.integrality_ = [kind.kInteger if i else kind.kContinuous for i in integer]
    h.passModel(lp)
    return h


def solve(p: Proxy, objective: str | None = None, k_best: int | None = None,
          time_limit: float = 60.0, mip_rel_gap: float = MIP_REL_GAP) -> Result:  # fmt: skip
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
    m = len(rows)
    pop = p.population[rows]
    gap0 = t - p.apl0[rows]
    need = gap0 + (MARGIN if objective == "lifted" else 0.0)
    units = Units.of(p.cap)
    nu = len(units.cand)
    fill = gap_rows(p.A[rows].tocsr(), need, units)
    base = p.objectives(np.zeros(n))
    unreached = p.counted & (p.apl0 < t) & ~reached  # their shortfall is a constant (shortfall)
    constant = float((p.population[unreached] * (t - p.apl0[unreached])).sum())
    spend = max(plan.budget_total or 0, (plan.budget_per_year or 0) * plan.years, 1.0)
    # variables: unit columns (nu), then y or z (m)
    c = np.zeros(nu + m)
    if objective == "lifted":
        c[nu:] = -pop
        eps = 0.1 / spend
    else:
        c[nu:] = pop
        eps = 1e-6 * max(base["shortfall"], 1.0) / spend
    c[:nu] = eps * (p.cost_total @ units.U)
    integer = np.r_[np.ones(nu, bool), np.full(m, objective == "lifted")]
    lower = np.zeros(nu + m)
    upper = np.r_[units.upper, np.ones(m) if objective == "lifted" else gap0]
    blocks = []  # (matrix over the unit columns, lower, upper)
    order = units.order_rows(p.cap.astype(np.int64))
    blocks.append((sparse.hstack([order, sparse.csr_matrix((order.shape[0], m))]), -np.inf, 0.0))
    if m:
        if objective == "lifted":  # need_i y_i - fill_i v <= 0
            blocks.append((sparse.hstack([-fill, sparse.diags(need)]), -np.inf, 0.0))
        else:  # fill_i v + z_i >= gap_i
            blocks.append((sparse.hstack([fill, sparse.identity(m)]), gap0, np.inf))

    def over_units(rows_by_candidate, lo, hi):
        mat = sparse.csr_matrix(rows_by_candidate) @ units.U
        blocks.append((sparse.hstack([mat, sparse.csr_matrix((mat.shape[0], m))]), lo, hi))

    for cost, budget in ((p.cost_year, plan.budget_per_year), (p.cost_total, plan.budget_total)):
        if budget is None:
            continue
        over_units(cost[None, :], -np.inf, budget)
        hull = budget_hull(cost, budget)
        if hull:
            over_units(np.array([w for w, _ in hull]), -np.inf, np.array([r for _, r in hull]))
    if plan.max_per_epci is not None and n:
        epcis, inv = np.unique(p.epci, return_inverse=True)
        g = sparse.csr_matrix((np.ones(n), (inv, np.arange(n))), shape=(len(epcis), n))
        over_units(g, -np.inf, float(plan.max_per_epci))
    if plan.juniors is not None:
        li = [i for i, lv in enumerate(plan.levers) if lv.policy == "docteurs_juniors"][0]
        over_units((p.lever == li).astype(float)[None, :], plan.juniors, plan.juniors)
    mat = sparse.vstack([b[0] for b in blocks]).tocsr()
    row_lo = np.concatenate([np.broadcast_to(b[1], (b[0].shape[0],)) for b in blocks]).astype(float)
    row_hi = np.concatenate([np.broadcast_to(b[2], (b[0].shape[0],)) for b in blocks]).astype(float)
    h = _highs(c, lower, upper, integer, mat, row_lo, row_hi, time_limit, mip_rel_gap)
    first = units.column(1)  # per candidate: its "used" binary [x_u >= 1]
    result = Result(p, objective, base, variables=nu + m, constraints=mat.shape[0])
    status = highspy.HighsModelStatus
    for rank in range(1, k_best + 1):
        t0 = time.perf_counter()
        h.run()
        seconds = time.perf_counter() - t0
        st = h.getModelStatus()
        sol = np.asarray(h.getSolution().col_value) if h.getInfo().primal_solution_status else None
        if st == status.kModelEmpty:  # no candidate and no commune: the empty plan
            st, sol = status.kOptimal, np.zeros(0)
        if st not in (status.kOptimal, status.kTimeLimit) or sol is None or len(sol) != nu + m:
            if rank == 1:
                raise InfeasiblePlan(
                    f"{plan.where}: the solver found no plan ({h.modelStatusToString(st)}); "
                    "constraints: [plan].budget_per_year/budget_total, "
                    "[[levers]].max_per_unit, [constraints].max_per_epci and juniors"
                )
            break
        x = np.asarray(units.U @ np.round(sol[:nu])).ravel()
        used = x > 0
        solver_obj = float(np.dot(c[nu:], sol[nu:]))
        cost_year, cost_total = p.cost(x)
        result.solutions.append(
            Solution(
                rank=rank,
                x=x,
                objective=-solver_obj if objective == "lifted" else solver_obj + constant,
                figures=p.objectives(x),
                cost_year=cost_year,
                cost_total=cost_total,
                gap=gap if np.isfinite(gap := float(h.getInfo().mip_gap)) else 0.0,
                seconds=seconds,
                status=h.modelStatusToString(st),
            )
        )
        if not n:
            break
        # no-good cut on the set of candidates used: sum_{S} (1 - b_u) + sum_{not S} b_u >= 1
        idx = first[first >= 0]
        val = np.where(used[first >= 0], -1.0, 1.0)
        h.addRow(1.0 - used.sum(), highspy.kHighsInf, len(idx), idx.astype(np.int32), val)
        result.constraints += 1
    return result
