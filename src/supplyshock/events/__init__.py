"""Event types: one module per type, gathered by a registry that user code can extend.

Each built-in type (``export_control``, ``suspend``, ``resume``, ``amend``,
``general_licence``, ``capacity_shock``, ``new_capacity``, ``stockpile_release``,
``demand_shift``, ``tension``) lives in a module of this package with its record, its
cross-checks, its compilation, the SimPy processes it starts in a run and its timeline
labels. A type of your own is a subclass of :class:`EventBase` registered with :func:`register`::

    import datetime as dt
    from typing import Literal

    import supplyshock.events as sse

    def on_rumour(host, event, day):  # called at whole day `day` of a run
        ...

    @sse.register(start=on_rumour)
    class Rumour(sse.EventBase):
        type: Literal["rumour"]
        start: dt.date

See :mod:`supplyshock.events.registry` for how registration, validation and entry points work,
and :mod:`supplyshock.events.base` for the hooks a type may give.
"""

from supplyshock.errors import EventTypeError
from supplyshock.events.base import (
    STAGES,
    CheckHook,
    CompileHook,
    EventBase,
    EventType,
    LabelHook,
    LaunchHook,
    Stage,
    StartHook,
)
from supplyshock.events.checker import EventChecker
from supplyshock.events.parts import CommoditySelector, ContentRule, DestinationSelector
from supplyshock.events.registry import (
    ENTRY_POINT_GROUP,
    Event,
    Registry,
    lookup,
    names,
    register,
    timeline,
    types,
)

# The built-in types register themselves when imported, in this order: the order of
# compilation within a stage, of the processes started in a run, and of the format reference.
# isort: off
from supplyshock.events.export_control import ExportControl
from supplyshock.events.suspend import Suspend
from supplyshock.events.resume import Resume
from supplyshock.events.amend import Amend
from supplyshock.events.general_licence import GeneralLicence
from supplyshock.events.capacity_shock import CapacityShock
from supplyshock.events.new_capacity import NewCapacity
from supplyshock.events.stockpile_release import StockpileRelease
from supplyshock.events.demand_shift import DemandShift
from supplyshock.events.tension import Tension

# isort: on

__all__ = [
    "ENTRY_POINT_GROUP",
    "STAGES",
    "Amend",
    "CapacityShock",
    "CheckHook",
    "CommoditySelector",
    "CompileHook",
    "ContentRule",
    "DemandShift",
    "DestinationSelector",
    "Event",
    "EventBase",
    "EventChecker",
    "EventType",
    "EventTypeError",
    "ExportControl",
    "GeneralLicence",
    "LabelHook",
    "LaunchHook",
    "NewCapacity",
    "Registry",
    "Resume",
    "Stage",
    "StartHook",
    "StockpileRelease",
    "Suspend",
    "Tension",
    "lookup",
    "names",
    "register",
    "timeline",
    "types",
]
