"""Price metrics reach batch summaries and ``supplyshock summary`` through the registry."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

import supplyshock as ss
from supplyshock.cli import app
from tests.sim.builder import build
from tests.sim.test_markets import _cut

runner = CliRunner()


@pytest.fixture
def priced_file(tmp_path: Path) -> Path:
    """The one-market supply cut with an uncertain elasticity, as a YAML file."""
    data = _cut(elasticity={"dist": "uniform", "loc": 0.5, "scale": 0.5})
    path = tmp_path / "priced.yaml"
    scn = build(data)
    path.write_text(
        yaml.safe_dump(scn.model_dump(mode="json", by_alias=True, exclude={"origin_file"}))
    )
    return path


def test_price_quantiles_in_a_tiny_batch(tmp_path: Path, priced_file: Path) -> None:
    out = tmp_path / "b"
    argv = ["batch", str(priced_file), "-n", "4", "--out", str(out), "--workers", "1"]
    result = runner.invoke(app, argv)
    assert result.exit_code == 0, result.output
    batch = ss.BatchResult(out)
    table = batch.summary(level="country", metrics=["mean_price", "peak_price_ratio"])
    usa = table[(table.region == "USA") & (table.commodity == "magnet")].set_index("metric")
    assert set(usa.index) == {"mean_price", "peak_price_ratio"}
    # every replication's price rises after the cut: the mean lies above the reference
    mean = usa.loc["mean_price"]
    assert 100.0 < mean.q05 <= mean.q50 <= mean.q95 and np.isfinite(mean["mean"])
    assert usa.loc["peak_price_ratio", "q50"] == pytest.approx(1.0)  # one market: its own base
    runs = batch.metrics("country")
    usa_runs = runs[(runs.region == "USA") & (runs.commodity == "magnet")]
    assert len(usa_runs) == 4 and usa_runs["mean_price"].mean() == pytest.approx(mean["mean"])
    printed = runner.invoke(
        app,
        ["summary", str(out), "--level", "country", "--metric", "mean_price", "--csv"],
    )
    assert printed.exit_code == 0, printed.output
    frame = pd.read_csv(io.StringIO(printed.output))
    assert (frame["metric"] == "mean_price").all()
    row = frame[(frame.region == "USA") & (frame.commodity == "magnet")].iloc[0]
    assert row["mean"] == pytest.approx(mean["mean"], rel=1e-6)
