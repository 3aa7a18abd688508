"""The on-disk cache of a compiled kernel goes stale when any kernel file changes."""

from __future__ import annotations

from pathlib import Path

import pytest

from supplyshock.sim import kernels

caching = pytest.importorskip("numba.core.caching")


def test_kernel_cache_entries_are_stamped_with_every_kernel_file() -> None:
    locators = getattr(caching.CompileResultCacheImpl, "_locator_classes", None)
    if locators is None:
        pytest.skip("numba's cache locators moved; kernels use numba's per-file stamps")
    quiet_days = kernels.quiet_days
    locator = quiet_days._cache._impl.locator  # the cache of a kernel calling other files' kernels
    assert getattr(type(locator), "supplyshock_kernels", False)
    folder = Path(kernels.__file__).parent
    names = [name for name, _, _ in locator.get_source_stamp()]
    assert names == sorted(p.name for p in folder.glob("*.py"))
    assert {"morning.py", "afternoon.py", "requests.py", "stretch.py"} <= set(names)


def test_other_functions_keep_numbas_own_locators() -> None:
    def elsewhere() -> int:
        return 1

    found = [
        k
        for k in caching.CompileResultCacheImpl._locator_classes
        if getattr(k, "supplyshock_kernels", False)
    ]
    assert found
    assert all(k.from_function(elsewhere, __file__) is None for k in found)
