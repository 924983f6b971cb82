"""Installation regulation (PPL Garot): in well-served EPCIs a GP installs only when another
leaves.
"""

from __future__ import annotations

import numpy as np

from accesssim.params.parameters import Param
from accesssim.policies.base import Policy, PolicyHost


class InstallationRegulation(Policy):
    """The Assembly bill (PPL Garot): in well-served EPCIs (APL at or above a threshold) a GP
    installs only when another leaves; other installations go elsewhere."""

    kind = "installation_regulation"
    PAYER = "state"
    PAYER_SOURCE = "no programme cost"
    LABEL = "Régulation de l'installation"  # display name (French), as on the dashboard
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

    def installation_cap(self, model: PolicyHost, epcis, cap):
        if not self.active_at(model.time):  # at a year's end: from the next week on
            return cap
        well = model.epci_apl()[epcis] >= self.threshold
        exits = model.exits_by_epci[epcis]
        cap = cap.copy()
        cap[well] = np.minimum(cap[well], exits[well])
        self.year["installations_redirected_cap_epcis"] = int(well.sum())
        return cap
