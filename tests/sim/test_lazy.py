"""Group sums are formed on first read, equal eager sums, and pickle."""

from __future__ import annotations

import pickle

import numpy as np

from supplyshock.sim.lazy import GroupSums


def _double(sums: GroupSums) -> dict[str, np.ndarray]:
    return {"twice": 2 * sums["x"]}


def test_group_sums_form_on_first_read_and_pickle() -> None:
    raw = np.arange(12.0).reshape(3, 4)
    group = np.array([1, 0, 1, 2])
    sums = GroupSums({"x": raw}, {"x": group}, 3, (3, 3))
    sums.derive(("twice",), _double)
    assert "twice" in sums and "x" in sums and "y" not in sums
    assert sums._formed == {}  # nothing formed by asking what is there
    expected = np.stack([np.bincount(group, row, minlength=3) for row in raw])
    np.testing.assert_array_equal(sums["x"], expected)
    np.testing.assert_array_equal(sums["twice"], 2 * expected)
    assert list(sums) == ["x", "twice"] and len(sums) == 2
    again = pickle.loads(pickle.dumps(sums))
    np.testing.assert_array_equal(again["twice"], 2 * expected)


def test_picked_columns_are_the_whole_series_columns_bit_for_bit() -> None:
    """Summing only the picked groups adds each group's columns in the same order as the whole
    series: random values (so the order of additions shows in the last bits), a group with
    no column, a group picked twice, and the same values once the series is formed."""
    rng = np.random.default_rng(7)
    raw = rng.normal(size=(50, 40)) * 10.0 ** rng.integers(-8, 8, size=(50, 40))
    group = rng.integers(0, 9, size=40)
    group[group == 4] = 5  # group 4 has no column
    sums = GroupSums({"x": raw, "y": raw[:, ::-1].copy()}, {"x": group, "y": group}, 9, (50, 9))
    picks = ([3], [4, 0, 8], [2, 2, 7], list(range(9)), [])
    whole = np.stack([np.bincount(group, row, minlength=9) for row in raw])
    for pick in picks:
        np.testing.assert_array_equal(sums.columns("x", pick), whole[:, pick])
    assert "x" not in sums._formed  # summed without forming the whole series
    formed = sums["y"]
    for pick in picks:
        np.testing.assert_array_equal(sums.columns("y", pick), formed[:, pick])
