"""``amend``: new terms for a control from a date on, keeping licences already granted."""

from __future__ import annotations

import datetime as dt
from collections.abc import Generator
from typing import TYPE_CHECKING, Any, Literal

from supplyshock.events.base import EventBase, EventType
from supplyshock.events.export_control import ExportControl
from supplyshock.events.registry import REGISTRY
from supplyshock.model.network import Amendment
from supplyshock.scenario.fields import Fraction, Uncertain

if TYPE_CHECKING:
    import simpy

    from supplyshock.events.checker import EventChecker
    from supplyshock.model.compilation import Compilation
    from supplyshock.sim.policy import Policies

__all__ = ["Amend"]


class Amend(EventBase):
    """Change a control's terms from ``start`` on, keeping licences already granted."""

    type: Literal["amend"]
    """New terms for a control."""
    control: str
    """Id of the export control."""
    start: dt.date
    """First day of the new terms."""
    approval_probability: Uncertain | None = None
    """New approval probability; empty: unchanged."""
    processing_days: Uncertain | None = None
    """New processing time for applications filed from now on; empty: unchanged."""
    validity_days: Uncertain | None = None
    """New validity of licences granted from now on; empty: unchanged."""
    coverage: Uncertain | None = None
    """New coverage; empty: unchanged."""
    licensed_share: Fraction | None = None
    """New licensed share; empty: unchanged."""


def check(ck: EventChecker, e: Amend) -> None:
    controls = {c.id for c in ck.events_of(ExportControl) if c.id}
    ck.known("control", e.control, controls, "export_control id")
    for name in ("approval_probability", "coverage"):
        if getattr(e, name) is not None:
            ck.bounded(name, getattr(e, name), 0.0, 1.0)
    if e.processing_days is not None:
        ck.days("processing_days", e.processing_days)
    if e.validity_days is not None:
        ck.positive("validity_days", e.validity_days)
        ck.days("validity_days", e.validity_days)


def label(e: Amend) -> list[tuple[dt.date, str]]:
    return [(e.start, f"{e.control} amended")]


def compile_amendment(cx: Compilation, key: str, e: Amend) -> None:
    """The new terms, with their uncertain values drawn."""
    approval, coverage, validity = (
        None if spec is None else cx.draws.number(f"events[{key}].{name}", spec)
        for name, spec in (
            ("approval_probability", e.approval_probability),
            ("coverage", e.coverage),
            ("validity_days", e.validity_days),
        )
    )
    cx.amendments.append(
        Amendment(
            control=cx.control_index[e.control],
            start=cx.day(e.start),
            approval_probability=approval,
            processing_days=e.processing_days,
            validity_days=validity,
            coverage=coverage,
            licensed_share=e.licensed_share,
        )
    )


def _amend(p: Policies, amendment: Amendment) -> Generator[simpy.Event, Any, None]:
    yield p.until(amendment.start)
    c, s = amendment.control, p.state
    s.policy_version += 1
    if amendment.coverage is not None:
        s.coverage[c] = amendment.coverage
    if amendment.licensed_share is not None:
        s.licensed_share[c] = amendment.licensed_share


def launch(p: Policies) -> None:
    """On its day, an amendment changes the coverage and licensed share in force (approval,
    processing and validity act through the licence curves, laid out before the run)."""
    for _, amendment in p.fresh("amendments", p.net.amendments):
        p.env.process(_amend(p, amendment))


REGISTRY.add(
    EventType(
        Amend, check=check, label=label, compile=compile_amendment, stage="policy", launch=launch
    ),
    builtin=True,
)
