"""Shared test configuration."""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib
import pytest
import yaml
from hypothesis import settings

matplotlib.use("Agg")

settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture
def scenario_file(tmp_path: Path) -> Path:
    """A small scenario with uncertain parameters (``tests.batch.test_batch``) as a YAML file."""
    from tests.batch.test_batch import uncertain_scenario

    path = tmp_path / "uncertain.yaml"
    data = uncertain_scenario().model_dump(mode="json", by_alias=True, exclude={"origin_file"})
    path.write_text(yaml.safe_dump(data))
    return path
