"""E2SFCA core: hand-solved cases, analytic invariants, a textbook reference, bad input."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import sparse

from accesssim.core import access


def dense_times(t):
    """Sparse times from a dense array where np.inf means unreachable."""
    t = np.asarray(t, float)
    r, c = np.nonzero(np.isfinite(t))
    return sparse.csr_matrix((t[r, c], (r, c)), shape=t.shape)


def reference_e2sfca(supply, demand, t, decay):
    """Luo & Qi (2009) written as the two loops of the paper, for comparison."""
    n_res, n_dest = t.shape
    ratio = np.zeros(n_dest)
    for j in range(n_dest):
        catch = sum(
            demand[i] * decay(np.array([t[i, j]]))[0] for i in range(n_res) if np.isfinite(t[i, j])
        )
        ratio[j] = supply[j] / catch if catch > 0 else 0.0
    return np.array(
        [
            sum(
                ratio[j] * decay(np.array([t[i, j]]))[0]
                for j in range(n_dest)
                if np.isfinite(t[i, j])
            )
            for i in range(n_res)
        ]
    )


def test_asymmetric_hand_solved():
    # residents of 0 reach site 1 in 25 min (out of range); residents of 1 reach site 0 in 12
    t = dense_times([[5, 25], [12, 8]])
    apl = access.e2sfca([1000, 600], [100, 200], t)
    r0 = 1000 / (100 * 1 + 200 * 0.66)
    r1 = 600 / 200
    np.testing.assert_allclose(apl, [r0, 0.66 * r0 + r1])
    # transposing the travel matrix (the classic direction bug) gives another answer
    assert not np.allclose(access.e2sfca([1000, 600], [100, 200], t.T.tocsr()), apl)


def test_catchment_covering_everything_gives_supply_over_demand():
    rng = np.random.default_rng(1)
    t = dense_times(rng.uniform(1, 9, (6, 4)))  # all under 10 min: weight 1 everywhere
    supply, demand = rng.uniform(0, 1000, 4), rng.uniform(1, 500, 6)
    apl = access.e2sfca(supply, demand, t)
    np.testing.assert_allclose(apl, supply.sum() / demand.sum())


def test_population_weighted_mean_equals_supply_over_demand_with_decay():
    rng = np.random.default_rng(2)
    t = dense_times(rng.uniform(1, 19, (30, 30)))
    supply, demand = rng.uniform(0, 1000, 30), rng.uniform(1, 500, 30)
    apl = access.e2sfca(supply, demand, t)
    assert (apl * demand).sum() == pytest.approx(supply.sum())


def test_zero_supply_gives_zero():
    t = dense_times([[5, 12], [12, 5]])
    np.testing.assert_array_equal(access.e2sfca([0, 0], [10, 10], t), [0, 0])


def test_unreachable_supply_serves_nobody():
    t = dense_times([[5, np.inf], [np.inf, np.inf]])
    apl = access.e2sfca([100, 500], [10, 10], t)
    np.testing.assert_allclose(apl, [10, 0])


def test_classic_2sfca_is_a_special_case():
    t = dense_times([[5, 18], [18, 5]])
    apl = access.e2sfca([300, 100], [100, 100], t, access.classic_decay(20))
    np.testing.assert_allclose(apl, [2, 2])  # everyone shares everything equally


@settings(max_examples=40, deadline=None)
@given(
    st.integers(1, 6),
    st.integers(1, 6),
    st.integers(0, 2**32 - 1),
    st.sampled_from(["drees2015", "drees2012", "classic20"]),
)
def test_agrees_with_textbook_loops(n_res, n_dest, seed, bands):
    rng = np.random.default_rng(seed)
    t = rng.uniform(0.5, 25, (n_res, n_dest))
    t[rng.random(t.shape) < 0.2] = np.inf
    supply = rng.uniform(0, 1000, n_dest) * (rng.random(n_dest) > 0.2)
    demand = rng.uniform(0, 500, n_res)
    decay = access.step_decay(access.BAND_SETS[bands])
    got = access.e2sfca(supply, demand, dense_times(t), decay)
    np.testing.assert_allclose(got, reference_e2sfca(supply, demand, t, decay), rtol=1e-10)


def test_step_decay_band_edges():
    d = access.step_decay()
    np.testing.assert_allclose(
        d(np.array([0.1, 10, 10.01, 15, 15.5, 20, 20.01])), [1, 1, 0.66, 0.66, 0.33, 0.33, 0]
    )


def test_gaussian_decay_is_monotone_and_zero_at_cutoff():
    d = access.gaussian_decay(20)
    w = d(np.linspace(0, 25, 51))
    assert w[0] == pytest.approx(1) and np.all(np.diff(w) <= 0) and w[-1] == 0


@pytest.mark.parametrize(
    "arg, bad, msg",
    [
        ("supply", [1.0, -1.0], "supply has negative"),
        ("supply", [1.0, np.nan], "supply has NaN"),
        ("supply", [1.0, 2.0, 3.0], r"supply must have shape \(2,\)"),
        ("demand", [-5.0, 1.0], "demand has negative"),
        ("demand", [[1.0, 1.0]], r"demand must have shape \(2,\)"),
    ],
)
def test_bad_vectors_name_the_argument(arg, bad, msg):
    kwargs = {"supply": [1.0, 2.0], "demand": [1.0, 2.0], "times": dense_times([[1, 2], [2, 1]])}
    kwargs[arg] = bad
    with pytest.raises(ValueError, match=msg):
        access.e2sfca(**kwargs)


def test_bad_bands():
    with pytest.raises(ValueError, match="increasing"):
        access.step_decay(((10, 1.0), (5, 0.5)))


def test_supply_from_gps_age_cap():
    s = access.supply_from_gps([0, 0, 1], [5000, 4000, 3000], 3, age=[60, 70, 66], age_cap=65)
    np.testing.assert_array_equal(s, [5000, 0, 0])
    with pytest.raises(ValueError, match="age is required"):
        access.supply_from_gps([0], [1.0], 1, age_cap=65)


def test_equals_pysal_access_e2sfca_on_a_region():
    """PySAL `access` (a test extra, skipped when absent) on Corse with the shipped times."""
    pytest.importorskip("pandas")
    pytest.importorskip("access")
    from pysal_reference import pysal_e2sfca

    from accesssim.geo import territory, travel

    t = territory.load().select(region="Corse", buffer_km=0)
    times = travel.travel_matrix(t, 20, travel.METRIC, cache=False)
    c = t.communes
    supply = c.gp * access.ACTS_PER_GP
    ours = access.e2sfca(supply, c.population, times.tocoo())
    theirs = pysal_e2sfca(c.population.astype(float), supply, times)
    np.testing.assert_allclose(ours, theirs, atol=1e-9)
