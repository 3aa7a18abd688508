"""Fixtures of the figure tests: every test's figures are closed after it, and the default
scenario's run is made once per module that asks for it."""

from __future__ import annotations

from collections.abc import Iterator

import matplotlib.pyplot as plt
import pytest

import supplyshock as ss


@pytest.fixture(autouse=True)
def _close_figures() -> Iterator[None]:
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def default_run() -> ss.RunResult:
    """The bundled default scenario, seed 1."""
    return ss.run("october_2025_suspended", seed=1)
