"""The run's SimPy environment, which ends its waiting processes once the run is over."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import simpy

__all__ = ["RunClock"]


class RunClock(simpy.Environment):
    """A SimPy environment that keeps the generators of the processes it starts, so that
    :meth:`close` can end those still waiting when the run is over.

    A process waiting past the horizon holds its generator's frame, and the frame holds what
    the process refers to: the simulation, its policies, state and records. A SimPy
    environment and its events refer to each other, so all of that would wait for Python's
    collector of reference cycles (several GB for a large world) instead of being freed when
    the simulation and its result are no longer used. Closing a generator is what Python does
    when it collects one, done earlier.
    """

    def __init__(self, initial_time: float = 0) -> None:
        super().__init__(initial_time)
        self._generators: list[Generator[simpy.Event, Any, Any]] = []

    def process(self, generator: Generator[simpy.Event, Any, Any]) -> simpy.Process:
        """Start a process of ``generator`` (as :meth:`simpy.Environment.process`)."""
        self._generators.append(generator)
        return simpy.Process(self, generator)

    def close(self) -> None:
        """End every process still waiting (:meth:`generator.close`); the clock stays readable."""
        generators, self._generators = self._generators, []
        for generator in generators:
            generator.close()
