"""``supplyshock calibrate`` writes a fit that ``run --fit`` and ``batch --fit`` apply."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from supplyshock.calibrate import load_fit
from supplyshock.cli import app
from tests.calibrate.conftest import SpecWriter

runner = CliRunner()

TINY = {"method": "grid", "grid_points": 2, "max_evaluations": 4}


def test_calibrate_writes_a_fit_that_run_and_batch_apply(
    write_spec: SpecWriter, tmp_path: Path
) -> None:
    spec = write_spec(optimizer=TINY)
    out = tmp_path / "fit.yaml"
    result = runner.invoke(app, ["calibrate", str(spec), "--out", str(out), "--replications", "1"])
    assert result.exit_code == 0, result.output
    assert "  4/4  (" in result.stderr  # one progress line per evaluation
    assert "fitted parameters" in result.stdout and "train and test errors" in result.stdout
    assert "china_total" in result.stdout and "level_rmsre" in result.stdout
    fit = load_fit(out)
    assert fit.evaluations == 4 and fit.replications == 1
    assert set(fit.values) == {
        "events[apr_2025].coverage",
        "events[apr_2025_london].approval_probability",
    }

    ran = runner.invoke(
        app, ["run", "april_2025_heavy_ree", "--fit", str(out), "--out", str(tmp_path / "run")]
    )
    assert ran.exit_code == 0, ran.output
    assert "warning" not in ran.stderr  # fitted to this very scenario

    batch = tmp_path / "batch"
    arguments = ["batch", "april_2025_heavy_ree", "-n", "2", "--workers", "1"]
    done = runner.invoke(app, [*arguments, "--fit", str(out), "--out", str(batch)])
    assert done.exit_code == 0, done.output
    design = pd.read_parquet(batch / "design.parquet")
    for key, value in fit.values.items():
        assert (design[key] == value).all()
    assert design["events[apr_2025].approval_probability"].nunique() == 2  # still sampled


def test_a_fit_with_an_unknown_key_fails_with_one_line(tmp_path: Path) -> None:
    fit = tmp_path / "bad.fit.yaml"
    data = {
        "name": "x",
        "spec": "x.yaml",
        "scenario": "april_2025_heavy_ree",
        "scenario_hash": "0" * 64,
        "values": {"events[apr_2025].coverag": 0.7},
        "objective": 0.1,
        "metric": "msre",
        "seed": 1,
        "replications": 1,
        "method": "grid",
        "evaluations": 1,
        "train_data_sha256": "0" * 64,
        "train_series": ["a"],
        "train_months": 1,
        "version": "0",
        "created": "2026-01-01",
    }
    fit.write_text(yaml.safe_dump(data))
    result = runner.invoke(app, ["run", "april_2025_heavy_ree", "--fit", str(fit)])
    assert result.exit_code == 2
    assert "was fitted to april_2025_heavy_ree with content hash 000000000000" in result.stderr
    assert "events[apr_2025].coverag" in result.stderr
    assert "no parameter with this key" in result.stderr
    fit.write_text(yaml.safe_dump({**data, "values": {"x": "high"}, "extra": 1}))
    result = runner.invoke(app, ["run", "april_2025_heavy_ree", "--fit", str(fit)])
    assert result.exit_code == 2
    assert "extra: unknown field" in result.stderr and "values: must map" in result.stderr


def test_calibrate_reports_spec_problems(write_spec: SpecWriter) -> None:
    spec = write_spec(optimizer={**TINY, "grid_points": 1})
    result = runner.invoke(app, ["calibrate", str(spec)])
    assert result.exit_code == 2
    assert "optimizer.grid_points" in result.stderr
    assert "Traceback" not in result.output


def test_ctrl_c_stops_after_the_evaluation_in_progress(
    write_spec: SpecWriter, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import signal

    import supplyshock.calibrate as calibration
    from tests.interrupting import CtrlCAfterFirstReport

    spec = write_spec(optimizer=TINY)
    out = tmp_path / "fit.yaml"
    before = signal.getsignal(signal.SIGINT)
    fit = CtrlCAfterFirstReport(calibration.calibrate)
    monkeypatch.setattr(calibration, "calibrate", fit)
    result = runner.invoke(app, ["calibrate", str(spec), "--out", str(out), "--replications", "1"])
    assert result.exit_code == 130, result.output
    assert fit.calls == 2  # the second evaluation's report stops it
    assert "  2/4  (" in result.stderr and "  3/4  (" not in result.stderr
    assert "interrupted; no fit written" in result.stderr and "Traceback" not in result.output
    assert not out.exists()
    assert signal.getsignal(signal.SIGINT) is before
