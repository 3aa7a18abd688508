"""A finished run leaves no reference cycle: its arrays are freed with the simulation and its
result, without Python's collector of cycles (docs/performance.md)."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Generator, Iterator
from typing import Any

import numpy as np
import pytest
import simpy

import supplyshock as ss
from supplyshock.model.compile import compile_scenario
from supplyshock.sim.clock import RunClock
from supplyshock.sim.engine import simulate
from tests.sim.builder import US_RESERVE, ban, build, chain


@pytest.fixture
def no_cycle_collector() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _waits_past_the_horizon(sim: ss.Simulation) -> Generator[simpy.Event, Any, None]:
    """A user process holding the simulation while it waits beyond the horizon."""
    yield sim.env.timeout(10**6)
    sim.apply({"type": "demand_shift", "countries": ["USA"], "commodity": "magnet", "change": 1})


def _never_met(sim: ss.Simulation) -> Generator[simpy.Event, Any, None]:
    yield sim.watch(lambda s: s.day < 0)


@pytest.mark.usefixtures("no_cycle_collector")
def test_run_frees_the_simulation_when_it_and_the_result_are_dropped() -> None:
    scn = build(chain(events=[ban()], stocks=[US_RESERVE]))
    sim = ss.Simulation(scn, seed=1, processes=[_waits_past_the_horizon, _never_met])
    res = sim.run()
    parts = {name: weakref.ref(getattr(sim, name)) for name in ("recorder", "state", "policies")}
    parts["simulation"] = weakref.ref(sim)
    assert res.cubes["shortfall"].shape[0] == scn.horizon_days
    del sim, res
    assert [name for name, ref in parts.items() if ref() is not None] == []


@pytest.mark.usefixtures("no_cycle_collector")
def test_simulate_frees_the_simulation_with_what_it_returned() -> None:
    scn = build(chain(events=[ban()], stocks=[US_RESERVE]))
    recorder, state, _ = simulate(compile_scenario(scn), np.random.SeedSequence(1))
    records = weakref.ref(recorder)
    del recorder, state
    assert records() is None


def test_close_ends_waiting_processes_and_keeps_the_clock() -> None:
    clock = RunClock()
    ended: list[float] = []

    def waiting() -> Generator[simpy.Event, Any, None]:
        try:
            yield clock.timeout(100)
        finally:
            ended.append(clock.now)

    def done() -> Generator[simpy.Event, Any, None]:
        yield clock.timeout(1)

    clock.process(waiting())
    clock.process(done())
    clock.run(until=5)
    assert ended == []
    clock.close()
    assert ended == [5] and clock.now == 5
    clock.close()  # twice is harmless
    assert ended == [5]
