"""Run a scenario over seeds and write its results: tidy CSVs, manifest, figures, summary.

Everything is written atomically: each file through a temporary name and a rename, the whole
folder beside its place and moved in with its manifest last (``util.files.write_folder``), so an
interrupted or failed write never leaves a file or a folder that looks complete.
"""

from __future__ import annotations

import platform
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from accesssim.model.access_model import AccessModel
from accesssim.outputs import export, reports
from accesssim.outputs.indicators import SYNTHETIC_NOTE
from accesssim.params import calibration as calfile
from accesssim.policies.base import no_effect
from accesssim.specs.scenario import Scenario
from accesssim.util import files as aio
from accesssim.util import provenance
from accesssim.util.version import __version__, model_version


@dataclass(repr=False)
class RunTables:
    """Tables of one scenario over its seeds (lists of row dicts, each with its seed)."""

    scenario: Scenario
    weekly: list[dict] = field(default_factory=list)
    monthly: list[dict] = field(default_factory=list)
    yearly: list[dict] = field(default_factory=list)
    groups: list[dict] = field(default_factory=list)
    communes: list[dict] = field(default_factory=list)
    policy: list[dict] = field(default_factory=list)
    # policies that had no effect: seed, policy, type, reason (``policies.base.no_effect``)
    no_effect: list[dict] = field(default_factory=list)
    territory: object = None  # the selection the runs used (for maps)
    territory_checksum: str = ""
    seconds: float = 0.0

    def __repr__(self) -> str:  # the rows are megabytes: name them, don't print them
        sizes = ", ".join(
            f"{k} {len(getattr(self, k))}"
            for k in ("weekly", "monthly", "yearly", "groups", "communes", "policy")
        )
        return f"<RunTables {self.scenario.name!r}, seeds {self.scenario.seeds}; rows: {sizes}>"


def run_one(
    scenario: Scenario,
    seed: int,
    territory=None,
    communes: bool = False,
    debug: bool = False,
    progress=None,
    agents: bool = False,
) -> AccessModel:
    """Build and run one model on ``territory`` (the scenario's selection, loaded once by the
    caller, or loaded here); ``progress`` is called with the weeks done so far. The run keeps
    tables only, so the Mesa agents (views for inspection) are not created unless ``agents``."""
    t = territory if territory is not None else scenario.load_territory()
    model = AccessModel(
        t,
        params=scenario.parameters,
        rng=seed,
        start_year=scenario.start_year,
        policies=scenario.build_policies(),
        debug=debug,
        calibration=scenario.calibration,
        agents=agents,
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
) -> RunTables:
    """Run every seed of a scenario in turn (a sweep parallelises across runs)."""
    result = RunTables(scenario)
    if scenario.calibration is None:
        warnings.warn(calfile.UNCALIBRATED, stacklevel=2)
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
            for policy in m.policies:
                reason = no_effect(policy, m, m.policy_rows)
                if reason:
                    result.no_effect.append(
                        {"seed": seed, "policy": policy.name, "type": policy.kind, "reason": reason}
                    )
    result.seconds = time.perf_counter() - t0
    return result


def write(
    result: RunTables, out: str | Path, figures: bool = True, force: bool = False
) -> list[Path]:
    """Write tables, layers, figures, summary and manifest under ``out``; returns the files.

    ``out`` must not exist, be empty or hold an earlier ``run``'s results, else ``force``
    (``util.files.write_folder``: written beside ``out`` and moved into place, the manifest
    last, listing every file; files of the earlier run this one does not write are removed).
    """
    return aio.write_folder(out, "run", lambda d: _write_files(result, d, figures), force)


def _write_files(result: RunTables, out: Path, figures: bool) -> dict:
    """Every file of a run into ``out`` (a fresh folder); returns the manifest."""
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
    if figures:
        from accesssim.outputs import plots

        files += plots.run_figures(result, out)
    names = [Path(f).name for f in files] + ["summary.md", aio.MANIFEST]
    aio.atomic_write_text(out / "summary.md", reports.run_summary(result, names))
    calib = calfile.load_calibration(sc.calibration)
    return {
        "accesssim_version": __version__,
        "model_version": model_version(),
        "scenario": sc.name,
        "scenario_file": str(sc.path) if sc.path else None,
        "scenario_sha256": sc.sha256,
        "seeds": sc.seeds,
        "years": sc.years,
        "start_year": sc.start_year,
        "territory": sc.territory.as_table() or "France",
        "territory_sha256": result.territory_checksum,
        "parameters": calfile.defaults(sc.calibration) | sc.parameters,
        "calibration": {k: v for k, v in calib.items() if k != "fitted"}
        | ({"warning": calfile.UNCALIBRATED} if sc.calibration is None else {}),
        "parameter_overrides": sc.parameters,
        "policies": sc.policies,
        "python": platform.python_version(),
        "provenance": provenance.provenance(),
        "outputs_skipped": export.skipped_formats(),
        "figures": figures,
        "seconds": round(result.seconds, 2),
        "no_effect": reports.no_effect_warnings(result),
        "note": SYNTHETIC_NOTE,
    }
