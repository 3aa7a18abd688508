"""The scenario data model: pydantic records for every table and event, all ``extra="forbid"``.

A :class:`World` is what exists (commodities, countries, blocs, facilities, recipes, lanes,
supplier shares, demand, stocks); a :class:`Scenario` is a world plus a timeline of policy
events. Field names are the column names of the CSV tables and the keys of the YAML files.
Numbers that may be uncertain are typed :data:`~supplyshock.scenario.distributions.Uncertain`.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    model_validator,
)

from supplyshock.scenario.distributions import Choice, Distribution, parse_uncertain

__all__ = [
    "Amend",
    "BlocMember",
    "CapacityShock",
    "Commodity",
    "CommoditySelector",
    "ContentRule",
    "Country",
    "Demand",
    "DemandShift",
    "DestinationSelector",
    "Event",
    "ExportControl",
    "Facility",
    "FacilityKind",
    "Lane",
    "NewCapacity",
    "Recipe",
    "Resume",
    "Scenario",
    "Settings",
    "Stock",
    "StockpileRelease",
    "SupplierShare",
    "Suspend",
    "World",
]


def _finite(value: float) -> float:
    if not math.isfinite(value):
        raise ValueError("must be a finite number")
    return value


def _split_list(value: Any) -> Any:
    """CSV cells hold lists as ``A;B;C``."""
    if isinstance(value, str):
        return [part.strip() for part in value.split(";") if part.strip()]
    return value


Finite = Annotated[float, AfterValidator(_finite)]
NonNegative = Annotated[float, AfterValidator(_finite), Field(ge=0)]
Positive = Annotated[float, AfterValidator(_finite), Field(gt=0)]
Fraction = Annotated[float, AfterValidator(_finite), Field(ge=0, le=1)]
StrList = Annotated[list[str], BeforeValidator(_split_list)]


def _uncertain(value: Any) -> Any:
    """Dispatch a mapping to Distribution or Choice so that errors name the bad key and value."""
    return parse_uncertain(value)


def _choice(value: Any) -> Any:
    """Like :func:`_uncertain`, for fields that take a choice but no distribution."""
    return parse_uncertain(value, allow_dist=False)


Uncertain = Annotated[Finite | Distribution | Choice, BeforeValidator(_uncertain)]
FlagOrChoice = Annotated[bool | Fraction | Choice, BeforeValidator(_choice)]


class Record(BaseModel):
    """Base of all scenario records: unknown fields are errors, instances are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


# --------------------------------------------------------------------------- world tables


class Sourced(Record):
    """A table row that says where its numbers come from."""

    source: str = ""
    note: str = ""


class Commodity(Sourced):
    """A traded good. ``tradable: false`` keeps it in its country (e.g. datacenter MW);
    ``qualification_days`` overrides the world setting for switching suppliers of it."""

    id: str = Field(min_length=1)
    unit: str = "t"
    usd_per_unit: Positive
    category: str = ""
    tradable: bool = True
    qualification_days: Uncertain | None = None


class Country(Record):
    iso3: str = Field(pattern=r"^[A-Z]{3}$")
    name: str = ""
    source: str = ""


class BlocMember(Record):
    country: str
    since: dt.date | None = None
    until: dt.date | None = None
    source: str = ""


FacilityKind = Literal[
    "mine",
    "separator",
    "refiner",
    "metal_alloy",
    "magnet_maker",
    "fab",
    "accelerator_maker",
    "datacenter_builder",
    "recycler",
    "other",
]


class Facility(Sourced):
    id: str = Field(min_length=1)
    kind: FacilityKind
    country: str
    output: str
    capacity_per_year: Uncertain
    recipe: str = ""
    yield_: Fraction = Field(default=1.0, alias="yield")
    start: dt.date | None = None
    ramp_days: NonNegative = 0.0
    outage_rate_per_year: NonNegative = 0.0
    outage_days: Uncertain = 0.0
    output_days_of_cover: NonNegative | None = None


class Recipe(Sourced):
    """One input of a named recipe: ``per_unit`` of it per unit of output on average.

    ``essential_share`` is the share of the output that cannot be made without this input
    (default 1: all of it). Without the input a facility still makes the rest, e.g. a fab's
    silicon wafers without gallium, which only its compound-semiconductor lines need.
    """

    recipe: str = Field(min_length=1)
    input: str
    per_unit: Positive
    essential_share: Annotated[float, AfterValidator(_finite), Field(gt=0, le=1)] = 1.0


class Lane(Sourced):
    origin: str
    destination: str
    lead_time_days: Uncertain


class SupplierShare(Sourced):
    buyer: str
    commodity: str
    supplier: str
    share: Fraction


class Demand(Sourced):
    country: str
    commodity: str
    per_year: Uncertain
    growth: Finite = 0.0
    tier: int = Field(default=2, ge=1, le=9)
    sector: str = ""


class Stock(Sourced):
    """Firm safety stock (``kind: firm``) or a strategic reserve (``kind: strategic``).

    Firm stock is days of cover of the holder's own use. A strategic reserve holds
    ``days_of_cover`` of its country's demand (or ``quantity``), releases ``release_rate_per_day``
    when holders' stocks fall below ``release_trigger_days`` of cover, to the countries in
    ``may_draw`` (default: its own country).
    """

    holder: str
    commodity: str
    kind: Literal["firm", "strategic"] = "firm"
    days_of_cover: Uncertain | None = None
    quantity: NonNegative | None = None
    release_trigger_days: NonNegative = 0.0
    release_rate_per_day: NonNegative = 0.0
    may_draw: StrList = Field(default_factory=list)

    @model_validator(mode="after")
    def _one_amount(self) -> Stock:
        if (self.days_of_cover is None) == (self.quantity is None):
            raise ValueError("give exactly one of days_of_cover or quantity")
        return self


class Settings(Record):
    allocation: Literal["priority", "pro_rata", "domestic_first"] = "priority"
    order_smoothing_days: Positive = 7.0
    domestic_lead_time_days: Uncertain = 2.0
    default_lead_time_days: Uncertain | None = None
    input_days_of_cover: NonNegative = 30.0
    market_days_of_cover: NonNegative = 30.0
    output_days_of_cover: NonNegative = 7.0
    switch_after_days: int = Field(default=14, ge=1)
    qualification_days: Uncertain = 90.0
    recovery_window_days: int = Field(default=30, ge=1)
    max_links_per_buyer: int | None = Field(default=None, ge=1)


# --------------------------------------------------------------------------- events


class CommoditySelector(Record):
    ids: StrList = Field(default_factory=list)
    category: StrList = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _from_list(cls, data: Any) -> Any:
        if isinstance(data, list | str):
            return {"ids": data}
        return data


class DestinationSelector(Record):
    """``all``, a list of countries/blocs, or ``{all_except: [...]}``."""

    include: StrList = Field(default_factory=list)
    all_except: StrList | None = None

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
    threshold: Fraction


class EventBase(Record):
    id: str = ""
    description: str = ""
    source: str = ""


class ExportControl(EventBase):
    type: Literal["export_control"]
    exporter: str
    commodities: CommoditySelector
    destinations: DestinationSelector = DestinationSelector(all_except=[])
    mode: Literal["ban", "license", "quota"]
    approval_probability: Uncertain = 1.0
    processing_days: Uncertain = 45.0
    licensed_share: Fraction = 1.0
    coverage: Uncertain = 1.0
    quota_per_year: NonNegative | None = None
    content_rule: ContentRule | None = None
    start: dt.date
    end: dt.date | None = None

    @model_validator(mode="after")
    def _mode_fields(self) -> ExportControl:
        if self.mode == "quota" and self.quota_per_year is None:
            raise ValueError("mode 'quota' needs quota_per_year")
        return self


class Suspend(EventBase):
    type: Literal["suspend"]
    control: str
    start: dt.date
    end: dt.date | None = None
    snapback: FlagOrChoice = False
    snapback_delay_days: Uncertain = 0.0


class Resume(EventBase):
    type: Literal["resume"]
    control: str
    start: dt.date


class Amend(EventBase):
    """Change a control's terms from ``start`` on, keeping licences already granted."""

    type: Literal["amend"]
    control: str
    start: dt.date
    approval_probability: Uncertain | None = None
    processing_days: Uncertain | None = None
    coverage: Uncertain | None = None
    licensed_share: Fraction | None = None


class CapacityShock(EventBase):
    type: Literal["capacity_shock"]
    facility: str | None = None
    country: str | None = None
    output: str | None = None
    share_lost: Uncertain
    start: dt.date
    end: dt.date | None = None

    @model_validator(mode="after")
    def _target(self) -> CapacityShock:
        if self.facility is None and self.country is None:
            raise ValueError("give a facility or a country")
        return self


class NewCapacity(EventBase):
    type: Literal["new_capacity"]
    facility: Facility


class StockpileRelease(EventBase):
    type: Literal["stockpile_release"]
    holder: str
    commodity: str
    rate_per_day: NonNegative
    start: dt.date
    end: dt.date | None = None


class DemandShift(EventBase):
    type: Literal["demand_shift"]
    countries: DestinationSelector = DestinationSelector(all_except=[])
    commodity: str
    input: str | None = None
    change: Annotated[float, AfterValidator(_finite), Field(gt=-1)]
    start: dt.date
    lag_days: NonNegative = 0.0


Event = Annotated[
    ExportControl
    | Suspend
    | Resume
    | Amend
    | CapacityShock
    | NewCapacity
    | StockpileRelease
    | DemandShift,
    Field(discriminator="type"),
]


# --------------------------------------------------------------------------- containers


class World(Record):
    name: str = Field(min_length=1)
    description: str = ""
    start: dt.date
    horizon_days: int = Field(gt=0, le=36500)
    settings: Settings = Settings()
    commodities: list[Commodity] = Field(min_length=1)
    countries: list[Country] = Field(min_length=1)
    blocs: dict[str, list[BlocMember]] = Field(default_factory=dict)
    facilities: list[Facility] = Field(default_factory=list)
    recipes: list[Recipe] = Field(default_factory=list)
    lanes: list[Lane] = Field(default_factory=list)
    supplier_shares: list[SupplierShare] = Field(default_factory=list)
    demand: list[Demand] = Field(default_factory=list)
    stocks: list[Stock] = Field(default_factory=list)

    @property
    def end(self) -> dt.date:
        return self.start + dt.timedelta(days=self.horizon_days)


class Scenario(World):
    """A validated world plus a timeline of events; the input to :func:`supplyshock.run`."""

    events: list[Event] = Field(default_factory=list)
    sources: list[str] = Field(default_factory=list)
    origin_file: str = Field(default="<python>", exclude=True)

    def content_hash(self) -> str:
        """SHA-256 of the scenario's canonical JSON: equal for equal content."""
        import hashlib

        payload = self.model_dump_json(by_alias=True, exclude={"origin_file"})
        return hashlib.sha256(payload.encode()).hexdigest()
