"""Run one replication: compile, build the SimPy environment, step every day, return results."""

from __future__ import annotations

import math
import time
from collections.abc import Generator, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import simpy

from supplyshock.errors import ScenarioError
from supplyshock.model.compile import compile_scenario
from supplyshock.model.network import Network
from supplyshock.results import RunResult
from supplyshock.scenario.checks import check
from supplyshock.scenario.io import load_scenario
from supplyshock.scenario.schema import Scenario
from supplyshock.sim.dice import Dice
from supplyshock.sim.policy import Policies
from supplyshock.sim.recorder import Recorder
from supplyshock.sim.state import State
from supplyshock.sim.step import Stepper

__all__ = ["run", "simulate"]


def _days(
    env: simpy.Environment, horizon: int, step: Stepper, policies: Policies
) -> Generator[simpy.Event, Any, None]:
    """The daily process: day ``t`` is stepped at time ``t + 0.5``, after the day's dated events.

    Days up to the next dated event are stepped together (:meth:`Stepper.advance`); the clock
    then moves to the last of them before the policy processes it asked for are started.
    """
    yield env.timeout(0.5)
    t = 0
    while t < horizon:
        upcoming = env.peek()  # dated events fall on whole days; inf when none is left
        stop = horizon if math.isinf(upcoming) else min(horizon, math.ceil(upcoming - 0.5))
        done, day = step.advance(t, max(stop, t + 1))
        if done - 1 > t:
            yield env.timeout(done - 1 - t)
        if len(day.qualify):
            policies.qualify(day.qualify)
        yield env.timeout(1.0)
        t = done


def simulate(
    net: Network, seed: np.random.SeedSequence, host: object | None = None
) -> tuple[Recorder, State, int]:
    """Simulate a compiled network; returns the recorder, final state and SimPy event count.

    ``host`` is passed to the start hooks of event types (``start(host, event, day)``).
    """
    env = simpy.Environment()
    state = State.initial(net)
    policies = Policies(env, net, state, Dice(seed), host=host)
    policies.start()
    recorder = Recorder(net)
    env.process(_days(env, net.horizon, Stepper(net, state, recorder), policies))
    events = 0
    stop = float(net.horizon)
    while env.peek() < stop:
        env.step()
        events += 1
    return recorder, state, events


def run(
    scenario: Scenario | str | Path,
    seed: int | np.random.SeedSequence | None = None,
    *,
    overrides: Mapping[str, float] | None = None,
    validate: bool = True,
) -> RunResult:
    """Simulate one replication of ``scenario`` and return its :class:`RunResult`.

    ``seed`` makes the run reproducible: uncertain parameters and every random event (outages,
    qualification delays) come from generators spawned from it. ``overrides``
    fixes uncertain parameters by key (see ``result.provenance["draws"]`` for the keys).
    A :class:`Scenario` object is cross-checked first, also one copied from a loaded scenario
    (``validate=False`` skips that, e.g. for replications of a scenario already checked once);
    a name or path is cross-checked as it is loaded.

    ``result.provenance`` records the seed as ``seed`` (its entropy) and ``spawn_key``, so
    ``seed=np.random.SeedSequence(prov["seed"], spawn_key=prov["spawn_key"])`` repeats a run.
    Replication ``i`` of a batch run with seed ``S`` (:func:`~supplyshock.batch.run_batch`)
    used ``SeedSequence(S, spawn_key=(i,))`` (``(0,)`` for every replication with
    ``common_stream``) and row ``i`` of its design as ``overrides``; it is reproduced by
    ``ss.run(scn, seed=np.random.SeedSequence(S, spawn_key=(i,)),
    overrides=batch.design().iloc[i].to_dict())``.

    >>> import supplyshock as ss
    >>> res = ss.run("october_2025_suspended", seed=1)
    >>> res.shortfall(by="commodity").columns.tolist()[:3]
    ['commodity', 'unit', 'demand']
    """
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)  # loading cross-checks it
    elif validate:
        problems = check(scenario)  # built or copied in Python: origin_file does not tell
        if problems:
            raise ScenarioError(problems)
    seq = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    param_seq, sim_seq = seq.spawn(2)
    began = time.perf_counter()
    net = compile_scenario(scenario, param_seq, overrides)
    recorder, state, events = simulate(net, sim_seq)
    wall = time.perf_counter() - began
    return RunResult.from_run(
        scenario,
        net,
        recorder,
        state,
        seed=seq.entropy if seed is not None else None,
        spawn_key=list(seq.spawn_key) if seed is not None else None,
        wall_time_s=wall,
        events=events,
    )
