"""Name -> index lookups, dated bloc membership and date -> day conversion for one scenario."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from supplyshock.model.network import BoolArray, FloatArray

if TYPE_CHECKING:
    from supplyshock.events.base import EventBase
    from supplyshock.events.parts import CommoditySelector, DestinationSelector
    from supplyshock.scenario import schema

__all__ = ["FAR", "ScenarioIndex", "event_key", "ramp"]

FAR = 10**9
"""A day index beyond any horizon (an open end)."""


def ramp(n_days: int, start: int, ramp_days: float) -> FloatArray:
    """0 before ``start``, rising linearly to 1 over ``ramp_days`` (a step if 0)."""
    days = np.arange(n_days, dtype=float)
    if ramp_days <= 0:
        return (days >= start).astype(float)
    return np.clip((days - start + 1) / ramp_days, 0.0, 1.0)


def event_key(events: Sequence[EventBase], j: int) -> str:
    """Key of ``events[j]`` in parameter keys (``events[<key>].<field>``) and control ids.

    An event's id if it has one, else ``<type>@<start>`` (``new_capacity@<facility id>``),
    so that the key does not depend on where the event is in the list. Unnamed events with
    the same such key are told apart in list order: the second gets ``#2``, the third ``#3``.
    """
    e = events[j]
    if e.id:
        return e.id
    base = e.unnamed_key()
    same = sum(1 for other in events[:j] if not other.id and other.unnamed_key() == base)
    return f"{base}#{same + 1}" if same else base


class ScenarioIndex:
    """Integer indices of a scenario's countries, commodities and facilities."""

    def __init__(self, scn: schema.Scenario) -> None:
        self.scn = scn
        self.start = scn.start
        self.T = scn.horizon_days
        self.facilities: list[schema.Facility] = list(scn.facilities) + [
            f for e in scn.events for f in e.new_facilities()
        ]
        self.country = {c.iso3: i for i, c in enumerate(scn.countries)}
        self.commodity = {c.id: i for i, c in enumerate(scn.commodities)}
        self.facility = {f.id: i for i, f in enumerate(self.facilities)}
        self.C, self.K, self.F = len(self.country), len(self.commodity), len(self.facilities)
        self.blocs = {name: self._membership(m) for name, m in scn.blocs.items()}

    def day(self, date: dt.date | None, default: int) -> int:
        """Day index of ``date`` (``default`` if None)."""
        return default if date is None else (date - self.start).days

    def _membership(self, members: list[schema.BlocMember]) -> BoolArray:
        table = np.zeros((self.C, self.T), dtype=bool)
        for m in members:
            lo = max(0, self.day(m.since, 0))
            hi = min(self.T, self.day(m.until, self.T))
            table[self.country[m.country], lo:hi] = True
        return table

    def _named(self, names: list[str], day: int | None) -> BoolArray:
        mask = np.zeros(self.C, dtype=bool)
        for name in names:
            if name in self.country:
                mask[self.country[name]] = True
            elif day is None:
                mask |= self.blocs[name].any(axis=1)
            else:
                mask |= self.blocs[name][:, day]
        return mask

    def places(self, sel: DestinationSelector, day: int) -> BoolArray:
        """Countries selected by ``sel`` on ``day`` (bloc membership is dated)."""
        day = min(max(day, 0), self.T - 1)
        if sel.all_except is not None:
            return ~self._named(sel.all_except, day)
        return self._named(sel.include, day)

    def ever_members(self, names: list[str]) -> BoolArray:
        """Countries named, or members of a named bloc at any time in the horizon."""
        return self._named(names, None)

    def commodities(self, sel: CommoditySelector) -> BoolArray:
        mask = np.zeros(self.K, dtype=bool)
        for c in sel.ids:
            mask[self.commodity[c]] = True
        for i, commodity in enumerate(self.scn.commodities):
            if commodity.category and commodity.category in sel.category:
                mask[i] = True
        return mask
