"""Resolving a kernel's compiled code once, to call it without numba's dispatch."""

from __future__ import annotations

import numba
import numpy as np

from supplyshock.sim.kernels._common import entry_point


def _kernel() -> numba.core.registry.CPUDispatcher:
    @numba.njit
    def total(x: np.ndarray, k: float) -> float:
        return float(x.sum() * k)

    return total


def test_the_only_compiled_code_is_the_one_the_call_before_used() -> None:
    kernel = _kernel()
    args = (np.arange(4.0), 2.0)
    assert kernel(*args) == 12.0
    code = entry_point(kernel, args)
    assert code is not None
    (only,) = kernel.overloads.values()
    assert code is only.entry_point
    assert code(*args) == 12.0


def test_with_code_for_several_types_the_arguments_types_choose() -> None:
    kernel = _kernel()
    floats, ints = (np.arange(4.0), 2.0), (np.arange(4), 3)
    kernel(*floats)
    kernel(*ints)
    assert len(kernel.overloads) == 2
    for args in (floats, ints):
        code = entry_point(kernel, args)
        wanted = kernel.overloads[tuple(numba.typeof(a) for a in args)].entry_point
        assert code is wanted
    assert entry_point(kernel, (np.arange(4, dtype=np.float32), 1.0)) is None


def test_a_plain_function_has_no_compiled_code() -> None:
    assert entry_point(lambda x: x, (1,)) is None
