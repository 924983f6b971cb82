"""Sensitivity throughput: runs per minute of Centre-Val de Loire 5-year runs (not a test).

"sweep task": ``sweep.execute`` as ``accesssim sweep`` runs it (tables written per run).
"sensitivity task": ``sensitivity.execute.execute`` (the territory kept per worker process, only the
analysed figures written). Both with 1 and 2 local workers; then the wall time and peak memory
of a Morris screening of every uncertain parameter (``--r``; 2 workers).
Usage: python benchmarks/bench_sensitivity.py [--runs 8] [--r 2] [--years 5]
       [--tasks sweep,sensitivity] [--workers 1,2]
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import tempfile
import time
from pathlib import Path

from bench_sweep import EXPERIMENT  # the same experiment, run by both benchmarks

from accesssim.experiments import sweep
from accesssim.experiments.sensitivity import execute, pipeline
from accesssim.specs import experiment

ROOT = Path(__file__).resolve().parents[1]
STUDY = """
[sensitivity]
name = "bench_morris"
baseline = "{baseline}"
policies = ["{solidarity}", "{pacte}"]
parameters = "all"
seeds = 1
years = {years}
[morris]
r = {r}
"""


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--runs", type=int, default=8, help="throughput runs (0: skip)")
    p.add_argument("--r", type=int, default=2, help="Morris trajectories (0: skip)")
    p.add_argument("--years", type=int, default=5)
    p.add_argument("--tasks", default="sweep,sensitivity", help="throughput tasks to time")
    p.add_argument("--workers", default="1,2", help="worker counts for the throughput runs")
    args = p.parse_args()
    tmp = Path(tempfile.mkdtemp())
    sc = ROOT / "scenarios"
    exp_file = tmp / "bench.toml"
    exp_file.write_text(EXPERIMENT.format(baseline=sc / "baseline.toml", seeds=max(args.runs, 1)))
    exp = experiment.load(exp_file) if args.runs else None
    rows = []
    tasks = {
        "sweep": ("sweep task", None),
        "sensitivity": ("sensitivity task", execute.execute),
    }
    chosen = [tasks[k.strip()] for k in args.tasks.split(",")]
    for task_label, task in chosen if args.runs else ():
        for workers in [int(w) for w in args.workers.split(",")]:
            out = tmp / f"{task_label.replace(' ', '_')}{workers}"
            t0 = time.perf_counter()
            counts = sweep.sweep(exp, out, workers=workers, show_progress=False, task=task)
            dt = time.perf_counter() - t0
            assert counts["done"] == args.runs, counts
            # each run's own time inside its worker (manifest "seconds"): the rate once the
            # workers are started, which a long study approaches
            per_run = [
                json.loads(f.read_text())["seconds"] for f in out.glob("*/runs/*/manifest.json")
            ]
            steady = workers * 60 / (sum(per_run) / len(per_run))
            rows.append((task_label, workers, dt, args.runs / dt * 60, steady))
            shutil.rmtree(out)
    if rows:
        print(f"{args.runs} runs of scenarios/baseline.toml (Centre-Val de Loire, 5 years)\n")
        print("| task | workers | seconds | runs per minute | once started |")
        print("|---|---:|---:|---:|---:|")
    for label, w, dt, rpm, steady in rows:
        print(f"| {label} | {w} | {dt:.1f} | {rpm:.1f} | {steady:.1f} |")
    if args.r:
        f = tmp / "study.toml"
        f.write_text(
            STUDY.format(
                baseline=sc / "baseline.toml",
                solidarity=sc / "solidarity_2025.toml",
                pacte=sc / "pacte_2025.toml",
                years=args.years,
                r=args.r,
            )
        )
        study = pipeline.load(f)
        t0 = time.perf_counter()
        done = pipeline.run(study, tmp / "morris", workers=2, show_progress=False)
        dt = time.perf_counter() - t0
        n = done["counts"]["morris"]["total"]
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            f"\nMorris r = {args.r}, {len(study.parameter_names)} parameters, 3 scenarios, "
            f"{args.years} years: {n} runs in {dt:.0f} s ({n / dt * 60:.1f} runs/min, 2 "
            f"workers); peak memory {peak:.0f} MB per worker, {own:.0f} MB main process"
        )
    shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
