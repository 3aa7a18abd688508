"""``resume``: every suspension of a control ends early."""

from __future__ import annotations

import datetime as dt
from collections.abc import Generator
from typing import TYPE_CHECKING, Any, Literal

from supplyshock.events.base import EventBase, EventType
from supplyshock.events.export_control import ExportControl
from supplyshock.events.registry import REGISTRY

if TYPE_CHECKING:
    import simpy

    from supplyshock.events.checker import EventChecker
    from supplyshock.model.compilation import Compilation
    from supplyshock.sim.policy import Policies

__all__ = ["Resume"]


class Resume(EventBase):
    type: Literal["resume"]
    """Ends every suspension of a control early."""
    control: str
    """Id of the export control."""
    start: dt.date
    """Day the control is in force again."""


def check(ck: EventChecker, e: Resume) -> None:
    controls = {c.id for c in ck.events_of(ExportControl) if c.id}
    ck.known("control", e.control, controls, "export_control id")


def label(e: Resume) -> list[tuple[dt.date, str]]:
    return [(e.start, f"{e.control} resumed")]


def compile_resume(cx: Compilation, key: str, e: Resume) -> None:
    cx.resumes.append((cx.control_index[e.control], cx.day(e.start)))


def _resume(p: Policies, c: int, day: int) -> Generator[simpy.Event, Any, None]:
    yield p.until(day)
    p.resumed_at[c] = day
    p.state.policy_version += 1
    p.state.suspended[c] = 0


def launch(p: Policies) -> None:
    """On its day, a resumption lifts every suspension of the control."""
    for _, (c, day) in p.fresh("resumes", p.net.resumes):
        p.env.process(_resume(p, c, day))


REGISTRY.add(
    EventType(
        Resume, check=check, label=label, compile=compile_resume, stage="policy", launch=launch
    ),
    builtin=True,
)
