"""Guyane's centres délocalisés de prévention et de soins (CDPS): the documented channel of
GP care for river and forest communes that no road joins to a GP.

Why: these communes have no private-practice GP in the territory (CNAM and SIRENE count
private practice; CDPS doctors are salaried by the Cayenne hospital) and no road, so their
patients reached no capacity and their waits swung between two values (issue 19). Each CDPS
below is capacity in its commune, every week of the year.

Capacity: the 17 CDPS give about 180,000 consultations a year, 80 % of them in Maripasoula,
Grand-Santi and Saint-Georges (la1ere.francetvinfo.fr, 2023). The other 14 share the remaining
36,000: about 2,570 a year each (derived). Grand-Santi's share of the 80 % is not published:
a third of it, 48,000 a year (assumption). Maripasoula and Saint-Georges-de-l'Oyapock are
not listed: they have GPs in the territory. Communes without a road and without a CDPS found
in the sources (Saint-Élie: its centre closed in 2006, reopening studied in 2024; Saül: not
found) get none; their wait is the longest the model allows. docs/sources.md, "CDPS".
"""

from __future__ import annotations

import numpy as np

TOTAL_CONSULTATIONS = 180_000  # a year, the 17 CDPS (la1ere 2023)
MAJOR_SHARE = 0.8  # Maripasoula, Grand-Santi, Saint-Georges
SITES = 17
SMALL_SITE = TOTAL_CONSULTATIONS * (1 - MAJOR_SHARE) / (SITES - 3)  # derived, ≈ 2,571 a year
MAJOR_SITE = TOTAL_CONSULTATIONS * MAJOR_SHARE / 3  # assumption: an equal third

# INSEE code -> (consultations a year, source URL)
CDPS = {
    "97356": (
        SMALL_SITE,
        "https://karibinfo.com/news/guyane-le-centre-de-sante-de-camopi-deplace-avant-detre-reconstruit",
    ),  # Camopi
    "97314": (
        SMALL_SITE,
        "http://www.une-saison-en-guyane.com/article/societe/a-la-sante-des-habitants-de-loyapock/",
    ),  # Ouanary
    "97362": (
        SMALL_SITE,
        "https://www.ctguyane.fr/difficultes-sanitaires-a-papaichton-catherine-leo-se-rend-place/",
    ),  # Papaïchton
    "97303": (SMALL_SITE, "https://karibinfo.com/?p=128542"),  # Iracoubo
    "97357": (
        MAJOR_SITE,
        "https://la1ere.francetvinfo.fr/guyane/le-centre-hospitalier-de-cayenne-se-donne-huit-mois-pour-ouvrir-trois-hopitaux-de-proximite-a-maripasoula-grand-santi-et-saint-georges-1336864.html",
    ),  # Grand-Santi
}


def weekly_capacity(territory, weeks_per_year: int = 52) -> np.ndarray:
    """Consultations a week given by a CDPS in each commune of ``territory`` (0 elsewhere)."""
    code = territory.communes.code
    out = np.zeros(len(code))
    for k, c in enumerate(code):
        site = CDPS.get(str(c))
        if site is not None:
            out[k] = site[0] / weeks_per_year
    return out
