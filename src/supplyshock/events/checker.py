"""What an event type's check hook gets: the scenario, the names it defines, and ways to report.

Every problem reported through an :class:`EventChecker` names the file the event came from,
its field path (``events[3].exporter``) and the offending value, like the library's own checks.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from supplyshock.events.base import EventBase
    from supplyshock.scenario.checks import TableChecker
    from supplyshock.scenario.schema import Scenario
    from supplyshock.scenario.tables import Facility

__all__ = ["EventChecker"]

E = TypeVar("E", bound="EventBase")


class EventChecker:
    """Cross-checks of the event at ``scenario.events[index]``.

    The sets of names known in the scenario: ``countries`` (ISO3 codes), ``blocs``,
    ``commodities`` (ids), ``categories`` (commodity categories), ``facilities`` (ids, with the
    facilities events add), ``recipes`` and ``sectors`` (demand-row sectors and facility kinds).
    ``field`` arguments are paths inside the event (``"exporter"``, ``"facility.start"``).

    >>> def check_strike(ck, event):  # a check hook
    ...     ck.known("country", event.country, ck.countries, "country")
    ...     ck.bounded("share_lost", event.share_lost, 0.0, 1.0)
    """

    def __init__(self, rows: TableChecker, index: int) -> None:
        self._rows = rows
        self.scenario: Scenario = rows.scn
        """The scenario being checked."""
        self.index = index
        """Position of the event in ``scenario.events``."""
        self.countries: set[str] = rows.countries
        self.blocs: set[str] = rows.blocs
        self.commodities: set[str] = rows.commodities
        self.categories: set[str] = rows.categories
        self.facilities: set[str] = rows.facilities
        self.recipes: set[str] = rows.recipes
        self.sectors: set[str] = rows.sectors

    def problem(self, field: str, value: object, message: str) -> None:
        """Report that ``field`` holds ``value``, which is wrong because of ``message``."""
        self._rows.add("events", self.index, field, value, message)

    def warn(self, field: str, value: object, message: str) -> None:
        """Note that ``field`` holds ``value``, which is valid but probably not meant (the
        event selects nothing); issued as a :class:`~supplyshock.errors.SupplyshockWarning`."""
        self._rows.warn("events", self.index, field, value, message)

    def known(self, field: str, value: str, allowed: set[str], what: str) -> None:
        """Report ``value`` as an unknown ``what`` unless it is in ``allowed``."""
        self._rows.known("events", self.index, field, value, allowed, what)

    def places(self, field: str, values: Iterable[str]) -> None:
        """Each of ``values`` must be a country or a bloc."""
        self._rows.places("events", self.index, field, values)

    def bounded(self, field: str, value: object, lo: float, hi: float = math.inf) -> None:
        """A number, a distribution's support or a choice's values must lie in [lo, hi]."""
        self._rows.bounded("events", self.index, field, value, lo, hi)

    def days(self, field: str, value: object) -> None:
        """A number of days from 0 to the longest allowed (ten years); for a distribution, its
        support must start at 0 or later and its 0.999 quantile lie within the bound."""
        self._rows.days("events", self.index, field, value)

    def positive(self, field: str, value: object) -> None:
        """Like :meth:`bounded` with a strict lower bound of 0."""
        self._rows.positive("events", self.index, field, value)

    def in_horizon(self, field: str, day: dt.date) -> None:
        """``day`` must lie in the scenario's horizon (the start of every event is checked
        so already)."""
        self._rows.in_horizon("events", self.index, field, day)

    def ordered(self, start: dt.date | None, end: dt.date | None, field: str = "end") -> None:
        """``end`` (if given) must come after ``start``."""
        self._rows.ordered("events", self.index, start, end, field)

    def facility(self, facility: Facility, prefix: str) -> None:
        """The checks of a facilities-table row, for a facility the event brings (fields
        reported as ``prefix + name``)."""
        self._rows.facility("events", self.index, facility, prefix)

    def events_of(self, model: type[E]) -> list[E]:
        """The scenario's events of record type ``model``, in list order."""
        return [e for e in self.scenario.events if isinstance(e, model)]
