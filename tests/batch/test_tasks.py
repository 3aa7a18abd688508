"""Tasks sent to workers: consecutive replications of one chunk, short enough to balance."""

from __future__ import annotations

from supplyshock.batch.chunks import TASK_RUNS, tasks


def test_tasks_cover_every_replication_once_in_chunk_order() -> None:
    chunks = [list(range(0, 25)), list(range(25, 50)), [50, 51, 52]]
    groups = tasks(chunks, n_workers=2)
    assert [i for g in groups for i in g] == list(range(53))
    assert all(1 <= len(g) <= TASK_RUNS for g in groups)
    owner = {i: k for k, c in enumerate(chunks) for i in c}
    assert all(len({owner[i] for i in g}) == 1 for g in groups)  # never across chunks


def test_small_batches_keep_four_tasks_per_worker() -> None:
    groups = tasks([list(range(10))], n_workers=2)
    assert len(groups) >= min(10, 4 * 2)
    assert tasks([[0]], n_workers=8) == [(0,)]
