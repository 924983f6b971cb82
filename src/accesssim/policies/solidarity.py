"""Solidarity days (mission de solidarité territoriale, Sept. 2025): the policy, its dose and
dashboard controls, and the count of GPs eligible in all of France that calibrates its
participation (a national Dijkstra, computed once per process for a non-default limit).
"""

from __future__ import annotations

import functools

import numpy as np
from scipy.sparse import csgraph

from accesssim.model.access_model import WEEKS_PER_YEAR, epci_sites
from accesssim.params.parameters import Param
from accesssim.policies.base import Policy, PolicyHost, Slider


class SolidarityDays(Policy):
    """Mission de solidarité territoriale (Sept. 2025): GPs from outside the priority EPCIs give
    up to 2 days a month of consultations in one, paid 200 EUR a day; the days are taken from
    their home practice (unless a replacement covers a share).

    Defaults reproduce the reported uptake: ~300 volunteers (Feb. 2026) delivering ~6,500
    consultations from October 2025 to mid-February 2026 (docs/sources.md §7.2): with 22
    consultations a day that is 6,500 / (4.5 months × 300 × 22) = 0.22 days a month per
    volunteer; participation = 300 / the GPs eligible nationally (``ELIGIBLE_FRANCE``).
    """

    kind = "solidarity_days"
    PAYER = "assurance_maladie"
    PAYER_SOURCE = "the 200 EUR a day is paid by the CPAM (CPAM 94 terms; docs/sources.md)"
    LABEL = "Jours de solidarité"  # display name (French), as on the dashboard
    HYPOTHESES = (  # the dashboard's "Hypothèses" panel (French)
        (
            "Les volontaires sont des médecins hors des EPCI cibles, à moins de "
            "{max_travel_minutes:g} minutes de l'un d'eux ; part des médecins éligibles qui se "
            "portent volontaires : {participation:.1%}."
        ),
        (
            "Chaque volontaire donne {days_per_month:.2f} jour(s) par mois, à "
            "{consultations_per_day:g} consultations par jour, payé {pay_per_day:g} € par jour."
        ),
        (
            "Ces jours sont pris sur le cabinet d'origine du volontaire : ses propres patients "
            "perdent ces consultations ; un remplaçant en couvre {replacement_share:.0%} (aucun "
            "chiffre publié)."
        ),
        (
            "Seuls les jours donnés dans le territoire choisi sont comptés et payés ; ceux donnés "
            "dans un EPCI cible hors du territoire ne sont ni comptés ni coûtés (leurs bénéfices "
            "non plus)."
        ),
    )
    SLIDERS = (  # every volunteer (mandatory mode), 2 days a month (the bill)
        Slider("participation", "participation", "Jours de solidarité : médecins volontaires",
               0.001, unit="des médecins éligibles", percent=True),
        Slider("days_per_month", "days_per_month",
               "Jours de solidarité : jours par mois et par volontaire", 0.01, initial=1.0,
               unit="j/mois"),
    )  # fmt: skip
    ASSUMPTIONS = ""  # built from the mode and values: ``assumptions()``
    VOLUNTEERS_REPORTED = 300
    DAYS_PER_MONTH_REPORTED = 6500 / (4.5 * 300 * 22)
    PARAMS = {
        "targets": Param(
            "completed",
            "priority EPCIs that receive volunteers",
            "S",
            "'completed': the 2025 list of 151 (58 confirmed + the model's index, priority.py); "
            "'confirmed': the 58; or a list of EPCI SIRENs",
            kind="sirens",
            options=("completed", "confirmed"),
        ),
        "mode": Param(
            "voluntary",
            "voluntary (the pilot) or mandatory (Senate bill: GPs of well-served EPCIs)",
            "S",
            "Pacte 2025; PPL Mouiller",
            kind="choice",
            options=("voluntary", "mandatory"),
        ),
        "participation": Param(
            None,
            "share of eligible GPs who volunteer (none: the reported ~300 nationally)",
            "D",
            "300 volunteers (Feb. 2026, docs/sources.md) / GPs eligible in France; 1 if mandatory",
            0,
            1,
        ),
        "days_per_month": Param(
            DAYS_PER_MONTH_REPORTED,
            "days a month each volunteer gives (2 if mandatory)",
            "D",
            "6,500 consultations Oct. 2025 - mid-Feb. 2026 / (4.5 months × 300 × 22)",
            0,
            2,
        ),
        "max_travel_minutes": Param(
            60.0, "furthest a volunteer travels, minutes", "A", "no published limit", 1, 240
        ),
        "consultations_per_day": Param(
            22.0, "consultations a day", "S", "IQVIA 2018 (docs/sources.md)", 1, 60
        ),
        "pay_per_day": Param(
            200.0, "euros per day given", "S", "CPAM 94 (docs/sources.md)", 0, 1e4
        ),
        "replacement_share": Param(
            0.0,
            "share of the days a replacement covers at home",
            "A",
            "no published figure. The ministry promises volunteers 'des solutions de "
            "remplacement dans leur cabinet' with no number (Egora, 01/09/2025); a GP answering "
            "in the press expects to 'sacrifier 90 consultations ... par mois' at home, i.e. "
            "no replacement; locum availability in the pilot is not reported",
            0,
            1,
            range=(0.0, 0.5),
            distribution="uniform",
            range_source="0: the days are lost at home (the GPs' own expectation in the "
            "press, the default); 0.5: half covered by a replacement, an assumption standing "
            "for the ministry's promise (no locum figure found); compare --replacement-range "
            "reports results at both ends",
        ),
        "days_per_listing": Param(
            None,
            "days a year a listed target receives for each time it is listed in targets "
            "(none: every volunteer gives days_per_month)",
            "A",
            "a budget plan's placement (accesssim optimise): the days it buys per target EPCI",
            0,
            1e6,
        ),
        "well_served_apl": Param(
            4.0,
            "APL from which an EPCI is well served (mandatory mode)",
            "A",
            "the Senate bill gives no threshold",
            0,
            20,
        ),
    }

    def default(self, key):
        if self.spec.get("mode") == "mandatory":
            return {"participation": 1.0, "days_per_month": 2.0}.get(key, super().default(key))
        return super().default(key)

    def __init__(self, spec=None, scenario=None):
        super().__init__(spec, scenario)
        v = self.v
        self.target_sirens = v.targets
        self.mode = v.mode
        self.participation = v.participation
        self.days_per_month = v.days_per_month
        self.max_travel = v.max_travel_minutes
        self.per_day = v.consultations_per_day
        self.pay = v.pay_per_day
        self.replacement = v.replacement_share
        self.well_served_apl = v.well_served_apl

    def assumptions(self) -> str:
        v = self.v
        if self.mode == "mandatory":
            who = (
                f"every GP of an EPCI at APL ≥ {v.well_served_apl:g} (an assumption: the "
                "Senate bill gives no threshold) within reach serves"
                if v.participation == 1
                else f"{100 * v.participation:g} % of the GPs of EPCIs at APL ≥ "
                f"{v.well_served_apl:g} serve"
            )
            dose = f"{who}, {v.days_per_month:g} days a month (mandatory mode)"
        elif v.participation is None:
            dose = (
                "volunteer participation calibrated to the pilot's reported ~300 volunteers "
                "nationally"
            )
        else:
            dose = f"{100 * v.participation:g} % of eligible GPs volunteer"
        if self.mode != "mandatory":
            dose += (
                ", 0.22 days a month each (6,500 consultations reported by mid-February 2026)"
                if v.days_per_month == self.DAYS_PER_MONTH_REPORTED
                else f", {v.days_per_month:g} days a month each"
            )
        return (
            f"Solidarity days ({self.name}): {dose}; within {v.max_travel_minutes:g} minutes of "
            f"a target site; a replacement covers {100 * v.replacement_share:g} % of the days "
            "at home (no published figure: `--replacement-range`)."
        )

    def no_effect_reason(self, model: PolicyHost) -> str | None:
        e = model.territory.epcis
        what = (
            f"targets {self.target_sirens!r}"
            if isinstance(self.target_sirens, str)
            else f"{len(self.target_sirens)} listed targets"
        )
        if not len(self.targets):
            return f"no target EPCI ({what}) in the territory or its buffer"
        if not e.core[self.targets].any():
            return f"no target EPCI ({what}) in the territory's core, only in its buffer"
        if not self.n_eligible:
            if self.mode == "mandatory":
                best = self.reach_apl_max
                return (
                    f"no GP in a well-served EPCI (APL ≥ {self.well_served_apl:g}) within "
                    f"{self.max_travel:g} minutes of a target site"
                    + (
                        f" (the best-served EPCI within reach has APL {best:.2f})"
                        if np.isfinite(best)
                        else " (no GP outside the targets within reach)"
                    )
                )
            return f"no GP outside the target EPCIs within {self.max_travel:g} minutes of one"
        if not len(self.volunteer):
            return (
                f"none of the {self.n_eligible} eligible GPs volunteered (participation "
                f"{100 * self.rate:.2f} %)"
            )
        if not model.core[self.site].any():
            return (
                f"its {len(self.volunteer)} volunteers all serve target EPCIs in the buffer, "
                "outside the territory's core (neither costed nor counted)"
            )
        if not self.days_per_month:
            return "0 days a month"
        return None

    def _zero_year(self) -> dict:
        return {
            "volunteers": 0,
            "days": 0.0,
            "days_outside_not_counted": 0.0,
            "consultations_offered": 0.0,
            "consultations_delivered": 0.0,
            "home_capacity_removed": 0.0,
            "home_consultations_displaced": 0.0,
            "cost_eur": 0.0,
        }

    def target_epcis(self, model: PolicyHost) -> np.ndarray:
        if isinstance(self.target_sirens, list):
            listed = self._epci_indices(model, self.target_sirens, "targets")
            return np.array(list(dict.fromkeys(listed.tolist())), np.int64)  # once each, in order
        e = model.territory.epcis
        if self.target_sirens == "confirmed":
            return np.flatnonzero(e.priority_confirmed)
        from accesssim.geo import priority

        sirens = priority.national_selection()["sirens"]
        return np.flatnonzero(np.isin(e.siren, list(sirens)))

    def prepare(self, model: PolicyHost) -> None:
        t = model.territory
        self.targets = self.target_epcis(model)
        self.week_each = None  # days_per_listing: consultations a week each volunteer gives
        self.volunteer = np.zeros(0, dtype=np.int64)
        self.site = np.zeros(0, dtype=np.int64)
        self.n_eligible = 0
        self.rate = 0.0
        self.reach_apl_max = -np.inf  # best EPCI APL among GPs within reach (mandatory mode)
        if not len(self.targets):
            return
        sites = model.epci_sites(self.targets)
        minutes, src = model.minutes_to_nearest(sites, limit=self.max_travel)
        home_epci = t.communes.epci[model.gp_commune]
        eligible = (
            model.gp_active
            & ~np.isin(home_epci, self.targets)
            & (minutes[model.gp_commune] <= self.max_travel)
        )
        if self.mode == "mandatory":
            apl = model.epci_apl()[home_epci]
            if eligible.any():
                self.reach_apl_max = float(apl[eligible].max())
            eligible &= apl >= self.well_served_apl
        candidates = np.flatnonzero(eligible)
        self.n_eligible = len(candidates)
        rate = self.participation
        if rate is None:  # calibrated to the ~300 volunteers reported nationally
            rate = min(1.0, self.VOLUNTEERS_REPORTED / max(national_eligible(self), 1))
        self.rate = rate
        pick = self.rng.random(len(candidates)) < rate
        self.volunteer = candidates[pick]
        self.site = src[model.gp_commune[self.volunteer]]
        model.update_service_communes(extra=np.unique(self.site))
        self._given = np.zeros(len(self.volunteer))
        if self.v.days_per_listing is not None and isinstance(self.target_sirens, list):
            listed = self._epci_indices(model, self.target_sirens, "targets")
            days = np.bincount(listed, minlength=len(t.epcis))[self.targets]
            days = days * float(self.v.days_per_listing)
            at_site = np.bincount(sites, weights=days, minlength=len(t.communes))
            serving = np.bincount(self.site, minlength=len(t.communes))
            each = at_site[self.site] / np.maximum(serving[self.site], 1)  # days a year
            self.week_each = each * self.per_day / WEEKS_PER_YEAR

    def adjust_capacity(self, model: PolicyHost, cap, extra):
        if not len(self.volunteer) or not self.active(model):
            self._given = np.zeros(len(self.volunteer))
            return cap, extra
        days_week = self.days_per_month * 12 / WEEKS_PER_YEAR
        cap = cap.copy()
        want = days_week * self.per_day if self.week_each is None else self.week_each
        given = np.minimum(cap[self.volunteer], want)
        removed = given * (1 - self.replacement)
        cap[self.volunteer] -= removed
        extra = extra + np.bincount(self.site, weights=given, minlength=len(extra))
        self._given, self._removed = given, removed
        return cap, extra

    def after_step(self, model: PolicyHost, flows, used, capacity) -> None:
        if not self._given.any():
            return
        util = np.divide(used, capacity, out=np.zeros_like(used), where=capacity > 0)
        y = self.year
        # one territory: what volunteers give inside the run's core (the région) is costed and
        # counted, wherever they live (buffer included); days given in buffer EPCIs are
        # neither costed nor counted, as their benefits are not counted either
        inside = model.core[self.site]
        given, removed = self._given * inside, self._removed * inside
        y["volunteers"] = int(inside.sum())
        y["days"] += float(given.sum() / self.per_day)
        y["days_outside_not_counted"] += float(self._given[~inside].sum() / self.per_day)
        y["consultations_offered"] += float(given.sum())
        y["consultations_delivered"] += float((given * util[self.site]).sum())
        home = model.gp_commune[self.volunteer]
        y["home_capacity_removed"] += float(removed.sum())
        y["home_consultations_displaced"] += float((removed * util[home]).sum())
        y["cost_eur"] += float(given.sum() / self.per_day * self.pay)


@functools.lru_cache(maxsize=8)
def count_national_eligible(max_travel: float) -> int:
    """GPs eligible to volunteer in all of France: outside the priority EPCIs (completed
    list) and within ``max_travel`` minutes of one (its site)."""
    from accesssim.geo import priority, travel
    from accesssim.geo import territory as terr

    t = terr.load()
    e, c = t.epcis, t.communes
    targets = np.flatnonzero(np.isin(e.siren, list(priority.national_selection()["sirens"])))
    gps = c.gp.astype(np.int64)
    sites = epci_sites(c, gps, targets)
    g = travel.road_graph(t)
    dist = csgraph.dijkstra(g, indices=sites, min_only=True, limit=max_travel)
    minutes = dist + travel.intra_minutes(t)
    ok = ~np.isin(c.epci, targets) & (minutes <= max_travel)
    return int(gps[ok].sum())


# GPs eligible in all of France at the default 60 minutes: count_national_eligible(60.0) on the
# embedded territory (tests/test_registries.py recomputes it; refresh it when GP supply or the
# road model change; recomputed after the roads fit and the ferry links): a regional run need
# not load all of France
ELIGIBLE_FRANCE = {60.0: 12122}


def national_eligible(policy: SolidarityDays) -> int:
    """GPs eligible nationally at the policy's travel limit (computed on all of France, once
    per process, only for a limit other than the default)."""
    if policy.max_travel in ELIGIBLE_FRANCE:
        return ELIGIBLE_FRANCE[policy.max_travel]
    return count_national_eligible(policy.max_travel)
