"""Time of the optimiser's MILP on a région and on all of France (not a test; see README.md).

Targets (issue 21): under 5 s on a région, under 60 s on all of France (1,255 EPCIs). The
candidates are each EPCI's main GP commune (where the policies act), one per lever; the
levers are France Santé labels (at most 2 per EPCI) and salaried GP posts (at most 2 per EPCI),
their unit costs and supply from the policies' declared parameters. Budgets are illustrative
(an assumption of this benchmark, not a policy figure). Both objectives are timed; the proxy
build (travel matrix from the cache, the sparse A) is timed apart. Each row also gives the
proxy objective of the four baselines placing the optimum's units (``<rule>_value``).

Usage: python benchmarks/bench_optimise.py [--time-limit 120] [--only region|france]
"""

from __future__ import annotations

import argparse
import json
import time

CASES = {
    "region": ({"region": "Centre-Val de Loire"}, 5e6, 5.0),
    "france": ({}, 50e6, 60.0),
}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--time-limit", type=float, default=120.0)
    ap.add_argument("--only", choices=sorted(CASES))
    args = ap.parse_args()
    from accesssim.experiments.optimise import baselines, milp, proxy
    from accesssim.specs import plan as planfile

    rows = []
    for name, (territory, budget, target) in CASES.items():
        if args.only and name != args.only:
            continue
        data = {
            "plan": {"name": f"bench_{name}", "budget_per_year": budget, "k_best": 1},
            "levers": [
                {"type": "france_sante", "max_per_unit": 2},
                {"type": "salaried_gps", "max_per_unit": 2},
            ],
        }
        if territory:
            data["territory"] = territory
        plan = planfile.from_dict(data, f"<bench {name}>")
        t0 = time.perf_counter()
        p = proxy.build(plan)
        build_s = time.perf_counter() - t0
        for objective in ("lifted", "shortfall"):
            r = milp.solve(p, objective, k_best=1, time_limit=args.time_limit)
            b = r.best
            row = {
                "case": name,
                "objective": objective,
                "epcis": int(len(set(p.epci.tolist()))),
                "candidates": int(len(p.supply)),
                "variables": r.variables,
                "constraints": r.constraints,
                "proxy_build_s": round(build_s, 2),
                "solve_s": round(b.seconds, 2),
                "target_s": target,
                "gap": b.gap,
                "objective_value": round(b.objective, 1),
                "baseline": round(r.baseline[objective], 1),
                "status": b.status,
            }
            # the four baselines with the optimum's units (the same spend), on the proxy
            units = baselines.units_by_lever(p, b.x)
            for rule in baselines.RULES:
                x = baselines.place(p, units, rule)
                row[f"{rule}_value"] = round(p.objectives(x)[objective], 1)
            rows.append(row)
            print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
