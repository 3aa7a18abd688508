"""The kernels' named structures are built as documented, and any stepping path agrees."""

from __future__ import annotations

import inspect
import re
import typing
from collections.abc import Generator
from typing import Any

import numpy as np
import pytest
import simpy

import supplyshock as ss
from supplyshock.model.compile import compile_scenario
from supplyshock.model.network import Network
from supplyshock.sim import kernels
from supplyshock.sim.dice import Dice
from supplyshock.sim.engine import simulate
from supplyshock.sim.policy import Policies
from supplyshock.sim.recorder import Recorder
from supplyshock.sim.state import State
from supplyshock.sim.step import Stepper

STRUCTS = (kernels.Net, kernels.St, kernels.Wk, kernels.Rec, kernels.Gate)
SHAPE = re.compile(r"^\s+(\w+): \w+\s+# \[([^\]]+)\]")


def _documented_shapes(cls: type) -> dict[str, list[str]]:
    """Each field's dimensions, from the ``# [b, o]`` comment after it in the source."""
    found = (SHAPE.match(line) for line in inspect.getsource(cls).splitlines())
    return {m[1]: [d.strip() for d in m[2].split(",")] for m in found if m}


def _sizes(net: Network) -> dict[str, int]:
    B, n_in = net.n_buyers, net.n_inputs
    return {
        "b": B,
        "b + 1": B + 1,
        "i": n_in,
        "m": B - n_in,
        "f": len(net.facilities),
        "l": net.n_links,
        "o": len(net.origins),
        "r": len(net.reserves),
        "k": len(net.commodities),
        "t": net.horizon,
    }


@pytest.fixture(scope="module")
def net() -> Network:
    return compile_scenario(ss.load_scenario("october_2025_controls"), np.random.SeedSequence(1))


def _each_day(
    env: simpy.Environment, horizon: int, step: Stepper, policies: Policies
) -> Generator[simpy.Event, Any, None]:
    """Like the engine's daily process, but one ``step(t)`` per day, never a stretch."""
    yield env.timeout(0.5)
    for t in range(horizon):
        step(t)
        yield env.timeout(1.0)


def _day_by_day(net: Network, seed: int) -> tuple[Recorder, State, Stepper]:
    """:func:`~supplyshock.sim.engine.simulate`, stepping every day on its own."""
    env = simpy.Environment()
    state = State.initial(net)
    policies = Policies(env, net, state, Dice(np.random.SeedSequence(seed)))
    policies.start()
    recorder = Recorder(net)
    stepper = Stepper(net, state, recorder)
    env.process(_each_day(env, net.horizon, stepper, policies))
    while env.peek() < net.horizon:
        env.step()
    return recorder, state, stepper


def test_every_field_has_its_documented_dtype_and_shape(net: Network) -> None:
    _, _, stepper = _day_by_day(net, seed=3)
    gate = stepper.gates.arrays()
    assert len(gate.entry_link) > 0  # the controls were in force at the end
    sizes = _sizes(net)
    built = (stepper.consts, stepper.st, stepper.wk, stepper.rec, gate)
    for cls, value in zip(STRUCTS, built, strict=True):
        shapes = _documented_shapes(cls)
        for name, hint in typing.get_type_hints(cls).items():
            field = getattr(value, name)
            where = f"{cls.__name__}.{name}"
            if hint in (int, float):
                assert type(field) is hint, where
                continue
            dtype = typing.get_args(typing.get_args(hint)[1])[0]
            assert isinstance(field, np.ndarray) and field.dtype == dtype, where
            assert name in shapes, f"{where} has no shape comment"
            assert field.ndim == len(shapes[name]), where
            for dim, size in zip(shapes[name], field.shape, strict=True):
                assert sizes.get(dim, size) == size, f"{where}: {dim} is {sizes[dim]}, not {size}"


def test_state_and_recorder_fields_are_their_own_arrays(net: Network) -> None:
    state, recorder = State.initial(net), Recorder(net)
    stepper = Stepper(net, state, recorder)
    for name in kernels.St._fields:
        assert getattr(stepper.st, name) is getattr(state, name), name
    for name in kernels.Rec._fields:
        assert getattr(stepper.rec, name) is getattr(recorder, name), name


def test_day_by_day_equals_stretches(net: Network) -> None:
    daily, daily_state, _ = _day_by_day(net, seed=5)
    stretched, stretched_state, _ = simulate(net, np.random.SeedSequence(5))
    for name in kernels.Rec._fields:
        np.testing.assert_array_equal(getattr(stretched, name), getattr(daily, name), name)
    for name in kernels.St._fields:
        np.testing.assert_array_equal(
            getattr(stretched_state, name), getattr(daily_state, name), name
        )
