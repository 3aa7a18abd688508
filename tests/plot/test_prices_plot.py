"""The price figure: lines per market on a given Axes, clear errors for bad names."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import pytest

import supplyshock as ss
from tests.sim.builder import build
from tests.sim.test_markets import _two_markets


def test_prices_draws_one_line_per_market(tmp_path: Path) -> None:
    res = ss.run(build(_two_markets()), seed=1)
    table = res.prices()
    assert list(table.columns) == ["date", "market", "commodity", "price", "unit"]
    assert set(table["unit"]) == {"US$/t"} and len(table) == 2 * len(res.dates)
    _, ax = plt.subplots()
    assert ss.plot.prices(res, ax=ax) is ax
    assert len(ax.get_lines()) >= 4  # two markets and their reference lines
    assert "peak ratio" in ax.get_title()
    ax.get_figure().savefig(tmp_path / "prices.png")
    plt.close("all")
    with pytest.raises(ValueError, match="unknown market 'mars'"):
        ss.plot.prices(res, markets=["mars"])
    with pytest.raises(ValueError, match="unknown priced commodity"):
        ss.plot.prices(res, commodity="gold")


def test_prices_of_a_run_without_markets_is_a_clear_error() -> None:
    data = _two_markets()
    del data["markets"]
    res = ss.run(build(data), seed=1)
    with pytest.raises(ValueError, match="no markets table"):
        ss.plot.prices(res)
    with pytest.raises(ss.SupplyshockError, match="no prices"):
        res.prices()
