"""Command line: ``accesssim apl`` (accessibility against published figures), ``run`` (a
scenario over seeds), ``compare``, ``sweep``, ``summarize``, ``dashboard``, ``examples``,
``calibrate``. ``main`` also keeps a closed pipe (``accesssim ... | head``) quiet."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

from accesssim.core import access, metrics
from accesssim.geo import territory as terr
from accesssim.geo import travel
from accesssim.geo.apl import territory_apl
from accesssim.outputs import reports
from accesssim.util import files as aio
from accesssim.util.version import __version__


def _territory(args) -> terr.Territory:
    t = terr.load(args.territory)
    if args.region or args.departement:
        t = t.select(region=args.region, departement=args.departement, buffer_km=args.buffer_km)
    return t


def cmd_apl(args) -> int:
    t0 = time.perf_counter()
    t = _territory(args)
    c = t.communes
    apl = territory_apl(
        t,
        acts_per_gp=args.acts_per_gp,
        bands=access.BAND_SETS[args.bands],
        cache=not args.no_cache,
    )
    core = c.core
    pop = c.population.astype(float)
    ed_minutes = travel.nearest_minutes(t, t.emergency.commune, travel.METRIC)
    gp_minutes = travel.nearest_minutes(t, np.flatnonzero(c.gp > 0), travel.METRIC)

    epci_apl = metrics.group_mean(apl[core], pop[core], c.epci[core], len(t.epcis))
    out = sys.stdout
    print(
        reports.apl_report(t, apl, gp_minutes, ed_minutes, args.acts_per_gp, args.bands), file=out
    )
    if args.csv:
        _write_commune_csv(args.csv, t, apl, gp_minutes, ed_minutes)
        print(f"wrote {args.csv}", file=out)
    if args.map:
        from accesssim.outputs import plots

        plots.epci_choropleth(
            t,
            epci_apl,
            args.map,
            title=f"Accessibility to GPs (APL) by EPCI — {t.label}",
            label="APL, consultations per year per inhabitant (modelled)",
            source=f"accesssim {__version__}. {reports.MODELLED_NOTE} Sub-dense threshold: 2.5.",
            outline=t.epcis.priority_confirmed,
            outline_label="priority EPCIs confirmed on the 2025 list of 151",
        )
        print(f"wrote {args.map}", file=out)
    print(f"({time.perf_counter() - t0:.1f} s)", file=out)
    return 0


def cmd_run(args) -> int:
    from accesssim.experiments import runner
    from accesssim.specs import scenario

    sc = scenario.load(args.scenario, seeds=args.seeds)
    out = args.out or f"results/{sc.name}"
    print(
        f"running {sc.name}: {sc.years} years, seeds {sc.seeds}, {sc.territory_label}",
        file=sys.stderr,
    )
    result = runner.run(sc, communes=args.communes, debug=args.debug)
    files = runner.write(result, out, figures=not args.no_figures)
    print(reports.run_summary(result))
    print(f"wrote {len(files)} files to {out}/ in {result.seconds:.1f} s of simulation")
    return 0


def cmd_compare(args) -> int:
    from accesssim.experiments import compare

    base_name = compare.load_all(args.scenarios, args.seeds)[0].name
    out = args.out or f"results/compare_{base_name}"
    cmp = compare.compare(
        args.scenarios,
        seeds=args.seeds,
        ed_sensitivity=args.ed_sensitivity,
        uncertainty=args.uncertainty,
        uncertainty_results=out,
        workers=args.workers,
        design=args.uncertainty_design,
    )
    files = compare.write(cmp, out)
    print(compare.report_markdown(cmp))
    print(f"wrote {len(files)} files to {out}/")
    return 0


def cmd_sweep(args) -> int:
    from accesssim.experiments import sweep
    from accesssim.specs import experiment

    exp = experiment.load(args.experiment, seeds=args.seeds)
    print(
        f"experiment {exp.name}: {len(exp.runs)} runs ({len(exp.scenarios)} scenarios, "
        f"{len(exp.points)} grid points, {len(exp.seeds)} seeds)",
        file=sys.stderr,
    )
    counts = sweep.sweep(
        exp,
        results=args.out,
        workers=args.workers,
        scheduler=args.scheduler,
        dask_local=args.dask_local,
        force=args.force,
    )
    root = f"{args.out}/{exp.name}"
    print(
        f"{counts['done']} runs done, {counts['failed']} failed, {counts['skipped']} already "
        f"complete (of {counts['total']}); results in {root}/runs/"
    )
    for f in sweep.failures(Path(root))[:5]:
        last = f["traceback"].strip().splitlines()[-1]
        print(f"  failed: {f['run_id']}: {last}  (see runs/{f['run_id']}.failed.json)")
    if counts["failed"]:
        return 1
    print(f"summarise with: accesssim summarize {root}")
    return 0


def cmd_sensitivity(args) -> int:
    from accesssim.experiments import sensitivity, sweep

    study = sensitivity.load(args.study)
    done = sensitivity.run(
        study,
        results=args.out,
        workers=args.workers,
        scheduler=args.scheduler,
        dask_local=args.dask_local,
        force=args.force,
    )
    for stage, c in done["counts"].items():
        print(f"{stage}: {c['done']} runs done, {c['failed']} failed, {c['skipped']} complete")
        for f in sweep.failures(done["root"] / stage)[:5]:
            print(f"  failed: {f['run_id']}: {f['traceback'].strip().splitlines()[-1]}")
    print(f"report: {done['root'] / 'report.md'}")
    return 0


def cmd_summarize(args) -> int:
    from accesssim.experiments import sweep_summary

    files = sweep_summary.summarize(args.folder)
    print((files[-1]).read_text(encoding="utf-8"))
    print(f"wrote {len(files)} files to {args.folder}/")
    return 0


def dashboard_command(
    host: str, port: int, territory: str | None = None, presets: str | Path | None = None
) -> list[str]:
    """The command serving the dashboard (also used by its end-to-end test): this command's
    hidden ``--serve`` mode, which configures the page and runs Solara in its process."""
    cmd = [sys.executable, "-m", "accesssim", "dashboard", "--serve", "--host", host]
    cmd += ["--port", str(port)]
    if territory is not None:
        cmd += ["--territory-label", territory]
    if presets is not None:
        cmd += ["--presets", str(presets)]
    return cmd


def _serve_dashboard(args) -> int:
    """The server child: the page's territory and presets passed explicitly, then Solara's own
    ``run`` in this process (the page module is imported once, already configured)."""
    from solara.__main__ import cli as solara_cli

    from accesssim.dashboard import app

    app.configure(territory=args.territory_label, presets_dir=args.presets)
    run = [
        "run",
        "accesssim.dashboard.app",
        "--host",
        args.host,
        "--port",
        str(args.port),
        "--production",
        "--no-check-version",
    ]
    try:
        solara_cli(run)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 1
    return 0


def cmd_dashboard(args) -> int:
    import importlib.util
    import subprocess

    if importlib.util.find_spec("solara") is None:
        print(
            "accesssim: error: the dashboard needs solara: pip install 'accesssim[viz]'",
            file=sys.stderr,
        )
        return 2
    if args.serve:
        return _serve_dashboard(args)
    if args.presets and not Path(args.presets).is_dir():
        print(f"accesssim: error: --presets {args.presets}: not a folder", file=sys.stderr)
        return 2
    t = terr.load()  # check the name now: a clear error here, not in the browser
    label = None
    if args.region:
        label = t.names["region"][t.resolve_code("region", args.region)]
    elif args.departement:
        code = t.resolve_code("departement", args.departement)
        label = f"{code} {t.names['departement'][code]}"
    cmd = dashboard_command(args.host, args.port, label, args.presets)
    print(f"dashboard on http://{args.host}:{args.port} (Ctrl-C to stop)", file=sys.stderr)
    return _serve(subprocess.Popen(cmd))


def _serve(child) -> int:
    """Wait for the server ``child``; on SIGTERM, SIGINT or SIGHUP stop it (terminate, then
    kill after 10 s) so that it never outlives this command and keeps the port."""
    import signal
    import subprocess

    def stop(signum, frame):
        raise KeyboardInterrupt

    names = ("SIGTERM", "SIGINT", "SIGHUP")  # SIGHUP does not exist on Windows
    sigs = [getattr(signal, n) for n in names if hasattr(signal, n)]
    old = {s: signal.signal(s, stop) for s in sigs}
    try:
        return child.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        for s, h in old.items():
            signal.signal(s, h)
        if child.poll() is None:
            child.terminate()
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()


def cmd_examples(args) -> int:
    from accesssim import examples

    try:
        copied, same = examples.copy_to(args.dir, force=args.force)
    except FileExistsError as exc:
        print(f"accesssim: error: {exc}", file=sys.stderr)
        return 2
    for f in copied:
        print(f"wrote {f}")
    if same:
        print(f"{len(same)} file(s) already there, unchanged")
    print(f"try: accesssim run {Path(args.dir) / 'scenarios' / 'baseline.toml'}")
    return 0


def cmd_calibrate(args) -> int:
    from accesssim.experiments import calibration

    t = _territory(args)
    log = lambda msg: print(msg, file=sys.stderr)  # noqa: E731
    whole = t.label == "France"
    seeds = tuple(range(args.seed, args.seed + len(calibration.SEEDS)))
    rec = calibration.fit(t, seeds=seeds, log=log, sample=whole)
    if whole and not args.no_check:
        log(f"checking on all of France, seeds {list(calibration.CHECK_SEEDS)}")
        rec["france_check"] = calibration.check_france(rec["fitted"], t)
    report = calibration.calibration_report(rec, t, args.seed)
    print(report)
    if args.write:
        calibration.write(rec, args.write)
        print(f"wrote {args.write}", file=sys.stderr)
    if args.report:
        aio.atomic_write_text(args.report, report)
    return 0


def cmd_validate(args) -> int:
    from accesssim.experiments import validation

    t0 = time.perf_counter()
    ctx = validation.Context(pairs_path=args.pairs, cache=not args.no_cache)
    if args.fit_roads:
        fit = validation.fit_road_speeds(ctx.t, ctx.pairs)
        print(f"road speeds fitted on the fit set ({int(ctx.pairs['fit'].sum())} pairs): {fit}")
        print("copy them into parameters.py (travel block) to use them")
        return 0
    rows = validation.run(ctx)
    pairs = validation.pairs_markdown(ctx)
    footer = validation.no_road_footer(ctx)
    print("accesssim validate: the territory and its cores against published figures\n")
    print(validation.markdown(rows))
    print(pairs)
    print(footer)
    if args.out:
        for f in validation.write(rows, args.out, pairs + "\n" + footer):
            print(f"wrote {f}")
    print(f"({time.perf_counter() - t0:.1f} s)")
    return 0


def _write_commune_csv(path, t, apl, gp_minutes, ed_minutes) -> None:
    """One row per core commune, place columns as in every table (export.py), beside a
    ``.csvt`` sidecar for QGIS."""
    from accesssim.outputs import export

    c = t.communes
    places = export.commune_places(t)
    rows = []
    for i in np.flatnonzero(c.core):
        code = str(c.code[i])
        p = places[code]
        rows.append(
            {
                "commune": code,
                "commune_name": p["commune_name"],
                "epci": p["epci"],
                "departement": p["departement"],
                "region": p["region"],
                "cog": p["cog"],
                "population": int(c.population[i]),
                "gp_modelled": int(c.gp[i]),
                "apl_modelled": float(apl[i]),
                "minutes_nearest_gp": float(gp_minutes[i]),
                "minutes_nearest_ed": float(ed_minutes[i]),
                "density_class": terr.DENSITY_CLASSES[c.density_class[i]],
            }
        )
    aio.atomic_write_text(path, export.csv_text(rows))
    aio.atomic_write_text(Path(path).with_suffix(".csvt"), export.csvt_text(rows))


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="accesssim",
        description="Agent-based simulation of access to general practitioners in France. "
        "All figures on the embedded territory are modelled from public data (see DATA.md).",
    )
    p.add_argument("--version", action="version", version=f"accesssim {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    a = sub.add_parser(
        "apl",
        help="APL (accessibility to GPs) of France or a selection, against published figures",
        description="Compute the APL (E2SFCA, DREES method as far as documented) on the "
        "embedded territory, print it beside the published national figures, and optionally "
        "write a map of EPCIs and a per-commune CSV.",
    )
    where = a.add_mutually_exclusive_group()
    where.add_argument("--region", help="région name or code, e.g. 'Bretagne' or 53")
    where.add_argument("--departement", help="département name or code, e.g. 'Landes' or 40")
    a.add_argument("--map", metavar="FILE.png", help="write a choropleth of EPCIs")
    a.add_argument("--csv", metavar="FILE.csv", help="write one row per commune")
    a.add_argument(
        "--acts-per-gp",
        type=float,
        default=access.ACTS_PER_GP,
        help="consultations per GP per year (default %(default).0f: 230 M GP acts a year / "
        "55,546 GPs)",
    )
    a.add_argument(
        "--bands",
        choices=sorted(access.BAND_SETS),
        default="drees2015",
        help="distance-decay bands (default drees2015: 1/0.66/0.33 to 20 min)",
    )
    a.add_argument(
        "--buffer-km",
        type=float,
        default=terr.DEFAULT_BUFFER_KM,
        help="communes kept around a selection (default %(default)s km)",
    )
    a.add_argument("--territory", help="territory file (default: the embedded one)")
    a.add_argument(
        "--no-cache", action="store_true", help="do not read or write the travel-time cache"
    )
    a.set_defaults(func=cmd_apl)

    r = sub.add_parser(
        "run",
        help="run a scenario file over its seeds and write tables, figures and a summary",
        description="Run the agent-based model for a scenario (TOML, see scenarios/) and write "
        "tidy CSV tables (national weekly series, EPCI monthly and yearly, priority × age "
        "band), a manifest, figures and summary.md to --out.",
    )
    r.add_argument("scenario", help="scenario file, e.g. scenarios/baseline.toml")
    r.add_argument("--out", help="output folder (default results/<scenario name>)")
    r.add_argument("--seeds", type=int, help="number of seeds (overrides the file: 1..N)")
    r.add_argument(
        "--communes",
        action="store_true",
        help="also write a per-commune table and a communes layer (communes.geojson, layers.gpkg)",
    )
    r.add_argument("--no-figures", action="store_true", help="skip the figures")
    r.add_argument(
        "--debug", action="store_true", help="check conservation and positivity every step (slower)"
    )
    r.set_defaults(func=cmd_run)

    c = sub.add_parser(
        "compare",
        help="run a baseline and policy scenarios with the same seeds and compare them",
        description="Run the scenarios with common random numbers (the baseline's seeds) and "
        "report, for each policy against the baseline (the file with no [[policies]]), the "
        "median and 90% interval across seeds of forgone care and ED visits avoided, the "
        "change in renoncement in priority EPCIs and elsewhere, APL, cost and euros per "
        "avoided forgone consultation; with figures and a markdown report.",
    )
    c.add_argument("scenarios", nargs="+", help="scenario files, one of them a baseline")
    c.add_argument("--seeds", type=int, help="number of seeds for all (default: baseline's)")
    c.add_argument("--out", help="output folder (default results/compare_<baseline>)")
    c.add_argument(
        "--ed-sensitivity",
        action="store_true",
        help="also rerun at ed_without_mt_rr 1 and 4 (ed_base_rate rescaled to keep the "
        "baseline ED total) to show what ED results depend on (triples the run time)",
    )
    c.add_argument(
        "--uncertainty",
        type=int,
        default=0,
        metavar="N",
        help="also draw N parameter sets (Latin hypercube over every uncertain parameter's "
        "range) × the seeds: intervals from parameters and noise together, the probability "
        "each policy avoids more forgone care than each other, euros per avoided consultation",
    )
    c.add_argument(
        "--uncertainty-design",
        choices=("lhs", "sobol"),
        default="lhs",
        help="parameter sets: Latin hypercube (default) or a scrambled Sobol sequence",
    )
    c.add_argument("--workers", type=int, default=1, help="local processes for --uncertainty runs")
    c.set_defaults(func=cmd_compare)

    w = sub.add_parser(
        "sweep",
        help="run an experiment (scenarios × parameter grid × seeds), resumable",
        description="Run every run of an experiment file (experiments/*.toml) in a local "
        "process pool, or on a Dask cluster. Each run's results land atomically in "
        "results/<experiment>/runs/<run-id>/; rerunning skips complete runs, so an "
        "interrupted sweep resumes. Exit code 1 if any run failed (tracebacks in "
        "runs/<run-id>.failed.json). Dask: start `dask scheduler` and `dask worker ADDRESS` "
        "on the machines, then pass --scheduler ADDRESS.",
    )
    w.add_argument("experiment", help="experiment file, e.g. experiments/solidarity_dose.toml")
    w.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 1,
        help="local worker processes (default: the number of cores)",
    )
    where_w = w.add_mutually_exclusive_group()
    where_w.add_argument(
        "--scheduler", metavar="ADDRESS", help="Dask scheduler address, e.g. tcp://10.0.0.5:8786"
    )
    where_w.add_argument(
        "--dask-local",
        type=int,
        metavar="N",
        help="start a local Dask cluster of N worker processes",
    )
    w.add_argument("--seeds", type=int, help="number of seeds (overrides the file)")
    w.add_argument(
        "--out",
        "--results",
        dest="out",
        default="results",
        help="results root; runs land in OUT/<experiment>/runs/ (default results/; "
        "--results is the former name)",
    )
    w.add_argument(
        "--force",
        action="store_true",
        help="reuse a results folder made by another definition of the experiment",
    )
    w.set_defaults(func=cmd_sweep)

    se = sub.add_parser(
        "sensitivity",
        help="Morris screening and Sobol indices of outputs and policy effects (SALib)",
        description="Run a sensitivity file (experiments/sensitivity_*.toml) through the sweep "
        "engine (resumable, failures recorded) and write morris_indices.csv, "
        "sobol_indices.csv, one ranked bar figure per output and report.md under "
        "OUT/<name>/.",
    )
    se.add_argument("study", help="sensitivity file, e.g. experiments/sensitivity_cvl.toml")
    se.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="local processes")
    where_se = se.add_mutually_exclusive_group()
    where_se.add_argument("--scheduler", metavar="ADDRESS", help="Dask scheduler address")
    where_se.add_argument("--dask-local", type=int, metavar="N", help="local Dask cluster of N")
    se.add_argument("--out", default="results", help="results root (default results/)")
    se.add_argument("--force", action="store_true", help="reuse a folder of another definition")
    se.set_defaults(func=cmd_sensitivity)

    z = sub.add_parser(
        "summarize",
        help="tables, bands per grid point, dose-response figures and a report of a sweep",
        description="Summarise results/<experiment>: sweep_runs.csv (one row per run with its "
        "grid point), sweep_summary.csv (median and 5-95% band per grid point), "
        "dose_<key>.png figures and summary.md.",
    )
    z.add_argument("folder", help="results/<experiment>")
    z.set_defaults(func=cmd_summarize)

    d = sub.add_parser(
        "dashboard",
        help="start the dashboard in the browser (needs the viz extra)",
        description="Start the dashboard (a Solara page, in French): choose a territory and "
        "policy doses or a preset scenario, run, pause or step the model beside its same-seed "
        "baseline; see what the policies avoided (forgone consultations, ED visits, people), "
        "what they cost and where (difference map by EPCI, monthly series, EPCI table), and "
        "download the EPCI table (CSV) and the map (PNG).",
    )
    dw = d.add_mutually_exclusive_group()
    dw.add_argument("--region", help="initial région (default Centre-Val de Loire)")
    dw.add_argument("--departement", help="initial département instead")
    d.add_argument("--port", type=int, default=8765, help="port to serve on (default 8765)")
    d.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to serve on (default 127.0.0.1, this machine only)",
    )
    d.add_argument(
        "--presets",
        metavar="DIR",
        help="folder of scenario files offered as presets (default: the shipped examples)",
    )
    d.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)  # the server child
    d.add_argument("--territory-label", help=argparse.SUPPRESS)  # a label of the page's list
    d.set_defaults(func=cmd_dashboard)

    x = sub.add_parser(
        "examples",
        help="copy the example scenarios and experiments shipped with the package",
        description="Copy the example scenario files (scenarios/*.toml) and experiment files "
        "(experiments/*.toml) shipped inside the package into DIR, so that the README's "
        "commands run from DIR after a plain `pip install`. Files already there with other "
        "content are not overwritten without --force.",
    )
    x.add_argument("dir", nargs="?", default=".", help="destination folder (default: here)")
    x.add_argument("--force", action="store_true", help="overwrite files with other content")
    x.set_defaults(func=cmd_examples)

    v = sub.add_parser(
        "validate",
        help="the validation table: every check against a published figure, with its status",
        description="Compare the territory, travel times and APL with published figures "
        "(each row fitted, set by construction or independent, with source and year), and the "
        "road model with the reference times of validation/road_pairs.csv (held-out half).",
    )
    v.add_argument("--out", metavar="DIR", help="write validation.csv and validation.md there")
    v.add_argument(
        "--pairs",
        help="road pair file (default: the pairs shipped with the package, "
        "validation/road_pairs.csv in a checkout)",
    )
    v.add_argument(
        "--fit-roads",
        action="store_true",
        help="fit the road speeds on the fit half of the pairs and print them (a few minutes)",
    )
    v.add_argument("--no-cache", action="store_true", help="do not use the travel-time cache")
    v.set_defaults(func=cmd_validate)

    k = sub.add_parser(
        "calibrate",
        help="fit the free parameters to published national figures and print the report",
        description="Fit consultations per inhabitant, forgoing, ED and médecin-traitant "
        "parameters to their published targets by least squares (scipy) on a national "
        "subsample, two seeds, years 2-3 of the baseline; check the fit on all of France on "
        "five seeds; print the fit, active bounds, identifiability and parameter draws "
        "(docs/calibration.md). About half an hour on two cores.",
    )
    kw = k.add_mutually_exclusive_group()
    kw.add_argument("--region", help="calibrate on a région (default: all of France)")
    kw.add_argument("--departement", help="calibrate on a département")
    k.add_argument(
        "--seed", type=int, default=1, help="first of the calibration's seeds (default 1)"
    )
    k.add_argument(
        "--no-check", action="store_true", help="skip the check on all of France (5 seeds)"
    )
    k.add_argument(
        "--write",
        metavar="PATH",
        help="write the fitted values to PATH (use it with [scenario] calibration = PATH)",
    )
    k.add_argument("--report", metavar="FILE.md", help="also write the report to a file")
    k.add_argument(
        "--buffer-km",
        type=float,
        default=terr.DEFAULT_BUFFER_KM,
        help="communes kept around a selection (default %(default)s km)",
    )
    k.add_argument("--territory", help=argparse.SUPPRESS)
    k.set_defaults(func=cmd_calibrate)
    return p


def main(argv=None) -> int:
    try:
        try:
            return _main(argv)
        finally:
            sys.stdout.flush()
    except BrokenPipeError:
        # the reader went away (`accesssim ... | head`): no traceback; silence the final flush
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


def _main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (terr.TerritoryError, ValueError) as exc:
        print(f"accesssim: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
