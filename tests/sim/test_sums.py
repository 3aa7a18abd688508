"""The compiled group sums add in numpy's order, bit for bit."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from supplyshock.sim.kernels.sums import column_sums, entry_sums

VALUES = st.floats(allow_nan=False, allow_infinity=False, width=64) | st.sampled_from([0.0, -0.0])


@st.composite
def recorded(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, int]:
    """A ``[day, column]`` record, each column's group, and the number of groups (some empty)."""
    days, columns = draw(st.integers(1, 6)), draw(st.integers(1, 12))
    n_groups = draw(st.integers(1, 15))
    raw = draw(arrays(np.float64, (days, columns), elements=VALUES))
    group = draw(arrays(np.int64, columns, elements=st.integers(0, n_groups - 1)))
    return raw, group, n_groups


@settings(max_examples=300, deadline=None)
@given(recorded())
def test_column_sums_equal_bincount_bit_for_bit(case: tuple[np.ndarray, np.ndarray, int]) -> None:
    raw, group, n_groups = case
    expected = np.stack([np.bincount(group, row, minlength=n_groups) for row in raw])
    got = column_sums(raw, group, n_groups)
    assert got.shape == expected.shape
    np.testing.assert_array_equal(got.view(np.int64), expected.view(np.int64))


@st.composite
def entries(draw: st.DrawFn) -> tuple[np.ndarray, ...]:
    """A record, entries (column, group, weight row or -1) in any order, day-by-day weights."""
    raw, _, n_groups = draw(recorded())
    days, columns = raw.shape
    n = draw(st.integers(0, 20))
    cols = draw(arrays(np.int64, n, elements=st.integers(0, columns - 1)))
    group = draw(arrays(np.int64, n, elements=st.integers(0, n_groups - 1)))
    wrow = draw(arrays(np.int64, n, elements=st.integers(-1, 2)))
    weights = draw(arrays(np.float64, (3, days), elements=st.sampled_from([0.0, 0.5, 1.0])))
    return raw, cols, group, wrow, weights, np.full((days, n_groups), np.nan)


@settings(max_examples=300, deadline=None)
@given(entries())
def test_entry_sums_add_in_entry_order_bit_for_bit(case: tuple[np.ndarray, ...]) -> None:
    raw, cols, group, wrow, weights, out = case
    expected = np.zeros(out.shape)
    for t in range(raw.shape[0]):
        x = raw[t, cols] * np.where(wrow >= 0, weights[wrow, t], 1.0)
        np.add.at(expected[t], group, x)  # unbuffered: entry by entry, in order
    entry_sums(raw, cols, group, wrow, weights, out)  # every cell written, empty groups 0.0
    np.testing.assert_array_equal(out.view(np.int64), expected.view(np.int64))
