"""Results are bit-identical on one numeric platform; across platforms they differ in the last
digits, so batches and searches record the platform and never mix platforms silently.

A machine whose CPU lacks the vector instructions numpy uses here is stood in for by worker
processes started with ``NPY_DISABLE_CPU_FEATURES``, which makes numpy dispatch to its
baseline code as it would on such a CPU.
"""

from __future__ import annotations

import json
import multiprocessing
import warnings
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import supplyshock as ss
from supplyshock.analysis.evaluate import EvaluationError
from supplyshock.analysis.robust import robust_search
from supplyshock.batch import BatchError, run_batch
from supplyshock.batch.chunks import path_of, read_identity
from supplyshock.errors import SupplyshockWarning
from supplyshock.numerics import numeric_platform, platform_changes
from tests.analysis.test_robust import ban_world
from tests.batch.test_batch import uncertain_scenario

HERE = numeric_platform()
DISPATCHED = HERE["numpy_simd"] not in ("baseline only", "unknown")
"""Whether numpy uses vector code beyond its baseline on this machine."""


def _baseline_workers(monkeypatch: pytest.MonkeyPatch) -> ProcessPoolExecutor:
    """Two worker processes whose numpy uses its baseline code only (started afresh, so the
    variable applies when they import numpy)."""
    monkeypatch.setenv("NPY_DISABLE_CPU_FEATURES", HERE["numpy_simd"])
    return ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn"))


def test_the_platform_names_what_can_change_the_last_digits() -> None:
    assert set(HERE) == {"machine", "numpy", "numpy_simd", "scipy", "numba", "libc"}
    assert HERE["numpy"] == np.__version__
    assert platform_changes(HERE, {**HERE, "numba": "0.1"}) == [f"numba {HERE['numba']} -> 0.1"]
    assert platform_changes(HERE, dict(HERE)) == []
    result = ss.run(uncertain_scenario(), seed=1)
    assert result.provenance["platform"] == HERE


def test_a_batch_of_another_platform_is_not_resumed_unless_asked(tmp_path: Path) -> None:
    kw = {"n": 4, "seed": 7, "workers": 1, "chunk_size": 2}
    run_batch(uncertain_scenario(), out=tmp_path, **kw)  # type: ignore[arg-type]
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["platform"] == HERE
    assert read_identity(path_of(tmp_path, "metrics", 0))["platform"] == HERE  # type: ignore[index]
    manifest["platform"] = {**HERE, "numpy_simd": "NEON"}
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(BatchError, match=r"numeric platform \(numpy_simd NEON -> "):
        run_batch(uncertain_scenario(), out=tmp_path, **kw)  # type: ignore[arg-type]
    batch = run_batch(uncertain_scenario(), out=tmp_path, allow_version_change=True, **kw)  # type: ignore[arg-type]
    assert batch.n_done == 4
    assert json.loads((tmp_path / "manifest.json").read_text())["platform"] == HERE


def test_a_folder_without_a_platform_resumes(tmp_path: Path) -> None:
    """Folders written before the platform was recorded are taken as this platform's."""
    from supplyshock.batch.manifest import prepare

    plan = pd.DataFrame(index=range(4))
    fresh = {"scenario_hash": "h", "seed": 1, "chunk_size": 2, "design": "random",
             "processes": [], "membership": "dated", "n": 4, "version": "1",
             "platform": HERE}  # fmt: skip
    old = {k: v for k, v in fresh.items() if k != "platform"}
    (tmp_path / "manifest.json").write_text(json.dumps(old))
    assert prepare(tmp_path, fresh, plan, allow_version_change=False)["platform"] == HERE


@pytest.mark.skipif(not DISPATCHED, reason="numpy uses only its baseline code on this machine")
def test_workers_of_another_platform_are_reported_and_agree_to_the_last_digits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A batch whose workers run on another platform warns, each chunk records the platform
    that ran it, and each metric agrees with this machine's within 1e-9 of its largest value
    (or of 1 where all its values are smaller: round-off residues near zero), the bound
    docs/guarantees.md states."""
    scenario = ss.load_scenario("october_2025_suspended")
    kw = {"n": 2, "seed": 3, "chunk_size": 1}
    here = run_batch(scenario, out=tmp_path / "here", workers=1, **kw)  # type: ignore[arg-type]
    with (
        _baseline_workers(monkeypatch) as pool,
        pytest.warns(SupplyshockWarning, match=r"2 part\(s\).*numpy_simd"),
    ):
        there = run_batch(scenario, out=tmp_path / "there", executor=pool, **kw)  # type: ignore[arg-type]
    recorded = read_identity(path_of(tmp_path / "there", "metrics", 1))
    assert recorded is not None and recorded["platform"]["numpy_simd"] == "baseline only"
    a, b = here.metrics(), there.metrics()
    numbers = a.select_dtypes("number").columns
    pd.testing.assert_frame_equal(a.drop(columns=numbers), b.drop(columns=numbers))
    for column in numbers:
        x, y = a[column].to_numpy(float), b[column].to_numpy(float)
        assert np.array_equal(np.isnan(x), np.isnan(y)), column
        scale = max(np.nanmax(np.abs(x), initial=0.0), 1.0)  # round-off residues near 0
        assert np.nanmax(np.abs(x - y), initial=0.0) <= 1e-9 * scale, column


@pytest.mark.skipif(not DISPATCHED, reason="numpy uses only its baseline code on this machine")
def test_a_search_of_another_platform_is_refused_and_mixed_workers_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kw = {"futures": 4, "seed": 4, "resolution": {"reserve": 400.0}, "front_points": 0,
          "recheck_futures": 0, "out": tmp_path}  # fmt: skip
    robust_search(ban_world(), workers=1, **kw)  # type: ignore[arg-type]
    stored = json.loads((tmp_path / "search.json").read_text())
    assert stored["platform"] == HERE
    stored["platform"] = {**HERE, "numpy": "1.0"}
    (tmp_path / "search.json").write_text(json.dumps(stored))
    with pytest.raises(EvaluationError, match=rf"numeric platform: numpy 1\.0 -> {HERE['numpy']}"):
        robust_search(ban_world(), workers=1, **kw)  # type: ignore[arg-type]
    del stored["platform"]  # as written before the platform was recorded: taken as this one
    (tmp_path / "search.json").write_text(json.dumps(stored))
    assert robust_search(ban_world(), workers=1, **kw).runs == 0  # type: ignore[arg-type]
    assert json.loads((tmp_path / "search.json").read_text())["platform"] == HERE
    with _baseline_workers(monkeypatch) as pool, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        robust_search(ban_world(), executor=pool, **{**kw, "out": None})  # type: ignore[arg-type]
    said = [str(w.message) for w in caught if issubclass(w.category, SupplyshockWarning)]
    assert any("of the search" in s and "numpy_simd" in s for s in said), said
