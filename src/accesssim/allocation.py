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
    left = np.asarray(demand, float).copy()
    free = np.asarray(capacity, float).copy()
    served = np.zeros_like(left)
    used = np.zeros_like(free)
    for _ in range(rounds):
        attraction = weights @ free  # per residence
        push = np.divide(left, attraction, out=np.zeros_like(left), where=attraction > 0)
        load = free * (wt @ push)  # requests arriving at each location
        take = np.minimum(load, free)
        scale = np.divide(take, load, out=np.zeros_like(load), where=load > 0)
        got = push * (weights @ (free * scale))  # served per residence this round
        got = np.minimum(got, left)
        served += got
        used += take
        left -= got
        free -= take
        if not (left > 1e-12).any() or not (free > 1e-12).any():
            break
    # floating-point residue: make the two totals identical
    total_used = used.sum()
    if total_used > 0:
        used *= served.sum() / total_used
    return served, used
