"""The command line with hostile names: output stays in --out, the terminal sees no control
characters, rich markup in data is shown rather than read, and failures are one line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

import supplyshock as ss
from supplyshock.cli import app
from supplyshock.cli_text import file_stem, markup, plain
from supplyshock.errors import SupplyshockError

TINY = Path(__file__).resolve().parent / "data" / "tiny"
runner = CliRunner()


def _scenario(tmp_path: Path, name: str) -> Path:
    folder = tmp_path / "tiny"
    shutil.copytree(TINY, folder)
    path = folder / "s.yaml"
    path.write_text(f"extends: world\nname: {name}\nhorizon_days: 60\n")
    return path


@pytest.mark.parametrize(
    ("name", "stem"),
    [
        ("../../x", "x"),
        ("/tmp/abs", "tmp_abs"),
        ("..", "scenario"),
        ("a" * 300, "a" * 100),
        ("x[/]y", "x_y"),
        ("ok-1.2_b", "ok-1.2_b"),
    ],
)
def test_file_stems_stay_in_the_folder(name: str, stem: str) -> None:
    assert file_stem(name) == stem


def test_run_writes_inside_out_whatever_the_name(tmp_path: Path) -> None:
    path = _scenario(tmp_path, '"../../escaped\\e[31m[/]"')
    out = tmp_path / "deep" / "out"
    result = runner.invoke(app, ["run", str(path), "--out", str(out), "--seed", "1"])
    assert result.exit_code == 0, result.output
    written = sorted(p.name for p in out.iterdir())
    assert written == ["escaped_31m_shortfall.csv", "escaped_31m_shortfall.png"]
    assert not list(tmp_path.glob("escaped*")) and not list((tmp_path / "deep").glob("esc*"))
    assert "\x1b" not in result.output
    assert "\\x1b[31m[/]" in result.output


def test_validate_escapes_control_characters_and_markup(tmp_path: Path) -> None:
    path = _scenario(tmp_path, '"bad\\e]0;title\\a[/]"')
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output and "\x07" not in result.output
    assert "bad\\x1b]0;title\\x07[/]" in result.output


def test_problems_with_control_characters_are_escaped(tmp_path: Path) -> None:
    path = _scenario(tmp_path, "x")
    path.write_text('extends: world\nname: x\n"evil\\e[2J": 1\n')
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 2
    assert "\x1b" not in result.output
    assert "evil\\x1b[2J" in result.output


def test_out_that_is_a_file_is_one_line(tmp_path: Path) -> None:
    path = _scenario(tmp_path, "x")
    out = tmp_path / "file"
    out.write_text("")
    result = runner.invoke(app, ["run", str(path), "--out", str(out)])
    assert result.exit_code == 2
    assert "Traceback" not in result.output and "cannot write to" in result.output
    result = runner.invoke(app, ["batch", str(path), "-n", "2", "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output


def test_unforeseen_run_failures_are_supplyshock_errors() -> None:
    def process(sim: ss.Simulation):  # type: ignore[no-untyped-def]
        yield sim.env.timeout(1)
        return 1 / 0

    with pytest.raises(SupplyshockError, match="the run failed: ZeroDivisionError") as info:
        ss.run(ss.load_scenario(TINY / "world.yaml"), seed=1, processes=[process])
    assert isinstance(info.value.__cause__, ZeroDivisionError)
    assert "\n" not in str(info.value)


def test_plain_and_markup() -> None:
    assert plain("a\x00b\u202ec\nd") == "a\\x00b\\u202ec\\x0ad"
    assert markup("[bold]x[/]") == "\\[bold]x\\[/]"


def test_batch_and_summary_show_markup_in_names_as_text(tmp_path: Path) -> None:
    path = _scenario(tmp_path, '"x[/]y\\e[2J"')
    out = tmp_path / "b"
    result = runner.invoke(
        app, ["batch", str(path), "-n", "2", "--workers", "1", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    summary = runner.invoke(app, ["summary", str(out)])
    assert summary.exit_code == 0, summary.output
    for text in (result.output, summary.output):
        assert "x[/]y\\x1b[2J" in text and "\x1b" not in text
