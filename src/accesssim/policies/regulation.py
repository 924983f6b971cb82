"""Installation regulation (PPL Garot): in well-served EPCIs a GP installs only when another
leaves.
"""

from __future__ import annotations

import numpy as np

from accesssim.params.parameters import Param
from accesssim.policies.base import Policy, PolicyHost, Slider, Switch


class InstallationRegulation(Policy):
    """The Assembly bill (PPL Garot): in well-served EPCIs (APL at or above a threshold) a GP
    installs only when another leaves; other installations go elsewhere."""

    kind = "installation_regulation"
    PAYER = "state"
    PAYER_SOURCE = "no programme cost"
    LABEL = "Régulation de l'installation"  # display name (French), as on the dashboard
    HYPOTHESES = (  # the dashboard's "Hypothèses" panel (French)
        (
            "Dans les EPCI bien dotés (APL ≥ {well_served_apl:g} ; seuil supposé, la proposition de"
            " loi n'en donne pas), un médecin ne s'installe que si un autre part ; les autres "
            "installations vont ailleurs dans le territoire."
        ),
        "Aucun coût de programme ; aucun effet si aucun EPCI du territoire n'atteint le seuil.",
    )
    ASSUMPTIONS = (
        "Installation regulation ({name}): EPCIs at APL ≥ {well_served_apl} take a new GP only "
        "when one leaves (the threshold is an assumption: the bill gives none)."
    )
    SWITCHES = (Switch("regulation", None, "Régulation de l'installation (PPL Garot)"),)
    SLIDERS = (  # not a dose: the threshold; the switch applies the policy
        Slider("regulation_apl", "well_served_apl",
               "Régulation : APL à partir de laquelle un EPCI est bien doté", 0.1,
               off=None, initial=4.0, low=2.5, high=6.0, unit="consult./an/hab."),
    )  # fmt: skip
    PARAMS = {
        "well_served_apl": Param(
            4.0,
            "APL from which an EPCI is well served",
            "A",
            "the bill gives no threshold",
            0,
            20,
        ),
    }

    def __init__(self, spec=None, scenario=None):
        super().__init__(spec, scenario)
        self.threshold = self.v.well_served_apl

    def _zero_year(self):
        return {"installations_redirected_cap_epcis": 0, "cost_eur": 0.0}

    def prepare(self, model: PolicyHost) -> None:
        self.capped = False  # whether any year had a well-served EPCI

    def no_effect_reason(self, model: PolicyHost) -> str | None:
        e = model.territory.epcis
        apl = model.epci_apl()[e.core]
        if not self.capped and len(apl) and apl.max() < self.threshold:
            return (
                f"no EPCI of the territory is well served (APL ≥ {self.threshold:g}; the "
                f"highest is {apl.max():.2f} at the end of the run): no installation is capped"
            )
        return None

    def installation_cap(self, model: PolicyHost, epcis, cap):
        if not self.active_at(model.time):  # at a year's end: from the next week on
            return cap
        well = model.epci_apl()[epcis] >= self.threshold
        exits = model.exits_by_epci[epcis]
        cap = cap.copy()
        cap[well] = np.minimum(cap[well], exits[well])
        self.year["installations_redirected_cap_epcis"] = int(well.sum())
        self.capped |= bool(well.any())
        return cap
