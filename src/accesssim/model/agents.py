"""Mesa agents: read-only views of the model's arrays, placed on its network space.

The weekly step is vectorised over all cohorts and GPs at once (``weekly.py``), so an agent
holds only its index into the model's arrays and exposes that state as properties (a GP's
commune, age, weekly capacity, practice, list, accepting, utilisation; a cohort's size,
people without a médecin traitant, backlog, forgone care this year). Agents sit on the
network space at their EPCI, which is what Mesa's tools (AgentSet queries, visualisation)
work with; nothing in the dynamics reads them. GPs who leave are removed from the space.
"""

from __future__ import annotations

from mesa.discrete_space import CellAgent

from accesssim.core.workforce import PRACTICE_TYPES


class PatientCohort(CellAgent):
    """Residents of one commune in one age band (a super-individual).

    Split by médecin traitant status in the model's arrays: index 0 with one, 1 without.
    """

    def __init__(self, model, commune: int, band: int, cell):
        super().__init__(model)
        self.commune = commune
        self.band = band
        self.cell = cell

    @property
    def size(self) -> float:
        return float(self.model.people[self.commune, self.band].sum())

    @property
    def without_mt(self) -> float:
        return float(self.model.people[self.commune, self.band, 1])

    @property
    def backlog(self) -> float:
        return float(self.model.backlog[self.commune, self.band].sum())

    @property
    def forgone_this_year(self) -> float:
        return float(self.model.year_acc["forgone"][self.commune, self.band].sum())


class GP(CellAgent):
    """One private-practice GP: commune, age, weekly capacity, practice type, list size."""

    def __init__(self, model, index: int, cell):
        super().__init__(model)
        self.index = index
        self.cell = cell

    @property
    def commune(self) -> int:
        return int(self.model.gp_commune[self.index])

    @property
    def age(self) -> float:
        return float(self.model.gp_age[self.index])

    @property
    def weekly_capacity(self) -> float:
        """Consultations a week (activity, MSP gain included; 0 once the GP has left)."""
        return float(self.model.gp_annual_activity()[self.index] / 52)

    @property
    def practice(self) -> str:
        return PRACTICE_TYPES[self.model.gp_practice[self.index]]

    @property
    def list_size(self) -> float:
        return float(self.model.gp_list[self.index])

    @property
    def accepting(self) -> bool:
        return bool(self.model.gp_accepting[self.index])

    @property
    def utilisation(self) -> float:
        return float(self.model.gp_utilisation[self.index])


class EmergencyDepartment(CellAgent):
    """An (approximated) emergency site; counts the visits attributed to it."""

    def __init__(self, model, site: int, cell):
        super().__init__(model)
        self.site = site
        self.cell = cell

    @property
    def visits_this_year(self) -> float:
        return float(self.model.ed_visits_by_site[self.site])


class MaisonDeSante(CellAgent):
    """A maison de santé pluriprofessionnelle in a commune (raises its GPs' productivity)."""

    def __init__(self, model, commune: int, cell, opened_week: float = 0.0):
        super().__init__(model)
        self.commune = commune
        self.cell = cell
        self.opened_week = opened_week
