"""An event type defined outside the library, as user code would: registered at import.

Unpickling a scenario or network that holds a :class:`Strike` imports this module, which
registers the type again (in a worker process, say).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

import supplyshock.events as sse


def check_strike(ck: sse.EventChecker, event: Strike) -> None:
    ck.known("facility", event.facility, ck.facilities, "facility")
    if event.days <= 0:
        ck.problem("days", event.days, "must be positive")


def label_strike(event: Strike) -> list[tuple[dt.date, str]]:
    return [(event.start, f"strike at {event.facility}")]


def on_strike(host: Any, event: Strike, day: int) -> None:
    """Tell the host (tests give one with a ``record`` method; runs pass the Simulation)."""
    record = getattr(host, "record", None)
    if record is not None:
        record(event, day)


@sse.register(check=check_strike, label=label_strike, start=on_strike)
class Strike(sse.EventBase):
    """A strike at one facility (only a test of user-defined event types)."""

    type: Literal["strike"]
    """A strike."""
    facility: str
    """Facility on strike."""
    start: dt.date
    """First day of the strike."""
    days: float = 30.0
    """How long it lasts."""
