"""The documentation site builds with ``mkdocs build --strict`` (no warnings, no broken links)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytest.importorskip("mkdocs")
pytest.importorskip("material")  # mkdocs-material theme
pytest.importorskip("mkdocstrings_handlers.python")  # mkdocstrings[python]


def test_mkdocs_build_strict(tmp_path: Path) -> None:
    site = tmp_path / "site"
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    command = [
        sys.executable, "-m", "mkdocs", "build", "--strict",
        "--config-file", str(ROOT / "mkdocs.yml"), "--site-dir", str(site),
    ]  # fmt: skip
    done = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    assert done.returncode == 0, f"mkdocs build --strict failed:\n{done.stdout}\n{done.stderr}"
    reference = (site / "reference" / "scenario-format" / "index.html").read_text()
    assert "ExportControl" in reference and "capacity_per_year" in reference
    assert (site / "api" / "batch" / "index.html").is_file()
    assert "register" in (site / "api" / "events" / "index.html").read_text()
