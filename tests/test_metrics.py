import numpy as np
import pytest

from accesssim.core import metrics


def test_tail_mean_splits_the_boundary_unit():
    # values 1 (weight 5) and 3 (weight 5): the lowest 70 % = 5 at 1 and 2 at 3
    assert metrics.tail_mean([3, 1], [5, 5], 0.7) == pytest.approx((5 * 1 + 2 * 3) / 7)
    assert metrics.tail_mean([3, 1], [5, 5], 0.5, lower=False) == pytest.approx(3)


def test_share_below_and_quantiles():
    assert metrics.share_below([1, 2, 3], [1, 1, 2], 2.5) == pytest.approx(0.5)
    np.testing.assert_array_equal(
        metrics.weighted_quantiles([3, 1, 2], [1, 1, 2], [0.25, 0.5, 0.9]), [1, 2, 3]
    )


def test_bad_weights():
    with pytest.raises(ValueError, match="add up to zero"):
        metrics.weighted_mean([1, 2], [0, 0])
    with pytest.raises(ValueError, match="shape"):
        metrics.weighted_mean([1, 2], [1])
