"""Resume trusts only chunks of the same batch: damaged ones are redone, foreign ones refused."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from supplyshock.batch import BatchError, BatchResult, run_batch
from tests.batch.test_batch import uncertain_scenario

N, CHUNK = 6, 2


def _run(out: Path, **kw: object) -> BatchResult:
    args = {"n": N, "seed": 7, "workers": 1, "chunk_size": CHUNK, **kw}
    return run_batch(uncertain_scenario(), out=out, **args)  # type: ignore[arg-type]


def _content(batch: BatchResult) -> dict[str, pd.DataFrame]:
    return {
        "metrics": batch.metrics(),
        "series": batch._read("series").sort_values(["replication", "week", "level", "region"]),
    }


@pytest.fixture
def clean(tmp_path: Path) -> dict[str, pd.DataFrame]:
    return _content(_run(tmp_path / "clean"))


def _same(a: dict[str, pd.DataFrame], b: dict[str, pd.DataFrame]) -> None:
    for key in a:
        pd.testing.assert_frame_equal(
            a[key].reset_index(drop=True), b[key].reset_index(drop=True), obj=key
        )


@pytest.mark.parametrize(
    "damage", ["delete_series", "empty_series", "truncate_metrics", "corrupt_metrics_data"]
)
def test_a_damaged_chunk_is_redone(
    tmp_path: Path, clean: dict[str, pd.DataFrame], damage: str
) -> None:
    out = tmp_path / "b"
    _run(out)
    chunks = out / "chunks"
    if damage == "delete_series":
        (chunks / "series-00001.parquet").unlink()
    elif damage == "empty_series":
        (chunks / "series-00001.parquet").write_bytes(b"")
    elif damage == "corrupt_metrics_data":  # the data, not the metadata read first: only the
        path = chunks / "metrics-00001.parquet"  # file's digest shows the damage
        data = path.read_bytes()
        path.write_bytes(data[:8] + bytes(b ^ 0xFF for b in data[8:16]) + data[16:])
    else:
        data = (chunks / "metrics-00001.parquet").read_bytes()
        (chunks / "metrics-00001.parquet").write_bytes(data[: len(data) // 2])
    assert BatchResult(out).n_done == N - CHUNK  # the damaged chunk does not count
    _same(_content(_run(out)), clean)


def test_foreign_chunks_are_refused_by_name(tmp_path: Path) -> None:
    out = tmp_path / "b"
    _run(out)
    (out / "manifest.json").unlink()  # the folder now holds chunks of an unknown batch
    with pytest.raises(BatchError, match=r"series-00000\.parquet belongs to another batch"):
        _run(out, seed=8)
    with pytest.raises(BatchError, match=r"not part of this batch"):
        _run(out, n=2)  # chunks 1 and 2 do not exist in a batch of 2
    with pytest.raises(BatchError, match="not part of this batch"):
        _run(out, chunk_size=3)  # 2 chunks of 3: chunk 2 is left over
    assert not (out / "manifest.json").exists()  # refused before anything was written
    (out / "chunks" / "metrics-00002.parquet").unlink()
    for kind in ("series", "firings"):
        (out / "chunks" / f"{kind}-00002.parquet").unlink()
    with pytest.raises(BatchError, match=r"00000\.parquet belongs to another batch"):
        _run(out, chunk_size=3)  # chunk 0 holds replications 0-1, not 0-2


def test_a_lost_manifest_resumes_the_same_batch(
    tmp_path: Path, clean: dict[str, pd.DataFrame]
) -> None:
    out = tmp_path / "b"
    _run(out)
    (out / "manifest.json").unlink()
    _same(_content(_run(out)), clean)


def test_versions_are_not_mixed_unless_asked(tmp_path: Path) -> None:
    out = tmp_path / "b"
    _run(out, n=4)
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["version"] = "0.0.1"
    (out / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(BatchError, match=r"written by supplyshock 0\.0\.1"):
        _run(out, n=4)
    assert _run(out, n=4, allow_version_change=True).n_done == 4


def test_a_damaged_manifest_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "b"
    _run(out)
    text = (out / "manifest.json").read_text()
    (out / "manifest.json").write_text(text[: len(text) // 2])
    with pytest.raises(BatchError, match=r"manifest\.json is damaged"):
        _run(out)


def test_a_second_writer_is_refused_and_a_stale_lock_taken_over(tmp_path: Path) -> None:
    out = tmp_path / "b"
    out.mkdir()
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        (out / ".lock").write_text(str(sleeper.pid))
        with pytest.raises(BatchError, match=f"process {sleeper.pid}"):
            _run(out)
    finally:
        sleeper.kill()
        sleeper.wait()
    assert _run(out).n_done == N  # the holder is gone: its lock is taken over
    assert not (out / ".lock").exists()
