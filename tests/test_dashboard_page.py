"""Dashboard page, without a browser: why a number is what it is (hypotheses, no-effect
reasons, published references), the wording of what the policies did, and the memory
(sessions freed on close and when idle). The browser checks (390 px, accessible names, the
reason shown) are in tests/test_dashboard.py's end-to-end test."""

import gc
import threading
import time
import weakref

import pytest

pytest.importorskip("solara")


def test_every_policy_on_the_page_says_what_it_assumes_in_french():
    """Each policy with a control has its "Hypothèses", formatted with its values, in French
    (decimal comma, "%" after a space, no English left in the placeholders)."""
    from accesssim.dashboard import controls
    from accesssim.policies import registry

    kinds = {c.policy for c in (*controls.sliders(), *controls.switches())}
    for kind in kinds:
        lines = registry.from_spec({"type": kind}).hypotheses()
        assert lines, kind
        assert not any("{" in x or "None" in x or "True" in x for x in lines), (kind, lines)
    tele = registry.from_spec({"type": "telemedicine", "tele_share": 0.085})
    text = " ".join(tele.hypotheses())
    assert "8,5\u00a0%" in text and "prennent du temps aux médecins" in text
    sol = " ".join(registry.from_spec({"type": "solidarity_days"}).hypotheses())
    assert "cabinet d'origine" in sol and "hors du territoire" in sol


def test_no_effect_reasons_are_translated_and_unknown_ones_kept():
    from accesssim.dashboard import labels

    assert labels.reason_fr(
        "no EPCI of the territory is well served (APL ≥ 4; the highest is 2.90 at the end of "
        "the run): no installation is capped"
    ) == (
        "aucun EPCI du territoire n'est bien doté (APL ≥ 4 ; la plus haute est 2,90) : aucune "
        "installation n'est bloquée"
    )
    assert labels.reason_fr("no target EPCI ('completed') in the territory or its buffer") == (
        "aucun EPCI cible dans le territoire ni à ses abords"
    )
    assert labels.reason_fr("something new") == "something new (raison donnée par le modèle)"


def test_what_a_policy_did_says_not_started_or_no_effect_and_why():
    """The issue's wording defects: "not started" only before the start (with its date);
    after it, what was done (days given outside the territory included) or why nothing."""
    from accesssim.dashboard import labels

    # solidarity days start in September 2025: week 35 of the run is its first
    before = labels.what_it_did("solidarity_days", {"start_week": 34.0}, 10, 2025)
    assert before == "pas encore commencée (début semaine 35, août 2025)"
    outside = {"start_week": 34.0, "days": 0.0, "days_outside_not_counted": 11.2,
               "no_effect_reason": "its 4 volunteers all serve target EPCIs in the buffer, "
               "outside the territory's core (neither costed nor counted)"}  # fmt: skip
    text = labels.what_it_did("solidarity_days", outside, 104, 2025)
    assert text.startswith("11 jours donnés hors du territoire") and "aucun effet" in text
    assert "pas encore" not in text
    acted = labels.what_it_did("msp_rollout", {"start_week": 0, "msps_opened": 2.0}, 60, 2025)
    assert acted == "2 MSP ouvertes"


def test_a_run_gives_each_policy_its_start_and_no_effect_reason():
    """Regulation in a territory where no EPCI reaches the threshold: no effect, and why;
    ephemeral practices (whose year holds a text reason) no longer break the page."""
    from accesssim.dashboard import controls, engine, labels

    v = controls.default_values() | {"regulation": True, "regulation_apl": 6.0,
                                     "ephemeral_practices": 1}  # fmt: skip
    run = engine.TwinRun(engine.Settings("23 Creuse", values=v))
    for _ in range(3):
        run.step()
    done = dict(run.delivered())
    assert done["installation_regulation"]["start_week"] == 0
    reason = done["installation_regulation"]["no_effect_reason"]
    assert reason.startswith("no EPCI of the territory is well served (APL ≥ 6")
    assert done["ephemeral_practice"]["no_effect_reason"] is None
    assert done["ephemeral_practice"]["consultations_offered"] > 0
    snap = run.snapshot()
    assert "aucun EPCI du territoire n'est bien doté" in labels.what_it_did(
        "installation_regulation", done["installation_regulation"], snap.week, 2025
    )


def test_published_references_come_from_the_validate_registry():
    """The published column is the registry's text; the model's value on the page is the
    same quantity computed by hand from the snapshot (GP-treatable ED visits per 1,000 a year
    in the confirmed priority EPCIs)."""
    import numpy as np

    from accesssim.dashboard import engine, references
    from accesssim.experiments.validation import REGISTRY

    run = engine.TwinRun(engine.Settings("18 Cher"))
    for _ in range(4):
        run.step()
    snap = run.snapshot()
    rows = references.rows(snap)
    published = {c.name: c.published_text for c in REGISTRY}
    assert [r[1] for r in rows] == [published[ref.check] for ref in references.REFERENCES]
    c = snap.territory.communes
    sel = c.core & snap.confirmed[c.epci]
    assert sel.any()  # Cher has confirmed priority EPCIs
    ed = run.total["baseline"]["ed"][sel].sum()
    by_hand = 1000 * ed * 52 / 4 / c.population[sel].sum()
    assert references._ed_per_1000_confirmed(snap) == pytest.approx(by_hand)
    assert rows[0][2].startswith(f"{round(by_hand)} (") and np.isfinite(by_hand)
    assert rows[1][2].startswith("–")  # France only


def test_idle_sessions_are_culled_and_their_models_freed():
    """The culling itself, without a browser: a session idle past the delay loses its run,
    and its models are garbage (a weak reference to them dies); a session used recently
    keeps its run; Solara is told to cull disconnected pages after the same delay."""
    import solara.server.settings

    from accesssim.dashboard import engine, sessions

    idle_one, busy_one = engine.Session(), engine.Session()
    for s in (idle_one, busy_one):
        s.reset(engine.Settings("90 Territoire de Belfort"))
    model = weakref.ref(idle_one.run.models["policy"])
    sessions.track(idle_one)
    t0 = time.monotonic()
    sessions.track(busy_one)
    sessions._LIVE[idle_one] = t0 - 100  # last used 100 s ago
    assert sessions.cull_idle(now=t0 + 1, idle=50) == 1
    assert idle_one.run is None and busy_one.run is not None
    gc.collect()
    assert model() is None  # the models are freed, not only unreferenced by the session
    assert sessions.release(busy_one) is True and busy_one.run is None
    assert sessions.release(busy_one) is False  # twice: nothing left to free

    sessions.configure_solara()
    assert solara.server.settings.kernel.cull_timeout == "1800s"  # 30 min, not Solara's 24 h


def test_releasing_a_session_stops_its_running_batch():
    from accesssim.dashboard import engine, sessions

    s, stop = engine.Session(), threading.Event()
    s.reset(engine.Settings("90 Territoire de Belfort"))
    worker = threading.Thread(target=lambda: s.advance(10_000, stop, lambda snap: None))
    worker.start()
    time.sleep(0.5)
    assert sessions.release(s, stop) is True
    worker.join(timeout=30)
    assert not worker.is_alive() and s.run is None


def test_a_number_typed_the_french_way_is_read():
    from accesssim.dashboard.panels import parse_number

    assert parse_number("1,8") == 1.8 and parse_number("1.8") == 1.8
    assert parse_number("1\u00a0000,5") == 1000.5 and parse_number(" 2 % ") == 2.0
    assert parse_number("abc") is None and parse_number("nan") is None


def test_every_reference_on_the_page_names_a_validate_row():
    """A row renamed or removed in ``validate`` must not break the page's references panel."""
    from accesssim.dashboard import references
    from accesssim.experiments.validation import REGISTRY

    names = {c.name for c in REGISTRY}
    assert [r.check for r in references.REFERENCES if r.check not in names] == []
    assert set(references.STATUS_FR) >= {c.status for c in REGISTRY}
