"""The same batch on a Dask LocalCluster gives the same Parquet contents as a local run."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from supplyshock.batch import run_batch
from tests.batch.test_batch import _frames, uncertain_scenario

distributed = pytest.importorskip("distributed")


def test_dask_executor_matches_serial(tmp_path: Path) -> None:
    scn = uncertain_scenario()
    run_batch(scn, 8, seed=11, out=tmp_path / "serial", workers=1, chunk_size=3)
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        run_batch(
            scn, 8, seed=11, out=tmp_path / "dask", executor=client.get_executor(), chunk_size=3
        )
    serial, dask = _frames(tmp_path / "serial"), _frames(tmp_path / "dask")
    pd.testing.assert_frame_equal(serial[0], dask[0])
    pd.testing.assert_frame_equal(serial[1], dask[1])
