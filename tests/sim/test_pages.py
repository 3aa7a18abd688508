"""Large arrays a run writes once live in ordinary pages; their values are what numpy gives."""

from __future__ import annotations

import platform

import numpy as np
import pytest

from supplyshock.examples import synthetic_world
from supplyshock.sim import pages
from supplyshock.sim.pages import HUGE_FROM, day_major, record_zeros
from supplyshock.sim.simulation import Simulation

LINUX = platform.system() == "Linux"


def _vm_flags(address: int) -> set[str]:
    """The VmFlags of the mapping of this process holding ``address`` (/proc/self/smaps)."""
    inside = False
    with open("/proc/self/smaps") as smaps:
        for line in smaps:
            head = line.split()[0]
            if "-" in head and not head.endswith(":"):
                lo, hi = (int(x, 16) for x in head.split("-"))
                inside = lo <= address < hi
            elif inside and head == "VmFlags:":
                return set(line.split()[1:])
    raise AssertionError(f"no mapping holds {address:#x}")


def test_record_zeros_are_writable_zeros_of_the_shape() -> None:
    for shape in [(3, 4), (HUGE_FROM // 8 // 100 + 1, 100)]:
        a = record_zeros(shape)
        assert a.shape == shape and a.dtype == np.float64
        assert a.flags.c_contiguous and a.flags.writeable
        assert not a.any()
        a[-1, -1] = 2.0
        assert a.sum() == 2.0


def test_day_major_is_the_contiguous_transpose() -> None:
    rng = np.random.default_rng(0)
    for shape in [(5, 7), (40, HUGE_FROM // 8 // 40 + 3)]:
        schedule = rng.random(shape)
        out = day_major(schedule)
        assert out.flags.c_contiguous and out.flags.writeable
        assert np.array_equal(out, np.ascontiguousarray(schedule.T))
        out[0, 0] = -1.0  # a copy: the schedule is untouched
        assert schedule[0, 0] != -1.0


@pytest.mark.skipif(not LINUX, reason="page advice is Linux's")
def test_large_records_are_marked_no_huge_pages_and_small_ones_are_not(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    large = record_zeros((HUGE_FROM // 8 // 10 + 1, 10))
    assert "nh" in _vm_flags(large.ctypes.data + large.nbytes // 2)
    # a small array's mapping may hold freed memory of a large one marked before (malloc puts
    # it where it likes), so what is checked is that nothing is asked for it
    asked: list[tuple[int, int, int]] = []
    monkeypatch.setattr(pages, "_madvise", lambda: lambda *a: asked.append(a) or 0)
    record_zeros((10, 10))
    assert not asked
    marked = record_zeros((HUGE_FROM // 8 // 10 + 1, 10))
    assert len(asked) == 1 and marked.ctypes.data <= asked[0][0] < marked.ctypes.data + 4096


@pytest.mark.skipif(not LINUX, reason="page advice is Linux's")
def test_a_large_run_records_in_ordinary_pages() -> None:
    """The recorder's large arrays and the day-major schedules of a run are all marked."""
    world = synthetic_world(600, 10, seed=1, horizon_days=3 * 365)
    sim = Simulation(world, seed=0)
    rec, consts = sim.recorder, sim.stepper.consts
    arrays = [rec.stock, rec.production, consts.capacity]
    assert all(a.nbytes >= HUGE_FROM for a in arrays)
    for a in arrays:
        assert "nh" in _vm_flags(a.ctypes.data + a.nbytes // 2)
