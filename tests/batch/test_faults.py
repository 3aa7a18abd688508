"""Fault injection: a batch killed at random moments, its chunk files damaged in five ways,
resumes to exactly the files of a clean run.

Each trial starts the batch in a child process (forked, so that it starts in milliseconds),
kills it with SIGKILL after a random delay (seeded), damages one chunk file, and resumes in
this process. A chunk of another batch is refused by name; once removed, the resume completes.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from supplyshock.batch import BatchError, run_batch
from supplyshock.scenario.schema import Scenario
from tests.batch.test_batch import uncertain_scenario

N, CHUNK, SEED, TRIALS = 12, 2, 5, 20
DAMAGES = ("truncate", "empty", "delete", "foreign", "corrupt")

pytestmark = pytest.mark.skipif(
    sys.platform == "win32" or "fork" not in multiprocessing.get_all_start_methods(),
    reason="needs fork and SIGKILL",
)


def _batch(scn: Scenario, out: Path, seed: int = SEED) -> None:
    run_batch(scn, N, seed, out=out, workers=1, chunk_size=CHUNK)


def _files(out: Path) -> dict[str, bytes]:
    """Every chunk file's bytes by name, and the manifest's."""
    found = {p.name: p.read_bytes() for p in sorted((out / "chunks").glob("*.parquet"))}
    found["manifest.json"] = (out / "manifest.json").read_bytes()
    return found


def _damage(out: Path, how: str, rng: np.random.Generator, foreign: Path) -> Path | None:
    """Damage one chunk file ``how``; returns the file if it is now another batch's."""
    files = sorted((out / "chunks").glob("*.parquet"))
    if not files:
        return None
    path = files[int(rng.integers(len(files)))]
    data = path.read_bytes()
    if how == "truncate":
        path.write_bytes(data[: int(rng.integers(1, len(data)))])
    elif how == "empty":
        path.write_bytes(b"")
    elif how == "delete":
        path.unlink()
    elif how == "foreign":
        path.write_bytes((foreign / "chunks" / path.name).read_bytes())
        return path
    else:
        spot = int(rng.integers(8, len(data) - 8))  # past the magic bytes at both ends
        path.write_bytes(
            data[:spot] + bytes(b ^ 0xFF for b in data[spot : spot + 8]) + data[spot + 8 :]
        )
    return None


def test_killed_and_damaged_batches_resume_to_a_clean_run(tmp_path: Path) -> None:
    scn = uncertain_scenario()
    _batch(scn, tmp_path / "clean")  # also compiles everything before the children fork
    clean = _files(tmp_path / "clean")
    _batch(scn, tmp_path / "foreign", seed=SEED + 1)
    rng = np.random.default_rng(20251202)
    fork = multiprocessing.get_context("fork")
    started, interrupted = time.monotonic(), 0
    for trial in range(TRIALS):
        out = tmp_path / f"trial{trial}"
        child = fork.Process(target=_batch, args=(scn, out))
        child.start()
        time.sleep(float(rng.uniform(0.0, 0.4)))
        if child.pid is not None and child.is_alive():
            os.kill(child.pid, signal.SIGKILL)
        child.join()
        interrupted += len(list(out.glob("chunks/metrics-*.parquet"))) < N // CHUNK
        how = DAMAGES[trial % len(DAMAGES)]
        if (out / "chunks").is_dir():
            stranger = _damage(out, how, rng, tmp_path / "foreign")
            if stranger is not None:
                with pytest.raises(BatchError, match=f"{stranger.name} belongs to another batch"):
                    _batch(scn, out)
                stranger.unlink()  # what the message asks the user to do
        _batch(scn, out)
        assert _files(out) == clean, f"trial {trial} ({how}) differs from the clean run"
        assert not list(out.rglob("*.partial")), f"trial {trial} left partial files"
    assert interrupted >= TRIALS // 4, f"only {interrupted} trials were killed mid-batch"
    assert time.monotonic() - started < 60
