"""What the checks share, computed once and lazily: France, its APL, travel times, road pairs
and a baseline model run."""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np

from accesssim.core import access
from accesssim.experiments.validation.road_references import road_reference_ratios
from accesssim.experiments.validation.roads import ROAD_PAIRS, road_pair_ratios
from accesssim.geo import territory as terr
from accesssim.geo import travel
from accesssim.geo.apl import territory_apl


class Context:
    """Everything the checks share, computed once: France with METRIC times (intra = 0)."""

    def __init__(self, territory=None, pairs_path=None, cache=True):
        self.t = territory or terr.load()
        self.pairs_path = Path(pairs_path or ROAD_PAIRS)
        self.cache = cache
        self.params = travel.METRIC
        self._care_runs: dict = {}

    @functools.cached_property
    def pop(self) -> np.ndarray:
        return self.t.communes.population.astype(float)

    @functools.cached_property
    def apl(self) -> np.ndarray:
        return territory_apl(self.t, travel_params=self.params, cache=self.cache)

    @functools.cached_property
    def apl_summary(self) -> dict:
        return access.summarize_apl(self.apl, self.pop)

    @functools.cached_property
    def apl_under_65(self) -> np.ndarray:
        """DREES's variant: GPs aged 65 and over left out of supply."""
        return territory_apl(self.t, travel_params=self.params, cache=self.cache, under_65=True)

    @functools.cached_property
    def overseas(self) -> np.ndarray:
        """Communes of the overseas départements (codes 97x)."""
        return terr.is_overseas(self.t.communes)

    @functools.cached_property
    def urban(self) -> np.ndarray:
        """Communes of the dense and intermediate density classes (the urban proxy of the
        published urban/rural ED shares)."""
        return self.t.communes.density_class <= 1

    @functools.cached_property
    def graph(self):
        return travel.road_graph(self.t, self.params)

    @functools.cached_property
    def gp_minutes(self) -> np.ndarray:
        gp = np.flatnonzero(self.t.communes.gp > 0)
        return travel.nearest_minutes(self.t, gp, self.params, graph=self.graph)

    @functools.cached_property
    def ed_minutes(self) -> np.ndarray:
        return travel.nearest_minutes(self.t, self.t.emergency.commune, self.params, self.graph)

    @functools.cached_property
    def pairs(self) -> dict:
        return road_pair_ratios(self.t, self.pairs_path, self.params, self.graph)

    @functools.cached_property
    def road_references(self) -> dict:
        return road_reference_ratios(self.t, self.params, self.graph)

    care_years = 2  # the care-path rows read the last year of a baseline run this long
    care_seed = 1

    @functools.cached_property
    def care(self) -> dict:
        """A baseline run of the model (shipped calibration): its national figures of the last
        year and its EPCI rows (the care-path rows read them)."""
        return self.care_with()

    def care_with(self, **params) -> dict:
        """:attr:`care` with some parameters changed (the rows conditional on an assumption);
        each run once per Context."""
        key = tuple(sorted(params.items()))
        if key not in self._care_runs:
            self._care_runs[key] = self._care_run(params)
        return self._care_runs[key]

    def _care_run(self, params: dict) -> dict:
        from accesssim.model.access_model import AccessModel

        m = AccessModel(self.t, params=params, rng=self.care_seed, cache=self.cache, agents=False)
        m.run_for(52 * self.care_years)
        last = m.start_year + m.year_index - 1
        rows = [r for r in m.yearly_rows if r["year"] == last]
        return {"national": m.last_year, "epcis": rows}

    def share_within(self, minutes: np.ndarray, limit: float, sel=None) -> float:
        sel = np.ones(len(self.pop), bool) if sel is None else sel
        return float(self.pop[sel & (minutes <= limit)].sum() / self.pop[sel].sum())
