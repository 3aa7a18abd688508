"""The `run` table's notes on rows with most of their demand unmet."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import yaml
from typer.testing import CliRunner

import supplyshock as ss
from supplyshock.cli import app
from supplyshock.cli_format import mostly_unmet
from tests.sim.builder import ban, build, chain


def _by_sector(rows: list[tuple[str, str, str, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["country", "sector", "commodity", "shortfall"])


def test_a_mostly_unmet_row_names_its_largest_sector_and_part() -> None:
    table = pd.DataFrame(
        {
            "country": ["USA", "USA", "JPN"],
            "commodity": ["dy_oxide", "ndfeb_magnet", "dy_oxide"],
            "unmet_share": [0.8, 0.3, 0.5],
        }
    )
    by_sector = _by_sector(
        [
            ("USA", "other", "dy_oxide", 1.0),
            ("USA", "defence", "dy_oxide", 3.0),
            ("USA", "electronics", "ndfeb_magnet", 9.0),
            ("JPN", "other", "dy_oxide", 0.0),
            ("JPN", "defence", "dy_oxide", 2.0),
        ]
    )
    whole_run = by_sector.assign(
        first_shortfall=pd.to_datetime(
            ["2025-06-01", "2025-04-11", "2025-06-05", pd.NaT, "2025-12-12"]
        )
    )
    assert mostly_unmet(table, by_sector, whole_run) == [
        # 3 of 3 + 1 is 75%; the ndfeb row is under half unmet; JPN's only short sector
        "USA dy_oxide: 80% unmet; defence demand is 75% of the shortfall, "
        "first short on 2025-04-11",
        "JPN dy_oxide: 50% unmet; defence demand is 100% of the shortfall, "
        "first short on 2025-12-12",
    ]
    assert mostly_unmet(table, by_sector, whole_run, at_least=0.9) == []


def test_a_row_without_a_shortfall_by_sector_or_a_first_day_is_noted_without_them() -> None:
    table = pd.DataFrame({"country": ["KOR"], "commodity": ["tb_oxide"], "unmet_share": [1.0]})
    by_sector = _by_sector([("KOR", "other", "tb_oxide", 0.0)])
    assert mostly_unmet(table, by_sector, by_sector.assign(first_shortfall=pd.NaT)) == []
    by_sector = _by_sector([("KOR", "other", "tb_oxide", 2.0)])
    whole_run = by_sector.assign(first_shortfall=pd.NaT)
    assert mostly_unmet(table, by_sector, whole_run) == [
        "KOR tb_oxide: 100% unmet; other demand is 100% of the shortfall"
    ]


def test_run_notes_each_mostly_unmet_row_of_its_table(tmp_path: Path) -> None:
    # a US defence market of 10 t a day whose only supplier is banned from day 0 lives on its
    # 30 days of stock and the 5 days on the way, then goes without from day 35 (5 February):
    # 265 of 300 days, 88.3% unmet; the command's note agrees with the result's own tables
    demand = [{"country": "USA", "commodity": "magnet", "per_year": 3650, "sector": "defence"}]
    data = chain(events=[ban()], demand=demand)
    path = tmp_path / "banned.yaml"
    path.write_text(yaml.safe_dump(data))
    result = CliRunner().invoke(app, ["run", str(path), "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    res = ss.run(build(data), seed=1)
    by = ["country", "sector", "commodity"]
    table = res.shortfall(by=["country", "commodity"], bloc="alliance")
    expected = mostly_unmet(table, res.shortfall(by=by, bloc="alliance"), res.shortfall(by=by))
    assert expected == [
        "USA magnet: 88.3% unmet; defence demand is 100% of the shortfall, first short on "
        "2025-02-05"
    ]
    assert expected[0] in result.output
    assert result.output.count("% unmet; ") == 1
