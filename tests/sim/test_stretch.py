"""Days stepped in compiled stretches give exactly the results of stepping day by day."""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
import pandas as pd
import pytest

import supplyshock as ss
from supplyshock.sim import gates, kernels, step
from supplyshock.sim.engine import run
from tests.sim.builder import build, two_suppliers


def _arrays(res: ss.RunResult) -> dict[str, np.ndarray]:
    return {**res.cubes, "production": res.production, "lost": res.lost, "res": res.reserves}


def _count_statuses(monkeypatch: pytest.MonkeyPatch) -> Counter[int]:
    """Count how compiled stretches end (``kernels.DONE``, ``GATES``, ``RULES``)."""
    statuses: Counter[int] = Counter()
    quiet_days = kernels.quiet_days

    def counting(*args: Any) -> tuple[int, int, int]:
        status, day, fired = quiet_days(*args)
        statuses[status] += 1
        return status, day, fired

    monkeypatch.setattr(step.kernels, "quiet_days", counting)
    return statuses


def _day_by_day(monkeypatch: pytest.MonkeyPatch, scn: Any, seed: int) -> ss.RunResult:
    with monkeypatch.context() as m:
        m.setattr(gates.Gates, "settled", lambda self, s: None)
        return run(scn, seed=seed)


@pytest.mark.parametrize(
    "name", ["october_2025_controls", "alliance_stockpile_release", "april_2025_heavy_ree"]
)
def test_stretches_equal_day_by_day(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    scn = ss.load_scenario(name)
    statuses = _count_statuses(monkeypatch)
    stretched = run(scn, seed=2)
    assert statuses[kernels.DONE] > 0  # the stretch path really ran
    daily = _day_by_day(monkeypatch, scn, seed=2)
    for key, value in _arrays(daily).items():
        np.testing.assert_array_equal(_arrays(stretched)[key], value, err_msg=key)
    assert stretched.provenance["simpy_events"] < daily.provenance["simpy_events"]
    if name == "october_2025_controls":  # content shares cross the 0.1% threshold mid-stretch
        assert statuses[kernels.GATES] > 0


def test_qualification_mid_stretch_is_scheduled_as_day_by_day(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Cut off by a ban, the buyer starts qualifying the Japanese maker inside a stretch; the
    maker is qualified 40 days later without the stretch returning to Python."""
    scn = build(two_suppliers(1.0, qualification=40))
    statuses = _count_statuses(monkeypatch)
    stretched = run(scn, seed=4)
    assert set(statuses) == {kernels.DONE}  # never cut short
    daily = _day_by_day(monkeypatch, scn, seed=4)
    for key, value in _arrays(daily).items():
        np.testing.assert_array_equal(_arrays(stretched)[key], value, err_msg=key)
    # the ban of day 0 leaves the buyer short from day 0: it starts qualifying at the end of
    # its switch_after_days-th short day (day 4), and the maker ships from day 4 + 40
    flows = stretched.flows()
    shipped = flows[(flows["exporter"] == "JPN") & (flows["quantity"] > 0)]["date"]
    first = (shipped.min() - pd.Timestamp(scn.start)).days
    assert first == scn.settings.switch_after_days - 1 + 40
    usa = stretched.shortfall(by="country").set_index("country").loc["USA", "shortfall"]
    assert usa > 0  # the buyer really was short before the new supplier qualified
