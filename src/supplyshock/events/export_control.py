"""``export_control``: an export control by one country, as link masks in force over a window."""

from __future__ import annotations

import datetime as dt
from collections.abc import Generator
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from pydantic import Field, model_validator

from supplyshock.events.base import EventBase, EventType
from supplyshock.events.parts import CommoditySelector, ContentRule, DestinationSelector
from supplyshock.events.registry import REGISTRY
from supplyshock.model.network import Control
from supplyshock.scenario.fields import DayCount, Fraction, StrList, Uncertain

if TYPE_CHECKING:
    import simpy

    from supplyshock.events.checker import EventChecker
    from supplyshock.model.compilation import Compilation
    from supplyshock.sim.policy import Policies

__all__ = ["ExportControl"]


class ExportControl(EventBase):
    type: Literal["export_control"]
    """An export control by one country."""
    exporter: str
    """Country imposing the control (ISO3)."""
    commodities: CommoditySelector
    """Commodities covered: ids and/or categories."""
    destinations: DestinationSelector = DestinationSelector(all_except=[])
    """Destinations covered (default: all)."""
    sectors: StrList = Field(default_factory=list)
    """End uses covered: demand-row sectors (e.g. defence) or facility kinds (e.g. fab) of the
    buyers; empty: all."""
    entities: StrList = Field(default_factory=list)
    """Named buyers covered (facility ids); empty: all."""
    mode: Literal["ban", "license", "quota"]
    """ban: no exports; license: each flow needs a licence; quota: exports capped per year."""
    approval_probability: Uncertain = 1.0
    """Chance that a licence application is granted (license mode)."""
    processing_days: Uncertain = 45.0
    """Days from application to decision (a distribution: the spread of decision times over
    applications)."""
    validity_days: Uncertain | None = None
    """Days a granted licence lasts before it must be renewed; empty: no expiry."""
    licensed_share: Fraction = 1.0
    """Share of the covered flow that a granted licence lets through."""
    coverage: Uncertain = 1.0
    """Share of each flow a ban or licence applies to (e.g. only Dy/Tb-bearing magnets)."""
    quota_per_year: Uncertain | None = None
    """Export cap in units per year (quota mode); a distribution when the cap in force is
    uncertain (e.g. licences of an earlier year still being used)."""
    content_rule: ContentRule | None = None
    """Extend the control to foreign-made goods with at least this share of controlled
    content of the origin country (the value share of the control's commodities made there)."""
    domestic_first: bool = False
    """While in force, the exporter's facilities serve home buyers of the controlled goods
    before any foreign buyer, whatever the foreign buyer's tier."""
    precaution_factor: Uncertain = 1.0
    """Factor by which buyers of the controlled goods in the destinations raise their cover
    targets from the announcement, for ``precaution_days`` (precautionary buying); 1: none."""
    precaution_days: DayCount = 0
    """Days the raised cover targets last."""
    announced: dt.date | None = None
    """Day the control was announced, on or before its start: precautionary buying starts
    then; empty: at the start."""
    start: dt.date
    """First day in force."""
    end: dt.date | None = None
    """First day no longer in force; empty: never ends."""

    @model_validator(mode="after")
    def _mode_fields(self) -> ExportControl:
        if self.mode == "quota" and self.quota_per_year is None:
            raise ValueError("mode 'quota' needs quota_per_year")
        if self.mode == "quota" and self.coverage != 1.0:
            raise ValueError("coverage applies to modes 'ban' and 'license', not 'quota'")
        if self.mode != "quota" and self.quota_per_year is not None:
            raise ValueError(f"quota_per_year applies to mode 'quota', not {self.mode!r}")
        if self.mode != "license" and self.validity_days is not None:
            raise ValueError(f"validity_days applies to mode 'license', not {self.mode!r}")
        return self


def check(ck: EventChecker, e: ExportControl) -> None:
    ck.known("exporter", e.exporter, ck.countries, "country")
    for c in e.commodities.ids:
        ck.known("commodities", c, ck.commodities, "commodity")
    for c in e.commodities.category:
        ck.known("commodities.category", c, ck.categories, "category")
    ck.places("destinations", e.destinations.include)
    ck.places("destinations.all_except", e.destinations.all_except or [])
    if e.content_rule is not None:
        ck.known("content_rule.origin", e.content_rule.origin, ck.countries, "country")
    ck.bounded("approval_probability", e.approval_probability, 0.0, 1.0)
    ck.bounded("coverage", e.coverage, 0.0, 1.0)
    if e.quota_per_year is not None:
        ck.bounded("quota_per_year", e.quota_per_year, 0.0)
    ck.days("processing_days", e.processing_days)
    if e.validity_days is not None:
        ck.positive("validity_days", e.validity_days)
        ck.days("validity_days", e.validity_days)
    ck.bounded("precaution_factor", e.precaution_factor, 1.0, 100.0)
    ck.bounded("precaution_days", e.precaution_days, 0.0)
    if e.announced is not None:
        ck.in_horizon("announced", e.announced)
        if e.announced > e.start:
            ck.problem("announced", e.announced.isoformat(), f"is after the start {e.start}")
        if e.precaution_factor == 1.0 or not e.precaution_days:
            ck.warn("announced", e.announced.isoformat(), "has no effect without precaution")
    for sector in e.sectors:
        ck.known("sectors", sector, ck.sectors, "sector (demand sector or kind)")
    for entity in e.entities:
        ck.known("entities", entity, ck.facilities, "facility")
    _warn_if_empty(ck, e)


def _warn_if_empty(ck: EventChecker, e: ExportControl) -> None:
    """A control on commodities that the exporter does not make (and no content rule)."""
    scn = ck.scenario
    wanted = set(e.commodities.ids) | {
        c.id for c in scn.commodities if c.category and c.category in e.commodities.category
    }
    if not wanted:
        ck.warn("commodities", e.commodities.model_dump(), "selects no commodity")
        return
    facilities = [*scn.facilities, *(f for ev in scn.events for f in ev.new_facilities())]
    made = {f.output for f in facilities if f.country == e.exporter}
    if e.content_rule is None and e.exporter in ck.countries and not wanted & made:
        ck.warn("exporter", e.exporter, "the exporter makes none of the commodities covered")
    ck.ordered(e.start, e.end)


def label(e: ExportControl) -> list[tuple[dt.date, str]]:
    return [(e.start, f"{e.id or e.exporter} {e.mode}")]


def compile_control(cx: Compilation, key: str, e: ExportControl) -> None:
    """The control as link masks: ``direct`` from the exporter, ``content`` from third
    countries under a content rule (with the rule's content tracer)."""
    ix, links, draws = cx.ix, cx.links, cx.draws
    start = cx.day(e.start)
    dest = ix.places(e.destinations, start)[links.buyer_country]
    dest &= cx.named(links.sector, e.sectors) & cx.named(links.entity, e.entities)
    controlled = ix.commodities(e.commodities)
    goods = controlled[links.commodity]
    from_exporter = links.supplier_country == ix.country[e.exporter]
    direct = from_exporter & goods & dest & links.export
    content = np.zeros_like(direct)
    origin, threshold = -1, 1.0
    if e.content_rule is not None:
        origin = cx.tracer(e.content_rule.origin, controlled)
        threshold = e.content_rule.threshold
        content = ~from_exporter & goods & dest & links.export
    approval = draws.number(f"events[{key}].approval_probability", e.approval_probability)
    validity = np.inf  # drawn in this order: the order of the replication's parameters
    if e.validity_days is not None:
        validity = draws.number(f"events[{key}].validity_days", e.validity_days)
    coverage = draws.number(f"events[{key}].coverage", e.coverage)
    quota = 0.0
    if e.quota_per_year is not None:
        quota = draws.number(f"events[{key}].quota_per_year", e.quota_per_year)
    precaution = draws.number(f"events[{key}].precaution_factor", e.precaution_factor)
    cx.control_index[key] = len(cx.controls)
    cx.controls.append(
        Control(
            id=key,
            mode=e.mode,
            start=start,
            end=cx.end_day(e.end),
            exporter=ix.country[e.exporter],
            goods=controlled,
            direct=direct,
            content=content,
            origin=origin,
            threshold=threshold,
            approval_probability=approval,
            processing_days=e.processing_days,
            validity_days=validity,
            licensed_share=e.licensed_share,
            coverage=coverage,
            quota_per_day=quota / 365.0,
            domestic_first=e.domestic_first,
            has_content=bool(content.any()),
            precaution_factor=precaution,
            precaution_days=int(e.precaution_days),
            precaution_start=start if e.announced is None else cx.day(e.announced),
        )
    )


def _window(p: Policies, c: int, start: int, end: int) -> Generator[simpy.Event, Any, None]:
    yield p.until(start)
    p.set_window(c, True)
    if end < p.net.horizon:
        yield p.until(end)
        p.set_window(c, False)


def _precaution(p: Policies, c: int, start: int, days: int) -> Generator[simpy.Event, Any, None]:
    yield p.until(start)
    p.set_precaution(c, True)
    yield p.until(start + days)
    p.set_precaution(c, False)


def launch(p: Policies) -> None:
    """Each control opens at its start and closes at its end; buyers of its goods raise
    their cover for its precaution days from its announcement (its start if not given)."""
    for c, ctrl in p.fresh("controls", p.net.controls):
        p.env.process(_window(p, c, ctrl.start, ctrl.end))
        if ctrl.precaution_factor != 1.0 and ctrl.precaution_days > 0:
            p.env.process(_precaution(p, c, ctrl.precaution_start, ctrl.precaution_days))


REGISTRY.add(
    EventType(
        ExportControl,
        check=check,
        label=label,
        compile=compile_control,
        stage="policy",
        launch=launch,
    ),
    builtin=True,
)
