"""Stage 3: refine the best simulated allocation with the simulation in the loop, by greedy moves
of one unit between EPCIs, each judged against the incumbent with common random numbers.

Why moves of one unit, and few of them: each move tried costs a run per seed. The moves tried
are the most promising by stage 2: a unit leaves the incumbent's EPCI with the least baseline
forgone care (the no-change run) and goes to an EPCI of the same lever with room under the caps,
first those where the other simulated allocations put units (best allocation first), then those
with the most baseline forgone care. The same lever keeps the spend unchanged (a lever's unit
cost is the same everywhere), so the budget holds. A round runs the no-change, the incumbent
and its moves on the plan's seeds through the sweep engine (a local pool, or Dask with
``scheduler``; resumable), and the best move is kept when its paired gain in forgone
consultations avoided is positive on average and in more than half of the seeds.

Why fresh seeds at the end: the search keeps the move that did best on the search seeds, which
flatters it (the winner's curse). The start and the refined allocations are run again on seeds
the search never used, and only those figures are reported as the refinement's effect.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

import numpy as np

from accesssim.experiments.optimise import simulate
from accesssim.experiments.optimise.proxy import Proxy
from accesssim.experiments.sensitivity.execute import collect, run_stage
from accesssim.outputs import indicators

FIGURE = "forgone_avoided"


@dataclass
class Refinement:
    start: str  # the allocation refined (best median forgone avoided in stage 2)
    x_start: np.ndarray
    x: np.ndarray  # the refined units per candidate
    search_seeds: list[int]
    check_seeds: list[int]
    moves: list[dict] = field(default_factory=list)  # one row per move tried
    check: dict = field(default_factory=dict)  # on the fresh seeds: start, refined, P(beats)
    runs: int = 0
    resumed: int = 0  # of ``runs``, those found complete on disk (an earlier, interrupted call)
    seconds: float = 0.0

    @property
    def accepted(self) -> int:
        return sum(bool(m["accepted"]) for m in self.moves)


def baseline_forgone_by_epci(sim: simulate.Simulation) -> dict[str, float]:
    """Forgone consultations per EPCI (SIREN) in the no-change run, mean over its seeds."""
    base = sim.comparison.baseline
    seeds = {r["seed"] for r in base.yearly}
    out: dict[str, float] = {}
    for r in base.yearly:
        out[r["epci"]] = out.get(r["epci"], 0.0) + r["forgone"] / len(seeds)
    return out


def propose(p: Proxy, x: np.ndarray, forgone: dict[str, float], n: int,
            preferred: np.ndarray | None = None) -> list[tuple[int, int]]:  # fmt: skip
    """Up to ``n`` moves (from candidate, to candidate) of one unit of the same lever: sources
    by least baseline forgone care in their EPCI; destinations first by ``preferred`` (per
    candidate, the rank of the best other simulated allocation that uses it, ``inf`` where
    none does), then by most baseline forgone care; pairs taken in order of the sum of their
    two ranks."""
    siren = p.territory.epcis.siren.astype(str)
    f = np.array([forgone.get(siren[k], 0.0) for k in p.epci])
    pref = np.full(len(x), np.inf) if preferred is None else np.asarray(preferred, float)
    per_epci = np.bincount(p.epci, weights=x, minlength=len(siren))
    most = p.plan.max_per_epci
    pairs = []
    for li in np.unique(p.lever[x > 0]):
        src = np.flatnonzero((p.lever == li) & (x > 0))
        dst = np.flatnonzero((p.lever == li) & (x < p.cap))
        if most is not None:
            dst = dst[per_epci[p.epci[dst]] < most]
        src = src[np.argsort(f[src], kind="stable")]
        dst = dst[np.lexsort((-f[dst], pref[dst]))]
        for i, u in enumerate(src):
            for j, v in enumerate(dst):
                if p.epci[u] != p.epci[v]:
                    pairs.append((i + j, j, int(u), int(v)))
    pairs.sort()
    return [(u, v) for _, _, u, v in pairs[:n]]


def preferred_by_others(sim: simulate.Simulation, allocations: dict[str, np.ndarray],
                        start: str) -> np.ndarray:  # fmt: skip
    """Per candidate, the rank (0 = most forgone care avoided) of the best other simulated
    allocation that places a unit there, ``inf`` where none does: the sites that stage 1 or a
    baseline chose and the simulation rated are the first destinations worth trying."""
    n = len(next(iter(allocations.values())))
    out = np.full(n, np.inf)
    rows = sorted(sim.rows, key=lambda r: -r[FIGURE])
    for rank, row in enumerate(r for r in rows if r["name"] != start):
        used = np.asarray(allocations[row["name"]]) > 0
        out[used] = np.minimum(out[used], rank)
    return out


def _paired(p: Proxy, named: dict[str, np.ndarray], seeds: list[int], stage: str, results,
            **engine) -> tuple[dict[str, list[float]], dict]:  # fmt: skip
    """Forgone consultations avoided per seed (paired with the no-change run) for each named
    allocation, run through the sweep engine under ``results/refine/<stage>``; and the sweep's
    counts (``total``, ``skipped``: complete on disk)."""
    scs = [simulate._scenario(p, "no_change", [])]
    scs += [simulate._scenario(p, k, simulate.policies_of(p, x)) for k, x in named.items()]

    def data(sc):
        d = sc.as_tables()
        d.setdefault("scenario", {})["seeds"] = list(seeds)
        return Path(str(sc.path)), d

    h = hashlib.sha256(json.dumps([data(sc)[1] for sc in scs], sort_keys=True,
                                  default=str).encode())  # fmt: skip
    like = SimpleNamespace(
        name="refine",
        path=Path(str(scs[0].path)),
        description="optimise stage 3",
        baseline=data(scs[0]),
        policies=[data(sc) for sc in scs[1:]],
        seeds=list(seeds),
        definition_hash=h.hexdigest(),
    )
    stage_dir, counts = run_stage(like, stage, np.zeros((1, 0)), [], results, **engine)
    values = collect(stage_dir, 1, [sc.name for sc in scs], list(seeds))
    out = {
        k: [
            indicators.seed_differences(values[(0, "no_change", s)], values[(0, k, s)])[FIGURE]
            for s in seeds
        ]
        for k in named
    }
    return out, counts


def refine(p: Proxy, sim: simulate.Simulation, allocations: dict[str, np.ndarray],
           rounds: int = 2, moves: int = 6, results="results", **engine) -> Refinement:  # fmt: skip
    """Greedy one-unit moves from the stage-2 allocation with the most forgone consultations
    avoided (median), ``rounds`` rounds of at most ``moves`` moves each, then a check of the
    start and the result on as many fresh seeds."""
    t0 = time.perf_counter()
    start = max(sim.rows, key=lambda r: r[FIGURE])["name"]
    x = np.asarray(allocations[start], float).copy()
    seeds = list(p.plan.seeds)
    fresh = list(range(max(seeds) + 1, max(seeds) + 1 + len(seeds)))
    ref = Refinement(start, x.copy(), x, seeds, fresh)
    forgone = baseline_forgone_by_epci(sim)
    preferred = preferred_by_others(sim, allocations, start)
    siren = p.territory.epcis.siren.astype(str)
    for rnd in range(1, rounds + 1):
        tried = propose(p, x, forgone, moves, preferred)
        if not tried:
            break
        named = {"incumbent": x}
        for i, (u, v) in enumerate(tried, 1):
            y = x.copy()
            y[u] -= 1
            y[v] += 1
            named[f"move_{i}"] = y
        got, counts = _paired(p, named, seeds, f"round{rnd}", results, **engine)
        ref.runs += counts["total"]
        ref.resumed += counts["skipped"]
        inc = np.array(got["incumbent"])
        best, best_gain = None, 0.0
        for i, (u, v) in enumerate(tried, 1):
            mine = np.array(got[f"move_{i}"])
            gain = float(np.mean(mine - inc))
            beats = indicators.probability_beats(mine, inc)
            row = {
                "round": rnd,
                "move": i,
                "lever": p.plan.levers[p.lever[u]].policy,
                "from_epci": str(siren[p.epci[u]]),
                "to_epci": str(siren[p.epci[v]]),
                "forgone_avoided_mean": float(mine.mean()),
                "incumbent_forgone_avoided_mean": float(inc.mean()),
                "gain_mean": gain,
                "p_beats_incumbent": beats,
                "accepted": False,
            }
            ref.moves.append(row)
            if gain > best_gain and beats > 0.5:
                best, best_gain = (row, u, v), gain
        if best is None:
            break
        row, u, v = best
        row["accepted"] = True
        x = x.copy()
        x[u] -= 1
        x[v] += 1
    ref.x = x
    if ref.accepted:
        got, counts = _paired(p, {"start": ref.x_start, "refined": x}, fresh, "check", results,
                              **engine)  # fmt: skip
        ref.runs += counts["total"]
        ref.resumed += counts["skipped"]
        a, b = np.array(got["refined"]), np.array(got["start"])
        ref.check = {
            "start": indicators.interval(b),
            "refined": indicators.interval(a),
            "gain_mean": float(np.mean(a - b)),
            "p_beats_start": indicators.probability_beats(a, b),
        }
    ref.seconds = time.perf_counter() - t0
    return ref
