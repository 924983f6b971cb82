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

Not counted (docs/outputs.md, "The payers' ledger"): effects and costs after the horizon;
patients' time and travel; hospital care that follows an ED visit (only the visit itself).
"""

from __future__ import annotations

from dataclasses import dataclass

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
    """The tariffs and the discount rate of the ledger (``params/parameters.py``, sourced).

    They are the same for every scenario of a comparison, so they are read from the parameter
    table, not from a scenario's ``[parameters]`` (which refuses them, ``params/checks.py``).
    """

    consultation_fee: float
    teleconsultation_fee: float
    fee_am_share: float
    ed_visit_cost: float
    discount_rate: float

    @classmethod
    def default(cls) -> Prices:
        def get(k):
            return float(parameters.PARAMETERS[k].default)

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
    if payer not in PAYERS or payer == "complementary":
        raise ValueError(f"policy type {kind!r}: PAYER {payer!r} is not a public payer")
    return payer


FLOW_KEYS = ("in_person", "tele", "forgone", "ed_visits")


def seed_flows(rows: list[dict], policy_rows: list[dict], rate: float | None = None) -> dict:
    """What the ledger needs from one run of one seed, as seed values: the care flows summed
    over the horizon and discounted to its first year (``ledger:<flow>``), and the programme
    cost by payer, discounted (``ledger:programme:<payer>``)."""
    rate = Prices.default().discount_rate if rate is None else rate
    out = {f"ledger:{k}": 0.0 for k in FLOW_KEYS}
    out |= {f"ledger:programme:{p}": 0.0 for p in PAYERS if p != "complementary"}
    if not rows:
        return out
    first = min(r["year"] for r in rows)
    for r in rows:
        f = (1 + rate) ** -(r["year"] - first)
        for k in FLOW_KEYS:
            out[f"ledger:{k}"] += float(r.get(k, 0.0)) * f
    for r in policy_rows:
        if r.get("cost_eur"):
            f = (1 + rate) ** -(r["year"] - first)
            out[f"ledger:programme:{payer_of(r['type'])}"] += float(r["cost_eur"]) * f
    return out


def from_values(base: dict, pol: dict, prices: Prices | None = None) -> dict[str, float]:
    """The ledger of one policy in one seed, from the seed values of the baseline and the
    policy (``seed_flows``): discounted euros by payer (``net_<payer>``) and by item
    (``item_<item>``; positive: a cost, negative: a saving), the public and total net cost,
    the discounted effects, and euros per avoided forgone consultation and per avoided
    GP-treatable ED visit of public money (the Assurance maladie, the State and collectivités;
    complementary insurers and patients are shown apart)."""
    prices = prices or Prices.default()

    def delta(k):
        return pol.get(f"ledger:{k}", 0.0) - base.get(f"ledger:{k}", 0.0)

    fees = (
        delta("in_person") * prices.consultation_fee + delta("tele") * prices.teleconsultation_fee
    )
    ed_avoided = -delta("ed_visits")
    out = {f"net_{p}": 0.0 for p in PAYERS}
    programme = 0.0
    for p in PAYERS:
        if p == "complementary":
            continue
        cost = pol.get(f"ledger:programme:{p}", 0.0)  # the baseline has no programme
        out[f"net_{p}"] += cost
        programme += cost
    out["net_assurance_maladie"] += fees * prices.fee_am_share - ed_avoided * prices.ed_visit_cost
    out["net_complementary"] += fees * (1 - prices.fee_am_share)
    out["item_programme"] = programme
    out["item_fees"] = fees
    out["item_ed_savings"] = -ed_avoided * prices.ed_visit_cost
    out["net_cost_eur"] = sum(out[f"net_{p}"] for p in PAYERS)
    out["public_cost_eur"] = out["net_cost_eur"] - out["net_complementary"]
    out["forgone_avoided_discounted"] = -delta("forgone")
    out["ed_avoided_discounted"] = ed_avoided
    out["eur_per_forgone_avoided_public"] = cost_effectiveness(
        out["public_cost_eur"], out["forgone_avoided_discounted"]
    )
    out["eur_per_ed_avoided_public"] = cost_effectiveness(
        out["public_cost_eur"], out["ed_avoided_discounted"]
    )
    return out


LEDGER_COLUMNS = (
    "net_cost_eur",
    "public_cost_eur",
    *(f"net_{p}" for p in PAYERS),
    *(f"item_{i}" for i in ITEMS),
    "forgone_avoided_discounted",
    "ed_avoided_discounted",
    "eur_per_forgone_avoided_public",
    "eur_per_ed_avoided_public",
)


def cost_effectiveness(cost: float, avoided: float) -> float:
    """Euros per avoided event: defined only when some were avoided (never a ratio to zero or
    to a negative effect: NaN then); a negative value is a saving per avoided event. The one
    formula used for every policy and both effects."""
    return float(cost) / float(avoided) if avoided > 0 else float("nan")
