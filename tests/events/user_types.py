"""An event type defined outside the library, as user code would: registered at import."""

from __future__ import annotations

import datetime as dt
from typing import Literal

import supplyshock.events as sse


def check_strike(ck: sse.EventChecker, event: Strike) -> None:
    ck.known("facility", event.facility, ck.facilities, "facility")
    if event.days <= 0:
        ck.problem("days", event.days, "must be positive")


def label_strike(event: Strike) -> list[tuple[dt.date, str]]:
    return [(event.start, f"strike at {event.facility}")]


@sse.register(check=check_strike, label=label_strike)
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
