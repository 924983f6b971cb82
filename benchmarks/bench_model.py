"""Time and peak memory of model runs (not a test; see README.md here).

All of France (34,875 communes, 55,546 GPs) over 10 years of weekly steps, and one region
over 5 years; each in a fresh process (travel matrices from the cache, as in normal use).
Usage: python benchmarks/bench_model.py [--skip-france]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

TASK = r"""
import json, resource, sys, time
region, years = sys.argv[1], int(sys.argv[2])
from accesssim.geo import territory, travel
from accesssim.model.access_model import AccessModel
t = territory.load()
if region != "France":
    t = t.select(region=region)
for cutoff in (20, 30):
    travel.travel_matrix(t, cutoff)  # warm the cache outside the timing
t0 = time.perf_counter()
m = AccessModel(t, rng=1)
t1 = time.perf_counter()
m.run_for(52 * years)
t2 = time.perf_counter()
print(json.dumps({"init_s": t1 - t0, "run_s": t2 - t1, "total_s": t2 - t0,
                  "weeks": 52 * years, "communes": len(t.communes), "gps": int(m.gp_active.sum()),
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def run(region: str, years: int) -> dict:
    r = subprocess.run(
        [sys.executable, "-c", TASK, region, str(years)], capture_output=True, text=True, check=True
    )
    return json.loads(r.stdout.strip().splitlines()[-1])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--skip-france", action="store_true")
    args = p.parse_args()
    cases = [("Centre-Val de Loire", 5), ("Bretagne", 5)]
    if not args.skip_france:
        cases.append(("France", 10))
    print("| territory | years | communes | init s | run s | total s | ms/week | peak MB |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for region, years in cases:
        r = run(region, years)
        print(
            f"| {region} | {years} | {r['communes']:,} | {r['init_s']:.1f} | {r['run_s']:.1f} "
            f"| {r['total_s']:.1f} | {1000 * r['run_s'] / r['weeks']:.0f} | {r['peak_mb']:.0f} |"
        )


if __name__ == "__main__":
    main()
