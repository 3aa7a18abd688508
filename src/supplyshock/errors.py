"""Exception types raised by supplyshock.

Every error a user can trigger with bad input is a :class:`ScenarioError`, which is also a
:class:`ValueError`. It carries a list of :class:`Problem` records, each naming the file, the
field path and the offending value, so that all problems in a scenario are reported at once.
"""

from __future__ import annotations

import difflib
import itertools
import reprlib
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = [
    "CalibrationError",
    "EventTypeError",
    "Problem",
    "ScenarioError",
    "SupplyshockError",
    "SupplyshockWarning",
    "did_you_mean",
    "short_repr",
]


class _Repr(reprlib.Repr):
    """Like :class:`reprlib.Repr`, keeping the order of a mapping's keys."""

    def repr_dict(self, x: dict[object, object], level: int) -> str:
        if not x:
            return "{}"
        if level <= 0:
            return "{...}"
        pairs = [
            f"{self.repr1(k, level - 1)}: {self.repr1(v, level - 1)}"
            for k, v in itertools.islice(x.items(), self.maxdict)
        ]
        more = ", ..." if len(x) > self.maxdict else ""
        return "{" + ", ".join(pairs) + more + "}"


_REPR = _Repr()
_REPR.maxlevel = 3
_REPR.maxdict = _REPR.maxlist = _REPR.maxtuple = _REPR.maxset = 6
_REPR.maxstring = _REPR.maxother = 90


def short_repr(value: object, limit: int = 80) -> str:
    """``repr(value)`` cut to ``limit`` characters, built without ever rendering a huge or
    deeply nested value in full; control characters are escaped as by :func:`repr`.

    >>> short_repr(list(range(100)))
    '[0, 1, 2, 3, 4, 5, ...]'
    """
    text = _REPR.repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


MAX_HINT_NAMES = 20_000
"""Largest set of known names searched for a "did you mean" hint (the search grows with it)."""


def did_you_mean(value: object, known: Iterable[str]) -> str:
    """``"; did you mean 'NAME'?"`` for the name in ``known`` closest to ``value`` (ignoring
    case), or ``""`` if none is close (:func:`difflib.get_close_matches`), ``value`` is not a
    string or ``known`` holds more than :data:`MAX_HINT_NAMES` names.

    >>> did_you_mean("galium", {"gallium", "germanium", "ndpr_oxide"})
    "; did you mean 'gallium'?"
    >>> did_you_mean("jpn", {"JPN", "USA"})
    "; did you mean 'JPN'?"
    >>> did_you_mean("unobtainium", {"gallium"})
    ''
    """
    if not isinstance(value, str) or not value:
        return ""
    candidates = sorted(known)  # sorted: the same hint in every process
    if len(candidates) > MAX_HINT_NAMES:
        return ""
    names: dict[str, str] = {}
    for name in candidates:
        names.setdefault(name.lower(), name)
    close = difflib.get_close_matches(value.lower(), list(names), n=1)
    return f"; did you mean {names[close[0]]!r}?" if close and names[close[0]] != value else ""


class SupplyshockError(Exception):
    """Base class of all errors raised by supplyshock."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a scenario: where it is, what it holds and why that is wrong."""

    file: str
    field: str
    value: object
    message: str

    def __str__(self) -> str:
        value = short_repr(self.value)
        field = self.field if len(self.field) <= 120 else self.field[:117] + "..."
        return f"{self.file}: {field}: {self.message} (got {value})"


class ScenarioError(SupplyshockError, ValueError):
    """A scenario (or world) file is malformed or inconsistent.

    ``problems`` lists every problem found; the message shows them one per line.

    >>> err = ScenarioError([Problem("w.yaml", "horizon_days", -1, "must be positive")])
    >>> print(err)
    1 problem in scenario:
      w.yaml: horizon_days: must be positive (got -1)
    """

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: list[Problem] = list(problems)
        n = len(self.problems)
        lines = [f"{n} problem{'s' if n != 1 else ''} in scenario:"]
        lines += [f"  {p}" for p in self.problems]
        super().__init__("\n".join(lines))
        self.args = (self.problems,)  # ``type(err)(*err.args)`` rebuilds it (SimPy does)

    def __str__(self) -> str:
        n = len(self.problems)
        lines = [f"{n} problem{'s' if n != 1 else ''} in scenario:"]
        return "\n".join(lines + [f"  {p}" for p in self.problems])

    @classmethod
    def single(cls, file: str, field: str, value: object, message: str) -> ScenarioError:
        """Build an error holding exactly one problem."""
        return cls([Problem(file, field, value, message)])


class CalibrationError(ScenarioError):
    """A calibration spec, its observed series or a stored fit is malformed or inconsistent
    with its scenario; like :class:`ScenarioError` it lists every problem with file, field
    path and value.

    >>> err = CalibrationError([Problem("c.yaml", "parameters.x.low", 2.0, "above high (1.0)")])
    >>> print(err)
    1 problem in calibration:
      c.yaml: parameters.x.low: above high (1.0) (got 2.0)
    """

    def __str__(self) -> str:
        n = len(self.problems)
        lines = [f"{n} problem{'s' if n != 1 else ''} in calibration:"]
        return "\n".join(lines + [f"  {p}" for p in self.problems])


class SupplyshockWarning(UserWarning):
    """A scenario that is valid but probably not what was meant, e.g. an event that selects
    nothing (a capacity shock that hits no facility) or a reserve that would release in steady
    state. The message names the file, the event's
    field path and the value, like a :class:`Problem`."""


class EventTypeError(SupplyshockError, ValueError):
    """An event type cannot be registered (a name clash, a record without ``type`` or
    ``start``, a hook without what it needs), or a name looked up is not registered."""
