"""The April 2025 hindcast stays inside the band documented in docs/validation.md."""

from __future__ import annotations

import pandas as pd
import pytest

from supplyshock.validation import BANDS, MONTHS, RMSE_LIMIT, hindcast, load_observed, rmse


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return hindcast(seeds=range(8))


def test_observed_series_is_stored_with_sources() -> None:
    observed = load_observed()
    assert observed["source"].str.len().gt(0).all()
    assert observed.set_index("month").loc["2025-05-01", "exports_t"] == 1238


@pytest.mark.parametrize("month", sorted(BANDS))
def test_model_index_in_documented_band(table: pd.DataFrame, month: str) -> None:
    lo, hi = BANDS[month]
    value = table.loc[table["month"] == month, "model_index"].item()
    assert lo < value < hi, f"{month}: model index {value:.2f} outside ({lo}, {hi})"


def test_shape_error_is_small(table: pd.DataFrame) -> None:
    assert rmse(table, MONTHS) < RMSE_LIMIT


def test_trough_is_in_april_or_may(table: pd.DataFrame) -> None:
    after = table[table["month"] >= "2025-04-01"]
    trough = after.loc[after["model_index"].idxmin(), "month"]
    assert trough.strftime("%Y-%m") in {"2025-04", "2025-05"}
