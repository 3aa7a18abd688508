"""Evaluate candidate portfolios on shared futures, on any executor, resumably.

:class:`Evaluator` applies each portfolio to the scenario (checked once per candidate), then
runs the candidate in every future and keeps the constrained metrics only
(:func:`~supplyshock.analysis.futures.run_candidates`). Two ways to run:

- ``via="tasks"`` (default, light): the futures of all candidates asked for at once are split
  in tasks of ``chunk_size`` futures and spread over the executor together, so workers stay
  busy across candidates (first chunks of all candidates first, so that with ``early_stop`` a
  candidate decided by its first futures leaves its later tasks unrun). A task runs one
  candidate, or up to :data:`SHARED_TASK_CANDIDATES` when every lever sizes a strategic
  reserve: it then compiles each future once for all of them
  (:mod:`supplyshock.model.variants`), which saves about a tenth of a run, and when nothing
  but the release cap reads those reserves' levels, a candidate whose reserves are all at least
  those of one already run in a future (in its task, or in a task that finished before it was
  sent), which never emptied the larger ones, takes that run's values instead of running
  (:mod:`supplyshock.analysis.slack`). Each task's values
  are stored in ``out`` as it lands and each candidate's ``[future, constraint]`` values when
  it is done (:mod:`~supplyshock.analysis.store`), and a rerun with the same ``out`` reuses
  them, also after bounds, costs or thresholds changed (the values depend only on the
  scenario without its levers, the futures and what each constraint measures; a folder
  holding values of anything else is refused).
- ``via="batch"``: each candidate is a :func:`~supplyshock.batch.run_batch` under
  ``out/batches/`` (every metric of every group stored as Parquet, resumable chunk by chunk),
  for when the full batch of a candidate is wanted; windowed constraints are not available.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Sequence
from concurrent.futures import (
    FIRST_COMPLETED,
    Executor,
    Future,
    ProcessPoolExecutor,
    wait,
)
from functools import partial
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

import numpy as np

from supplyshock.analysis.chance import decided
from supplyshock.analysis.futures import Futures, TaskValues, check_constraints, run_candidates
from supplyshock.analysis.slack import Made, levels_unread, levered_reserves
from supplyshock.analysis.store import CandidateStore, EvaluationError
from supplyshock.batch.memory import start_worker
from supplyshock.errors import ScenarioError
from supplyshock.metrics import Membership, check_membership
from supplyshock.model.variants import sizes_reserves_only
from supplyshock.numerics import numeric_platform, stamped, warn_other_platforms
from supplyshock.scenario.checks import check
from supplyshock.scenario.levers import ChanceConstraint, Decision, Portfolio, apply_portfolio
from supplyshock.scenario.schema import Scenario

__all__ = ["EvaluationError", "Evaluator", "portfolio_key"]


Task = tuple[
    list[Scenario],
    int,
    list[int],
    list[dict[str, float]],
    list[ChanceConstraint],
    Membership,
    bool,
    bool,
    list[list[Made]] | None,
    np.ndarray | None,
]
"""The arguments of one :func:`~supplyshock.analysis.futures.run_candidates` task."""

SHARED_TASK_CANDIDATES = 8
"""Candidates a task runs together when they differ only in reserve sizes (each future is
compiled once for them, :mod:`supplyshock.model.variants`); otherwise a task runs one."""


def portfolio_key(portfolio: Portfolio) -> str:
    """A short stable name of a portfolio (its sorted values, hashed)."""
    text = json.dumps({k: float(v) for k, v in sorted(portfolio.items())}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


class Evaluator:
    """Metric values of candidate portfolios in shared futures; see the module docstring.

    Use as a context manager (or call :meth:`close`): an own process pool lives as long as
    the evaluator, so workers load the compiled kernels once for the whole search.
    ``progress(done, total)`` counts candidate-future pairs of the current :meth:`evaluate`
    call; ``share_runs=False`` runs every candidate even where a run covers it.
    """

    def __init__(
        self,
        scenario: Scenario,
        constraints: Sequence[ChanceConstraint],
        futures: Futures,
        *,
        executor: Executor | None = None,
        workers: int | None = None,
        chunk_size: int = 10,
        out: str | Path | None = None,
        progress: Callable[[int, int], None] | None = None,
        membership: Membership = "dated",
        via: Literal["tasks", "batch"] = "tasks",
        early_stop: bool = False,
        share_runs: bool = True,
    ) -> None:
        if chunk_size <= 0:
            raise EvaluationError(f"chunk_size must be positive, got {chunk_size}")
        if via not in ("tasks", "batch"):
            raise EvaluationError(f"via must be 'tasks' or 'batch', got {via!r}")
        check_constraints(scenario, constraints)
        if via == "batch" and any(c.start or c.end for c in constraints):
            raise EvaluationError("via='batch' stores whole-horizon metrics: drop the windows")
        self.scenario, self.constraints, self.futures = scenario, list(constraints), futures
        self.membership = check_membership(membership)
        self.executor, self.workers, self.chunk_size = executor, workers, chunk_size
        self.progress, self.via, self.early_stop = progress, via, early_stop
        self.stopped: set[str] = set()
        """Candidates stopped once decided (``early_stop``): their unrun futures are NaN."""
        self.out = Path(out) if out is not None else None
        self.share_compile = sizes_reserves_only(scenario, scenario.levers)
        """Whether candidates differ only in reserve sizes, so that a task runs several of
        them and compiles each future once for them."""
        self.share_runs = (
            share_runs and self.share_compile and levels_unread(scenario, self.constraints)
        )
        """Whether, moreover, a candidate whose reserves are all at least those of a run
        that never emptied the larger ones takes that run's values
        (:mod:`supplyshock.analysis.slack`)."""
        self.runs = 0
        """Candidate-future pairs evaluated so far (stored candidates are not evaluated
        again)."""
        self.simulated = 0
        """Runs made for them: ``runs`` less the pairs that took the values of a run that
        covers them."""
        self._pool: Executor | None = None
        self._memo: dict[str, np.ndarray] = {}
        self._made: dict[int, list[Made]] = {}  # future -> runs that may cover candidates
        self._levered = levered_reserves(scenario) if self.share_runs else None
        # the identity hashes the scenario: only a folder to claim needs it
        self._store = CandidateStore(self.out, self._identity() if self.out is not None else {})

    def _identity(self) -> dict[str, Any]:
        """What the stored values depend on: the scenario without its levers and decision
        (so bounds, costs and thresholds may change between reruns), the futures, what each
        constraint measures, the bloc accounting and the numeric platform."""
        bare = self.scenario.model_copy(update={"levers": {}, "decision": Decision()})
        measured = ("region", "commodity", "metric", "start", "end")
        return {
            "scenario_hash": bare.content_hash(),
            "futures": self.futures.signature(),
            "constraints": [
                c.model_dump(mode="json", include=set(measured)) for c in self.constraints
            ],
            "membership": self.membership,
            "platform": numeric_platform(),
        }

    def _thresholds(self) -> list[list[float]]:
        return [[c.at_most, c.probability] for c in self.constraints]

    def __enter__(self) -> Evaluator:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Shut down the evaluator's own process pool (not a given executor)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def candidate(self, portfolio: Portfolio) -> Scenario:
        """The scenario of ``portfolio``, cross-checked (a :class:`ScenarioError` if not valid)."""
        applied = apply_portfolio(self.scenario, portfolio)
        problems = check(applied)
        if problems:
            raise ScenarioError(problems)
        return applied

    def evaluate(self, portfolios: Sequence[Portfolio]) -> list[np.ndarray]:
        """``[future, constraint]`` values of each portfolio (stored ones are read back)."""
        keys = [portfolio_key(p) for p in portfolios]
        todo: dict[str, Portfolio] = {}
        for key, portfolio in zip(keys, portfolios, strict=True):
            if key not in self._memo and not self._load(key) and key not in todo:
                todo[key] = portfolio
        if todo:
            scenarios = {key: self.candidate(p) for key, p in todo.items()}
            if self.via == "batch":
                self._batches(scenarios)
                for key, portfolio in todo.items():
                    self._keep(key, portfolio)
            else:
                self._tasks(scenarios, todo)
        return [self._memo[key] for key in keys]

    def _load(self, key: str) -> bool:
        found = self._store.load(key, (self.futures.n, len(self.constraints)))
        if found is None:
            return False
        values, record = found
        if not record.get("complete", True):
            if not self.early_stop or record.get("thresholds") != self._thresholds():
                return False  # stopped under other terms: run it again
            self.stopped.add(key)
        self._memo[key] = values
        return True

    def _keep(self, key: str, portfolio: Portfolio) -> None:
        """Store a done candidate (with whether every future was run)."""
        record = {"complete": key not in self.stopped, "thresholds": self._thresholds()}
        self._store.store(key, portfolio, self._memo[key], record)

    def _pool_for_tasks(self) -> Executor | None:
        if self.executor is not None:
            return self.executor
        if self.workers == 1:
            return None
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=self.workers, initializer=start_worker, initargs=(os.getpid(),)
            )
        return self._pool

    def _tasks(self, scenarios: dict[str, Scenario], portfolios: dict[str, Portfolio]) -> None:
        rows, seed, n = self.futures.rows(), self.futures.seed, self.futures.n
        chunks = [list(range(s, min(s + self.chunk_size, n))) for s in range(0, n, self.chunk_size)]
        width = len(self.constraints)
        parts = {key: self._store.chunks(key, chunks, width) for key in scenarios}
        total = len(scenarios) * n
        done = sum(len(chunks[c]) for found in parts.values() for c in found)

        def task(keys: list[str], c: int) -> Task:
            reps = chunks[c]
            overrides = [rows[i] for i in reps]
            share = self.share_runs
            shared = self.share_compile and (len(keys) > 1 or share)
            runs = [scenarios[key] for key in keys]
            known = [self._made.get(i, []) for i in reps] if share else None
            args = (self.constraints, self.membership, shared, share, known, self._levered)
            return (runs, seed, reps, overrides, *args)

        def settle(key: str) -> None:
            """Done or, with ``early_stop``, decided: keep its values."""
            nonlocal done
            if len(parts[key]) == len(chunks):
                self._memo[key] = np.concatenate([parts[key][i] for i in range(len(chunks))])
            elif self.early_stop and self._settled(parts[key]):
                self._memo[key] = self._partial(parts[key], chunks)
                self.stopped.add(key)
                done += n - sum(len(chunks[i]) for i in parts[key])
            else:
                return
            self._keep(key, portfolios[key])

        def finish(keys: list[str], c: int, task: TaskValues) -> None:
            """Keep a task's values of the candidates still open (``values[candidate]``)."""
            nonlocal done
            self.simulated += task.simulated
            for i, fresh in zip(chunks[c], task.made, strict=True):
                self._made.setdefault(i, []).extend(fresh)
            for key, part in zip(keys, task.values, strict=True):
                self.runs += len(chunks[c])
                if key in self._memo:  # stopped early: run, but not needed
                    continue
                parts[key][c] = part
                done += len(chunks[c])
                self._store.store_chunk(key, chunks[c], part)
                settle(key)
            if self.progress is not None:
                self.progress(done, total)

        for key in scenarios:  # with every chunk, or decided by them, from an earlier run
            if parts[key]:
                settle(key)
        if self.progress is not None:
            self.progress(done, total)
        # Chunk 0 of every candidate first, then chunk 1, ...: a candidate settled by its first
        # chunks has its later ones still waiting, and they are never run. Candidates that
        # differ only in reserve sizes go several to a task: up to SHARED_TASK_CANDIDATES, and
        # a chunk's candidates over at least as many tasks as the pool runs at a time (four
        # times as many with early_stop, so that most of a chunk is done before the next
        # one starts).
        serial = self.executor is None and self.workers == 1
        spread = 1 if serial else 2 * (self.workers or os.cpu_count() or 1)
        tasks_per_chunk = 4 * spread if self.early_stop else spread
        pending: list[tuple[list[str], int]] = []
        for c in range(len(chunks)):
            keys = [k for k in scenarios if c not in parts[k]]
            size = min(SHARED_TASK_CANDIDATES, -(-len(keys) // tasks_per_chunk))
            size = size if self.share_compile else 1
            pending += [(keys[i : i + size], c) for i in range(0, len(keys), max(size, 1))]
        pool = self._pool_for_tasks()
        if pool is None:
            for keys, c in pending:
                live = [key for key in keys if key not in self._memo]
                if live:
                    finish(live, c, run_candidates(*task(live, c)))
            return
        # A pool of known size (an own pool, or the caller's with ``workers`` given) gets a few
        # tasks per worker at a time, so later tasks carry the runs of earlier ones; an
        # executor of unknown size (a cluster) gets them all, and waiting ones are cancelled
        # instead.
        known_size = self._pool is pool or self.workers is not None
        limit = spread if known_size else len(pending)
        queue = iter(pending)
        futures: dict[Future[tuple[TaskValues, dict[str, str]]], tuple[list[str], int]] = {}
        ran_on: dict[str, dict[str, str]] = {}  # task -> platform of the worker that ran it

        def submit() -> None:
            for keys, c in queue:
                live = [key for key in keys if key not in self._memo]
                if live:
                    job = pool.submit(partial(stamped, run_candidates), *task(live, c))
                    futures[job] = (live, c)
                    if len(futures) >= limit:
                        return

        try:
            submit()
            while futures:
                finished, _ = wait(list(futures), return_when=FIRST_COMPLETED)
                for future in finished:
                    keys, c = futures.pop(future)
                    if future.cancelled():
                        continue
                    landed, ran_on[f"{'+'.join(keys)}.{c}"] = future.result()
                    finish(keys, c, landed)
                    for other, (waiting, _) in list(futures.items()):
                        if all(key in self._memo for key in waiting):  # all decided
                            other.cancel()
                submit()
        except BaseException:
            for future in futures:
                future.cancel()
            raise
        warn_other_platforms("the search (candidate.chunk)", numeric_platform(), ran_on)

    def _settled(self, parts: dict[int, np.ndarray]) -> bool:
        values = np.concatenate(list(parts.values()))
        return decided(values, self.futures.n, self.constraints) is not None

    def _partial(self, parts: dict[int, np.ndarray], chunks: list[list[int]]) -> np.ndarray:
        """The values of the futures run, NaN (not met) for the others."""
        values = np.full((self.futures.n, len(self.constraints)), np.nan)
        for c, part in parts.items():
            values[chunks[c]] = part
        return values

    def _batches(self, scenarios: dict[str, Scenario]) -> None:
        from supplyshock.batch.runner import run_batch

        base = self.out if self.out is not None else Path(tempfile.mkdtemp(prefix="optimize-"))
        for key, scenario in scenarios.items():
            batch = run_batch(
                scenario,
                self.futures.n,
                self.futures.seed,
                out=base / "batches" / key,
                executor=self.executor,
                workers=self.workers,
                chunk_size=self.chunk_size,
                plan=self.futures.design,
                progress=self.progress,
                membership=self.membership,
            )
            self.runs += self.futures.n
            self.simulated += self.futures.n
            self._memo[key] = self._from_batch(batch.metrics())

    def _from_batch(self, table: Any) -> np.ndarray:
        values = np.zeros((self.futures.n, len(self.constraints)))
        for j, c in enumerate(self.constraints):
            level = "bloc" if c.region in self.scenario.blocs else "country"
            rows = table[
                (table["level"] == level)
                & (table["region"] == c.region)
                & (table["commodity"] == c.commodity)
            ]
            series = rows.set_index("replication")[c.metric]
            values[:, j] = series.reindex(range(self.futures.n), fill_value=0.0).to_numpy()
        return values
