"""The cheapest portfolio of levers that meets chance constraints across sampled futures.

The problem: choose lever values ``v`` in their bounds to minimise the present value
``cost(v)`` (:mod:`supplyshock.analysis.costs`) subject to ``P(metric_j(v) <= x_j) >= p_j``
for every chance constraint ``j``. The probability is estimated on ``N`` futures shared by
every candidate (:class:`~supplyshock.analysis.futures.Futures`, common random numbers): the
sample-average approximation of the problem. Two search methods:

- ``bisect`` (default): assumes every lever is *monotone*, i.e. more of it never makes a
  constrained metric worse in any future (a larger reserve, more capacity, more thrifting).
  Then, for fixed values of the other levers, the feasible values of the last lever form an
  interval ``[v*, high]``, and bisection finds ``v*`` to within ``resolution`` in about
  ``log2((high - low) / resolution)`` rounds. The other levers take ``grid_points`` values
  each, and the bisections of all their combinations advance together, so each round is one
  batch of candidates spread over the workers. With costs increasing in every lever, the
  cheapest feasible portfolio is among these boundary points (up to the grid). With several
  levers, a coordinate descent then polishes the cheapest one: each lever in turn is lowered
  by bisection to its smallest feasible value with the others fixed, until a pass saves
  nothing, which frees the levers from their grid.
- ``grid``: every combination of ``grid_points`` values per lever, in one batch; needs no
  monotonicity, and suits two or three levers.

Every evaluated candidate enters the Pareto front of cost against risk (the largest share of
futures in which a constraint fails); ``front_points`` extra values of the last lever at the
best combination fill in the front. The best portfolio is finally run on ``recheck_futures``
fresh futures, and each constraint's share there is reported with its binomial standard
error and Wilson interval (:class:`~supplyshock.analysis.chance.Recheck`).
"""

from __future__ import annotations

import itertools
import os
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from typing import Literal

import numpy as np

from supplyshock.analysis.chance import Candidate, Recheck, RobustResult, met_shares
from supplyshock.analysis.costs import annuity_factor, cost_years
from supplyshock.analysis.evaluate import Evaluator, portfolio_key
from supplyshock.analysis.futures import Futures, check_constraints
from supplyshock.batch.memory import start_worker
from supplyshock.batch.sampling import Method
from supplyshock.errors import Problem, ScenarioError, did_you_mean
from supplyshock.metrics import Membership
from supplyshock.scenario.io import load_scenario
from supplyshock.scenario.levers import ChanceConstraint, Lever, Portfolio
from supplyshock.scenario.schema import Scenario

__all__ = ["SearchMethod", "recheck_seed", "robust_search"]

SearchMethod = Literal["bisect", "grid"]
Progress = Callable[[str, int, int], None]
"""``progress(stage, done, total)``: runs done of the current stage."""


def recheck_seed(seed: int) -> int:
    """The seed of the fresh futures of a re-check, independent of the search's ``seed``."""
    return int(np.random.SeedSequence([seed, 0xF2E5]).generate_state(1, np.uint64)[0] >> 1)


def _select(
    scenario: Scenario, levers: Sequence[str] | Mapping[str, Lever] | None
) -> dict[str, Lever]:
    """The levers searched: all of the scenario's, some of them by name, or given ones."""
    if levers is None:
        chosen = dict(scenario.levers)
    elif isinstance(levers, Mapping):
        chosen = dict(levers)
    else:
        unknown = [name for name in levers if name not in scenario.levers]
        if unknown:
            raise ScenarioError(
                Problem(
                    scenario.origin_file,
                    "levers",
                    name,
                    "no such lever" + did_you_mean(name, set(scenario.levers)),
                )
                for name in unknown
            )
        chosen = {name: scenario.levers[name] for name in levers}
    if not chosen:
        raise ScenarioError.single(scenario.origin_file, "levers", {}, "no levers to search")
    return chosen


def _checked(
    scn: Scenario,
    levers: Sequence[str] | Mapping[str, Lever] | None,
    constraints: Sequence[ChanceConstraint] | None,
) -> Scenario:
    """``scn`` with the levers searched and the constraints to meet, checked: one
    :class:`ScenarioError` lists every problem of the levers and of the constraints."""
    problems: list[Problem] = []
    try:
        chosen = _select(scn, levers)
    except ScenarioError as exc:
        problems += exc.problems
        chosen = dict(scn.levers)
    wanted = list(constraints) if constraints is not None else list(scn.decision.constraints)
    if not wanted:
        problems.append(
            Problem(scn.origin_file, "decision.constraints", [], "no chance constraints to meet")
        )
    decision = scn.decision.model_copy(update={"constraints": wanted})
    scn = scn.model_copy(update={"levers": chosen, "decision": decision})
    for check in (scn.checked, lambda: check_constraints(scn, wanted)):
        try:
            check()
        except ScenarioError as exc:
            problems += [p for p in exc.problems if p not in problems]
    if problems:
        raise ScenarioError(problems)
    return scn


class _Search:
    """Costs, evaluation and bookkeeping shared by the search methods."""

    def __init__(
        self,
        scenario: Scenario,
        constraints: list[ChanceConstraint],
        evaluator: Evaluator,
        progress: Progress | None,
        margin: float = 0.0,
    ) -> None:
        self.scenario, self.constraints, self.evaluator = scenario, constraints, evaluator
        self.levers = scenario.levers
        self.rate, self.years = scenario.decision.discount_rate, cost_years(scenario)
        self.p = np.array([c.probability for c in constraints])
        self.required = np.minimum(self.p + margin, 1.0)
        self.seen: dict[tuple[float, ...], Candidate] = {}
        self.progress = progress
        self.rounds = 0

    def key(self, portfolio: Portfolio) -> tuple[float, ...]:
        return tuple(round(float(portfolio[name]), 12) for name in self.levers)

    def evaluate(self, portfolios: Sequence[Portfolio]) -> list[Candidate]:
        fresh = [p for p in portfolios if self.key(p) not in self.seen]
        if fresh:
            self.rounds += 1
            stage = f"round {self.rounds}: {len(fresh)} candidate(s)"
            if self.progress is not None:
                progress = self.progress
                self.evaluator.progress = lambda done, total: progress(stage, done, total)
            for p, values in zip(fresh, self.evaluator.evaluate(fresh), strict=True):
                met = met_shares(values, self.constraints)
                annuity = annuity_factor(self.rate, self.years)
                parts = {name: self.levers[name].cost(v, annuity) for name, v in p.items()}
                feasible = bool(np.all(met >= self.required - 1e-12))
                complete = portfolio_key(p) not in self.evaluator.stopped
                cost = sum(parts.values())
                candidate = Candidate(dict(p), cost, met, feasible, parts, complete)
                self.seen[self.key(p)] = candidate
        return [self.seen[self.key(p)] for p in portfolios]


def _levels(lever: Lever, points: int) -> list[float]:
    low, high = lever.bounds
    return [float(v) for v in np.linspace(low, high, max(points, 1) if high > low else 1)]


def _grid(search: _Search, points: int) -> None:
    names = list(search.levers)
    combos = itertools.product(*(_levels(search.levers[n], points) for n in names))
    search.evaluate([dict(zip(names, combo, strict=True)) for combo in combos])


def _bisect(search: _Search, points: int, resolution: Mapping[str, float]) -> None:
    names = list(search.levers)
    inner, outer = names[-1], names[:-1]
    low, high = search.levers[inner].bounds
    tol = resolution.get(inner, (high - low) / 64 if high > low else 1.0)
    combos = [
        dict(zip(outer, combo, strict=True))
        for combo in itertools.product(*(_levels(search.levers[n], points) for n in outer))
    ]
    ends = [{**c, inner: v} for c in combos for v in (high, low)]
    found = search.evaluate(ends)
    active: list[tuple[dict[str, float], float, float]] = []
    for i, combo in enumerate(combos):
        at_high, at_low = found[2 * i], found[2 * i + 1]
        if at_high.feasible and not at_low.feasible:
            active.append((combo, low, high))
    while active:
        middles = [{**c, inner: (lo + hi) / 2} for c, lo, hi in active]
        results = search.evaluate(middles)
        following = []
        for (combo, lo, hi), result in zip(active, results, strict=True):
            mid = (lo + hi) / 2
            lo, hi = (lo, mid) if result.feasible else (mid, hi)
            if hi - lo > tol:
                following.append((combo, lo, hi))
        active = following


def _lowest(
    search: _Search, base: dict[str, float], name: str, tol: float
) -> dict[str, float] | None:
    """The portfolio ``base`` with lever ``name`` lowered to its smallest feasible value
    (to within ``tol``), the others fixed; None if ``base`` itself is not feasible."""
    low = search.levers[name].low
    hi = base[name]
    if not search.evaluate([base])[0].feasible:
        return None
    if search.evaluate([{**base, name: low}])[0].feasible:
        return {**base, name: low}
    lo = low
    while hi - lo > tol:
        mid = (lo + hi) / 2
        lo, hi = (lo, mid) if search.evaluate([{**base, name: mid}])[0].feasible else (mid, hi)
    return {**base, name: hi}


def _polish(search: _Search, resolution: Mapping[str, float], passes: int = 3) -> None:
    """Coordinate descent from the cheapest feasible portfolio: lower each lever in turn to
    its smallest feasible value with the others fixed, until a pass saves nothing. The
    boundary search fixes all but the last lever to a grid; this frees them from it."""
    for _ in range(passes):
        best = _cheapest(list(search.seen.values()))
        if best is None:
            return
        current, start = dict(best.portfolio), best.cost
        for name, lever in search.levers.items():
            low, high = lever.bounds
            tol = resolution.get(name, (high - low) / 64 if high > low else 1.0)
            lowered = _lowest(search, current, name, tol)
            if lowered is not None:
                current = lowered
        after = _cheapest(list(search.seen.values()))
        if after is None or after.cost >= start * (1 - 1e-12):
            return


def _fill_front(search: _Search, best: Candidate | None, points: int) -> None:
    """``points`` evenly spaced values of the last lever at the best (or the highest)
    combination of the others, to fill in the Pareto front."""
    if points <= 0:
        return
    names = list(search.levers)
    inner = names[-1]
    base = best.portfolio if best is not None else {n: search.levers[n].high for n in names}
    low, high = search.levers[inner].bounds
    values = np.linspace(low, high, points + 2)[1:-1]
    search.evaluate([{**base, inner: float(v)} for v in values])


def _cheapest(candidates: Sequence[Candidate]) -> Candidate | None:
    feasible = [c for c in candidates if c.feasible]
    return min(feasible, key=lambda c: (c.cost, c.risk)) if feasible else None


def robust_search(
    scenario: Scenario | str | Path,
    constraints: Sequence[ChanceConstraint] | None = None,
    *,
    levers: Sequence[str] | Mapping[str, Lever] | None = None,
    futures: int = 100,
    seed: int = 0,
    method: SearchMethod = "bisect",
    grid_points: int = 5,
    resolution: Mapping[str, float] | None = None,
    front_points: int = 4,
    recheck_futures: int | None = None,
    design_method: Method = "random",
    executor: Executor | None = None,
    workers: int | None = None,
    chunk_size: int = 10,
    out: str | Path | None = None,
    progress: Progress | None = None,
    membership: Membership = "dated",
    via: Literal["tasks", "batch"] = "tasks",
    early_stop: bool = False,
    margin: float = 0.0,
    share_runs: bool = True,
) -> RobustResult:
    """The cheapest portfolio meeting every chance constraint in ``futures`` shared futures.

    ``constraints`` default to the scenario's ``decision.constraints``; ``levers`` to all of
    its levers (names pick some, a mapping gives levers in place of the scenario's). The
    methods and the re-check are described in the module docstring; ``resolution`` is the
    bisection's tolerance per lever (default: its range / 64), ``recheck_futures`` the
    number of fresh futures (default ``futures``; 0: no re-check), drawn with
    :func:`recheck_seed`. Evaluations run on ``executor`` (or ``workers`` processes; 1: in
    this process); with ``out`` every evaluated candidate is stored there and a rerun reuses
    it (:class:`~supplyshock.analysis.evaluate.Evaluator`, also for ``via``). With
    ``early_stop`` a candidate stops running futures as soon as its feasibility is settled
    whatever the remaining futures give (more than ``N - ceil(pN)`` failures, or ``ceil(pN)``
    successes of every constraint): the same decisions with fewer runs, but the risk of a
    stopped candidate is an upper bound (futures not run count as failures). ``margin``
    asks for ``p + margin`` in the search's futures, so that the chosen portfolio's true
    probability is at least ``p`` more often than not (about ``sqrt(p (1 - p) / futures)``
    makes it likely). With ``share_runs`` (default), candidates that differ only in reserve
    sizes and are covered by a run with smaller reserves that never emptied the larger ones
    take its values (exactly those a run of their own gives; docs/model.md, "Candidates that
    share a run"); ``share_runs=False`` runs every candidate, to time or check that.

    >>> import supplyshock as ss  # doctest: +SKIP
    >>> found = robust_search("my_scenario.yaml", futures=50, workers=2)  # doctest: +SKIP
    >>> found.best.portfolio, found.recheck.interval  # doctest: +SKIP
    """
    started = time.perf_counter()
    scn = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    scn = _checked(scn, levers, constraints)
    wanted = scn.decision.constraints
    if futures <= 0:
        raise ValueError(f"futures must be positive, got {futures}")
    if not 0 <= margin < 1:
        raise ValueError(f"margin must be at least 0 and below 1, got {margin}")
    if method not in ("bisect", "grid"):
        raise ValueError(f"unknown method {method!r}; use bisect or grid")
    shared = Futures.sample(scn, futures, seed, design_method)
    with ExitStack() as stack:
        pool = executor
        if pool is None and workers != 1:  # one pool for the search and the re-check
            pool = stack.enter_context(
                ProcessPoolExecutor(workers, initializer=start_worker, initargs=(os.getpid(),))
            )

        searched = [  # early stopping decides at the probability the search asks for
            c.model_copy(update={"probability": min(c.probability + margin, 1.0)}) for c in wanted
        ]

        def evaluator_of(drawn: Futures, folder: str | Path | None, stop: bool) -> Evaluator:
            return Evaluator(
                scn,
                searched if stop else wanted,
                drawn,
                executor=pool,
                workers=workers,
                chunk_size=chunk_size,
                out=folder,
                membership=membership,
                via=via,
                early_stop=stop,
                share_runs=share_runs,
            )

        with evaluator_of(shared, out, early_stop) as evaluator:
            search = _Search(scn, wanted, evaluator, progress, margin)
            if method == "grid":
                _grid(search, grid_points)
            else:
                _bisect(search, grid_points, resolution or {})
                if len(search.levers) > 1:
                    _polish(search, resolution or {})
            _fill_front(search, _cheapest(list(search.seen.values())), front_points)
            runs, simulated = evaluator.runs, evaluator.simulated
        best = _cheapest(list(search.seen.values()))
        n_fresh = futures if recheck_futures is None else recheck_futures
        recheck = None
        if best is not None and n_fresh > 0:
            fresh = Futures.sample(scn, n_fresh, recheck_seed(seed), design_method)
            folder = None if out is None else Path(out) / "recheck"
            with evaluator_of(fresh, folder, False) as evaluator:
                if progress is not None:
                    evaluator.progress = lambda done, total: progress("re-check", done, total)
                values = evaluator.evaluate([best.portfolio])[0]
                runs += evaluator.runs
                simulated += evaluator.simulated
            successes = np.round(met_shares(values, wanted) * n_fresh).astype(np.int64)
            recheck = Recheck(n_fresh, fresh.seed, successes, search.p)
    candidates = list(search.seen.values())
    return RobustResult(
        levers=dict(scn.levers),
        constraints=wanted,
        candidates=candidates,
        best=best,
        recheck=recheck,
        method=method,
        futures=futures,
        runs=runs,
        simulated=simulated,
        seconds=time.perf_counter() - started,
    )
