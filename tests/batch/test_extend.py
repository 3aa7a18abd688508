"""Growing a batch: a larger n keeps the finished chunks byte for byte and adds the rest;
progress is reported per replication."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from supplyshock.batch import BatchError, BatchResult, design, run_batch
from supplyshock.batch.runner import layout
from supplyshock.cli import app
from tests.batch.test_batch import uncertain_scenario

CHUNK = 4


def _content(batch: BatchResult) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    series = batch._read("series").sort_values(
        ["replication", "week", "level", "region", "commodity"]
    )
    return batch.metrics(), series.reset_index(drop=True), batch.design()


@pytest.mark.parametrize("method", ["random", "sobol"])
def test_a_larger_n_extends_the_batch(tmp_path: Path, method: str) -> None:
    scn = uncertain_scenario()
    out = tmp_path / "grown"
    run_batch(scn, 10, seed=3, out=out, workers=1, chunk_size=CHUNK, method=method)  # type: ignore[arg-type]
    before = {p.name: p.read_bytes() for p in sorted((out / "chunks").glob("*.parquet"))}
    assert len(before) == 9  # 3 chunks of 4, 4 and 2 replications
    grown = run_batch(scn, 13, seed=3, out=out, workers=2, chunk_size=CHUNK, method=method)  # type: ignore[arg-type]
    after = {p.name: p.read_bytes() for p in sorted((out / "chunks").glob("*.parquet"))}
    assert all(after[name] == data for name, data in before.items())
    assert len(after) == 12 and grown.n_done == 13
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["n"] == 13 and manifest["extended_from"] == [10]
    fresh = run_batch(
        scn, 13, seed=3, out=tmp_path / "fresh", workers=1, chunk_size=CHUNK, method=method
    )  # type: ignore[arg-type]
    for got, want in zip(_content(grown), _content(fresh), strict=True):
        pd.testing.assert_frame_equal(got, want)
    # the grown folder resumes as itself, and can grow again
    assert (
        run_batch(scn, 13, seed=3, out=out, workers=1, chunk_size=CHUNK, method=method).n_done == 13
    )  # type: ignore[arg-type]
    assert layout(13, CHUNK, [10]) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9], [10, 11, 12]]


def test_shrinking_or_extending_a_latin_hypercube_is_refused(tmp_path: Path) -> None:
    scn = uncertain_scenario()
    run_batch(scn, 6, seed=3, out=tmp_path / "r", workers=1, chunk_size=CHUNK)
    with pytest.raises(BatchError, match=r"holds a batch of 6 replications; n=4 is smaller"):
        run_batch(scn, 4, seed=3, out=tmp_path / "r", workers=1, chunk_size=CHUNK)
    run_batch(scn, 6, seed=3, out=tmp_path / "l", workers=1, chunk_size=CHUNK, method="lhs")
    with pytest.raises(BatchError, match="design 'lhs', whose rows depend on n"):
        run_batch(scn, 8, seed=3, out=tmp_path / "l", workers=1, chunk_size=CHUNK, method="lhs")
    assert not design(scn, 8, 3, "lhs").iloc[:6].equals(design(scn, 6, 3, "lhs"))


@pytest.mark.parametrize("workers", [1, 2])
def test_progress_is_reported_per_replication(tmp_path: Path, workers: int) -> None:
    calls: list[tuple[int, int]] = []
    run_batch(
        uncertain_scenario(),
        7,
        seed=1,
        out=tmp_path,
        workers=workers,
        chunk_size=5,
        progress=lambda done, total: calls.append((done, total)),
    )
    assert calls == [(i, 7) for i in range(8)]


def test_plain_progress_lines_when_not_a_terminal(tmp_path: Path) -> None:
    import yaml

    path = tmp_path / "s.yaml"
    data = uncertain_scenario().model_dump(mode="json", by_alias=True, exclude={"origin_file"})
    path.write_text(yaml.safe_dump(data))
    argv = ["batch", str(path), "-n", "20", "--out", str(tmp_path / "b"), "--workers", "1"]
    result = CliRunner().invoke(app, argv)
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stderr.splitlines() if "replications," in line]
    counts = [int(line.split(": ")[1].split("/")[0]) for line in lines]
    assert counts == [0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20]
