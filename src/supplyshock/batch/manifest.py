"""The manifest of a batch folder: what batch it holds, checked before a batch resumes or
grows, and written atomically (see :mod:`supplyshock.batch.runner` for the folder's layout)."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from supplyshock.batch.chunks import extendable
from supplyshock.errors import SupplyshockError
from supplyshock.metrics import Membership
from supplyshock.numerics import numeric_platform, platform_changes
from supplyshock.scenario.schema import Scenario
from supplyshock.sim.simulation import UserProcess

__all__ = ["BatchError", "create", "new_manifest", "prepare"]


class BatchError(SupplyshockError):
    """A batch cannot run or resume (bad arguments, or a folder holding another batch)."""


def new_manifest(
    scenario: Scenario,
    n: int,
    seed: int,
    chunk_size: int,
    method: str,
    processes: Sequence[UserProcess] = (),
    membership: Membership = "dated",
) -> dict[str, Any]:
    """The manifest of a new batch: what makes it this batch (scenario hash, seed, chunk size,
    design, processes, membership accounting), its bloc members, and the version and numeric
    platform (:func:`~supplyshock.numerics.numeric_platform`) writing it."""
    from supplyshock import __version__

    return {
        "blocs": _members(scenario),
        "membership": membership,
        "processes": [f"{p.__module__}.{p.__qualname__}" for p in processes],
        "scenario": scenario.name,
        "scenario_hash": scenario.content_hash(),
        "seed": seed,
        "n": n,
        "chunk_size": chunk_size,
        "design": method,
        "version": __version__,
        "platform": numeric_platform(),
    }


def _members(scenario: Scenario) -> dict[str, list[str]]:
    """Each bloc's members at any time in the horizon (recorded for ``--bloc`` filters)."""
    start, end = scenario.start, scenario.end
    return {
        name: sorted(
            {
                m.country
                for m in members
                if (m.since is None or m.since < end) and (m.until is None or m.until > start)
            }
        )
        for name, members in scenario.blocs.items()
    }


def prepare(
    out: Path, manifest: dict[str, Any], plan: pd.DataFrame, allow_version_change: bool
) -> dict[str, Any]:
    """Check that a folder's manifest describes this batch; the manifest in force (the new
    one if the folder has none: :func:`_create` writes it once the chunks are checked). A
    folder of another supplyshock version or numeric platform is refused unless
    ``allow_version_change``; the manifest then records the version and platform resuming."""
    path = out / "manifest.json"
    if path.exists():
        try:
            old = json.loads(path.read_text())
        except (OSError, ValueError):
            raise BatchError(f"{path} is damaged; use another --out folder") from None
        keys = ("scenario_hash", "seed", "chunk_size", "design", "processes", "membership")
        missing = {"processes": [], "membership": "ever"}  # as written by earlier versions
        changed = [k for k in keys if old.get(k, missing.get(k)) != manifest[k]]
        if changed:
            detail = ", ".join(f"{k}: {old.get(k)!r} -> {manifest[k]!r}" for k in changed)
            raise BatchError(f"{out} holds a different batch ({detail}); use another --out folder")
        if old.get("version") != manifest["version"] and not allow_version_change:
            raise BatchError(
                f"{out} was written by supplyshock {old.get('version')}, this is "
                f"{manifest['version']}; resume with allow_version_change "
                "(--allow-version-change) to mix them, or use another --out folder"
            )
        changes = platform_changes(old.get("platform", {}), manifest["platform"])
        if changes and not allow_version_change:
            raise BatchError(
                f"{out} was computed on another numeric platform ({'; '.join(changes)}), "
                "whose results differ from this one's in the last digits; resume with "
                "allow_version_change (--allow-version-change) to mix them, or use another "
                "--out folder"
            )
        now = {"version": manifest["version"], "platform": manifest["platform"]}
        if old.get("n") != manifest["n"]:
            return _extension(out, old, manifest, plan) | now
        return {**old, **now}
    return manifest


def _extension(
    out: Path, old: dict[str, Any], manifest: dict[str, Any], plan: pd.DataFrame
) -> dict[str, Any]:
    """The manifest of ``old`` extended to ``manifest["n"]`` replications, if it can be: a
    larger n with a design whose first rows do not depend on n (random, sobol)."""
    before, n = int(old["n"]), int(manifest["n"])
    if n < before:
        raise BatchError(
            f"{out} holds a batch of {before} replications; n={n} is smaller (a batch is never "
            f"shrunk): rerun with n={before} to resume, or use another --out folder"
        )
    if not extendable(str(old.get("design"))):
        raise BatchError(
            f"{out} holds a batch of {before} replications with design {old.get('design')!r}, "
            "whose rows depend on n; only random and sobol designs can be extended: use "
            "another --out folder"
        )
    try:
        stored = pd.read_parquet(out / "design.parquet")
    except (OSError, ValueError):
        raise BatchError(f"{out / 'design.parquet'} is missing or damaged; cannot extend") from None
    head = plan.iloc[:before]
    if not (stored.columns.equals(head.columns) and np.array_equal(stored.values, head.values)):
        raise BatchError(f"the first {before} design rows differ from {out}'s; cannot extend")
    return {**old, "n": n, "extended_from": [*old.get("extended_from", []), before]}


def create(out: Path, manifest: dict[str, Any], plan: pd.DataFrame) -> None:
    """Write a new batch's design and manifest (after its folder was found clean)."""
    try:
        (out / "chunks").mkdir(parents=True, exist_ok=True)
        plan.to_parquet(out / "design.parquet")
        _write_manifest(out / "manifest.json", manifest)
    except OSError as exc:
        raise BatchError(f"cannot write to {out}: {exc.strerror or exc}") from None


def record(out: Path, manifest: dict[str, Any]) -> None:
    """Rewrite the manifest of a batch resumed by another version or on another platform."""
    try:
        _write_manifest(out / "manifest.json", manifest)
    except OSError as exc:
        raise BatchError(f"cannot write to {out}: {exc.strerror or exc}") from None


def _write_manifest(path: Path, manifest: dict[str, Any]) -> None:
    """Write the manifest atomically (a crash leaves the old one or the new one)."""
    partial = path.with_name(f"manifest.{os.getpid()}.partial")
    partial.write_text(json.dumps(manifest, indent=2) + "\n")
    os.replace(partial, path)
