"""Printing a scenario, a run or a batch gives a short summary, never arrays."""

from __future__ import annotations

from pathlib import Path

import supplyshock as ss
from supplyshock.batch import run_batch
from tests.batch.test_batch import uncertain_scenario

LIMIT = 1024


def test_scenario_and_run_reprs_are_short_and_informative() -> None:
    scn = ss.load_scenario("october_2025_suspended")
    for text in (repr(scn), str(scn), scn._repr_html_()):
        assert len(text) < LIMIT and scn.name in text
        assert f"{len(scn.facilities)} facilities" in text and f"{len(scn.events)} events" in text
        assert str(scn.start) in text
    res = ss.run(uncertain_scenario(), seed=3)
    short = res.cubes["shortfall"][:, :, res.commodities.index("magnet")].sum()
    assert short > 0
    for text in (repr(res), str(res), res._repr_html_()):
        assert len(text) < LIMIT and "array" not in text and "[[" not in text
        assert res.provenance["scenario"] in text and "magnet" in text
    assert f"{short:,.0f} t" in repr(res) or f"{short:.3g} t" in repr(res)


def test_html_escapes_names() -> None:
    scn = uncertain_scenario().model_copy(update={"name": "<b>x[/]y</b>"})
    assert "<b>x" not in scn._repr_html_() and "&lt;b&gt;x[/]y" in scn._repr_html_()


def test_batch_reprs(tmp_path: Path) -> None:
    batch = run_batch(uncertain_scenario(), 3, seed=1, out=tmp_path, workers=1)
    for text in (repr(batch), batch._repr_html_()):
        assert len(text) < LIMIT and "3" in text and str(tmp_path) in text
    assert "3 of 3 done" in batch._repr_html_()
