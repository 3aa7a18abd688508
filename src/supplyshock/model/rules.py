"""Compile a scenario's rules into arrays the daily step checks (docs/model.md, "Rules").

Conditions become rows of a table (kind, comparison, threshold, window, duration) with the
entities each one sums over (buyers, markets, reserves, a control or a tension) in one flat
array; rules are put in an order where each comes after the rules it waits for. Uncertain
thresholds, hazard rates and action values are drawn here, once per replication, under the
rule's keys, and the actions are stored with those numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from supplyshock.model.draws import Drawer
from supplyshock.model.index import FAR, ScenarioIndex
from supplyshock.model.network import BoolArray, FloatArray, IntArray, Reserve
from supplyshock.scenario import schema
from supplyshock.scenario.distributions import Choice, Distribution
from supplyshock.scenario.rule_checks import rule_order
from supplyshock.scenario.rules import Condition, Rule

__all__ = ["KINDS", "RuleContext", "RuleTable", "compile_rules", "empty_table", "tension_names"]

KINDS = {q: i for i, q in enumerate(Condition.model_fields["quantity"].annotation.__args__)}  # type: ignore[union-attr]
"""Code of each quantity in the compiled table (the order of :data:`~.rules.Quantity`)."""
SPREADS = frozenset({"processing_days"})
"""Action fields whose distribution is a spread over applications, not drawn once."""


@dataclass(frozen=True)
class RuleTable:
    """Rules as arrays, in checking order (rule ``r`` after every rule it waits for)."""

    ids: tuple[str, ...]  # [r]
    start: IntArray  # [r] first day it may fire (window start, events waited for)
    stop: IntArray  # [r] first day it may no longer fire
    repeat: BoolArray  # [r]
    cooldown: IntArray  # [r]
    after_start: IntArray  # [r + 1] rules waited for: after_items[after_start[r]:...]
    after_items: IntArray
    rate: FloatArray  # [r] hazard per day at tension 0 (-1: no hazard)
    hazard_tension: IntArray  # [r] tension scaling the hazard (-1: none)
    multiplier: FloatArray  # [r]
    cond_rule: IntArray  # [j]
    cond_kind: IntArray  # [j] code from KINDS
    cond_above: BoolArray  # [j] True: value > threshold; False: value < threshold
    cond_threshold: FloatArray  # [j]
    cond_window: IntArray  # [j] days (shortfall_share)
    cond_for: IntArray  # [j] consecutive days needed
    cond_start: IntArray  # [j + 1] entities: cond_items[cond_start[j]:cond_start[j + 1]]
    cond_items: IntArray  # buyers, markets, reserves, a control or a tension
    actions: tuple[tuple[schema.Event, ...], ...]  # [r] with drawn numbers, undated
    delay: IntArray  # [r]
    duration: IntArray  # [r] 0: open-ended
    tensions: tuple[str, ...]

    @property
    def n(self) -> int:
        return len(self.ids)


def tension_names(scn: schema.Scenario) -> tuple[str, ...]:
    """Every tension a tension event or a rule action changes, sorted."""
    names = {e.name for e in scn.events if isinstance(e, schema.Tension)}
    for rule in scn.rules:
        names |= {a.name for a in rule.then if isinstance(a, schema.Tension)}
    return tuple(sorted(names))


def _drawn(draws: Drawer, key: str, e: schema.Event) -> schema.Event:
    """``e`` with each uncertain value drawn under ``key.<field>`` (spreads kept)."""
    update: dict[str, object] = {}
    for name in type(e).model_fields:
        value = getattr(e, name)
        if name in SPREADS or not isinstance(value, Distribution | Choice | float):
            continue
        if name == "snapback" and not isinstance(value, Distribution):
            update[name] = draws.flag(f"{key}.{name}", value)
        elif isinstance(value, Distribution | Choice):
            update[name] = draws.number(f"{key}.{name}", value)
    return e.model_copy(update=update) if update else e


@dataclass
class RuleContext:
    """What a condition sums over, given the compiled buyers and reserves."""

    buyer_country: IntArray
    buyer_commodity: IntArray
    buyer_sector: tuple[str, ...]
    n_inputs: int
    reserves: tuple[Reserve, ...]
    controls: dict[str, int]
    tensions: tuple[str, ...]

    def items(self, ix: ScenarioIndex, cond: Condition, day: int) -> IntArray:
        kind = cond.quantity
        if kind == "control_active":
            return np.array([self.controls[str(cond.control)]], dtype=np.int64)
        if kind == "tension":
            return np.array([self.tensions.index(str(cond.tension))], dtype=np.int64)
        where = (
            ix.places(schema.DestinationSelector(include=cond.countries), day)
            if cond.countries
            else np.ones(ix.C, dtype=bool)
        )
        goods = np.zeros(ix.K, dtype=bool)
        goods[[ix.commodity[k] for k in cond.commodities]] = True
        if not cond.commodities:
            goods[:] = True
        if kind in ("reserve", "reserve_share"):
            chosen = [
                r
                for r, res in enumerate(self.reserves)
                if where[res.country] and goods[res.commodity]
            ]
            return np.array(chosen, dtype=np.int64)
        sectors = set(cond.sectors)
        keep = where[self.buyer_country] & goods[self.buyer_commodity]
        keep &= np.array([not sectors or s in sectors for s in self.buyer_sector], dtype=bool)
        if kind in ("shortfall_share", "cumulative_shortfall"):
            return (np.flatnonzero(keep[self.n_inputs :])).astype(np.int64)
        return np.flatnonzero(keep).astype(np.int64)


def compile_rules(
    ix: ScenarioIndex,
    draws: Drawer,
    select: RuleContext,
    event_days: dict[str, int],
    rules: list[Rule] | None = None,
) -> RuleTable:
    """The scenario's rules (or ``rules``) as a :class:`RuleTable`, values drawn from ``draws``."""
    rules = list(ix.scn.rules) if rules is None else rules
    order, _ = rule_order(rules)
    rules = [rules[i] for i in order]
    position = {r.id: i for i, r in enumerate(rules)}
    cols: dict[str, list[float]] = {k: [] for k in ("rule", "kind", "above", "thr", "win", "for")}
    items: list[IntArray] = []
    start, stop, after, actions = [], [], [], []
    rate, hazard_tension, multiplier = [], [], []
    for r, rule in enumerate(rules):
        key = f"rules[{rule.id}]"
        first = ix.day(rule.from_, 0)
        waits = [event_days[a] for a in rule.after if a in event_days]
        start.append(max([first, *waits]))
        stop.append(ix.day(rule.until, FAR))
        after.append([position[a] for a in rule.after if a in position])
        for j, cond in enumerate(rule.when):
            side = "above" if cond.above is not None else "below"
            cols["rule"].append(r)
            cols["kind"].append(KINDS[cond.quantity])
            cols["above"].append(cond.above is not None)
            cols["thr"].append(draws.number(f"{key}.when[{j}].{side}", cond.threshold))
            cols["win"].append(cond.window_days)
            cols["for"].append(cond.for_days)
            items.append(select.items(ix, cond, first))
        h = rule.hazard
        per_day = -1.0 if h is None else draws.number(f"{key}.hazard.per_year", h.per_year) / 365
        rate.append(per_day)  # -1: no hazard
        tension = -1 if h is None or h.tension is None else select.tensions.index(h.tension)
        hazard_tension.append(tension)
        mult = 1.0 if h is None else draws.number(f"{key}.hazard.multiplier", h.multiplier)
        multiplier.append(mult)
        actions.append(tuple(_drawn(draws, f"{key}.then[{j}]", a) for j, a in enumerate(rule.then)))
    sizes = [len(a) for a in after]
    lengths = [len(i) for i in items]
    i64 = np.int64
    return RuleTable(
        ids=tuple(r.id for r in rules),
        start=np.array(start, dtype=i64),
        stop=np.array(stop, dtype=i64),
        repeat=np.array([r.repeat for r in rules], dtype=bool),
        cooldown=np.array([r.cooldown_days for r in rules], dtype=i64),
        after_start=np.concatenate([[0], np.cumsum(sizes)]).astype(i64),
        after_items=np.array([x for a in after for x in a], dtype=i64),
        rate=np.array(rate, dtype=float),
        hazard_tension=np.array(hazard_tension, dtype=i64),
        multiplier=np.array(multiplier, dtype=float),
        cond_rule=np.array(cols["rule"], dtype=i64),
        cond_kind=np.array(cols["kind"], dtype=i64),
        cond_above=np.array(cols["above"], dtype=bool),
        cond_threshold=np.array(cols["thr"], dtype=float),
        cond_window=np.array(cols["win"], dtype=i64),
        cond_for=np.array(cols["for"], dtype=i64),
        cond_start=np.concatenate([[0], np.cumsum(lengths)]).astype(i64),
        cond_items=np.concatenate(items).astype(i64) if items else np.zeros(0, dtype=i64),
        actions=tuple(actions),
        delay=np.array([r.delay_days for r in rules], dtype=i64),
        duration=np.array([r.duration_days or 0 for r in rules], dtype=i64),
        tensions=select.tensions,
    )


def empty_table() -> RuleTable:
    """A table without rules."""
    z = np.zeros(0, dtype=np.int64)
    start = np.zeros(1, dtype=np.int64)
    return RuleTable(
        (),
        z,
        z,
        np.zeros(0, dtype=bool),
        z,
        start,
        z,
        np.zeros(0),
        z,
        np.zeros(0),
        z,
        z,
        np.zeros(0, dtype=bool),
        np.zeros(0),
        z,
        z,
        start,
        z,
        (),
        z,
        z,
        (),
    )
