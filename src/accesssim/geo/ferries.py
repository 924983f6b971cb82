"""Ferry links of inhabited islands without a bridge, as edges of the travel graph.

Why: a commune on an island with no road link had no finite time to any GP or ED, so when no
GP practised on the island (Île-d'Arz, Île-Molène, Hœdic, Île-d'Aix, or Île-de-Batz once its
GP leaves) its patients could reach no capacity, and their waits swung between two values
(issue 19). Each link joins the island's commune to its mainland (or neighbouring island's)
port commune; its time is the published crossing time (town hall to town hall: the walk to
the quay and the wait for a departure are not included). Sources and how each time was read
are in docs/sources.md ("Ferry crossings"); times not found are not guessed: the island is
left out (listed in ``NOT_FOUND``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Ferry:
    island: str  # INSEE code of the island commune
    port: str  # INSEE code of the commune of the port it sails to
    minutes: float  # crossing time
    source: str  # where the time is published (URL, in docs/sources.md)
    note: str = ""


FERRIES = (
    Ferry(
        "29082",
        "29239",
        15.0,
        "https://breizh-info.com/2017/07/23/74054/iles-bretonnes-decouvrir-cet-ete",
        "Île-de-Batz - Roscoff: 'en moins d'un quart d'heure'",
    ),
    Ferry(
        "22016",
        "22210",
        15.0,
        "https://breizh-info.com/2017/07/23/74054/iles-bretonnes-decouvrir-cet-ete",
        "Île-de-Bréhat - pointe de l'Arcouest (Ploubazlanec): 'moins de 15 minutes'",
    ),
    Ferry(
        "56088",
        "56260",
        30.0,
        "https://focus-voyage.com/8134608/magique-golfe-du-morbihan",
        "Île-d'Arz - gare maritime de Vannes: 'courte traversée de 30 minutes'",
    ),
    Ferry(
        "29084",
        "29040",
        30.0,
        "https://domainedependruc.com/actualites-camping-finistere/decouvrir-lile-de-molene",
        "Île-Molène - Le Conquet: 'dure seulement une demi-heure'",
    ),
    Ferry(
        "56086",
        "56186",
        40.0,
        "https://www.compagnie-oceane.fr/line/ile-hoedic/",
        "Houat - Quiberon: 'Première escale à l'île de Houat après 40 minutes de bateau' "
        "(the operator)",
    ),
    Ferry(
        "56085",
        "56086",
        21.0,
        "https://oceane.breizhgo.bzh/visite-houat-hoedic-en-hiver",
        "Hœdic - Houat: derived, 8 km (the operator's page) at the speed of the Quiberon - "
        "Houat leg (about 15 km in 40 minutes, https://www.baiedequiberon.bzh/houat-et-hoedic)",
    ),
    Ferry(
        "17004",
        "17168",
        30.0,
        "http://globedecouvreur.over-blog.com/2022/05/des-iles-des-iles-oui-mais-celle-d-aix.html",
        "Île-d'Aix - Fouras (pointe de la Fumée): 'une petite trentaine de minutes'",
    ),
)

# inhabited islands without a bridge whose crossing time was not found in the sources searched
# (each has GPs of its own in the territory, so it is not cut off while they practise)
NOT_FOUND = {
    "29155": "Ouessant",
    "29083": "Île-de-Sein",
    "56069": "Groix",
    "56152": "Le Palais (Belle-Île)",
    "56087": "Île-aux-Moines",
    "85113": "L'Île-d'Yeu",
}


def ferry_edges(territory) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The ferry links between communes of ``territory`` (indices a, b and minutes); links
    whose two ends are not both in the territory are left out."""
    code = territory.communes.code
    idx = {str(c): i for i, c in enumerate(code)}
    rows = [
        (idx[f.island], idx[f.port], f.minutes)
        for f in FERRIES
        if f.island in idx and f.port in idx
    ]
    if not rows:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
    a, b, t = zip(*rows, strict=True)
    return np.asarray(a, np.int64), np.asarray(b, np.int64), np.asarray(t, float)
