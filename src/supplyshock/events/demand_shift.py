"""``demand_shift``: demand, or an input's use per unit (thrifting), changes over a lag."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import AfterValidator, Field

from supplyshock.events.base import EventBase, EventType
from supplyshock.events.parts import DestinationSelector
from supplyshock.events.registry import REGISTRY
from supplyshock.model.compilation import Shift
from supplyshock.scenario.fields import Days, NotBool, check_finite

if TYPE_CHECKING:
    from supplyshock.events.checker import EventChecker
    from supplyshock.model.compilation import Compilation

__all__ = ["DemandShift"]


class DemandShift(EventBase):
    type: Literal["demand_shift"]
    """A change in demand, or with input set, in an input's use per unit (thrifting)."""
    countries: DestinationSelector = DestinationSelector(all_except=[])
    """Countries affected (default: all)."""
    commodity: str
    """Commodity whose demand (or whose makers' recipe) changes."""
    input: str | None = None
    """If set, this input's use per unit of commodity changes instead of demand."""
    change: Annotated[float, NotBool, AfterValidator(check_finite), Field(gt=-1)]
    """Relative change once fully phased in (-0.3 = 30% less)."""
    start: dt.date
    """First day of the change."""
    lag_days: Days = 0.0
    """Days over which the change phases in linearly."""


def check(ck: EventChecker, e: DemandShift) -> None:
    ck.known("commodity", e.commodity, ck.commodities, "commodity")
    if e.input is not None:
        ck.known("input", e.input, ck.commodities, "commodity")
    ck.places("countries", e.countries.include)
    ck.places("countries.all_except", e.countries.all_except or [])
    scn = ck.scenario
    if e.input is None:
        if not any(d.commodity == e.commodity for d in scn.demand):
            ck.warn("commodity", e.commodity, "no final demand for this commodity to shift")
        return
    facilities = [*scn.facilities, *(f for ev in scn.events for f in ev.new_facilities())]
    recipes = {f.recipe for f in facilities if f.output == e.commodity and f.recipe}
    if not any(r.recipe in recipes and r.input == e.input for r in scn.recipes):
        message = f"no facility making {e.commodity} uses {e.input} in its recipe"
        ck.warn("input", e.input, message)


def compile_shift(cx: Compilation, key: str, e: DemandShift) -> None:
    """A multiplier over days: 1 before start, moving linearly to 1 + change over lag_days,
    for the countries selected on the start day."""
    ix, start = cx.ix, cx.day(e.start)
    cx.shifts.append(
        Shift(
            commodity=ix.commodity[e.commodity],
            input=None if e.input is None else ix.commodity[e.input],
            countries=ix.places(e.countries, start),
            factor=1.0 + e.change * cx.ramp(start, e.lag_days),
        )
    )


REGISTRY.add(
    EventType(DemandShift, check=check, compile=compile_shift, stage="demand"), builtin=True
)
