"""Whether the compiled kernels are in numba's on-disk cache (a cold cache compiles on first
use, which takes a while), found cheaply from the cache's index files."""

from __future__ import annotations

import importlib
from pathlib import Path

__all__ = ["kernel_index_files", "kernels_cached"]


def kernel_index_files() -> list[Path] | None:
    """The cache index file of every compiled kernel; None if numba's cache layout is not
    the one expected."""
    try:
        from numba.core.registry import CPUDispatcher

        from supplyshock.sim.kernels import _common

        paths = []
        for source in _common._kernel_files():
            module = importlib.import_module(f"supplyshock.sim.kernels.{source.stem}")
            for obj in vars(module).values():
                if isinstance(obj, CPUDispatcher) and obj.py_func.__module__ == module.__name__:
                    cache = getattr(obj, "_cache")  # noqa: B009 - numba internals
                    paths.append(Path(cache._cache_file._index_path))
        return sorted(set(paths))
    except (ImportError, AttributeError):
        return None


def kernels_cached() -> bool | None:
    """True if every kernel has a cache index newer than every kernel source file (so the
    next run loads machine code instead of compiling), False if not, None if unknown."""
    from supplyshock.sim.kernels import _common

    index = kernel_index_files()
    if not index:
        return None
    newest = max(f.stat().st_mtime_ns for f in _common._kernel_files())
    try:
        return all(p.stat().st_mtime_ns >= newest for p in index)
    except OSError:
        return False
