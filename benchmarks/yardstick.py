"""The yardstick of the benchmarks: bare SimPy throughput, measured in the benchmark's process.

Absolute times on a shared host swing by up to a factor of two within minutes; a benchmark
reports this yardstick beside its times, so that two measurements can be compared.
"""

from __future__ import annotations

import time
from typing import Any

import simpy


def simpy_yardstick(n: int = 200_000) -> dict[str, float]:
    """Bare SimPy: timeouts per second, and Container put+get pairs per second."""

    def ticker(env: simpy.Environment) -> Any:
        for _ in range(n):
            yield env.timeout(1)

    env = simpy.Environment()
    env.process(ticker(env))
    began = time.perf_counter()
    env.run()
    timeouts = n / (time.perf_counter() - began)

    env = simpy.Environment()
    box = simpy.Container(env, init=0)

    def mover(env: simpy.Environment) -> Any:
        for _ in range(n // 4):
            yield box.put(1)
            yield box.get(1)

    env.process(mover(env))
    began = time.perf_counter()
    env.run()
    container = (n // 4) / (time.perf_counter() - began)
    return {"timeouts_per_s": timeouts, "container_put_get_per_s": container}
