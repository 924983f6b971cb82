"""Dashboard (Mesa SolaraViz): a territory, policy doses on sliders, run / pause / step.

No model logic here: ``DashboardModel`` only turns the sliders into policies (``policies.py``)
and keeps a baseline twin with the same seed, so every view can show the policy against the
baseline. Start it with ``accesssim dashboard [--region R]`` (needs the ``viz`` extra).
"""

from __future__ import annotations

import os
import time

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import solara  # noqa: E402
from matplotlib.colors import BoundaryNorm  # noqa: E402
from mesa.visualization import SolaraViz  # noqa: E402
from mesa.visualization.utils import update_counter  # noqa: E402

from accesssim import metrics, plots, policies  # noqa: E402
from accesssim import territory as terr  # noqa: E402
from accesssim.model import AccessModel  # noqa: E402

DEFAULT_REGION = os.environ.get("ACCESSSIM_DASHBOARD_REGION", "Centre-Val de Loire")
INDICATORS = ("forgone care", "APL", "ED visits per 1,000")


def territory_choices() -> list[str]:
    t = terr.load()
    regions = sorted(t.names["region"].values())
    deps = [f"{k} {v}" for k, v in sorted(t.names["departement"].items())]
    return regions + deps


def select_territory(choice: str) -> terr.Territory:
    t = terr.load()
    if choice in t.names["region"].values():
        return t.select(region=choice)
    return t.select(departement=choice.split(" ", 1)[0])


class DashboardModel(AccessModel):
    """The model with its policies built from slider values, and a same-seed baseline twin."""

    def __init__(
        self,
        territory: str = DEFAULT_REGION,
        indicator: str = INDICATORS[0],
        rng: int = 1,
        **doses,
    ):
        """``doses``: policy controls by name (``policies.dashboard_sliders``), e.g.
        ``participation``, ``days_per_month``, ``msp_per_year``, ``tele_share``,
        ``juniors_per_year``."""
        doses.pop("scenario", None)  # Mesa's reset adds one to models taking **kwargs; unused
        t = select_territory(territory)
        chosen = policies.from_dashboard(doses)
        super().__init__(t, rng=rng, policies=chosen)
        self.label = territory
        self.indicator = indicator
        self.baseline = AccessModel(t, rng=rng)
        n = len(t.communes)
        self.total = {k: np.zeros(n) for k in ("needed", "forgone", "ed")}
        self.series = {"week": [], "policy": [], "baseline": [], "ed_policy": [], "ed_baseline": []}
        self.last_step_ms = 0.0

    def step(self):
        t0 = time.perf_counter()
        super().step()
        self.baseline.step()
        for key, flow in (("needed", "needed"), ("forgone", "forgone"), ("ed", "ed")):
            self.total[key] += self.week_flows[flow].sum(1)
        for name, m in (("policy", self), ("baseline", self.baseline)):
            w = m.week_totals
            self.series[name].append(w["forgone"] / max(w["needed"], 1e-9))
            self.series[f"ed_{name}"].append(w["ed"])
        self.series["week"].append(self.steps)
        self.last_step_ms = 1000 * (time.perf_counter() - t0)

    def cost_so_far(self) -> float:
        booked = sum(r["cost_eur"] for r in self.policy_rows)
        return booked + sum(p.year.get("cost_eur", 0.0) for p in self.policies)

    def epci_values(self, indicator: str) -> np.ndarray:
        c, e = self.territory.communes, self.territory.epcis
        n = len(e)
        core = self.core
        if indicator == "APL":
            return metrics.group_mean(self.current_apl(), c.population * core, c.epci, n)
        by = {k: np.bincount(c.epci, weights=v * core, minlength=n) for k, v in self.total.items()}
        if indicator == "forgone care":
            return np.divide(
                by["forgone"], by["needed"], out=np.full(n, np.nan), where=by["needed"] > 0
            )
        pop = np.bincount(c.epci, weights=c.population * core, minlength=n)
        weeks = max(self.steps, 1)
        return np.divide(1000 * by["ed"] * 52 / weeks, pop, out=np.full(n, np.nan), where=pop > 0)


# ---------------------------------------------------------------------- views
MAP_STYLE = {
    "forgone care": (plots.RATE_BINS, "YlOrRd", True, "forgone / needed consultations"),
    "APL": (plots.APL_BINS, "RdYlGn", False, "APL, consultations/yr/inhabitant"),
    "ED visits per 1,000": (
        (0, 25, 50, 100, 150, 200, 300, 500, 5000),
        "PuRd",
        False,
        "ED visits from lack of access per 1,000 a year",
    ),
}


@solara.component
def MapView(model: DashboardModel):
    update_counter.get()
    indicator = model.indicator
    bins, cmap, percent, label = MAP_STYLE[indicator]
    values = model.epci_values(indicator)
    fig, ax = plt.subplots(figsize=(6.5, 6))
    norm = BoundaryNorm(list(bins), plt.get_cmap(cmap).N)
    plots.draw_epcis(
        ax, model.territory, values, norm, cmap, outline=model.territory.epcis.priority_confirmed
    )
    sm = plt.cm.ScalarMappable(norm=norm, cmap=cmap)
    cb = fig.colorbar(sm, ax=ax, shrink=0.7)
    cb.set_label(label + (" (%)" if percent else ""))
    if percent:
        cb.ax.set_yticks(list(bins)[:-1], [f"{100 * b:g}" for b in bins[:-1]])
    ax.set_title(f"{indicator} by EPCI, {model.label} (week {model.steps}; modelled)", fontsize=10)
    solara.FigureMatplotlib(fig, format="png")
    plt.close(fig)


@solara.component
def SeriesView(model: DashboardModel):
    update_counter.get()
    s = model.series
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.2))
    if s["week"]:
        axes[0].plot(s["week"], 100 * np.array(s["baseline"]), label="baseline", color="grey")
        axes[0].plot(s["week"], 100 * np.array(s["policy"]), label="with policies")
        axes[1].plot(s["week"], s["ed_baseline"], label="baseline", color="grey")
        axes[1].plot(s["week"], s["ed_policy"], label="with policies")
    axes[0].set_title("forgone / needed consultations (%)", fontsize=9)
    axes[1].set_title("ED visits from lack of GP access per week", fontsize=9)
    for ax in axes:
        ax.set_xlabel("week")
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=8)
    fig.tight_layout()
    solara.FigureMatplotlib(fig, format="png")
    plt.close(fig)


@solara.component
def SummaryView(model: DashboardModel):
    update_counter.get()
    weeks = solara.use_reactive(13)
    e = model.territory.epcis
    ren = model.epci_values("forgone care")
    order = [k for k in np.argsort(-np.nan_to_num(ren, nan=-1)) if e.core[k]][:8]
    policy_forgone = sum(model.series["policy"])
    base_forgone = sum(model.series["baseline"])
    rows = "\n".join(
        f"| {e.name[k]} | {_pct(ren[k])} | {'yes' if e.priority_confirmed[k] else ''} |"
        for k in order
    )

    def run_weeks():
        for _ in range(int(weeks.value)):
            model.step()
        update_counter.value += 1

    task = solara.lab.use_task(run_weeks, dependencies=None, prefer_threaded=True)
    with solara.Card("Run"), solara.Column():
        solara.SliderInt("weeks to run", value=weeks, min=1, max=52)
        solara.Button(
            f"Run {weeks.value} weeks", on_click=task, color="primary", disabled=task.pending
        )
        if task.pending:
            solara.ProgressLinear(True)
            solara.Text("Computing…")
        else:
            solara.Text(f"Idle. Last simulated week took {model.last_step_ms:.0f} ms.")
    solara.Markdown(
        f"**Week {model.steps}** ({model.start_year} + {model.steps / 52:.1f} years). "
        f"**Cost so far: {model.cost_so_far():,.0f} €.** "
        f"Mean weekly forgone/needed: with policies "
        f"{100 * policy_forgone / max(len(model.series['week']), 1):.3f}%, baseline "
        f"{100 * base_forgone / max(len(model.series['week']), 1):.3f}%.\n\n"
        "| EPCI with most forgone care | forgone / needed | priority (confirmed) |\n"
        f"|---|---:|:---:|\n{rows}\n\n"
        "*All figures are modelled (see the README): GP supply spread from département "
        "counts, behaviour parameters partly assumed.*"
    )


def _pct(x: float) -> str:
    return f"{100 * x:.2f}%" if np.isfinite(x) else "–"


def model_params() -> dict:
    return {
        "territory": {
            "type": "Select",
            "value": DEFAULT_REGION,
            "values": territory_choices(),
            "label": "territory (région or département)",
        },
        "indicator": {
            "type": "Select",
            "value": INDICATORS[0],
            "values": list(INDICATORS),
            "label": "map colour",
        },
        **policies.dashboard_sliders(),
        "rng": {"type": "SliderInt", "value": 1, "min": 1, "max": 50, "step": 1, "label": "seed"},
    }


def make_page(model: DashboardModel | None = None):
    model = model or DashboardModel()
    return SolaraViz(
        model,
        components=[(MapView, 0), (SummaryView, 0), (SeriesView, 0)],
        model_params=model_params(),
        name="accesssim: access to GPs",
        play_interval=50,
    )


@solara.component
def Page():
    model = solara.use_memo(DashboardModel, [])
    return make_page(model)


page = Page
