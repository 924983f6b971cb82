"""Run a scenario over seeds and write its results: tidy CSVs, manifest, figures, summary.

Everything is written atomically (temporary name, then rename), so an interrupted run never
leaves a truncated file that looks complete.
"""

from __future__ import annotations

import json
import platform
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from tqdm import tqdm

from accesssim import __version__, export, parameters, provenance
from accesssim import io as aio
from accesssim.model import AccessModel
from accesssim.scenario import Scenario

SYNTHETIC_NOTE = (
    "All figures are modelled by accesssim on the embedded territory: GP supply spread from "
    "département head-counts, road times from a proxy, behaviour parameters partly assumed "
    "(see parameters.py and docs/ODD.md). They are not observations."
)


@dataclass
class RunResult:
    """Tables of one scenario over its seeds (lists of row dicts, each with its seed)."""

    scenario: Scenario
    weekly: list[dict] = field(default_factory=list)
    monthly: list[dict] = field(default_factory=list)
    yearly: list[dict] = field(default_factory=list)
    groups: list[dict] = field(default_factory=list)
    communes: list[dict] = field(default_factory=list)
    policy: list[dict] = field(default_factory=list)
    territory: object = None  # the selection the runs used (for maps)
    territory_checksum: str = ""
    seconds: float = 0.0


def run_one(
    scenario: Scenario,
    seed: int,
    territory=None,
    communes: bool = False,
    debug: bool = False,
    progress=None,
) -> AccessModel:
    """Build and run one model on ``territory`` (the scenario's selection, loaded once by the
    caller, or loaded here); ``progress`` is called with the weeks done so far."""
    t = territory if territory is not None else scenario.load_territory()
    model = AccessModel(
        t,
        params=scenario.parameters,
        rng=seed,
        start_year=scenario.start_year,
        policies=scenario.build_policies(),
        debug=debug,
    )
    model.record_communes = communes
    for week in range(scenario.weeks):
        model.run_for(1)
        if progress:
            progress(week + 1)
    return model


def run(
    scenario: Scenario,
    communes: bool = False,
    debug: bool = False,
    show_progress: bool | None = None,
) -> RunResult:
    """Run every seed of a scenario in turn (a sweep parallelises across runs)."""
    result = RunResult(scenario)
    t0 = time.perf_counter()
    territory = scenario.load_territory()
    result.territory = territory
    result.territory_checksum = territory.checksum
    total = scenario.weeks * len(scenario.seeds)
    disable = None if show_progress is None else not show_progress  # None: only on a TTY
    with tqdm(total=total, unit="wk", desc=scenario.name, disable=disable, leave=False) as bar:
        for seed in scenario.seeds:
            bar.set_postfix(seed=seed)
            done = [0]

            def tick(w, done=done):
                bar.update(w - done[0])
                done[0] = w

            m = run_one(scenario, seed, territory, communes, debug, tick)
            series = m.datacollector.model_vars
            for k in range(len(series["needed"])):
                result.weekly.append(
                    {"seed": seed, "week": k + 1, **{name: v[k] for name, v in series.items()}}
                )
            for table, rows in (
                (result.monthly, m.monthly_rows),
                (result.yearly, m.yearly_rows),
                (result.groups, m.group_rows),
                (result.communes, m.commune_rows),
                (result.policy, m.policy_rows),
            ):
                table.extend({"seed": seed, **r} for r in rows)
    result.seconds = time.perf_counter() - t0
    return result


csv_text = export.csv_text  # full precision, no nan tokens (see export.py)


def write(result: RunResult, out: str | Path, figures: bool = True) -> list[Path]:
    """Write tables, manifest, figures and summary under ``out``; returns the files."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    sc = result.scenario
    files = []
    for name, rows in (
        ("national_weekly", result.weekly),
        ("epci_monthly", result.monthly),
        ("epci_yearly", result.yearly),
        ("groups_yearly", result.groups),
        ("communes_yearly", result.communes),
        ("policy_yearly", result.policy),
    ):
        if rows:
            files += export.write_table(out, name, export.with_places(rows, result.territory))
    files += export.run_layers(result, out)
    manifest = {
        "accesssim_version": __version__,
        "scenario": sc.name,
        "scenario_file": str(sc.path) if sc.path else None,
        "scenario_sha256": sc.sha256,
        "seeds": sc.seeds,
        "years": sc.years,
        "start_year": sc.start_year,
        "territory": sc.territory or "France",
        "territory_sha256": result.territory_checksum,
        "parameters": parameters.defaults() | sc.parameters,
        "parameter_overrides": sc.parameters,
        "policies": sc.policies,
        "python": platform.python_version(),
        "provenance": provenance.provenance(),
        "outputs_skipped": export.skipped_formats(),
        "seconds": round(result.seconds, 2),
        "note": SYNTHETIC_NOTE,
    }
    aio.atomic_write_text(out / "manifest.json", json.dumps(manifest, indent=1, default=list))
    files.append(out / "manifest.json")
    if figures:
        from accesssim import plots

        files += plots.run_figures(result, out)
    summary = summary_markdown(result)
    aio.atomic_write_text(out / "summary.md", summary)
    files.append(out / "summary.md")
    return files


# ---------------------------------------------------------------------- summaries
# yearly EPCI fields that add up over EPCIs
SUMMED = (
    "population",
    "needed",
    "in_person",
    "tele",
    "forgone",
    "people_forwent",
    "ed_visits",
    "population_below_2_5",
    "gps",
)


def last_year_totals(result: RunResult, sel=lambda r: True) -> dict[int, dict]:
    """Per seed: sums over EPCIs of the last simulated year (rows passing ``sel``)."""
    last = max(r["year"] for r in result.yearly)
    out: dict[int, dict] = {}
    for r in result.yearly:
        if r["year"] != last or not sel(r):
            continue
        d = out.setdefault(
            r["seed"], dict.fromkeys((*SUMMED, "apl_x_pop", "without_mt_x_pop"), 0.0)
        )
        for k in SUMMED:
            d[k] += r[k]
        d["apl_x_pop"] += r["apl"] * r["population"]
        d["without_mt_x_pop"] += r["share_without_mt"] * r["population"]
    return out


def indicators(totals: dict) -> dict[str, float]:
    pop = max(totals["population"], 1.0)
    return {
        "renoncement_rate": totals["forgone"] / max(totals["needed"], 1e-9),
        "share_people_forwent": totals["people_forwent"] / pop,
        "forgone": totals["forgone"],
        "ed_visits": totals["ed_visits"],
        "ed_per_1000": 1000 * totals["ed_visits"] / pop,
        "consultations_per_inhabitant": (totals["in_person"] + totals["tele"]) / pop,
        "tele_share": totals["tele"] / max(totals["in_person"] + totals["tele"], 1e-9),
        "apl": totals["apl_x_pop"] / pop,
        "share_below_2_5": totals["population_below_2_5"] / pop,
        "share_without_mt": totals["without_mt_x_pop"] / pop,
        "gps": totals["gps"],
    }


LABELS = {
    "renoncement_rate": ("forgone / needed consultations", "{:.2%}"),
    "share_people_forwent": ("people who forwent care at least once", "{:.2%}"),
    "forgone": ("forgone consultations", "{:,.0f}"),
    "ed_visits": ("ED visits from lack of GP access", "{:,.0f}"),
    "ed_per_1000": ("  per 1,000 inhabitants", "{:.1f}"),
    "consultations_per_inhabitant": ("GP consultations per inhabitant", "{:.2f}"),
    "tele_share": ("teleconsultation share", "{:.1%}"),
    "apl": ("mean APL", "{:.2f}"),
    "share_below_2_5": ("population under APL 2.5", "{:.1%}"),
    "share_without_mt": ("share without médecin traitant (15+)", "{:.1%}"),
    "gps": ("GPs", "{:,.0f}"),
}


def territory_label(sc: Scenario) -> str:
    sel = {k: v for k, v in sc.territory.items() if k != "buffer_km"}
    if not sel:
        return "all of France"
    ((kind, value),) = sel.items()
    shown = ", ".join(value) if isinstance(value, list) else value
    return f"{kind} {shown} (with a {sc.territory.get('buffer_km', 30):g} km buffer)"


def summary_markdown(result: RunResult) -> str:
    sc = result.scenario
    last = max(r["year"] for r in result.yearly)
    groups = {
        "all": lambda r: True,
        "priority EPCIs (confirmed)": lambda r: r["priority_confirmed"],
        "other EPCIs": lambda r: not r["priority_confirmed"],
    }
    stats = {
        g: [indicators(t) for t in last_year_totals(result, sel).values()]
        for g, sel in groups.items()
    }
    lines = [
        f"# {sc.name}: summary",
        "",
        f"{sc.description}".strip(),
        "",
        f"Territory: {territory_label(sc)}; {sc.years} years from {sc.start_year}; "
        f"seeds {sc.seeds}. Figures for {last} (the last simulated year): median across seeds "
        f"[min–max].",
        "",
        f"> {SYNTHETIC_NOTE}",
        "",
        "| indicator | " + " | ".join(g for g in groups if stats[g]) + " |",
        "|---|" + "---:|" * sum(1 for g in groups if stats[g]),
    ]
    for key, (label, fmt) in LABELS.items():
        cells = []
        for g in groups:
            if not stats[g]:
                continue
            v = np.array([s[key] for s in stats[g]])
            med = fmt.format(float(np.median(v)))
            cells.append(
                med
                if len(v) == 1 or np.ptp(v) == 0
                else f"{med} [{fmt.format(v.min())}–{fmt.format(v.max())}]"
            )
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "Files: national_weekly.csv (Mesa DataCollector series), epci_yearly.csv, "
        "epci_monthly.csv, groups_yearly.csv (priority status × age band), with .csvt and "
        ".parquet (parquet extra) beside them; epci.geojson and layers.gpkg (gis extra), maps "
        "for QGIS; manifest.json, "
        "figures (*.png). Columns and units: docs/outputs.md in the repository.",
        "",
    ]
    return "\n".join(lines)
