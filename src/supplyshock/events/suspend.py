"""``suspend``: a control stops applying for a while, and may or may not snap back."""

from __future__ import annotations

import datetime as dt
from collections.abc import Generator
from typing import TYPE_CHECKING, Any, Literal

from supplyshock.events.base import EventBase, EventType
from supplyshock.events.export_control import ExportControl
from supplyshock.events.registry import REGISTRY
from supplyshock.model.network import SuspensionSpec
from supplyshock.scenario.fields import FlagOrChoice, Uncertain

if TYPE_CHECKING:
    import simpy

    from supplyshock.events.checker import EventChecker
    from supplyshock.model.compilation import Compilation
    from supplyshock.sim.policy import Policies

__all__ = ["Suspend"]


class Suspend(EventBase):
    type: Literal["suspend"]
    """A suspension of a control."""
    control: str
    """Id of the suspended export control."""
    start: dt.date
    """First day of the suspension."""
    end: dt.date | None = None
    """Day the suspension ends; empty: never."""
    snapback: FlagOrChoice = False
    """Whether the control returns when the suspension ends: true/false, a probability,
    or a choice."""
    snapback_delay_days: Uncertain = 0.0
    """Days after the end of the suspension until the control returns."""


def check(ck: EventChecker, e: Suspend) -> None:
    controls = {c.id for c in ck.events_of(ExportControl) if c.id}
    ck.known("control", e.control, controls, "export_control id")
    ck.ordered(e.start, e.end)
    ck.days("snapback_delay_days", e.snapback_delay_days)


def label(e: Suspend) -> list[tuple[dt.date, str]]:
    marks = [(e.start, f"{e.control} suspended")]
    if e.end is not None:
        marks.append((e.end, f"{e.control} suspension ends"))
    return marks


def compile_suspension(cx: Compilation, key: str, e: Suspend) -> None:
    """The suspension with its snapback outcome and delay drawn."""
    delay = cx.draws.number(f"events[{key}].snapback_delay_days", e.snapback_delay_days)
    cx.suspensions.append(
        SuspensionSpec(
            control=cx.control_index[e.control],
            start=cx.day(e.start),
            end=cx.end_day(e.end),
            snapback=cx.draws.flag(f"events[{key}].snapback", e.snapback),
            snapback_delay=round(delay),
        )
    )


def _suspension(p: Policies, spec: SuspensionSpec) -> Generator[simpy.Event, Any, None]:
    c, start, end = spec.control, spec.start, spec.end
    yield p.until(start)
    p.state.policy_version += 1
    p.state.suspended[c] += 1
    p.forget_licences(c)
    if end >= p.net.horizon:
        return
    yield p.until(end)
    if p.resumed_at[c] >= start:
        return
    p.state.policy_version += 1
    if not spec.snapback:
        p.state.cancelled[c] = True
    elif spec.snapback_delay > 0:
        yield p.env.timeout(spec.snapback_delay)
    p.state.policy_version += 1
    p.state.suspended[c] = max(0, p.state.suspended[c] - 1)
    p.forget_licences(c)


def launch(p: Policies) -> None:
    """Each suspension starts, and at its end the control returns or is cancelled."""
    for _, spec in p.fresh("suspensions", p.net.suspensions):
        p.env.process(_suspension(p, spec))


REGISTRY.add(
    EventType(
        Suspend,
        check=check,
        label=label,
        compile=compile_suspension,
        stage="policy",
        launch=launch,
    ),
    builtin=True,
)
