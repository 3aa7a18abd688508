"""``tension``: a step in a named tension index, read by rules' conditions and hazards.

All tensions start at 0; a tension event adds its ``change`` on its start day. Rules raise or
lower tensions in their actions and read them (docs/model.md, "Rules").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Generator
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import AfterValidator, Field

from supplyshock.events.base import EventBase, EventType
from supplyshock.events.registry import REGISTRY
from supplyshock.scenario.fields import NotBool, check_finite

if TYPE_CHECKING:
    import simpy

    from supplyshock.model.compilation import Compilation
    from supplyshock.sim.policy import Policies

__all__ = ["Tension"]


class Tension(EventBase):
    """A change in a named tension index, read by rules' conditions and hazards."""

    type: Literal["tension"]
    """A step in a tension index (all tensions start at 0)."""
    name: str = Field(min_length=1)
    """Name of the tension (e.g. us_china)."""
    change: Annotated[float, NotBool, AfterValidator(check_finite)]
    """Amount added to the tension on ``start`` (negative: it eases)."""
    start: dt.date
    """Day of the change."""


def label(e: Tension) -> list[tuple[dt.date, str]]:
    sign = "+" if e.change >= 0 else ""
    return [(e.start, f"{e.id or e.name} tension {sign}{e.change:g}")]


def compile_tension(cx: Compilation, key: str, e: Tension) -> None:
    """A (day, tension index, change) step."""
    cx.tension_steps.append((cx.day(e.start), cx.tensions.index(e.name), e.change))


def _step(p: Policies, day: int, k: int, change: float) -> Generator[simpy.Event, Any, None]:
    yield p.until(day)
    p.state.tension[k] += change


def launch(p: Policies) -> None:
    """On its day, each step changes its tension."""
    for _, (day, k, change) in p.fresh("tension_steps", p.net.tension_steps):
        p.env.process(_step(p, day, k, change))


REGISTRY.add(
    EventType(Tension, label=label, compile=compile_tension, stage="policy", launch=launch),
    builtin=True,
)
