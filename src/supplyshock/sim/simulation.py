"""Simulation: one replication as an open SimPy model that user code can watch and act on.

``Simulation(scenario, seed)`` compiles the scenario and builds the SimPy environment, the
run's state and its dated processes. User code adds processes (:meth:`Simulation.process`),
waits for conditions (:meth:`Simulation.watch`), puts events in force
(:meth:`Simulation.apply`) and reads named views of the state (:mod:`supplyshock.sim.views`);
:meth:`Simulation.run` steps to the horizon and returns the :class:`~supplyshock.RunResult`.

>>> import supplyshock as ss
>>> sim = ss.Simulation("october_2025_suspended", seed=1)
>>> def release(sim):
...     yield sim.watch(quantity="days_of_cover", countries=["JPN"],
...                     commodities=["ndfeb_magnet"], below=20)
...     sim.apply({"type": "demand_shift", "countries": ["JPN"],
...                "commodity": "ndfeb_magnet", "change": -0.1})
>>> _ = sim.process(release)
>>> res = sim.run()
"""

from __future__ import annotations

import datetime as dt
import math
import time
from collections.abc import Callable, Generator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import simpy
from pydantic import BaseModel, TypeAdapter, ValidationError

from supplyshock.errors import Problem, ScenarioError
from supplyshock.events import lookup, names, timeline
from supplyshock.model.compile import compile_scenario
from supplyshock.model.draws import Drawer
from supplyshock.model.index import ScenarioIndex
from supplyshock.model.network import Network
from supplyshock.model.recompile import extend_network
from supplyshock.model.rules import RuleContext, compile_rules
from supplyshock.results import RunResult
from supplyshock.scenario import schema
from supplyshock.scenario.checks import check, check_events
from supplyshock.scenario.files import Located
from supplyshock.scenario.io import load_scenario
from supplyshock.scenario.rules import Condition, Rule
from supplyshock.scenario.translate import event_index, problems_from
from supplyshock.sim.clock import RunClock
from supplyshock.sim.dice import Dice
from supplyshock.sim.policy import Policies, own_links
from supplyshock.sim.pricebook import market_record, network_for_results
from supplyshock.sim.recorder import Recorder, check_finite
from supplyshock.sim.rulebook import RuleBook
from supplyshock.sim.state import State
from supplyshock.sim.step import Stepper
from supplyshock.sim.views import Views

__all__ = ["Predicate", "Simulation", "UserProcess"]

UserProcess = Callable[["Simulation"], Generator[simpy.Event, Any, Any]]
"""A function taking the simulation and returning a SimPy generator."""
Predicate = Callable[["Simulation"], bool]
"""A Python condition on the simulation, checked at the end of every day."""

_EVENT: TypeAdapter[Any] = TypeAdapter(schema.Event)


class Simulation(Views):
    """One replication of ``scenario``, open to user processes, watches and events.

    ``seed`` and ``overrides`` mean what they mean for :func:`supplyshock.run`, which is
    ``Simulation(scenario, seed, overrides=...).run()``; ``processes`` are added with
    :meth:`process` before the run starts. ``scenario_hash`` is the scenario's
    :meth:`~supplyshock.Scenario.content_hash` when the caller has it already (the
    replications of a batch, which hash their scenario once); it goes into the provenance as
    given.
    """

    def __init__(
        self,
        scenario: schema.Scenario | str | Path,
        seed: int | np.random.SeedSequence | None = None,
        *,
        overrides: Mapping[str, float] | None = None,
        validate: bool = True,
        processes: Sequence[UserProcess] = (),
        scenario_hash: str | None = None,
    ) -> None:
        self._hash: str | None = scenario_hash
        if not isinstance(scenario, schema.Scenario):
            scenario = load_scenario(scenario)  # loading cross-checks it
        elif validate:
            self._hash = scenario.checked()
        self.scenario = scenario
        self._given = scenario  # provenance hashes the scenario as given, not as rules extend it
        self._given_seed = seed
        seq = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
        self._seq = seq
        # spawn from a copy: the caller's SeedSequence is left as it was, so reusing it
        # repeats the run
        fresh = np.random.SeedSequence(seq.entropy, spawn_key=seq.spawn_key)
        self._param_seq, sim_seq = fresh.spawn(2)
        self._overrides = dict(overrides or {})
        self._began = time.perf_counter()
        net = compile_scenario(scenario, self._param_seq, overrides)
        self._build(net, sim_seq)
        for proc in processes:
            self.process(proc)

    @classmethod
    def from_network(
        cls, net: Network, seed: np.random.SeedSequence, host: object | None = None
    ) -> Simulation:
        """A simulation of a network compiled already (``seed``: the in-run stream); it
        cannot :meth:`apply` events, which need the scenario. ``host`` goes to the start hooks
        of event types (default: the simulation)."""
        sim = cls.__new__(cls)
        sim.scenario = sim._given = None  # type: ignore[assignment]
        sim._given_seed, sim._seq, sim._hash = None, seed, None
        sim._param_seq, sim._overrides = seed, {}
        sim._began = time.perf_counter()
        sim._build(net, seed, host)
        return sim

    def _build(
        self, net: Network, sim_seq: np.random.SeedSequence, host: object | None = None
    ) -> None:
        self.net = net = own_links(net)
        self.env: RunClock = RunClock()
        """The SimPy environment: day ``d`` is stepped at time ``d + 0.5``, after the dated
        events of day ``d`` (at time ``d``)."""
        self.state = State.initial(net)
        dice = Dice(sim_seq)
        assert net.rules is not None
        self.rules = RuleBook(net.rules, dice, net.horizon)
        self.policies = Policies(self.env, net, self.state, dice, host=host or self)
        self.policies.start()
        self.recorder = Recorder(net)
        self.stepper = Stepper(net, self.state, self.recorder, rules=self.rules)
        self._bind_rules()
        self.applied: list[schema.Event] = []
        """Events put in force during the run (by rules and :meth:`apply`), with their dates."""
        self.firings: list[dict[str, Any]] = []
        """Rules and watches fired: ``{"rule", "day", "date", "n"}`` in order."""
        self._marks: list[tuple[str, str]] = list(net.extra.get("timeline", []))  # type: ignore[call-overload]
        self._watches: dict[int, simpy.Event] = {}
        self._predicates: list[tuple[Predicate, simpy.Event]] = []
        self._today = 0  # the next day to step
        self._ran = False
        self._events = 0
        self.env.process(self._days())

    # ---- user-facing API -------------------------------------------------------------------

    @property
    def day(self) -> int:
        """The current day: the first day an event applied now would be in force."""
        return math.ceil(self.env.now)

    @property
    def date(self) -> dt.date:
        return self.net.start + dt.timedelta(days=self.day)

    def process(self, proc: UserProcess | Generator[simpy.Event, Any, Any]) -> simpy.Process:
        """Start a user SimPy process: a function of the simulation, or a generator."""
        gen = proc(self) if callable(proc) else proc
        return self.env.process(gen)

    def watch(
        self, condition: Condition | Mapping[str, Any] | Predicate | None = None, **fields: Any
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
            raise _error("watch", exc, Condition) from None
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

    def apply(self, event: schema.Event | Mapping[str, Any]) -> schema.Event:
        """Put ``event`` (scenario format; ``start`` defaults to today) in force.

        The run continues exactly as if the scenario had held the event from the beginning:
        it is compiled with the scenario (same draws for everything else) and its dated
        processes start now. Returns the dated event. An event that would change the network's
        structure (a new facility, new traced content) cannot be applied during a run.
        """
        if self.scenario is None:
            raise RuntimeError("a simulation made from a compiled network cannot apply events")
        if isinstance(event, Mapping):
            data = dict(event)
            kind = data.get("type")
            if (
                isinstance(kind, str)
                and kind in names()
                and "start" in lookup(kind).model.model_fields
            ):
                data.setdefault("start", self.date.isoformat())
            try:
                dated: schema.Event = _EVENT.validate_python(data)
            except ValidationError as exc:
                raise _error("apply", exc, None) from None
        else:
            dated = event
        start: dt.date | None = (
            dated.facility.start
            if isinstance(dated, schema.NewCapacity)
            else getattr(dated, "start", None)
        )
        if start is not None and start < self.date:
            raise ScenarioError.single(
                "<apply>", "start", start.isoformat(), f"is before today ({self.date})"
            )
        self._extend([dated])
        self._marks += timeline([dated]) or [(str(start or self.date), dated.id or dated.type)]
        return dated

    def step_to_horizon(self) -> int:
        """Run the SimPy environment to the horizon; the number of events processed."""
        if self._ran:
            raise RuntimeError("this simulation has already run; create a new one")
        self._ran = True
        stop = float(self.net.horizon)
        while self.env.peek() < stop:
            self.env.step()
            self._events += 1
        return self._events

    def run(self) -> RunResult:
        """Step to the horizon and return the result (once per simulation)."""
        self.step_to_horizon()
        prov_seed = self._seq.entropy if self._given_seed is not None else None
        spawn = list(self._seq.spawn_key) if self._given_seed is not None else None
        px = self.stepper.px
        net = network_for_results(self.net, px)  # the demand used, after price responses
        self.recorder.net = net
        result = RunResult.from_run(
            self.scenario,
            net,
            self.recorder,
            self.state,
            seed=prov_seed,
            spawn_key=spawn,
            wall_time_s=time.perf_counter() - self._began,
            events=self._events,
            scenario_hash=self._hash
            or (None if self._given is None else self._given.content_hash()),
            market_prices=market_record(self.net, px),
        )
        check_finite(result, self.recorder)
        result.provenance["rules"] = [dict(f) for f in self.firings]
        result.provenance["timeline"] = sorted(self._marks)
        result.provenance["applied"] = [
            e.model_dump(mode="json", exclude_defaults=True) for e in self.applied
        ]
        self.close()
        return result

    def close(self) -> None:
        """End the processes still waiting and drop the links back to the simulation (the
        event hooks' host, watches, conditions), so that no reference cycle holds the run's
        arrays once the simulation and what it returned are no longer used; they are freed
        then instead of at Python's next collection of cycles. :meth:`run` calls it; call it
        after :meth:`step_to_horizon`. The state, records and clock stay readable."""
        self.env.close()
        self.policies.host = None
        self._watches.clear()
        self._predicates.clear()

    # ---- internals -------------------------------------------------------------------------

    def _days(self) -> Generator[simpy.Event, Any, None]:
        """The daily process: day ``t`` is stepped at time ``t + 0.5``, after its dated events.

        Days up to the next dated event run as one compiled stretch (it also ends on a day a
        rule or watch fires); a pending Python watch makes the run step one day at a time.
        """
        env, horizon = self.env, self.net.horizon
        yield env.timeout(0.5)
        t = 0
        while t < horizon:
            upcoming = env.peek()  # dated events fall on whole days; inf when none is left
            stop = horizon if math.isinf(upcoming) else min(horizon, math.ceil(upcoming - 0.5))
            if self._predicates:
                stop = t + 1
            self.rules.refresh(self.state)
            done, fired = self.stepper.advance(t, max(stop, t + 1))
            if done - 1 > t:
                yield env.timeout(done - 1 - t)
            self._today = done
            if fired:
                self._fire(done - 1, fired)
            if self._predicates:
                self._check_predicates(done - 1)
            yield env.timeout(1.0)
            t = done

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

    def _extend(self, events: list[schema.Event], checked: bool = False) -> None:
        """Compile the scenario with ``events`` added and carry the run over to it."""
        scn = self.scenario.model_copy(update={"events": [*self.scenario.events, *events]})
        if not checked:  # rules' actions were checked with the scenario
            problems = check_events(scn)
            n = len(self.scenario.events)
            mine = [p for p in problems if event_index(p.field) >= n]
            if mine:
                raise ScenarioError(mine)
        new, steps_only = extend_network(self.net, scn, events, self._param_seq, self._overrides)
        if steps_only:  # no control or schedule changed: the gates and the stepper hold
            self.scenario, self.net = scn, new
            self.applied += events
            self.policies.adopt(new)
            self.stepper.net = self.recorder.net = new
            return
        new = own_links(new, self.net)
        self.scenario = scn
        self.applied += events
        self.state.extend(new)
        self.policies.adopt(new)
        self.stepper = self.stepper.adopt(new)
        self.recorder.net = new
        self.net = new
        self._bind_rules()

    def _bind_rules(self) -> None:
        s = self.stepper
        self.rules.bind(self.net, self.state, s.wk.need, s.demand, self.recorder.delivered)

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


def _error(where: str, exc: ValidationError, model: type[BaseModel] | None) -> ScenarioError:
    """The validation errors of a value given to ``where`` (apply, watch) as one error."""
    return ScenarioError(problems_from(exc.errors(), Located(None, f"<{where}>", ""), model))
