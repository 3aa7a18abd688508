"""Cross-checks of a scenario's rules: names, selections that match nothing, units, cycles.

Every problem names the file, the field path (``rules[2].when[0].countries``) and the value.
Actions are checked as events (by the event checks), with their paths rewritten to the rule's.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable

from supplyshock.errors import Problem, did_you_mean
from supplyshock.scenario import schema
from supplyshock.scenario.distributions import Choice, Distribution
from supplyshock.scenario.rules import QUANTITIES, UNDATED, Condition, Rule

__all__ = ["check_rules", "rule_order"]

Report = Callable[[str, object, str], None]
_NO_TENSION = "no tension event or rule action changes this tension"


def rule_order(rules: list[Rule]) -> tuple[list[int], list[str]]:
    """Rules ordered so that each comes after the rules it waits for; and any cycle found.

    Returns the order (indices into ``rules``) and, if the ``after`` references among rules
    form a cycle, its ids (first repeated at the end); the order is then incomplete.
    """
    index = {r.id: i for i, r in enumerate(rules)}
    state: dict[int, int] = {}
    order: list[int] = []
    for root in range(len(rules)):
        stack: list[tuple[int, list[int]]] = []
        if root in state:
            continue
        state[root] = 1
        stack.append((root, [index[a] for a in rules[root].after if a in index]))
        while stack:
            node, todo = stack[-1]
            if not todo:
                stack.pop()
                state[node] = 2
                order.append(node)
                continue
            nxt = todo.pop()
            if state.get(nxt) == 1:
                path = [n for n, _ in stack]
                cycle = [rules[n].id for n in path[path.index(nxt) :]] + [rules[nxt].id]
                return order, cycle
            if nxt not in state:
                state[nxt] = 1
                stack.append((nxt, [index[a] for a in rules[nxt].after if a in index]))
    return order, []


class _Names:
    """What a scenario defines, for resolving rule selections."""

    def __init__(self, scn: schema.Scenario) -> None:
        self.scn = scn
        self.countries = {c.iso3 for c in scn.countries}
        self.units = {c.id: c.unit for c in scn.commodities}
        facilities = [*scn.facilities]
        facilities += [e.facility for e in scn.events if isinstance(e, schema.NewCapacity)]
        inputs: dict[str, list[str]] = {}
        for r in scn.recipes:
            inputs.setdefault(r.recipe, []).append(r.input)
        # every buyer as (country, commodity, sector, is_market)
        self.buyers = [(d.country, d.commodity, d.sector, True) for d in scn.demand]
        for f in facilities:
            self.buyers += [(f.country, k, f.kind, False) for k in inputs.get(f.recipe, [])]
        self.sectors = {b[2] for b in self.buyers if b[2]}
        fac_country = {f.id: f.country for f in facilities}
        self.reserves = [
            (fac_country.get(s.holder, s.holder), s.commodity)
            for s in scn.stocks
            if s.kind == "strategic"
        ]
        self.controls = {e.id for e in scn.events if isinstance(e, schema.ExportControl) and e.id}
        self.tensions = {e.name for e in scn.events if isinstance(e, schema.Tension)}
        for rule in scn.rules:
            self.tensions |= {a.name for a in rule.then if isinstance(a, schema.Tension)}

    def places(self, names: list[str], day: dt.date) -> set[str] | None:
        """Countries named or members of a named bloc on ``day``; None for all."""
        if not names:
            return None
        chosen = {n for n in names if n in self.countries}
        for n in names:
            for m in self.scn.blocs.get(n, []):
                if (m.since is None or m.since <= day) and (m.until is None or day < m.until):
                    chosen.add(m.country)
        return chosen


def _number_range(value: object) -> tuple[float, float] | None:
    if isinstance(value, Distribution):
        low, high = value.support()
        return float(low), float(high)
    if isinstance(value, Choice):
        numbers = [float(c) for c in value.choice if not isinstance(c, str)]
        return (min(numbers), max(numbers)) if numbers else None
    if isinstance(value, int | float):
        return float(value), float(value)
    return None


def _bounded(report: Report, field: str, value: object, lo: float, hi: float) -> None:
    span = _number_range(value)
    if span is not None and (span[0] < lo or span[1] > hi):
        dumped = value.model_dump() if isinstance(value, Distribution | Choice) else value
        allowed = f"between {lo:g} and {hi:g}" if hi < math.inf else f"at least {lo:g}"
        report(field, dumped, f"must be {allowed}")


def _check_condition(names: _Names, rule: Rule, cond: Condition, report: Report) -> None:
    day = rule.from_ or names.scn.start
    places = names.places(cond.countries, day)
    for c in cond.countries:
        if c not in names.countries and c not in names.scn.blocs:
            known = names.countries | set(names.scn.blocs)
            report("countries", c, "unknown country or bloc" + did_you_mean(c, known))
    for k in cond.commodities:
        if k not in names.units:
            report("commodities", k, "unknown commodity" + did_you_mean(k, names.units))
    for s in cond.sectors:
        if s not in names.sectors:
            hint = did_you_mean(s, names.sectors)
            report("sectors", s, f"unknown sector (demand sector or facility kind){hint}")
    q = cond.quantity
    if q == "control_active" and cond.control not in names.controls:
        hint = did_you_mean(cond.control, names.controls)
        report("control", cond.control, f"unknown export_control id{hint}")
    if q == "tension" and cond.tension not in names.tensions:
        hint = did_you_mean(cond.tension, names.tensions)
        report("tension", cond.tension, f"{_NO_TENSION}{hint}")
    named = (
        all(c in names.countries or c in names.scn.blocs for c in cond.countries)
        and all(k in names.units for k in cond.commodities)
        and all(s in names.sectors for s in cond.sectors)
    )
    commodities: set[str] = set()
    if q in ("days_of_cover", "stock", "shortfall_share", "cumulative_shortfall"):
        chosen = [
            b
            for b in names.buyers
            if (places is None or b[0] in places)
            and (not cond.commodities or b[1] in cond.commodities)
            and (not cond.sectors or b[2] in cond.sectors)
            and (b[3] or q in ("days_of_cover", "stock"))
        ]
        commodities = {b[1] for b in chosen}
        what = "buyers" if q in ("days_of_cover", "stock") else "demand rows (markets)"
        if named and not chosen:
            message = f"the selection matches no {what} (bloc membership on {day})"
            report("countries", cond.countries or "all", message)
    elif q in ("reserve", "reserve_share"):
        chosen_r = [
            r
            for r in names.reserves
            if (places is None or r[0] in places)
            and (not cond.commodities or r[1] in cond.commodities)
        ]
        commodities = {r[1] for r in chosen_r}
        if cond.sectors:
            report("sectors", cond.sectors, "reserves have no sector")
        if named and not chosen_r:
            message = f"the selection matches no strategic reserve (bloc membership on {day})"
            report("countries", cond.countries or "all", message)
    field = "above" if cond.above is not None else "below"
    unit = QUANTITIES[q]
    if unit == "commodity":
        units = {names.units[k] for k in commodities if k in names.units}
        if len(units) > 1:
            report("commodities", sorted(commodities), f"mixes units {sorted(units)}; select one")
        unit = units.pop() if len(units) == 1 else unit
    if cond.unit is not None and unit != "commodity" and cond.unit != unit:
        report("unit", cond.unit, f"the threshold of {q} is in {unit}")
    if QUANTITIES[q] == "share":
        _bounded(report, field, cond.threshold, 0.0, 1.0)
    elif q != "tension":
        _bounded(report, field, cond.threshold, 0.0, math.inf)


def _check_actions(scn: schema.Scenario, i: int, rule: Rule, found: list[Problem]) -> None:
    """Actions through the event checks, on a copy of the scenario holding them as events."""
    from supplyshock.scenario.checks import check_events

    n = len(scn.events)
    copy = scn.model_copy(update={"events": [*scn.events, *rule.then], "rules": []})
    for p in check_events(copy):
        head, _, rest = p.field.partition("]")
        if not head.startswith("events[") or not head[7:].isdigit() or int(head[7:]) < n:
            continue
        if p.message.startswith("outside the horizon") and p.value == UNDATED.isoformat():
            continue
        where = f"rules[{i}].then[{int(head[7:]) - n}]{rest}"
        found.append(Problem(p.file, where, p.value, p.message))


def check_rules(
    scn: schema.Scenario, provenance: dict[str, list[tuple[str, str]]]
) -> list[Problem]:
    """Every problem in the scenario's rules."""
    found: list[Problem] = []
    rows = provenance.get("rules", [])
    names = _Names(scn)
    event_ids = {e.id for e in scn.events if e.id}
    rule_ids = {r.id for r in scn.rules}
    ids = event_ids | rule_ids
    seen: set[str] = set()
    for i, rule in enumerate(scn.rules):
        file, base = rows[i] if i < len(rows) else (scn.origin_file, f"rules[{i}]")

        def report(
            field: str, value: object, message: str, file: str = file, base: str = base
        ) -> None:
            found.append(Problem(file, f"{base}.{field}", value, message))

        if rule.id in seen or rule.id in event_ids:
            report("id", rule.id, "duplicate id (rule ids must differ from rule and event ids)")
        seen.add(rule.id)
        for a in rule.after:
            if a not in event_ids and a not in rule_ids:
                report("after", a, "unknown rule or event id" + did_you_mean(a, ids))
        for field, day in (("from", rule.from_), ("until", rule.until)):
            if day is not None and not scn.start <= day <= scn.end:
                report(field, day.isoformat(), f"outside the horizon {scn.start} to {scn.end}")
        for j, cond in enumerate(rule.when):

            def at(field: str, value: object, message: str, j: int = j) -> None:
                report(f"when[{j}].{field}", value, message)

            _check_condition(names, rule, cond, at)
        if rule.hazard is not None:
            _bounded(report, "hazard.per_year", rule.hazard.per_year, 0.0, math.inf)
            low = _number_range(rule.hazard.multiplier)
            if low is not None and low[0] <= 0:
                report("hazard.multiplier", low[0], "must be positive")
            if rule.hazard.tension is not None and rule.hazard.tension not in names.tensions:
                hint = did_you_mean(rule.hazard.tension, names.tensions)
                report("hazard.tension", rule.hazard.tension, f"{_NO_TENSION}{hint}")
        _check_actions(scn, i, rule, found)
    _, cycle = rule_order(list(scn.rules))
    if cycle:
        i = next(k for k, r in enumerate(scn.rules) if r.id == cycle[0])
        file, base = rows[i] if i < len(rows) else (scn.origin_file, f"rules[{i}]")
        found.append(
            Problem(file, f"{base}.after", " <- ".join(cycle), "rules wait for each other")
        )
    return found
