"""One payer's ledger for every policy: what a policy costs and saves, by payer and year,
discounted, and the euros per avoided consultation computed the same way for all.

Why one ledger: comparing policies by euros per avoided consultation is only fair if every
policy's cost is counted on the same basis. Each policy's yearly rows carry its programme cost
(``cost_eur``: allowances, funding, salaries, equipment), booked to the payer its class
declares (``Policy.PAYER``). The ledger adds what every policy changes through the care it
delivers, computed here from the policy − baseline difference of the same seed (common random
numbers):

* the fees of the consultations added (in person and teleconsultations, each at its tariff),
  split between the Assurance maladie and complementary insurers and patients;
* the cost of the GP-treatable ED visits avoided (a saving for the Assurance maladie);

and discounts every year's flows to the first simulated year at the public rate. Net cost per
payer, and euros per avoided forgone consultation and per avoided ED visit, follow from the
same discounted totals (``cost_effectiveness``), so a test can recompute every ratio from the
columns.

Not counted (docs/ODD.md): effects and costs after the horizon; patients' time and travel;
hospital care that follows an ED visit (only the visit itself).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from accesssim.params import parameters
from accesssim.policies import registry

PAYERS = {
    "assurance_maladie": "Assurance maladie",
    "state": "État",
    "local": "collectivités",
    "complementary": "complémentaires et patients",
}
ITEMS = {
    "programme": "programme cost (the policy's own spending)",
    "fees": "fees of the consultations added",
    "ed_savings": "GP-treatable ED visits avoided (negative: a saving)",
}


@dataclass(frozen=True)
class Prices:
    """The tariffs and the discount rate of the ledger (``params/parameters.py``, sourced)."""

    consultation_fee: float
    teleconsultation_fee: float
    fee_am_share: float
    ed_visit_cost: float
    discount_rate: float

    @classmethod
    def from_params(cls, p: dict | None = None) -> Prices:
        p = p or {}

        def get(k):
            return float(p.get(k, parameters.PARAMETERS[k].default))

        return cls(
            get("consultation_fee_eur"),
            get("teleconsultation_fee_eur"),
            get("fee_am_share"),
            get("ed_visit_cost_eur"),
            get("discount_rate"),
        )


def payer_of(kind: str) -> str:
    """The payer a policy type's programme cost is booked to (its class's ``PAYER``)."""
    cls = registry.lookup(kind)
    payer = getattr(cls, "PAYER", "assurance_maladie") if cls is not None else "assurance_maladie"
    if payer not in PAYERS:
        raise ValueError(f"policy type {kind!r}: PAYER {payer!r} is not one of {list(PAYERS)}")
    return payer


def _by_year(rows: Iterable[dict], seed: int, keys: tuple[str, ...]) -> dict[int, dict]:
    out: dict[int, dict] = {}
    for r in rows:
        if r["seed"] != seed:
            continue
        acc = out.setdefault(r["year"], dict.fromkeys(keys, 0.0))
        for k in keys:
            acc[k] += float(r.get(k, 0.0))
    return out


FLOW_KEYS = ("in_person", "tele", "forgone", "ed_visits")


def seed_entries(
    base_yearly: list[dict],
    pol_yearly: list[dict],
    pol_rows: list[dict],
    seed: int,
    prices: Prices,
) -> list[dict]:
    """The ledger of one seed: one entry per year, item and payer with its euros (positive:
    a cost, negative: a saving), undiscounted and discounted to the first simulated year."""
    base = _by_year(base_yearly, seed, FLOW_KEYS)
    pol = _by_year(pol_yearly, seed, FLOW_KEYS)
    years = sorted(set(base) | set(pol))
    if not years:
        return []
    first = years[0]
    entries = []

    def add(year, item, payer, eur):
        factor = (1 + prices.discount_rate) ** -(year - first)
        entries.append(
            {
                "seed": seed,
                "year": year,
                "item": item,
                "payer": payer,
                "eur": float(eur),
                "eur_discounted": float(eur) * factor,
            }
        )

    zero = dict.fromkeys(FLOW_KEYS, 0.0)
    for y in years:
        b, p = base.get(y, zero), pol.get(y, zero)
        fees = (p["in_person"] - b["in_person"]) * prices.consultation_fee + (
            p["tele"] - b["tele"]
        ) * prices.teleconsultation_fee
        add(y, "fees", "assurance_maladie", fees * prices.fee_am_share)
        add(y, "fees", "complementary", fees * (1 - prices.fee_am_share))
        add(
            y,
            "ed_savings",
            "assurance_maladie",
            -(b["ed_visits"] - p["ed_visits"]) * prices.ed_visit_cost,
        )
    for r in pol_rows:
        if r["seed"] == seed and r.get("cost_eur"):
            add(r["year"], "programme", payer_of(r["type"]), r["cost_eur"])
    return entries


def effects(base_yearly, pol_yearly, seed: int, prices: Prices) -> dict[str, float]:
    """Forgone consultations and GP-treatable ED visits avoided over the horizon, plain and
    discounted at the ledger's rate (effects are discounted like costs, so that a ratio does
    not favour policies whose effects come late)."""
    base = _by_year(base_yearly, seed, FLOW_KEYS)
    pol = _by_year(pol_yearly, seed, FLOW_KEYS)
    years = sorted(set(base) | set(pol))
    out = dict.fromkeys(
        ("forgone_avoided", "ed_avoided", "forgone_avoided_discounted", "ed_avoided_discounted"),
        0.0,
    )
    zero = dict.fromkeys(FLOW_KEYS, 0.0)
    for y in years:
        b, p = base.get(y, zero), pol.get(y, zero)
        factor = (1 + prices.discount_rate) ** -(y - years[0])
        for name, key in (("forgone_avoided", "forgone"), ("ed_avoided", "ed_visits")):
            d = b[key] - p[key]
            out[name] += d
            out[f"{name}_discounted"] += d * factor
    return out


def totals(entries: list[dict]) -> dict[str, float]:
    """Discounted euros over the horizon: by payer (``net_<payer>``), by item
    (``item_<item>``) and in all (``net_cost_eur``)."""
    out = {f"net_{p}": 0.0 for p in PAYERS} | {f"item_{i}": 0.0 for i in ITEMS}
    for e in entries:
        out[f"net_{e['payer']}"] += e["eur_discounted"]
        out[f"item_{e['item']}"] += e["eur_discounted"]
    out["net_cost_eur"] = sum(out[f"net_{p}"] for p in PAYERS)
    out["public_cost_eur"] = out["net_cost_eur"] - out["net_complementary"]
    return out


def cost_effectiveness(cost: float, avoided: float) -> float:
    """Euros per avoided event: defined only when some were avoided (never a ratio to zero or
    to a negative effect: NaN then). The one formula used for every policy and both effects."""
    return float(cost) / float(avoided) if avoided > 0 else float("nan")


def seed_ledger(base, pol, seed: int, prices: Prices) -> dict[str, float]:
    """Everything the ledger says about one policy in one seed (``base`` and ``pol``: run
    results with ``yearly`` and ``policy`` rows): discounted totals by payer and item, the
    effects, and euros per avoided forgone consultation and ED visit (public money: the
    Assurance maladie, the State and collectivités; complementary insurers and patients are
    shown apart)."""
    entries = seed_entries(base.yearly, pol.yearly, pol.policy, seed, prices)
    out = totals(entries) | effects(base.yearly, pol.yearly, seed, prices)
    out["eur_per_forgone_avoided_public"] = cost_effectiveness(
        out["public_cost_eur"], out["forgone_avoided_discounted"]
    )
    out["eur_per_ed_avoided_public"] = cost_effectiveness(
        out["public_cost_eur"], out["ed_avoided_discounted"]
    )
    return out


def interval_table(rows: list[dict], keys: Iterable[str]) -> dict[str, tuple[float, float, float]]:
    """Median and 90 % interval of each key across seeds (NaNs, i.e. undefined ratios, left
    out; all NaN gives NaN)."""
    out = {}
    for k in keys:
        v = np.array([r[k] for r in rows], float)
        v = v[np.isfinite(v)]
        out[k] = (
            (float(np.median(v)), float(np.percentile(v, 5)), float(np.percentile(v, 95)))
            if len(v)
            else (float("nan"),) * 3
        )
    return out
