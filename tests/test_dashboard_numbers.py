"""Dashboard numbers without a browser: seeds and intervals (as ``compare``), A/B, the
difference map's classes, the downloads' provenance, the scenario TOML and the URL state.
The browser checks are in tests/test_dashboard_browser_numbers.py."""

import csv
import io
import json
import tomllib
import zipfile

import numpy as np
import pytest

pytest.importorskip("solara")

from accesssim.dashboard import (
    abcompare,
    controls,
    dashmap,
    effects,
    engine,
    export,
    maps,
    urlstate,
)
from accesssim.dashboard import effect_table as et
from accesssim.specs import scenario as scn

NBSP = "\u00a0"


def test_seed_intervals_by_hand():
    """Five seeds' effects: median, 5th and 95th percentiles (numpy's linear rule, as
    compare's ``indicators.interval``) worked by hand; the noise flag where the interval holds
    zero; euros per avoided only when the 5th percentile is above zero."""

    def one(forgone, ed, cost):
        g = {"forgone_avoided": forgone, "ed_avoided": ed, "forwent_avoided": 0.0}
        return {"priority": g, "elsewhere": g, "all": g, "cost": cost, "eur_per_avoided": None}

    seeds = [one(f, e, 1000.0) for f, e in ((100, -5), (200, 3), (300, -1), (400, 8), (500, 2))]
    iv = effects.seed_intervals(seeds)
    # sorted 100..500: median 300; p05 = 100 + 0.05*4*100 = 120; p95 = 100 + 0.95*4*100 = 480
    assert iv["all"]["forgone_avoided"] == pytest.approx((300, 120, 480))
    assert iv["noise"]["all"] == {
        "forgone_avoided": False,
        "ed_avoided": True,  # -5..8 holds zero
        "forwent_avoided": False,  # zero in every seed: no effect, not noise
    }
    # ratios 10, 5, 3.33, 2.5, 2: median 1000/300
    assert iv["eur_per_avoided"][0] == pytest.approx(1000 / 300)
    med = effects.medians(iv)
    assert med["all"]["forgone_avoided"] == 300 and med["eur_per_avoided"] == pytest.approx(
        1000 / 300
    )
    # an interval reaching zero: no euros per avoided (compare's rule)
    seeds[0]["all"]["forgone_avoided"] = -400
    iv = effects.seed_intervals(seeds)
    assert np.isnan(iv["eur_per_avoided"][0]) and effects.medians(iv)["eur_per_avoided"] is None
    assert et.cell((300, 120, 480), str, False, 5) == "300 [120 ; 480]"
    assert et.cell((3, -5, 8), str, True, 5) == "3 [-5 ; 8]" + et.NOISE_MARK
    assert et.cell((3, -5, 8), str, None, 2) == "3"  # under 3 seeds: no interval
    # fewer than 3 seeds: no noise flag at all
    assert effects.seed_intervals(seeds[:2])["noise"] == {}


@pytest.fixture(scope="module")
def cher_runs():
    """Cher, 52 weeks, seeds 1-3: solidarity days, and the same doses again (B = A)."""
    v = controls.default_values() | {"participation": 0.05, "days_per_month": 1.0}
    out = []
    for values in (v, v, controls.default_values()):
        r = engine.SeedRuns(engine.Settings("18 Cher", 1, values, n_seeds=3))
        for _ in range(52):
            r.step()
        out.append(r.snapshot())
    return out


def test_seed_runs_match_compare_seed_by_seed(cher_runs):
    """Each seed's avoided consultations and cost on the page equal ``compare``'s for the
    same scenario and seeds (the scenario file the page writes), and so do the intervals."""
    from accesssim.experiments import compare

    snap = cher_runs[0]
    tables = tomllib.loads(export.scenario_toml(snap))
    sc = scn.from_dict(tables)
    assert sc.seeds == [1, 2, 3] and sc.years == 1
    tables["scenario"]["name"], tables["policies"] = "baseline", []
    cmp = compare.compare([scn.from_dict(tables), sc], show_progress=False)
    summ = cmp.summary[sc.name]
    rows = [r for r in cmp.per_seed if r["scenario"] == sc.name]
    page = [e["all"]["forgone_avoided"] for e in snap.effects_seeds]
    assert page == pytest.approx([r["forgone_avoided"] for r in rows], rel=1e-9)
    for key, ours in (("forgone_avoided", snap.intervals["all"]["forgone_avoided"]),
                      ("ed_avoided", snap.intervals["all"]["ed_avoided"]),
                      ("cost_eur", snap.intervals["cost"])):  # fmt: skip
        assert ours == pytest.approx(summ[key], rel=1e-9, abs=1e-6), key


def test_a_b_of_the_same_doses_is_zero_and_against_no_policy_is_the_effect(cher_runs):
    a, b, none = cher_runs
    assert abcompare.mismatch(a, b) == ""
    d = abcompare.differences(a, b)
    for key in abcompare.COMPARED:
        assert np.all(d[key]["per_seed"] == 0), key
        assert d[key]["p_b_better"] == 0.5 and d[key]["noise"] is False  # no difference
    assert np.nanmax(np.abs(abcompare.map_values(a, b, "renoncement_rate"))) == 0
    # B without a policy: B - A is minus A's effect, seed by seed
    d = abcompare.differences(a, none)
    assert d["forgone_avoided"]["per_seed"] == pytest.approx(
        [-e["all"]["forgone_avoided"] for e in a.effects_seeds]
    )
    assert d["cost"]["p_b_better"] == 1.0  # no policy costs less in every seed
    other = engine.SeedRuns(engine.Settings("18 Cher", 2, controls.default_values(), n_seeds=3))
    assert "graines" in abcompare.mismatch(a, other.snapshot())


def test_difference_classes_have_a_zero_band_and_distinct_labels(monkeypatch):
    """The France-wide case of the issue: differences from -0.17 to +0.17 with most EPCIs
    under 0.0005 pt: those fall in the white zero band, and no two labels read the same."""
    ind = maps.MAP_INDICATORS["Renoncement aux soins"]
    rng = np.random.default_rng(0)
    v = np.concatenate([rng.uniform(-4e-6, 4e-6, 900), [-0.17, -2e-4, 3e-5, 1e-3, 0.17]])
    monkeypatch.setattr(dashmap, "shown_epcis", lambda t: np.ones(len(v), bool))
    c = maps.classes_of(v, ind, True, None)
    assert len(set(c.labels)) == len(c.labels) and c.neutral is not None
    band = c.labels[c.neutral]
    assert "aucun écart" in band and band.startswith(f"-0,0005{NBSP}pt à +0,0005{NBSP}pt")
    colors = c.color_of(v)
    assert sum(col == "#ffffff" for col in colors) == 900  # the noise-sized differences
    assert colors[-1] != colors[-2] != "#ffffff"
    # an EPCI flagged as seed noise goes to the zero band whatever its value
    assert c.color_of(np.array([0.17]), np.array([True])) == ["#ffffff"]
    # labels that would read the same at 3 decimals get more
    close = np.array([-1.2e-4, 1.1e-4, 1.3e-4, 1.5e-4, 2e-4])
    c = dashmap.class_breaks(close, ind.diff_format, ind.diff_cmap, diverging=True,
                             fmt_at=ind.diff_at, decimals=3)  # fmt: skip
    assert len(set(c.labels)) == len(c.labels), c.labels
    d, shown = dashmap.distinct_labels([0.011, 0.012, 0.013], lambda x, k: f"{x:.{k}f}", 1)
    assert d == 3 and shown == ["0.011", "0.012", "0.013"]


def test_overseas_epcis_are_left_out_of_the_classes_of_france(monkeypatch):
    ind = maps.MAP_INDICATORS["Renoncement aux soins"]
    shown = np.array([True, True, True, False])
    monkeypatch.setattr(dashmap, "shown_epcis", lambda t: shown)
    v = np.array([0.007, 0.008, 0.009, 0.78])  # the overseas EPCI would set the top class
    c = maps.classes_of(v, ind, False, None)
    assert c.edges[-1] < 0.1 and c.note == maps.OVERSEAS_NOTE
    monkeypatch.setattr(dashmap, "shown_epcis", lambda t: np.ones(len(v), bool))
    assert maps.classes_of(v, ind, False, None).note == ""


def test_downloads_say_what_made_them(cher_runs):
    snap = cher_runs[0]
    name = export.file_name(snap, "epci", "csv")
    assert name.startswith("accesssim_epci_cher-18_reglages-libres_") and name.endswith(".csv")
    first, second = export.subtitle_lines(snap)
    assert "Jours de solidarité" in first and "5,0" in first  # the dose
    assert "3 graines (1 à 3, médiane)" in second and "52 semaines" in second
    from accesssim.util.version import model_version

    assert model_version() in second
    z = zipfile.ZipFile(io.BytesIO(export.epci_bundle(snap)))
    stem = name[:-4]
    assert sorted(z.namelist()) == sorted(f"{stem}.{x}" for x in ("csv", "csvt", "json", "toml"))
    types = z.read(f"{stem}.csvt").decode().strip().split(",")
    header = next(csv.reader(io.StringIO(z.read(f"{stem}.csv").decode())))
    assert len(types) == len(header) and types[0] == '"String"'  # SIREN as text
    assert dict(zip(header, types, strict=True))["forgone_avoided"] == '"Real"'
    side = json.loads(z.read(f"{stem}.json"))
    assert side["seeds"] == [1, 2, 3] and side["weeks"] == 52
    assert side["policies"] == snap.specs and side["model_version"] == model_version()
    png = export.map_png(snap, "Renoncement aux soins", engine.VIEWS[2])
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


def test_scenario_toml_round_trip_and_its_notes():
    """The TOML reads back as the same settings; a horizon short of a year is rounded up,
    and a policy starting after it is left out, both said in comments."""
    values, base = controls.load_preset(controls.presets()["Pacte 2025 (toutes les mesures)"])
    r = engine.SeedRuns(
        engine.Settings(
            "Centre-Val de Loire",
            4,
            values,
            "Pacte 2025 (toutes les mesures)",
            tuple(base),
            n_seeds=2,
        )  # fmt: skip
    )
    snap = r.snapshot()
    text = export.scenario_toml(snap)
    sc = scn.from_dict(tomllib.loads(text))
    assert sc.seeds == [4, 5] and sc.years == 1 and sc.start_year == controls.START_YEAR
    assert sc.territory.as_table() == {"region": "Centre-Val de Loire", "buffer_km": 30.0}
    kept = [
        s for s in snap.specs if s["type"] not in ("docteurs_juniors", "installation_regulation")
    ]
    assert sc.policies == kept
    assert "docteurs_juniors left out" in text and "a scenario runs whole years" in text
    assert export.territory_table(controls.FRANCE) == {}


def test_url_state_round_trips_and_drops_what_it_does_not_know():
    values = controls.default_values() | {"participation": 0.018, "msp_per_year": 10}
    values["regulation"] = True  # a switch travels as 1 and reads back as True
    q = urlstate.encode("18 Cher", "Pacte 2025 (toutes les mesures)", 7, 5, values, 104)
    st = urlstate.decode(q)
    assert (st.territory, st.preset, st.seed, st.n_seeds, st.weeks) == (
        "18 Cher", "Pacte 2025 (toutes les mesures)", 7, 5, 104,
    )  # fmt: skip
    assert st.values == values and st.dropped == []
    bad = urlstate.decode("territoire=Atlantis&graines=99&participation=7&x=1&msp_per_year=3")
    assert bad.territory is None and bad.n_seeds is None and bad.values == {"msp_per_year": 3}
    assert bad.dropped == ["territoire=Atlantis", "graines=99", "participation=7", "x=1"]
    link, v, base = urlstate.opened_link("?" + q)
    assert v["participation"] == 0.018 and base == tuple(
        scn.load(controls.presets()["Pacte 2025 (toutes les mesures)"]).policies
    )


def test_a_budget_plan_opens_as_the_policies_that_place_it():
    """plans/creuse_france_sante.toml: stage 1's plan 1 becomes France Santé structures
    listed in its EPCIs; the page's controls read back the same policy (nothing rounded),
    on the plan's territory, seeds and horizon."""
    from pathlib import Path

    from accesssim.dashboard import planview
    from accesssim.experiments.optimise import run

    path = Path(__file__).resolve().parents[1] / "plans" / "creuse_france_sante.toml"
    assert "Creuse" in " ".join(planview.plan_files(path.parent))
    p = planview.open_plan(path)
    assert (p.territory, p.seed, p.n_seeds, p.weeks) == ("23 Creuse", 1, 2, 104)
    assert p.notes == ()
    (spec,) = controls.policy_specs(p.values, list(p.base))
    r = run.optimise(path, simulate_plans=False)
    units = {row["epci"]: row["units"] for row in r.plan_rows() if row["allocation"] == "plan_1"}
    assert spec["type"] == "france_sante" and spec["rule"] == "list"
    assert {s: spec["epcis"].count(s) for s in set(spec["epcis"])} == units
    assert sum(x[2] for x in p.rows) == sum(units.values())
    assert (
        p.cost_first_year == pytest.approx(sum(x[3] for x in p.rows))
        and p.cost_first_year <= 300_000
    )
