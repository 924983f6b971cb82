"""Yearly tidy records of a model run: per EPCI, per priority group × age band, per commune.

Kept apart from the model's dynamics: these functions only read the model's arrays at the end
of a simulated year and append rows (dicts of plain numbers and strings).
"""

from __future__ import annotations

import numpy as np

from accesssim.core import access, metrics
from accesssim.params import parameters
from accesssim.params.parameters import ADULT_BANDS


def _by(groups, values, n):
    return np.bincount(groups, weights=values, minlength=n)


def record_year(m) -> None:
    """Append this year's rows to ``m.yearly_rows``, ``m.group_rows`` (and communes)."""
    t = m.territory
    c, e = t.communes, t.epcis
    core = m.core
    year = m.start_year + m.year_index
    acc = m.year_acc
    pop = c.population.astype(float)
    apl = m.current_apl()
    forwent = m.forwent_people()
    adults = m.people[:, ADULT_BANDS]
    n_e = len(e)
    ep = c.epci
    w = pop * core

    def epci_sum(v):
        return _by(ep, v * core, n_e)

    needed = epci_sum(acc["needed"].sum(1))
    forgone = epci_sum(acc["forgone"].sum(1))
    people = epci_sum(m.people.sum(axis=(1, 2)))
    pop_e = epci_sum(pop)
    active = m.gp_active & core[m.gp_commune]
    gps = _by(ep[m.gp_commune[active]], np.ones(active.sum()), n_e)
    util = _by(ep[m.gp_commune[active]], m.gp_utilisation[active], n_e)
    cols = {
        "needed": needed,
        "in_person": epci_sum(acc["in_person"].sum(1)),
        "tele": epci_sum(acc["tele"].sum(1)),
        "forgone": forgone,
        "people_forwent": epci_sum(forwent.sum(1)),
        "ed_visits": epci_sum(acc["ed"].sum(1)),
        **{k: epci_sum(v) for k, v in m.year_ed_cause.items()},
        "mean_backlog": epci_sum(m.year_backlog) / 52,
        "mean_wait_weeks": metrics.group_mean(m.year_wait / 52, w, ep, n_e),
        "share_without_mt": epci_sum(adults[..., 1].sum(1))
        / np.maximum(epci_sum(adults.sum(axis=(1, 2))), 1e-9),
        "apl": metrics.group_mean(apl, w, ep, n_e),
        "population_below_2_5": epci_sum(pop * (apl < access.SUBDENSE_THRESHOLD)),
        "minutes_nearest_gp": metrics.group_mean(np.minimum(m.nearest_gp_minutes, 240), w, ep, n_e),
        "minutes_nearest_ed": metrics.group_mean(np.minimum(m.ed_minutes, 240), w, ep, n_e),
    }
    for k in np.flatnonzero(e.core):
        p_k = max(people[k], 1e-9)
        m.yearly_rows.append(
            {
                "year": year,
                "epci": str(e.siren[k]),
                "epci_name": str(e.name[k]),
                "priority_confirmed": bool(e.priority_confirmed[k]),
                "population": float(pop_e[k]),
                **{f: float(v[k]) for f, v in cols.items()},
                "renoncement_rate": float(forgone[k] / needed[k]) if needed[k] > 0 else 0.0,
                "share_people_forwent": float(cols["people_forwent"][k] / p_k),
                "ed_per_1000": float(1000 * cols["ed_visits"][k] / p_k),
                "gps": int(gps[k]),
                "utilisation": float(util[k] / gps[k]) if gps[k] else 0.0,
            }
        )
    # priority group × age band
    prio = e.priority_confirmed[ep]
    for group, sel in (("priority_confirmed", prio & core), ("other", ~prio & core)):
        for b, band in enumerate(parameters.AGE_BANDS):
            ppl = m.people[sel, b].sum()
            row = {"year": year, "group": group, "age_band": band, "people": float(ppl)}
            for f in ("needed", "in_person", "tele", "forgone", "ed"):
                row[f] = float(acc[f][sel, b].sum())
            row["people_forwent"] = float(forwent[sel, b].sum())
            row["share_without_mt"] = float(m.people[sel, b, 1].sum() / ppl) if ppl else 0.0
            m.group_rows.append(row)
    if m.record_communes:
        for i in np.flatnonzero(core):
            m.commune_rows.append(
                {
                    "year": year,
                    "commune": str(c.code[i]),
                    "epci": str(e.siren[ep[i]]),
                    "population": float(pop[i]),
                    **{
                        f: float(acc[f][i].sum())
                        for f in ("needed", "in_person", "tele", "forgone", "ed")
                    },
                    "people_forwent": float(forwent[i].sum()),
                    "apl": float(apl[i]),
                }
            )


def national_year(m) -> dict:
    """National (core) totals of the year just ended, for calibration and quick checks."""
    core = m.core
    acc = m.year_acc
    pop = float(m.people.sum(axis=(1, 2)) @ core)
    adults = m.people[:, ADULT_BANDS] * core[:, None, None]
    forwent = m.forwent_people()
    apl = m.current_apl()
    w = m.territory.communes.population * core
    served = float((acc["in_person"] + acc["tele"]).sum(1) @ core)
    return {
        "population": pop,
        "needed": float(acc["needed"].sum(1) @ core),
        "served": served,
        "consultations_per_inhabitant": served / pop,
        "tele_share": float(acc["tele"].sum(1) @ core) / max(served, 1e-9),
        "forgone": float(acc["forgone"].sum(1) @ core),
        "share_people_forwent_15plus": float(forwent[:, ADULT_BANDS].sum(1) @ core)
        / float(adults.sum()),
        "ed_visits": float(acc["ed"].sum(1) @ core),
        **{k: float(v @ core) for k, v in m.year_ed_cause.items()},
        "mean_backlog": float(m.year_backlog @ core) / 52,
        "mean_wait_weeks": metrics.weighted_mean(m.year_wait / 52, w),
        "tele_share_max_gp": m.tele_share_max_gp,
        "share_without_mt_15plus": float(adults[..., 1].sum() / adults.sum()),
        "apl": metrics.weighted_mean(apl, w),
        "apl_bottom_decile": metrics.tail_mean(apl, w, 0.1),
        "apl_top_decile": metrics.tail_mean(apl, w, 0.1, lower=False),
        "apl_share_below_2_5": metrics.share_below(apl, w, access.SUBDENSE_THRESHOLD),
        "forwent_apl_below_1_5": _share_forwent(m, forwent, apl < 1.5),
        "forwent_apl_above_1_5": _share_forwent(m, forwent, apl >= 1.5),
        "gps": int((m.gp_active & core[m.gp_commune]).sum()),
    }


def _share_forwent(m, forwent, mask) -> float:
    sel = mask & m.core
    ppl = m.people[sel][:, ADULT_BANDS].sum()
    return float(forwent[sel][:, ADULT_BANDS].sum() / ppl) if ppl > 0 else float("nan")
