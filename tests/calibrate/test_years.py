"""Yearly observed series (``period: year``): parsing, checks and the model's yearly sums."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from supplyshock.calibrate import CalibrationError, load_spec
from supplyshock.calibrate.observed import observed
from supplyshock.calibrate.simulate import with_years
from supplyshock.calibrate.spec import months_of
from tests.calibrate.conftest import SpecWriter, bundled_spec


def test_years_and_ranges_of_years() -> None:
    years, problems = months_of(["2010", "2011..2012"], "f", "train", "year")
    assert years == ["2010", "2011", "2012"] and problems == []
    months, problems = months_of(["2010"], "f", "train")
    assert months == [] and [p.value for p in problems] == ["2010"]
    _, problems = months_of(["2010-11"], "f", "train", "year")
    assert [p.value for p in problems] == ["2010-11"]
    assert "a year YYYY" in problems[0].message


def test_with_years_adds_only_whole_years() -> None:
    index = [str(p) for p in pd.period_range("2010-03", "2012-02", freq="M")]
    frame = pd.DataFrame({"a": range(len(index))}, index=index, dtype=float)
    out = with_years(frame)
    assert list(out.index[len(index) :]) == ["2011"]
    assert out.loc["2011", "a"] == frame.loc["2011-01":"2011-12", "a"].sum()
    assert out.loc[index].equals(frame)


def _yearly(**changes: Any) -> list[dict[str, Any]]:
    """The bundled spec's total as a yearly series over a file of the test's own."""
    first = bundled_spec()["series"][0]
    series = {
        **first,
        "file": "years.csv",
        "period": "year",
        "reference": None,
        "train": ["2025"],
        "test": [],
        "bands": {},
        **changes,
    }
    return [series]


def _write_years(write_spec: SpecWriter, rows: str, **changes: Any) -> Any:
    path = write_spec(series=_yearly(**changes))
    (path.parent / "years.csv").write_text("month,exports_t,source\n" + rows)
    return path


def test_a_yearly_series_reads_its_year_row(write_spec: SpecWriter) -> None:
    path = _write_years(write_spec, "2025,58000,customs\n2025-05,1238,customs\n")
    with pytest.raises(CalibrationError) as info:
        load_spec(path)  # a month row also starts with 2025: two rows for the year
    assert [p.message for p in info.value.problems] == ["2 rows for this year"]
    path = _write_years(write_spec, "2025,58000,customs\n2024-05,1238,customs\n")
    spec, _ = load_spec(path)
    assert observed(spec, spec.series[0], "train").to_dict() == {"2025": 58000.0}


def test_a_year_must_lie_wholly_in_the_horizon(write_spec: SpecWriter) -> None:
    path = _write_years(write_spec, "2024,1,s\n2025,1,s\n", train=["2024..2025"])
    with pytest.raises(CalibrationError) as info:
        load_spec(path)
    assert [(p.field, p.value) for p in info.value.problems] == [("series[0].train", "2024")]
    assert "outside the horizon" in info.value.problems[0].message


def test_yearly_test_rows_never_reach_the_fit(tmp_path: Path) -> None:
    """The 2010 episode: garbage in every test row (years and months) leaves the train data
    and its hash unchanged; garbage in the train year is refused."""
    from supplyshock.calibrate.observed import train_data, train_hash
    from supplyshock.scenario.bundled import bundled_dir

    spec, _ = load_spec("episode_2010")
    clean = train_hash(spec)
    folder = tmp_path / "calibration"
    shutil.copytree(bundled_dir() / "calibration", folder)
    shutil.copytree(bundled_dir() / "observed", tmp_path / "observed")
    shutil.copy(bundled_dir() / "episode_2010_quotas.yaml", tmp_path)
    shutil.copytree(bundled_dir() / "world_2010", tmp_path / "world_2010")
    exports = tmp_path / "observed" / "china_ree_exports_2009_2012.csv"
    table = pd.read_csv(exports, dtype=str, keep_default_na=False)
    train = table["period"].isin(["2010", "2010-11"])
    table.loc[~train, "exports_t"] = "garbage"
    table.to_csv(exports, index=False)
    japan = tmp_path / "observed" / "japan_ree_imports_from_china_2010_2011.csv"
    japan.write_text("period,span,imports_t,kind,source,note\n")
    spec, _ = load_spec(folder / "episode_2010.yaml")
    assert train_hash(spec) == clean
    assert train_data(spec)["china_year"].to_dict() == {"2010": 39813.0}
    table.loc[table["period"] == "2010", "exports_t"] = "garbage"
    table.to_csv(exports, index=False)
    with pytest.raises(CalibrationError) as info:
        load_spec(folder / "episode_2010.yaml")
    assert [p.value for p in info.value.problems] == ["garbage"]
