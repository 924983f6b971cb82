"""Capacity-constrained gravity allocation of consultation requests to GP locations.

Requests from residence ``i`` spread over GP locations ``j`` in proportion to
``w_ij × free capacity_j`` (distance decay times what is left). Where a location receives more
than it can serve, every request sent there is served in the same proportion; what is not
served tries again in the next round with the capacity left. Everything is sparse
matrix-vector products: the flow matrix is never formed.

Conservation: in every round the consultations served at locations add up to those served
to residences, and neither demand nor capacity goes negative.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse


def allocate(
    demand: np.ndarray,
    capacity: np.ndarray,
    weights: sparse.csr_matrix,
    rounds: int = 3,
    weights_t: sparse.csr_matrix | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Serve ``demand`` (per residence) from ``capacity`` (per location).

    Args:
        demand: consultations requested per residence (rows of ``weights``).
        capacity: consultations available per location (columns of ``weights``).
        weights: residence × location attraction (e.g. exp(-t/tau) within a cutoff).
        rounds: allocation rounds.
        weights_t: ``weights.T`` as CSR, if the caller keeps one (saves a transpose).

    Returns:
        (served per residence, used per location); both add up to the same total.
    """
    wt = weights.T.tocsr() if weights_t is None else weights_t
    left = np.array(demand, float)
    free = np.array(capacity, float)
    served = np.zeros_like(left)
    used = np.zeros_like(free)
    push = np.zeros_like(left)
    scale = np.zeros_like(free)
    for _ in range(rounds):
        attraction = weights @ free  # per residence
        push[:] = 0
        np.divide(left, attraction, out=push, where=attraction > 0)
        load = wt @ push
        load *= free  # requests arriving at each location
        take = np.minimum(load, free)
        scale[:] = 0
        np.divide(take, load, out=scale, where=load > 0)
        scale *= free
        got = weights @ scale
        got *= push  # served per residence this round
        np.minimum(got, left, out=got)
        served += got
        used += take
        left -= got
        free -= take
        if left.max(initial=0) <= 1e-12 or free.max(initial=0) <= 1e-12:
            break
    # floating-point residue: make the two totals identical
    total_used = used.sum()
    if total_used > 0:
        used *= served.sum() / total_used
    return served, used
