"""Summaries of a finished (or partial) sweep: tidy tables, bands per grid point, dose-response.

Reads only the runs' manifests (their key outputs), so a 1,000-run sweep summarises in seconds.
Where the experiment has a baseline scenario (no policies), each run is compared with the
baseline run of the same seed (common random numbers): forgone care and ED visits avoided, and
euros per avoided forgone consultation.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from accesssim.outputs import export, indicators, reports
from accesssim.specs import scenario
from accesssim.util import files as aio


def metrics() -> list[str]:
    """Columns banded per grid point: the differences with the baseline (those a sweep can
    compute: no EPCI groups), euros per avoided consultation, horizon totals and every
    indicator's last year."""
    diffs = [d.name for d in indicators.differences() if d.group is None]
    inds = indicators.INDICATORS.values()
    horizon = [f"horizon_{i.name}" for i in inds if i.horizon]
    last = [f"last_{i.name}" for i in inds if i.table == "yearly"]
    return [*diffs, indicators.COST_PER_AVOIDED[0], *horizon, *last]


def _values(row: dict) -> dict:
    """A run's key outputs back in ``indicators.seed_values`` form (``last:apl``)."""
    return {
        k.replace("_", ":", 1): v for k, v in row.items() if k.startswith(("last_", "horizon_"))
    }


def collect(root: Path) -> tuple[list[dict], list[str]]:
    """One row per complete run of the experiment's current definition (``experiment.json``
    lists them by run id and spec hash; runs of an earlier definition or of other seeds in
    ``runs/`` are left out): scenario, seed, grid point, key outputs, differences."""
    root = Path(root)
    info = json.loads((root / "experiment.json").read_text())
    current = info.get("run_hashes")  # None: a folder from before the list was kept
    baselines = set()
    for p in info["scenarios"]:
        try:
            sc = scenario.load(p)
            if not sc.policies:
                baselines.add(sc.name)
        except (scenario.ScenarioError, OSError):
            pass
    rows = []
    for m in sorted((root / "runs").glob("*/manifest.json")):
        man = json.loads(m.read_text())
        if current is not None and current.get(man.get("run_id")) != man.get("spec_hash"):
            continue
        rows.append(
            {
                "run_id": man["run_id"],
                "scenario": man["scenario"],
                "seed": man["seed"],
                **{f"grid:{k}": v for k, v in man["point"].items()},
                **man["key_outputs"],
            }
        )
    base = {r["seed"]: r for r in rows if r["scenario"] in baselines}
    for r in rows:
        b = base.get(r["seed"])
        if b is None or r["scenario"] in baselines:
            continue
        diffs = indicators.seed_differences(_values(b), _values(r))
        r.update({d.name: diffs[d.name] for d in indicators.differences() if d.group is None})
    grid_keys = sorted({k for r in rows for k in r if k.startswith("grid:")})
    return rows, grid_keys


def bands(rows: list[dict], grid_keys: list[str]) -> list[dict]:
    """Median and 5-95 % band across seeds for each scenario × grid point and metric."""
    groups: dict = {}
    for r in rows:
        key = (r["scenario"], tuple(json.dumps(r.get(k)) for k in grid_keys))
        groups.setdefault(key, []).append(r)
    out = []
    for (name, point), members in sorted(groups.items()):
        row = {
            "scenario": name,
            **{k: json.loads(v) for k, v in zip(grid_keys, point, strict=True)},
            "seeds": len(members),
        }
        for metric in metrics():
            if metric == indicators.COST_PER_AVOIDED[0]:
                band = indicators.cost_per_avoided(
                    [m.get("public_cost_eur", np.nan) for m in members],
                    [m.get("forgone_avoided_discounted", np.nan) for m in members],
                )
            else:
                band = indicators.interval([m.get(metric, np.nan) for m in members])
            for stat, v in zip(("median", "p05", "p95"), band, strict=True):
                row[f"{metric}:{stat}"] = v
        out.append(row)
    return out


def summarize(root: str | Path) -> list[Path]:
    root = Path(root)
    if not (root / "experiment.json").exists():
        raise scenario.ScenarioError(f"{root}: not a sweep results folder (no experiment.json)")
    rows, grid_keys = collect(root)
    if not rows:
        raise scenario.ScenarioError(f"{root}: no complete run yet")
    table = bands(rows, grid_keys)
    files = []
    aio.atomic_write_text(root / "sweep_runs.csv", export.csv_text(_uniform(rows)))
    aio.atomic_write_text(root / "sweep_summary.csv", export.csv_text(_uniform(table)))
    files += [root / "sweep_runs.csv", root / "sweep_summary.csv"]
    files += dose_response_figures(table, grid_keys, root, policy_types(root))
    aio.atomic_write_text(
        root / "summary.md", reports.sweep_report(root, table, grid_keys, len(rows))
    )
    files.append(root / "summary.md")
    return files


def policy_types(root: Path) -> dict[str, str]:
    """Policy name (and position ``"<i>"``) -> type, over the experiment's scenarios: what
    figures need to turn a grid key into its parameter's label."""
    out: dict[str, str] = {}
    info = json.loads((Path(root) / "experiment.json").read_text())
    for p in info["scenarios"]:
        try:
            sc = scenario.load(p)
        except (scenario.ScenarioError, OSError):
            continue
        for i, pol in enumerate(sc.build_policies()):
            out[pol.name] = out[str(i)] = pol.kind
    return out


def _uniform(rows: list[dict]) -> list[dict]:
    keys = list(dict.fromkeys(k for r in rows for k in r))
    return [{k: r.get(k, "") for k in keys} for r in rows]


def _shown(v) -> str:
    """A grid value in a legend: numbers with thousands separators, anything else as is."""
    if isinstance(v, int | float) and not isinstance(v, bool):
        return f"{v:,}"
    return str(v)


def dose_response_figures(table, grid_keys, out: Path, types: dict | None = None) -> list[Path]:
    """For each numeric grid key: forgone care and ED visits avoided against it, a line per
    other setting; axes labelled with the parameters' descriptions (``plots.grid_label``)."""
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    from accesssim.outputs.plots import _save, grid_label, number_axis

    files = []
    with_diff = [r for r in table if np.isfinite(r["forgone_avoided:median"])]
    for key in grid_keys:
        vals = [r.get(key) for r in with_diff]
        if len({v for v in vals if v is not None}) < 2 or not all(
            isinstance(v, int | float) and not isinstance(v, bool) for v in vals if v is not None
        ):
            continue  # one value is no dose-response; text values have no axis
        others = [k for k in grid_keys if k != key]
        fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
        lines: dict = {}
        for r in with_diff:
            if r.get(key) is None:
                continue
            label = r["scenario"] + "".join(
                f", {grid_label(k, types)} = {_shown(r.get(k))}"
                for k in others
                if r.get(k) is not None
            )
            lines.setdefault(label, []).append(r)
        for label, pts in list(lines.items())[:10]:
            pts.sort(key=lambda r: r[key])
            x = [p[key] for p in pts]
            for ax, metric in ((axes[0], "forgone_avoided"), (axes[1], "ed_avoided")):
                med = [p[f"{metric}:median"] for p in pts]
                ax.fill_between(
                    x,
                    [p[f"{metric}:p05"] for p in pts],
                    [p[f"{metric}:p95"] for p in pts],
                    alpha=0.2,
                )
                ax.plot(x, med, marker="o", label=label)
        whole = all(isinstance(v, int) for v in vals if v is not None)
        for ax, title, unit in (
            (axes[0], "forgone consultations avoided", "consultations"),
            (axes[1], "ED visits avoided", "ED visits"),
        ):
            number_axis(ax, f"{unit} avoided, whole horizon (vs same-seed baseline)")
            number_axis(ax, f"{grid_label(key, types)} [{key[5:]}]", axis="x")
            if whole:  # years, counts: no 2.5 ticks
                ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            ax.set_title(f"{title} (median, 5–95% across seeds)", fontsize=10)
            ax.axhline(0, color="grey", lw=0.8)
            ax.grid(alpha=0.3)
        axes[0].legend(fontsize=7)
        fig.text(0.01, 0.005, indicators.SYNTHETIC_NOTE, fontsize=6.5, wrap=True)
        fig.tight_layout(rect=(0, 0.06, 1, 1))
        path = out / f"dose_{key[5:].replace('.', '_')}.png"
        files.append(_save(fig, path))
    return files
