"""Trial: do candidates in one future step the same days in Python and the rest compiled?

A lock-step engine would run the compiled stretches of several candidates of one future
together, so it gains only on days every lane spends inside a stretch. The lanes' dated events
fall on the same days (they share every draw), but a lane leaves its stretch early where a
content-rule share crosses its threshold or a rule fires, and those react to state the levers
change. This trial runs the candidates of the search benchmark (the US strategic NdFeB
reserve at ``K`` sizes) in a few futures of the reference scenario, each on its own, records
the days each run steps outside a compiled stretch, and counts the days that are inside a
stretch in every lane, and the stretches a lock-step engine would have to run: those of the
union of every lane's break days.

``python benchmarks/lockstep_alignment.py`` writes benchmarks/results/lockstep_alignment.{json,md}.
"""

from __future__ import annotations

import platform
import sys
from pathlib import Path
from typing import Any

import numpy as np

import supplyshock as ss
from supplyshock.analysis.futures import Futures
from supplyshock.batch.replicate import child_seed
from supplyshock.scenario.levers import apply_portfolio
from supplyshock.sim import kernels

sys.path.insert(0, str(Path(__file__).resolve().parent))
from lockstep import write_results
from optimize import reference

SIZES = (0.0, 1_000.0, 2_000.0, 3_000.0, 4_000.0, 6_000.0, 8_000.0, 10_000.0)
FUTURES = 4


def compiled_days(scn: ss.Scenario, seed: Any, overrides: dict[str, float]) -> np.ndarray:
    """Per day of a run: True where the day was stepped inside a compiled stretch."""
    stretches: list[tuple[int, int]] = []
    inner = kernels.quiet_days

    def spy(t: int, stop: int, *rest: Any) -> tuple[int, int, int]:
        status, day, fired = inner(t, stop, *rest)
        end = stop if status == kernels.DONE else day + (1 if status == kernels.RULES else 0)
        stretches.append((t, end))
        return status, day, fired

    kernels.quiet_days = spy  # the stepper calls through the module: no compiled shortcut
    try:
        res = ss.run(scn, seed=seed, overrides=overrides, validate=False)
    finally:
        kernels.quiet_days = inner
    inside = np.zeros(len(res.dates), dtype=bool)
    for t, end in stretches:
        inside[t:end] = True
    return inside


def main() -> None:
    scn = reference()
    rows = Futures.sample(scn, FUTURES, 0).rows()
    found: list[dict[str, Any]] = []
    for i in range(FUTURES):
        lanes = [
            compiled_days(apply_portfolio(scn, {"us_reserve": size}), child_seed(0, i), rows[i])
            for size in SIZES
        ]
        inside = np.stack(lanes)
        every = inside.all(axis=0)
        breaks = [int((~lane).sum()) for lane in lanes]
        found.append(
            {
                "future": i,
                "days": int(inside.shape[1]),
                "python_days_per_lane": breaks,
                "python_days_in_some_lane": int((~every).sum()),
                "share_compiled_in_every_lane": float(every.mean()),
                "stretches_together": int(np.count_nonzero(np.diff(every.astype(int)) == 1))
                + int(every[0]),
            }
        )
    result = {
        "scenario": "october_2025_suspended (the search benchmark's reference)",
        "reserve_sizes_t": list(SIZES),
        "machine": {"python": platform.python_version(), "platform": platform.platform()},
        "futures": found,
    }
    lines = [
        "# Lock-step trial: how often candidates of one future are all in a compiled stretch",
        "",
        f"The search benchmark's candidates (US strategic NdFeB reserve of {len(SIZES)} sizes, "
        f"{SIZES[0]:,.0f} to {SIZES[-1]:,.0f} t) in {FUTURES} futures, each run on its own.",
        "",
        "| future | days | days in Python, per lane | in Python in some lane | "
        "compiled in every lane | stretches together |",
        "|---:|---:|---|---:|---:|---:|",
        *(
            f"| {f['future']} | {f['days']} | {min(f['python_days_per_lane'])} to "
            f"{max(f['python_days_per_lane'])} | {f['python_days_in_some_lane']} | "
            f"{100 * f['share_compiled_in_every_lane']:.1f}% | {f['stretches_together']} |"
            for f in found
        ),
        "",
    ]
    write_results("lockstep_alignment", result, lines)


if __name__ == "__main__":
    main()
