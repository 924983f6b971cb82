"""Time of the dashboard's runs over several seeds (not a test; see README.md).

The page steps every seed's pair (policies and baseline) week by week together
(``dashboard.engine.SeedRuns``); this times building the pairs, stepping them and drawing a
snapshot (effects with their intervals, per-EPCI medians) for 1, 3, 5 and 10 seeds, on Cher
with the Pacte 2025 preset over 104 weeks (the analyst's task of issue 23), and optionally on
all of France (``--france``: 1 seed, 8 weeks; several France seeds multiply the memory).

Usage: python benchmarks/bench_dashboard.py [--weeks 104] [--france]
"""

from __future__ import annotations

import argparse
import json
import resource
import time


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--weeks", type=int, default=104)
    ap.add_argument("--france", action="store_true")
    args = ap.parse_args()
    from accesssim.dashboard import controls, engine

    label = "Pacte 2025 (toutes les mesures)"
    values, base = controls.load_preset(controls.presets()[label])
    cases = [("18 Cher", n, args.weeks) for n in (1, 3, 5, 10)]
    if args.france:
        cases.append((controls.FRANCE, 1, 8))
    for territory, n, weeks in cases:
        t0 = time.perf_counter()
        r = engine.SeedRuns(engine.Settings(territory, 1, values, label, tuple(base), n))
        build = time.perf_counter() - t0
        t0 = time.perf_counter()
        for _ in range(weeks):
            r.step()
        step = time.perf_counter() - t0
        t0 = time.perf_counter()
        snap = r.snapshot()
        draw = time.perf_counter() - t0
        row = {
            "territory": territory,
            "seeds": n,
            "weeks": weeks,
            "build_s": round(build, 2),
            "step_s": round(step, 2),
            "ms_per_week": round(1000 * step / weeks, 1),
            "snapshot_s": round(draw, 3),
            "forgone_avoided": [round(x, 1) for x in snap.intervals["all"]["forgone_avoided"]],
            "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        }
        print(json.dumps(row, ensure_ascii=False))


if __name__ == "__main__":
    main()
