"""Figures an analyst can paste into a note: whole-year ticks, labelled axes with units,
thousands separators, a change-map legend in percentage points, parameter labels on
dose-response axes. Checked on the matplotlib objects before they are closed."""

import re

import matplotlib.pyplot as plt
import numpy as np
import pytest

import accesssim
from accesssim.experiments import sweep_summary
from accesssim.outputs import plots
from accesssim.params.parameters import PARAMETERS

SC = '[scenario]\nname = "{n}"\nyears = 3\nseeds = [1]\n[territory]\ndepartement = "23"\n{p}'


@pytest.fixture()
def figures(monkeypatch):
    """Every figure closed by plots (or sweep_summary), drawn, kept open for inspection."""
    kept = []

    def keep(fig=None):
        fig.canvas.draw()
        kept.append(fig)

    monkeypatch.setattr(plots.plt, "close", keep)
    yield kept
    monkeypatch.undo()
    for f in kept:
        plt.close(f)


def tick_texts(axis) -> list[str]:
    return [t.get_text() for t in axis.get_ticklabels() if t.get_text()]


@pytest.fixture(scope="module")
def comparison(tmp_path_factory):
    d = tmp_path_factory.mktemp("fig")
    (d / "b.toml").write_text(SC.format(n="base", p=""), encoding="utf-8")
    pol = '[[policies]]\ntype = "solidarity_days"\nparticipation = 0.2\n'
    (d / "s.toml").write_text(SC.format(n="solidarity", p=pol), encoding="utf-8")
    return accesssim.compare(d / "b.toml", d / "s.toml")


def test_time_axes_have_whole_years_and_labelled_axes(comparison, figures, tmp_path):
    plots.run_figures(comparison.baseline.result, tmp_path)
    plots.compare_figures(comparison.comparison, tmp_path)
    checked = 0
    for fig in figures:
        for ax in fig.axes:
            if ax.get_xlabel() != "year" and not ax.lines:
                continue  # maps, colour bars, bars
            if ax.get_xlabel() == "year":
                years = tick_texts(ax.xaxis)
                assert years and all(re.fullmatch(r"20\d\d", y) for y in years), years
                assert len(set(years)) == len(years)
            if ax.lines:
                assert ax.get_ylabel(), f"no unit on {ax.get_title()!r}"
                checked += 1
    assert checked >= 7  # 4 weekly panels, 2 priority panels, the compare series


def test_counts_have_thousands_separators(comparison, figures, tmp_path):
    plots.compare_figures(comparison.comparison, tmp_path)
    series = next(ax for f in figures for ax in f.axes if "per year" in ax.get_title())
    labels = tick_texts(series.yaxis)
    assert any("," in t for t in labels), labels  # thousands of forgone consultations
    assert all(float(t.replace(",", "").replace("−", "-")) >= 1000 for t in labels)
    bars = [ax for f in figures for ax in f.axes if ax.get_title() == "cost"]
    assert "euros, total over 3 years" in bars[0].get_ylabel()


def test_change_map_legend_is_in_points(comparison, figures, tmp_path):
    plots.compare_figures(comparison.comparison, tmp_path)
    (cbar,) = [ax for f in figures for ax in f.axes if "percentage points" in ax.get_ylabel()]
    labels = tick_texts(cbar.yaxis)
    assert not any("%" in t for t in labels), labels
    assert "+2" in labels[-2] and "> +2" == labels[-1] and "< -2" == labels[0]
    assert "+0.1" in labels and "-0.1" in labels  # CHANGE_BINS ±0.001 as a share = ±0.1 point


def test_grid_keys_read_as_parameter_labels():
    assert plots.grid_label("grid:solidarity_days.participation") == (
        "share of eligible GPs who volunteer"
    )
    assert plots.grid_label("policies.0.days_per_month", {"0": "solidarity_days"}) == (
        "days a month each volunteer gives"
    )
    assert plots.grid_label("boost.participation", {"boost": "solidarity_days"}).startswith(
        "share of eligible GPs"
    )
    unit = PARAMETERS["ed_without_mt_rr"].unit.split(" (")[0]
    assert plots.grid_label("parameters.ed_without_mt_rr") == unit
    assert plots.grid_label("scenario.years") == "horizon (years)"
    assert plots.grid_label("nothing.here") == "nothing.here"


def test_dose_response_axes(figures, tmp_path):
    rows = [
        {
            "scenario": "sol",
            "grid:solidarity_days.participation": p,
            "grid:scenario.years": y,
            "grid:solidarity_days.mode": "mandatory",  # text: in legends, no figure of its own
            **{
                f"{m}:{s}": v * p * y
                for m in ("forgone_avoided", "ed_avoided")
                for s, v in (("median", 2e5), ("p05", 1e5), ("p95", 3e5))
            },
        }
        for p in (0.1, 0.5, 1.0)
        for y in (1, 3)
    ]
    keys = [
        "grid:scenario.years",
        "grid:solidarity_days.mode",
        "grid:solidarity_days.participation",
    ]
    files = sweep_summary.dose_response_figures(rows, keys, tmp_path)
    names = ["dose_scenario_years.png", "dose_solidarity_days_participation.png"]
    assert [f.name for f in files] == names
    ax = figures[1].axes[0]
    assert ax.get_xlabel().startswith("share of eligible GPs who volunteer")
    assert "consultations" in ax.get_ylabel()
    assert any("," in t for t in tick_texts(ax.yaxis))  # 200,000 not 200000 or 2e5
    legend = ax.get_legend().get_texts()[0].get_text()
    assert "horizon (years) = 1" in legend and "= mandatory" in legend
    years_ax = figures[0].axes[0]
    assert all(re.fullmatch(r"\d+", t) for t in tick_texts(years_ax.xaxis))
    assert np.isfinite(ax.get_ylim()).all()
