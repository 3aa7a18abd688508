"""``stockpile_release``: a scheduled release from a strategic reserve."""

from __future__ import annotations

import datetime as dt
from collections.abc import Generator
from typing import TYPE_CHECKING, Any, Literal

from supplyshock.errors import ScenarioError
from supplyshock.events.base import EventBase, EventType
from supplyshock.events.registry import REGISTRY
from supplyshock.model.network import ReleaseWindow
from supplyshock.scenario.fields import NonNegative

if TYPE_CHECKING:
    import simpy

    from supplyshock.events.checker import EventChecker
    from supplyshock.model.compilation import Compilation
    from supplyshock.sim.policy import Policies

__all__ = ["StockpileRelease"]


class StockpileRelease(EventBase):
    type: Literal["stockpile_release"]
    """A scheduled release from a strategic reserve."""
    holder: str
    """Country holding the strategic reserve (ISO3)."""
    commodity: str
    """Commodity released."""
    rate_per_day: NonNegative
    """Units released per day, on top of any triggered release."""
    start: dt.date
    """First day of the release."""
    end: dt.date | None = None
    """First day without it; empty: until the reserve is empty."""


def check(ck: EventChecker, e: StockpileRelease) -> None:
    ck.known("holder", e.holder, ck.countries, "country")
    ck.known("commodity", e.commodity, ck.commodities, "commodity")
    ck.ordered(e.start, e.end)


def compile_release(cx: Compilation, key: str, e: StockpileRelease) -> None:
    """A release window of the holder's strategic reserve of the commodity."""
    ix = cx.ix
    reserve = (ix.country[e.holder], ix.commodity[e.commodity])
    if reserve not in cx.reserve_index:
        raise ScenarioError.single(
            ix.scn.origin_file,
            f"events[{key}].holder",
            e.holder,
            f"no strategic stock of {e.commodity} held by {e.holder}",
        )
    cx.releases.append(
        ReleaseWindow(cx.reserve_index[reserve], cx.day(e.start), cx.end_day(e.end), e.rate_per_day)
    )


def _release(p: Policies, window: ReleaseWindow) -> Generator[simpy.Event, Any, None]:
    r, rate = window.reserve, window.rate_per_day
    yield p.until(window.start)
    p.state.scheduled_release[r] += rate
    if window.end < p.net.horizon:
        yield p.until(window.end)
        p.state.scheduled_release[r] -= rate


def launch(p: Policies) -> None:
    """Each window adds its rate to the reserve's release while it lasts."""
    for window in p.net.releases:
        p.env.process(_release(p, window))


REGISTRY.add(
    EventType(
        StockpileRelease, check=check, compile=compile_release, stage="reserves", launch=launch
    ),
    builtin=True,
)
