"""Reports in words and tables: run, compare, sweep, calibration and APL.

Every text a command prints or writes as markdown is built here from results (run, compare and
sweep objects, calibration records, APL arrays) and the indicator registry; nothing here runs
a model. Front ends (``cli/``, files written by ``runner``, ``compare``, ``sweep_summary``)
call these functions.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np

from accesssim.core import access, metrics
from accesssim.geo import territory as terr
from accesssim.outputs import indicators, ledger, reference
from accesssim.outputs.indicators import SYNTHETIC_NOTE
from accesssim.params import calibration as calfile
from accesssim.util.text import plural

MODELLED_NOTE = (
    "Modelled: GP supply = CNAM 2024 private-practice GP head-counts per département spread "
    "over communes by SIRENE 2019 GP establishments; demand = 2026 population "
    "standardised by age with each département's age mix (Insee 2023) and assumed weights; "
    "road times from a two-level road graph fitted to reference times, "
    "METRIC convention (travel.py, accesssim validate)."
)


# ---------------------------------------------------------------------- run
def calibration_label(path) -> str:
    """The calibration a run used, by origin and the start of its sha256."""
    cal = calfile.load_calibration(path)
    return f"{cal['origin']} (sha256 {cal['sha256'][:12]})"


def run_summary(result, files=None) -> str:
    """Last-year indicators (median [range] across seeds), all EPCIs and by priority status;
    with ``files`` (the names of the files written), the line that lists them."""
    sc = result.scenario
    last = max(r["year"] for r in result.yearly)
    groups = {
        "all": None,
        "priority EPCIs (confirmed 58)": lambda r: r["priority_confirmed"],
        "metropolitan priority": indicators.PRIORITY_GROUPS["priority_metropolitan"],
        "overseas priority": indicators.PRIORITY_GROUPS["priority_overseas"],
        "other EPCIs": lambda r: not r["priority_confirmed"],
        "other metropolitan": indicators.PRIORITY_GROUPS["other_metropolitan"],
    }
    values = indicators.seed_values(
        result.yearly, result.policy, {g: s for g, s in groups.items() if s is not None}
    )
    shown = [g for g, s in groups.items() if s is None or any(s(r) for r in result.yearly)]
    lines = [
        f"# {sc.name}: summary",
        "",
        f"{sc.description}".strip(),
        "",
        f"Territory: {sc.territory_label}; {plural(sc.years, 'year')} from {sc.start_year}; "
        f"seeds {sc.seeds}. Figures for {last} (the last simulated year): median across seeds "
        f"[min–max].",
        "",
        f"> {SYNTHETIC_NOTE}",
        "",
        *(
            [f"> **Warning**: {calfile.UNCALIBRATED}", ""]
            if sc.calibration is None
            else [f"Calibration: {calibration_label(sc.calibration)}.", ""]
        ),
        *[f"> **Warning**: {w}\n" for w in no_effect_warnings(result)],
        "| indicator | " + " | ".join(shown) + " |",
        "|---|" + "---:|" * len(shown),
    ]
    for ind in indicators.INDICATORS.values():
        if not ind.summary or ind.table != "yearly":
            continue
        cells = []
        for g in shown:
            key = f"last:{ind.name}" + ("" if groups[g] is None else f":{g}")
            med, lo, hi = indicators.interval([v[key] for v in values.values()], 0, 100)
            cells.append(indicators.format_interval(ind.format, med, lo, hi))
        lines.append(f"| {ind.label} | " + " | ".join(cells) + " |")
    lines += ["", *([files_line(files), ""] if files is not None else [])]
    return "\n".join(lines)


FILE_NOTES = {
    "national_weekly.csv": "Mesa DataCollector series",
    "groups_yearly.csv": "priority status × age band",
}


def files_line(names) -> str:
    """The "Files:" paragraph of a run's summary, from the names of the files written."""
    names = [str(n) for n in names]
    tables = [n for n in names if n.endswith(".csv")]
    stems = {n[: -len(".csv")] for n in tables}
    side = [
        ext for ext in (".csvt", ".parquet") if stems and all(f"{s}{ext}" in names for s in stems)
    ]
    layers = [n for n in names if n.endswith((".geojson", ".gpkg"))]
    figures = [n for n in names if n.endswith(".png")]
    shown = set(tables) | set(layers) | set(figures)
    shown |= {f"{s}{ext}" for s in stems for ext in side}
    parts = []
    if tables:
        listed = ", ".join(f"{n} ({FILE_NOTES[n]})" if n in FILE_NOTES else n for n in tables)
        parts.append(listed + (f", with {' and '.join(side)} beside each" if side else ""))
    if layers:
        parts.append(f"{', '.join(layers)} (maps for QGIS)")
    if figures:
        parts.append(f"figures {', '.join(figures)}")
    others = [n for n in names if n not in shown]
    if others:
        parts.append(", ".join(others))
    return "Files: " + "; ".join(parts) + ". Columns and units: docs/outputs.md in the repository."


def no_effect_warnings(result) -> list[str]:
    """One sentence per policy and reason of a run whose dose reached nobody
    (``RunTables.no_effect``, from ``policies.base.no_effect``), with the seeds concerned."""
    seeds_of: dict[tuple, list] = {}
    for w in getattr(result, "no_effect", ()):
        seeds_of.setdefault((w["policy"], w["type"], w["reason"]), []).append(w["seed"])
    n = len(result.scenario.seeds)
    out = []
    for (name, kind, reason), seeds in seeds_of.items():
        where = "in every seed" if len(seeds) == n else f"in seeds {sorted(seeds)}"
        label = name if name == kind else f"{name} ({kind})"
        out.append(f"policy {label} had no effect {where}: {reason}.")
    return out


def policy_assumptions(results) -> list[str]:
    """The assumptions of every policy in the runs ``results`` (``Policy.assumptions``),
    each once, in order."""
    seen: list[str] = []
    for res in results:
        for policy in res.scenario.build_policies():
            text = policy.assumptions()
            if text and text not in seen:
                seen.append(text)
    return seen


# ---------------------------------------------------------------------- compare
def ledger_section(cmp, names) -> list[str]:
    """The payers' ledger of each policy: discounted euros over the horizon by payer and by
    item, median [90 % interval] across seeds (outputs/ledger.py)."""
    rate = ledger.Prices.default().discount_rate
    lines = [
        "",
        "## Who pays: the payers' ledger",
        "",
        f"Euros over the horizon, discounted at {100 * rate:.1f} % a year to its first year; "
        "positive: a cost, negative: a saving. Programme costs are booked to the payer each "
        "policy declares; the fees of the consultations a policy adds are split 70 % / 30 % "
        "between the Assurance maladie and complementary insurers and patients; GP-treatable "
        "ED visits avoided are saved by the Assurance maladie (docs/outputs.md, 'The payers' "
        "ledger'). Public money is the first three payers.",
        "",
        "| | " + " | ".join(names) + " |",
        "|---|" + "---:|" * len(names),
    ]
    rows = [(f"item_{k}", v) for k, v in ledger.ITEMS.items()]
    rows += [(f"net_{k}", f"net cost: {v}") for k, v in ledger.PAYERS.items()]
    rows += [("public_cost_eur", "net public cost"), ("net_cost_eur", "net cost, all payers")]
    for key, label in rows:
        cells = [
            indicators.format_interval(
                "{:+,.0f}".format, *cmp.summary[name].get(key, (np.nan,) * 3), style="band"
            )
            for name in names
        ]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return lines


def compare_report(cmp) -> str:
    sc = cmp.baseline.scenario
    n = len(sc.seeds)
    names = list(cmp.summary)
    lines = [
        f"# Policy comparison: {', '.join(names)} against {sc.name}",
        "",
        f"Territory: {sc.territory_label}; {plural(sc.years, 'year')} from {sc.start_year}; "
        f"{plural(n, 'seed')} shared by every scenario (common random numbers). Each cell: median "
        f"[90 % interval] across seeds of the difference with the baseline.",
        "",
        f"> {indicators.SYNTHETIC_NOTE}",
        "",
        *[
            f"> **Warning** ({name}): {w}\n"
            for name, res in cmp.policies.items()
            for w in no_effect_warnings(res)
        ],
        "| | " + " | ".join(names) + " |",
        "|---|" + "---:|" * len(names),
    ]
    for d in indicators.differences():
        cells = [
            indicators.format_interval(d.format, *cmp.summary[name][d.name], style="band")
            for name in names
        ]
        lines.append(f"| {d.label} | " + " | ".join(cells) + " |")
    key, label = indicators.COST_PER_AVOIDED
    cells = []
    for name in names:
        med, lo, hi = cmp.summary[name][key]
        if not np.isfinite(med):
            cells.append("not supported¹")
        else:
            cells.append(indicators.format_interval("{:,.0f}".format, med, lo, hi, style="band"))
    lines.append(f"| {label} | " + " | ".join(cells) + " |")
    key, label = indicators.COST_PER_ED_AVOIDED
    cells = []
    for name in names:
        med, lo, hi = cmp.summary[name].get(key, (np.nan,) * 3)
        cells.append(
            "not supported¹"
            if not np.isfinite(med)
            else indicators.format_interval("{:,.0f}".format, med, lo, hi, style="band")
        )
    lines.append(f"| {label} | " + " | ".join(cells) + " |")
    lines += ledger_section(cmp, names)
    lines += [
        "",
        "¹ Printed only when the avoided events are above zero over the whole 90 % interval "
        "(a negative figure is a saving per avoided event).",
        "",
        f"{indicators.PRIORITY_LABEL[0].upper()}{indicators.PRIORITY_LABEL[1:]} (the same "
        "definition in run, compare and sweep; a policy may target another list, e.g. the "
        "completed 151). A positive change in forgone/needed for the other EPCIs is care "
        "displaced by the policy (volunteers' home patients lose the days they give).",
        "",
        "Costs and benefits are counted on the same territory: the core communes of the run. "
        "Volunteers living in the buffer who serve inside it are costed and counted; days "
        "given in buffer EPCIs are neither.",
        "",
        "## What the ED results depend on",
        "",
        "GP-treatable ED visits come from three situations (docs/ODD.md §3): new need of "
        "people without a médecin traitant, requests waiting for a GP, and new need of people "
        "with one; each grows as the ED is nearer than the GP. How much more people without a "
        "médecin traitant use the ED (`ed_without_mt_rr`) has no published figure.",
    ]
    if cmp.sensitivity:
        values = list(next(iter(cmp.sensitivity.values())))
        kept = cmp.sensitivity_baseline_ed
        lines += [
            "",
            "Rerun at other values of `ed_without_mt_rr`, with `ed_base_rate` rescaled so "
            "that the baseline's GP-treatable ED total stays that of the main run "
            f"({kept.get('main', float('nan')):,.0f} over the horizon); the reruns gave "
            + ", ".join(
                f"{kept[v]:,.0f} at {v:g} ({100 * (kept[v] / kept['main'] - 1):+.1f}%)"
                for v in values
                if v in kept
            )
            + ".",
            "",
            "| ED visits avoided, ed_without_mt_rr = | "
            + " | ".join(f"{v:g}" for v in values)
            + " |",
            "|---|" + "---:|" * len(values),
        ]
        ed = next(d for d in indicators.CURATED_DIFFERENCES if d.name == "ed_avoided")
        for name, by_v in cmp.sensitivity.items():
            lines.append(
                f"| {name} | "
                + " | ".join(
                    indicators.format_interval(ed.format, m, lo, hi, style="band")
                    for m, lo, hi in by_v.values()
                )
                + " |"
            )
    else:
        lines += [
            "",
            "Rerun with `--ed-sensitivity` to see ED visits avoided at `ed_without_mt_rr` 1 and 4.",
        ]
    lines += policy_range_section(cmp)
    lines += [
        "",
        "## Other assumptions that matter",
        "",
        *[f"- {text}" for text in policy_assumptions(cmp.policies.values())],
        "- The extra capacity GPs give under pressure (`capacity_flex`), patience "
        "(`giveup_unserved`, `giveup_wait_per_week`) and the travel-time proxy.",
        "",
        "See docs/ODD.md and parameters.py.",
        "",
    ]
    return "\n".join(lines)


def policy_range_section(cmp) -> list[str]:
    """Results rerun at the ends of a policy parameter's declared range (``compare
    --replacement-range``): forgone consultations and ED visits avoided at each end."""
    ranges = getattr(cmp, "policy_ranges", None) or {}
    lines: list[str] = []
    for (kind, key), by_name in ranges.items():
        if not by_name:
            continue
        ends = list(next(iter(by_name.values())))
        lines += [
            "",
            f"## Across the range of `{kind}.{key}`",
            "",
            f"The {kind} scenarios rerun with `{key}` at each end of its range "
            f"({', '.join(f'{v:g}' for v in ends)}; {range_source(kind, key)}), with the same "
            "seeds; the baseline does not depend on it. Median [90 % interval] across seeds.",
            "",
            "| | "
            + " | ".join(f"forgone avoided, {key} = {v:g}" for v in ends)
            + " | "
            + " | ".join(f"ED visits avoided, {key} = {v:g}" for v in ends)
            + " |",
            "|---|" + "---:|" * (2 * len(ends)),
        ]
        fmt = "{:+,.0f}".format
        for name, by_v in by_name.items():
            cells = [
                indicators.format_interval(fmt, *by_v[v][m], style="band")
                for m in ("forgone_avoided", "ed_avoided")
                for v in ends
            ]
            lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return lines


def range_source(kind, key) -> str:
    from accesssim.policies import registry

    cls = registry.lookup(kind)
    p = cls.PARAMS[key] if cls is not None else None
    return p.range_source if p is not None and p.range_source else "no source given"


# ---------------------------------------------------------------------- sweep
def sweep_report(root: Path, table, grid_keys, n_runs: int) -> str:
    info = json.loads((root / "experiment.json").read_text())
    buf = io.StringIO()
    buf.write(f"# Sweep {info['name']}: summary\n\n")
    buf.write(
        f"{n_runs} complete runs of {info['runs']} ({len(info['seeds'])} seeds shared by "
        "every run). Each cell: median [5th–95th percentile] across seeds; 'avoided' is "
        "against the baseline run of the same seed.\n\n"
    )
    buf.write(f"> {indicators.SYNTHETIC_NOTE}\n\n")
    cols = [k[5:] for k in grid_keys]
    buf.write(
        "| scenario | " + " | ".join(cols) + " | seeds | forgone avoided | ED avoided | "
        "cost (EUR) | EUR per forgone avoided |\n"
    )
    buf.write("|---|" + "---|" * len(cols) + "---:|---:|---:|---:|---:|\n")

    def cell(r, m, fmt="{:,.0f}"):
        med = r[f"{m}:median"]
        if not np.isfinite(med):
            return "n/a"
        return f"{fmt.format(med)} [{fmt.format(r[f'{m}:p05'])}–{fmt.format(r[f'{m}:p95'])}]"

    for r in table:
        buf.write(
            f"| {r['scenario']} | "
            + " | ".join(str(r.get(k, "")) for k in grid_keys)
            + f" | {r['seeds']} | {cell(r, 'forgone_avoided')} | {cell(r, 'ed_avoided')} "
            f"| {cell(r, 'horizon_cost_eur')} | {cell(r, 'eur_per_forgone_avoided')} |\n"
        )
    buf.write(
        "\nn/a: no baseline in the experiment, or no forgone care avoided (no cost per "
        "avoided consultation is printed then). ED results depend on the assumed "
        "`ed_without_mt_rr` and `ed_wait_per_week` (see docs/ODD.md §3). "
        f"{indicators.PRIORITY_LABEL}.\n"
    )
    return buf.getvalue()


# ---------------------------------------------------------------------- APL
def apl_report(t, apl, gp_minutes, ed_minutes, acts_per_gp: float, bands: str) -> str:
    """APL of a territory beside the published national figures, travel times by density
    class, the 10 EPCIs with the lowest APL (what ``accesssim apl`` prints)."""
    c = t.communes
    core = c.core
    pop = c.population.astype(float)
    summary = access.summarize_apl(apl[core], pop[core])
    lines: list[str] = []

    def _p(text: str) -> None:
        lines.append(text)

    _p(f"APL to general practitioners: {t.label}")
    _p(
        f"{int(pop[core].sum()):,} inhabitants in {int(core.sum()):,} communes; "
        f"{int(c.gp[core].sum()):,} GPs (modelled); {acts_per_gp:,.0f} consultations "
        f"per GP per year; decay bands {bands}",
    )
    _p(f"\n{'indicator':<34}{'model':>9}   {'published':<48}{'gap':>7}")
    for key, pub in reference.APL.items():
        val = summary[key]
        share = key.startswith("share")
        fmt = (lambda v: f"{100 * v:.1f}%") if share else (lambda v: f"{v:.2f}")
        if pub.value is None:
            ptxt, gap = "not published", ""
        else:
            ptxt = f"{fmt(pub.value)} {pub.label.split('(')[-1].rstrip(')')}"
            gap = f"{100 * (val - pub.value):+.1f}pt" if share else f"{val - pub.value:+.2f}"
        _p(f"{pub.label.split(' (')[0]:<34}{fmt(val):>9}   {ptxt:<48}{gap:>7}")
    deciles = " ".join(f"{summary[f'p{q}']:.2f}" for q in range(10, 100, 10))
    _p(f"\ndeciles P10..P90: {deciles}")
    if t.label != "France":
        _p(
            "note: published figures are national; a selection is not comparable one to one",
        )
    _p(
        "sources: "
        + "; ".join(
            f"{p.label}: {p.source}" for p in reference.APL.values() if p.value is not None
        ),
    )

    # nearest GP and emergency department by density class (plausibility of travel times)
    _p(
        f"\n{'travel time, minutes (pop-weighted)':<38}{'nearest GP':>12}{'nearest ED':>12}"
        f"{'ED > 30 min':>13}",
    )
    for k, name in enumerate(terr.DENSITY_CLASSES):
        sel = core & (c.density_class == k)
        if not sel.any() or pop[sel].sum() == 0:
            continue
        gp_m = metrics.weighted_mean(np.minimum(gp_minutes[sel], 240), pop[sel])
        ed_m = metrics.weighted_mean(np.minimum(ed_minutes[sel], 240), pop[sel])
        ed30 = metrics.share_below(-ed_minutes[sel], pop[sel], -30)
        _p(f"  {name + ' communes':<36}{gp_m:>12.1f}{ed_m:>12.1f}{100 * ed30:>12.1f}%")

    epci_apl = metrics.group_mean(apl[core], pop[core], c.epci[core], len(t.epcis))
    e = t.epcis
    ranked = [k for k in np.argsort(epci_apl) if np.isfinite(epci_apl[k]) and e.core[k]]
    _p("\n10 EPCIs with the lowest APL")
    for k in ranked[:10]:
        flag = "  [priority, confirmed]" if e.priority_confirmed[k] else ""
        _p(
            f"  {epci_apl[k]:5.2f}  {e.name[k]} ({e.siren[k]}), "
            f"{int(e.population[k]):,} inhabitants{flag}",
        )
    _p(f"\n{MODELLED_NOTE}")
    return "\n".join(lines)
