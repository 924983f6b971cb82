"""Population-weighted summaries used in reports and calibration (pure functions)."""

from __future__ import annotations

import numpy as np


def _pair(values, weights) -> tuple[np.ndarray, np.ndarray]:
    v = np.asarray(values, float)
    w = np.asarray(weights, float)
    if v.shape != w.shape:
        raise ValueError(f"values {v.shape} and weights {w.shape} differ in shape")
    if np.any(w < 0) or not np.all(np.isfinite(w)):
        raise ValueError("weights must be finite and >= 0")
    if w.sum() <= 0:
        raise ValueError("weights add up to zero")
    return v, w


def weighted_mean(values, weights) -> float:
    v, w = _pair(values, weights)
    return float((v * w).sum() / w.sum())


def tail_mean(values, weights, share: float, lower: bool = True) -> float:
    """Weighted mean of the lowest (or highest) ``share`` of the total weight.

    The unit straddling the boundary is split, so the tail holds exactly ``share`` of the
    weight: "the 10 % of the population with the lowest APL" as DREES reports it.
    """
    if not 0 < share <= 1:
        raise ValueError(f"share must be in (0, 1], got {share}")
    v, w = _pair(values, weights)
    order = np.argsort(v if lower else -v, kind="stable")
    v, w = v[order], w[order]
    target = share * w.sum()
    before = np.concatenate([[0.0], np.cumsum(w)[:-1]])
    taken = np.clip(target - before, 0, w)
    return float((v * taken).sum() / taken.sum())


def weighted_quantiles(values, weights, qs) -> np.ndarray:
    """Weighted quantiles (the value at which the cumulative weight reaches each q)."""
    v, w = _pair(values, weights)
    order = np.argsort(v, kind="stable")
    cw = np.cumsum(w[order]) / w.sum()
    idx = np.searchsorted(cw, np.asarray(qs, float), side="left")
    return v[order][np.minimum(idx, len(v) - 1)]


def share_below(values, weights, threshold: float) -> float:
    """Share of the weight whose value is strictly below ``threshold``."""
    v, w = _pair(values, weights)
    return float(w[v < threshold].sum() / w.sum())


def group_mean(values, weights, groups, n_groups: int) -> np.ndarray:
    """Weighted mean of ``values`` per group index (NaN for an empty group)."""
    v, w = _pair(values, weights)
    num = np.bincount(groups, weights=v * w, minlength=n_groups)
    den = np.bincount(groups, weights=w, minlength=n_groups)
    return np.divide(num, den, out=np.full(n_groups, np.nan), where=den > 0)


def people_who_forwent(forgone, people):
    """People who forwent care at least once, from forgone consultations spread as Poisson
    events evenly over a cohort's people: P(at least one) = 1 - exp(-forgone / people).

    An assumption (docs/ODD.md) that makes the people-share comparable with DREES's survey
    measure. The one home of this formula: the model's yearly rows and the dashboard use it.
    """
    forgone = np.asarray(forgone, float)
    people = np.asarray(people, float)
    x = np.divide(
        forgone, people, out=np.zeros(np.broadcast(forgone, people).shape), where=people > 0
    )
    return people * (1 - np.exp(-x))
