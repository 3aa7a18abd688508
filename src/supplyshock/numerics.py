"""The numeric platform of a process: what, besides the seed, can change a result's last digits.

A run is a deterministic function of its scenario, seed and overrides, and the same seed gives
bit-identical results in any number of processes. Across machines that holds only where the
numeric platform is the same: numpy chooses vectorised code for sums, powers and logarithms by
the vector instructions of the CPU (AVX-512, AVX2 or SSE on x86, NEON on ARM), and each choice
rounds the last bit its own way; scipy's special functions, the C library's ``pow`` and
``exp`` and numba's compiled code belong to the platform too. Batches and searches record the
platform and refuse to resume on another one unless told to (docs/guarantees.md).

>>> sorted(numeric_platform())
['libc', 'machine', 'numba', 'numpy', 'numpy_simd', 'scipy']
>>> platform_changes({"numpy": "2.0", "machine": "x86_64"}, {"numpy": "2.1", "machine": "x86_64"})
['numpy 2.0 -> 2.1']
"""

from __future__ import annotations

import importlib
import os
import platform
import sys
import warnings
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

__all__ = ["numeric_platform", "platform_changes", "stamped", "warn_other_platforms"]

T = TypeVar("T")


def _version(module: str) -> str:
    """The version of an imported module, or of its installed distribution, or ``absent``."""
    loaded = sys.modules.get(module)
    found = getattr(loaded, "__version__", None)
    if isinstance(found, str):
        return found
    from importlib import metadata

    try:
        return metadata.version(module)
    except metadata.PackageNotFoundError:
        return "absent"


def _numpy_simd() -> str:
    """The optimisations numpy dispatches to on this CPU (its ``show_runtime`` "found" list),
    or ``unknown`` where numpy does not say."""
    for name in ("numpy._core._multiarray_umath", "numpy.core._multiarray_umath"):  # 2.x, 1.x
        try:
            umath = importlib.import_module(name)
            break
        except ImportError:
            continue
    else:
        return "unknown"
    features = getattr(umath, "__cpu_features__", None)
    dispatch = getattr(umath, "__cpu_dispatch__", None)
    if not isinstance(features, dict) or dispatch is None:
        return "unknown"
    return " ".join(f for f in dispatch if features.get(f)) or "baseline only"


def _libc() -> str:
    try:
        return os.confstr("CS_GNU_LIBC_VERSION") or platform.system()
    except (AttributeError, ValueError, OSError):  # no such name outside glibc systems
        return platform.system()


def numeric_platform() -> dict[str, str]:
    """What the last digits of a result depend on besides its inputs: the CPU architecture,
    the vector code numpy dispatches to on this CPU, and the versions of numpy, scipy, numba
    and the C library."""
    import numpy

    return {
        "machine": platform.machine(),
        "numpy": numpy.__version__,
        "numpy_simd": _numpy_simd(),
        "scipy": _version("scipy"),
        "numba": _version("numba"),
        "libc": _libc(),
    }


def platform_changes(old: Mapping[str, object], new: Mapping[str, object]) -> list[str]:
    """What differs between two platforms, one ``name old -> new`` line each (entries only one
    of them records are not compared)."""
    return [f"{k} {old[k]} -> {new[k]}" for k in sorted(old) if k in new and old[k] != new[k]]


def stamped(task: Callable[..., T], *args: Any) -> tuple[T, dict[str, str]]:
    """``task(*args)`` and the numeric platform of the process that ran it: what a worker of
    an executor returns, so that results of mixed machines can be told apart."""
    return task(*args), numeric_platform()


def warn_other_platforms(
    what: str, here: Mapping[str, str], seen: Mapping[Any, Mapping[str, str]]
) -> None:
    """Warn that the parts of ``what`` in ``seen`` (part -> platform of the worker that ran
    it) that ran on another platform than ``here`` may differ from this machine's in the last
    digits (an executor of mixed machines)."""
    from supplyshock.errors import SupplyshockWarning

    other = {part: p for part, p in seen.items() if dict(p) != dict(here)}
    if not other:
        return
    changes = "; ".join(platform_changes(here, next(iter(other.values()))))
    parts = ", ".join(map(str, sorted(other, key=str)))
    warnings.warn(
        f"{len(other)} part(s) of {what} ({parts}) ran on machines of another numeric "
        f"platform ({changes}); their values may differ from this machine's in the last "
        "digits (docs/guarantees.md)",
        SupplyshockWarning,
        stacklevel=3,
    )
