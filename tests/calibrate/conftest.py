"""A copy of the bundled April 2025 calibration spec and its observed series in a folder of
the test's own, so that a test can change the spec or the data."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from supplyshock.scenario.bundled import bundled_dir

SpecWriter = Callable[..., Path]


def bundled_spec() -> dict[str, Any]:
    """The bundled spec as plain data."""
    path = bundled_dir() / "calibration" / "april_2025.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


@pytest.fixture
def write_spec(tmp_path: Path) -> SpecWriter:
    """``write_spec(**changes)``: the bundled spec with top-level fields replaced, written to
    ``tmp_path/spec.yaml`` beside copies of the observed files; returns its path."""
    observed = tmp_path / "observed"
    shutil.copytree(bundled_dir() / "observed", observed)

    def write(**changes: Any) -> Path:
        data = bundled_spec()
        data["scenario"] = "april_2025_heavy_ree"
        for series in data["series"]:
            series["file"] = "observed/" + Path(series["file"]).name
        data.update(changes)
        path = tmp_path / "spec.yaml"
        path.write_text(yaml.safe_dump(data, sort_keys=False))
        return path

    return write
