"""Benchmarks: run with ``python benchmarks/run.py``; writes benchmarks/results/latest.{json,md}.

Measured in one process:
- bare SimPy throughput (timeout events per second), the machine's yardstick;
- one run of the reference scenario: wall time (best of several), SimPy events, peak memory,
  facility-days per second, and cost per facility-day in bare-SimPy-timeout equivalents.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
import tracemalloc
from pathlib import Path
from typing import Any

import simpy

import supplyshock as ss
from supplyshock.model.compile import compile_scenario

HERE = Path(__file__).resolve().parent


def simpy_timeouts_per_second(n: int = 200_000) -> float:
    """Throughput of a single process yielding ``n`` timeouts."""
    env = simpy.Environment()

    def ticker(env: simpy.Environment) -> Any:
        for _ in range(n):
            yield env.timeout(1)

    env.process(ticker(env))
    began = time.perf_counter()
    env.run()
    return n / (time.perf_counter() - began)


def reference_run(name: str, repeats: int) -> dict[str, Any]:
    scn = ss.load_scenario(name)
    net = compile_scenario(scn)
    times = []
    events = 0
    for seed in range(repeats):
        res = ss.run(scn, seed=seed)
        times.append(res.provenance["wall_time_s"])
        events = res.provenance["simpy_events"]
    tracemalloc.start()
    ss.run(scn, seed=0)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    facility_days = len(net.facilities) * net.horizon
    best = min(times)
    return {
        "scenario": name,
        "facilities": len(net.facilities),
        "links": net.n_links,
        "days": net.horizon,
        "simpy_events": events,
        "wall_time_s_best": best,
        "wall_time_s_median": statistics.median(times),
        "peak_memory_mb": peak / 2**20,
        "facility_days_per_s": facility_days / best,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scenario", default="october_2025_suspended")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--out", type=Path, default=HERE / "results")
    args = parser.parse_args()

    yardstick = max(simpy_timeouts_per_second() for _ in range(3))
    ref = reference_run(args.scenario, args.repeats)
    per_facility_day_s = ref["wall_time_s_best"] / (ref["facilities"] * ref["days"])
    ref["timeout_equivalents_per_facility_day"] = per_facility_day_s * yardstick
    result = {
        "machine": {"python": platform.python_version(), "platform": platform.platform()},
        "supplyshock": ss.__version__,
        "simpy_timeouts_per_s": yardstick,
        "reference": ref,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "latest.json").write_text(json.dumps(result, indent=2) + "\n")
    lines = [
        "| measure | value |",
        "|---|---|",
        f"| bare SimPy timeouts/s | {yardstick:,.0f} |",
        f"| reference scenario | {ref['scenario']} ({ref['facilities']} facilities, "
        f"{ref['links']} links, {ref['days']} days) |",
        f"| one run, wall time (best of {args.repeats}) | {ref['wall_time_s_best']:.3f} s |",
        f"| SimPy events per run | {ref['simpy_events']:,} |",
        f"| peak memory of one run | {ref['peak_memory_mb']:.1f} MB |",
        f"| facility-days/s | {ref['facility_days_per_s']:,.0f} |",
        f"| cost per facility-day (bare-timeout equivalents) | "
        f"{ref['timeout_equivalents_per_facility_day']:.2f} |",
    ]
    (args.out / "latest.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
