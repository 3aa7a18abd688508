"""Command-line tables: literal names, units, significant figures, CSV/JSON and --bloc."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pytest
import yaml
from rich.console import Console
from typer.testing import CliRunner

from supplyshock.cli import app
from supplyshock.cli_format import frame_table, sig
from tests.batch.test_batch import uncertain_scenario

runner = CliRunner()
NAME = "x[/]y [bold]"


def _rendered(frame: pd.DataFrame, title: str) -> str:
    out = io.StringIO()
    Console(file=out, width=200).print(frame_table(frame, title))
    return out.getvalue()


def test_names_with_markup_print_literally() -> None:
    frame = pd.DataFrame(
        {
            "parameter": [
                "events[oct].approval_probability",
                "events[nov].approval_probability",
                "x[/]y",
            ],
            "S1": [0.5, 0.25, 0.125],
        }
    )
    text = _rendered(frame, f"{NAME}: indices")
    for name in (*frame["parameter"], NAME):
        assert name in text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (2477.2, "2,477"),
        (12.0, "12"),
        (0.0312345, "0.0312"),
        (0.000123456, "0.000123"),
        (3.2e-7, "3.2e-07"),
        (0.0, "0"),
        (float("nan"), "-"),
        (123456789.0, "123,456,789"),
        (-4.5, "-4.5"),
    ],
)
def test_significant_figures(value: float, text: str) -> None:
    assert sig(value) == text


def test_round_off_shows_as_zero_but_small_real_values_do_not() -> None:
    frame = pd.DataFrame({"what": ["magnets", "gallium", "residue"], "t": [2477.0, 0.03, 1.6e-10]})
    text = _rendered(frame, "t")
    assert "0.03" in text and "1.6e-10" not in text
    row = next(line for line in text.splitlines() if "residue" in line)
    assert row.split()[-2] == "0"


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    root = tmp_path_factory.mktemp("tables")
    data = uncertain_scenario().model_dump(mode="json", by_alias=True, exclude={"origin_file"})
    data["name"] = NAME
    data["blocs"]["china"] = [{"country": "CHN"}]
    data["demand"].append(dict(data["demand"][0], country="CHN"))
    path = root / "named.yaml"
    path.write_text(yaml.safe_dump(data))
    a, b = root / "a", root / "b"
    for folder in (a, b):
        args = ["batch", str(path), "-n", "4", "--out", str(folder), "--workers", "1"]
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
    return path, a, b


def test_summary_names_units_and_forms(folders: tuple[Path, Path, Path]) -> None:
    _, a, _ = folders
    metrics = ["shortfall", "peak_daily_shortfall", "unmet_share", "days_in_shortfall"]
    argv = ["summary", str(a), "--level", "country"] + [f"--metric={m}" for m in metrics]
    shown = runner.invoke(app, argv)
    assert shown.exit_code == 0, shown.output
    assert NAME in shown.output
    as_csv = runner.invoke(app, [*argv, "--csv"])
    table = pd.read_csv(io.StringIO(as_csv.stdout))
    units = table.groupby("metric")["unit"].unique().to_dict()
    assert list(units["shortfall"]) == ["t"]
    assert list(units["peak_daily_shortfall"]) == ["t/day"]
    assert list(units["unmet_share"]) == ["fraction"]
    assert list(units["days_in_shortfall"]) == ["days"]
    as_json = json.loads(runner.invoke(app, [*argv, "--json"]).stdout)
    assert as_json["title"].startswith(NAME) and len(as_json["rows"]) == len(table)
    assert as_json["membership"] == "dated"
    both = runner.invoke(app, [*argv, "--csv", "--json"])
    assert both.exit_code != 0 and "one of --csv and --json" in both.output


def test_bloc_filter(folders: tuple[Path, Path, Path]) -> None:
    _, a, b = folders
    members = runner.invoke(app, ["summary", str(a), "--level", "country", "--bloc", "alliance"])
    assert members.exit_code == 0, members.output
    rows = pd.read_csv(
        io.StringIO(
            runner.invoke(
                app, ["summary", str(a), "--level", "country", "--bloc", "alliance", "--csv"]
            ).stdout
        )
    )
    everyone = pd.read_csv(
        io.StringIO(runner.invoke(app, ["summary", str(a), "--level", "country", "--csv"]).stdout)
    )
    assert set(rows["region"]) == {"USA"} and set(everyone["region"]) == {"USA", "CHN"}
    blocs = pd.read_csv(
        io.StringIO(
            runner.invoke(app, ["compare", str(a), str(b), "--bloc", "alliance", "--csv"]).stdout
        )
    )
    assert set(blocs["region"]) == {"alliance"}
    china = runner.invoke(app, ["compare", str(a), str(b), "--bloc", "china", "--csv"]).stdout
    assert set(pd.read_csv(io.StringIO(china))["region"]) == {"china"}
    unknown = runner.invoke(app, ["summary", str(a), "--bloc", "aliance"])
    assert unknown.exit_code != 0 and "unknown bloc 'aliance'" in unknown.output


def test_compare_says_it_paired(folders: tuple[Path, Path, Path]) -> None:
    _, a, b = folders
    shown = runner.invoke(app, ["compare", str(a), str(b)])
    assert shown.exit_code == 0, shown.output
    assert "(paired, membership=dated)" in shown.output
    rows = json.loads(runner.invoke(app, ["compare", str(a), str(b), "--json"]).stdout)
    assert rows["method"] == "paired"
    assert all(r["difference"] == 0 and r["ci_low"] == r["ci_high"] == 0 for r in rows["rows"])
