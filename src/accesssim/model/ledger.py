"""The ledger of a run: what happened, accumulated week by week and written as tidy rows.

Kept apart from the state (what is) and the schedule (when): the weekly totals the
DataCollector reads, the monthly flows per EPCI, the yearly sums, and the rows built from
them at each year's end (per EPCI, per priority group × age band, per commune, the national
totals, the policies' rows). The row builders only read the ledger and the state; the ledger
changes nothing in the dynamics. (The row builders were ``records.py``: they are the ledger's
closing of its year, so they live here with the sums they read.)
"""

from __future__ import annotations

import numpy as np

from accesssim.core import access, metrics, saturation
from accesssim.core.weekly import ED_CAUSES, FLOWS, by_commune
from accesssim.geo.territory import is_overseas
from accesssim.model.state import SimState
from accesssim.params import parameters
from accesssim.params.parameters import ADULT_BANDS

# urgent care within 30 minutes everywhere: Pacte territoire santé 2, engagement 4 ("assurer
# l'accès aux soins urgents en moins de 30 minutes", ../shared/seeds; FACTS.md §5)
URGENT_CARE_MINUTES = 30.0


# ---------------------------------------------------------------------- weekly reporters
def national_needed(m) -> float:
    return m.week_totals["needed"]


def national_in_person(m) -> float:
    return m.week_totals["in_person"]


def national_tele(m) -> float:
    return m.week_totals["tele"]


def national_ed(m) -> float:
    return m.week_totals["ed"]


def national_forgone(m) -> float:
    return m.week_totals["forgone"]


def national_backlog(m) -> float:
    return m.week_totals["backlog"]


def share_without_mt(m) -> float:
    adults = m.people[:, ADULT_BANDS] * m.core[:, None, None]
    return float(adults[..., 1].sum() / adults.sum())


def active_gps(m) -> int:
    return int((m.gp_active & m.core[m.gp_commune]).sum())


MODEL_REPORTERS = {  # the weekly series (Mesa's DataCollector, one value per week)
    "needed": national_needed,
    "served_in_person": national_in_person,
    "served_tele": national_tele,
    "ed_visits": national_ed,
    "forgone": national_forgone,
    "backlog": national_backlog,
    "share_without_mt": share_without_mt,
    "gps": active_gps,
}


class Ledger:
    """Sums of the week, the month and the year, and the rows recorded so far.

    Args:
        shape: the cohorts' (communes, bands) shape, as the flows.
        n_communes: communes of the run.
        n_ed: emergency sites of the run.
        capacity_flex: the run's ``capacity_flex`` (a GP's load is its acts ÷ its delivered
            activity, flex excluded: ``saturation.regular_load``).
    """

    def __init__(
        self, shape: tuple[int, int], n_communes: int, n_ed: int, capacity_flex: float = 0.0
    ):
        self.year_acc = {k: np.zeros(shape, order="F") for k in FLOWS}  # as the flows
        self.month_acc = {k: np.zeros(n_communes) for k in FLOWS}
        self.year_wait = np.zeros(n_communes)
        # GP-treatable ED visits this year by cause (weekly.ED_CAUSES), per commune
        self.year_ed_cause = {k: np.zeros(n_communes) for k in ED_CAUSES}
        self.year_backlog = np.zeros(n_communes)  # sum over weeks of the backlog
        self.capacity_flex = capacity_flex
        self.year_gp_load = np.zeros(0)  # per GP: sum over weeks of acts ÷ delivered activity
        self.year_gp_weeks = np.zeros(0)  # per GP: weeks summed (GPs join during the year)
        self.tele_share_max_gp = 0.0  # largest weekly tele share of one GP this year
        self.week_flows = {k: np.zeros(shape, order="F") for k in FLOWS}
        self.week_totals = dict.fromkeys((*FLOWS, "backlog"), 0.0)
        self.ed_visits_by_site = np.zeros(n_ed)
        self._monthly: list[tuple[int, np.ndarray]] = []  # (month, EPCI × flow sums)
        self._monthly_rows: list[dict] = []
        self._monthly_built = 0  # months in _monthly_rows
        self.yearly_rows: list[dict] = []
        self.group_rows: list[dict] = []
        self.commune_rows: list[dict] = []
        self.record_communes = False
        self.policy_rows: list[dict] = []
        self.last_year: dict = {}  # national totals of the last year ended (national_year)

    # ------------------------------------------------------------------ week
    def add_week(self, week, core: np.ndarray, nearest_ed_site: np.ndarray) -> dict:
        """Accumulate one simulated week (``weekly.WeekResult``); returns its flows."""
        for k, v in week.ed_by_cause().items():
            self.year_ed_cause[k] += v
        self.year_backlog += week.waiting
        self._add_gp_load(week.gp_utilisation)
        acts = week.gp_tele + week.gp_in_person
        share = np.divide(week.gp_tele, acts, out=np.zeros_like(acts), where=acts > 0)
        self.tele_share_max_gp = max(self.tele_share_max_gp, float(share.max(initial=0.0)))
        flows = week.as_dict()
        self.week_flows = flows
        per_commune = {}
        for k, v in flows.items():
            self.year_acc[k] += v
            per_commune[k] = by_commune(v)
            self.month_acc[k] += per_commune[k]
            self.week_totals[k] = float(per_commune[k] @ core)
        self.week_totals["backlog"] = float(week.waiting @ core)
        self.year_wait += week.wait_weeks
        if len(self.ed_visits_by_site):
            site = nearest_ed_site
            ok = site >= 0
            self.ed_visits_by_site += np.bincount(
                site[ok], weights=per_commune["ed"][ok], minlength=len(self.ed_visits_by_site)
            )
        return flows

    def _add_gp_load(self, utilisation: np.ndarray) -> None:
        n = len(utilisation)
        if n > len(self.year_gp_load):  # GPs added since: their sums start now
            pad = n - len(self.year_gp_load)
            self.year_gp_load = np.concatenate([self.year_gp_load, np.zeros(pad)])
            self.year_gp_weeks = np.concatenate([self.year_gp_weeks, np.zeros(pad)])
        self.year_gp_load[:n] += saturation.regular_load(utilisation, self.capacity_flex)
        self.year_gp_weeks[:n] += 1

    def gp_mean_load(self, n_gps: int) -> np.ndarray:
        """Per GP (``n_gps`` of them), this year's mean load (acts ÷ delivered activity; 0
        for a GP without a simulated week)."""
        load = np.zeros(n_gps)
        k = min(n_gps, len(self.year_gp_load))
        np.divide(
            self.year_gp_load[:k],
            self.year_gp_weeks[:k],
            out=load[:k],
            where=self.year_gp_weeks[:k] > 0,
        )
        return load

    # ------------------------------------------------------------------ month
    def close_month(self, month: int, territory, core: np.ndarray) -> None:
        """Keep the month's flows per core EPCI (rows are built when asked for) and restart."""
        e = territory.epcis
        epci = territory.communes.epci
        rows = np.flatnonzero(e.core)
        sums = np.stack(
            [
                np.bincount(epci[core], weights=v[core], minlength=len(e))[rows]
                for v in self.month_acc.values()
            ],
            axis=1,
        )
        self._monthly.append((month, sums))
        for v in self.month_acc.values():
            v[:] = 0

    def monthly_rows(self, territory, start_year: int) -> list[dict]:
        """One row per month and core EPCI: the flows (``weekly.FLOWS``) of that month."""
        if self._monthly_built != len(self._monthly):
            e = territory.epcis
            siren = [str(x) for x in e.siren[np.flatnonzero(e.core)]]
            self._monthly_rows = [
                {
                    "month": month,
                    "year": start_year + (month - 1) // 12,
                    "epci": siren[i],
                    **dict(zip(self.month_acc, map(float, row), strict=True)),
                }
                for month, sums in self._monthly
                for i, row in enumerate(sums)
            ]
            self._monthly_built = len(self._monthly)
        return self._monthly_rows

    # ------------------------------------------------------------------ year
    def forwent_people(self, people: np.ndarray) -> np.ndarray:
        """People who forwent care at least once this year, by commune and band.

        Forgone consultations are taken as Poisson events spread evenly over a cohort's
        people: P(at least one) = 1 - exp(-forgone / people). An assumption, documented in
        docs/ODD.md; it makes the people-share comparable with DREES's survey measure.
        """
        return metrics.people_who_forwent(self.year_acc["forgone"], people.sum(-1))

    def close_year(self, state: SimState, year: int) -> None:
        """Append the year's rows and set ``last_year`` (national totals)."""
        apl = state.current_apl()
        forwent = self.forwent_people(state.people)
        record_year(self, state, year, apl, forwent)
        self.last_year = national_year(self, state, apl, forwent)

    def reset_year(self) -> None:
        """Start the yearly sums again (after the year's rows and policy hooks)."""
        for v in self.year_acc.values():
            v[:] = 0
        self.year_wait[:] = 0
        for v in self.year_ed_cause.values():
            v[:] = 0
        self.year_backlog[:] = 0
        self.year_gp_load[:] = 0
        self.year_gp_weeks[:] = 0
        self.tele_share_max_gp = 0.0
        self.ed_visits_by_site[:] = 0


# ---------------------------------------------------------------------- yearly rows
def _by(groups, values, n):
    return np.bincount(groups, weights=values, minlength=n)


def record_year(ledger: Ledger, s: SimState, year: int, apl, forwent) -> None:
    """Append the year's rows to ``yearly_rows``, ``group_rows`` (and ``commune_rows``);
    ``apl`` and ``forwent`` (people who forwent care) as of the year's end."""
    t = s.territory
    c, e = t.communes, t.epcis
    core = s.core
    acc = ledger.year_acc
    pop = c.population.astype(float)
    adults = s.people[:, ADULT_BANDS]
    n_e = len(e)
    ep = c.epci
    w = pop * core

    def epci_sum(v):
        return _by(ep, v * core, n_e)

    sat = gp_saturation(ledger, s)
    gp_ep = ep[s.gp_commune]
    overseas = _by(ep, pop * is_overseas(c), n_e) > 0.5 * _by(ep, pop, n_e)

    needed = epci_sum(acc["needed"].sum(1))
    forgone = epci_sum(acc["forgone"].sum(1))
    people = epci_sum(s.people.sum(axis=(1, 2)))
    pop_e = epci_sum(pop)
    active = s.gp_active & core[s.gp_commune]
    gps = _by(ep[s.gp_commune[active]], np.ones(active.sum()), n_e)
    util = _by(ep[s.gp_commune[active]], s.gp_utilisation[active], n_e)
    cols = {
        "needed": needed,
        "in_person": epci_sum(acc["in_person"].sum(1)),
        "tele": epci_sum(acc["tele"].sum(1)),
        "forgone": forgone,
        "people_forwent": epci_sum(forwent.sum(1)),
        "ed_visits": epci_sum(acc["ed"].sum(1)),
        **{k: epci_sum(v) for k, v in ledger.year_ed_cause.items()},
        "mean_backlog": epci_sum(ledger.year_backlog) / 52,
        "mean_wait_weeks": metrics.group_mean(ledger.year_wait / 52, w, ep, n_e),
        "share_without_mt": epci_sum(adults[..., 1].sum(1))
        / np.maximum(epci_sum(adults.sum(axis=(1, 2))), 1e-9),
        "apl": metrics.group_mean(apl, w, ep, n_e),
        "population_below_2_5": epci_sum(pop * (apl < access.SUBDENSE_THRESHOLD)),
        "minutes_nearest_gp": metrics.group_mean(np.minimum(s.nearest_gp_minutes, 240), w, ep, n_e),
        "minutes_nearest_ed": metrics.group_mean(np.minimum(s.ed_minutes, 240), w, ep, n_e),
        # people more than 30 minutes from urgent care: the nearest ED or médecin correspondant
        "population_urgent_over_30": epci_sum(pop * (s.urgent_minutes > URGENT_CARE_MINUTES)),
        # GPs holding a list, and those refusing new MT patients (core/saturation.py)
        "gps_with_list": _by(gp_ep, sat["eligible"].astype(float), n_e),
        "gps_refusing": _by(gp_ep, (sat["eligible"] & sat["refusing"]).astype(float), n_e),
    }
    for k in np.flatnonzero(e.core):
        p_k = max(people[k], 1e-9)
        ledger.yearly_rows.append(
            {
                "year": year,
                "epci": str(e.siren[k]),
                "epci_name": str(e.name[k]),
                "priority_confirmed": bool(e.priority_confirmed[k]),
                "overseas": bool(overseas[k]),
                "population": float(pop_e[k]),
                **{f: float(v[k]) for f, v in cols.items()},
                "renoncement_rate": float(forgone[k] / needed[k]) if needed[k] > 0 else 0.0,
                "share_people_forwent": float(cols["people_forwent"][k] / p_k),
                "ed_per_1000": float(1000 * cols["ed_visits"][k] / p_k),
                "gps": int(gps[k]),
                "utilisation": float(util[k] / gps[k]) if gps[k] else 0.0,
                # the appointment delay in days: 7 × mean backlog ÷ served a week
                "delay_days": float(
                    saturation.delay_days(
                        cols["mean_backlog"][k] * 52, cols["in_person"][k] + cols["tele"][k]
                    )
                ),
            }
        )
    # priority group × metropolitan / overseas EPCIs (a partition: overseas rows only where
    # the run has overseas communes) × age band
    prio = e.priority_confirmed[ep]
    ov = overseas[ep]
    parts = [
        (group, o, g & core & (ov == o))
        for group, g in (("priority_confirmed", prio), ("other", ~prio))
        for o in (False, True)
    ]
    for group, o, sel in parts:
        if o and not sel.any():
            continue
        for b, band in enumerate(parameters.AGE_BANDS):
            ppl = s.people[sel, b].sum()
            row = {"year": year, "group": group, "overseas": o, "age_band": band}
            row["people"] = float(ppl)
            for f in ("needed", "in_person", "tele", "forgone", "ed"):
                row[f] = float(acc[f][sel, b].sum())
            row["people_forwent"] = float(forwent[sel, b].sum())
            row["share_without_mt"] = float(s.people[sel, b, 1].sum() / ppl) if ppl else 0.0
            ledger.group_rows.append(row)
    if ledger.record_communes:
        for i in np.flatnonzero(core):
            ledger.commune_rows.append(
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


def national_year(ledger: Ledger, s: SimState, apl, forwent) -> dict:
    """National (core) totals of the year just ended, for calibration and quick checks."""
    core = s.core
    acc = ledger.year_acc
    pop = float(s.people.sum(axis=(1, 2)) @ core)
    adults = s.people[:, ADULT_BANDS] * core[:, None, None]
    w = s.territory.communes.population * core
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
        **{k: float(v @ core) for k, v in ledger.year_ed_cause.items()},
        "mean_backlog": float(ledger.year_backlog @ core) / 52,
        "mean_wait_weeks": metrics.weighted_mean(ledger.year_wait / 52, w),
        "tele_share_max_gp": ledger.tele_share_max_gp,
        "share_without_mt_15plus": float(adults[..., 1].sum() / adults.sum()),
        "apl": metrics.weighted_mean(apl, w),
        "apl_bottom_decile": metrics.tail_mean(apl, w, 0.1),
        "apl_top_decile": metrics.tail_mean(apl, w, 0.1, lower=False),
        "apl_share_below_2_5": metrics.share_below(apl, w, access.SUBDENSE_THRESHOLD),
        "forwent_apl_below_1_5": _share_forwent(s, forwent, apl < 1.5),
        "forwent_apl_above_1_5": _share_forwent(s, forwent, apl >= 1.5),
        "forwent_apl_1_5_to_2_5": _share_forwent(s, forwent, (apl >= 1.5) & (apl < 2.5)),
        **{
            f"forwent_apl_{name}": _share_forwent(s, forwent, (apl >= lo) & (apl < hi))
            for name, lo, hi in saturation.APL_CLASSES
        },
        "gps": int((s.gp_active & core[s.gp_commune]).sum()),
        **saturation_year(ledger, s, apl),
    }


def gp_saturation(ledger: Ledger, s: SimState) -> dict[str, np.ndarray]:
    """Per GP this year: mean load (acts ÷ delivered activity), list at its cap, saturated,
    refusing new MT patients (``saturation.refusing``), and eligible (active in the core,
    holding a list: the population DREES's panel asks)."""
    w = s.workforce
    load = ledger.gp_mean_load(len(w))
    list_full = w.holds_list & (w.list >= w.list_cap(s.p) * (1 - 1e-9))
    return {
        "load": load,
        "list_full": list_full,
        "saturated": load >= saturation.SATURATED_LOAD,
        "refusing": saturation.refusing(load, list_full),
        "eligible": w.active & w.holds_list & s.core[w.commune],
    }


def saturation_year(ledger: Ledger, s: SimState, apl) -> dict:
    """The year's saturation figures (core/saturation.py): delay (days) nationally and by APL
    class, GPs refusing new MT patients, the deciles of GP load."""
    core = s.core
    acc = ledger.year_acc
    served = (acc["in_person"] + acc["tele"]).sum(1)
    days = saturation.delay_days(ledger.year_backlog, served)
    out = {}
    classes = [("", 0.0, np.inf), *saturation.APL_CLASSES]
    for name, lo, hi in classes:
        sel = core & (apl >= lo) & (apl < hi)
        d = saturation.delay_summary(days[sel], served[sel])
        tail = f"_{name}" if name else ""
        out[f"delay_days_mean{tail}"] = d["mean"]
        out[f"delay_days_median{tail}"] = d["median"]
        if not name:
            out["share_delay_over_1_day"] = d["over_1_day"]
            out["share_delay_over_5_days"] = d["over_5_days"]
    sat = gp_saturation(ledger, s)
    el = sat["eligible"]
    n_el = max(int(el.sum()), 1)
    out["share_gps_refusing"] = float((sat["refusing"] & el).sum() / n_el)
    out["share_gps_saturated"] = float((sat["saturated"] & el).sum() / n_el)
    out["share_gps_list_full"] = float((sat["list_full"] & el).sum() / n_el)
    active = s.gp_active & core[s.gp_commune]
    load = sat["load"][active]
    out["gp_load_mean"] = float(load.mean()) if len(load) else float("nan")
    for q, v in zip(range(10, 100, 10), saturation.deciles(load), strict=True):
        out[f"gp_load_p{q}"] = float(v)
    return out


def _share_forwent(s: SimState, forwent, mask) -> float:
    sel = mask & s.core
    ppl = s.people[sel][:, ADULT_BANDS].sum()
    return float(forwent[sel][:, ADULT_BANDS].sum() / ppl) if ppl > 0 else float("nan")
