"""Sweep throughput: runs per minute of a one-region, 5-year scenario (not a test).

Local process pool with 1 and 2 workers, and a Dask LocalCluster of 2 workers; peak memory
per worker process; scaling efficiency = (runs/min with 2) / (2 × runs/min with 1).
Usage: python benchmarks/bench_sweep.py [--runs 8]
"""

from __future__ import annotations

import argparse
import resource
import shutil
import tempfile
import time
from pathlib import Path

from accesssim.experiments import sweep
from accesssim.specs import experiment

ROOT = Path(__file__).resolve().parents[1]
EXPERIMENT = """
[experiment]
name = "bench"
scenarios = ["{baseline}"]
seeds = {seeds}
outputs = ["epci_yearly", "national_weekly"]
"""


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--runs", type=int, default=8)
    args = p.parse_args()
    tmp = Path(tempfile.mkdtemp())
    exp_file = tmp / "bench.toml"
    exp_file.write_text(
        EXPERIMENT.format(baseline=ROOT / "scenarios" / "baseline.toml", seeds=args.runs)
    )
    exp = experiment.load(exp_file)
    rows = []
    for label, kw in (
        ("process pool, 1 worker", {"workers": 1}),
        ("process pool, 2 workers", {"workers": 2}),
        ("Dask LocalCluster, 2 workers", {"dask_local": 2}),
    ):
        out = tmp / label.replace(" ", "_").replace(",", "")
        t0 = time.perf_counter()
        counts = sweep.sweep(exp, out, show_progress=False, **kw)
        dt = time.perf_counter() - t0
        assert counts["done"] == args.runs, counts
        rows.append((label, dt, args.runs / dt * 60))
        shutil.rmtree(out)
    child_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(
        f"{args.runs} runs of scenarios/baseline.toml (Centre-Val de Loire, 5 years, one seed "
        "each)\n"
    )
    print("| executor | seconds | runs per minute |")
    print("|---|---:|---:|")
    for label, dt, rpm in rows:
        print(f"| {label} | {dt:.1f} | {rpm:.1f} |")
    one, two = rows[0][2], rows[1][2]
    print(
        f"\nscaling efficiency with 2 workers: {two / (2 * one):.0%}; "
        f"peak memory of a worker process: {child_peak:.0f} MB"
    )


if __name__ == "__main__":
    main()
