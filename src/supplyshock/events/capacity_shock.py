"""``capacity_shock``: a share of some facilities' capacity is lost for a while."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Literal

import numpy as np
from pydantic import model_validator

from supplyshock.events.base import EventBase, EventType
from supplyshock.events.registry import REGISTRY
from supplyshock.scenario.fields import Uncertain

if TYPE_CHECKING:
    from supplyshock.events.checker import EventChecker
    from supplyshock.model.compilation import Compilation

__all__ = ["CapacityShock"]


class CapacityShock(EventBase):
    type: Literal["capacity_shock"]
    """A loss of capacity (accident, flood, strike, quota cut)."""
    facility: str | None = None
    """Facility hit (or give a country)."""
    country: str | None = None
    """Country whose facilities are hit."""
    output: str | None = None
    """Only facilities making this commodity."""
    share_lost: Uncertain
    """Share of capacity lost (0–1)."""
    start: dt.date
    """First day of the loss."""
    end: dt.date | None = None
    """First day back to normal; empty: permanent."""

    @model_validator(mode="after")
    def _target(self) -> CapacityShock:
        if self.facility is None and self.country is None:
            raise ValueError("give a facility or a country")
        return self


def check(ck: EventChecker, e: CapacityShock) -> None:
    if e.facility is not None:
        ck.known("facility", e.facility, ck.facilities, "facility")
    if e.country is not None:
        ck.known("country", e.country, ck.countries, "country")
    if e.output is not None:
        ck.known("output", e.output, ck.commodities, "commodity")
    ck.bounded("share_lost", e.share_lost, 0.0, 1.0)
    ck.ordered(e.start, e.end)
    facilities = [*ck.scenario.facilities]
    facilities += [f for ev in ck.scenario.events for f in ev.new_facilities()]
    hit = [
        f
        for f in facilities
        if e.facility in (None, f.id) and e.country in (None, f.country)
        if e.output in (None, f.output)
    ]
    if not hit:
        target = {"facility": e.facility, "country": e.country, "output": e.output}
        chosen = {k: v for k, v in target.items() if v is not None}
        ck.warn(next(iter(chosen)), chosen, "the shock hits no facility")


def compile_shock(cx: Compilation, key: str, e: CapacityShock) -> None:
    """Scale the capacity of the facilities hit over [start, end) by the share kept."""
    ix = cx.ix
    hit = np.ones(ix.F, dtype=bool)
    if e.facility is not None:
        hit &= np.arange(ix.F) == ix.facility[e.facility]
    if e.country is not None:
        hit &= cx.fac_country == ix.country[e.country]
    if e.output is not None:
        hit &= cx.fac_output == ix.commodity[e.output]
    lost = cx.draws.number(f"events[{key}].share_lost", e.share_lost)
    lo, hi = max(0, cx.day(e.start)), min(ix.T, cx.day(e.end, ix.T))
    cx.capacity[hit, lo:hi] *= 1.0 - lost


REGISTRY.add(
    EventType(CapacityShock, check=check, compile=compile_shock, stage="capacity"), builtin=True
)
