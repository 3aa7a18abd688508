"""``supplyshock optimize`` and the figures of a portfolio search."""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib.pyplot as plt
import pytest
import yaml
from typer.testing import CliRunner

from supplyshock import plot
from supplyshock.analysis.robust import robust_search
from supplyshock.cli import app
from supplyshock.cli_optimize import parse_constraint, parse_lever
from tests.analysis.test_robust import ban_world


@pytest.fixture(scope="module")
def found():  # type: ignore[no-untyped-def]
    return robust_search(ban_world(), futures=30, seed=2, workers=1, recheck_futures=60,
                         resolution={"reserve": 50.0}, front_points=3)  # fmt: skip


def _file(tmp_path: Path) -> Path:
    path = tmp_path / "ban.yaml"
    data = ban_world().model_dump(mode="json", by_alias=True, exclude={"origin_file"})
    path.write_text(yaml.safe_dump(data))
    return path


def test_cli_prints_best_front_and_recheck(tmp_path: Path) -> None:
    out, png = str(tmp_path / "search"), str(tmp_path / "png")
    args = [
        *("optimize", str(_file(tmp_path)), "--futures", "20", "--recheck", "20"),
        *("--workers", "1", "--out", out, "--plot", png, "--lever", "reserve=0:1600"),
        *("--constraint", "USA:magnet:shortfall<=50@90%"),
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "cheapest feasible portfolio" in result.output
    assert "Pareto front" in result.output and "wilson_low" in result.output
    counts = re.search(r"(\d+) evaluations \((\d+) runs, (\d+) covered by one\)", result.output)
    assert counts is not None, result.output  # bisection rounds share runs in the ban world
    evaluations, made, covered = map(int, counts.groups())
    assert evaluations == made + covered and covered > 0
    assert (tmp_path / "search" / "candidates.csv").exists()
    assert {p.name for p in (tmp_path / "png").glob("*.png")} == {
        "pareto.png",
        "composition.png",
        "constraints.png",
    }


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--constraint", "USA:magnet:shortfal<=50@0.9"], "did you mean 'shortfall'"),
        (["--constraint", "USA magnet 50"], "must look like"),
        (["--lever", "reserv"], "no lever 'reserv'"),
        (["--lever", "reserve=900:10"], "bounds reversed"),
        (["--constraint", "USA:magnet:shortfall<=50@1.9"], "probability: Input should be less"),
    ],
)
def test_cli_bad_input_is_one_clean_error(tmp_path: Path, args: list[str], words: str) -> None:
    result = CliRunner().invoke(app, ["optimize", str(_file(tmp_path)), "--futures", "2",
                                      "--workers", "1", *args])  # fmt: skip
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and words in result.output


def test_parsers() -> None:
    fields = parse_constraint("alliance:ndfeb_magnet:unmet_share <= 0.05 @ 0.95")
    assert fields == {"region": "alliance", "commodity": "ndfeb_magnet", "metric": "unmet_share",
                      "at_most": 0.05, "probability": 0.95}  # fmt: skip
    assert parse_lever("r") == ("r", None)
    with pytest.raises(ValueError, match="NAME=LOW:HIGH"):
        parse_lever("r=5")


@pytest.mark.parametrize(
    "draw", [plot.pareto_front, plot.portfolio_composition, plot.constraint_satisfaction]
)
def test_figures_draw_on_given_axes(found, draw, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    fig, ax = plt.subplots(figsize=(8, 5), layout="constrained")
    assert draw(found, ax=ax) is ax
    assert ax.get_title() and ax.get_xlabel()
    fig.savefig(tmp_path / f"{draw.__name__}.png")
    plt.close(fig)
    own = draw(found)
    assert own is not ax and own.get_figure() is not fig
    plt.close(own.get_figure())


def test_pareto_figure_marks_the_best(found) -> None:  # type: ignore[no-untyped-def]
    ax = plot.pareto_front(found)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any(label.startswith("cheapest feasible") for label in labels)
    assert any(label.startswith("Pareto front") for label in labels)
    plt.close(ax.get_figure())


def test_ctrl_c_stops_between_runs_and_a_rerun_resumes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import signal

    from supplyshock.analysis import robust
    from tests.interrupting import CtrlCAfterFirstReport

    out = tmp_path / "search"
    args = [
        *("optimize", str(_file(tmp_path)), "--futures", "8", "--recheck", "0", "--workers"),
        *("1", "--out", str(out), "--lever", "reserve=0:1600"),
        *("--constraint", "USA:magnet:shortfall<=50@90%"),
    ]
    before = signal.getsignal(signal.SIGINT)
    search = CtrlCAfterFirstReport(robust_search)
    with monkeypatch.context() as patched:
        patched.setattr(robust, "robust_search", search)
        stopped = CliRunner().invoke(app, args)
    assert stopped.exit_code == 130, stopped.output
    assert search.calls == 2  # stopped at the next report, not where the signal landed
    assert f"interrupted; finished runs are kept in {out}" in stopped.output
    assert "Traceback" not in stopped.output
    assert signal.getsignal(signal.SIGINT) is before  # the recording handler is removed
    resumed = CliRunner().invoke(app, args)
    assert resumed.exit_code == 0, resumed.output
    assert "cheapest feasible portfolio" in resumed.output
