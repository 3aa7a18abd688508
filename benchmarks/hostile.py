"""Memory of validating hostile YAML: ``python benchmarks/hostile.py`` prints peak RSS.

Two files of about 1 MB each extend the bundled world:

- *within limits*: an alias bomb of 9**6 values under unknown keys (under the expansion
  limit), a part of it as the description, lists nested 38 deep, a 300 kB name, and
  thousands of events with long ids and bad values, so that everything reaches validation
  and every problem is reported;
- *over limits*: an alias bomb of 9**9 values and nesting 500 deep, refused by the reader.

Each is validated (``supplyshock validate``'s code path) in a fresh process that reports its
own peak RSS (``VmHWM`` of ``/proc/self/status``, or ``ru_maxrss`` where that is missing) and the
RSS after importing supplyshock.
Target: peak below 300 MB.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

TARGET_MB = 300.0
SIZE = 1_000_000

PROBE = """
import resource, sys
import supplyshock as ss
from supplyshock.errors import ScenarioError

def peak_mb():
    # VmHWM is this process's own high-water mark; ru_maxrss on Linux also counts the
    # parent's peak at fork time, which a large parent (the benchmark) would report
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    kib = 1024 if sys.platform != "darwin" else 1024 * 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / kib

before = peak_mb()
try:
    ss.load_scenario(sys.argv[1], allow_outside=True)
    outcome, length = "accepted", 0
except ScenarioError as exc:
    outcome, length = f"{len(exc.problems)} problems", len(str(exc))
peak = peak_mb()
print(before, peak, outcome, length)
"""


def _bomb(levels: int, name: str) -> list[str]:
    lines = [f"{name}0: &{name}0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for i in range(1, levels):
        refs = ", ".join([f"*{name}{i - 1}"] * 9)
        lines.append(f"{name}{i}: &{name}{i} [{refs}]")
    return lines


def hostile_yaml(within_limits: bool, size: int = SIZE) -> str:
    """About ``size`` bytes of hostile scenario YAML (see the module docstring)."""
    levels, depth = (6, 38) if within_limits else (9, 500)
    lines = ["extends: world_2025", *_bomb(levels, "b")]
    lines.append(f"description: *b{levels - 3}")
    lines.append("x_deep: " + "[" * depth + "1" + "]" * depth)
    lines.append("name: '" + "n" * 300_000 + "'")
    lines.append("events:")
    i = 0
    while sum(len(line) + 1 for line in lines) < size:
        lines.append(
            f"  - {{id: '{'e' * 150}{i}', type: capacity_shock, country: XXX,"
            f" share_lost: {{choice: [maybe, .nan]}}, start: 9999-01-01, hacked: *b1}}"
        )
        i += 1
    return "\n".join(lines) + "\n"


def hostile_validation() -> dict[str, Any]:
    """Peak RSS of validating each hostile file in a fresh process."""
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for within in (True, False):
            path = Path(tmp) / f"hostile_{'within' if within else 'over'}.yaml"
            path.write_text(hostile_yaml(within))
            began = time.perf_counter()
            done = subprocess.run(
                [sys.executable, "-c", PROBE, str(path)], check=True, capture_output=True, text=True
            )
            before, peak, *outcome, length = done.stdout.split()
            rows.append(
                {
                    "file": "within limits" if within else "over limits",
                    "bytes": path.stat().st_size,
                    "rss_after_import_mb": float(before),
                    "peak_rss_mb": float(peak),
                    "outcome": " ".join(outcome),
                    "message_chars": int(length),
                    "wall_time_s": time.perf_counter() - began,
                }
            )
    return {
        "runs": rows,
        "peak_rss_mb": max(r["peak_rss_mb"] for r in rows),
        "target_mb": TARGET_MB,
    }


def markdown(result: dict[str, Any]) -> list[str]:
    """Table rows of the result for results/latest.md."""
    lines = [
        "",
        "| hostile YAML (validate) | bytes | RSS after import (MB) | peak RSS (MB) | outcome |",
        "|---|---:|---:|---:|---|",
    ]
    lines += [
        f"| {r['file']} | {r['bytes']:,} | {r['rss_after_import_mb']:.0f} | "
        f"{r['peak_rss_mb']:.0f} (target < {TARGET_MB:.0f}) | {r['outcome']} in "
        f"{r['wall_time_s']:.1f} s |"
        for r in result["runs"]
    ]
    return lines


if __name__ == "__main__":
    found = hostile_validation()
    print(json.dumps(found, indent=2))
    print("\n".join(markdown(found)))
