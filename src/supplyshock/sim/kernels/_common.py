"""The compile decorator and the small helpers every kernel uses."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar, cast

import numba
import numpy as np

from supplyshock.model.network import FloatArray, IntArray

__all__ = ["EMPTY", "TINY", "add_by", "entry_point", "jit", "share"]

F = TypeVar("F", bound=Callable[..., object])
TINY = 1e-280  # floor for divisors: keeps ratios finite without changing any real quantity
EMPTY = 1e-12  # a stock below this has no origin shares


def _kernel_files() -> list[Path]:
    return sorted(Path(__file__).resolve().parent.glob("*.py"))


def _stamp_all_kernels() -> None:
    """Make numba's on-disk cache of a kernel stale when *any* kernel file changes.

    Numba checks only the file that defines a cached function, so a kernel calling a changed
    kernel from another file would load stale machine code (a documented numba limitation).
    The locators added here find the same cache folders as numba's own but stamp each entry
    with every kernel file. They apply only to this package's kernels, are added once per
    process, and are skipped if numba's caching internals differ from what they expect.
    """
    try:
        from numba.core import caching

        chain = caching.CompileResultCacheImpl._locator_classes
        bases = (
            caching.UserProvidedCacheLocator,
            caching.InTreeCacheLocator,
            caching.UserWideCacheLocator,
        )
    except (ImportError, AttributeError):
        return
    if any(getattr(k, "supplyshock_kernels", False) for k in chain):
        return
    folder = Path(__file__).resolve().parent

    def stamp(self: object) -> tuple[tuple[str, int, int], ...]:
        return tuple((f.name, f.stat().st_mtime_ns, f.stat().st_size) for f in _kernel_files())

    def from_function(cls: Any, py_func: Callable[..., object], py_file: str) -> object:
        if Path(py_file).resolve().parent != folder:
            return None
        return super(cls, cls).from_function(py_func, py_file)

    ours: list[Any] = [
        type(
            f"Kernel{base.__name__}",
            (base,),
            {
                "supplyshock_kernels": True,
                "get_source_stamp": stamp,
                "from_function": classmethod(from_function),
            },
        )
        for base in bases
    ]
    chain[:0] = ours


def jit(fn: F) -> F:
    """Compile with numpy's float semantics (x / 0 gives inf or nan, never an exception)."""
    _stamp_all_kernels()
    return cast(F, numba.njit(cache=True, nogil=True, error_model="numpy")(fn))


@jit
def add_by(index: IntArray, values: FloatArray, out: FloatArray) -> None:
    """``out += bincount(index, values)``: the group sums first, then one addition each."""
    tmp = np.zeros(out.shape[0])
    for i in range(index.shape[0]):
        tmp[index[i]] += values[i]
    for j in range(out.shape[0]):
        out[j] += tmp[j]


@jit
def share(qty: float, org: float) -> float:
    """Origin share of a stock holding ``org`` of ``qty`` (zero for an empty stock)."""
    return org / qty if qty > EMPTY else 0.0


def entry_point(kernel: Callable[..., Any], args: tuple[Any, ...]) -> Callable[..., Any] | None:
    """The compiled code of ``kernel`` for the types of ``args``, callable without dispatch.

    Numba's dispatcher works out the types of every argument on every call; for the named
    structures of the daily step that costs about 35 µs a call, several times the cost of
    a short stretch's arguments themselves. Callers that pass arguments of the same types on
    every call (the structures of one run) resolve the compiled code once with this, after one
    ordinary call with ``args``, and call it directly. None if ``kernel`` is not a compiled
    dispatcher (a test's wrapper) or has no code for these types.

    When the kernel has code for one set of types only (a worker's runs), that code is the one
    the ordinary call used; the types of ``args`` are worked out (about 9 ms for the daily
    step's structures) only when there are several.
    """
    overloads = getattr(kernel, "overloads", None)
    if overloads is None:
        return None
    if len(overloads) == 1:  # the ordinary call before this one had to use it
        (only,) = overloads.values()
        return cast(Callable[..., Any], only.entry_point)
    found = overloads.get(tuple(numba.typeof(a) for a in args))  # type: ignore[no-untyped-call]
    return None if found is None else cast(Callable[..., Any], found.entry_point)
