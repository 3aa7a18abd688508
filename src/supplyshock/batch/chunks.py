"""Chunk files of a batch folder: written with their batch identity, verified before trusted.

Each chunk is three Parquet files (``series``, ``firings``, then ``metrics``, whose presence
marks the chunk done). Every file carries, in its Parquet metadata, the identity of the batch
and chunk it belongs to: scenario hash, seed, design, chunk size, n, user processes, bloc
membership accounting, package version, the numeric platform of the machine that ran the
chunk (:mod:`supplyshock.numerics`), chunk index and replication ids (n matters only for
designs whose rows depend on it: a random or sobol batch may be extended). Beside each file,
``NAME.parquet.sha256`` holds the SHA-256 of its bytes, so that damage anywhere in a file (not
only in the metadata Parquet reads first) is found without parsing it. A chunk counts as done
only when all three files are there, of this batch and intact; one with a file missing or
damaged is redone; a file of another batch is refused with a message naming it (it is never
overwritten).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

__all__ = [
    "KINDS",
    "TASK_RUNS",
    "BatchLock",
    "ChunkState",
    "chunk_state",
    "extendable",
    "identity",
    "intact",
    "path_of",
    "read_identity",
    "same_batch",
    "tasks",
    "write_chunk",
]

KINDS = ("series", "firings", "metrics")
"""The files of a chunk, in the order they are written (metrics last: it marks the chunk done)."""
KEY = b"supplyshock.chunk"
BATCH_FIELDS = (
    "scenario_hash",
    "seed",
    "n",
    "chunk_size",
    "design",
    "processes",
    "membership",
    "version",
    "platform",
)
ChunkState = Literal["done", "missing", "damaged", "foreign"]


def identity(manifest: dict[str, Any], index: int, replications: Sequence[int]) -> dict[str, Any]:
    """What a chunk file records about the batch and chunk it belongs to."""
    batch = {field: manifest.get(field) for field in BATCH_FIELDS}
    return {**batch, "chunk": index, "replications": [int(r) for r in replications]}


def path_of(out: Path, kind: str, index: int) -> Path:
    return out / "chunks" / f"{kind}-{index:05d}.parquet"


def _digest_path(path: Path) -> Path:
    return path.with_name(path.name + ".sha256")


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def intact(path: Path) -> bool:
    """Whether ``path`` holds exactly the bytes it was written with (its ``.sha256`` agrees)."""
    try:
        expected = _digest_path(path).read_text().strip()
        return _digest(path.read_bytes()) == expected
    except OSError:
        return False


def write_chunk(out: Path, ident: dict[str, Any], frames: dict[str, pd.DataFrame]) -> None:
    """Write a chunk's files, each with ``ident`` in its metadata and its digest beside it,
    atomically one by one."""
    meta = json.dumps(ident, sort_keys=True).encode()
    for kind in KINDS:
        final = path_of(out, kind, ident["chunk"])
        partial = final.with_name(f"{final.stem}.{os.getpid()}.partial")
        digest = final.with_name(f"{final.stem}.sha256.{os.getpid()}.partial")
        table = pa.Table.from_pandas(frames[kind], preserve_index=False)
        table = table.replace_schema_metadata({**(table.schema.metadata or {}), KEY: meta})
        try:
            pq.write_table(table, partial)
            digest.write_text(_digest(partial.read_bytes()) + "\n")
            os.replace(digest, _digest_path(final))  # a file older than its digest is damaged
            os.replace(partial, final)
        except BaseException:  # also Ctrl-C mid-write: leave no half-written file behind
            partial.unlink(missing_ok=True)
            digest.unlink(missing_ok=True)
            raise


def read_identity(path: Path) -> dict[str, Any] | None:
    """The identity recorded in a chunk file; None if the file is damaged or has none."""
    try:
        meta = pq.read_schema(path).metadata or {}
        value = json.loads(meta[KEY])
    except (OSError, KeyError, ValueError, pa.ArrowException):
        return None
    return value if isinstance(value, dict) else None


def chunk_state(out: Path, ident: dict[str, Any]) -> tuple[ChunkState, Path | None]:
    """Whether chunk ``ident["chunk"]`` is done for this batch; the offending file if not."""
    present = [path_of(out, kind, ident["chunk"]) for kind in KINDS]
    if not any(p.exists() for p in present):
        return "missing", None
    for path in present:
        if not path.exists():
            return "damaged", path
        found = read_identity(path)
        if found is None:
            return "damaged", path
        if not same_batch(found, ident) or found.get("replications") != ident["replications"]:
            return "foreign", path
        if found.get("chunk") != ident["chunk"]:
            return "foreign", path
        if not intact(path):
            return "damaged", path
    return "done", None


def extendable(design: str) -> bool:
    """Whether a design's first rows do not depend on n (``random`` and ``sobol``, also with
    a common stream), so that a batch using it can grow: its chunks stay valid for a larger n."""
    return design.split("+", 1)[0] in ("random", "sobol")


def same_batch(found: dict[str, Any], expected: dict[str, Any]) -> bool:
    """Whether two identities belong to one batch (the package version and numeric platform
    aside: the manifest refuses a change of either unless the user allows it, and a chunk
    records the platform of the machine that ran it). ``n`` counts only for designs that are
    not :func:`extendable`: replication *i* of a random or sobol design is the same in a
    batch of any size."""
    ignored = {"version", "platform", *(["n"] if extendable(str(expected.get("design"))) else [])}
    return all(found.get(f) == expected.get(f) for f in BATCH_FIELDS if f not in ignored)


class BatchLock:
    """Holds ``out/.lock`` while a batch writes to ``out``; a second writer is refused.

    The lock file names the process holding it; a lock left by a process that no longer
    exists (killed) is taken over.
    """

    def __init__(self, out: Path) -> None:
        self.path = out / ".lock"

    def __enter__(self) -> BatchLock:
        from supplyshock.batch.runner import BatchError

        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise BatchError(f"cannot write to {self.path.parent}: {exc.strerror or exc}") from None
        for _ in range(2):
            try:
                fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                holder = _holder(self.path)
                if holder is not None and _alive(holder):
                    raise BatchError(
                        f"another batch (process {holder}) is writing to {self.path.parent}; "
                        "wait for it or use another --out folder"
                    ) from None
                self.path.unlink(missing_ok=True)  # left by a process that is gone
                continue
            except OSError as exc:
                raise BatchError(
                    f"cannot write to {self.path.parent}: {exc.strerror or exc}"
                ) from None
            with os.fdopen(fd, "w") as handle:
                handle.write(str(os.getpid()))
            return self
        raise BatchError(f"cannot take the lock {self.path}; remove it if no batch is running")

    def __exit__(self, *exc: object) -> None:
        if _holder(self.path) == os.getpid():
            self.path.unlink(missing_ok=True)


def _holder(path: Path) -> int | None:
    try:
        text = path.read_text().strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


TASK_RUNS = 4
"""Most replications sent to a worker in one task: a task carries the scenario once and its
replications compile the same scenario object (its memo, :mod:`supplyshock.model.memo`)."""


def tasks(chunks: Sequence[Sequence[int]], n_workers: int) -> list[tuple[int, ...]]:
    """The replications of ``chunks`` as tasks: consecutive runs of one chunk, at most
    :data:`TASK_RUNS` long and short enough that there are four tasks per worker."""
    total = sum(len(c) for c in chunks)
    size = max(1, min(TASK_RUNS, total // (4 * n_workers)))
    return [tuple(c[k : k + size]) for c in chunks for k in range(0, len(c), size)]
