"""The compiled group sums add in numpy's order, bit for bit."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from supplyshock.sim.kernels.sums import column_sums

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
