"""What a worker process does with a scenario it is sent (this module does not import the
user's event types: unpickling the scenario must)."""

from __future__ import annotations

import numpy as np

from supplyshock.events import EventBase, names
from supplyshock.model.compile import compile_scenario
from supplyshock.scenario.checks import check
from supplyshock.scenario.schema import Scenario
from supplyshock.sim.engine import simulate


class CallLog:
    """A host that keeps the start-hook calls it is told about."""

    def __init__(self) -> None:
        self.calls: list[tuple[int, EventBase]] = []

    def record(self, event: EventBase, day: int) -> None:
        self.calls.append((day, event))


def run_with_log(scn: Scenario) -> tuple[tuple[str, ...], list[str], list[tuple[int, str]]]:
    """The registered type names, the scenario's problems and the start-hook calls of a run."""
    problems = [str(p) for p in check(scn)]
    net = compile_scenario(scn, np.random.SeedSequence(1))
    host = CallLog()
    simulate(net, np.random.SeedSequence(2), host=host)
    return names(), problems, [(day, event.type) for day, event in host.calls]
