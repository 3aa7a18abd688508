"""``stockpile_release``: a scheduled release from a strategic reserve."""

from __future__ import annotations

import datetime as dt
from collections.abc import Generator
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field, model_validator

from supplyshock.errors import ScenarioError
from supplyshock.events.base import EventBase, EventType
from supplyshock.events.registry import REGISTRY
from supplyshock.model.network import ReleaseWindow
from supplyshock.scenario.fields import Amount, DayCount, Fraction

if TYPE_CHECKING:
    import simpy

    from supplyshock.events.checker import EventChecker
    from supplyshock.model.compilation import Compilation
    from supplyshock.sim.policy import Policies

__all__ = ["StockpileRelease"]


class StockpileRelease(EventBase):
    """A scheduled release from a strategic reserve: a rate, or a share of its content."""

    type: Literal["stockpile_release"]
    """A scheduled release from a strategic reserve."""
    holder: str
    """Country holding the strategic reserve (ISO3)."""
    commodity: str
    """Commodity released."""
    rate_per_day: Amount | None = None
    """Units released per day, on top of any triggered release (or give share and days)."""
    share: Fraction | None = None
    """Share of the reserve's content on the first day to release, evenly over ``days``."""
    days: DayCount | None = Field(default=None, gt=0)
    """Days over which ``share`` is released (the release then ends by itself)."""
    start: dt.date
    """First day of the release."""
    end: dt.date | None = None
    """First day without it; empty: until the reserve is empty (or after ``days``)."""

    @model_validator(mode="after")
    def _sized(self) -> StockpileRelease:
        if (self.rate_per_day is None) == (self.share is None):
            raise ValueError("give either rate_per_day or share (with days)")
        if (self.share is None) != (self.days is None):
            raise ValueError("share and days go together")
        if self.share is not None and self.end is not None:
            raise ValueError("a share-sized release ends after its days; leave end empty")
        return self


def check(ck: EventChecker, e: StockpileRelease) -> None:
    ck.known("holder", e.holder, ck.countries, "country")
    ck.known("commodity", e.commodity, ck.commodities, "commodity")
    ck.ordered(e.start, e.end)
    scn = ck.scenario
    where = {f.id: f.country for f in scn.facilities}
    where |= {f.id: f.country for ev in scn.events for f in ev.new_facilities()}
    held = {
        (where.get(s.holder, s.holder), s.commodity) for s in scn.stocks if s.kind == "strategic"
    }
    known = e.holder in ck.countries and e.commodity in ck.commodities
    if known and (e.holder, e.commodity) not in held:
        message = f"no strategic stock of {e.commodity} held by {e.holder} (see stocks)"
        ck.problem("holder", e.holder, message)


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
    r, start = cx.reserve_index[reserve], cx.day(e.start)
    if e.share is not None and e.days is not None:
        cx.releases.append(ReleaseWindow(r, start, start + e.days, 0.0, e.share))
    else:
        cx.releases.append(ReleaseWindow(r, start, cx.end_day(e.end), e.rate_per_day or 0.0))


def label(e: StockpileRelease) -> list[tuple[dt.date, str]]:
    """Every release is marked (named ones with their id)."""
    head = f"{e.id}: " if e.id else ""
    return [(e.start, f"{head}{e.holder} releases {e.commodity}")]


def _release(p: Policies, window: ReleaseWindow) -> Generator[simpy.Event, Any, None]:
    r, rate = window.reserve, window.rate_per_day
    yield p.until(window.start)
    if window.share > 0:  # a share of the content on the first day, evenly over the days
        rate = window.share * float(p.state.reserve[r]) / (window.end - window.start)
    p.state.scheduled_release[r] += rate
    if window.end < p.net.horizon:
        yield p.until(window.end)
        p.state.scheduled_release[r] -= rate


def launch(p: Policies) -> None:
    """Each window adds its rate to the reserve's release while it lasts."""
    for _, window in p.fresh("releases", p.net.releases):
        p.env.process(_release(p, window))


REGISTRY.add(
    EventType(
        StockpileRelease,
        check=check,
        label=label,
        compile=compile_release,
        stage="reserves",
        launch=launch,
    ),
    builtin=True,
)
