"""The output folder of ``accesssim optimise``: the plan table, the proxy and simulation
comparisons, a GeoJSON layer (and the same layer as a GeoPackage when pyogrio is installed), a
map of the plan beside the official list, a report in words
and a manifest (``util.files.write_folder``: written aside, the manifest last).

Why the report is written here and not in ``outputs.reports``: it reads the optimiser's own
objects (solver gap, proxy figures, skipped simulations), which live in this layer; the
figures it quotes are the tables' own values.
"""

from __future__ import annotations

import math
import platform
from pathlib import Path

import highspy
import numpy as np

from accesssim.experiments.optimise import simulate
from accesssim.experiments.optimise.run import OptimiseResult
from accesssim.outputs import export
from accesssim.outputs.indicators import SYNTHETIC_NOTE
from accesssim.util import files as aio
from accesssim.util import provenance
from accesssim.util.text import plural
from accesssim.util.version import __version__, model_version

FILES = {
    "plan": "plan",  # .csv/.csvt (+ .parquet)
    "proxy": "proxy_comparison",
    "simulation": "simulation_comparison",
    "layer": "plan.geojson",
    "gpkg": "plan.gpkg",  # when pyogrio is installed (export.skipped_formats says otherwise)
    "map": "map_plan.png",
    "report": "report.md",
    "refine": "refine_moves",  # stage 3, when asked for
}


def _n(v, digits: int = 0) -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "n/a"
    return f"{v:,.{digits}f}"


def report_text(r: OptimiseResult) -> str:
    """The report in words: what is proven (optimality on the proxy, with the gap), then what
    is simulated (medians and 90 % intervals across seeds), plainly saying when the proxy
    optimum does not win in simulation."""
    plan, sol = r.plan, r.solved
    best = sol.best
    budget = []
    if plan.budget_per_year is not None:
        budget.append(f"{_n(plan.budget_per_year)} EUR a year")
    if plan.budget_total is not None:
        budget.append(f"{_n(plan.budget_total)} EUR over {plural(plan.years, 'year')}")
    obj = sol.objective
    what = {
        "lifted": f"people lifted to an APL of at least {plan.threshold:g}",
        "shortfall": f"population-weighted APL shortfall below {plan.threshold:g} (lower is "
        "better)",
    }[obj]
    lines = [
        f"# Budget plan {plan.name}: where should the next euro go",
        "",
        f"Territory: {plan.territory.label}. Budget: {' and '.join(budget)}. Levers: "
        + ", ".join(
            f"{lv.policy} ({lv.kind.unit}, {_n(lv.unit_cost)} EUR "
            f"{'a year' if lv.kind.cost_basis == 'year' else 'once'}, "
            f"{_n(lv.unit_supply, 2 if lv.unit_supply < 10 else 0)} consultations a "
            f"year{' per GP act of the site' if lv.kind.supply_kind == 'site_gps' else ''}"
            f"; {lv.kind.note})"
            for lv in plan.levers
        )  # fmt: skip
        + ".",
        "",
        "## Proven: optimal on the access proxy",
        "",
        f"Objective: {what}. With the candidate sites fixed (each EPCI's main GP commune), "
        "the E2SFCA APL is linear in the supply added, APL = APL0 + A x, so the integer "
        f"program is exact on this proxy; HiGHS solved it to a relative gap of "
        f"{best.gap:.1e} in {best.seconds:.2f} s ({sol.variables:,} variables, "
        f"{sol.constraints:,} constraints). The proxy is the APL index only: no behaviour, no "
        "installations, no side effects.",
        "",
        "| allocation | units | people lifted | people under the threshold | shortfall | "
        "first-year cost (EUR) | horizon cost (EUR) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in r.proxy_rows():
        lines.append(
            f"| {row['label']} | {row['units']} | {_n(row['lifted'])} | "
            f"{_n(row['people_below'])} | {_n(row['shortfall'], 1)} | "
            f"{_n(row['cost_first_year_eur'])} | {_n(row['cost_horizon_eur'])} |"
        )
    lines += ["", "Baselines place the same units of each lever as proxy plan 1 (the same "
              "spend), one per EPCI in their order."]  # fmt: skip
    lines += [f"- {n}" for n in r.notes]
    lines += ["", "## Simulated: checked in the agent-based model", ""]
    sim = r.simulation
    if sim is None:
        lines.append("Not run (stage 2 was not asked for).")
    else:
        if sim.rows:
            lines += [
                f"Seeds {plan.seeds} with common random numbers (the same seeds for every "
                f"allocation and the no-change run), {plan.years} year(s) from "
                f"{plan.start_year}; medians and 90 % intervals across seeds (seed noise only: the "
                "parameters' uncertainty is not in these intervals)"
                + ". Public net cost from the payers' ledger.",
                "",
                "| allocation | units planned / simulated | forgone consultations avoided | "
                "GP-treatable ED visits avoided | public net cost (EUR) | EUR per forgone "
                "avoided | P(beats the official list) |",
                "|---|---:|---|---|---:|---:|---:|",
            ]
            for row in sim.rows:
                lines.append(
                    f"| {row['label']} | {row['units_planned']} / {_n(row['units_simulated'])} "
                    f"| {_n(row['forgone_avoided'], 1)} "
                    f"[{_n(row['forgone_avoided_p5'], 1)}, {_n(row['forgone_avoided_p95'], 1)}] | "
                    f"{_n(row['ed_avoided'], 1)} [{_n(row['ed_avoided_p5'], 1)}, "
                    f"{_n(row['ed_avoided_p95'], 1)}] | {_n(row['public_cost_eur'])} | "
                    f"{_n(row['eur_per_forgone_avoided'])} | {_n(row['p_beats_official'], 2)} |"
                )
            lines += simulate.report_lines(sim)
            lines += ["", verdict(r)]
            if plan.objective == "simulated":
                lines += ["", best_simulated(r)]
        for name, why in sim.skipped.items():
            lines.append(f"- {r.labels().get(name, name)}: not simulated: {why}.")
    if r.refinement is not None:
        lines += ["", "## Refined: moves of one unit judged in the simulation (stage 3)", ""]
        lines += refinement_lines(r)
    lines += ["", SYNTHETIC_NOTE, ""]
    return "\n".join(lines)


def verdict(r: OptimiseResult) -> str:
    """One sentence: does the proxy optimum win in simulation (forgone care avoided)? Another
    allocation beats it when its median is above the optimum's 90 % interval; a median above
    the optimum's but inside that interval is not distinguishable from it with these seeds."""
    rows = {row["name"]: row for row in r.simulation.rows}
    best = rows.get("plan_1")
    if best is None:
        return "The proxy optimum was not simulated."
    others = [v for k, v in rows.items() if k != "plan_1"]
    beaten = [v for v in others if v["forgone_avoided"] > best["forgone_avoided_p95"]]
    close = [v for v in others if best["forgone_avoided"] < v["forgone_avoided"] <= best[
        "forgone_avoided_p95"]]  # fmt: skip
    if beaten:
        top = max(beaten, key=lambda v: v["forgone_avoided"])
        return (
            "In simulation the proxy optimum does NOT win: "
            + ", ".join(v["label"] for v in beaten)
            + " avoid(s) more forgone consultations, beyond the optimum's 90 % interval (most: "
            f"{top['label']}, {_n(top['forgone_avoided'], 1)} against "
            f"{_n(best['forgone_avoided'], 1)}). The APL proxy is not the simulated outcome."
        )
    if close:
        return (
            "In simulation the proxy optimum does not clearly win: "
            + ", ".join(v["label"] for v in close)
            + " avoid(s) more forgone consultations at the median, within the optimum's 90 % "
            "interval (not distinguishable with these seeds)."
        )
    return (
        "In simulation the proxy optimum avoids the most forgone consultations (median across "
        "seeds) of the allocations simulated."
    )


def refinement_lines(r: OptimiseResult) -> list[str]:
    """Stage 3 in words: what was tried on the search seeds, and the effect on fresh seeds."""
    f = r.refinement
    label = r.labels().get(f.start, f.start)
    out = [
        f"Started from {label} (the most forgone consultations avoided in stage 2). "
        f"{plural(len(f.moves), 'move')} of one unit tried on seeds {f.search_seeds} with "
        f"common random numbers, {f.accepted} kept (a move is kept when it avoids more than the "
        f"incumbent on average and on more than half of the seeds); {f.runs} runs"
        + (f" ({f.resumed} found complete on disk)" if f.resumed else "")
        + f", {f.seconds:.0f} s. Every move tried is in `{FILES['refine']}.csv`."
    ]
    if not f.accepted:
        out.append("No move beat the start: it stays the best allocation found.")
        return out
    c = f.check
    s_, rf = c["start"], c["refined"]
    out += [
        "",
        f"On fresh seeds {f.check_seeds}, never used by the search (the search's own figures "
        "flatter the move it kept), forgone consultations avoided:",
        "",
        "| allocation | median | 90 % interval |",
        "|---|---:|---|",
        f"| {label} (start) | {_n(s_[0], 1)} | [{_n(s_[1], 1)}, {_n(s_[2], 1)}] |",
        f"| refined | {_n(rf[0], 1)} | [{_n(rf[1], 1)}, {_n(rf[2], 1)}] |",
        "",
        f"Mean paired gain {_n(c['gain_mean'], 1)}; P(refined beats the start) "
        f"{_n(c['p_beats_start'], 2)} over {plural(len(f.check_seeds), 'seed')}. The refined "
        "allocation's units are rows `refined` of the plan table.",
    ]
    return out


def best_simulated(r: OptimiseResult) -> str:
    """Objective ``simulated``: the proxy plan that avoids the most forgone care (median)."""
    plans = [v for v in r.simulation.rows if v["name"].startswith("plan_")]
    if not plans:
        return "Objective 'simulated': no proxy plan could be simulated."
    top = max(plans, key=lambda v: v["forgone_avoided"])
    return (
        f"Objective 'simulated': of the {len(plans)} proxy plans simulated, {top['label']} "
        f"avoids the most forgone consultations ({_n(top['forgone_avoided'], 1)}, 90 % interval "
        f"{_n(top['forgone_avoided_p5'], 1)} to {_n(top['forgone_avoided_p95'], 1)}); with "
        f"{len(r.plan.seeds)} seed(s) the ranking is as noisy as these intervals."
    )


def _layer(r: OptimiseResult, path: Path, gpkg: Path | None = None) -> None:
    """The plan by core EPCI as GeoJSON at ``path`` and, given ``gpkg``, the same records and
    polygons as the GeoPackage layer ``plan``."""
    t = r.proxy.territory
    polys = export.epci_polygons(t)
    e = t.epcis
    units = r.epci_units("plan_1")
    core = np.flatnonzero(np.asarray(e.core, bool))
    recs, geos, wkbs = [], [], []
    for k in core:
        if k not in polys:
            continue
        wkbs.append(export.multipolygon_wkb(polys[k]))
        recs.append({"epci": str(e.siren[k]), "epci_name": str(e.name[k]),
                     "plan_units": int(units[k]),
                     "official": bool(e.priority_confirmed[k])})  # fmt: skip
        geos.append({"type": "MultiPolygon", "coordinates": [[ring.tolist()] for ring in polys[k]]})
    aio.atomic_write_text(path, export.geojson_text(recs, geos))
    if gpkg is not None:
        export.write_gpkg(gpkg, [("plan", recs, wkbs, "MultiPolygon")])


def _map(r: OptimiseResult, path: Path) -> None:
    from accesssim.outputs import plots

    units = r.epci_units("plan_1")
    top = max(1.0, float(units.max()))
    bins = [-0.5, 0.5] + [float(b) + 0.5 for b in range(1, int(top) + 1)]
    plots.epci_choropleth(
        r.proxy.territory,
        units,
        path,
        title=f"Plan {r.plan.name}: units by EPCI (bold outline: the official priority list)",
        label="units of the proxy optimum",
        source="accesssim optimise (the proxy optimum); official list: confirmed priority EPCIs",
        bins=bins,
        cmap="Blues",
        outline=np.asarray(r.proxy.territory.epcis.priority_confirmed, bool),
        outline_label="official list",
    )


def write(r: OptimiseResult, out: str | Path, figures: bool = True, force: bool = False):
    """Every file under ``out``; returns the paths written (the manifest last)."""
    return aio.write_folder(  # uncertainty/: [simulation].uncertainty runs, made before
        out,
        "optimise",
        lambda d: _write_files(r, d, figures),
        force,
        ignore=("uncertainty", "refine"),
    )


def _write_files(r: OptimiseResult, out: Path, figures: bool) -> dict:
    export.write_table(out, FILES["plan"], r.plan_rows() or [{"allocation": "", "units": 0}])
    export.write_table(out, FILES["proxy"], r.proxy_rows())
    if r.simulation_rows():
        export.write_table(out, FILES["simulation"], r.simulation_rows())
    if r.refinement is not None and r.refinement.moves:
        export.write_table(out, FILES["refine"], r.refinement.moves)
    _layer(r, out / FILES["layer"], out / FILES["gpkg"] if export.has("pyogrio") else None)
    if figures:
        _map(r, out / FILES["map"])
    aio.atomic_write_text(out / FILES["report"], report_text(r))
    plan = r.plan
    return {
        "accesssim_version": __version__,
        "model_version": model_version(),
        "plan": plan.name,
        "plan_file": str(plan.path) if plan.path else None,
        "plan_sha256": plan.sha256,
        "territory": plan.territory.as_table() or "France",
        "territory_sha256": r.proxy.territory.checksum,
        "objective": r.solved.objective,
        "threshold": plan.threshold,
        "budget_per_year": plan.budget_per_year,
        "budget_total": plan.budget_total,
        "years": plan.years,
        "start_year": plan.start_year,
        "seeds": plan.seeds,
        "levers": [
            {
                "type": lv.policy,
                "unit": lv.kind.unit,
                "unit_cost_eur": lv.unit_cost,
                "cost_basis": lv.kind.cost_basis,
                "supply_per_unit": lv.unit_supply,
                "parameters": lv.parameters,
                "max_per_unit": lv.max_per_unit,
            }
            for lv in plan.levers
        ],  # fmt: skip
        "solver": {
            "name": f"HiGHS {highspy.Highs().version()} (highspy)",
            "plans": [
                {
                    "rank": s.rank,
                    "objective": s.objective,
                    "gap": s.gap,
                    "seconds": s.seconds,
                    "status": s.status,
                }
                for s in r.solved.solutions
            ],  # fmt: skip
        },
        "simulated": r.simulation is not None and bool(r.simulation.rows),
        "not_simulated": dict(r.simulation.skipped) if r.simulation else {},
        "parameter_sets": r.plan.uncertainty,
        "simulation_runs": r.simulation.runs if r.simulation else 0,
        "refinement": None
        if r.refinement is None
        else {
            "start": r.refinement.start,
            "moves_tried": len(r.refinement.moves),
            "accepted": r.refinement.accepted,
            "search_seeds": r.refinement.search_seeds,
            "check_seeds": r.refinement.check_seeds,
            "check": {
                k: list(v) if isinstance(v, tuple) else v for k, v in r.refinement.check.items()
            },  # fmt: skip
            "runs": r.refinement.runs,
            "runs_resumed": r.refinement.resumed,
        },
        "notes": r.notes,
        "python": platform.python_version(),
        "provenance": provenance.provenance(),
        "outputs_skipped": export.skipped_formats(),
        "seconds": round(r.seconds, 2),
        "note": SYNTHETIC_NOTE,
    }
