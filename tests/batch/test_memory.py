"""Freed memory is kept for the next replication in the processes the library runs them in."""

from __future__ import annotations

import multiprocessing
import os
import platform
import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor

import pytest

from supplyshock.batch.memory import start_worker

glibc = pytest.mark.skipif(
    platform.system() != "Linux" or platform.libc_ver()[0] != "glibc",
    reason="the allocator setting exists on glibc only",
)

# As a replication does: allocate and fill arrays of 4-24 MB, all alive at once, then free
# them; print the page faults of five such rounds after a first one.
CYCLES = """
import resource, numpy as np
def faults():
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt
def cycle():
    arrays = [np.ones(n) for n in (1_000_000, 3_000_000, 2_000_000, 500_000)]
    del arrays
cycle()
before = faults()
for _ in range(5):
    cycle()
print(faults() - before)
"""


def _faults(setup: str) -> int:
    code = setup + CYCLES
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return int(done.stdout.split()[-1])


def _faults_here() -> int:
    namespace: dict[str, object] = {}
    exec(CYCLES.replace("print(faults() - before)", "result = faults() - before"), namespace)
    return int(namespace["result"])  # type: ignore[call-overload]


@glibc
def test_freed_blocks_are_reused_instead_of_faulted_in_again() -> None:
    # 5 x 52 MB of fresh pages by default: about 12,000 faults of 4 kB, 125 of 2 MB at least
    plain = _faults("")
    kept = _faults("from supplyshock.batch import keep_freed_memory\nassert keep_freed_memory()\n")
    assert kept < 20 and plain >= 100, (kept, plain)


@glibc
def test_pool_workers_of_the_library_keep_freed_memory() -> None:
    with ProcessPoolExecutor(1, initializer=start_worker, initargs=(os.getpid(),)) as pool:
        assert pool.submit(_faults_here).result() < 20


def _frozen_and_collected() -> tuple[int, bool]:
    """Objects kept out of full collections, and whether a cycle made now is still freed."""
    import gc
    import weakref

    class Node:
        other: object

    a, b = Node(), Node()
    a.other, b.other = b, a
    gone = weakref.ref(a)
    del a, b
    gc.collect()
    return gc.get_freeze_count(), gone() is None


@pytest.mark.skipif(
    "fork" not in multiprocessing.get_all_start_methods(), reason="no fork on this system"
)
def test_pool_workers_leave_the_objects_they_start_with_out_of_full_collections() -> None:
    fork = multiprocessing.get_context("fork")  # the worker inherits this process's objects
    with ProcessPoolExecutor(
        1, mp_context=fork, initializer=start_worker, initargs=(os.getpid(),)
    ) as pool:
        frozen, collected = pool.submit(_frozen_and_collected).result()
    assert frozen > 10_000  # this process's modules and their objects at least
    assert collected  # what the worker makes itself is collected as usual
