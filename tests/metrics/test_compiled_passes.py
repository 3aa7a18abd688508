"""The compiled metric passes give exactly what their numpy forms give, bit for bit.

The numpy forms are written out here, as the metrics were computed before the passes."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from supplyshock.metrics import functions as fn
from supplyshock.metrics.registry import REGISTRY, Inputs
from supplyshock.sim.kernels import metrics as passes

VALUES = st.one_of(
    st.sampled_from([0.0, -0.0, 1e-12, 1e-13, 1.0, 2.5, 1e6]),
    st.floats(min_value=-1e9, max_value=1e9, allow_nan=False, allow_subnormal=True),
)


@st.composite
def pairs(draw: st.DrawFn, min_groups: int = 1) -> tuple[np.ndarray, np.ndarray]:
    shape = (draw(st.integers(1, 40)), draw(st.integers(min_groups, 6)))
    return draw(arrays(np.float64, shape, elements=VALUES)), draw(
        arrays(np.float64, shape, elements=VALUES)
    )


def _short(shortfall: np.ndarray, demand: np.ndarray, tol: float) -> np.ndarray:
    return shortfall > tol * np.maximum(demand, 1e-12)


def _numpy_days(shortfall: np.ndarray, demand: np.ndarray, tol: float) -> np.ndarray:
    return np.asarray(_short(shortfall, demand, tol).sum(axis=0), dtype=float)


def _numpy_first(shortfall: np.ndarray, demand: np.ndarray, tol: float) -> np.ndarray:
    short = _short(shortfall, demand, tol)
    first = short.argmax(axis=0).astype(np.float64)
    first[~short.any(axis=0)] = np.nan
    return first


def _numpy_recovery(
    shortfall: np.ndarray, demand: np.ndarray, window: int, tol: float
) -> np.ndarray:
    short = _short(shortfall, demand, tol)
    n_days = short.shape[0]
    first = short.argmax(axis=0)
    last = n_days - 1 - short[::-1].argmax(axis=0)
    recovered = (n_days - (last + 1)) >= window
    result = np.where(recovered, last + 1 - first, np.nan).astype(float)
    result[~short.any(axis=0)] = 0.0
    return result


def _numpy_mw_days_lost(shortfall: np.ndarray) -> np.ndarray:
    return np.asarray(np.cumsum(shortfall, axis=0).sum(axis=0), dtype=np.float64)


def same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return a.shape == b.shape and bool(np.array_equal(a.view(np.int64), b.view(np.int64)))


@settings(max_examples=200, deadline=None)
@given(pairs(), st.sampled_from([fn.TOL, 0.0, 0.5]), st.integers(0, 50))
def test_shortfall_days_give_the_day_metrics_of_numpy(
    data: tuple[np.ndarray, np.ndarray], tol: float, window: int
) -> None:
    short, demand = data
    x = Inputs({"shortfall": short, "demand": demand, "delivered": demand}, window, tol)
    expected = {
        "days_in_shortfall": _numpy_days(short, demand, tol),
        "first_shortfall_day": _numpy_first(short, demand, tol),
        "time_to_recovery_days": _numpy_recovery(short, demand, window, tol),
    }
    functions = {
        "days_in_shortfall": fn.days_in_shortfall(short, demand, tol),
        "first_shortfall_day": fn.first_shortfall_day(short, demand, tol),
        "time_to_recovery_days": fn.time_to_recovery(short, demand, window, tol),
    }
    for name, wanted in expected.items():
        assert same_bits(REGISTRY[name].function(x), wanted), name
        assert same_bits(functions[name], wanted), name


def test_a_nan_demand_day_is_not_in_shortfall_as_in_numpy() -> None:
    short = np.array([[1.0, 1.0], [1.0, 0.0]])
    demand = np.array([[np.nan, 0.0], [0.0, np.nan]])
    count, first, last = passes.shortfall_days(short, demand, fn.TOL)
    assert same_bits(count, _numpy_days(short, demand, fn.TOL))
    assert first.tolist() == [1, 0] and last.tolist() == [1, 0]


@settings(max_examples=200, deadline=None)
@given(pairs(min_groups=1))
def test_mw_days_lost_is_numpys_cumulative_sum_summed(data: tuple[np.ndarray, np.ndarray]) -> None:
    demand, delivered = data
    x = Inputs({"demand": demand, "delivered": delivered, "shortfall": demand})
    wanted = _numpy_mw_days_lost(demand - delivered)
    clipped = fn.clip_round_off(wanted, _numpy_mw_days_lost(demand))
    assert same_bits(REGISTRY["datacenter_mw_days_lost"].function(x), clipped)
    assert same_bits(fn.mw_days_lost(demand - delivered), wanted)
    if demand.shape[1] >= 2:  # the compiled pass itself, where numpy adds days in order
        assert same_bits(passes.cumulative_of_cumulative(demand - delivered), wanted)


def test_mw_days_lost_within_round_off_of_the_capacity_due_count_as_zero() -> None:
    # 10 MW due a day for 100 days: 10 x (1 + ... + 100) = 50,500 MW-days due. Deliveries off
    # by +-1e-12 MW leave a residue far below 1e-9 of that (0); one day 2 MW short leaves
    # 2 MW undelivered from that day to the horizon: 2 x 41 MW-days on day 60 of 100.
    demand = np.full((100, 2), 10.0)
    noise = np.where(np.arange(100) % 2 == 0, 1e-12, -1e-12)[:, None]
    delivered = demand + noise
    delivered[59, 1] -= 2.0
    x = Inputs({"demand": demand, "delivered": delivered, "shortfall": demand - delivered})
    lost = REGISTRY["datacenter_mw_days_lost"].function(x)
    assert lost[0] == 0.0
    assert lost[1] == pytest.approx(2.0 * 41, rel=1e-9)
    assert fn.mw_days_lost(demand - delivered)[0] != 0.0  # the residue the metric drops


def test_a_single_groups_days_are_summed_as_numpy_sums_them() -> None:
    # numpy sums one column pairwise: the registry keeps numpy's path there
    rng = np.random.default_rng(5)
    demand, delivered = rng.lognormal(0, 3, (1000, 1)), np.zeros((1000, 1))
    x = Inputs({"demand": demand, "delivered": delivered, "shortfall": demand})
    wanted = _numpy_mw_days_lost(demand)
    assert same_bits(REGISTRY["datacenter_mw_days_lost"].function(x), wanted)
    assert same_bits(fn.mw_days_lost(demand), wanted)


def _numpy_peak_ratio(ratio: np.ndarray, priced: np.ndarray) -> np.ndarray:
    share = np.where(priced > 0, ratio / np.where(priced > 0, priced, 1.0), -np.inf)
    peak = share.max(axis=0, initial=-np.inf)
    return np.where(np.isfinite(peak), peak, np.nan)


@settings(max_examples=200, deadline=None)
@given(pairs())
def test_peak_price_ratio_is_numpys(data: tuple[np.ndarray, np.ndarray]) -> None:
    ratio, priced = data
    with np.errstate(all="ignore"):
        wanted = _numpy_peak_ratio(ratio, priced)
        x = Inputs({"demand": ratio, "ratio_demand": ratio, "priced_demand": priced})
        got = REGISTRY["peak_price_ratio"].function(x)
    # equal values, NaN where numpy's is NaN; a tie of 0.0 and -0.0 may come out as either
    # (numpy's own reductions differ there by layout), and prices are positive in any case
    np.testing.assert_array_equal(got, wanted)


def test_peak_price_ratio_is_nan_where_nothing_is_priced_or_a_ratio_is_nan() -> None:
    ratio = np.array([[2.0, 1.0, np.nan], [3.0, 5.0, 1.0]])
    priced = np.array([[1.0, 0.0, 1.0], [2.0, 0.0, 1.0]])
    got = passes.peak_ratio(ratio, priced)
    assert got[0] == 2.0 and np.isnan(got[1]) and np.isnan(got[2])
    assert same_bits(got, _numpy_peak_ratio(ratio, priced))
