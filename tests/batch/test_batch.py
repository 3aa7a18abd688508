"""Batch runs: seed stability across workers and chunking, resume after a kill, designs."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from supplyshock.batch import BatchError, BatchResult, design, run_batch
from supplyshock.scenario.schema import Scenario
from tests.sim.builder import ban, build, two_suppliers


def uncertain_scenario() -> Scenario:
    """A licensed sole supplier in CHN, an uncertain-capacity alternative in JPN."""
    data = two_suppliers(
        1.0,
        qualification={"dist": "uniform", "loc": 30, "scale": 90},
        horizon=200,
        events=[
            ban(
                mode="license",
                approval_probability={"dist": "uniform", "loc": 0, "scale": 1},
                processing_days={"dist": "triang", "c": 0.5, "loc": 20, "scale": 60},
            )
        ],
    )
    data["facilities"][1]["capacity_per_year"] = {"dist": "uniform", "loc": 1000, "scale": 6000}
    return build(data)


def _frames(path: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    batch = BatchResult(path)
    series = batch.series().sort_values(["replication", "week", "level", "region", "commodity"])
    return batch.metrics(), series.reset_index(drop=True)


def test_design_columns_are_the_uncertain_parameters() -> None:
    d = design(uncertain_scenario(), n=16, seed=3, method="lhs")
    assert set(d.columns) == {
        "facilities[jp_maker].capacity_per_year",
        "events[ban].approval_probability",
    }
    # Latin hypercube: one sample in each of the 16 strata of each parameter
    u = (d["events[ban].approval_probability"].to_numpy() * 16).astype(int)
    assert sorted(u) == list(range(16))


@pytest.mark.parametrize("method", ["random", "lhs", "sobol"])
def test_design_is_reproducible(method: str) -> None:
    scn = uncertain_scenario()
    pd.testing.assert_frame_equal(design(scn, 10, 1, method), design(scn, 10, 1, method))  # type: ignore[arg-type]
    assert not design(scn, 10, 1, method).equals(design(scn, 10, 2, method))  # type: ignore[arg-type]


def test_results_do_not_depend_on_workers_or_chunks(tmp_path: Path) -> None:
    scn = uncertain_scenario()
    run_batch(scn, 12, seed=5, out=tmp_path / "serial", workers=1, chunk_size=12)
    run_batch(scn, 12, seed=5, out=tmp_path / "pool", workers=2, chunk_size=5)
    serial, pool = _frames(tmp_path / "serial"), _frames(tmp_path / "pool")
    pd.testing.assert_frame_equal(serial[0], pool[0])
    pd.testing.assert_frame_equal(serial[1], pool[1])
    assert serial[0]["shortfall"].nunique() > 1  # replications really differ


def test_changed_seed_in_existing_folder_is_refused(tmp_path: Path) -> None:
    scn = uncertain_scenario()
    run_batch(scn, 4, seed=1, out=tmp_path, workers=1)
    with pytest.raises(BatchError, match="seed"):
        run_batch(scn, 4, seed=2, out=tmp_path, workers=1)


def test_bad_arguments_are_refused(tmp_path: Path) -> None:
    with pytest.raises(BatchError, match="n must be positive"):
        run_batch(uncertain_scenario(), 0, seed=1, out=tmp_path)


KILLER = textwrap.dedent(
    """
    import os, signal, sys
    sys.path.insert(0, {root!r})
    from supplyshock.batch import run_batch
    from tests.batch.test_batch import uncertain_scenario

    def progress(done, total):  # replications done: 6 is three chunks of 2
        if done >= 6:
            os.kill(os.getpid(), signal.SIGKILL)

    run_batch(uncertain_scenario(), 20, seed=9, out={out!r}, workers=1, chunk_size=2,
              progress=progress)
    """
)


def test_killed_batch_resumes_to_exactly_n(tmp_path: Path) -> None:
    out = tmp_path / "killed"
    root = str(Path(__file__).resolve().parents[2])
    proc = subprocess.run(
        [sys.executable, "-c", KILLER.format(root=root, out=str(out))],
        capture_output=True,
        timeout=300,
    )
    assert proc.returncode == -signal.SIGKILL
    assert BatchResult(out).n_done == 6
    run_batch(uncertain_scenario(), 20, seed=9, out=out, workers=1, chunk_size=2)
    resumed = _frames(out)
    reps = resumed[0].drop_duplicates(["replication"])["replication"]
    assert sorted(reps) == list(range(20))
    run_batch(uncertain_scenario(), 20, seed=9, out=tmp_path / "clean", workers=1, chunk_size=2)
    clean = _frames(tmp_path / "clean")
    pd.testing.assert_frame_equal(resumed[0], clean[0])
    pd.testing.assert_frame_equal(resumed[1], clean[1])


def test_summary_and_compare(tmp_path: Path) -> None:
    scn = uncertain_scenario()
    a = run_batch(scn, 30, seed=1, out=tmp_path / "a", workers=1)
    summary = a.summary(level="bloc")
    row = summary[(summary.metric == "shortfall") & (summary.region == "alliance")].iloc[0]
    values = a.metrics("bloc").query("region == 'alliance'")["shortfall"]
    assert row["q50"] == pytest.approx(values.median())
    assert row["q05"] <= row["q50"] <= row["q95"]
    same = a.compare(a, metric="shortfall")
    assert same.loc[0, "difference"] == 0.0
    fan = a.timeseries_quantiles("USA", "magnet")
    assert (fan["q05"] <= fan["q95"] + 1e-12).all()
    assert np.isfinite(fan["mean"]).all()


def test_common_stream_makes_runs_a_function_of_the_plan(tmp_path: Path) -> None:
    scn = uncertain_scenario()
    row = design(scn, 1, seed=3).iloc[0].to_dict()
    plan = pd.DataFrame([row, row, row])
    same = run_batch(scn, 3, seed=1, out=tmp_path / "a", plan=plan, workers=1, common_stream=True)
    own = run_batch(scn, 3, seed=1, out=tmp_path / "b", plan=plan, workers=1)
    usa = "level == 'country' and region == 'USA'"
    assert same.metrics().query(usa)["shortfall"].nunique() == 1
    assert own.metrics().query(usa)["shortfall"].nunique() > 1


def test_copies_of_a_checked_scenario_are_cross_checked(tmp_path: Path) -> None:
    from supplyshock.errors import ScenarioError
    from supplyshock.scenario.events import CapacityShock

    scn = uncertain_scenario().model_copy(update={"origin_file": "uncertain.yaml"})
    bad = CapacityShock(type="capacity_shock", facility="nope", share_lost=0.5, start=scn.start)
    copy = scn.model_copy(update={"events": [*scn.events, bad]})
    with pytest.raises(ScenarioError, match=r"events\[1\]\.facility.*unknown facility.*'nope'"):
        run_batch(copy, 2, seed=1, out=tmp_path, workers=1)


def test_one_replication_is_reproduced_with_run_from_the_batch_folder(tmp_path: Path) -> None:
    import supplyshock as ss
    from supplyshock.batch.replicate import child_seed, reduce_run

    def rows(result: ss.RunResult) -> pd.DataFrame:
        metrics = reduce_run(result, k)[0]
        totals = metrics[metrics["sector"] == "all"]
        return totals.sort_values(["level", "region", "commodity"], ignore_index=True)

    scn, k = uncertain_scenario(), 4
    batch = run_batch(scn, 6, seed=7, out=tmp_path, workers=1, chunk_size=4)
    params = batch.design().iloc[k].to_dict()
    # replication k, run as the batch runs it, records the seed's entropy and spawn key
    prov = ss.run(scn, seed=child_seed(7, k), overrides=params, validate=False).provenance
    assert (prov["seed"], prov["spawn_key"]) == (batch.manifest["seed"], [k])
    again = ss.run(
        scn,
        seed=np.random.SeedSequence(prov["seed"], spawn_key=prov["spawn_key"]),
        overrides=params,
    )
    assert again.provenance["draws"] == params
    stored = batch.metrics().query(f"replication == {k}").reset_index(drop=True)
    assert stored["shortfall"].gt(0).any()
    columns = ["region", "commodity", "shortfall", "peak_daily_shortfall", "unmet_share"]
    assert stored[columns].to_dict("list") == rows(again)[columns].to_dict("list")
    entropy_only = rows(ss.run(scn, seed=prov["seed"], overrides=params))
    assert stored["shortfall"].tolist() != entropy_only["shortfall"].tolist()


def test_rule_firings_are_stored_and_summarised(tmp_path: Path) -> None:
    """escalation_2026: every firing of every replication, and the per-rule summary."""
    import supplyshock as ss

    batch = ss.run_batch("escalation_2026", n=3, seed=2, out=tmp_path / "e", workers=1)
    fired = batch.firings()
    runs = [
        ss.run(
            "escalation_2026",
            seed=np.random.SeedSequence(2, spawn_key=(i,)),
            overrides=batch.design().iloc[i].to_dict(),
        )
        for i in range(3)
    ]
    expected = [(i, f["rule"], f["day"]) for i, r in enumerate(runs) for f in r.provenance["rules"]]
    got = list(fired[["replication", "rule", "day"]].itertuples(index=False, name=None))
    assert sorted(got) == sorted(expected)
    summary = batch.rule_summary().set_index("rule")
    for rule, share in summary["fired_share"].items():
        assert share == len({i for i, r, _ in expected if r == rule}) / 3
    first = batch.first_firing("japan_release")
    assert first.tolist() == [
        min(d for i, r, d in expected if r == "japan_release" and i == k) for k in range(3)
    ]
