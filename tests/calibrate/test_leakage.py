"""A fit depends only on the train rows, and the same spec, data and seed give the same fit."""

from __future__ import annotations

from pathlib import Path

import pytest

from supplyshock.calibrate import CalibrationError, Fit, calibrate, load_fit
from supplyshock.calibrate.spec import Optimizer, load_spec
from tests.calibrate.conftest import SpecWriter

TINY = Optimizer(method="grid+nelder-mead", grid_points=2, max_evaluations=6)
"""A 2x2 grid and two Nelder-Mead steps: enough to exercise both stages."""


def tiny_fit(path: Path, workers: int = 1) -> Fit:
    return calibrate(path, replications=2, optimizer=TINY, workers=workers)


def outcome(fit: Fit) -> tuple[object, ...]:
    """Everything of a fit but the date it was made."""
    return (
        fit.values,
        fit.objective,
        fit.trace,
        fit.evaluations,
        fit.train_data_sha256,
        fit.scenario_hash,
    )


def test_test_rows_are_never_read_while_fitting(write_spec: SpecWriter) -> None:
    path = write_spec()
    spec, _ = load_spec(path)
    assert spec.series[0].test == ["2025-08..2025-11"]
    reference = tiny_fit(path)
    folder = path.parent / "observed"
    totals = folder / "china_magnet_exports_2025.csv"
    by_destination = folder / "china_magnet_exports_by_destination_2025.csv"
    original = totals.read_text().splitlines()

    # 1. every test row removed (the by-destination file holds test rows only)
    totals.write_text(
        "\n".join(x for x in original if not x.startswith(("2025-08", "2025-09", "2025-1"))) + "\n"
    )
    by_destination.write_text(by_destination.read_text().splitlines()[0] + "\n")
    without = tiny_fit(path)
    assert outcome(without) == outcome(reference)

    # 2. every test value replaced with garbage
    garbage = [
        x.replace(x.split(",")[1], "garbage", 1) if x.startswith(("2025-08", "2025-1")) else x
        for x in original
    ]
    totals.write_text("\n".join(garbage) + "\n")
    by_destination.write_text("month,destination,exports_t,kind,source,note\n2025-09,USA,-1e9,,,\n")
    assert outcome(tiny_fit(path)) == outcome(reference)


def test_a_train_value_changes_the_fit(write_spec: SpecWriter) -> None:
    """The counterpart of the leak test: the train rows do reach the objective."""
    path = write_spec()
    reference = tiny_fit(path)
    totals = path.parent / "observed" / "china_magnet_exports_2025.csv"
    totals.write_text(totals.read_text().replace("2025-05,1238,", "2025-05,1300,"))
    changed = tiny_fit(path)
    assert changed.train_data_sha256 != reference.train_data_sha256
    assert changed.objective != reference.objective


def test_same_spec_data_and_seed_give_the_same_fit(write_spec: SpecWriter, tmp_path: Path) -> None:
    path = write_spec()
    first = tiny_fit(path)
    again = tiny_fit(path, workers=2)  # replications on a process pool
    assert outcome(again) == outcome(first)
    stored = load_fit(first.save(tmp_path / "fit.yaml"))
    assert outcome(stored) == outcome(first)  # floats read back bit for bit
    assert first.evaluations <= TINY.max_evaluations


def test_another_seed_gives_another_trace(write_spec: SpecWriter) -> None:
    path = write_spec(objective={"metric": "msre", "replications": 2, "seed": 7})
    other = tiny_fit(path)
    reference = tiny_fit(write_spec())
    assert other.seed == 7 and other.trace != reference.trace


def test_a_grid_larger_than_the_budget_is_refused(write_spec: SpecWriter) -> None:
    with pytest.raises(CalibrationError, match=r"4\^2 = 16"):
        calibrate(
            write_spec(), replications=1, optimizer=Optimizer(grid_points=4, max_evaluations=10)
        )
