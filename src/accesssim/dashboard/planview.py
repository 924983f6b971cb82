"""Budget plans on the page: open a plan file of ``accesssim optimise``, show its allocation
(the exact proxy optimum, plan 1 of stage 1) and run its simulated effect on the page.

Why a module of its own: a plan is not a scenario; the optimiser turns it into the policies
that place its units by list (``optimise.simulate.policies_of``, the same translation as its
stage 2), and this module hands those to the page as a preset would (slider values and base
specs, through ``controls.load_preset`` so the sliders show the plan's doses), with the plan's
territory, seeds and horizon. The page's run is then the plan's simulation against the same
seed's baseline, as stage 2 runs it.
"""

from __future__ import annotations

import html
import logging
import tempfile
from dataclasses import dataclass
from pathlib import Path

import solara
import solara.lab

from accesssim.dashboard import controls
from accesssim.dashboard import effect_table as et
from accesssim.dashboard import fmt as ff
from accesssim.dashboard.labels import policy_label
from accesssim.policies import registry

log = logging.getLogger("accesssim.dashboard")

PLANS_DIR = Path("plans")  # the repository's example plans, from where the page is started


@dataclass(frozen=True)
class OpenedPlan:
    """What the page needs to run a plan: its territory (a page choice), slider values and
    base specs, seeds, weeks, the allocation's rows and notes."""

    label: str
    territory: str
    values: dict
    base: tuple
    seed: int
    n_seeds: int
    weeks: int
    rows: tuple  # (EPCI name, lever, units, first-year cost)
    cost_first_year: float
    notes: tuple = ()


def plan_files(folder: Path = PLANS_DIR) -> dict[str, Path]:
    """Plan files of ``folder`` by label (description, else name); unreadable ones skipped."""
    from accesssim.specs import plan as planfile

    out = {}
    for path in sorted(Path(folder).glob("*.toml")):
        try:
            p = planfile.load(path)
        except Exception as exc:  # a broken file is not offered, and said in the log
            log.warning("plan skipped: %s", exc)
            continue
        out[p.description or p.name] = path
    return out


def territory_choice(table: dict) -> str:
    """The page's territory choice of a plan's ``[territory]`` table."""
    if not table:
        return controls.FRANCE
    if "region" in table:
        return str(table["region"])
    if "departement" in table:
        code = str(table["departement"])
        for c in controls.territory_choices():
            if c.split(" ", 1)[0] == code:
                return c
    raise ValueError(f"the page cannot select the plan's territory {table} (EPCI lists)")


def open_plan(path: Path) -> OpenedPlan:
    """Stage 1 of ``accesssim optimise`` on ``path`` (no simulation), then plan 1 as the
    policies placing it, ready for the page."""
    from accesssim.experiments.optimise import run, simulate
    from accesssim.specs import scenario as scn

    r = run.optimise(path, simulate_plans=False)
    plan = r.plan
    policies = simulate.policies_of(r.proxy, r.allocations()["plan_1"])
    notes = []
    if plan.start_year != controls.START_YEAR:
        notes.append(f"the plan starts in {plan.start_year}, the page in {controls.START_YEAR}")
    tables = {"scenario": {"name": plan.name, "years": plan.years, "seeds": plan.seeds},
              "policies": policies}  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:  # read back as a preset: sliders at its doses
        f = Path(tmp) / "plan.toml"
        scn.from_dict(tables)  # checked before it is written
        f.write_text(_toml(tables), encoding="utf-8")
        values, base = controls.load_preset(f)
    for sl in controls.sliders():  # the plan's exact doses, not snapped to the slider's step
        for spec in policies:
            if spec["type"] == sl.policy and sl.key in spec:
                values[sl.name] = spec[sl.key]
    run_specs = controls.policy_specs(values, base)
    for want, got in zip(policies, run_specs, strict=True):
        if registry.from_spec(want).values != registry.from_spec(got).values:
            notes.append(f"{want['type']}: the page's control rounds the plan's dose")
    seeds = list(plan.seeds)
    if seeds != list(range(seeds[0], seeds[0] + len(seeds))):
        notes.append(f"seeds {seeds}: the page runs {seeds[0]}..{seeds[0] + len(seeds) - 1}")
    rows = tuple(
        (
            row["epci_name"],
            policy_label(row["lever"]),
            int(row["units"]),
            float(row["cost_first_year_eur"]),
        )  # fmt: skip
        for row in r.plan_rows()
        if row["allocation"] == "plan_1"
    )
    return OpenedPlan(
        label=plan.description or plan.name,
        territory=territory_choice(plan.territory.as_table()),
        values=values,
        base=tuple(base),
        seed=seeds[0],
        n_seeds=min(len(seeds), 10),
        weeks=52 * plan.years,
        rows=rows,
        cost_first_year=sum(x[3] for x in rows),
        notes=tuple(notes),
    )


def _toml(tables: dict) -> str:
    from accesssim.dashboard.export import _table

    lines = _table("scenario", tables["scenario"])
    for spec in tables["policies"]:
        lines += ["", *_table("[policies]", spec)]
    return "\n".join(lines) + "\n"


@solara.component
def PlanPanel(on_open, busy: bool, folder: Path = PLANS_DIR):
    """Choose a plan file, open it (stage 1 runs in a worker thread), see its allocation;
    ``on_open(OpenedPlan)`` sets the page's controls and runs the plan."""
    files = solara.use_memo(lambda: plan_files(folder), [str(folder)])
    chosen = solara.use_reactive(next(iter(files), ""))
    opened = solara.use_reactive(None)
    error = solara.use_reactive("")

    def work(path):
        try:
            plan = open_plan(path)
        except Exception as exc:
            log.exception("plan %s failed", path)
            error.set(f"{type(exc).__name__}: {exc}")
            return
        opened.set(plan)
        on_open(plan)

    task = solara.lab.use_task(work, dependencies=None, prefer_threaded=True)
    if not files:
        return
    with solara.Card("Plan budgétaire (accesssim optimise)"):
        with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
            solara.Select("Plan", values=list(files), value=chosen)
            solara.Button(
                "Ouvrir le plan",
                on_click=lambda: (error.set(""), task(files[chosen.value])),
                disabled=busy or task.pending or not chosen.value,
            )
        if task.pending:
            solara.ProgressLinear(True)
            solara.Text("Optimisation (étape 1 : optimum exact du proxy)…")
        if error.value:
            solara.Error(f"Plan illisible : {error.value}")
        p: OpenedPlan | None = opened.value
        if p is None:
            return
        rows = [[n, lever, ff.number(u), ff.euros(c)] for n, lever, u, c in p.rows]
        text = (
            f"{p.label} : plan 1 (optimum exact du proxy), {ff.euros(p.cost_first_year)} la "
            f"première année, simulé sur {p.territory}, {p.n_seeds} graine(s), {p.weeks} "
            "semaines : l'effet simulé est le tableau « Effet des mesures » ci-dessus."
        )
        notes = "".join(
            f"<p style='font-size:12px;color:#a00'>{html.escape(n)}</p>" for n in p.notes
        )
        head = ["EPCI", "Levier", "Unités", "Coût la 1re année"]
        solara.HTML(
            tag="div",
            unsafe_innerHTML=et.html_table(head, rows, cls="plan-rows")
            + f"<p style='font-size:13px'>{html.escape(text)}</p>{notes}",
        )
