"""The handlers of the command line's sub-commands (arguments in ``parser``; the dashboard's in
``dashboard_server``): each reads its ``args``, calls the layers below and prints; 0 on success.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from accesssim.core import access
from accesssim.geo import territory as terr
from accesssim.geo.apl import territory_access
from accesssim.outputs import reports
from accesssim.util import files as aio
from accesssim.util.text import plural
from accesssim.util.version import __version__


def check_out(path, option: str, folder: bool = True) -> None:
    """Refuse, before any work, an output path under a file (``--out <file>/x``): the folder
    (``folder``) or the file's folder must be a folder or not exist yet."""
    if path is None:
        return
    p = Path(path) if folder else Path(path).parent
    for q in (p, *p.parents):
        if q.exists():
            if not q.is_dir():
                raise ValueError(f"{option} {path}: {q} is a file, not a folder")
            return


def _territory(args) -> terr.Territory:
    t = terr.load(args.territory)
    if args.region is not None or args.departement is not None:
        t = t.select(region=args.region, departement=args.departement, buffer_km=args.buffer_km)
    return t


def cmd_apl(args) -> int:
    t0 = time.perf_counter()
    check_out(args.csv, "--csv", folder=False)
    check_out(args.map, "--map", folder=False)
    t = _territory(args)
    a = territory_access(
        t,
        acts_per_gp=args.acts_per_gp,
        bands=access.BAND_SETS[args.bands],
        cache=not args.no_cache,
    )
    out = sys.stdout
    print(
        reports.apl_report(t, a.apl, a.gp_minutes, a.ed_minutes, args.acts_per_gp, args.bands),
        file=out,
    )
    if args.csv:
        from accesssim.outputs import export

        export.write_commune_access_csv(args.csv, t, a.apl, a.gp_minutes, a.ed_minutes)
        print(f"wrote {args.csv}", file=out)
    if args.map:
        from accesssim.outputs import plots

        plots.epci_choropleth(
            t,
            a.epci_apl,
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
    from accesssim.specs import scenario, schema

    sc = scenario.load(args.scenario, seeds=args.seeds)
    out = args.out or f"results/{sc.name}"
    check_out(out, "--out")
    aio.check_folder(out, "run", args.force)  # before the work, not after
    print(
        f"running {sc.name}: {plural(sc.years, 'year')}, seeds {schema.shown(sc.seeds)}, "
        f"{sc.territory_label}",
        file=sys.stderr,
    )
    result = runner.run(sc, communes=args.communes, debug=args.debug)
    files = runner.write(result, out, figures=not args.no_figures, force=args.force)
    print(reports.run_summary(result, [p.name for p in files]))
    for w in reports.no_effect_warnings(result):
        print(f"warning: {w}", file=sys.stderr)
    print(f"wrote {len(files)} files to {out}/ in {result.seconds:.1f} s of simulation")
    return 0


def cmd_compare(args) -> int:
    from accesssim.experiments import compare

    base_name = compare.load_all(args.scenarios, args.seeds)[0].name
    out = args.out or f"results/compare_{base_name}"
    check_out(out, "--out")
    aio.check_folder(out, "compare", args.force, ignore=compare.OWN_SUBFOLDERS)
    cmp = compare.compare(
        args.scenarios,
        seeds=args.seeds,
        ed_sensitivity=args.ed_sensitivity,
        replacement_range=args.replacement_range,
        uncertainty=args.uncertainty,
        uncertainty_results=out,
        workers=args.workers,
        design=args.uncertainty_design,
    )
    files = compare.write(cmp, out, force=args.force)
    print(compare.report_markdown(cmp))
    for name, res in cmp.policies.items():
        for w in reports.no_effect_warnings(res):
            print(f"warning ({name}): {w}", file=sys.stderr)
    print(f"wrote {len(files)} files to {out}/")
    return 0


def cmd_optimise(args) -> int:
    from accesssim.experiments.optimise import run, write
    from accesssim.specs import plan as planfile

    plan = planfile.load(args.plan)
    out = args.out or f"results/optimise_{plan.name}"
    check_out(out, "--out")
    aio.check_folder(out, "optimise", args.force)
    result = run.optimise(
        plan,
        simulate_plans=not args.no_simulate,
        time_limit=args.time_limit,
        uncertainty_results=out,
        refine_rounds=args.refine,
        refine_moves=args.refine_moves,
        workers=args.workers,
    )
    files = write.write(result, out, figures=not args.no_figures, force=args.force)
    print(write.report_text(result))
    print(f"wrote {len(files)} files to {out}/ in {result.seconds:.1f} s")
    return 0


def confirm_runs(n: int, args) -> None:
    """Before an experiment's runs are prepared: above ``experiment.CONFIRM_RUNS`` runs, go
    on only with --yes or a "y" typed at a terminal (no terminal, or CI: refuse, naming the
    count and --yes); a 1000 × 1000 grid otherwise printed nothing for minutes."""
    import os

    from accesssim.specs import experiment
    from accesssim.specs.scenario import ScenarioError

    if n <= experiment.CONFIRM_RUNS or args.yes:
        if n > 1000:
            print(f"preparing {n:,} runs", file=sys.stderr)
        return
    what = f"{args.experiment}: {n:,} runs (more than {experiment.CONFIRM_RUNS:,})"
    if sys.stdin.isatty() and not os.environ.get("CI"):
        answer = input(f"{what}; prepare and run them all? [y/N] ")
        if answer.strip().lower() in ("y", "yes"):
            return
        raise ScenarioError(f"{what}: not confirmed; pass --yes to run them")
    raise ScenarioError(f"{what}; pass --yes to run them (no terminal to ask)")


def cmd_sweep(args) -> int:
    from accesssim.experiments import sweep
    from accesssim.specs import experiment

    exp = experiment.load(
        args.experiment, seeds=args.seeds, on_count=lambda n: confirm_runs(n, args)
    )
    check_out(args.out, "--out")
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
    from accesssim.experiments import sweep
    from accesssim.experiments.sensitivity import pipeline

    study = pipeline.load(args.study)
    check_out(args.out, "--out")
    done = pipeline.run(
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

    check_out(args.write, "--write", folder=False)
    check_out(args.report, "--report", folder=False)
    t = _territory(args)
    log = lambda msg: print(msg, file=sys.stderr)  # noqa: E731
    whole = t.label == "France"
    seeds = tuple(range(args.seed, args.seed + len(calibration.SEEDS)))
    # on all of France, not the subsample: fitted there, renoncement came out at half its
    # target on France (docs/calibration.md)
    rec = calibration.fit(t, seeds=seeds, log=log, start=args.start)
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
    check_out(args.out, "--out")
    ctx = validation.Context(pairs_path=args.pairs, cache=not args.no_cache)
    if args.fit_roads:
        from accesssim.experiments.validation import road_references

        fit = road_references.fit_road_references(ctx.t)
        print(f"road model fitted on {road_references.FIT_FILE} (fit half only): {fit}")
        print("copy them into parameters.py (travel block) to use them")
        return 0
    rows = validation.run(ctx)
    pairs = validation.road_checks.summary_markdown(ctx) + validation.pairs_markdown(ctx)
    regions = validation.region_markdown(ctx)
    footer = validation.no_road_footer(ctx)
    print("accesssim validate: the territory and its cores against published figures\n")
    print(validation.markdown(rows))
    print(regions)
    print(pairs)
    print(footer)
    if args.out:
        for f in validation.write(rows, args.out, regions + "\n" + pairs + "\n" + footer):
            print(f"wrote {f}")
    print(f"({time.perf_counter() - t0:.1f} s)")
    return 0
