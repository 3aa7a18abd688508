"""Compile results that depend only on a scenario's structure, remembered on the scenario.

A replication compiles the same scenario object as the replications before it (in a batch, a
chunk; in a robust search, a task). Some of what compilation forms does not depend on the
draws, e.g. the stable keys of the trade links, which are made from the buyers' and
suppliers' names. :class:`Memo` keeps such a result with the exact inputs it was formed from
and hands it back only when the inputs of the next replication compare equal, so a draw, an
override or an edit of the scenario that changes them forms it afresh: the memo never changes
a result. Values handed out are shared between replications and set read-only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["Memo"]


def _same(a: tuple[Any, ...], b: tuple[Any, ...]) -> bool:
    """Whether two tuples of inputs are equal, arrays compared element by element."""
    if len(a) != len(b):
        return False
    for x, y in zip(a, b, strict=True):
        if isinstance(x, np.ndarray) or isinstance(y, np.ndarray):
            if not (
                isinstance(x, np.ndarray)
                and isinstance(y, np.ndarray)
                and x.dtype == y.dtype
                and np.array_equal(x, y)
            ):
                return False
        elif type(x) is not type(y) or x != y:
            return False
    return True


def _read_only(value: Any) -> Any:
    """``value`` with its arrays (also inside a tuple) set read-only."""
    if isinstance(value, np.ndarray):
        value.flags.writeable = False
    elif isinstance(value, tuple):
        for item in value:
            _read_only(item)
    return value


class Memo:
    """Results by name, each with the inputs it was formed from (one entry per name)."""

    def __init__(self) -> None:
        self._entries: dict[str, tuple[tuple[Any, ...], Any]] = {}

    def get(self, name: str, inputs: tuple[Any, ...], make: Callable[[], Any]) -> Any:
        """The result remembered under ``name`` if its inputs equal ``inputs``; otherwise
        ``make()``, remembered with a copy of ``inputs`` (tuples, strings and numbers in them
        must not be changed afterwards)."""
        entry = self._entries.get(name)
        if entry is not None and _same(entry[0], inputs):
            return entry[1]
        value = _read_only(make())
        kept = tuple(x.copy() if isinstance(x, np.ndarray) else x for x in inputs)
        self._entries[name] = (kept, value)
        return value

    def __eq__(self, other: object) -> bool:
        """Memos are equal: they do not take part in comparing the scenarios holding them."""
        return isinstance(other, Memo)

    __hash__ = None  # type: ignore[assignment]

    def __getstate__(self) -> dict[str, Any]:
        return {}  # not sent along with a pickled scenario: a worker forms its own

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._entries = {}
