"""run_batch: many replications in chunks on any ``concurrent.futures.Executor``, to Parquet.

Layout of an output folder::

    manifest.json            scenario hash, seed, n, chunk size, design method, bloc
                             membership accounting, bloc members, version
    design.parquet           one row per replication: the uncertain parameters it used
    chunks/metrics-00003.parquet, chunks/series-00003.parquet,
    chunks/firings-00003.parquet                               (one set per finished chunk)
    chunks/metrics-00003.parquet.sha256, ...                   (the digest of each file)

Rerunning with a larger n extends a random or sobol batch (new chunks start at the old n; the
manifest lists the earlier sizes in ``extended_from``). A chunk is written to a temporary name
and renamed when complete, so a crash never leaves a
partial chunk; rerunning the same call skips finished chunks of this batch, redoes damaged
ones and refuses files of another batch (:mod:`supplyshock.batch.chunks`). Replication ``i``
always uses ``SeedSequence(seed).spawn(n)[i]`` and design row ``i``, so results do not depend
on the executor, the number of workers or the chunk size.
"""

from __future__ import annotations

import itertools
import json
import os
from collections.abc import Callable, Sequence
from concurrent.futures import BrokenExecutor, Executor, Future, ProcessPoolExecutor
from pathlib import Path
from typing import Any

import pandas as pd

from supplyshock.batch.chunks import (
    KINDS,
    BatchLock,
    chunk_state,
    identity,
    path_of,
    tasks,
    write_chunk,
)
from supplyshock.batch.manifest import BatchError, create, new_manifest, prepare, record
from supplyshock.batch.memory import start_worker
from supplyshock.batch.replicate import run_chunk
from supplyshock.batch.result import BatchResult
from supplyshock.batch.sampling import Method, design
from supplyshock.errors import ScenarioError
from supplyshock.metrics import Membership, check_membership
from supplyshock.numerics import stamped, warn_other_platforms
from supplyshock.scenario.checks import check
from supplyshock.scenario.io import load_scenario
from supplyshock.scenario.schema import Scenario
from supplyshock.sim.simulation import UserProcess

__all__ = ["BatchError", "layout", "run_batch"]


Frames = tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]
"""What a worker returns for its replications: metrics, weekly series and rule firings."""


def layout(n: int, chunk_size: int, extended_from: Sequence[int] = ()) -> list[list[int]]:
    """Replication ids of each chunk: ``chunk_size`` at a time, starting a new chunk where
    the batch was extended (the chunks of a batch of 50 stay as they were when it grows)."""
    bounds = [0, *extended_from, n]
    return [
        list(range(s, min(s + chunk_size, hi)))
        for lo, hi in itertools.pairwise(bounds)
        for s in range(lo, hi, chunk_size)
    ]


def _write(
    out: Path,
    manifest: dict[str, Any],
    c: int,
    replications: list[int],
    frames: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame],
    platforms: Sequence[dict[str, str]] = (),
) -> None:
    """Write chunk ``c``, recording the numeric platform of the machines that ran it where it
    is not the manifest's (one platform, or the list of them)."""
    metrics, series, firings = frames
    parts = {"metrics": metrics, "series": series, "firings": firings}
    ident = identity(manifest, c, replications)
    other = [p for i, p in enumerate(platforms) if p not in platforms[:i]]
    if other and other != [manifest.get("platform")]:
        ident["platform"] = other[0] if len(other) == 1 else other
    write_chunk(out, ident, parts)


def _todo(out: Path, manifest: dict[str, Any], chunks: list[list[int]]) -> list[int]:
    """Chunks to run: missing or damaged ones (whose files are removed first). A file of
    another batch is refused, also one of a chunk this batch does not have."""
    if not (out / "chunks").is_dir():
        return list(range(len(chunks)))
    for stray in sorted((out / "chunks").glob("*-*.parquet")):
        index = stray.stem.rsplit("-", 1)[-1]
        if not index.isdigit() or int(index) >= len(chunks):
            raise BatchError(f"{stray} is not part of this batch; remove it or use another --out")
    todo = []
    for c, replications in enumerate(chunks):
        state, path = chunk_state(out, identity(manifest, c, replications))
        if state == "foreign":
            raise BatchError(f"{path} belongs to another batch; remove it or use another --out")
        if state == "damaged":
            for kind in KINDS:
                path_of(out, kind, c).unlink(missing_ok=True)
        if state != "done":
            todo.append(c)
    return todo


def run_batch(
    scenario: Scenario | str | Path,
    n: int,
    seed: int,
    *,
    out: str | Path,
    executor: Executor | None = None,
    workers: int | None = None,
    chunk_size: int = 25,
    method: Method = "random",
    plan: pd.DataFrame | None = None,
    common_stream: bool = False,
    progress: Callable[[int, int], None] | None = None,
    processes: Sequence[UserProcess] = (),
    allow_version_change: bool = False,
    membership: Membership = "dated",
) -> BatchResult:
    """Run ``n`` replications of ``scenario`` and store them under ``out``.

    ``executor`` may be any ``concurrent.futures.Executor`` (a Dask cluster's
    ``Client(...).get_executor()`` included); without one, ``workers`` processes are used
    (default: all cores; ``workers=1`` runs in this process, which replicates faster after
    :func:`~supplyshock.batch.keep_freed_memory`, as the library's workers do, since each
    replication then reuses the memory the last one freed). ``plan`` replaces the sampled
    design with given parameter values (one row per replication, columns named by parameter
    key), e.g. a SALib sample; with ``common_stream`` all replications share one random stream
    for in-run events, so they differ only by ``plan`` (as sensitivity analysis wants).
    ``progress(done, total)`` is called with the number of replications done (and ``n``)
    at the start and after each replication; the replications of a chunk are separate tasks
    on the executor, and a chunk is written when all of them are done. Rerunning with a larger
    ``n`` in a folder holding a random or sobol batch *extends* it: its chunks are kept as
    they are and replications ``n_old .. n - 1`` added in new chunks, so the folder then holds
    exactly what a fresh batch of ``n`` would (a smaller ``n``, or extending a Latin hypercube
    or a custom plan, is refused). A folder written by another version
    of supplyshock is refused unless ``allow_version_change``; a second batch writing to the
    same folder at the same time is refused (:class:`BatchLock`). ``processes`` are user SimPy
    processes added to every replication (see :class:`~supplyshock.Simulation`); with worker
    processes they must be picklable (module-level functions). ``membership`` chooses how
    bloc totals count a country: only on the days it is a member (``"dated"``) or on every
    day if it is ever one (``"ever"``); it is recorded in the manifest and every chunk, and a
    folder holding the other choice is refused.
    """
    if n <= 0:
        raise BatchError(f"n must be positive, got {n}")
    membership = check_membership(membership)
    if chunk_size <= 0:
        raise BatchError(f"chunk_size must be positive, got {chunk_size}")
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    else:
        problems = check(scenario)  # once here (also for copies); replications then skip it
        if problems:
            raise ScenarioError(problems)
    out = Path(out)
    if plan is None:
        plan = design(scenario, n, seed, method)
        label = str(method)
    else:
        if len(plan) != n:
            raise BatchError(f"the design has {len(plan)} rows but n is {n}")
        digest = pd.util.hash_pandas_object(plan, index=True).sum()
        label = f"custom:{int(digest) & 0xFFFFFFFFFFFF:x}"
    if common_stream:
        label += "+common-stream"
    with BatchLock(out):
        _remove_partials(out)
        return _run(
            out,
            scenario,
            seed,
            plan,
            label,
            chunk_size,
            common_stream,
            processes,
            membership,
            dict(
                executor=executor,
                workers=workers,
                progress=progress,
                allow_version_change=allow_version_change,
            ),
        )


def _remove_partials(out: Path) -> None:
    """Delete half-written files a killed writer left (the lock says none is writing now)."""
    for partial in [*out.glob("*.partial"), *out.glob("chunks/*.partial")]:
        partial.unlink(missing_ok=True)


def _run(
    out: Path,
    scenario: Scenario,
    seed: int,
    plan: pd.DataFrame,
    label: str,
    chunk_size: int,
    common_stream: bool,
    processes: Sequence[UserProcess],
    membership: Membership,
    how: dict[str, Any],
) -> BatchResult:
    """The chunks of a batch that are not done yet, run and written (the folder is locked)."""
    executor, workers = how["executor"], how["workers"]
    progress: Callable[[int, int], None] | None = how["progress"]
    n = len(plan)
    fresh = new_manifest(scenario, n, seed, chunk_size, label, processes, membership)
    manifest = prepare(out, fresh, plan, how["allow_version_change"])
    rows = plan.to_dict("records")
    chunks = layout(n, chunk_size, manifest.get("extended_from", []))
    todo = _todo(out, manifest, chunks)
    on_disk = out / "manifest.json"
    if not on_disk.exists() or json.loads(on_disk.read_text()).get("n") != n:
        create(out, manifest, plan)  # new, or extended (the old design rows are unchanged)
    elif json.loads(on_disk.read_text()) != manifest:
        record(out, manifest)  # resumed by another version or on another platform
    done = n - sum(len(chunks[c]) for c in todo)
    if progress is not None:
        progress(done, n)

    def args(group: tuple[int, ...]) -> tuple[Any, ...]:
        params = [rows[i] for i in group]
        return (scenario, seed, list(group), params, common_stream, processes, membership)

    parts: dict[int, dict[int, Frames]] = {c: {} for c in todo}
    owner = {i: c for c in todo for i in chunks[c]}
    landed = dict.fromkeys(todo, 0)  # replications of each chunk done

    here = manifest["platform"]
    ran_on: dict[int, list[dict[str, str]]] = {c: [] for c in todo}  # by chunk, group order

    def finish(group: tuple[int, ...], frames: Frames, platform: dict[str, str]) -> None:
        nonlocal done
        c = owner[group[0]]
        parts[c][group[0]] = frames
        ran_on[c].append(platform)
        landed[c] += len(group)
        done += len(group)
        if landed[c] == len(chunks[c]):
            ready = parts.pop(c)  # groups are runs of a chunk's replications, in its order
            firsts = [i for i in chunks[c] if i in ready]
            merged = _merge([ready[i] for i in firsts])
            _write(out, manifest, c, chunks[c], merged, ran_on[c])
        if progress is not None:
            progress(done, n)

    if executor is None and (workers == 1 or n - done <= 1):  # n - done: replications to run
        for c in todo:
            for i in chunks[c]:
                finish((i,), run_chunk(*args((i,))), here)
        return BatchResult(out)
    n_workers = max(workers or os.cpu_count() or 1, 1)
    pending = tasks([chunks[c] for c in todo], n_workers)
    own = executor is None
    pool = executor
    if pool is None:  # workers end with this process, even if it is killed
        pool = ProcessPoolExecutor(
            max_workers=workers, initializer=start_worker, initargs=(os.getpid(),)
        )
    futures: dict[Future[tuple[Frames, dict[str, str]]], tuple[int, ...]] = {}
    try:
        from concurrent.futures import FIRST_COMPLETED, wait

        limit = 2 * n_workers
        while pending or futures:
            while pending and len(futures) < limit:
                group = pending.pop(0)
                futures[pool.submit(stamped, run_chunk, *args(group))] = group
            finished, _ = wait(list(futures), return_when=FIRST_COMPLETED)
            for future in finished:
                finish(futures.pop(future), *future.result())
    except BrokenExecutor as exc:  # a worker was killed (out of memory, a signal)
        for future in futures:
            future.cancel()
        raise BatchError(
            f"a worker process died ({exc}); finished chunks are kept in {out}, rerun to resume"
        ) from exc
    except BaseException:
        for future in futures:
            future.cancel()
        raise
    finally:
        if own:
            pool.shutdown(wait=True, cancel_futures=True)
    others = {c: p for c, ran in ran_on.items() for p in ran if p != here}
    warn_other_platforms(f"{out} (chunks)", here, others)
    return BatchResult(out)


def _merge(parts: Sequence[Frames]) -> Frames:
    """One chunk's metrics, series and firings from those of its replications, in order."""
    metrics, series, firings = (
        pd.concat([p[k] for p in parts], ignore_index=True) for k in range(3)
    )
    return metrics, series, firings
