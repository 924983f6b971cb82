"""The 151 priority EPCIs ("zones rouges") of 2025: the confirmed list completed by an index.

The ministry's five criteria are APL, presence of young GPs, share of patients with a long-term
condition (ALD), distance to emergency care and income (docs/sources.md §7.2); thresholds and
weights were not published. Of these, the embedded data has APL and distance to the nearest
emergency department; the share of people 60+ (from the density-class age adjustment) stands
in, weakly, for ALD; young GPs (ages are drawn, not observed) and income have no data and are
left out.

Index = weighted mean of z-scores over EPCIs: -APL (0.5), minutes to ED (0.3, METRIC
convention as for APL), 60+ share (0.2), an assumption. Selection: the confirmed EPCIs first,
then EPCIs by decreasing index while the count stays within 151 and the population within
about 2.5 million (5 % slack), skipping any EPCI that would overshoot it.
"""

from __future__ import annotations

import functools

import numpy as np

from accesssim.core import metrics
from accesssim.geo import territory as terr
from accesssim.geo import travel
from accesssim.geo.apl import territory_apl

N_EPCIS = 151
POPULATION = 2.5e6
WEIGHTS = {"apl": 0.5, "ed_minutes": 0.3, "older_share": 0.2}


def _z(x):
    x = np.asarray(x, float)
    sd = x.std()
    return (x - x.mean()) / sd if sd > 0 else np.zeros_like(x)


def epci_criteria(t: terr.Territory) -> dict[str, np.ndarray]:
    """Per EPCI: population-weighted APL, minutes to the nearest ED, share 60+ (proxy)."""
    from accesssim.params import calibration as calfile

    c = t.communes
    pop = c.population.astype(float)
    apl = territory_apl(t)
    ed = np.minimum(travel.nearest_minutes(t, t.emergency.commune, travel.METRIC), 240)
    p = calfile.defaults()
    base = np.asarray(p["age_shares"], float)
    adj = np.asarray(p["age_share_density_adjustment"], float)[c.density_class]
    older = base[4:].sum() * adj / (base[:4].sum() + base[4:].sum() * adj)
    n = len(t.epcis)
    return {
        "apl": metrics.group_mean(apl, pop, c.epci, n),
        "ed_minutes": metrics.group_mean(ed, pop, c.epci, n),
        "older_share": metrics.group_mean(older, pop, c.epci, n),
    }


@functools.lru_cache(maxsize=2)
def national_selection(n_epcis: int = N_EPCIS, population: float = POPULATION) -> dict:
    """The completed national list, computed once on all of France (a few seconds)."""
    t = terr.load()
    crit = epci_criteria(t)
    ok = np.isfinite(crit["apl"])
    index = np.full(len(t.epcis), -np.inf)
    index[ok] = (
        -WEIGHTS["apl"] * _z(crit["apl"][ok])
        + WEIGHTS["ed_minutes"] * _z(crit["ed_minutes"][ok])
        + WEIGHTS["older_share"] * _z(crit["older_share"][ok])
    )
    e = t.epcis
    chosen = list(np.flatnonzero(e.priority_confirmed))
    total = float(e.population[chosen].sum())
    for k in np.argsort(-index, kind="stable"):
        if len(chosen) >= n_epcis:
            break
        if e.priority_confirmed[k] or not np.isfinite(index[k]):
            continue
        if total + e.population[k] <= population * 1.05:
            chosen.append(int(k))
            total += float(e.population[k])
    top = set(np.argsort(-index, kind="stable")[:n_epcis].tolist())
    confirmed = np.flatnonzero(e.priority_confirmed)
    return {
        "sirens": frozenset(str(e.siren[k]) for k in chosen),
        "confirmed": frozenset(str(e.siren[k]) for k in confirmed),
        "population": total,
        "count": len(chosen),
        "index_overlap_with_confirmed": sum(int(k) in top for k in confirmed),
        "confirmed_count": len(confirmed),
    }
