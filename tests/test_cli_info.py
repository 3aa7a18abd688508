"""params, metrics and --version; the compile notice; run counts and small-sample warnings."""

from __future__ import annotations

import os
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import supplyshock
from supplyshock.batch import uncertain_parameters
from supplyshock.cli import app
from supplyshock.cli_info import COMPILE_NOTICE
from supplyshock.errors import SupplyshockWarning
from supplyshock.sim import warmup
from tests.batch.test_batch import uncertain_scenario

runner = CliRunner()


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert (
        result.exit_code == 0 and result.output.strip() == f"supplyshock {supplyshock.__version__}"
    )


def test_the_command_list_shows_each_summary_as_wrapped_text() -> None:
    # the list printed a docstring's source line breaks: "paired by" / "replication when ..."
    result = runner.invoke(app, ["--help"], env={"COLUMNS": "200", "TERMINAL_WIDTH": "200"})
    assert result.exit_code == 0, result.output
    lines = {
        line.split("│")[1].split(None, 1)[0]: line
        for line in result.output.splitlines()
        if line.startswith("│ ") and line.split("│")[1].strip()
    }
    for command in ("compare", "summary", "calibrate", "report", "optimize"):
        assert command in lines, result.output
    compare = " ".join(lines["compare"].split("│")[1].split()[1:])
    assert compare.endswith("paired by replication when both batches share their draws."), compare
    assert "``" not in result.output


def test_params_lists_every_uncertain_key(scenario_file: Path) -> None:
    result = runner.invoke(app, ["params", str(scenario_file)])
    assert result.exit_code == 0, result.output
    keys = uncertain_parameters(uncertain_scenario())
    assert len(keys) == 2
    for key in keys:
        assert key in result.output  # brackets printed literally
    assert "uniform(loc=0, scale=1), mean 0.5, range [0, 1]" in result.output
    assert "2 uncertain parameters" in result.output
    bad = runner.invoke(app, ["params", "no/such.yaml"])
    assert bad.exit_code == 2


def test_compile_notice_only_when_the_cache_is_cold(
    scenario_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    argv = ["batch", str(scenario_file), "-n", "1", "--workers", "1"]
    monkeypatch.setattr(warmup, "kernels_cached", lambda: False)
    cold = runner.invoke(app, [*argv, "--out", str(tmp_path / "a")])
    assert cold.exit_code == 0 and COMPILE_NOTICE in cold.stderr
    monkeypatch.setattr(warmup, "kernels_cached", lambda: True)
    warm = runner.invoke(app, [*argv, "--out", str(tmp_path / "b")])
    assert warm.exit_code == 0 and COMPILE_NOTICE not in warm.stderr


def test_cache_detection(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from supplyshock.sim.kernels import _common

    index = warmup.kernel_index_files()
    if index is None:
        pytest.skip("numba's cache layout differs; no notice is printed")
    assert len(index) >= 10 and all(p.suffix == ".nbi" for p in index)
    newer = tmp_path / "edited.py"
    newer.write_text("# a kernel file edited after the cache was written\n")
    future = time.time() + 3600
    os.utime(newer, (future, future))
    monkeypatch.setattr(warmup, "kernel_index_files", lambda: index)
    monkeypatch.setattr(_common, "_kernel_files", lambda: [newer])
    assert warmup.kernels_cached() is False
    os.utime(newer, (0, 0))  # older than every index file
    assert warmup.kernels_cached() is True
    monkeypatch.setattr(warmup, "kernel_index_files", lambda: [tmp_path / "missing.nbi"])
    assert warmup.kernels_cached() is False


def test_small_samples_warn_and_run_counts_are_exact() -> None:
    pytest.importorskip("SALib")
    from supplyshock.analysis.sensitivity import (
        MIN_SOBOL_N,
        design_runs,
        morris_indices,
        sobol_indices,
    )

    specs = uncertain_parameters(uncertain_scenario())
    sizes: list[int] = []

    def evaluate(plan: pd.DataFrame) -> np.ndarray:
        sizes.append(len(plan))
        return plan.sum(axis=1).to_numpy()

    with pytest.warns(SupplyshockWarning, match="n=8 is small"):
        sobol_indices(specs, evaluate, 8)
    with warnings.catch_warnings():
        warnings.simplefilter("error", SupplyshockWarning)
        sobol_indices(specs, evaluate, MIN_SOBOL_N)
    with pytest.warns(SupplyshockWarning, match="Morris"):
        morris_indices(specs, evaluate, 4)
    assert sizes == [
        design_runs("sobol", 8, 2),
        design_runs("sobol", MIN_SOBOL_N, 2),
        design_runs("morris", 4, 2),
    ]


def test_sensitivity_command_says_how_many_runs(scenario_file: Path, tmp_path: Path) -> None:
    pytest.importorskip("SALib")
    argv = ["sensitivity", str(scenario_file), "--method", "morris", "-n", "2"]
    argv += ["--region", "USA", "--commodity", "magnet", "--workers", "1"]
    result = runner.invoke(app, [*argv, "--out", str(tmp_path / "m")])
    assert result.exit_code == 0, result.output
    assert "morris with n=2 over 2 parameters: 6 runs" in result.stderr
    assert "warning: n=2 is small for morris" in result.stderr
    assert "events[ban].approval_probability" in result.stdout
