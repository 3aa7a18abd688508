"""Batch comparisons: paired by replication where draws are shared, unpaired otherwise."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from supplyshock.batch import BatchResult, run_batch
from supplyshock.batch.compare import paired_interval
from supplyshock.errors import SupplyshockError
from tests.batch.test_batch import uncertain_scenario


@pytest.fixture(scope="module")
def batches(tmp_path_factory: pytest.TempPathFactory) -> dict[str, BatchResult]:
    root = tmp_path_factory.mktemp("compare")
    scn = uncertain_scenario()
    a = run_batch(scn, 12, seed=3, out=root / "a", workers=1, chunk_size=5)
    same = run_batch(scn, 12, seed=3, out=root / "same", workers=1, chunk_size=5)
    other = run_batch(scn, 12, seed=4, out=root / "other", workers=1, chunk_size=5)
    return {"a": a, "same": same, "other": other, "root": root}  # type: ignore[dict-item]


def _shifted(batch: BatchResult, out: Path, metric: str, shift: float) -> BatchResult:
    """A copy of ``batch`` whose ``metric`` is larger by ``shift`` in every row (chunk
    metadata kept, so the copy is still a complete batch of the same seed)."""
    shutil.copytree(batch.path, out)
    for path in sorted((out / "chunks").glob("metrics-*.parquet")):
        table = pq.read_table(path)
        frame = table.to_pandas()
        frame[metric] = frame[metric] + shift
        new = pa.Table.from_pandas(frame, preserve_index=False)
        pq.write_table(new.replace_schema_metadata(table.schema.metadata), path)
        # a deliberate edit: record the new bytes' digest, as the writer does
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        path.with_name(path.name + ".sha256").write_text(digest)
    return BatchResult(out)


def test_identical_batches_give_zero_width_intervals(batches: dict[str, BatchResult]) -> None:
    table = batches["a"].compare(batches["same"], level="country")
    assert table.attrs["method"] == "paired" and (table["method"] == "paired").all()
    assert len(table) and (table["difference"] == 0.0).all()
    assert (table["ci_low"] == 0.0).all() and (table["ci_high"] == 0.0).all()
    # the replications really differ, so an unpaired comparison has a wide interval
    unpaired = batches["a"].compare(batches["same"], level="country", method="unpaired")
    assert (unpaired["ci_high"] - unpaired["ci_low"]).max() > 0


def test_a_known_shift_is_found_exactly(batches: dict[str, BatchResult]) -> None:
    shift = 37.5
    b = _shifted(batches["a"], batches["root"] / "shifted", "shortfall", shift)  # type: ignore[operator]
    table = batches["a"].compare(b, level="country")
    assert table.attrs["method"] == "paired"
    assert table["difference"].to_numpy() == pytest.approx(shift, rel=1e-12)
    assert (table["ci_low"] == table["difference"]).all()
    assert (table["ci_high"] == table["difference"]).all()


def test_different_seeds_fall_back_to_unpaired(batches: dict[str, BatchResult]) -> None:
    table = batches["a"].compare(batches["other"], level="bloc")
    assert table.attrs["method"] == "unpaired" and (table["method"] == "unpaired").all()
    with pytest.raises(SupplyshockError, match="cannot pair"):
        batches["a"].compare(batches["other"], method="paired")
    with pytest.raises(SupplyshockError, match="method must be"):
        batches["a"].compare(batches["other"], method="both")  # type: ignore[arg-type]


def test_paired_interval_is_a_bootstrap_of_the_mean_difference() -> None:
    rng = np.random.default_rng(0)
    d = rng.normal(2.0, 1.0, 400)
    mean, low, high = paired_interval(d, np.random.default_rng(1), 4000, 0.95, 10.0)
    assert mean == pytest.approx(d.mean())
    half = 1.96 * d.std(ddof=1) / np.sqrt(len(d))  # normal approximation of the same interval
    assert low == pytest.approx(mean - half, abs=0.02)
    assert high == pytest.approx(mean + half, abs=0.02)


def test_unknown_level_is_a_clear_error(batches: dict[str, BatchResult]) -> None:
    with pytest.raises(SupplyshockError, match="level must be 'country' or 'bloc', not 'region'"):
        batches["a"].summary(level="region")
