"""``new_capacity``: a facility that joins the world at its own start date, with its ramp.

Its compilation is :meth:`NewCapacity.new_facilities`: the facility joins the world's
facilities before anything is indexed, and its start and ramp shape its capacity like any
facility's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from supplyshock.events.base import EventBase, EventType
from supplyshock.events.registry import REGISTRY
from supplyshock.scenario.tables import Facility

if TYPE_CHECKING:
    from supplyshock.events.checker import EventChecker

__all__ = ["NewCapacity"]


class NewCapacity(EventBase):
    type: Literal["new_capacity"]
    """A new facility, with its own start date and ramp."""
    facility: Facility
    """The facility, with the same fields as a facilities-table row."""

    def new_facilities(self) -> tuple[Facility, ...]:
        return (self.facility,)

    def unnamed_key(self) -> str:
        return f"new_capacity@{self.facility.id}"


def check(ck: EventChecker, e: NewCapacity) -> None:
    ck.facility(e.facility, "facility.")
    earlier = [f.id for f in ck.scenario.facilities]
    earlier += [f.id for other in ck.scenario.events[: ck.index] for f in other.new_facilities()]
    if e.facility.id in earlier:
        ck.problem("facility.id", e.facility.id, "a facility with this id already exists")
    if e.facility.start is not None:
        ck.in_horizon("facility.start", e.facility.start)


REGISTRY.add(EventType(NewCapacity, check=check), builtin=True)
