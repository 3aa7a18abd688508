"""The HTML report: self-contained, reproducible, and rendered by a real browser."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pytest
from typer.testing import CliRunner

from supplyshock.batch import BatchResult, run_batch
from supplyshock.cli import app
from supplyshock.report import build_report
from supplyshock.scenario.schema import Scenario
from tests.batch.test_bloc_series import joining_scenario

BROWSER = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def batches(tmp_path_factory: pytest.TempPathFactory) -> tuple[BatchResult, BatchResult]:
    root = tmp_path_factory.mktemp("report")
    scn = joining_scenario()
    calm = Scenario.model_validate({**scn.model_dump(by_alias=True), "name": "calm", "events": []})
    shock = run_batch(scn, 10, seed=1, out=root / "shock", workers=1)
    return run_batch(calm, 10, seed=1, out=root / "calm", workers=1), shock


def test_report_is_self_contained_and_complete(
    batches: tuple[BatchResult, BatchResult], tmp_path: Path
) -> None:
    calm, shock = batches
    out = tmp_path / "r" / "report.html"
    result = CliRunner().invoke(
        app, ["report", str(shock.path), "--vs", str(calm.path), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", text, re.I)
    assert not re.search(r"url\(\s*['\"]?https?:", text, re.I)
    assert "<script" not in text.lower()
    assert text.count('src="data:image/png;base64,') >= 2  # fan chart(s) and the comparison
    for needle in ("Headline", "Comparison", "Provenance", shock.manifest["scenario_hash"][:16]):
        assert needle in text
    platform = shock.manifest["platform"]  # the digits of the numbers depend on it
    assert f"numpy {platform['numpy']} ({platform['numpy_simd']})" in text
    assert "t/day" in text and "%" in text  # units of the registry metrics


def test_same_batch_same_report(batches: tuple[BatchResult, BatchResult]) -> None:
    when = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    assert build_report(batches[1], created=when) == build_report(batches[1], created=when)


def test_report_names_a_bad_folder(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["report", str(tmp_path / "none")])
    assert result.exit_code == 2
    assert "is not a batch folder" in result.output


@pytest.mark.skipif(BROWSER is None, reason="headless Chromium is not installed")
def test_report_renders_in_headless_chromium(
    batches: tuple[BatchResult, BatchResult], tmp_path: Path
) -> None:
    calm, shock = batches
    page = tmp_path / "report.html"
    page.write_text(build_report(shock, calm), encoding="utf-8")
    shot = tmp_path / "shot.png"
    assert BROWSER is not None
    subprocess.run(
        [
            BROWSER,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            f"--screenshot={shot}",
            "--window-size=1200,2000",
            page.resolve().as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    pixels = np.asarray(plt.imread(shot), dtype=float)[..., :3]
    assert pixels.shape[:2] == (2000, 1200)
    assert pixels.std() > 0.05  # not a blank page
    assert (pixels.mean(axis=2) < 0.5).mean() > 0.005  # some dark text or lines
