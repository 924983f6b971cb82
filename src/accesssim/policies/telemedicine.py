"""Telemedicine: a higher teleconsultation share and pharmacy-assisted points, its dose, cost
and dashboard control.
"""

from __future__ import annotations

import numpy as np

from accesssim.core import access
from accesssim.params.parameters import PARAMETERS, Param
from accesssim.policies.base import Policy, PolicyHost, Slider, Switch


class Telemedicine(Policy):
    """A higher teleconsultation share (within the 20 % cap per GP) and pharmacy-assisted
    teleconsultation points in under-served communes (APL < 2.5), where uptake rises.
    Programme cost: 1,225 EUR per pharmacy point the first year (docs/sources.md §6), paid by
    the Assurance maladie. The fees of teleconsultations are not a programme cost: the payers'
    ledger counts the fees of the consultations the policy adds, in person or remote, so a
    teleconsultation that replaces a visit costs nothing extra and only net-new ones count."""

    kind = "telemedicine"
    PAYER = "assurance_maladie"
    PAYER_SOURCE = "officine equipment fee paid under the pharmacists' convention (Le Moniteur)"
    REMOVED_KEYS = {
        "cost_per_teleconsultation": "teleconsultation fees are counted by the payers' ledger "
        "for net-new consultations only (parameter teleconsultation_fee_eur)"
    }
    LABEL = "Téléconsultation"  # display name (French), as on the dashboard
    HYPOTHESES = (  # the dashboard's "Hypothèses" panel (French)
        (
            "Part visée des téléconsultations : {tele_share:.1%} des actes des médecins (3 % sans "
            "mesure), au plus 20 % des actes de chaque médecin."
        ),
        (
            "Les téléconsultations prennent du temps aux médecins du territoire, à chacun au "
            "prorata de sa capacité : ce temps est retiré des consultations sur place, partout dans"
            " le territoire."
        ),
        (
            "Le recours à la téléconsultation est plus faible après 75 ans et là où l'accès est "
            "mauvais : là où les patients attendent, le temps retiré sur place peut coûter plus "
            "qu'il ne rend, et le renoncement peut augmenter."
        ),
        (
            "Points de téléconsultation en pharmacie : {pharmacy_points} ; dans les communes d'APL "
            "< {pharmacy_apl_below:g}, ils multiplient le recours par {pharmacy_uptake_gain:g} "
            "(aucun chiffre publié) ; {cost_per_point:.0f} € par point la première année."
        ),
    )
    SLIDERS = (  # up to the 20 % cap per GP; at the baseline share: no policy
        Slider("tele_share", "tele_share",
               "Téléconsultation : part des consultations éligibles", 0.005,
               off=PARAMETERS["tele_share"].default, low=PARAMETERS["tele_share"].default,
               percent=True),
    )  # fmt: skip
    SWITCHES = (  # off by default: a share at the baseline opens no point silently
        Switch("pharmacy_points", "pharmacy_points",
               "Téléconsultation : points en pharmacie (communes d'APL < 2,5)"),
    )  # fmt: skip
    ASSUMPTIONS = (
        "Telemedicine ({name}): teleconsultation share {tele_share} of GP acts (capped at 20 % "
        "per GP); pharmacy points (on: {pharmacy_points}) in communes under APL "
        "{pharmacy_apl_below} multiply uptake by {pharmacy_uptake_gain} (no figure)."
    )
    PARAMS = {
        "tele_share": Param(
            0.06,
            "teleconsultation share of GP acts with the policy",
            "A",
            "a dose; capped by the 20 % rule per GP",
            0,
            0.2,
        ),
        "pharmacy_points": Param(
            True, "open pharmacy-assisted points", "A", "a choice", kind="bool"
        ),
        "pharmacy_apl_below": Param(
            access.SUBDENSE_THRESHOLD,
            "APL under which a commune gets a point",
            "S",
            "sub-dense threshold 2.5 (DREES)",
            0,
            20,
        ),
        "pharmacy_uptake_gain": Param(
            1.5, "uptake multiplier where there is a point", "A", "no figure", 1, 10
        ),
        "cost_per_point": Param(
            1225.0, "euros per pharmacy point, first year", "S", "docs/sources.md", 0, 1e6
        ),
    }

    def __init__(self, spec=None, scenario=None):
        super().__init__(spec, scenario)
        v = self.v
        self.share = v.tele_share
        self.points = v.pharmacy_points
        self.gain = v.pharmacy_uptake_gain
        self.cost_point = v.cost_per_point

    def _zero_year(self):
        return {"extra_teleconsultations": 0.0, "pharmacy_points": 0, "cost_eur": 0.0}

    def prepare(self, model: PolicyHost) -> None:
        self.base_uptake = model.tele_uptake.copy()
        model.schedule_event(self._start, at=self.start_week + 0.5)
        if np.isfinite(self.end_week):
            model.schedule_event(self._stop, at=self.end_week + 0.5)

    def _start(self) -> None:
        m = self.model
        up = m.tele_uptake_for_share(self.share)
        self.n_points = 0
        if self.points:
            under = (m.current_apl() < self.v.pharmacy_apl_below) & m.core
            up[under] *= self.gain
            self.n_points = int(under.sum())
            self.year["cost_eur"] += self.n_points * self.cost_point
            self.year["pharmacy_points"] = self.n_points
        m.set_tele_uptake(up)

    def _stop(self) -> None:
        self.model.set_tele_uptake(self.base_uptake)

    def after_step(self, model: PolicyHost, flows, used, capacity) -> None:
        if not self.active(model):
            return
        tele = float(flows["tele"].sum(1) @ model.core)
        # teleconsultations above the baseline share (none if the dose is at or below it)
        extra = tele * max(0.0, 1 - model.p["tele_share"] / self.share) if self.share > 0 else 0.0
        self.year["extra_teleconsultations"] += extra
