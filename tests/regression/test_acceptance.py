"""The acceptance lines of the April 2025 hindcast, as docs/validation.md reports them.

Same computation (``supplyshock.validation.acceptance``), stored fit and seeds as the page. A
line the model meets must keep meeting it; a line it misses is an expected failure that
becomes a test failure once it is met (strict), so the page's text and this file are
updated together.
"""

from __future__ import annotations

import pandas as pd
import pytest

import supplyshock as ss
from supplyshock.calibrate import fitted_path, load_fit, load_spec
from supplyshock.validation import acceptance, first_short_day, flow_drop, observed_drop

SEEDS = range(16)
"""The seeds of the shortfall and acceptance sections of docs/validation.md."""
TARIFF = "us_tariff_2025"


def _runs(*, without: str = "") -> list[ss.RunResult]:
    spec, scn = load_spec("april_2025")
    fit = load_fit(fitted_path(spec))
    if without:
        scn = scn.model_copy(update={"events": [e for e in scn.events if e.id != without]})
    return [ss.run(scn, seed=seed, overrides=fit.values) for seed in SEEDS]


@pytest.fixture(scope="module")
def runs() -> list[ss.RunResult]:
    return _runs()


@pytest.fixture(scope="module")
def table(runs: list[ss.RunResult]) -> pd.DataFrame:
    return acceptance(runs).set_index("line")


def test_observed_fall_comes_from_two_sourced_rows() -> None:
    fall, now, before = observed_drop("USA", "2025-05")
    assert 0 < fall < 1
    assert now["kind"] == "reported" and before["kind"] == "derived"
    assert now["source"] and before["source"]
    assert fall == pytest.approx(1 - now["exports_t"] / before["exports_t"])


def test_japan_first_shortfall_by_mid_june(table: pd.DataFrame) -> None:
    row = table.loc["JPN first firm short, median"]
    assert row["passed"], f"median first Japanese shortfall {row['model']} after {row['limit']}"


@pytest.mark.xfail(
    strict=True,
    reason="documented miss (docs/validation.md, 'Targeting of the USA'): the model's May "
    "2025 fall of US-bound magnet exports is about 20 points short of the observed -93%",
)
def test_us_may_fall_within_the_line(table: pd.DataFrame) -> None:
    assert table.loc["USA May 2025 y/y fall", "passed"]


@pytest.mark.xfail(
    strict=True,
    reason="documented miss (docs/validation.md, 'Acceptance lines'): the median first US "
    "shortfall falls a few days after mid-June 2025",
)
def test_us_first_shortfall_by_mid_june(table: pd.DataFrame) -> None:
    assert table.loc["USA first firm short, median", "passed"]


def test_tariff_barrier_deepens_the_us_may_fall(runs: list[ss.RunResult]) -> None:
    with_barrier = flow_drop(runs, "USA", "2025-05")
    without = flow_drop(_runs(without=TARIFF), "USA", "2025-05")
    assert with_barrier > without


def test_bad_input_gives_clear_errors(runs: list[ss.RunResult]) -> None:
    with pytest.raises(ValueError, match="at least one run"):
        flow_drop([], "USA", "2025-05")
    with pytest.raises(ValueError, match="one baseline run"):
        flow_drop(runs[:1], "USA", "2025-05", baseline=[])
    with pytest.raises(ValueError, match="outside the run"):
        flow_drop(runs[:1], "USA", "2019-05")
    with pytest.raises(ValueError, match="no demand rows of country"):
        first_short_day(runs[0], "XXX")
    with pytest.raises(ValueError, match="expected one row for USA in 2024-09"):
        observed_drop("USA", "2025-09")
