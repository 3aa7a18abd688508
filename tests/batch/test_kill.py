"""A killed batch: its pool workers exit, concurrent writers fail cleanly, and a resumed batch
holds exactly what a clean run holds, however it was killed or its chunks damaged."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from supplyshock.batch import BatchResult

SCENARIO = """\
extends: world
name: kill_test
horizon_days: 120
"""


def _scenario(tmp_path: Path) -> Path:
    import shutil

    folder = tmp_path / "tiny"
    shutil.copytree(Path(__file__).resolve().parent.parent / "data" / "tiny", folder)
    text = (folder / "scenario.yaml").read_text().replace("name: tiny_controls", "name: kill")
    (folder / "s.yaml").write_text(text)
    return folder / "s.yaml"


def _batch(scenario: Path, out: Path, n: int, workers: int) -> subprocess.Popen[str]:
    """``supplyshock batch`` in a child process; its output goes to files beside ``out`` (a
    pipe would stay open as long as any orphan worker holds it)."""
    argv = [sys.executable, "-m", "supplyshock.cli", "batch", str(scenario), "-n", str(n)]
    argv += ["--seed", "3", "--workers", str(workers), "--chunk-size", "2", "--out", str(out)]
    log = out.parent / f"{out.name}.{time.monotonic_ns()}.log"
    with log.open("w") as sink:
        return subprocess.Popen(argv, stdout=sink, stderr=subprocess.STDOUT, text=True)


def _finish(proc: subprocess.Popen[str], timeout: float = 120) -> tuple[int, str]:
    code = proc.wait(timeout)
    args = proc.args
    assert isinstance(args, list)
    out = Path(args[args.index("--out") + 1])
    logs = sorted(out.parent.glob(f"{out.name}.*.log"))
    return code, "".join(log.read_text() for log in logs)


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_workers_exit_when_the_batch_is_killed(tmp_path: Path) -> None:
    proc = _batch(_scenario(tmp_path), tmp_path / "out", n=400, workers=2)
    workers: list[psutil.Process] = []
    try:
        parent = psutil.Process(proc.pid)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(workers) < 2:
            workers = parent.children(recursive=True)
            time.sleep(0.1)
        assert len(workers) >= 2, "the pool never started"
        time.sleep(0.5)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
        _, alive = psutil.wait_procs(workers, timeout=5)
        assert not alive, f"orphan workers {[p.pid for p in alive]}"
    finally:
        if proc.poll() is None:
            proc.kill()
        for worker in workers:  # if the test failed, end the orphans it left
            if worker.is_running():
                worker.kill()
        proc.wait(10)


def test_concurrent_batches_on_one_folder_do_not_crash(tmp_path: Path) -> None:
    scenario, out = _scenario(tmp_path), tmp_path / "out"
    procs = [_batch(scenario, out, n=8, workers=1) for _ in range(4)]
    codes = [proc.wait(120) for proc in procs]
    _, text = _finish(procs[0])
    assert "Traceback" not in text, text
    assert set(codes) <= {0, 2} and 0 in codes, text
    assert text.count("another batch") == codes.count(2), text
    final = _batch(scenario, out, n=8, workers=1)  # whatever was left is finished
    assert final.wait(120) == 0
    assert BatchResult(out).n_done == 8
    assert not list((out / "chunks").glob("*.partial"))


def _die_in_worker(sim: object):  # type: ignore[no-untyped-def]
    """A user process that kills the worker running it."""
    os._exit(3)
    yield  # pragma: no cover - a generator function, never resumed


def test_a_worker_that_dies_is_a_batch_error(tmp_path: Path) -> None:
    from supplyshock.batch import BatchError, run_batch
    from tests.batch.test_batch import uncertain_scenario

    with pytest.raises(BatchError, match=r"a worker process died.*rerun to resume"):
        run_batch(
            uncertain_scenario(),
            4,
            1,
            out=tmp_path / "b",
            workers=2,
            chunk_size=1,
            processes=[_die_in_worker],
        )
