"""Checks of parameter values given by name (a scenario's ``[parameters]``, a calibration
file's fitted values, draws): known names, the right shape, numbers within the table's bounds.
"""

from __future__ import annotations

from accesssim.params.parameters import PARAMETERS

# parameters that no longer exist, and what replaced them (a scenario setting one is rejected)
REMOVED = {
    "ed_unmet_share": "the ED channel is no longer a split of a fixed total: see ed_base_rate, "
    "ed_without_mt_rr, ed_wait_per_week, ed_distance_per_10min (docs/ODD.md §3)",
    "ed_without_mt_rate": "replaced by ed_base_rate × ed_without_mt_rr (docs/ODD.md §3)",
    "ed_unserved_rate": "waiting requests reach the ED through ed_base_rate and "
    "ed_wait_per_week (docs/ODD.md §3)",
}
# the payers' ledger prices (outputs/ledger.py): the same for every scenario of a comparison,
# so a scenario cannot set them (one policy costed at other prices would not compare)
LEDGER_PRICES = (
    "consultation_fee_eur",
    "teleconsultation_fee_eur",
    "fee_am_share",
    "ed_visit_cost_eur",
    "discount_rate",
)


def validate(overrides: dict, where: str = "parameters") -> dict:
    """Check parameter overrides: known names, numbers, within bounds; raise ValueError."""
    import difflib

    out = {}
    for key, value in overrides.items():
        if key in REMOVED:
            raise ValueError(f"{where}: parameter {key!r} no longer exists: {REMOVED[key]}")
        if key in LEDGER_PRICES:
            raise ValueError(
                f"{where}: {key!r} is a price of the payers' ledger, the same for every "
                "scenario of a comparison; it is not a scenario parameter (docs/outputs.md)"
            )
        if key not in PARAMETERS:
            close = difflib.get_close_matches(key, list(PARAMETERS), n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise ValueError(f"{where}: unknown parameter {key!r}{hint}")
        p = PARAMETERS[key]
        if isinstance(p.default, tuple):
            if not isinstance(value, list | tuple) or len(value) != len(p.default):
                raise ValueError(
                    f"{where}.{key}: expected a list of {len(p.default)} values "
                    f"({p.unit}), got {value!r}"
                )
            out[key] = tuple(tuple(v) if isinstance(v, list) else v for v in value)
            continue
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"{where}.{key}: expected a number ({p.unit}), got {value!r}")
        if (p.low is not None and value < p.low) or (p.high is not None and value > p.high):
            raise ValueError(
                f"{where}.{key}: {value} is out of range [{p.low}, {p.high}] ({p.unit})"
            )
        out[key] = value
    return out
