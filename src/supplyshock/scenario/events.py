"""Policy events on a scenario's timeline: controls, suspensions, shocks, responses."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, model_validator

from supplyshock.scenario.fields import (
    FlagOrChoice,
    Fraction,
    NonNegative,
    Record,
    StrList,
    Uncertain,
    check_finite,
)
from supplyshock.scenario.tables import Facility

__all__ = [
    "Amend",
    "CapacityShock",
    "CommoditySelector",
    "ContentRule",
    "DemandShift",
    "DestinationSelector",
    "Event",
    "EventBase",
    "ExportControl",
    "GeneralLicence",
    "NewCapacity",
    "Resume",
    "StockpileRelease",
    "Suspend",
    "Tension",
]


class CommoditySelector(Record):
    ids: StrList = Field(default_factory=list)
    """Commodity ids (a list or a single id may also be written directly)."""
    category: StrList = Field(default_factory=list)
    """Commodity categories; every commodity in them is selected."""

    @model_validator(mode="before")
    @classmethod
    def _from_list(cls, data: Any) -> Any:
        if isinstance(data, list | str):
            return {"ids": data}
        return data


class DestinationSelector(Record):
    """``all``, a list of countries/blocs, or ``{all_except: [...]}``."""

    include: StrList = Field(default_factory=list)
    """Countries or blocs selected (bloc membership on the event's start date)."""
    all_except: StrList | None = None
    """Every country except these countries or blocs."""

    @model_validator(mode="before")
    @classmethod
    def _from_short(cls, data: Any) -> Any:
        if data == "all":
            return {"all_except": []}
        if isinstance(data, list | str):
            return {"include": data}
        return data


class ContentRule(Record):
    origin: str
    """Country whose share of content is measured (ISO3)."""
    threshold: Fraction
    """Value share at or above which foreign-made goods fall under the control (0.001 = 0.1%)."""


class EventBase(Record):
    id: str = ""
    """Identifier: suspensions and amendments name controls by it; a scenario's event
    replaces an inherited event with the same id. Parameter keys name the event by it
    (``events[<id>].<field>``); without one, by type and start date
    (``events[capacity_shock@2026-03-01].share_lost``)."""
    description: str = ""
    """What the event stands for."""
    source: str = ""
    """Where the event and its numbers come from."""


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
    quota_per_year: NonNegative | None = None
    """Export cap in units per year (quota mode)."""
    content_rule: ContentRule | None = None
    """Extend the control to foreign-made goods with at least this share of controlled
    content of the origin country (the value share of the control's commodities made there)."""
    domestic_first: bool = False
    """While in force, the exporter's facilities serve home buyers of the controlled goods
    before any foreign buyer, whatever the foreign buyer's tier."""
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


class Resume(EventBase):
    type: Literal["resume"]
    """Ends every suspension of a control early."""
    control: str
    """Id of the export control."""
    start: dt.date
    """Day the control is in force again."""


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


class CapacityShock(EventBase):
    type: Literal["capacity_shock"]
    """A loss of capacity (accident, flood, strike, quota cut)."""
    facility: str | None = None
    """Facility hit (or give a country)."""
    country: str | None = None
    """Country whose facilities are hit."""
    output: str | None = None
    """Only facilities making this commodity."""
    share_lost: Uncertain
    """Share of capacity lost (0–1)."""
    start: dt.date
    """First day of the loss."""
    end: dt.date | None = None
    """First day back to normal; empty: permanent."""

    @model_validator(mode="after")
    def _target(self) -> CapacityShock:
        if self.facility is None and self.country is None:
            raise ValueError("give a facility or a country")
        return self


class NewCapacity(EventBase):
    type: Literal["new_capacity"]
    """A new facility, with its own start date and ramp."""
    facility: Facility
    """The facility, with the same fields as a facilities-table row."""


class StockpileRelease(EventBase):
    """A scheduled release from a strategic reserve: a rate, or a share of its content."""

    type: Literal["stockpile_release"]
    """A scheduled release from a strategic reserve."""
    holder: str
    """Country holding the strategic reserve (ISO3)."""
    commodity: str
    """Commodity released."""
    rate_per_day: NonNegative | None = None
    """Units released per day, on top of any triggered release (or give share and days)."""
    share: Fraction | None = None
    """Share of the reserve's content on the first day to release, evenly over ``days``."""
    days: int | None = Field(default=None, gt=0)
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


class Tension(EventBase):
    """A change in a named tension index, read by rules' conditions and hazards."""

    type: Literal["tension"]
    """A step in a tension index (all tensions start at 0)."""
    name: str = Field(min_length=1)
    """Name of the tension (e.g. us_china)."""
    change: Annotated[float, AfterValidator(check_finite)]
    """Amount added to the tension on ``start`` (negative: it eases)."""
    start: dt.date
    """Day of the change."""


class DemandShift(EventBase):
    type: Literal["demand_shift"]
    """A change in demand, or with input set, in an input's use per unit (thrifting)."""
    countries: DestinationSelector = DestinationSelector(all_except=[])
    """Countries affected (default: all)."""
    commodity: str
    """Commodity whose demand (or whose makers' recipe) changes."""
    input: str | None = None
    """If set, this input's use per unit of commodity changes instead of demand."""
    change: Annotated[float, AfterValidator(check_finite), Field(gt=-1)]
    """Relative change once fully phased in (-0.3 = 30% less)."""
    start: dt.date
    """First day of the change."""
    lag_days: NonNegative = 0.0
    """Days over which the change phases in linearly."""


Event = Annotated[
    ExportControl
    | Suspend
    | Resume
    | Amend
    | GeneralLicence
    | CapacityShock
    | NewCapacity
    | StockpileRelease
    | DemandShift
    | Tension,
    Field(discriminator="type"),
]
