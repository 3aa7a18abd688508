"""Benchmark: a robust portfolio search on the reference scenario, and its extrapolation to the
target of 200 candidates x 100 futures (20,000 candidate-future evaluations) in at most 15
minutes on 2 cores.

``python benchmarks/optimize.py [--candidates 20] [--futures 20] [--workers 2]`` runs a grid
search of that many candidates (one lever: the US strategic NdFeB magnet reserve) on that many
futures of ``october_2025_suspended``, times one run with the constrained metrics only against
one run with the full batch reduction, repeats the search running every candidate
(``share_runs=False``: no candidate takes the values of a run that covers it, docs/model.md,
"Candidates that share a run") and with early stopping, and writes
benchmarks/results/optimize.{json,md}. ``--full`` times the target's search itself, 200
candidates x 100 futures without early stopping (a quarter to half an hour), into
benchmarks/results/optimize_full.{json,md}. The extrapolation scales the wall time per
candidate-future pair (pool start-up included) to 20,000 pairs; how many pairs a run covers,
and with early stopping how many candidates are clearly infeasible, depend on the candidates,
so the extrapolation is indicative only."""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import supplyshock as ss
from supplyshock.analysis.futures import Futures, measure
from supplyshock.analysis.robust import robust_search
from supplyshock.batch.replicate import child_seed, reduce_run
from supplyshock.model.compile import compile_scenario
from supplyshock.scenario.levers import ChanceConstraint, Lever, apply_portfolio

sys.path.insert(0, str(Path(__file__).resolve().parent))
from yardstick import simpy_yardstick

HERE = Path(__file__).resolve().parent
SCENARIO = "october_2025_suspended"
TARGET_RUNS = 200 * 100
TARGET_S = 15 * 60.0
CONSTRAINT = ChanceConstraint(
    region="USA", commodity="ndfeb_magnet", metric="unmet_share", at_most=0.05, probability=0.9
)


def reference() -> ss.Scenario:
    """The reference scenario with one lever: the US strategic magnet reserve, which may
    release 60 t a day (the bundled 2 t a day cannot meet the constraint at any size)."""
    scn = ss.load_scenario(SCENARIO)
    stocks = [
        s.model_copy(update={"release_rate_per_day": 60.0})
        if (s.holder, s.commodity, s.kind) == ("USA", "ndfeb_magnet", "strategic")
        else s
        for s in scn.stocks
    ]
    lever = Lever(
        target="stocks[USA.ndfeb_magnet.strategic].quantity",
        low=0,
        high=10_000,
        unit="t",
        capital_cost=80_000,
        annual_cost=2_000,
    )
    decision = scn.decision.model_copy(update={"constraints": [CONSTRAINT]})
    update = {"stocks": stocks, "levers": {"us_reserve": lever}, "decision": decision}
    return scn.model_copy(update=update)


def per_run(scn: ss.Scenario, repeats: int = 5) -> dict[str, float]:
    """Median seconds of one run, of measuring the constraint, and of the full reduction."""
    candidate = apply_portfolio(scn, {"us_reserve": 2000.0})
    candidate.checked()
    rows = Futures.sample(scn, repeats, 0).rows()
    run_s, measure_s, reduce_s, compile_s = [], [], [], []
    ss.run(candidate, seed=child_seed(0, 0), overrides=rows[0], validate=False)  # warm up
    for i in range(repeats):
        began = time.perf_counter()
        compile_scenario(candidate, child_seed(0, i), rows[i])
        compiled = time.perf_counter()
        compile_s.append(compiled - began)
        began = time.perf_counter()
        result = ss.run(candidate, seed=child_seed(0, i), overrides=rows[i], validate=False)
        ran = time.perf_counter()
        measure(result, [CONSTRAINT])
        measured = time.perf_counter()
        reduce_run(result, i)
        reduced = time.perf_counter()
        run_s.append(ran - began)
        measure_s.append(measured - ran)
        reduce_s.append(reduced - measured)
    return {
        "run_s": statistics.median(run_s),
        "compile_s": statistics.median(compile_s),
        "constrained_metrics_s": statistics.median(measure_s),
        "full_reduction_s": statistics.median(reduce_s),
    }


def search(
    scn: ss.Scenario,
    candidates: int,
    futures: int,
    workers: int,
    early_stop: bool = False,
    share_runs: bool = True,
) -> dict[str, Any]:
    began = time.perf_counter()
    found = robust_search(
        scn,
        futures=futures,
        method="grid",
        grid_points=candidates,
        front_points=0,
        recheck_futures=0,
        workers=workers,
        early_stop=early_stop,
        share_runs=share_runs,
    )
    wall = time.perf_counter() - began
    runs = found.runs
    evaluations = len(found.candidates) * futures
    per_run_s = wall / runs
    estimate = wall / evaluations * TARGET_RUNS
    return {
        "early_stop": early_stop,
        "evaluations": evaluations,
        "candidates": len(found.candidates),
        "futures": futures,
        "workers": workers,
        "runs": runs,
        "simulated": found.simulated,
        "share_runs": share_runs,
        "wall_s": wall,
        "wall_per_run_s": per_run_s,
        "target_runs": TARGET_RUNS,
        "extrapolated_target_s": estimate,
        "target_s": TARGET_S,
        "within_target": estimate <= TARGET_S,
        "best": found.best.portfolio if found.best else None,
    }


def _speed() -> float:
    """The host's speed now: SimPy Container put+get pairs a second (best of three)."""
    return max(simpy_yardstick()["container_put_get_per_s"] for _ in range(3))


def _load_note(result: dict[str, Any]) -> str:
    """Whether other work shared the cores during the measurement. The load average counts the
    search's own workers, so a load up to the workers plus one (the coordinating process) is
    the search itself."""
    own = result["search"]["workers"] + 1
    if max(result["load_before"], result["load_after"]) > max(result["cores"], own):
        return "above what the search itself accounts for: other work shared the cores"
    return "no more than the search itself accounts for: it had the cores to itself"


def markdown(result: dict[str, Any]) -> str:
    s, r, e, a = result["search"], result["per_run"], result["early_stop"], result["all_run"]
    extrapolated = f"{s['extrapolated_target_s'] / 60:.1f} min (target 15 min)"
    every = (
        f"{a['simulated']} runs in {a['wall_s']:.1f} s, "
        f"extrapolated {a['extrapolated_target_s'] / 60:.1f} min"
    )
    stopped = (
        f"{e['runs']} of {e['evaluations']} evaluations, {e['simulated']} runs, "
        f"in {e['wall_s']:.1f} s"
    )
    return f"""# Robust portfolio search benchmark

Scenario `{SCENARIO}` with one lever (US strategic NdFeB reserve), grid search, constraint
`{CONSTRAINT.label}`; {result["cores"]} cores, {result["machine"]}, Python {result["python"]};
load average (1 min) {result["load_before"]:.1f} before and {result["load_after"]:.1f} after
({_load_note(result)}); host speed (bare SimPy Container put+get pairs a second, as in
`run.py`) {result["yardstick_before"]:,.0f} before and {result["yardstick_after"]:,.0f} after.

| measure | value |
|---|---|
| candidates x futures (evaluations) | {s["candidates"]} x {s["futures"]} ({s["runs"]}) |
| runs made (the others covered by a run, docs/model.md) | {s["simulated"]} |
| workers | {s["workers"]} |
| wall time | {s["wall_s"]:.1f} s |
| wall time per evaluation | {s["wall_per_run_s"]:.3f} s |
| extrapolated 200 x 100 (20,000 evaluations) | {extrapolated} |
| every candidate run (`share_runs=False`), same grid | {every} |
| with early stop (same decisions) | {stopped} |
| extrapolated 200 x 100 with early stop | {e["extrapolated_target_s"] / 60:.1f} min |
| one run (simulation only) | {r["run_s"]:.3f} s |
| of which compiling the scenario | {r["compile_s"] * 1000:.0f} ms |
| constrained metrics of a run | {r["constrained_metrics_s"] * 1000:.1f} ms |
| full batch reduction of a run (for comparison) | {r["full_reduction_s"] * 1000:.1f} ms |
"""


def full_markdown(result: dict[str, Any]) -> str:
    s = result["search"]
    verdict = "within" if s["wall_s"] <= TARGET_S else "**over**"
    return f"""# Robust portfolio search at the target's size

Scenario `{SCENARIO}` with one lever (US strategic NdFeB reserve), grid search, constraint
`{CONSTRAINT.label}`, measured at full size (not extrapolated); {result["cores"]} cores,
{result["machine"]}, Python {result["python"]}; load average (1 min) {result["load_before"]:.1f}
before and {result["load_after"]:.1f} after ({_load_note(result)}); host speed (bare SimPy
Container put+get pairs a second, as in `run.py`) {result["yardstick_before"]:,.0f} before and
{result["yardstick_after"]:,.0f} after.

| measure | value |
|---|---|
| candidates x futures (evaluations) | {s["candidates"]} x {s["futures"]} ({s["runs"]}) |
| runs made (the others covered by a run, docs/model.md) | {s["simulated"]} |
| workers | {s["workers"]} |
| wall time | {s["wall_s"] / 60:.1f} min ({verdict} the target of {TARGET_S / 60:.0f} min) |
| wall time per evaluation | {s["wall_per_run_s"]:.3f} s |
"""


def measured(
    name: str, runs: Callable[[], dict[str, Any]], render: Callable[[dict[str, Any]], str]
) -> None:
    """Run ``runs`` between two readings of the host's load and speed, then write
    results/NAME.json and results/NAME.md (``render`` of the result) and print the latter."""
    load_before = os.getloadavg()[0]
    speed_before = _speed()
    result: dict[str, Any] = {
        **runs(),
        "cores": os.cpu_count(),
        "machine": platform.platform(),
        "python": platform.python_version(),
        "load_before": load_before,
        "load_after": os.getloadavg()[0],
        "yardstick_before": speed_before,
        "yardstick_after": _speed(),
    }
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    (out / f"{name}.json").write_text(json.dumps(result, indent=2) + "\n")
    (out / f"{name}.md").write_text(render(result))
    print(render(result))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--candidates", type=int, default=20)
    parser.add_argument("--futures", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--full",
        action="store_true",
        help="time the target's search itself (200 x 100) into results/optimize_full.*",
    )
    args = parser.parse_args()
    scn = reference()
    if args.full:  # the target's search itself, about half an hour
        measured(
            "optimize_full", lambda: {"search": search(scn, 200, 100, args.workers)}, full_markdown
        )
        return
    measured(
        "optimize",
        lambda: {
            "per_run": per_run(scn),
            "search": search(scn, args.candidates, args.futures, args.workers),
            "all_run": search(scn, args.candidates, args.futures, args.workers, share_runs=False),
            "early_stop": search(scn, args.candidates, args.futures, args.workers, early_stop=True),
        },
        markdown,
    )


if __name__ == "__main__":
    main()
