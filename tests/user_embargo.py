"""A user-defined event type, written outside the library (a test of the open engine).

``embargo``: an exporter bans one commodity to one destination for a number of days. Its start
hook puts the equivalent ``export_control`` in force through the running Simulation.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import Field

import supplyshock.events as sse


def check_embargo(ck: sse.EventChecker, e: Embargo) -> None:
    ck.known("exporter", e.exporter, ck.countries, "country")
    ck.known("commodity", e.commodity, ck.commodities, "commodity")
    ck.places("destination", [e.destination])


def label_embargo(e: Embargo) -> list[tuple[dt.date, str]]:
    return [(e.start, f"embargo: {e.exporter} {e.commodity} to {e.destination}")]


def start_embargo(sim: Any, e: Embargo, day: int) -> None:
    sim.apply(as_control(e))


def as_control(e: Embargo) -> dict[str, Any]:
    """The export control the embargo stands for."""
    return {
        "type": "export_control",
        "id": f"{e.id or e.type}_control",
        "exporter": e.exporter,
        "commodities": [e.commodity],
        "destinations": [e.destination],
        "mode": "ban",
        "start": e.start.isoformat(),
        "end": (e.start + dt.timedelta(days=e.days)).isoformat(),
    }


@sse.register(check=check_embargo, label=label_embargo, start=start_embargo)
class Embargo(sse.EventBase):
    """A ban of one commodity from one exporter to one destination, for some days."""

    type: Literal["embargo"]
    """An embargo."""
    exporter: str
    """Country imposing it (ISO3)."""
    commodity: str
    """Commodity embargoed."""
    destination: str
    """Country or bloc embargoed."""
    days: int = Field(gt=0)
    """How long it lasts."""
    start: dt.date
    """First day."""
