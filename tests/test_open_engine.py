"""A user process, defined outside the library, runs end to end: validate, run, batch, timeline.

The process is the documented example of the user guide: when US magnet users hold under
10 days of cover, US magnet demand falls by 20% (firms cut output and substitute).
"""

from __future__ import annotations

from collections.abc import Generator
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
import pytest
import simpy
import yaml

import supplyshock as ss
import tests.user_embargo  # noqa: F401 - registers the user type 'embargo'

matplotlib.use("Agg")


def cut_us_demand(sim: ss.Simulation) -> Generator[simpy.Event, Any, None]:
    """Module level, so worker processes can unpickle it."""
    yield sim.watch(
        quantity="days_of_cover", countries=["USA"], commodities=["ndfeb_magnet"], below=10
    )
    sim.apply(
        {
            "type": "demand_shift",
            "id": "us_cut",
            "countries": ["USA"],
            "commodity": "ndfeb_magnet",
            "change": -0.2,
        }
    )


def test_user_process_end_to_end(tmp_path: Path) -> None:
    scn = ss.load_scenario("october_2025_controls")  # validated as it loads
    res = ss.run(scn, seed=1, processes=[cut_us_demand])
    (applied,) = res.provenance["applied"]
    start = applied["start"]
    usa = res.countries.index("USA")
    magnet = res.commodities.index("ndfeb_magnet")
    day = (np.datetime64(start) - np.datetime64(scn.start)).astype(int)
    plain = ss.run(scn, seed=1)
    demand, before = res.cubes["demand"][:, usa, magnet], plain.cubes["demand"][:, usa, magnet]
    np.testing.assert_array_equal(demand[:day], before[:day])
    np.testing.assert_allclose(demand[day:], 0.8 * before[day:], rtol=1e-12)
    assert (start, "us_cut") in res.provenance["timeline"]

    batch = ss.run_batch(
        scn, n=4, seed=5, out=tmp_path / "b", workers=2, chunk_size=2, processes=[cut_us_demand]
    )
    serial = ss.run_batch(
        scn, n=4, seed=5, out=tmp_path / "s", workers=1, chunk_size=2, processes=[cut_us_demand]
    )
    assert batch.manifest["processes"] == ["tests.test_open_engine.cut_us_demand"]
    m1, m2 = batch.metrics(), serial.metrics()
    np.testing.assert_array_equal(m1["shortfall"].to_numpy(), m2["shortfall"].to_numpy())
    alone = ss.run_batch(scn, n=4, seed=5, out=tmp_path / "p", workers=1, chunk_size=2)
    us = (m1["region"] == "USA") & (m1["commodity"] == "ndfeb_magnet")
    assert not np.array_equal(
        m1.loc[us, "demand"].to_numpy(), alone.metrics().loc[us, "demand"].to_numpy()
    )

    ax = ss.plot.shortfall_timeline(res, bloc="alliance", commodity="ndfeb_magnet")
    labels = " ".join(" ".join(t.get_text().split()) for t in ax.texts)  # labels are wrapped
    assert "us cut" in labels  # the event's id, as a readable label


def test_user_event_type_end_to_end(tmp_path: Path) -> None:
    """A user-defined event type (tests/user_embargo.py): validate, run, batch, timeline."""
    from tests.user_embargo import as_control

    path = tmp_path / "embargo.yaml"
    embargo = {
        "type": "embargo",
        "id": "ga_embargo",
        "exporter": "CHN",
        "commodity": "gallium",
        "destination": "JPN",
        "days": 200,
        "start": "2026-02-01",
    }
    doc = {"extends": "october_2025_suspended", "name": "embargo", "events": [embargo]}
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({**doc, "events": [{**embargo, "commodity": "galium"}]}))
    with pytest.raises(ss.ScenarioError, match=r"events\[0\].commodity"):
        ss.load_scenario(bad)

    scn = ss.load_scenario(path)
    res = ss.run(scn, seed=2)
    assert [e["id"] for e in res.provenance["applied"]] == ["ga_embargo_control"]
    assert ("2026-02-01", "embargo: CHN gallium to JPN") in res.provenance["timeline"]
    control = ss.Scenario.model_validate(
        {**ss.load_scenario("october_2025_suspended").model_dump(by_alias=True), "name": "d"}
    )
    from supplyshock.scenario.schema import ExportControl

    dated = control.model_copy(
        update={
            "events": [*control.events, ExportControl.model_validate(as_control(scn.events[-1]))]
        }
    )
    plain = ss.run(dated, seed=2)
    for key in plain.cubes:
        np.testing.assert_array_equal(res.cubes[key], plain.cubes[key], err_msg=key)
    without = ss.run(control, seed=2)
    jpn, ga = res.countries.index("JPN"), res.commodities.index("gallium")
    imports, before = res.cubes["imports"][:, jpn, ga], without.cubes["imports"][:, jpn, ga]
    assert imports.sum() < before.sum()  # the embargo bites

    batch = ss.run_batch(scn, n=2, seed=1, out=tmp_path / "b", workers=2, chunk_size=1)
    assert batch.n_done == 2
    ax = ss.plot.shortfall_timeline(res, bloc="alliance", commodity="gallium")
    labels = " ".join(" ".join(t.get_text().split()) for t in ax.texts)  # labels are wrapped
    assert "embargo: CHN gallium to JPN" in labels
