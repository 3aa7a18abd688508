"""Rules: policies that act when the run reaches a state (docs/model.md, "Rules").

A rule has conditions on end-of-day quantities (:class:`Condition`), an optional random
:class:`Hazard`, prerequisites (``after``), a date window, actions (events in the scenario
format without dates) and a repetition policy. Actions are validated as events with a
placeholder start (:data:`UNDATED`); the run gives them their dates when the rule fires.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, model_validator

from supplyshock.scenario.events import Event
from supplyshock.scenario.fields import DayCount, Record, StrList, Uncertain

__all__ = ["QUANTITIES", "UNDATED", "Condition", "Hazard", "Quantity", "Rule", "undated"]

Quantity = Literal[
    "days_of_cover",
    "stock",
    "reserve",
    "reserve_share",
    "shortfall_share",
    "cumulative_shortfall",
    "control_active",
    "tension",
]
QUANTITIES: dict[str, str] = {
    "days_of_cover": "days",
    "stock": "commodity",
    "reserve": "commodity",
    "reserve_share": "share",
    "shortfall_share": "share",
    "cumulative_shortfall": "commodity",
    "control_active": "flag",
    "tension": "index",
}
"""Each quantity's unit: ``commodity`` means the unit of the selected commodities."""

UNDATED = dt.date(1, 1, 1)
"""Placeholder start of a rule's actions until the rule fires."""


def undated(data: Any) -> Any:
    """Prepare one action for validation as an event: no ``start`` or ``end`` (the rule dates
    it), so the placeholder :data:`UNDATED` is its start until the rule fires."""
    if isinstance(data, dict):
        for field in ("start", "end"):
            if field in data:
                raise ValueError(
                    f"an action takes no {field}: it starts the day after its rule fires "
                    "(plus the rule's delay_days) and lasts the rule's duration_days"
                )
        if data.get("type") == "new_capacity":
            raise ValueError(
                "new_capacity cannot be an action: facilities are fixed when a run starts "
                "(declare it as a dated event)"
            )
        data = {**data, "start": UNDATED}
    return data


Action = Annotated[Event, BeforeValidator(undated)]


def _listed(value: Any) -> Any:
    return [value] if isinstance(value, dict) else value


class Condition(Record):
    """One condition on an end-of-day quantity over a selection."""

    quantity: Quantity
    """What is measured (see docs/model.md, "Rules")."""
    countries: StrList = Field(default_factory=list)
    """Countries or blocs selected (bloc membership on the first day of the rule's window);
    empty: all."""
    commodities: StrList = Field(default_factory=list)
    """Commodity ids selected; empty: all (quantities in units need one unit)."""
    sectors: StrList = Field(default_factory=list)
    """Demand-row sectors or facility kinds selected; empty: all."""
    control: str | None = None
    """Export control id (``control_active``)."""
    tension: str | None = None
    """Tension name (``tension``)."""
    window_days: DayCount = Field(default=30, gt=0)
    """Days over which ``shortfall_share`` is measured (ending on the day checked)."""
    above: Uncertain | None = None
    """The condition holds while the quantity is strictly above this."""
    below: Uncertain | None = None
    """The condition holds while the quantity is strictly below this."""
    unit: str | None = None
    """Unit of the threshold, checked against the quantity's (optional)."""
    for_days: DayCount = Field(default=1, ge=1)
    """Consecutive days the condition must hold before it counts."""

    @model_validator(mode="after")
    def _one_threshold(self) -> Condition:
        if (self.above is None) == (self.below is None):
            raise ValueError("give exactly one of above or below")
        if self.quantity == "control_active" and not self.control:
            raise ValueError("quantity control_active needs a control")
        if self.quantity == "tension" and not self.tension:
            raise ValueError("quantity tension needs a tension name")
        return self

    @property
    def threshold(self) -> object:
        return self.above if self.above is not None else self.below


class Hazard(Record):
    """A random trigger: the rule fires on a day with a probability from a yearly rate."""

    per_year: Uncertain
    """Expected firings per year at tension 0 (and with the other conditions holding)."""
    tension: str | None = None
    """Tension whose value scales the rate: ``per_year x multiplier ** tension``."""
    multiplier: Uncertain = 1.0
    """Factor on the rate per unit of tension."""


class Rule(Record):
    """A policy that acts when the run reaches a state."""

    id: str = Field(min_length=1)
    """Identifier (unique among rules and events); keys ``rules[<id>]...`` name its values."""
    description: str = ""
    """What the rule stands for."""
    source: str = ""
    """Where the rule and its numbers come from (or that they are assumptions)."""
    when: Annotated[list[Condition], BeforeValidator(_listed)] = Field(default_factory=list)
    """Conditions that must all hold (none: always)."""
    hazard: Hazard | None = None
    """Random trigger, on top of the conditions."""
    after: StrList = Field(default_factory=list)
    """Rules that must have fired, or events that must have started, first."""
    from_: dt.date | None = Field(default=None, alias="from")
    """First day the rule may fire; empty: the scenario start."""
    until: dt.date | None = None
    """First day it may no longer fire; empty: never."""
    then: Annotated[list[Action], BeforeValidator(_listed)] = Field(min_length=1)
    """Actions: events without dates (``start`` is the day after firing plus ``delay_days``)."""
    delay_days: DayCount = Field(default=0, ge=0)
    """Days from the day after firing to the actions' start."""
    duration_days: DayCount | None = Field(default=None, gt=0)
    """Days the actions last (sets ``end`` where the event has one); empty: open-ended."""
    repeat: bool = False
    """Fire again after ``cooldown_days`` when the conditions hold again (default: once)."""
    cooldown_days: DayCount = Field(default=0, ge=0)
    """Days from one firing to the next possible one (with ``repeat``)."""

    @model_validator(mode="after")
    def _window(self) -> Rule:
        if self.from_ and self.until and self.until <= self.from_:
            raise ValueError(f"until ({self.until}) must be after from ({self.from_})")
        if self.cooldown_days and not self.repeat:
            raise ValueError("cooldown_days applies with repeat: true")
        return self
