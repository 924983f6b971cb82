"""Runs per minute of the optimiser's stage 2 (every plan and baseline in the simulation), on 1
and 2 local workers (not a test; see README.md).

The worked example's plan (``cvl_solidarity_budget.toml``: 3 proxy plans, 4 baselines and the
no-change run, 3 seeds, 5 years, Centre-Val de Loire). Stage 1 is solved once; only the
simulation is timed, each worker count ``--repeat`` times (best and median reported), with the
travel matrices already in the user cache (the first call warms it).

Usage: python benchmarks/bench_optimise_stage2.py [--repeat 2] [--workers 1 2]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = ap.parse_args()
    from accesssim import examples
    from accesssim.experiments.optimise import baselines, milp, proxy, simulate
    from accesssim.specs import plan as planfile

    plan = planfile.load(examples.ROOT / "plans" / "cvl_solidarity_budget.toml")
    p = proxy.build(plan)
    solved = milp.solve(p)
    units = baselines.units_by_lever(p, solved.best.x)
    allocations = {f"plan_{s.rank}": s.x for s in solved.solutions}
    labels = {k: k for k in allocations}
    for rule in baselines.RULES:
        allocations[rule] = baselines.place(p, units, rule)
        labels[rule] = baselines.LABELS[rule]
    simulate.run(p, {"plan_1": allocations["plan_1"]}, labels)  # warm the caches
    for workers in args.workers:
        times, runs = [], 0
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            sim = simulate.run(p, allocations, labels, workers=workers)
            times.append(time.perf_counter() - t0)
            runs = sim.runs
        best, median = min(times), statistics.median(times)
        row = {
            "workers": workers,
            "runs": runs,
            "best_s": round(best, 2),
            "median_s": round(median, 2),
            "runs_per_minute_best": round(60 * runs / best, 1),
            "runs_per_minute_median": round(60 * runs / median, 1),
        }
        print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
