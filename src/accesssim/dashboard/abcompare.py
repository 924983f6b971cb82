"""A and B: the current run pinned as A, compared with a second run B on the same territory,
seeds and weeks.

Why a module of its own: both runs are compared seed by seed (the same seed's baseline is
the same in A and B, so B − A per seed is the difference of the two policies with common
random numbers, as ``accesssim compare`` pairs policy and baseline), and this pairing, the
probability that B does better (``indicators.probability_beats``) and the per-EPCI B − A
map values are logic the tests check without a browser.
"""

from __future__ import annotations

import numpy as np

from accesssim.dashboard.effects import MIN_SEEDS_FOR_INTERVAL, distinguishable
from accesssim.dashboard.engine import Snapshot, seed_median
from accesssim.outputs import indicators

# what is compared, and whether more is better (the effect table's "all" figures)
COMPARED = {
    "forgone_avoided": ("Consultations renoncées évitées", True),
    "ed_avoided": ("Passages aux urgences évitables évités", True),
    "forwent_avoided": ("Personnes ayant renoncé : en moins", True),
    "cost": ("Coût des mesures (€)", False),
}


def mismatch(a: Snapshot, b: Snapshot) -> str:
    """Why A and B cannot be compared seed by seed ("" when they can)."""
    if a.territory.label != b.territory.label:
        return f"A porte sur {a.territory.label}, B sur {b.territory.label}"
    if tuple(a.seeds) != tuple(b.seeds):
        return f"A a les graines {list(a.seeds)}, B {list(b.seeds)}"
    if a.week != b.week:
        return f"A est à la semaine {a.week}, B à la semaine {b.week}"
    return ""


def _per_seed(s: Snapshot, key: str) -> np.ndarray:
    effects = s.effects_seeds or (s.effects,)
    return np.array([e[key] if key == "cost" else e["all"][key] for e in effects], float)


def differences(a: Snapshot, b: Snapshot) -> dict:
    """Per compared figure: B − A per seed, its median and 90 % interval, whether it can be
    told from seed noise (``None`` under ``MIN_SEEDS_FOR_INTERVAL`` seeds), and the
    probability that B does better than A over the paired seeds (ties count half)."""
    out = {}
    for key, (_, more_is_better) in COMPARED.items():
        va, vb = _per_seed(a, key), _per_seed(b, key)
        d = vb - va
        med, lo, hi = indicators.interval(d)
        better = (
            indicators.probability_beats(vb, va)
            if more_is_better
            else indicators.probability_beats(-vb, -va)
        )
        out[key] = {
            "per_seed": d,
            "interval": (med, lo, hi),
            "noise": None if len(d) < MIN_SEEDS_FOR_INTERVAL else not distinguishable(lo, hi),
            "p_b_better": better,
        }
    return out


def map_differences(a: Snapshot, b: Snapshot, indicator: str) -> np.ndarray:
    """Per seed and EPCI, B − A of the policy runs' ``indicator`` (seeds × EPCIs)."""

    def per_seed(s):
        return s.epci_seeds.get((indicator, "policy"), s.epci[(indicator, "policy")][None])

    return per_seed(b) - per_seed(a)


def map_values(a: Snapshot, b: Snapshot, indicator: str) -> np.ndarray:
    """The B − A map: per EPCI, the median over the paired seeds."""
    return seed_median(map_differences(a, b, indicator))
