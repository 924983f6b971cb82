"""The validation table: every registered check computed, as markdown, CSV and files."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np

from accesssim.experiments.validation.checks import REGISTRY, Check
from accesssim.experiments.validation.context import Context
from accesssim.experiments.validation.roads import pair_stats
from accesssim.util import files as aio

TESTED_WHO = "not at 0 minutes by the METRIC convention (outside a commune with the service)"


def run(ctx: Context | None = None, checks: list[Check] | None = None) -> list[dict]:
    """Compute every registered check; one dict per row."""
    ctx = ctx or Context()
    rows = []
    for chk in checks or REGISTRY:
        value = float(chk.compute(ctx))
        within = None if chk.low is None else bool(chk.low - 1e-12 <= value <= chk.high + 1e-12)
        tested = None if chk.tested is None else float(chk.tested(ctx))
        rows.append(
            {
                "check": chk.name,
                "model": value,
                "model_text": _fmt(value, chk.percent),
                "published": chk.published_text,
                "tolerance": chk.tolerance,
                "within": within,
                "status": chk.status,
                "source": chk.source,
                "year": chk.year,
                "note": chk.note,
                "tested_share": tested,
                "why_missed": chk.why_missed if within is False else "",
            }
        )
    return rows


def _fmt(value: float, percent: bool) -> str:
    if percent:
        return f"{100 * value:.1f}%"
    if float(value).is_integer() or abs(value) >= 1e4:
        return f"{value:,.0f}"
    return f"{value:.2f}"


def markdown(rows: list[dict]) -> str:
    out = [
        "| check | model | published | tolerance | within | status | year | source |",
        "|---|---:|---:|---|:---:|---|---|---|",
    ]
    for r in rows:
        w = {True: "yes", False: "**no**", None: "-"}[r["within"]]
        notes = [r["note"]] if r["note"] else []
        if r.get("tested_share") is not None:
            notes.append(f"tests the {100 * r['tested_share']:.1f}% of people {TESTED_WHO}")
        src = r["source"] + (f" ({'; '.join(notes)})" if notes else "")
        out.append(
            f"| {r['check']} | {r['model_text']} | {r['published']} | {r['tolerance']} | {w} "
            f"| {r['status']} | {r['year']} | {src} |"
        )
    missed = [r for r in rows if r["within"] is False]
    if missed:
        out += ["", "Outside tolerance, and why:"]
        out += [f"- {r['check']}: {r['why_missed'] or 'unexplained'}" for r in missed]
    return "\n".join(out) + "\n"


def csv_text(rows: list[dict]) -> str:
    buf = io.StringIO()
    keys = ["check", "model", "published", "tolerance", "within", "status", "year", "source"]
    keys += ["note", "tested_share", "why_missed"]
    w = csv.DictWriter(buf, fieldnames=keys, lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({k: r[k] for k in keys})
    return buf.getvalue()


def pairs_markdown(ctx: Context, worst: int = 5) -> str:
    p = ctx.pairs
    lines = []
    # the recalled pairs are a secondary check; no half of them is fitted on any more
    for label, sel in (("all", np.ones(len(p["ratio"]), bool)),):
        s = pair_stats(p["ratio"][sel])
        lines.append(
            f"secondary, recalled town pairs, {label}: n = {s['n']}, "
            f"geometric mean {s['geometric_mean']:.2f}, "
            f"spread (sd of log ratio) {s['sd_log']:.2f}, range {s['min']:.2f}-{s['max']:.2f}, "
            f"{s['off_by_1_5']} off by more than ×1.5"
        )
        idx = np.flatnonzero(sel)
        order = idx[np.argsort(-np.abs(np.log(p["ratio"][idx])))][:worst]
        for k in order:
            r = p["rows"][k]
            lines.append(
                f"  {r['origin_name']} → {r['destination_name']} ({r.get('kind', '')}): model "
                f"{p['model'][k]:.0f} min, reference {p['reference'][k]:.0f} "
                f"(×{p['ratio'][k]:.2f})"
            )
    return "\n".join(lines) + "\n"


def write(rows: list[dict], out: str | Path, extra: str = "") -> list[Path]:
    out = Path(out)
    files = [out / "validation.csv", out / "validation.md"]
    aio.atomic_write_text(files[0], csv_text(rows))
    aio.atomic_write_text(files[1], "# accesssim validate\n\n" + markdown(rows) + "\n" + extra)
    return files


def no_road_footer(ctx: Context) -> str:
    """The note under the table on the travel times and the communes with no road to an ED."""
    no_road = int(np.sum(~np.isfinite(ctx.ed_minutes)))
    return (
        f"Times: two-level road graph, METRIC convention (no intra-commune time). "
        f"{no_road} communes ({int(ctx.pop[~np.isfinite(ctx.ed_minutes)].sum()):,} people) "
        "have no road to an ED (Guyane's interior, islands without a bridge): counted as "
        "beyond 30 minutes.\n"
    )
