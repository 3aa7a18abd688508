"""Compile the policy timeline: export controls to link masks, suspensions, reserves, releases."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from supplyshock.errors import ScenarioError
from supplyshock.model.draws import Drawer
from supplyshock.model.index import FAR, ScenarioIndex, event_key
from supplyshock.model.network import (
    Amendment,
    BoolArray,
    Control,
    FloatArray,
    GeneralLicenceSpec,
    IntArray,
    ReleaseWindow,
    Reserve,
    SuspensionSpec,
)
from supplyshock.scenario import schema

__all__ = [
    "PolicyLinks",
    "compile_amendments",
    "compile_controls",
    "compile_general_licences",
    "compile_reserves",
    "compile_suspensions",
    "timeline",
]


@dataclass(frozen=True)
class PolicyLinks:
    """What policy compilation needs to know about the trade links."""

    buyer_country: IntArray  # [l]
    supplier_country: IntArray  # [l]
    supplier: IntArray  # [l] facility
    commodity: IntArray  # [l]
    export: BoolArray  # [l]
    sector: tuple[str, ...]  # [l] the buyer's sector (demand row) or kind (facility input)
    entity: tuple[str, ...]  # [l] the buyer's facility id ("" for final demand)


@dataclass(frozen=True)
class Tracer:
    """Controlled content tracked for content rules: commodities ``goods`` made in ``origin``."""

    origin: int
    goods: BoolArray  # [k]
    label: str


def _named(values: tuple[str, ...], names: list[str]) -> BoolArray:
    """Links whose value is among ``names`` (all links when ``names`` is empty)."""
    if not names:
        return np.ones(len(values), dtype=bool)
    wanted = set(names)
    return np.array([v in wanted for v in values], dtype=bool)


def _tracer(tracers: list[Tracer], ix: ScenarioIndex, origin: str, goods: BoolArray) -> int:
    """Index of the tracer for ``origin`` and ``goods``, added if new."""
    o = ix.country[origin]
    for i, tr in enumerate(tracers):
        if tr.origin == o and np.array_equal(tr.goods, goods):
            return i
    names = ",".join(k for k, on in zip(ix.commodity, goods, strict=True) if on)
    tracers.append(Tracer(o, goods, f"{origin}:{names}"))
    return len(tracers) - 1


def _optional(draws: Drawer, key: str, value: object, default: float) -> float:
    return default if value is None else draws.number(key, value)


def compile_controls(
    ix: ScenarioIndex, links: PolicyLinks, draws: Drawer
) -> tuple[list[Control], list[Tracer], dict[str, int]]:
    """Export controls as link masks; also the content tracers and control ids -> index."""
    tracers: list[Tracer] = []
    controls: list[Control] = []
    index: dict[str, int] = {}
    for j, e in enumerate(ix.scn.events):
        if not isinstance(e, schema.ExportControl):
            continue
        key = event_key(ix.scn.events, j)
        start = ix.day(e.start, 0)
        dest = ix.places(e.destinations, start)[links.buyer_country]
        dest &= _named(links.sector, e.sectors) & _named(links.entity, e.entities)
        controlled = ix.commodities(e.commodities)
        goods = controlled[links.commodity]
        from_exporter = links.supplier_country == ix.country[e.exporter]
        direct = from_exporter & goods & dest & links.export
        content = np.zeros_like(direct)
        origin, threshold = -1, 1.0
        if e.content_rule is not None:
            origin = _tracer(tracers, ix, e.content_rule.origin, controlled)
            threshold = e.content_rule.threshold
            content = ~from_exporter & goods & dest & links.export
        index[key] = len(controls)
        controls.append(
            Control(
                id=key,
                mode=e.mode,
                start=start,
                end=ix.day(e.end, FAR),
                exporter=ix.country[e.exporter],
                goods=controlled,
                direct=direct,
                content=content,
                origin=origin,
                threshold=threshold,
                approval_probability=draws.number(
                    f"events[{key}].approval_probability", e.approval_probability
                ),
                processing_days=e.processing_days,
                validity_days=_optional(
                    draws, f"events[{key}].validity_days", e.validity_days, np.inf
                ),
                licensed_share=e.licensed_share,
                coverage=draws.number(f"events[{key}].coverage", e.coverage),
                quota_per_day=(e.quota_per_year or 0.0) / 365.0,
                domestic_first=e.domestic_first,
                has_content=bool(content.any()),
            )
        )
    return controls, tracers, index


def compile_general_licences(
    ix: ScenarioIndex, links: PolicyLinks, control_index: dict[str, int]
) -> list[GeneralLicenceSpec]:
    """General licences as link masks (which links they cover, whichever control applies)."""
    names = tuple(f.id for f in ix.facilities)
    specs: list[GeneralLicenceSpec] = []
    for e in ix.scn.events:
        if not isinstance(e, schema.GeneralLicence):
            continue
        start = ix.day(e.start, 0)
        holders = _named(names, e.exporters)[links.supplier]
        dest = ix.places(e.destinations, start)[links.buyer_country]
        dest &= _named(links.entity, e.entities)
        specs.append(
            GeneralLicenceSpec(control_index[e.control], start, ix.day(e.end, FAR), holders & dest)
        )
    return specs


def compile_amendments(
    ix: ScenarioIndex, control_index: dict[str, int], draws: Drawer
) -> list[Amendment]:
    """Changes of a control's terms, with their uncertain values drawn."""
    amendments: list[Amendment] = []
    for j, e in enumerate(ix.scn.events):
        if not isinstance(e, schema.Amend):
            continue
        key = event_key(ix.scn.events, j)
        approval, coverage, validity = (
            None if spec is None else draws.number(f"events[{key}].{name}", spec)
            for name, spec in (
                ("approval_probability", e.approval_probability),
                ("coverage", e.coverage),
                ("validity_days", e.validity_days),
            )
        )
        amendments.append(
            Amendment(
                control=control_index[e.control],
                start=ix.day(e.start, 0),
                approval_probability=approval,
                processing_days=e.processing_days,
                validity_days=validity,
                coverage=coverage,
                licensed_share=e.licensed_share,
            )
        )
    return amendments


def compile_suspensions(
    ix: ScenarioIndex, control_index: dict[str, int], draws: Drawer
) -> tuple[list[SuspensionSpec], list[tuple[int, int]]]:
    """Suspensions (with their snapback outcome drawn) and resumptions."""
    suspensions: list[SuspensionSpec] = []
    resumes: list[tuple[int, int]] = []
    for j, e in enumerate(ix.scn.events):
        if isinstance(e, schema.Suspend):
            key = event_key(ix.scn.events, j)
            delay = draws.number(f"events[{key}].snapback_delay_days", e.snapback_delay_days)
            suspensions.append(
                SuspensionSpec(
                    control=control_index[e.control],
                    start=ix.day(e.start, 0),
                    end=ix.day(e.end, FAR),
                    snapback=draws.flag(f"events[{key}].snapback", e.snapback),
                    snapback_delay=round(delay),
                )
            )
        elif isinstance(e, schema.Resume):
            resumes.append((control_index[e.control], ix.day(e.start, 0)))
    return suspensions, resumes


def compile_reserves(
    ix: ScenarioIndex,
    strategic: list[tuple[schema.Stock, float | None]],
    buyer_country: IntArray,
    buyer_commodity: IntArray,
    need: FloatArray,
    fac_country: IntArray,
) -> tuple[list[Reserve], list[ReleaseWindow]]:
    """Strategic reserves sized from today's need, and scheduled releases from them."""
    reserves: list[Reserve] = []
    lookup: dict[tuple[int, int], int] = {}
    for stock, days in strategic:
        k = ix.commodity[stock.commodity]
        if stock.holder in ix.country:
            holder = ix.country[stock.holder]
        else:
            holder = int(fac_country[ix.facility[stock.holder]])
        own_country = np.arange(ix.C) == holder
        drawers = ix.ever_members(stock.may_draw) if stock.may_draw else own_country
        eligible = np.flatnonzero((buyer_commodity == k) & drawers[buyer_country])
        own = float(need[(buyer_commodity == k) & (buyer_country == holder)].sum())
        quantity = stock.quantity if stock.quantity is not None else (days or 0.0) * own
        lookup.setdefault((holder, k), len(reserves))
        reserves.append(
            Reserve(
                country=holder,
                commodity=k,
                quantity=float(quantity),
                trigger_days=stock.release_trigger_days,
                rate_per_day=stock.release_rate_per_day,
                eligible_buyers=eligible.astype(np.int64),
            )
        )
    releases: list[ReleaseWindow] = []
    for j, e in enumerate(ix.scn.events):
        if not isinstance(e, schema.StockpileRelease):
            continue
        key = (ix.country[e.holder], ix.commodity[e.commodity])
        if key not in lookup:
            raise ScenarioError.single(
                ix.scn.origin_file,
                f"events[{event_key(ix.scn.events, j)}].holder",
                e.holder,
                f"no strategic stock of {e.commodity} held by {e.holder}",
            )
        start = ix.day(e.start, 0)
        if e.share is not None and e.days is not None:
            releases.append(ReleaseWindow(lookup[key], start, start + e.days, 0.0, e.share))
        else:
            rate = e.rate_per_day or 0.0
            releases.append(ReleaseWindow(lookup[key], start, ix.day(e.end, FAR), rate))
    return reserves, releases


def timeline(scn: schema.Scenario) -> list[tuple[str, str]]:
    """Dated labels of the scenario's controls and suspensions, for plots."""
    marks: list[tuple[str, str]] = []
    for e in scn.events:
        if isinstance(e, schema.ExportControl):
            marks.append((e.start.isoformat(), f"{e.id or e.exporter} {e.mode}"))
        elif isinstance(e, schema.Suspend):
            marks.append((e.start.isoformat(), f"{e.control} suspended"))
            if e.end is not None:
                marks.append((e.end.isoformat(), f"{e.control} suspension ends"))
        elif isinstance(e, schema.Resume):
            marks.append((e.start.isoformat(), f"{e.control} resumed"))
        elif isinstance(e, schema.Amend):
            marks.append((e.start.isoformat(), f"{e.control} amended"))
        elif isinstance(e, schema.GeneralLicence):
            marks.append((e.start.isoformat(), f"{e.control} general licence"))
        elif isinstance(e, schema.StockpileRelease) and e.id:
            marks.append((e.start.isoformat(), f"{e.id}: {e.holder} releases {e.commodity}"))
        elif isinstance(e, schema.Tension):
            sign = "+" if e.change >= 0 else ""
            marks.append((e.start.isoformat(), f"{e.id or e.name} tension {sign}{e.change:g}"))
    return marks
