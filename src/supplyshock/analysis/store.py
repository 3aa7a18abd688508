"""The folder a portfolio search keeps its evaluations in, so that a rerun resumes it.

``out/search.json`` holds what the stored values depend on (the folder's identity);
``out/candidates/KEY.npy`` a candidate's ``[future, constraint]`` values once it is done, with
``KEY.json`` beside it (its portfolio, whether every future was run, the thresholds it was
stopped under); ``out/candidates/chunks/KEY.START-STOP.npy`` the values of futures
``START .. STOP - 1`` of a candidate not done yet, written as each task lands, so an
interrupted search loses at most the tasks in progress. Every file is written under a
temporary name and renamed when complete.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from supplyshock.errors import SupplyshockError
from supplyshock.numerics import platform_changes
from supplyshock.scenario.levers import Portfolio

__all__ = ["CandidateStore", "EvaluationError"]


class EvaluationError(SupplyshockError):
    """Candidates cannot be evaluated (a folder holding another search, bad arguments)."""


class CandidateStore:
    """Evaluations kept in ``out`` (nothing kept where ``out`` is None); ``identity`` is what
    they depend on, checked against the folder's (unused without ``out``)."""

    def __init__(self, out: Path | None, identity: dict[str, Any]) -> None:
        self.out = out
        if out is not None:
            _claim(out, identity)

    def load(self, key: str, shape: tuple[int, int]) -> tuple[np.ndarray, dict[str, Any]] | None:
        """A done candidate's values and record, if stored with this ``shape``."""
        if self.out is None:
            return None
        path = self.out / "candidates" / f"{key}.npy"
        if not path.exists():
            return None
        try:
            values = np.load(path)
            record = json.loads(path.with_suffix(".json").read_text())
        except (OSError, ValueError):
            return None
        return (values, record) if values.shape == shape else None

    def store(
        self, key: str, portfolio: Portfolio, values: np.ndarray, record: dict[str, Any]
    ) -> None:
        """Keep a done candidate's values (``record`` adds to its portfolio) and drop its
        chunks."""
        if self.out is None:
            return
        folder = self.out / "candidates"
        _atomic_save(folder / f"{key}.npy", values)
        record = {"portfolio": {k: float(v) for k, v in sorted(portfolio.items())}, **record}
        _atomic_write(folder / f"{key}.json", json.dumps(record).encode())
        for path in (folder / "chunks").glob(f"{key}.*.npy"):
            path.unlink(missing_ok=True)

    def chunks(
        self, key: str, chunks: Sequence[Sequence[int]], width: int
    ) -> dict[int, np.ndarray]:
        """The stored values of ``key``'s chunks (by index) that match this layout."""
        found: dict[int, np.ndarray] = {}
        if self.out is None:
            return found
        for c, reps in enumerate(chunks):
            path = self._chunk_path(key, reps)
            if not path.exists():
                continue
            try:
                values = np.load(path)
            except (OSError, ValueError):
                continue
            if values.shape == (len(reps), width):
                found[c] = values
        return found

    def store_chunk(self, key: str, reps: Sequence[int], values: np.ndarray) -> None:
        """Keep the values of futures ``reps`` (consecutive) of a candidate not done yet."""
        if self.out is not None:
            _atomic_save(self._chunk_path(key, reps), values)

    def _chunk_path(self, key: str, reps: Sequence[int]) -> Path:
        assert self.out is not None
        return self.out / "candidates" / "chunks" / f"{key}.{reps[0]}-{reps[-1] + 1}.npy"


def _claim(out: Path, identity: dict[str, Any]) -> None:
    """Write the folder's identity, or refuse a folder that holds another search (one
    computed on another numeric platform too: its values would differ in the last digits)."""
    path = out / "search.json"
    if path.exists():
        try:
            old = json.loads(path.read_text())
        except (OSError, ValueError):
            raise EvaluationError(f"{path} is damaged; use another out folder") from None
        unrecorded = "platform" not in old  # written by a version that did not record it
        if unrecorded:
            old["platform"] = identity["platform"]
        if old != identity:
            changed = ", ".join(
                f"numeric platform: {'; '.join(platform_changes(old[k], identity[k]))}"
                if k == "platform"
                else k
                for k in identity
                if old.get(k) != identity[k]
            )
            raise EvaluationError(f"{out} holds another search ({changed}); use another out")
        if unrecorded:
            _atomic_write(path, json.dumps(identity, indent=2).encode())
    else:
        (out / "candidates").mkdir(parents=True, exist_ok=True)
        _atomic_write(path, json.dumps(identity, indent=2).encode())
    (out / "candidates" / "chunks").mkdir(parents=True, exist_ok=True)


def _atomic_save(path: Path, values: np.ndarray) -> None:
    buffer = io.BytesIO()
    np.save(buffer, values)
    _atomic_write(path, buffer.getvalue())


def _atomic_write(path: Path, data: bytes) -> None:
    with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".partial", delete=False) as handle:
        handle.write(data)
    os.replace(handle.name, path)
