"""The effect table's cells as the page writes them: medians with their 90 % interval across
seeds and a flag where an effect cannot be told from seed noise, for one run or for A and B.

Why a module of its own: the cells are what the analyst copies into a note, so their text
(the interval's bounds, the noise flag) is tested without a browser; the numbers come from
``effects.seed_intervals`` (compare's definitions) and are only written here.
"""

from __future__ import annotations

import numpy as np

from accesssim.dashboard import fmt as ff
from accesssim.dashboard.effects import MIN_SEEDS_FOR_INTERVAL
from accesssim.dashboard.engine import Snapshot
from accesssim.dashboard.tables import html_table  # noqa: F401  (the page's one table writer)

GROUPS = ("priority", "elsewhere", "all")
NOISE_MARK = " (bruit)"  # appended to an effect whose 90 % interval holds zero
ROWS = (
    ("Consultations renoncées évitées", "forgone_avoided", ff.number),
    ("Passages aux urgences évitables évités", "ed_avoided", ff.number),
    ("Personnes ayant renoncé : en moins", "forwent_avoided", ff.number),
    ("Renoncement avec mesures", "rate_policy", lambda v: ff.percent(v, 3)),
    ("Renoncement de référence", "rate_baseline", lambda v: ff.percent(v, 3)),
)
INTERVAL_NOTE = (
    "Médiane et, entre crochets, intervalle à 90 % (5e-95e centiles) sur {n} graines, comme "
    "« accesssim compare » : pour chaque graine, la simulation avec mesures moins sa "
    "référence de même graine. « (bruit) » : l'intervalle contient zéro, l'effet ne se "
    "distingue pas du bruit aléatoire des graines."
)
ONE_SEED_NOTE = (
    "Une seule graine : pas d'intervalle. Choisissez au moins {k} graines pour voir "
    "l'incertitude due au hasard."
)


def cell(interval, f, noise: bool | None = None, n_seeds: int = 1) -> str:
    """``"865 [158 ; 4 931]"``; the median alone with one or two seeds or equal bounds."""
    med, lo, hi = interval
    text = f(med)
    if n_seeds >= MIN_SEEDS_FOR_INTERVAL and f(lo) != f(hi):
        text += f" [{f(lo)} ; {f(hi)}]"
    return text + (NOISE_MARK if noise else "")


def effect_rows(snap: Snapshot) -> list[list[str]]:
    """The effect table of one run: a row per figure, a cell per group of EPCIs."""
    iv, n = snap.intervals, len(snap.seeds)
    noise = iv.get("noise", {})

    def one(g, key, f):
        # a dash, not 0, where a group has no commune or no consultation yet (week 0)
        if not snap.effects[g]["needed_baseline"]:
            return ff.MISSING
        return cell(iv[g][key], f, noise.get(g, {}).get(key), n)

    return [[label, *[one(g, key, f) for g in GROUPS]] for label, key, f in ROWS]


def euros_text(snap: Snapshot) -> tuple[str, str]:
    """The cost and the euros per avoided consultation, with their intervals."""
    iv, n = snap.intervals, len(snap.seeds)
    cost = cell(iv["cost"], ff.euros, None, n)
    per = iv["eur_per_avoided"]
    per_text = cell(per, ff.euros, None, n) if np.isfinite(per[0]) else "sans objet"
    return cost, per_text
