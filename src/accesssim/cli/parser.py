"""The command line's arguments and help texts: one sub-command per front-end action, named by
``args.command`` (``main`` dispatches it to its handler in ``commands`` or ``dashboard_server``).
"""

from __future__ import annotations

import argparse
import os

from accesssim.core import access
from accesssim.geo import territory as terr
from accesssim.params import calibration as calfile
from accesssim.util.version import __version__

ALLOW_CODE_HELP = (
    'let scenario files name policies as type = "package.module:Class": the module is '
    "imported, which runs its code, so only for files you trust (refused without this flag; "
    "the current folder is not importable: set PYTHONPATH, e.g. PYTHONPATH=.)"
)


def allow_code(parser) -> None:
    parser.add_argument("--allow-code", action="store_true", help=ALLOW_CODE_HELP)


def name_or_code(value: str) -> str:
    """A région or département given on the command line: not empty (an empty name would
    otherwise select all of France)."""
    if not value.strip():
        raise argparse.ArgumentTypeError("expected a name or code, got an empty string")
    return value


def positive_int(text: str) -> int:
    """An argparse type: a whole number of at least 1 (``--workers 0`` ran serially, silently)."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return value


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
    where.add_argument(
        "--region", type=name_or_code, help="région name or code, e.g. 'Bretagne' or 53"
    )
    where.add_argument(
        "--departement", type=name_or_code, help="département name or code, e.g. 'Landes' or 40"
    )
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

    r = sub.add_parser(
        "run",
        help="run a scenario file over its seeds and write tables, figures and a summary",
        description="Run the agent-based model for a scenario (TOML, see scenarios/) and write "
        "tidy CSV tables (national weekly series, EPCI monthly and yearly, priority × age "
        "band), a manifest, figures and summary.md to --out.",
    )
    r.add_argument("scenario", help="scenario file, e.g. scenarios/baseline.toml")
    r.add_argument("--out", help="output folder (default results/<scenario name>)")
    r.add_argument(
        "--force",
        action="store_true",
        help="write into an --out folder that is not an earlier run's (its files of the same "
        "names are replaced)",
    )
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
    allow_code(r)

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
        "--force",
        action="store_true",
        help="write into an --out folder that is not an earlier comparison's (its files of "
        "the same names are replaced)",
    )
    c.add_argument(
        "--ed-sensitivity",
        action="store_true",
        help="also rerun at ed_without_mt_rr 1 and 4 (ed_base_rate rescaled to keep the "
        "baseline ED total) to show what ED results depend on (triples the run time)",
    )
    c.add_argument(
        "--replacement-range",
        action="store_true",
        help="also rerun the solidarity-days scenarios at both ends of replacement_share's "
        "range (no published figure) and report forgone care and ED visits avoided at each",
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
    c.add_argument(
        "--workers", type=positive_int, default=1, help="local processes for --uncertainty runs"
    )
    allow_code(c)

    o = sub.add_parser(
        "optimise",
        help="where should the next euro go: the best placement of a budget over the levers",
        description="Read a budget plan (plans/*.toml: territory, budget, levers with the "
        "policies' declared unit costs, constraints, objective), find the exact optimum on the "
        "access proxy (APL = APL0 + A x, an integer program solved by HiGHS) and its K best "
        "alternatives, place the same units by four baselines (the official list, lowest APL, "
        "most people under the threshold, random), and check them all in the simulation with "
        "common random numbers; with --refine, move units of the best one where the simulation "
        "says they avoid more; write a plan table, a GeoJSON layer, a map, a report and a "
        "manifest.",
    )
    o.add_argument("plan", help="plan file, e.g. plans/creuse_france_sante.toml")
    o.add_argument("--out", help="output folder (default results/optimise_<plan name>)")
    o.add_argument(
        "--force",
        action="store_true",
        help="write into an --out folder that is not an earlier optimisation's",
    )
    o.add_argument(
        "--no-simulate",
        action="store_true",
        help="stage 1 only: the proxy optimum and baselines, no simulation",
    )
    o.add_argument("--no-figures", action="store_true", help="skip the map")
    o.add_argument(
        "--time-limit",
        type=float,
        default=60.0,
        help="seconds the solver may take for each plan (default 60); the gap is reported",
    )
    o.add_argument(
        "--workers",
        type=positive_int,
        default=1,
        help="local processes for the stage-2 runs (one scenario each; with [simulation] "
        "uncertainty, the parameter-set runs too; and the stage-3 runs)",
    )
    o.add_argument(
        "--refine",
        type=int,
        default=0,
        metavar="ROUNDS",
        help="stage 3: ROUNDS rounds of moving one unit from the best simulated allocation to "
        "another EPCI, judged in the simulation with common random numbers and checked on fresh "
        "seeds (default 0: off)",
    )
    o.add_argument(
        "--refine-moves",
        type=positive_int,
        default=6,
        help="moves tried per stage-3 round (default 6; each costs a run per seed)",
    )

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
        type=positive_int,
        default=os.cpu_count() or 1,
        help="local worker processes (default: the number of cores)",
    )
    where_w = w.add_mutually_exclusive_group()
    where_w.add_argument(
        "--scheduler", metavar="ADDRESS", help="Dask scheduler address, e.g. tcp://10.0.0.5:8786"
    )
    where_w.add_argument(
        "--dask-local",
        type=positive_int,
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
        help="reuse a results folder made by another definition of the experiment (its runs "
        "that are not runs of this definition are moved aside to OUT/<experiment>/stale-<date>/)",
    )
    w.add_argument(
        "--yes",
        action="store_true",
        help="do not ask before an experiment of more than 10,000 runs "  # CONFIRM_RUNS
        "(without a terminal, "
        "such an experiment is refused unless --yes is given)",
    )
    allow_code(w)

    se = sub.add_parser(
        "sensitivity",
        help="Morris screening and Sobol indices of outputs and policy effects (SALib)",
        description="Run a sensitivity file (experiments/sensitivity_*.toml) through the sweep "
        "engine (resumable, failures recorded) and write morris_indices.csv, "
        "sobol_indices.csv, one ranked bar figure per output and report.md under "
        "OUT/<name>/.",
    )
    se.add_argument("study", help="sensitivity file, e.g. experiments/sensitivity_cvl.toml")
    se.add_argument(
        "--workers", type=positive_int, default=os.cpu_count() or 1, help="local processes"
    )
    where_se = se.add_mutually_exclusive_group()
    where_se.add_argument("--scheduler", metavar="ADDRESS", help="Dask scheduler address")
    where_se.add_argument(
        "--dask-local", type=positive_int, metavar="N", help="local Dask cluster of N"
    )
    se.add_argument("--out", default="results", help="results root (default results/)")
    se.add_argument("--force", action="store_true", help="reuse a folder of another definition")
    allow_code(se)

    z = sub.add_parser(
        "summarize",
        help="tables, bands per grid point, dose-response figures and a report of a sweep",
        description="Summarise results/<experiment>: sweep_runs.csv (one row per run with its "
        "grid point), sweep_summary.csv (median and 5-95% band per grid point), "
        "dose_<key>.png figures and summary.md.",
    )
    z.add_argument("folder", help="results/<experiment>")

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
    dw.add_argument(
        "--region", type=name_or_code, help="initial région (default Centre-Val de Loire)"
    )
    dw.add_argument("--departement", type=name_or_code, help="initial département instead")
    d.add_argument("--port", type=int, default=8765, help="port to serve on (default 8765)")
    d.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to serve on (default 127.0.0.1, this machine only); the page answers "
        "only requests addressed to this host and port (or localhost/127.0.0.1), from pages "
        "of the same origin. Another address (0.0.0.0, a LAN address) lets other machines "
        "run the model on yours, without a password: only on a network you trust",
    )
    d.add_argument(
        "--presets",
        metavar="DIR",
        help="folder of scenario files offered as presets (default: the shipped examples)",
    )
    allow_code(d)
    d.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)  # the server child
    d.add_argument("--territory-label", help=argparse.SUPPRESS)  # a label of the page's list
    d.add_argument("--parent-pid", type=int, help=argparse.SUPPRESS)  # the child exits with it

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

    v = sub.add_parser(
        "validate",
        help="the validation table: every check against a published figure, with its status",
        description="Compare the territory, travel times and APL with published figures "
        "(each row fitted, set by construction or independent, with source and year), and the "
        "road model with router times (validation/roads/, held-out half) by trip length.",
    )
    v.add_argument("--out", metavar="DIR", help="write validation.csv and validation.md there")
    v.add_argument(
        "--pairs",
        help="recalled town-pair file of the secondary road row (default: the pairs shipped "
        "with the package, validation/road_pairs.csv in a checkout)",
    )
    v.add_argument(
        "--fit-roads",
        action="store_true",
        help="fit the road model on validation/roads/fit_osrm_2021.csv (the fit half only) "
        "and print it (a few minutes)",
    )
    v.add_argument("--no-cache", action="store_true", help="do not use the travel-time cache")

    k = sub.add_parser(
        "calibrate",
        help="fit the free parameters to published national figures and print the report",
        description="Fit consultations per inhabitant, forgoing, ED, médecin-traitant, GP "
        "flex and patience parameters to five published national targets by least squares "
        "(scipy) on all of France, two seeds, year 2 of the baseline; check the fit on five "
        "seeds; print the fit, active bounds, identifiability and parameter draws "
        "(docs/calibration.md). About half an hour on two cores.",
    )
    kw = k.add_mutually_exclusive_group()
    kw.add_argument(
        "--region", type=name_or_code, help="calibrate on a région (default: all of France)"
    )
    kw.add_argument("--departement", type=name_or_code, help="calibrate on a département")
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
        "--start",
        metavar="CALIBRATION.json",
        default=str(calfile.SHIPPED_CALIBRATION),
        help="calibration file whose fitted values the fit starts from (default: the shipped one)",
    )
    k.add_argument(
        "--buffer-km",
        type=float,
        default=terr.DEFAULT_BUFFER_KM,
        help="communes kept around a selection (default %(default)s km)",
    )
    k.add_argument("--territory", help=argparse.SUPPRESS)
    return p
