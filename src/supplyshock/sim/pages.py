"""Large arrays a run writes once, kept in ordinary 4 KiB pages (Linux).

numpy asks Linux for transparent huge pages (``madvise(MADV_HUGEPAGE)``) on every array of
4 MiB or more. A run's daily records and the day-major copies of its schedules are such
arrays in large worlds (hundreds of MB for 10,000 facilities over years): each is written once,
a day's row at a time, while the daily step works on a much smaller state. The kernel zeroes a
huge page, 2 MiB, on the first write into it, and that pushes the step's state out of the
processor's caches; with ordinary pages it zeroes 4 KiB at a time. On the machine of
docs/performance.md, a run of 10,000 facilities over three years took about 1.6 times as long
with huge pages for these arrays (numbers there). Where the kernel is set to compact memory on
the spot to find huge pages (``/sys/kernel/mm/transparent_hugepage/defrag`` set to
``madvise``, the default of many distributions), a first write can also wait for the
compaction (numpy issue 31590).

:func:`small_pages` marks an array's memory ``MADV_NOHUGEPAGE`` before anything is written
into it; :func:`record_zeros` and :func:`day_major` make arrays so marked. Arrays under
:data:`HUGE_FROM` bytes are left as they are (numpy asks no huge pages for them), and nothing
is done on other systems. Values are the same either way; only the page size differs.
"""

from __future__ import annotations

import ctypes
import functools
import platform
from collections.abc import Callable

import numpy as np

from supplyshock.model.network import FloatArray

__all__ = ["HUGE_FROM", "day_major", "record_zeros", "small_pages"]

HUGE_FROM = 4 * 2**20
"""Bytes from which numpy asks for huge pages (its threshold on Linux)."""

_MADV_NOHUGEPAGE = 15  # linux/mman.h
_PAGE = 4096


@functools.cache
def _madvise() -> Callable[[int, int, int], int] | None:
    """libc's ``madvise`` on Linux, else None (looked up once: the lookup costs ~30 µs)."""
    if platform.system() != "Linux":
        return None
    try:
        call = ctypes.CDLL(None).madvise
    except (OSError, AttributeError):  # pragma: no cover - every Linux libc has it
        return None
    call.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
    call.restype = ctypes.c_int
    return call


def small_pages(array: np.ndarray) -> np.ndarray:
    """``array``, its whole pages marked not to be backed by huge pages (from
    :data:`HUGE_FROM` bytes on, on Linux). Call it before the first write: pages already
    written keep their size. A refusal by the system is ignored (only speed depends on it)."""
    madvise = _madvise() if array.nbytes >= HUGE_FROM else None
    if madvise is not None:
        first = -(-array.ctypes.data // _PAGE) * _PAGE
        end = (array.ctypes.data + array.nbytes) // _PAGE * _PAGE
        if end > first:
            madvise(first, end - first, _MADV_NOHUGEPAGE)
    return array


def record_zeros(shape: tuple[int, ...]) -> FloatArray:
    """A float64 array of zeros of ``shape`` in ordinary pages (see :func:`small_pages`)."""
    return small_pages(np.zeros(shape))


def day_major(schedule: FloatArray) -> FloatArray:
    """A C-ordered copy of the transpose of an ``[entity, day]`` schedule, in ordinary pages:
    one contiguous row per day."""
    out = small_pages(np.empty(schedule.shape[::-1]))
    np.copyto(out, schedule.T)
    return out
