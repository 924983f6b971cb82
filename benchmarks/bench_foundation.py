"""Time and peak memory of the foundation on this machine (not a test; see README.md here).

Each task runs in a fresh subprocess so that its peak resident memory is its own.
Usage: python benchmarks/bench_foundation.py [--repeat 3] [--cutoffs 20 30 60]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile

TASK = r"""
import json, resource, sys, time
task, cache_dir = sys.argv[1], sys.argv[2]
t0 = time.perf_counter()
from accesssim.core import access
from accesssim.geo import territory, travel
t = territory.load()
load_s = time.perf_counter() - t0
out = {"load_s": load_s}
if task.startswith("matrix"):
    cutoff = float(task.split("_")[1])
    t1 = time.perf_counter()
    m = travel.travel_matrix(t, cutoff, cache_dir=cache_dir)
    out.update(seconds=time.perf_counter() - t1, nnz=int(m.nnz))
elif task == "apl":
    times = travel.travel_matrix(t, 20, cache_dir=cache_dir)
    t1 = time.perf_counter()
    apl = access.e2sfca(t.communes.gp * access.ACTS_PER_GP, t.communes.population, times)
    out.update(seconds=time.perf_counter() - t1)
elif task == "load":
    out.update(seconds=load_s)
out["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(out))
"""


def run(task: str, cache_dir: str) -> dict:
    r = subprocess.run(
        [sys.executable, "-c", TASK, task, cache_dir], capture_output=True, text=True, check=True
    )
    return json.loads(r.stdout.strip().splitlines()[-1])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--cutoffs", type=int, nargs="+", default=[20, 30, 60], help="matrix cutoffs")
    args = p.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as cache:
        rows.append(("load France", [run("load", cache) for _ in range(args.repeat)]))
        for cutoff in args.cutoffs:
            with tempfile.TemporaryDirectory() as cold:
                cold_runs = [run(f"matrix_{cutoff}", cold)]
            run(f"matrix_{cutoff}", cache)  # fill the shared cache
            cached = [run(f"matrix_{cutoff}", cache) for _ in range(args.repeat)]
            rows.append((f"travel matrix {cutoff} min, cold", cold_runs))
            rows.append((f"travel matrix {cutoff} min, cached", cached))
        rows.append(
            ("APL France (E2SFCA, 20 min)", [run("apl", cache) for _ in range(args.repeat)])
        )
    print(f"| task | seconds (best of {args.repeat}) | peak memory MB | stored times |")
    print("|---|---:|---:|---:|")
    for name, runs in rows:
        best = min(r["seconds"] for r in runs)
        peak = max(r["peak_mb"] for r in runs)
        nnz = runs[0].get("nnz", "")
        print(
            f"| {name} | {best:.2f} | {peak:.0f} | {nnz:,} |"
            if nnz
            else f"| {name} | {best:.2f} | {peak:.0f} | |"
        )


if __name__ == "__main__":
    main()
