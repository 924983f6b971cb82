"""The E2SFCA of PySAL's `access` package (a test extra), the independent reference that the
APL tests hold ours equal to: one place that builds its data frames from our travel times."""

import numpy as np


def pysal_e2sfca(demand, supply, times) -> np.ndarray:
    """PySAL's enhanced 2SFCA per commune (0 where it gives none), DREES's 10/15/20-minute
    bands, on ``times`` (a sparse matrix of minutes within the cutoff, origins x destinations)."""
    import pandas as pd
    from access import Access, weights

    times = times.tocoo()
    ids = np.arange(len(demand))
    cost_df = pd.DataFrame({"o": times.row, "d": times.col, "cost": times.data})
    a = Access(
        demand_df=pd.DataFrame({"id": ids, "pop": np.asarray(demand, float)}),
        demand_index="id",
        demand_value="pop",
        supply_df=pd.DataFrame({"id": ids, "acts": supply}),
        supply_index="id",
        supply_value="acts",
        cost_df=cost_df,
        cost_origin="o",
        cost_dest="d",
        cost_name="cost",
        neighbor_cost_df=cost_df,
        neighbor_cost_origin="o",
        neighbor_cost_dest="d",
        neighbor_cost_name="cost",
    )
    w = weights.step_fn({10: 1.0, 15: 0.66, 20: 0.33})
    theirs = a.enhanced_two_stage_fca(name="e2", weight_fn=w, normalize=False)
    return theirs.iloc[:, 0].reindex(ids).fillna(0).to_numpy()
