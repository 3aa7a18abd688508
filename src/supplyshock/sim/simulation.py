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
from pydantic import TypeAdapter, ValidationError

from supplyshock.errors import ScenarioError, SupplyshockError
from supplyshock.events import lookup, names, timeline
from supplyshock.model.compile import compile_scenario
from supplyshock.model.network import Network
from supplyshock.model.recompile import extend_network
from supplyshock.results import RunResult
from supplyshock.scenario import schema
from supplyshock.scenario.checks import check_events
from supplyshock.scenario.io import load_scenario
from supplyshock.scenario.translate import event_index
from supplyshock.sim.clock import RunClock
from supplyshock.sim.dice import Dice
from supplyshock.sim.policy import Policies, own_links
from supplyshock.sim.pricebook import market_record, network_for_results
from supplyshock.sim.recorder import Recorder, check_finite
from supplyshock.sim.rulebook import RuleBook
from supplyshock.sim.state import State
from supplyshock.sim.step import Stepper
from supplyshock.sim.views import Views
from supplyshock.sim.watches import Watches, input_error

__all__ = ["Predicate", "Simulation", "UserProcess", "compile_run"]

UserProcess = Callable[["Simulation"], Generator[simpy.Event, Any, Any]]
"""A function taking the simulation and returning a SimPy generator."""
Predicate = Callable[["Simulation"], bool]
"""A Python condition on the simulation, checked at the end of every day."""

_EVENT: TypeAdapter[Any] = TypeAdapter(schema.Event)


def _seed_sequence(seed: object) -> np.random.SeedSequence:
    """numpy's seed sequence of ``seed``; a :class:`SupplyshockError` naming the value if it is
    not a non-negative integer (or None, or a sequence of them)."""
    try:
        if isinstance(seed, bool | float | str):
            raise TypeError
        return np.random.SeedSequence(seed)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise SupplyshockError(
            f"seed must be a non-negative integer or a numpy SeedSequence, got {seed!r}"
        ) from None


def _streams(
    seed: int | np.random.SeedSequence | None,
) -> tuple[np.random.SeedSequence, np.random.SeedSequence, np.random.SeedSequence]:
    """The run's seed sequence, and the streams spawned from a copy of it: compilation's
    (uncertain parameters) and the run's own (in-run draws). The caller's sequence is left as
    it was, so reusing it repeats the run."""
    seq = seed if isinstance(seed, np.random.SeedSequence) else _seed_sequence(seed)
    fresh = np.random.SeedSequence(seq.entropy, spawn_key=seq.spawn_key)
    param_seq, sim_seq = fresh.spawn(2)
    return seq, param_seq, sim_seq


def compile_run(
    scenario: schema.Scenario,
    seed: int | np.random.SeedSequence | None = None,
    overrides: Mapping[str, float] | None = None,
) -> Network:
    """The network ``Simulation(scenario, seed, overrides=overrides)`` compiles, for runs that
    share it (``compiled``; see :mod:`supplyshock.model.variants`)."""
    return compile_scenario(scenario, _streams(seed)[1], overrides)


class Simulation(Watches, Views):
    """One replication of ``scenario``, open to user processes, watches and events.

    ``seed`` and ``overrides`` mean what they mean for :func:`supplyshock.run`, which is
    ``Simulation(scenario, seed, overrides=...).run()``; ``processes`` are added with
    :meth:`process` before the run starts. ``scenario_hash`` is the scenario's
    :meth:`~supplyshock.Scenario.content_hash` when the caller has it already (the
    replications of a batch, which hash their scenario once); it goes into the provenance as
    given. ``compiled`` is the network the scenario, seed and overrides compile to, when the
    caller has it already (:func:`compile_run`, or a variant of its network for a scenario
    that differs only in reserve sizes, :mod:`supplyshock.model.variants`); it is taken as
    given and not changed.
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
        compiled: Network | None = None,
    ) -> None:
        self._hash: str | None = scenario_hash
        if not isinstance(scenario, schema.Scenario):
            scenario = load_scenario(scenario)  # loading cross-checks it
        elif validate:
            self._hash = scenario.checked()
        self.scenario = scenario
        self._given = scenario  # provenance hashes the scenario as given, not as rules extend it
        self._given_seed = seed
        self._seq, self._param_seq, sim_seq = _streams(seed)
        self._overrides = dict(overrides or {})
        self._began = time.perf_counter()
        if compiled is None:
            compiled = compile_scenario(scenario, self._param_seq, overrides)
        self._build(compiled, sim_seq)
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
                raise input_error("apply", exc, None) from None
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
