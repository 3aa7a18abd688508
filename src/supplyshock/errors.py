"""Exception types raised by supplyshock.

Every error a user can trigger with bad input is a :class:`ScenarioError`, which is also a
:class:`ValueError`. It carries a list of :class:`Problem` records, each naming the file, the
field path and the offending value, so that all problems in a scenario are reported at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

__all__ = [
    "EventTypeError",
    "Problem",
    "ScenarioError",
    "SupplyshockError",
    "SupplyshockWarning",
]


class SupplyshockError(Exception):
    """Base class of all errors raised by supplyshock."""


class SupplyshockWarning(UserWarning):
    """A scenario that runs but probably does not mean what it says (e.g. a reserve that
    releases in steady state, an event that selects nothing)."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a scenario: where it is, what it holds and why that is wrong."""

    file: str
    field: str
    value: object
    message: str

    def __str__(self) -> str:
        value = repr(self.value)
        if len(value) > 80:
            value = value[:77] + "..."
        return f"{self.file}: {self.field}: {self.message} (got {value})"


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


class EventTypeError(SupplyshockError, ValueError):
    """An event type cannot be registered (a name clash, a record without ``type`` or
    ``start``, a hook without what it needs), or a name looked up is not registered."""
