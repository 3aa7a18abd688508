"""World tables: commodities, countries, blocs, facilities, recipes, lanes, shares, demand,
stocks, and the simulation settings. Field names are CSV column names."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import AfterValidator, BeforeValidator, Field, model_validator

from supplyshock.scenario.fields import (
    MAX_AMOUNT,
    MAX_DAYS,
    Count,
    DayCount,
    Days,
    Fraction,
    NonNegative,
    NotBool,
    Positive,
    Record,
    Spread,
    StrList,
    TimeConstant,
    Uncertain,
    check_finite,
)

__all__ = [
    "BlocMember",
    "Commodity",
    "Country",
    "Demand",
    "Facility",
    "FacilityKind",
    "Lane",
    "Recipe",
    "Settings",
    "Sourced",
    "Stock",
    "SupplierShare",
]


def _fixed_share(value: object) -> object:
    """Shares are numbers: shares drawn one by one need not sum to 1."""
    if isinstance(value, dict):
        raise ValueError(
            "a supplier share must be a number: shares drawn one by one need not sum to 1 "
            "with the other shares of the buyer and commodity; to sample the shares, give "
            "the group a share_concentration (a Dirichlet draw around the shares)"
        )
    return value


class Sourced(Record):
    """A table row that says where its numbers come from."""

    source: str = ""
    """Where the row's numbers come from (publication, year, table or page)."""
    note: str = ""
    """How an estimate was made: assumptions and arithmetic."""


class Commodity(Sourced):
    """A traded good. ``tradable: false`` keeps it in its country (e.g. datacenter MW);
    ``qualification_days`` overrides the world setting for switching suppliers of it."""

    id: str = Field(min_length=1)
    """Identifier used in every other table."""
    unit: str = "t"
    """Unit of quantities (t, MW, unit, ...); results report it beside each number."""
    usd_per_unit: Annotated[Positive, Field(le=MAX_AMOUNT)]
    """Value per unit in US$; weights origin shares for content rules."""
    category: str = ""
    """Group that controls can name (e.g. heavy_ree, ree_magnet)."""
    tradable: bool = True
    """False: only bought from facilities in the buyer's own country."""
    qualification_days: Uncertain | None = None
    """Days to qualify a new supplier of it; overrides settings.qualification_days."""


class Country(Record):
    iso3: str = Field(pattern=r"^[A-Z]{3}$")
    """Three-letter code (ISO 3166 alpha-3, or e.g. ROW for rest of world)."""
    name: str = ""
    """Display name."""
    source: str = ""
    """Where the row comes from."""


class BlocMember(Record):
    country: str
    """Member country (ISO3)."""
    since: dt.date | None = None
    """First day of membership; empty: from the start."""
    until: dt.date | None = None
    """Day membership ends; empty: never."""
    source: str = ""
    """Where the membership date comes from."""


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
    """Identifier, unique in the world."""
    kind: FacilityKind
    """Stage of the chain; kinds differ only in data, never in behaviour."""
    country: str
    """Country where the facility is (ISO3)."""
    output: str
    """Commodity it makes."""
    capacity_per_year: Uncertain
    """Output capacity in units of its commodity per year."""
    recipe: str = ""
    """Recipe name in the recipes table; empty: no inputs (mines, recyclers)."""
    yield_: Annotated[float, NotBool, AfterValidator(check_finite), Field(gt=0, le=1)] = Field(
        default=1.0, alias="yield"
    )
    """Output per unit of recipe inputs; inputs used are per_unit / yield."""
    start: dt.date | None = None
    """Commissioning date; empty: operating before the horizon."""
    start_slip_days: Uncertain = 0.0
    """Days added to ``start`` (a distribution or choice samples the date; needs ``start``)."""
    project: str = ""
    """Rows of one project (same start and slip) share one draw of their start slip."""
    ramp_days: Uncertain = 0.0
    """Days from start to full capacity (linear ramp)."""
    outage_rate_per_year: Annotated[NonNegative, Field(le=365)] = 0.0
    """Expected number of random outages per year."""
    outage_days: Uncertain = 0.0
    """Length of each outage in days (a distribution is drawn per outage)."""
    output_days_of_cover: Days | None = None
    """Output buffer in days of orders; empty: settings.output_days_of_cover."""
    idle_share: Fraction = 0.0
    """Idle capacity, a share of ``capacity_per_year`` on top of it, that runs only while the
    price of its output in its market is at or above ``idle_price``; 0: none."""
    idle_price: Annotated[Positive, Field(le=MAX_AMOUNT)] | None = None
    """Price (in its market's price unit) at which the idle capacity runs."""
    advance_price: Annotated[Positive, Field(le=MAX_AMOUNT)] | None = None
    """A project starts up to ``advance_days`` early once the mean price of its output over
    ``price_days`` is at or above this (its market's price unit); empty: never early."""
    advance_days: Annotated[int, NotBool, Field(ge=0, le=MAX_DAYS)] = 0
    """The most days a high price can bring the start forward."""
    hold_price: Annotated[Positive, Field(le=MAX_AMOUNT)] | None = None
    """A project waits after its start, at most ``hold_days``, while the mean price of its
    output over ``price_days`` is below this; empty: it starts on schedule."""
    hold_days: Annotated[int, NotBool, Field(ge=0, le=MAX_DAYS)] = 0
    """The most days a low price can hold the start back."""
    price_days: Annotated[int, NotBool, Field(ge=1, le=MAX_DAYS)] = 90
    """Days of price a project's timing looks back on (the lag of its decision)."""


class Recipe(Sourced):
    """One input of a named recipe: ``per_unit`` of it per unit of output on average.

    ``essential_share`` is the share of the output that cannot be made without this input
    (default 1: all of it). Without the input a facility still makes the rest, e.g. a fab's
    silicon wafers without gallium, which only its GaN-on-Si lines need.
    """

    recipe: str = Field(min_length=1)
    """Recipe name that facilities refer to."""
    input: str
    """Input commodity."""
    per_unit: Uncertain
    """Units of input per unit of output (before yield); a distribution is drawn per replication."""
    essential_share: Annotated[float, NotBool, AfterValidator(check_finite), Field(gt=0, le=1)] = (
        1.0
    )
    """Share of output that needs this input (1: all of it)."""


class Lane(Sourced):
    origin: str
    """Exporting country (ISO3) or * for any."""
    destination: str
    """Importing country (ISO3) or * for any."""
    lead_time_days: Uncertain
    """Days from shipment to arrival; drawn once per replication."""


class SupplierShare(Sourced):
    buyer: str
    """Buying country (ISO3)."""
    commodity: str
    """Commodity bought."""
    supplier: str
    """Supplying country (ISO3); countries without a share are alternatives."""
    share: Annotated[Fraction, BeforeValidator(_fixed_share)]
    """Share of the buyer's purchases; shares per buyer and commodity sum to 1."""
    share_concentration: Positive | None = None
    """Dirichlet concentration c of the buyer's shares of this commodity: each replication
    draws the share vector from Dirichlet(c x shares), whose mean is the shares; empty: fixed
    shares. Every row of one buyer and commodity gives the same value (docs/model.md)."""
    start: dt.date | None = None
    """First day of these shares: the rows of one buyer, commodity and start are the buyer's
    shares from that day on (suppliers they leave out are dropped to alternatives); empty:
    the shares at the start of the horizon (docs/model.md, "Dated supplier shares")."""


class Demand(Sourced):
    country: str
    """Country of the final demand (ISO3)."""
    commodity: str
    """Commodity demanded."""
    per_year: Uncertain
    """Demand in units per year at the start of the horizon."""
    growth: Annotated[float, NotBool, AfterValidator(check_finite), Field(gt=-1)] = 0.0
    """Growth per year as a fraction (0.05 = 5% a year)."""
    tier: Count = Field(default=2, ge=1, le=9)
    """Priority under scarcity: 1 is served first (e.g. defence)."""
    sector: str = ""
    """Label (EV, wind, defence, ...); also tells rows of one country apart."""
    firms: Count | None = Field(default=None, ge=1, le=1000)
    """Firms the row is split into, each a buyer of its own; empty: settings.firms."""
    cover_spread: Spread | None = None
    """Distribution of the firms' days of cover around the row's (scaled to mean 1);
    empty: settings.firm_cover_spread."""
    deferrable: bool = False
    """True: demand not served waits in a backlog (built late) instead of being lost."""
    max_delay_days: DayCount | None = Field(default=None, ge=0)
    """Days deferred demand waits before it expires (never built); empty: no limit."""
    price_elasticity: NonNegative = 0.0
    """Short-run price elasticity of demand (magnitude, >= 0); 0: off (docs/model.md)."""
    substitution_cap: Fraction = 0.0
    """Largest share of demand substitution and thrifting can remove; 0: off."""
    substitution_price_step: Positive = 1.0
    """Relative price rise at which the cap becomes the substitution target."""
    substitution_days: TimeConstant = 365.0
    """Time constant of substitution and thrifting adoption, in days."""
    recycling_cap: Fraction = 0.0
    """Largest share of demand met from recycled material as the price rises; 0: off."""
    recycling_price_step: Positive = 1.0
    """Relative price rise at which the cap becomes the recycling target."""
    recycling_days: TimeConstant = 365.0
    """Time constant of recycling's response to the price, in days (both ways)."""

    @model_validator(mode="after")
    def _delay_needs_deferral(self) -> Demand:
        if self.max_delay_days is not None and not self.deferrable:
            raise ValueError("max_delay_days applies only to a deferrable row (deferrable: true)")
        return self


class Stock(Sourced):
    """Firm safety stock (``kind: firm``) or a strategic reserve (``kind: strategic``).

    Firm stock is days of cover of the holder's own use. A strategic reserve holds
    ``days_of_cover`` of its country's demand (or ``quantity``), releases ``release_rate_per_day``
    when holders' stocks fall below ``release_trigger_days`` of cover, to the countries in
    ``may_draw`` (default: its own country).
    """

    holder: str
    """Country (ISO3) or facility id holding the stock."""
    commodity: str
    """Commodity held."""
    kind: Literal["firm", "strategic"] = "firm"
    """firm: safety stock of buyers; strategic: a government reserve."""
    days_of_cover: Uncertain | None = None
    """Size in days of the holder's use (give this or quantity)."""
    quantity: Annotated[NonNegative, Field(le=MAX_AMOUNT)] | None = None
    """Size in units (strategic reserves; give this or days_of_cover)."""
    release_trigger_days: Days = 0.0
    """A reserve releases when eligible buyers hold less than this many days."""
    release_rate_per_day: Annotated[NonNegative, Field(le=MAX_AMOUNT)] = 0.0
    """Units a reserve releases per day while triggered."""
    refill_rate_per_day: Annotated[NonNegative, Field(le=MAX_AMOUNT)] = 0.0
    """Units a reserve below its initial size buys back per day while it releases nothing."""
    may_draw: StrList = Field(default_factory=list)
    """Countries or blocs that may draw on a reserve (default: its own country)."""

    @model_validator(mode="after")
    def _one_amount(self) -> Stock:
        if (self.days_of_cover is None) == (self.quantity is None):
            raise ValueError("give exactly one of days_of_cover or quantity")
        return self


class Settings(Record):
    allocation: Literal["priority", "pro_rata", "domestic_first"] = "priority"
    """How a short supplier shares out: by tier then pro rata, pro rata, or home buyers first."""
    order_smoothing_days: TimeConstant = 7.0
    """Days over which buyers close the gap between target and actual stock; at least 1 (a
    buyer orders at most its whole gap in a day: a shorter time overshoots, and below half a
    day the overshoot grows from day to day)."""
    domestic_lead_time_days: Uncertain = 2.0
    """Lead time of trade within a country."""
    default_lead_time_days: Uncertain | None = None
    """Lead time where no lane matches; empty: no trade without a lane."""
    input_days_of_cover: Days = 30.0
    """Default target stock of facility inputs, in days of use."""
    market_days_of_cover: Days = 30.0
    """Default target stock of final-demand buyers, in days of demand."""
    output_days_of_cover: Days = 7.0
    """Default output buffer of facilities, in days of orders."""
    switch_after_days: DayCount = Field(default=14, ge=1)
    """Days of unfilled orders in a row before a buyer starts qualifying alternatives; it
    keeps qualifying those that open while the run of unfilled days lasts."""
    switch_fill_share: Annotated[
        float, NotBool, AfterValidator(check_finite), Field(gt=0, le=1)
    ] = 0.95
    """A day counts as unfilled when the buyer receives less than this share of its order."""
    contracts_first: bool = True
    """Under scarcity, buyers with a supply contract (a supplier qualified at the start) are
    served before spot buyers (suppliers qualified by switching)."""
    qualification_days: Uncertain = 90.0
    """Days to qualify an alternative supplier (drawn per supplier)."""
    recovery_window_days: DayCount = Field(default=30, ge=1)
    """Shortfall-free days needed after the last shortfall to count as recovered."""
    firms: Count = Field(default=1, ge=1, le=1000)
    """Firms each demand row is split into unless its ``firms`` column says otherwise."""
    firm_cover_spread: Spread | None = None
    """Distribution of firms' days of cover around their row's (scaled to mean 1); empty:
    every firm of a row holds the row's days of cover."""
    max_links_per_buyer: Count | None = Field(default=None, ge=1)
    """At most this many suppliers per buyer (qualified first, then largest); for huge worlds."""
