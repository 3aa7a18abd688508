"""Rules and watches of a running simulation: conditions user code waits for, and what
happens at the end of a day on which rules or watches fire.

Mixed into :class:`~supplyshock.sim.simulation.Simulation`. A rule condition given to
:meth:`Watches.watch` is compiled into the run's rule table and checked inside the compiled
stretches; a Python predicate is checked between days (the run then steps a day at a time).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import simpy
from pydantic import BaseModel, ValidationError

from supplyshock.errors import Problem, ScenarioError
from supplyshock.model.draws import Drawer
from supplyshock.model.index import ScenarioIndex
from supplyshock.model.rules import RuleContext, compile_rules
from supplyshock.scenario import schema
from supplyshock.scenario.checks import check
from supplyshock.scenario.files import Located
from supplyshock.scenario.rules import Condition, Rule
from supplyshock.scenario.translate import problems_from

if TYPE_CHECKING:
    from supplyshock.model.network import Network
    from supplyshock.sim.rulebook import RuleBook

__all__ = ["Watches", "input_error"]


class Watches:
    """Watches and rule firings, mixed into :class:`~supplyshock.sim.simulation.Simulation`."""

    scenario: schema.Scenario
    net: Network
    rules: RuleBook
    env: simpy.Environment
    firings: list[dict[str, Any]]
    _marks: list[tuple[str, str]]
    _watches: dict[int, simpy.Event]
    _predicates: list[tuple[Callable[[Any], bool], simpy.Event]]  # Python conditions

    if TYPE_CHECKING:  # provided by the simulation

        @property
        def day(self) -> int: ...

        def _extend(self, events: list[schema.Event], checked: bool = False) -> None: ...

    def watch(
        self,
        condition: Condition | Mapping[str, Any] | Callable[[Any], bool] | None = None,
        **fields: Any,
    ) -> simpy.Event:
        """An event that fires at the end of the first day (from today) the condition holds.

        The condition is a rule condition (a :class:`~supplyshock.scenario.rules.Condition`, a
        mapping or keyword arguments, e.g. ``quantity="days_of_cover", countries=["JPN"],
        commodities=["gallium"], below=10, for_days=30``), checked inside compiled stretches,
        or a Python function of the simulation returning a bool, checked between days (the
        run then steps one day at a time while it waits). Its value is the day it fired.
        """
        event = self.env.event()
        if callable(condition) and not isinstance(condition, Mapping):
            self._predicates.append((condition, event))
            return event
        data = condition if condition is not None else fields
        try:
            cond = data if isinstance(data, Condition) else Condition.model_validate(dict(data))
        except ValidationError as exc:
            raise input_error("watch", exc, Condition) from None
        name = f"watch#{len(self._watches) + 1}"
        rule = Rule.model_construct(id=name, when=[cond], then=[], after=[], hazard=None)
        rule = rule.model_copy(
            update={"from_": None, "until": None, "delay_days": 0, "duration_days": None}
        )
        probe = self.scenario.model_copy(update={"rules": [rule]})
        problems = [
            p for p in check(probe) if p.field.startswith("rules[0].when") or "watch" in p.field
        ]
        if problems:
            raise ScenarioError(
                [
                    Problem("<watch>", p.field.replace("rules[0].", ""), p.value, p.message)
                    for p in problems
                ]
            )
        table = self._compile_rules([rule], probe)
        index = self.rules.add_watch(name, table, self.day)
        self._watches[index] = event
        return event

    def _fire(self, t: int, n: int) -> None:
        """Rules and watches fired at the end of day ``t``: record them, date their actions."""
        table = self.net.rules
        assert table is not None
        events: list[schema.Event] = []
        for r in self.rules.fired(n):
            count = int(self.rules.run.fired[r])
            date = self.net.start + dt.timedelta(days=t)
            self.firings.append(
                {"rule": self.rules.ids[r], "day": t, "date": date.isoformat(), "n": count}
            )
            if r in self._watches:
                self._watches.pop(r).succeed(t)
                continue
            self._marks.append((date.isoformat(), f"rule {self.rules.ids[r]}"))
            start = self.net.start + dt.timedelta(days=t + 1 + int(table.delay[r]))
            actions = table.actions[r]
            for j, action in enumerate(actions):
                name = f"{table.ids[r]}#{count}" + (f".{j}" if len(actions) > 1 else "")
                update: dict[str, Any] = {"start": start, "id": name}
                if table.duration[r] and "end" in type(action).model_fields:
                    update["end"] = start + dt.timedelta(days=int(table.duration[r]))
                events.append(action.model_copy(update=update))
        if events:
            self._extend(events, checked=True)

    def _check_predicates(self, t: int) -> None:
        waiting = []
        for predicate, event in self._predicates:
            if predicate(self):
                self.firings.append(
                    {
                        "rule": "watch",
                        "day": t,
                        "date": str(self.net.start + dt.timedelta(t)),
                        "n": 1,
                    }
                )
                event.succeed(t)
            else:
                waiting.append((predicate, event))
        self._predicates = waiting

    def _compile_rules(self, rules: list[Rule], scn: schema.Scenario) -> Any:
        ix = ScenarioIndex(scn)
        net = self.net
        context = RuleContext(
            net.buyer_country,
            net.buyer_commodity,
            net.buyer_sector,
            net.n_inputs,
            net.reserves,
            {c.id: i for i, c in enumerate(net.controls)},
            net.rules.tensions if net.rules is not None else (),
        )
        return compile_rules(ix, Drawer(None), context, {}, rules)


def input_error(where: str, exc: ValidationError, model: type[BaseModel] | None) -> ScenarioError:
    """The validation errors of a value given to ``where`` (apply, watch) as one error."""
    return ScenarioError(problems_from(exc.errors(), Located(None, f"<{where}>", ""), model))
