"""Draws of uncertain values are scipy.stats' draws, value for value, whichever path makes them."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from supplyshock.scenario.distributions import Distribution

FINITE = st.floats(-1e6, 1e6, allow_nan=False)
SCALE = st.one_of(st.floats(1e-6, 1e6), st.integers(1, 1000))


def _scipy(dist: Distribution, seed: int, size: int) -> np.ndarray:
    family = getattr(stats, dist.dist)
    rng = np.random.default_rng(seed)
    return np.atleast_1d(family.rvs(**dist.params, size=size, random_state=rng))


@settings(max_examples=200, deadline=None)
@given(
    c=st.floats(0.0, 1.0),
    loc=FINITE,
    scale=SCALE,
    seed=st.integers(0, 2**32),
    size=st.integers(1, 5),
)
def test_triangular_draws_equal_scipy(
    c: float, loc: float, scale: float, seed: int, size: int
) -> None:
    dist = Distribution(dist="triang", params={"c": c, "loc": loc, "scale": scale})
    ours = dist.sample_many(np.random.default_rng(seed), size)
    assert np.array_equal(ours, _scipy(dist, seed, size))


@settings(max_examples=200, deadline=None)
@given(loc=FINITE, scale=SCALE, seed=st.integers(0, 2**32), size=st.integers(1, 5))
def test_uniform_draws_equal_scipy(loc: float, scale: float, seed: int, size: int) -> None:
    dist = Distribution(dist="uniform", params={"loc": loc, "scale": scale})
    ours = dist.sample_many(np.random.default_rng(seed), size)
    assert np.array_equal(ours, _scipy(dist, seed, size))


@pytest.mark.parametrize(
    "params",
    [
        {"dist": "triang", "c": 0.3},  # default loc and scale
        {"dist": "uniform"},
        {"dist": "lognorm", "s": 0.5, "scale": 3.0},  # through scipy itself
        {"dist": "triang", "c": 0.5, "loc": 2.0, "scale": 0.0},  # refused; scipy draws nothing
    ],
)
def test_other_cases_equal_scipy_and_leave_the_stream_where_scipy_does(
    params: dict[str, float],
) -> None:
    name, rest = params["dist"], {k: v for k, v in params.items() if k != "dist"}
    dist = Distribution.model_construct(dist=name, params=rest)  # also what validation refuses
    rng = np.random.default_rng(7)
    ours = dist.sample_many(rng, 3)
    reference = np.random.default_rng(7)
    assert np.array_equal(
        ours,
        np.atleast_1d(getattr(stats, dist.dist).rvs(**dist.params, size=3, random_state=reference)),
    )
    assert rng.random() == reference.random()  # the next draw is the same too


EDGES = np.array([0.0, 1.0, -0.25, 1.5, np.nan, 1e-300, 1 - 1e-16, 0.5])


@settings(max_examples=200, deadline=None)
@given(
    dist=st.sampled_from(["triang", "uniform"]),
    c=st.floats(0.0, 1.0),
    loc=FINITE,
    scale=SCALE,
    q=st.lists(st.floats(0.0, 1.0), min_size=1, max_size=6),
)
def test_inverse_cdf_equals_scipy(
    dist: str, c: float, loc: float, scale: float, q: list[float]
) -> None:
    params = {"loc": loc, "scale": scale} | ({"c": c} if dist == "triang" else {})
    spec = Distribution(dist=dist, params=params)
    at = np.concatenate([np.array(q), EDGES])
    expected = np.asarray(getattr(stats, dist).ppf(at, **params), dtype=np.float64)
    assert np.array_equal(spec.ppf_many(at), expected, equal_nan=True)
    grid = at.reshape(2, -1) if at.size % 2 == 0 else at[:-1].reshape(2, -1)  # any shape
    assert np.array_equal(
        spec.ppf_many(grid), getattr(stats, dist).ppf(grid, **params), equal_nan=True
    )
