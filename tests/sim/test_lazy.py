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
