"""Cross-checks of a parsed scenario: references, ranges of uncertain values, dates, cycles.

:func:`check` returns every problem found (it never raises); each names the file and field of the
offending row so that a user can go straight to it.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable

import numpy as np

from supplyshock.errors import Problem, SupplyshockWarning, did_you_mean
from supplyshock.events import EventChecker, lookup
from supplyshock.scenario import schema
from supplyshock.scenario.distributions import Choice, Distribution
from supplyshock.scenario.fields import MAX_AMOUNT, MAX_DAYS
from supplyshock.scenario.share_checks import check_shares
from supplyshock.scenario.start_window import check_start_window

__all__ = ["check", "check_events", "emit_warnings"]

Provenance = dict[str, list[tuple[str, str]]]


class TableChecker:
    """Checks of table rows: what was found, and ways to report a problem at a row's field.

    Event types' check hooks see it through :class:`~supplyshock.events.EventChecker`.
    """

    def __init__(self, scn: schema.Scenario, provenance: Provenance | None) -> None:
        self.scn = scn
        self.provenance = provenance or {}
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []
        """Things that are valid but probably not meant (events that select nothing)."""
        self.countries = {c.iso3 for c in scn.countries}
        self.blocs = set(scn.blocs)
        self.commodities = {c.id for c in scn.commodities}
        self.categories = {c.category for c in scn.commodities if c.category}
        self.facilities = {f.id for f in scn.facilities} | {
            f.id for e in scn.events for f in e.new_facilities()
        }
        self.recipes = {r.recipe for r in scn.recipes}
        self.sectors = {d.sector for d in scn.demand if d.sector} | {f.kind for f in scn.facilities}

    def where(self, table: str, index: int) -> tuple[str, str]:
        rows = self.provenance.get(table)
        if rows is not None and index < len(rows):
            return rows[index]
        if table == "settings":  # one mapping, not a table
            return (self.scn.origin_file, table)
        return (self.scn.origin_file, f"{table}[{index}]")

    def add(self, table: str, index: int, field: str, value: object, message: str) -> None:
        file, row = self.where(table, index)
        sep = ": " if row.startswith("line") else "."
        self.problems.append(Problem(file, f"{row}{sep}{field}", value, message))

    def warn(self, table: str, index: int, field: str, value: object, message: str) -> None:
        """Note something valid but probably not meant, at a row's field."""
        file, row = self.where(table, index)
        sep = ": " if row.startswith("line") else "."
        self.warnings.append(Problem(file, f"{row}{sep}{field}", value, message))

    def known(
        self, table: str, i: int, field: str, value: str, allowed: set[str], what: str
    ) -> None:
        if value not in allowed:
            self.add(table, i, field, value, f"unknown {what}{did_you_mean(value, allowed)}")

    def places(self, table: str, i: int, field: str, values: Iterable[str]) -> None:
        for value in values:
            self.known(table, i, field, value, self.countries | self.blocs, "country or bloc")

    def bounded(
        self, table: str, i: int, field: str, value: object, lo: float, hi: float = math.inf
    ) -> None:
        """A plain number, a distribution's support or a choice's values must lie in [lo, hi]."""
        allowed = f"between {lo:g} and {hi:g}" if hi < math.inf else f"at least {lo:g}"
        if lo == 0 and hi == math.inf:
            allowed = "non-negative"
        if isinstance(value, Distribution):
            low, high = value.support()
            if low < lo or high > hi:
                message = f"values must be {allowed}, but the support is [{low:g}, {high:g}]"
                self.add(table, i, field, value.model_dump(), message)
        elif isinstance(value, Choice):
            bad = [c for c in value.choice if isinstance(c, str) or not lo <= float(c) <= hi]
            if bad:
                self.add(table, i, field, bad, f"choices must be numbers {allowed}")
        elif isinstance(value, int | float) and not lo <= value <= hi:
            self.add(table, i, field, value, f"must be {allowed}")

    def days(self, table: str, i: int, field: str, value: object) -> None:
        """A number of days: from 0 to :data:`MAX_DAYS`; a distribution's support must start
        at 0 or later and its 0.999 quantile be at most :data:`MAX_DAYS` (lead-time draws
        beyond it are taken as :data:`MAX_DAYS`)."""
        self.capped(table, i, field, value, MAX_DAYS)

    def capped(self, table: str, i: int, field: str, value: object, hi: float) -> None:
        """From 0 to ``hi``; for a distribution, its support must start at 0 or later and its
        0.999 quantile be at most ``hi`` (so that long-tailed distributions stay usable)."""
        if not isinstance(value, Distribution):
            self.bounded(table, i, field, value, 0.0, hi)
            return
        low = value.support()[0]
        high = value.upper_quantile(float(_TAIL[0]))
        if low < 0 or not high <= hi:
            message = (
                f"values must be between 0 and {hi:g}, but the support starts at "
                f"{low:g} and the 0.999 quantile is {high:g}"
            )
            self.add(table, i, field, value.model_dump(), message)

    def positive(self, table: str, i: int, field: str, value: object) -> None:
        """Like :meth:`bounded` with a strict lower bound of 0."""
        low: float
        if isinstance(value, Distribution):
            low = value.support()[0]
            if low <= 0:
                message = f"values must be positive, but the support starts at {low:g}"
                self.add(table, i, field, value.model_dump(), message)
        elif isinstance(value, Choice):
            bad = [c for c in value.choice if isinstance(c, str) or not float(c) > 0]
            if bad:
                self.add(table, i, field, bad, "choices must be positive numbers")
        elif isinstance(value, int | float) and not value > 0:
            self.add(table, i, field, value, "must be positive")

    def in_horizon(self, table: str, i: int, field: str, day: dt.date) -> None:
        if not self.scn.start <= day <= self.scn.end:
            self.add(
                table,
                i,
                field,
                day.isoformat(),
                f"outside the horizon {self.scn.start} to {self.scn.end}",
            )

    def ordered(
        self, table: str, i: int, start: dt.date | None, end: dt.date | None, field: str = "end"
    ) -> None:
        if start is not None and end is not None and end <= start:
            self.add(table, i, field, end.isoformat(), f"must be after start {start}")

    def facility(self, table: str, i: int, f: schema.Facility, prefix: str) -> None:
        """The checks of a facility row (fields named ``prefix + name``)."""
        self.known(table, i, f"{prefix}country", f.country, self.countries, "country")
        self.known(table, i, f"{prefix}output", f.output, self.commodities, "commodity")
        if f.recipe:
            self.known(table, i, f"{prefix}recipe", f.recipe, self.recipes, "recipe")
        self.capped(table, i, f"{prefix}capacity_per_year", f.capacity_per_year, MAX_AMOUNT)
        self.days(table, i, f"{prefix}outage_days", f.outage_days)
        self.days(table, i, f"{prefix}ramp_days", f.ramp_days)
        check_start_window(self, table, i, f, prefix)


_TAIL = np.array([0.999])
"""The quantile of a distribution of days that must lie within :data:`MAX_DAYS`."""

ROW_KEYS: dict[str, tuple[str, ...]] = {
    "commodities": ("id",),
    "countries": ("iso3",),
    "facilities": ("id",),
    "recipes": ("recipe", "input"),
    "lanes": ("origin", "destination"),
    "supplier_shares": ("buyer", "commodity", "supplier", "start"),
    "demand": ("country", "commodity", "sector"),
    "stocks": ("holder", "commodity", "kind"),
    "markets": ("market", "commodity"),
}
"""Columns that identify a row. A scenario's row replaces the world's row with the same key
(see :mod:`supplyshock.scenario.io`), so two rows with one key come from one file: an error."""


def _unique_rows(ck: TableChecker) -> None:
    """Report each row whose key an earlier row of its table already has."""
    for table, columns in ROW_KEYS.items():
        first: dict[tuple[str, ...], int] = {}
        for i, row in enumerate(getattr(ck.scn, table)):
            key = tuple(str(getattr(row, column)) for column in columns)
            if key not in first:
                first[key] = i
                continue
            file, where = ck.where(table, first[key])
            same = f" as {where}" if file == ck.where(table, i)[0] else f" as {file}: {where}"
            if len(columns) == 1:
                ck.add(table, i, columns[0], key[0], "duplicate id" + same)
            else:
                field = columns[-1] if key[-1] else columns[0]
                names = ", ".join(columns)
                ck.add(table, i, field, "/".join(key), f"duplicate row: same {names}{same}")


def _check_world(ck: TableChecker) -> None:
    scn = ck.scn
    _unique_rows(ck)
    for name, members in scn.blocs.items():
        if name in ck.countries:
            ck.problems.append(
                Problem(scn.origin_file, f"blocs.{name}", name, "bloc name clashes with a country")
            )
        for j, m in enumerate(members):
            if m.country not in ck.countries:
                message = "unknown country" + did_you_mean(m.country, ck.countries)
                where = f"blocs.{name}[{j}].country"
                ck.problems.append(Problem(scn.origin_file, where, m.country, message))
            if m.since and m.until and m.until <= m.since:
                ck.problems.append(
                    Problem(
                        scn.origin_file,
                        f"blocs.{name}[{j}].until",
                        str(m.until),
                        f"must be after since {m.since}",
                    )
                )
    projects: dict[str, schema.Facility] = {}
    for i, f in enumerate(scn.facilities):
        ck.facility("facilities", i, f, "")
        lead = projects.setdefault(f.project, f) if f.project else f
        if (lead.start, lead.start_slip_days) != (f.start, f.start_slip_days):
            ck.add(
                "facilities",
                i,
                "project",
                f.project,
                f"rows of a project share their start and start_slip_days; {lead.id} has "
                f"start {lead.start} and start_slip_days {lead.start_slip_days}",
            )
    for i, c in enumerate(scn.commodities):
        if c.qualification_days is not None:
            ck.days("commodities", i, "qualification_days", c.qualification_days)
    for i, r in enumerate(scn.recipes):
        ck.known("recipes", i, "input", r.input, ck.commodities, "commodity")
        ck.positive("recipes", i, "per_unit", r.per_unit)
        ck.capped("recipes", i, "per_unit", r.per_unit, MAX_AMOUNT)
    producers = {f.country for f in scn.facilities}
    producers |= {f.country for e in scn.events for f in e.new_facilities()}
    buyers = producers | {d.country for d in scn.demand}
    for i, lane in enumerate(scn.lanes):
        for field, value, users in (
            ("origin", lane.origin, producers),
            ("destination", lane.destination, buyers),
        ):
            if value == "*":
                continue
            if value not in ck.countries:
                ck.known("lanes", i, field, value, ck.countries, "country")
            elif value not in users:
                ck.add("lanes", i, field, value, "lane has no facility or demand at this end")
        ck.days("lanes", i, "lead_time_days", lane.lead_time_days)
    check_shares(ck)
    for i, d in enumerate(scn.demand):
        ck.known("demand", i, "country", d.country, ck.countries, "country")
        ck.known("demand", i, "commodity", d.commodity, ck.commodities, "commodity")
        ck.capped("demand", i, "per_year", d.per_year, MAX_AMOUNT)
    for i, s in enumerate(scn.stocks):
        ck.known(
            "stocks", i, "holder", s.holder, ck.countries | ck.facilities, "country or facility"
        )
        ck.known("stocks", i, "commodity", s.commodity, ck.commodities, "commodity")
        ck.places("stocks", i, "may_draw", s.may_draw)
        if s.days_of_cover is not None:
            ck.days("stocks", i, "days_of_cover", s.days_of_cover)
    settings = scn.settings
    for field in ("domestic_lead_time_days", "qualification_days", "default_lead_time_days"):
        value = getattr(settings, field)
        if value is not None:
            ck.days("settings", 0, field, value)
    _check_cycles(ck)


def _check_cycles(ck: TableChecker) -> None:
    """A commodity may not, through recipes, be an input to its own production.

    Each cycle is reported at the recipe row whose input closes it.
    """
    facilities = [*ck.scn.facilities]
    facilities += [f for e in ck.scn.events for f in e.new_facilities()]
    outputs: dict[str, set[str]] = defaultdict(set)
    for f in facilities:
        if f.recipe:
            outputs[f.recipe].add(f.output)
    inputs: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for i, r in enumerate(ck.scn.recipes):
        for output in outputs.get(r.recipe, ()):
            inputs[output].append((r.input, i))
    state: dict[str, int] = {}  # 1: on the current path, 2: fully explored
    for root in sorted(inputs):
        if root in state:
            continue
        path, todo = [root], [iter(sorted(inputs[root]))]
        state[root] = 1
        while todo:
            step = next(todo[-1], None)
            if step is None:
                state[path.pop()] = 2
                todo.pop()
                continue
            commodity, row = step
            if state.get(commodity) == 1:
                cycle = " <- ".join([*path[path.index(commodity) :], commodity])
                ck.add("recipes", row, "input", commodity, f"cycle in recipes: {cycle}")
            elif commodity not in state:
                state[commodity] = 1
                path.append(commodity)
                todo.append(iter(sorted(inputs.get(commodity, ()))))


def _check_events(ck: TableChecker) -> None:
    """Duplicate ids and start dates of every event, then its type's own checks."""
    seen: set[str] = set()
    for i, e in enumerate(ck.scn.events):
        if e.id and e.id in seen:
            ck.add("events", i, "id", e.id, "duplicate event id")
        seen.add(e.id)
        start = getattr(e, "start", None)
        if isinstance(start, dt.date):
            ck.in_horizon("events", i, "start", start)
        hook = lookup(e.type).check
        if hook is not None:
            hook(EventChecker(ck, i), e)


def check_events(scenario: schema.Scenario, provenance: Provenance | None = None) -> list[Problem]:
    """The problems of ``scenario``'s events only."""
    ck = TableChecker(scenario, provenance)
    _check_events(ck)
    return ck.problems


def check(
    scenario: schema.Scenario,
    provenance: Provenance | None = None,
    warnings: list[Problem] | None = None,
) -> list[Problem]:
    """Every cross-reference, range, date and cycle problem in ``scenario``; what is valid but
    probably not meant (events that select nothing) is added to ``warnings`` if given."""
    from supplyshock.scenario.lever_checks import check_decision
    from supplyshock.scenario.markets import check_markets
    from supplyshock.scenario.rule_checks import check_rules

    ck = TableChecker(scenario, provenance)
    _check_world(ck)
    check_markets(ck)
    _check_events(ck)
    if warnings is not None:
        warnings += ck.warnings
    problems = ck.problems + check_rules(scenario, provenance or {})
    return problems + check_decision(scenario)


def emit_warnings(found: list[Problem]) -> None:
    """Issue each of ``found`` as a :class:`~supplyshock.errors.SupplyshockWarning`."""
    import warnings

    for problem in found:
        warnings.warn(str(problem), SupplyshockWarning, stacklevel=3)
