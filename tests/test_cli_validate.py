"""``supplyshock validate FILE``: every problem on its own line, exit code 2, never a traceback.

The contract: on a bad file the command prints each problem (file, field path, value) on one
line and exits with code 2; on a good file it prints an "OK" line and exits with 0; a missing
file is a problem like any other.
"""

from __future__ import annotations

from pathlib import Path

import pytest

cli = pytest.importorskip("supplyshock.cli")

from typer.testing import CliRunner, Result  # noqa: E402

import supplyshock as ss  # noqa: E402
from supplyshock.errors import Problem, ScenarioError  # noqa: E402

DATA = Path(__file__).resolve().parent / "data"
MALFORMED = DATA / "malformed"
FIXTURES = sorted(path.stem for path in MALFORMED.glob("*.yaml"))


def _validate(*files: Path | str) -> Result:
    return CliRunner().invoke(cli.app, ["validate", "--allow-path", str(DATA), *map(str, files)])


def _assert_clean_exit(result: Result, code: int) -> None:
    assert "Traceback" not in result.output, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert result.exit_code == code, result.output


def _problems(path: Path) -> list[Problem]:
    with pytest.raises(ScenarioError) as info:
        ss.load_scenario(path, roots=[DATA])
    return info.value.problems


def _pieces(problem: Problem) -> list[str]:
    """What the output must show of a problem: file name, field path, start of the value."""
    pieces = [Path(problem.file).name, problem.field]
    if problem.value is not None:
        pieces.append(str(problem.value)[:20])
    return pieces


def _flat(text: str) -> str:
    return "".join(text.split())


def _on_one_line(problem: Problem, output: str) -> bool:
    pieces = _pieces(problem)
    return any(all(piece in line for piece in pieces) for line in output.splitlines())


@pytest.mark.parametrize("name", FIXTURES)
def test_validate_lists_every_problem(name: str) -> None:
    path = MALFORMED / f"{name}.yaml"
    problems = _problems(path)
    result = _validate(path)
    _assert_clean_exit(result, 2)
    shown = _flat(result.output)  # robust to line wrapping; see the one-line test below
    for problem in problems:
        for piece in _pieces(problem):
            assert _flat(piece) in shown, f"{piece!r} of {problem}\n---\n{result.output}"


def test_validate_prints_each_problem_on_one_line() -> None:
    """Long lines must not be wrapped, so that the output can be grepped line by line."""
    path = MALFORMED / "multiple_errors.yaml"
    result = _validate(path)
    _assert_clean_exit(result, 2)
    problems = _problems(path)
    assert len(problems) >= 8
    wrapped = [str(p) for p in problems if not _on_one_line(p, result.output)]
    assert not wrapped, (
        "problems split over several lines (rich wraps at the terminal width; print them "
        f"with soft_wrap=True or typer.echo):\n{result.output}"
    )


def test_validate_accepts_a_good_file() -> None:
    result = _validate(DATA / "tiny" / "scenario.yaml")
    _assert_clean_exit(result, 0)
    assert "OK" in result.output


def test_validate_missing_file_is_a_problem_not_a_traceback() -> None:
    result = _validate(MALFORMED / "no_such_scenario.yaml")
    _assert_clean_exit(result, 2)
    assert "no_such_scenario.yaml" in result.output


def test_validate_checks_every_file_given() -> None:
    good, bad = DATA / "tiny" / "scenario.yaml", MALFORMED / "negative_capacity.yaml"
    result = _validate(good, bad)
    _assert_clean_exit(result, 2)
    assert "OK" in result.output
    assert "negative_capacity_facilities.csv" in result.output


def test_run_refuses_a_negative_seed_in_one_line() -> None:
    result = CliRunner().invoke(cli.app, ["run", "baseline_2025", "--seed", "-1"])
    _assert_clean_exit(result, 2)
    assert "--seed must be between 0" in result.output
