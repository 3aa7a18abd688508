"""Cross-checks of a scenario's ``levers`` and ``decision`` sections.

Each lever's target must name an existing row or event and a plain number or date field of
it; its bounds must be in order and give values the field accepts; no two levers may write
the same field. Each chance constraint must name a known country or bloc and commodity, and
its window must lie in the horizon. Metric names are checked where a search starts
(:mod:`supplyshock.analysis.robust`), below the scenario layer.
"""

from __future__ import annotations

from supplyshock.errors import Problem, ScenarioError, did_you_mean
from supplyshock.scenario.levers import Slot, apply_portfolio, resolve
from supplyshock.scenario.schema import Scenario

__all__ = ["check_decision"]


def _lever_problems(scn: Scenario) -> list[Problem]:
    file, problems = scn.origin_file, list[Problem]()
    seen: dict[tuple[str, int, tuple[str, ...]], str] = {}
    for name, lever in scn.levers.items():
        slot = resolve(scn, name, lever)
        if not isinstance(slot, Slot):
            problems.append(slot)
            continue
        where = (slot.table, slot.index, slot.path)
        if where in seen:
            message = f"lever {seen[where]!r} already sets this field"
            problems.append(Problem(file, f"levers.{name}.target", lever.target, message))
            continue
        seen[where] = name
        if lever.high < lever.low:
            message = f"bounds reversed: high must be at least low ({lever.low:g})"
            problems.append(Problem(file, f"levers.{name}.high", lever.high, message))
            continue
        if lever.scale == 0:
            problems.append(Problem(file, f"levers.{name}.scale", 0, "must not be 0"))
            continue
        for bound in ("low", "high"):
            value = getattr(lever, bound)
            try:
                apply_portfolio(scn, {name: value})
            except ScenarioError as exc:
                for p in exc.problems:
                    problems.append(Problem(file, f"levers.{name}.{bound}", value, p.message))
    return problems


def _constraint_problems(scn: Scenario) -> list[Problem]:
    file, problems = scn.origin_file, list[Problem]()
    regions = {c.iso3 for c in scn.countries} | set(scn.blocs)
    commodities = {c.id for c in scn.commodities}
    for i, c in enumerate(scn.decision.constraints):
        at = f"decision.constraints[{i}]"
        if c.region not in regions:
            message = "unknown country or bloc" + did_you_mean(c.region, regions)
            problems.append(Problem(file, f"{at}.region", c.region, message))
        if c.commodity not in commodities:
            message = "unknown commodity" + did_you_mean(c.commodity, commodities)
            problems.append(Problem(file, f"{at}.commodity", c.commodity, message))
        for field in ("start", "end"):
            day = getattr(c, field)
            if day is not None and not scn.start <= day <= scn.end:
                message = f"outside the horizon {scn.start} to {scn.end}"
                problems.append(Problem(file, f"{at}.{field}", day.isoformat(), message))
        if c.start is not None and c.end is not None and c.end <= c.start:
            message = f"must be after start {c.start}"
            problems.append(Problem(file, f"{at}.end", c.end.isoformat(), message))
    return problems


def check_decision(scn: Scenario) -> list[Problem]:
    """Every problem of ``scn``'s levers and chance constraints."""
    if not scn.levers and not scn.decision.constraints:
        return []
    return _lever_problems(scn) + _constraint_problems(scn)
