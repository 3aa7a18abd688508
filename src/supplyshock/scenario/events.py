"""Policy events on a scenario's timeline: the records of the built-in event types.

The records live in :mod:`supplyshock.events`, one module per type with its checks,
compilation and run-time processes; this module keeps their names importable from here.
``Event`` is the type of an item of ``Scenario.events``: any registered event type.
"""

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
