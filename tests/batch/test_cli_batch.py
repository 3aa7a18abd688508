"""The batch command line: runs, resumes, summarises, compares and fails with one line."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from supplyshock.cli import app

runner = CliRunner()


def test_batch_summary_compare(tmp_path: Path, scenario_file: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    result = runner.invoke(
        app,
        [
            "batch",
            str(scenario_file),
            "-n",
            "6",
            "--out",
            str(a),
            "--workers",
            "1",
            "--design",
            "lhs",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "6 replications" in result.output
    assert (
        runner.invoke(
            app,
            [
                "batch",
                str(scenario_file),
                "-n",
                "6",
                "--seed",
                "2",
                "--out",
                str(b),
                "--workers",
                "1",
            ],
        ).exit_code
        == 0
    )
    summary = runner.invoke(app, ["summary", str(a)])
    assert summary.exit_code == 0 and "alliance" in summary.output
    assert "membership=dated" in summary.output
    compared = runner.invoke(app, ["compare", str(a), str(b)])
    assert compared.exit_code == 0 and "alliance" in compared.output
    assert "only on the days it is a member" in compared.output
    peak = runner.invoke(
        app, ["summary", str(a), "--level", "country", "--metric", "peak_daily_shortfall"]
    )
    assert peak.exit_code == 0 and "t/day" in peak.output
    sectors = runner.invoke(app, ["summary", str(a), "--level", "country", "--sector"])
    assert sectors.exit_code == 0 and "per country and sector" in sectors.output
    other = runner.invoke(app, ["compare", str(a), str(b), "--metric", "days_in_shortfall"])
    assert other.exit_code == 0 and "days_in_shortfall" in other.output


def test_metrics_command_lists_every_metric() -> None:
    from supplyshock.metrics import REGISTRY

    result = runner.invoke(app, ["metrics"])
    assert result.exit_code == 0
    for name, metric in REGISTRY.items():
        assert name in result.output and metric.unit in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["batch", "no/such/file.yaml", "-n", "3"], "no such file"),
        (["batch", "{scn}", "-n", "0"], "-n must be positive"),
        (["batch", "{scn}", "-n", "2", "--out", "/proc/forbidden"], "cannot write"),
        (["batch", "{scn}", "-n", "2", "--dask", "tcp://127.0.0.1:9"], "cannot reach Dask"),
        (["batch", "{scn}", "-n", "2", "--design", "grid"], "--design"),
        (["summary", "{tmp}/nothing"], "not a batch folder"),
        (["batch", "{scn}", "-n", "1000000000000"], "-n must be at most 1,000,000"),
        (["batch", "{scn}", "-n", "2", "--seed", "-1"], "--seed must be between 0"),
        (["batch", "{scn}", "-n", "2", "--workers", "-1"], "--workers must be 0"),
        (["batch", "{scn}", "-n", "2", "--chunk-size", "0"], "--chunk-size must be positive"),
        (["summary", "{tmp}", "--level", "nonsense"], "--level must be country or bloc"),
        (["sensitivity", "{scn}", "-n", "2", "--seed", "-5"], "--seed must be between 0"),
        (["compare", "{tmp}", "{tmp}", "--metric", "shortfal"], "did you mean 'shortfall'"),
        (["summary", "{tmp}", "--metric", "peak"], "unknown metric 'peak'; valid metrics:"),
        (["sensitivity", "{scn}", "--metric", "unmet"], "; valid metrics: shortfall"),
        (["batch", "{scn}", "-n", "2", "--membership", "always"], "--membership must be dated"),
        (["run", "{scn}", "--membership", "always"], "--membership must be dated"),
    ],
)
def test_bad_input_gives_one_line_and_nonzero_exit(
    args: list[str], message: str, scenario_file: Path, tmp_path: Path
) -> None:
    argv = [a.format(scn=scenario_file, tmp=tmp_path) for a in args]
    result = runner.invoke(app, argv)
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output


def test_ctrl_c_stops_cleanly_and_keeps_done_chunks(tmp_path: Path, scenario_file: Path) -> None:
    import os
    import signal
    import subprocess
    import sys
    import time

    out = tmp_path / "interrupted"
    argv = [
        sys.executable,
        "-X",
        "faulthandler",  # a hang is reported with every thread's stack (SIGABRT below)
        "-m",
        "supplyshock.cli",
        "batch",
        str(scenario_file),
        "-n",
        "100000",  # far more than can finish before the interrupt
        "--chunk-size",
        "2",
        "--workers",
        "1",
        "--out",
        str(out),
    ]
    # Output goes to files, not pipes: nothing the command writes can block it, and the wait
    # below ends when the process does, whatever else holds its output open.
    log = tmp_path / "stderr.txt"
    with open(tmp_path / "stdout.txt", "w") as stdout, open(log, "w") as stderr:
        proc = subprocess.Popen(argv, stdout=stdout, stderr=stderr, text=True)
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and len(list(out.glob("chunks/metrics-*.parquet"))) < 2:
            assert proc.poll() is None, log.read_text()
            time.sleep(0.1)
        os.kill(proc.pid, signal.SIGINT)
        try:
            proc.wait(timeout=120)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGABRT)
            proc.wait(timeout=30)
            pytest.fail(f"no exit 120 s after the interrupt:\n{log.read_text()}")
    err = log.read_text()
    assert proc.returncode == 130, err
    assert "rerun to resume" in err
    assert "Traceback" not in err
    assert not list(out.glob("chunks/*.partial"))
    finished = sorted(out.glob("chunks/metrics-*.parquet"))
    assert len(finished) >= 2
    for path in finished:  # every kept chunk is complete and readable
        assert pd.read_parquet(path)["replication"].nunique() == 2


def test_escalation_runs_in_the_batch_command(tmp_path: Path) -> None:
    out = tmp_path / "esc"
    argv = ["batch", "escalation_2026", "-n", "2", "--out", str(out), "--workers", "1"]
    result = runner.invoke(app, argv)
    assert result.exit_code == 0, result.output
    assert "rules: share of replications fired" in result.output
    assert "alliance_release" in result.output
    assert len(pd.read_parquet(out / "chunks" / "firings-00000.parquet")) > 0


def test_ctrl_c_stops_a_sensitivity_run_between_runs_and_a_rerun_resumes(
    tmp_path: Path, scenario_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import signal

    from supplyshock.analysis import sensitivity as sa
    from tests.interrupting import CtrlCAfterFirstReport

    pytest.importorskip("SALib")
    out = tmp_path / "sa"
    args = ["sensitivity", str(scenario_file), "-n", "4", "--method", "morris", "--workers"]
    args += ["1", "--chunk-size", "1", "--out", str(out), "--region", "USA"]
    args += ["--commodity", "magnet"]
    before = signal.getsignal(signal.SIGINT)
    batch = CtrlCAfterFirstReport(sa.run_batch)
    with monkeypatch.context() as patched:
        patched.setattr(sa, "run_batch", batch)
        stopped = runner.invoke(app, args)
    assert stopped.exit_code == 130, stopped.output
    assert batch.calls == 2  # stopped at the next report, not where the signal landed
    assert f"interrupted; finished chunks are kept in {out}" in stopped.output
    assert "Traceback" not in stopped.output
    assert signal.getsignal(signal.SIGINT) is before
    assert len(list(out.glob("chunks/metrics-*.parquet"))) == 1  # the run in progress is kept
    resumed = runner.invoke(app, args)
    assert resumed.exit_code == 0, resumed.output
    assert "morris indices" in resumed.output
    assert "x 12: 1/12 replications" in resumed.stderr  # the kept run is not run again
    assert "x 12: 0/12" not in resumed.stderr
