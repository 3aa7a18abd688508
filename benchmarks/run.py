"""Benchmarks: ``python benchmarks/run.py [--quick]`` writes benchmarks/results/latest.{json,md}.

Measured in one process, so that ratios are comparable across machines:
- yardstick: bare SimPy throughput (timeouts/s, and Container put+get pairs/s);
- reference: one run of ``october_2025_suspended`` (3 years): wall time, SimPy events, peak
  memory, facility-days/s, and cost per facility-day in bare-SimPy-timeout equivalents;
- scaling: synthetic worlds of 100 / 1,000 / 10,000 facilities over 1 / 3 / 10 years, with the
  fitted exponent of wall time against facilities x days;
- first run: import plus one reference run in a new process, with the engine's compiled
  kernels loaded from the on-disk cache and compiled from scratch;
- batch: N replications of the reference scenario on 1 and 2 worker processes (parallel
  efficiency), the HTML report of that batch (``--report FOLDER`` times only the report of an
  existing batch), and peak RSS of the parent for batches of two sizes of a small scenario
  (memory bounded by the chunk size, not by n);
- hostile input: peak RSS of validating 1 MB of hostile YAML (``benchmarks/hostile.py``, which
  also runs alone).
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

import numpy as np

import supplyshock as ss
from supplyshock.batch import run_batch
from supplyshock.examples import synthetic_world
from supplyshock.model.compile import compile_scenario

sys.path.insert(0, str(Path(__file__).resolve().parent))
import hostile
from yardstick import simpy_yardstick

HERE = Path(__file__).resolve().parent


def one_run(scn: ss.Scenario, repeats: int) -> dict[str, Any]:
    net = compile_scenario(scn)
    ss.run(scn, seed=repeats)  # warm-up: loads (or compiles) the engine's kernels
    times, events, firings = [], 0, 0
    for seed in range(repeats):
        began = time.perf_counter()
        res = ss.run(scn, seed=seed)
        times.append(time.perf_counter() - began)
        events = res.provenance["simpy_events"]
        firings = len(res.provenance.get("rules", []))
    tracemalloc.start()
    ss.run(scn, seed=0)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    best = min(times)
    facility_days = len(net.facilities) * net.horizon
    return {
        "scenario": scn.name,
        "facilities": len(net.facilities),
        "links": net.n_links,
        "days": net.horizon,
        "simpy_events": events,
        "wall_time_s_best": best,
        "wall_time_s_median": statistics.median(times),
        "peak_memory_mb": peak / 2**20,
        "facility_days_per_s": facility_days / best,
        "firings": firings,
    }


def paired_ratio(a: ss.Scenario, b: ss.Scenario, repeats: int) -> dict[str, float]:
    """Wall time of ``b`` over that of ``a``, their runs interleaved (a, b, a, b, ...) so that
    both meet the same phases of the host's speed: the ratio of the best times and the median
    of the ratios of each pair (same seed)."""
    ss.run(a, seed=repeats)
    ss.run(b, seed=repeats)
    pairs = []
    for seed in range(repeats):
        began = time.perf_counter()
        ss.run(a, seed=seed)
        middle = time.perf_counter()
        ss.run(b, seed=seed)
        pairs.append((middle - began, time.perf_counter() - middle))
    return {
        "ratio_of_best": min(t for _, t in pairs) / min(t for t, _ in pairs),
        "median_pair_ratio": statistics.median(t_b / t_a for t_a, t_b in pairs),
    }


def twenty_rules(scn: ss.Scenario) -> ss.Scenario:
    """The reference scenario plus 20 rules of every kind; about a dozen firings per run.

    Ten conditions never hold (they cost a check every day); five fire once on shortfall or
    cover; three hazards repeat with a cooldown; two release reserves when cover runs low.
    """
    tension = {"type": "tension", "name": "bench", "change": 1}
    places = ["USA", "JPN", "KOR", "DEU", "GBR"]
    rules: list[dict[str, Any]] = []
    for i, country in enumerate(places):
        rules.append(
            {
                "id": f"never_stock_{i}",
                "when": {
                    "quantity": "stock",
                    "countries": [country],
                    "commodities": ["ndfeb_magnet"],
                    "below": 0.0,
                },
                "then": tension,
            }
        )
        rules.append(
            {
                "id": f"never_short_{i}",
                "when": {
                    "quantity": "shortfall_share",
                    "countries": [country],
                    "window_days": 30,
                    "above": 1.0,
                },
                "then": tension,
            }
        )
    for i, country in enumerate(places):
        rules.append(
            {
                "id": f"short_{i}",
                "when": {
                    "quantity": "cumulative_shortfall",
                    "countries": [country],
                    "commodities": ["ndfeb_magnet"],
                    "above": 50.0,
                },
                "then": tension,
            }
        )
    for i in range(3):
        rules.append(
            {
                "id": f"hazard_{i}",
                "hazard": {"per_year": 1.0, "tension": "bench", "multiplier": 1.1},
                "then": tension,
                "repeat": True,
                "cooldown_days": 90,
            }
        )
    releases = [("USA", "ndfeb_magnet"), ("JPN", "dy_oxide")]
    for i, (holder, commodity) in enumerate(releases):
        rules.append(
            {
                "id": f"release_{i}",
                "when": {
                    "quantity": "days_of_cover",
                    "countries": [holder],
                    "commodities": [commodity],
                    "below": 20,
                    "for_days": 7,
                },
                "then": {
                    "type": "stockpile_release",
                    "holder": holder,
                    "commodity": commodity,
                    "share": 0.5,
                    "days": 60,
                },
                "repeat": True,
                "cooldown_days": 180,
            }
        )
    return ss.Scenario.model_validate({**scn.model_dump(by_alias=True), "rules": rules})


def scaling(sizes: list[int], years: list[int]) -> dict[str, Any]:
    rows = []
    for n in sizes:
        for y in years:
            scn = synthetic_world(n, max(5, n // 50), seed=1, horizon_days=365 * y)
            row = one_run(scn, repeats=2)  # best of two: this host's speed swings
            rows.append(
                {
                    "facilities": n,
                    "years": y,
                    **{
                        k: row[k]
                        for k in (
                            "wall_time_s_best",
                            "peak_memory_mb",
                            "links",
                            "facility_days_per_s",
                        )
                    },
                }
            )
    x = np.log([r["facilities"] * r["years"] for r in rows])
    t = np.log([r["wall_time_s_best"] for r in rows])
    large = [i for i, r in enumerate(rows) if r["facilities"] >= 1000]
    return {
        "runs": rows,
        "exponent_all": float(np.polyfit(x, t, 1)[0]),
        "exponent_large": float(np.polyfit(x[large], t[large], 1)[0]) if len(large) > 1 else None,
    }


def report(folder: Path) -> dict[str, Any]:
    """Wall time of ``supplyshock report`` on a batch folder (in a new process, as a user
    runs it)."""
    began = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "supplyshock.cli",
            "report",
            str(folder),
            "--out",
            str(Path(folder) / "report.html"),
        ],
        check=True,
        capture_output=True,
    )
    return {
        "replications": ss.BatchResult(folder).n_done,
        "wall_time_s": time.perf_counter() - began,
    }


def batch(scn: ss.Scenario, n: int) -> dict[str, Any]:
    times, reported = {}, {}
    for workers in (1, 2):
        with tempfile.TemporaryDirectory() as folder:
            began = time.perf_counter()
            run_batch(scn, n, seed=1, out=folder, workers=workers, chunk_size=25)
            times[workers] = time.perf_counter() - began
            if workers == 2:
                reported = report(Path(folder))
    return {
        "replications": n,
        "wall_time_s_1_worker": times[1],
        "wall_time_s_2_workers": times[2],
        "speedup": times[1] / times[2],
        "parallel_efficiency": times[1] / times[2] / 2,
        "report_wall_time_s": reported["wall_time_s"],
    }


FIRST_RUN = """
import time
began = time.perf_counter()
import supplyshock as ss
scn = ss.load_scenario("october_2025_suspended")
ss.run(scn, seed=0)
print(time.perf_counter() - began)
"""


def first_run() -> dict[str, float]:
    """Import plus one reference run in a new process: kernels from the on-disk cache, and
    kernels compiled from scratch (an empty cache folder, as on a first install)."""
    import os

    def timed(env: dict[str, str]) -> float:
        done = subprocess.run(
            [sys.executable, "-c", FIRST_RUN], check=True, capture_output=True, text=True, env=env
        )
        return float(done.stdout.strip())

    cached = min(timed(dict(os.environ)) for _ in range(3))
    with tempfile.TemporaryDirectory() as empty:
        cold = timed({**os.environ, "NUMBA_CACHE_DIR": empty})
    return {"cached_kernels_s": cached, "compiling_kernels_s": cold}


MEMORY_PROBE = """
import sys, tempfile
from supplyshock.batch import run_batch
from supplyshock.examples import synthetic_world
scn = synthetic_world(20, 4, seed=2, horizon_days=365, controls=False)
with tempfile.TemporaryDirectory() as folder:
    run_batch(scn, int(sys.argv[1]), seed=1, out=folder, workers=1, chunk_size=50)
# VmHWM is this process's own peak RSS (getrusage's maxrss is inherited across fork/exec)
status = open("/proc/self/status").read().split("VmHWM:")[1].split()[0]
print(int(status) / 1024)
"""


def memory(sizes: list[int]) -> dict[str, Any]:
    """Peak RSS of a fresh process running an in-process batch of n (small scenario)."""
    rows = []
    for n in sizes:
        began = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", MEMORY_PROBE, str(n)], check=True, capture_output=True, text=True
        )
        rows.append(
            {
                "replications": n,
                "peak_rss_mb": float(done.stdout.strip()),
                "wall_time_s": time.perf_counter() - began,
            }
        )
    return {"runs": rows, "growth_mb": rows[-1]["peak_rss_mb"] - rows[0]["peak_rss_mb"]}


def markdown(result: dict[str, Any]) -> str:
    y, ref = result["yardstick"], result["reference"]
    lines = [
        "| measure | value |",
        "|---|---|",
        f"| bare SimPy timeouts/s | {y['timeouts_per_s']:,.0f} |",
        f"| bare SimPy Container put+get pairs/s | {y['container_put_get_per_s']:,.0f} |",
        f"| reference scenario | {ref['scenario']} ({ref['facilities']} facilities, "
        f"{ref['links']} links, {ref['days']} days) |",
        f"| one run, wall time (best) | {ref['wall_time_s_best']:.3f} s |",
        f"| SimPy events per run | {ref['simpy_events']:,} |",
        f"| peak memory of one run | {ref['peak_memory_mb']:.1f} MB |",
        f"| facility-days/s | {ref['facility_days_per_s']:,.0f} |",
        f"| cost per facility-day (bare-timeout equivalents) | "
        f"{ref['timeout_equivalents_per_facility_day']:.2f} (target <= 2) |",
    ]
    if "twenty_rules" in result:
        r, nan = result["twenty_rules"], float("nan")
        lines.append(
            f"| reference + 20 rules ({r['firings_per_run']} firings), wall time (best) | "
            f"{r['wall_time_s_best']:.3f} s ({r['ratio_to_reference']:.2f}x the reference, "
            f"runs interleaved; median of paired runs {r.get('median_pair_ratio', nan):.2f}x; "
            "target <= 1.25x) |"
        )
    if "first_run" in result:
        f = result["first_run"]
        lines.append(
            f"| import + first run in a new process | {f['cached_kernels_s']:.2f} s "
            f"(compiled kernels cached on disk); {f['compiling_kernels_s']:.1f} s (compiling "
            "them, once per install) |"
        )
    if "batch" in result:
        b = result["batch"]
        lines += [
            f"| batch of {b['replications']}, 1 worker | {b['wall_time_s_1_worker']:.1f} s |",
            f"| batch of {b['replications']}, 2 workers | {b['wall_time_s_2_workers']:.1f} s "
            f"(target <= 120 s; speed-up {b['speedup']:.2f}x) |",
        ]
        if "report_wall_time_s" in b:
            lines.append(
                f"| report of the batch of {b['replications']} | "
                f"{b['report_wall_time_s']:.1f} s (target <= 30 s) |"
            )
    if "scaling" in result:
        s = result["scaling"]
        lines.append(
            f"| scaling exponent (wall time vs facilities x days) | "
            f"{s['exponent_all']:.2f} all sizes; "
            f"{s['exponent_large'] or float('nan'):.2f} for >= 1,000 facilities "
            "(target <= 1.1) |"
        )
        lines += [
            "",
            "| facilities | years | links | wall time (s) | peak memory (MB) |",
            "|---:|---:|---:|---:|---:|",
        ]
        lines += [
            f"| {r['facilities']:,} | {r['years']} | {r['links']:,} | "
            f"{r['wall_time_s_best']:.2f} | {r['peak_memory_mb']:.0f} |"
            for r in s["runs"]
        ]
    if "memory" in result:
        m = result["memory"]
        lines += [
            "",
            "| batch size (small scenario) | peak RSS (MB) | wall time (s) |",
            "|---:|---:|---:|",
        ]
        lines += [
            f"| {r['replications']:,} | {r['peak_rss_mb']:.0f} | {r['wall_time_s']:.0f} |"
            for r in m["runs"]
        ]
    if "hostile_input" in result:
        lines += hostile.markdown(result["hostile_input"])
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="reference run and yardstick only")
    parser.add_argument("--replications", type=int, default=1000)
    parser.add_argument("--out", type=Path, default=HERE / "results")
    parser.add_argument("--report", type=Path, help="only time the report of this batch folder")
    args = parser.parse_args()
    if args.report is not None:
        print(json.dumps(report(args.report), indent=2))
        return

    yardstick = max((simpy_yardstick() for _ in range(3)), key=lambda y: y["timeouts_per_s"])
    scn = ss.load_scenario("october_2025_suspended")
    ref = one_run(scn, repeats=7)
    per_day = ref["wall_time_s_best"] / (ref["facilities"] * ref["days"])
    ref["timeout_equivalents_per_facility_day"] = per_day * yardstick["timeouts_per_s"]
    with_rules = twenty_rules(scn)
    ruled = one_run(with_rules, repeats=7)
    paired = paired_ratio(scn, with_rules, repeats=15)
    ruled["ratio_to_reference"] = paired["ratio_of_best"]
    ruled["median_pair_ratio"] = paired["median_pair_ratio"]
    ruled["firings_per_run"] = ruled.pop("firings")
    result: dict[str, Any] = {
        "machine": {"python": platform.python_version(), "platform": platform.platform()},
        "supplyshock": ss.__version__,
        "yardstick": yardstick,
        "reference": ref,
        "twenty_rules": ruled,
    }
    if not args.quick:
        result["first_run"] = first_run()
        result["batch"] = batch(scn, args.replications)
        result["scaling"] = scaling([100, 1000, 10_000], [1, 3, 10])
        result["memory"] = memory([1000, 10_000])
        result["hostile_input"] = hostile.hostile_validation()
    args.out.mkdir(parents=True, exist_ok=True)
    name = "quick" if args.quick else "latest"
    (args.out / f"{name}.json").write_text(json.dumps(result, indent=2) + "\n")
    text = markdown(result)
    (args.out / f"{name}.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
