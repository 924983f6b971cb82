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


def test_a_small_case_by_hand():
    out = ledger.seed_ledger(BASE, POL, 1, PRICES)
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
    assert out["forgone_avoided"] == pytest.approx(10 + 16)
    assert out["forgone_avoided_discounted"] == pytest.approx(10 + 16 * d)
    assert out["ed_avoided_discounted"] == pytest.approx(2 + 2 * d)


def test_the_columns_add_up_and_every_ratio_is_recomputed_from_them():
    out = ledger.seed_ledger(BASE, POL, 1, PRICES)
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
    same = ledger.seed_ledger(BASE, SimpleNamespace(yearly=BASE.yearly, policy=[]), 1, PRICES)
    assert same["net_cost_eur"] == 0 and np.isnan(same["eur_per_forgone_avoided_public"])


def test_programme_costs_go_to_the_payer_the_policy_declares():
    from accesssim.policies.regulation import InstallationRegulation

    assert ledger.payer_of("solidarity_days") == "assurance_maladie"
    assert ledger.payer_of(InstallationRegulation.kind) == "state"
    pol = SimpleNamespace(
        yearly=BASE.yearly,
        policy=[{"seed": 1, "year": 2025, "type": "installation_regulation", "cost_eur": 500}],
    )
    out = ledger.seed_ledger(BASE, pol, 1, PRICES)
    assert out["net_state"] == 500 and out["net_assurance_maladie"] == 0


def test_prices_come_from_the_parameter_table_and_overrides():
    p = ledger.Prices.from_params({"discount_rate": 0.0})
    assert p.discount_rate == 0 and p.consultation_fee == 30.0 and p.ed_visit_cost == 146.0


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
