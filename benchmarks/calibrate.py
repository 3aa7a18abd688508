"""Benchmark: wall time of the bundled April 2025 calibration (target: at most 10 minutes on
2 cores). ``python benchmarks/calibrate.py [--workers 2] [--replications N]`` writes
benchmarks/results/calibrate.{json,md} (the stored fit is not touched).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path
from typing import Any

from supplyshock.calibrate import Evaluation, Fit, calibrate, load_spec

HERE = Path(__file__).resolve().parent
TARGET_S = 600.0


def time_calibration(workers: int, replications: int | None = None) -> tuple[dict[str, Any], Fit]:
    """Load the bundled spec and fit it; wall times of loading, fitting and per evaluation."""
    began = time.perf_counter()
    spec, scn = load_spec("april_2025")
    loaded = time.perf_counter()
    stamps: list[float] = []

    def progress(_: Evaluation) -> None:
        stamps.append(time.perf_counter())

    fit = calibrate(
        spec, scenario=scn, workers=workers, progress=progress, replications=replications
    )
    done = time.perf_counter()
    gaps = [b - a for a, b in zip([loaded, *stamps[:-1]], stamps, strict=True)]
    return {
        "spec": "april_2025",
        "workers": workers,
        "cores": os.cpu_count(),
        "replications": fit.replications,
        "evaluations": fit.evaluations,
        "runs": fit.evaluations * fit.replications,
        "load_s": loaded - began,
        "fit_s": done - loaded,
        "total_s": done - began,
        "per_evaluation_s": sum(gaps) / len(gaps) if gaps else float("nan"),
        "target_s": TARGET_S,
        "within_target": done - began <= TARGET_S,
        "values": fit.values,
        "objective": fit.objective,
        "method": fit.method,
        "machine": platform.platform(),
        "python": platform.python_version(),
    }, fit


def markdown(result: dict[str, Any]) -> str:
    """The result as a short Markdown page."""
    values = "\n".join(f"| `{k}` | {v:.4f} |" for k, v in result["values"].items())
    verdict = "within" if result["within_target"] else "OVER"
    return (
        "# Calibration benchmark\n\n"
        "*Written by `python benchmarks/calibrate.py`; do not edit by hand.*\n\n"
        f"The bundled spec `april_2025` ({result['method']}) on {result['workers']} worker "
        f"process(es), {result['cores']} cores ({result['machine']}, Python "
        f"{result['python']}):\n\n"
        "| measure | value |\n|---|---:|\n"
        f"| evaluations | {result['evaluations']} |\n"
        f"| paired-seed replications per evaluation | {result['replications']} |\n"
        f"| simulation runs | {result['runs']} |\n"
        f"| load spec and scenario | {result['load_s']:.1f} s |\n"
        f"| fit | {result['fit_s']:.1f} s |\n"
        f"| per evaluation (mean) | {result['per_evaluation_s']:.2f} s |\n"
        f"| total | {result['total_s']:.1f} s ({verdict} the {result['target_s']:.0f} s target) |\n"
        f"\nFitted values (msre {result['objective']:.5f}):\n\n"
        "| parameter | value |\n|---|---:|\n" + values + "\n"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--replications", type=int, default=None)
    parser.add_argument("--out", type=Path, default=HERE / "results")
    args = parser.parse_args()
    result, _ = time_calibration(args.workers, args.replications)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "calibrate.json").write_text(json.dumps(result, indent=2) + "\n")
    (args.out / "calibrate.md").write_text(markdown(result))
    print(f"{result['total_s']:.1f} s; wrote {args.out / 'calibrate.md'}")


if __name__ == "__main__":
    main()
