"""``general_licence``: named exporters may ship a control's goods without applying."""

from __future__ import annotations

import datetime as dt
from collections.abc import Generator
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field

from supplyshock.events.base import EventBase, EventType
from supplyshock.events.export_control import ExportControl
from supplyshock.events.parts import DestinationSelector
from supplyshock.events.registry import REGISTRY
from supplyshock.model.network import GeneralLicenceSpec
from supplyshock.scenario.fields import StrList

if TYPE_CHECKING:
    import simpy

    from supplyshock.events.checker import EventChecker
    from supplyshock.model.compilation import Compilation
    from supplyshock.sim.policy import Policies

__all__ = ["GeneralLicence"]


class GeneralLicence(EventBase):
    """A general licence: named exporters may ship a control's goods to named destinations
    without applying, from ``start`` to ``end`` (e.g. China's year-long licences of Dec 2025)."""

    type: Literal["general_licence"]
    """A general licence under a control."""
    control: str
    """Id of the export control (license mode)."""
    exporters: StrList = Field(default_factory=list)
    """Facility ids that hold the licence; empty: every supplier the control reaches."""
    destinations: DestinationSelector = DestinationSelector(all_except=[])
    """Destinations it covers (default: all)."""
    entities: StrList = Field(default_factory=list)
    """Named customers it covers (facility ids); empty: every buyer in the destinations."""
    start: dt.date
    """First day in force."""
    end: dt.date | None = None
    """First day no longer in force; empty: until the horizon."""


def check(ck: EventChecker, e: GeneralLicence) -> None:
    licensing = {c.id for c in ck.events_of(ExportControl) if c.mode == "license"}
    ck.known("control", e.control, licensing, "export_control id (license mode)")
    for exporter in e.exporters:
        ck.known("exporters", exporter, ck.facilities, "facility")
    for entity in e.entities:
        ck.known("entities", entity, ck.facilities, "facility")
    ck.places("destinations", e.destinations.include)
    ck.places("destinations.all_except", e.destinations.all_except or [])
    ck.ordered(e.start, e.end)


def label(e: GeneralLicence) -> list[tuple[dt.date, str]]:
    return [(e.start, f"{e.control} general licence")]


def compile_licence(cx: Compilation, key: str, e: GeneralLicence) -> None:
    """The links the licence covers (whichever control applies to them)."""
    links = cx.links
    start = cx.day(e.start)
    holders = cx.named(cx.facility_names, e.exporters)[links.supplier]
    dest = cx.ix.places(e.destinations, start)[links.buyer_country]
    dest &= cx.named(links.entity, e.entities)
    cx.general_licences.append(
        GeneralLicenceSpec(cx.control_index[e.control], start, cx.end_day(e.end), holders & dest)
    )


def _licence(p: Policies, g: int, start: int, end: int) -> Generator[simpy.Event, Any, None]:
    yield p.until(start)
    p.state.policy_version += 1
    p.state.general_on[g] = True
    if end < p.net.horizon:
        yield p.until(end)
        p.state.policy_version += 1
        p.state.general_on[g] = False


def launch(p: Policies) -> None:
    """Each general licence is in force from its start to its end."""
    for g, licence in p.fresh("general_licences", p.net.general_licences):
        p.env.process(_licence(p, g, licence.start, licence.end))


REGISTRY.add(
    EventType(
        GeneralLicence,
        check=check,
        label=label,
        compile=compile_licence,
        stage="policy",
        launch=launch,
    ),
    builtin=True,
)
