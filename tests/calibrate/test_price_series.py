"""Price series (``model: {market: M, commodity: C}``): checks against the scenario's markets
and the monthly mean price the model is compared with."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from supplyshock.calibrate import CalibrationError, load_spec
from supplyshock.calibrate.spec import ModelQuantity
from supplyshock.scenario.bundled import bundled_dir


def _write(tmp_path: Path, **model: Any) -> Path:
    """The bundled 2010 spec with its world price series' model and unit replaced."""
    folder = tmp_path / "calibration"
    shutil.copytree(bundled_dir() / "calibration", folder)
    spec = yaml.safe_load((folder / "episode_2010.yaml").read_text())
    spec["scenario"] = "episode_2010_quotas"
    for series in spec["series"]:
        series["file"] = str(bundled_dir() / "observed" / Path(series["file"]).name)
        if series["id"] == "world_price_month":
            series.update(model)
    path = folder / "spec.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return path


def test_a_market_the_scenario_does_not_price_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, model={"market": "europe", "commodity": "ree_products"})
    with pytest.raises(CalibrationError) as info:
        load_spec(path)
    [problem] = info.value.problems
    assert (problem.field, problem.value) == ("series[4].model.market", "europe")
    assert "world/ree_products" in problem.message


def test_a_price_series_must_use_the_market_unit(tmp_path: Path) -> None:
    path = _write(tmp_path, unit="t")
    with pytest.raises(CalibrationError) as info:
        load_spec(path)
    [problem] = info.value.problems
    assert (problem.field, problem.value) == ("series[4].unit", "t")
    assert "US$/kg" in problem.message


def test_a_quantity_is_either_trade_or_a_price() -> None:
    with pytest.raises(ValueError, match="no exporter or importer"):
        ModelQuantity(exporter="CHN", market="world", commodity="ree_products")
    with pytest.raises(ValueError, match="an exporter"):
        ModelQuantity(commodity="ree_products")
    label = ModelQuantity(market="world", commodity="ree_products").label()
    assert label == "world ree_products price"
