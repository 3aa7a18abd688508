"""The scenario data model: pydantic records for every table and event, all ``extra="forbid"``.

A :class:`World` is what exists (commodities, countries, blocs, facilities, recipes, lanes,
supplier shares, demand, stocks); a :class:`Scenario` is a world plus a timeline of policy
events. Field names are the column names of the CSV tables and the keys of the YAML files.
Numbers that may be uncertain accept a plain number, ``{dist: NAME, ...}`` (any scipy.stats
distribution) or ``{choice: [...], p: [...]}``. The records live in
:mod:`~supplyshock.scenario.tables` and, for events, in :mod:`supplyshock.events` (one module
per event type); this module gathers them with the containers. ``Scenario.events`` accepts every
event type registered in :mod:`supplyshock.events` at the time it is validated.
"""

from __future__ import annotations

import datetime as dt

from pydantic import Field, PrivateAttr, field_validator

from supplyshock.events import (
    Amend,
    CapacityShock,
    CommoditySelector,
    ContentRule,
    DemandShift,
    DestinationSelector,
    Event,
    EventBase,
    ExportControl,
    GeneralLicence,
    NewCapacity,
    Resume,
    StockpileRelease,
    Suspend,
    Tension,
)
from supplyshock.model.memo import Memo
from supplyshock.scenario.fields import Count, Record, Texts
from supplyshock.scenario.levers import ChanceConstraint, Decision, Lever
from supplyshock.scenario.markets import MarketPrice
from supplyshock.scenario.rules import Condition, Hazard, Rule
from supplyshock.scenario.tables import (
    BlocMember,
    Commodity,
    Country,
    Demand,
    Facility,
    FacilityKind,
    Lane,
    Recipe,
    Settings,
    Sourced,
    Stock,
    SupplierShare,
)

__all__ = [
    "Amend",
    "BlocMember",
    "CapacityShock",
    "ChanceConstraint",
    "Commodity",
    "CommoditySelector",
    "Condition",
    "ContentRule",
    "Country",
    "Decision",
    "Demand",
    "DemandShift",
    "DestinationSelector",
    "Event",
    "EventBase",
    "ExportControl",
    "Facility",
    "FacilityKind",
    "GeneralLicence",
    "Hazard",
    "Lane",
    "Lever",
    "MarketPrice",
    "NewCapacity",
    "Recipe",
    "Resume",
    "Rule",
    "Scenario",
    "Settings",
    "Sourced",
    "Stock",
    "StockpileRelease",
    "SupplierShare",
    "Suspend",
    "Tension",
    "World",
]


MAX_HORIZON_DAYS = 7305
"""Longest horizon: twenty years."""
EARLIEST_START = dt.date(1990, 1, 1)
"""Earliest start date of a scenario."""
LATEST_START = dt.date(2100, 12, 31)
"""Latest start date of a scenario."""


class World(Record):
    """What exists: the tables of a world, its blocs and settings, over a dated horizon."""

    name: str = Field(min_length=1)
    """Name of the world or scenario."""
    description: str = ""
    """One line shown by `supplyshock list`, then detail."""
    start: dt.date
    """Calendar date of day 0."""
    horizon_days: Count = Field(gt=0, le=MAX_HORIZON_DAYS)
    """Number of simulated days."""
    settings: Settings = Settings()
    """Behaviour settings (allocation, stocks, switching)."""
    commodities: list[Commodity] = Field(min_length=1)
    """Commodities table (a CSV file name or a list of rows)."""
    countries: list[Country] = Field(min_length=1)
    """Countries table."""
    blocs: dict[str, list[BlocMember]] = Field(default_factory=dict)
    """Named blocs with dated membership."""
    facilities: list[Facility] = Field(default_factory=list)
    """Facilities table."""
    recipes: list[Recipe] = Field(default_factory=list)
    """Recipes table."""
    lanes: list[Lane] = Field(default_factory=list)
    """Trade lanes table."""
    supplier_shares: list[SupplierShare] = Field(default_factory=list)
    """Supplier shares table."""
    demand: list[Demand] = Field(default_factory=list)
    """Final demand table."""
    stocks: list[Stock] = Field(default_factory=list)
    """Firm stocks and strategic reserves table."""
    markets: list[MarketPrice] = Field(default_factory=list)
    """Market regions and their price rules (empty: no prices)."""

    def __repr__(self) -> str:
        from supplyshock import reprs

        return reprs.text(type(self).__name__, reprs.scenario_lines(self))

    def __str__(self) -> str:
        return repr(self)

    def _repr_html_(self) -> str:
        from supplyshock import reprs

        return reprs.html_table(type(self).__name__, reprs.scenario_lines(self))

    @field_validator("start")
    @classmethod
    def _sane_start(cls, value: dt.date) -> dt.date:
        if not EARLIEST_START <= value <= LATEST_START:
            raise ValueError(f"must lie between {EARLIEST_START} and {LATEST_START}")
        return value

    @property
    def end(self) -> dt.date:
        """The day after the last simulated day."""
        return self.start + dt.timedelta(days=self.horizon_days)


class Scenario(World):
    """A validated world plus a timeline of events; the input to :func:`supplyshock.run`."""

    events: list[Event] = Field(default_factory=list)
    """Policy events, in any order (each is dated)."""
    rules: list[Rule] = Field(default_factory=list)
    """Policies that act when the run reaches a state (conditions, hazard, actions)."""
    sources: Texts = Field(default_factory=list)
    """Full references for the source labels used in the scenario."""
    levers: dict[str, Lever] = Field(default_factory=dict)
    """Named decision variables a portfolio sets (:mod:`supplyshock.scenario.levers`)."""
    decision: Decision = Decision()
    """Discounting and chance constraints of a portfolio search."""
    origin_file: str = Field(default="<python>", exclude=True)
    """File the scenario was loaded from (set by the loader)."""

    def content_hash(self) -> str:
        """SHA-256 of the scenario's canonical JSON: equal for equal content. Empty ``levers``
        and a default ``decision`` are left out, so scenarios without them keep their hash."""
        import hashlib

        exclude = {"origin_file"}
        if not self.levers:
            exclude.add("levers")
        if self.decision == Decision():
            exclude.add("decision")
        payload = self.model_dump_json(by_alias=True, exclude=exclude)
        return hashlib.sha256(payload.encode()).hexdigest()

    _clean: str | None = PrivateAttr(default=None)
    _memo: Memo = PrivateAttr(default_factory=Memo)

    @property
    def memo(self) -> Memo:
        """Compile results that depend only on the scenario's structure, with the inputs they
        were formed from (:mod:`supplyshock.model.memo`); not pickled."""
        return self._memo

    def checked(self) -> str:
        """The content hash, once the scenario is cross-checked: a
        :class:`~supplyshock.errors.ScenarioError` lists its problems. An object found clean
        is not checked again while its content hash stays the same."""
        from supplyshock.errors import ScenarioError
        from supplyshock.scenario.checks import check

        digest = self.content_hash()
        if digest != self._clean:
            problems = check(self)
            if problems:
                raise ScenarioError(problems)
            self._clean = digest
        return digest
