"""The payers' ledger (outputs/ledger.py): every policy costed the same way, by hand on small
cases, and every euro-per-avoided ratio recomputed from the ledger's own columns."""

from types import SimpleNamespace

import numpy as np
import pytest

from accesssim.outputs import ledger
from accesssim.specs import scenario

PRICES = ledger.Prices(
    consultation_fee=30.0,
    teleconsultation_fee=26.5,
    fee_am_share=0.7,
    ed_visit_cost=146.0,
    discount_rate=0.032,
)


def rows(seed, year, in_person, tele, forgone, ed, epcis=2):
    """One year's EPCI rows splitting the national flows evenly over ``epcis`` EPCIs."""
    return [
        {
            "seed": seed,
            "year": year,
            "epci": str(k),
            "in_person": in_person / epcis,
            "tele": tele / epcis,
            "forgone": forgone / epcis,
            "ed_visits": ed / epcis,
        }
        for k in range(epcis)
    ]


BASE = SimpleNamespace(
    yearly=rows(1, 2025, 1000, 100, 50, 20) + rows(1, 2026, 1000, 100, 60, 22),
    policy=[],
)
POL = SimpleNamespace(
    yearly=rows(1, 2025, 1010, 110, 40, 18) + rows(1, 2026, 1020, 100, 44, 20),
    policy=[
        {"seed": 1, "year": 2025, "policy": "days", "type": "solidarity_days", "cost_eur": 1000},
        {"seed": 1, "year": 2026, "policy": "days", "type": "solidarity_days", "cost_eur": 2000},
    ],
)


def book(base, pol, seed=1, prices=PRICES):
    """The ledger of one seed from the two runs' rows, as compare computes it."""

    def flows(run):
        return ledger.seed_flows(
            [r for r in run.yearly if r["seed"] == seed],
            [r for r in run.policy if r["seed"] == seed],
            prices.discount_rate,
        )

    return ledger.from_values(flows(base), flows(pol), prices)


def test_a_small_case_by_hand():
    out = book(BASE, POL)
    d = 1 / 1.032
    # fees: 2025: +10 in person, +10 tele; 2026: +20 in person, 0 tele
    fees_2025 = 10 * 30 + 10 * 26.5
    fees_2026 = 20 * 30
    fees = fees_2025 + fees_2026 * d
    # ED: 2 avoided each year at 146 EUR
    ed = -(2 * 146) - (2 * 146) * d
    programme = 1000 + 2000 * d  # solidarity days are paid by the Assurance maladie
    assert out["item_fees"] == pytest.approx(fees)
    assert out["item_ed_savings"] == pytest.approx(ed)
    assert out["item_programme"] == pytest.approx(programme)
    assert out["net_assurance_maladie"] == pytest.approx(0.7 * fees + ed + programme)
    assert out["net_complementary"] == pytest.approx(0.3 * fees)
    assert out["net_state"] == 0 and out["net_local"] == 0
    assert out["forgone_avoided_discounted"] == pytest.approx(10 + 16 * d)
    assert out["ed_avoided_discounted"] == pytest.approx(2 + 2 * d)


def test_the_columns_add_up_and_every_ratio_is_recomputed_from_them():
    out = book(BASE, POL)
    by_payer = sum(out[f"net_{p}"] for p in ledger.PAYERS)
    by_item = sum(out[f"item_{i}"] for i in ledger.ITEMS)
    assert by_payer == pytest.approx(by_item) == pytest.approx(out["net_cost_eur"])
    public = out["net_cost_eur"] - out["net_complementary"]
    assert out["public_cost_eur"] == pytest.approx(public)
    assert out["eur_per_forgone_avoided_public"] == pytest.approx(
        public / out["forgone_avoided_discounted"]
    )
    assert out["eur_per_ed_avoided_public"] == pytest.approx(public / out["ed_avoided_discounted"])


def test_no_ratio_to_a_zero_or_negative_effect():
    assert np.isnan(ledger.cost_effectiveness(100.0, 0.0))
    assert np.isnan(ledger.cost_effectiveness(100.0, -5.0))
    same = book(BASE, SimpleNamespace(yearly=BASE.yearly, policy=[]))
    assert same["net_cost_eur"] == 0 and np.isnan(same["eur_per_forgone_avoided_public"])


def test_programme_costs_go_to_the_payer_the_policy_declares():
    from accesssim.policies.regulation import InstallationRegulation

    assert ledger.payer_of("solidarity_days") == "assurance_maladie"
    assert ledger.payer_of(InstallationRegulation.kind) == "state"
    pol = SimpleNamespace(
        yearly=BASE.yearly,
        policy=[{"seed": 1, "year": 2025, "type": "installation_regulation", "cost_eur": 500}],
    )
    out = book(BASE, pol)
    assert out["net_state"] == 500 and out["net_assurance_maladie"] == 0


def test_prices_come_from_the_parameter_table_and_a_scenario_cannot_set_them(tmp_path):
    p = ledger.Prices.default()
    assert p.discount_rate == 0.032 and p.consultation_fee == 30.0 and p.ed_visit_cost == 146.0
    f = tmp_path / "s.toml"
    f.write_text('[scenario]\nname = "s"\n[parameters]\ndiscount_rate = 0.0\n', encoding="utf-8")
    with pytest.raises(scenario.ScenarioError, match="discount_rate.*price of the payers"):
        scenario.load(f)


def test_teleconsultation_cost_key_is_refused_with_what_replaced_it(tmp_path):
    f = tmp_path / "t.toml"
    f.write_text(
        '[scenario]\nname = "t"\n[territory]\ndepartement = "48"\n'
        '[[policies]]\ntype = "telemedicine"\ncost_per_teleconsultation = 23\n',
        encoding="utf-8",
    )
    with pytest.raises(scenario.ScenarioError, match="cost_per_teleconsultation: no longer a key.*"
                       "net-new"):  # fmt: skip
        scenario.load(f)


def test_compare_carries_the_ledger_and_its_ratios_recompute_from_its_columns(tmp_path):
    """On a real territory (Creuse, 1 year, 2 seeds) with a policy that avoids forgone care
    in every seed (more GP capacity): every per-seed ledger adds up by payer and by item, the
    fees and ED savings follow from the care added, and the summary's euros per avoided is
    the interval of the per-seed ratios of the ledger's own columns."""
    from custom_policy import ExtraCapacity

    import accesssim
    from accesssim.outputs import indicators
    from accesssim.policies import registry

    head = '[scenario]\nname = "{}"\nyears = 1\nseeds = [1, 2]\n[territory]\ndepartement = "23"\n'
    (tmp_path / "b.toml").write_text(head.format("base"), encoding="utf-8")
    pol = '[[policies]]\ntype = "test_extra_capacity"\nname = "extra"\nextra_share = 0.2\n'
    (tmp_path / "p.toml").write_text(head.format("extra") + pol, encoding="utf-8")
    accesssim.register_policy(ExtraCapacity)
    try:
        cmp = accesssim.compare(tmp_path / "b.toml", tmp_path / "p.toml").comparison
    finally:
        registry.POLICY_TYPES.pop(ExtraCapacity.kind, None)
    rows = cmp.per_seed
    assert len(rows) == 2
    prices = ledger.Prices.default()
    for r in rows:
        assert r["forgone_avoided"] > 0
        assert sum(r[f"net_{p}"] for p in ledger.PAYERS) == pytest.approx(r["net_cost_eur"])
        assert sum(r[f"item_{i}"] for i in ledger.ITEMS) == pytest.approx(r["net_cost_eur"])
        assert r["item_programme"] == pytest.approx(r["cost_eur"])  # one year: no discounting
        assert r["item_ed_savings"] == pytest.approx(-r["ed_avoided"] * prices.ed_visit_cost)
        assert r["forgone_avoided_discounted"] == pytest.approx(r["forgone_avoided"])
        assert r["item_fees"] > 0  # the consultations no longer forgone are paid for
    expect = indicators.cost_per_avoided(
        [r["public_cost_eur"] for r in rows], [r["forgone_avoided_discounted"] for r in rows]
    )
    got = cmp.summary["extra"][indicators.COST_PER_AVOIDED[0]]
    assert np.isfinite(got[0])
    np.testing.assert_allclose(got, expect)
    ratios = [r["public_cost_eur"] / r["forgone_avoided_discounted"] for r in rows]
    assert got[0] == pytest.approx(float(np.median(ratios)))
