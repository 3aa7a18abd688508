"""Sampled futures shared by every candidate portfolio, and the constrained metrics of a run.

A :class:`Futures` is ``n`` futures of a scenario: design row ``i`` (its uncertain
parameters) and the random stream ``SeedSequence(seed, spawn_key=(i,))`` for in-run events,
exactly what replication ``i`` of :func:`~supplyshock.batch.run_batch` with the same seed
uses. Every candidate runs on the same futures (common random numbers): because draws are
keyed by entity, a candidate that adds a reserve or a facility still meets the same outages,
delays and escalations, so differences between candidates are due to the candidates.

:func:`measure` reduces a run to the values of the constrained metrics only, one per
:class:`~supplyshock.scenario.levers.ChanceConstraint`, instead of every metric of every group.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pandas as pd

from supplyshock.analysis.slack import Made, confined_reserves, dry_reserves, run_order
from supplyshock.batch.replicate import child_seed
from supplyshock.batch.sampling import Method, design
from supplyshock.errors import Problem, ScenarioError, did_you_mean
from supplyshock.metrics import REGISTRY, Inputs, Membership, metric_table
from supplyshock.metrics.grouping import membership_weights
from supplyshock.model.network import FloatArray
from supplyshock.model.variants import with_reserve_quantities
from supplyshock.results import RunResult
from supplyshock.scenario.levers import ChanceConstraint
from supplyshock.scenario.schema import Scenario
from supplyshock.sim.engine import run
from supplyshock.sim.lazy import GroupSums
from supplyshock.sim.simulation import compile_run

__all__ = [
    "Futures",
    "TaskValues",
    "check_constraints",
    "measure",
    "run_candidates",
    "run_futures",
]


@dataclass(frozen=True)
class Futures:
    """``n`` sampled futures: design rows and the seed of their random streams."""

    seed: int
    design: pd.DataFrame

    @classmethod
    def sample(cls, scenario: Scenario, n: int, seed: int, method: Method = "random") -> Futures:
        """``n`` futures of ``scenario`` (the design :func:`~supplyshock.batch.design` gives)."""
        return cls(seed, design(scenario, n, seed, method))

    @property
    def n(self) -> int:
        return len(self.design)

    def rows(self) -> list[dict[str, float]]:
        """Each future's parameter values, as ``overrides``."""
        return [
            {str(k): float(v) for k, v in row.items()} for row in self.design.to_dict("records")
        ]

    def signature(self) -> str:
        """A digest of the futures (seed and design), to tell stored evaluations apart."""
        digest = int(pd.util.hash_pandas_object(self.design, index=True).sum()) & 0xFFFFFFFFFFFF
        return f"{self.seed}:{self.n}:{digest:x}"


def check_constraints(scenario: Scenario, constraints: Sequence[ChanceConstraint]) -> None:
    """Raise a :class:`ScenarioError` for unknown metrics or windows on metrics that have none."""
    problems = []
    units = {k.id: k.unit for k in scenario.commodities}
    for i, c in enumerate(constraints):
        where = f"decision.constraints[{i}].metric"
        metric = REGISTRY.get(c.metric)
        if metric is None:
            message = "unknown metric" + did_you_mean(c.metric, set(REGISTRY))
            problems.append(Problem(scenario.origin_file, where, c.metric, message))
        elif metric.source != "demand" and (c.start is not None or c.end is not None):
            message = "a window (start, end) applies only to demand metrics"
            problems.append(Problem(scenario.origin_file, where, c.metric, message))
        elif not metric.applies_to(units.get(c.commodity, "")):
            message = f"applies only to commodities in {metric.commodity_unit}"
            problems.append(Problem(scenario.origin_file, where, c.metric, message))
    if problems:
        raise ScenarioError(problems)


def _window(result: RunResult, c: ChanceConstraint) -> slice:
    first = result.dates[0].date()
    lo = 0 if c.start is None else (c.start - first).days
    hi = len(result.dates) if c.end is None else (c.end - first).days
    return slice(max(lo, 0), max(min(hi, len(result.dates)), 0))


class _Picked(Mapping[str, FloatArray]):
    """Each series of ``cells`` summed over the columns ``pick`` with weights ``w`` (``[day,
    column]``) on the days ``at``, as one ``[day, 1]`` column; formed when a metric first
    reads it, so a run's other series are never summed."""

    def __init__(
        self, cells: Mapping[str, FloatArray], pick: list[int], w: FloatArray, at: slice
    ) -> None:
        self._cells, self._pick, self._w, self._at = cells, pick, w, at
        self._formed: dict[str, FloatArray] = {}

    def __getitem__(self, name: str) -> FloatArray:
        if name not in self._formed:
            cells = self._cells
            picked = cells.columns(name, self._pick) if isinstance(cells, GroupSums) else None
            values = (cells[name][:, self._pick] if picked is None else picked) * self._w
            self._formed[name] = values.sum(axis=1, keepdims=True)[self._at]
        return self._formed[name]

    def __contains__(self, name: object) -> bool:
        return name in self._cells

    def __iter__(self) -> Iterator[str]:
        return iter(self._cells)

    def __len__(self) -> int:
        return len(self._cells)


def _demand_value(result: RunResult, c: ChanceConstraint, membership: Membership) -> float:
    """The metric of demand cells of the region and commodity, summed (members weighted by
    day), over the constraint's window; 0 where the region has no demand for the commodity."""
    cells = result.cells
    if c.region in result.blocs:
        weights = membership_weights(result, c.region, membership)
        index = {name: i for i, name in enumerate(result.countries)}
        pick = [j for j, (_, _, k) in enumerate(cells) if k == c.commodity]
        w = weights[[index[cells[j][0]] for j in pick]].T  # [day, cell]
    else:
        pick = [
            j for j, (country, _, k) in enumerate(cells) if (country, k) == (c.region, c.commodity)
        ]
        w = np.ones((len(result.dates), len(pick)))
    series = _Picked(result.cell_series, pick, w, _window(result, c))
    if not pick or series["demand"].sum() <= 0:
        return 0.0
    window = int(result.provenance.get("recovery_window_days", 30))
    value = float(np.asarray(REGISTRY[c.metric].function(Inputs(series, window=window)))[0])
    return value


def measure(
    result: RunResult, constraints: Sequence[ChanceConstraint], membership: Membership = "dated"
) -> np.ndarray:
    """The value of each constraint's metric in ``result`` (NaN counts as not met)."""
    values = np.zeros(len(constraints))
    tables: dict[tuple[str, tuple[str, ...]], pd.DataFrame] = {}
    for j, c in enumerate(constraints):
        if REGISTRY[c.metric].source == "demand":
            values[j] = _demand_value(result, c, membership)
            continue
        level = "bloc" if c.region in result.blocs else "country"
        names = tuple(sorted({x.metric for x in constraints}))
        if (level, names) not in tables:
            tables[(level, names)] = metric_table(
                result, list(names), by=[level, "commodity"], membership=membership
            )
        table = tables[(level, names)]
        row = table[(table[level] == c.region) & (table["commodity"] == c.commodity)]
        values[j] = float(row[c.metric].iloc[0]) if len(row) else 0.0
    return values


def run_futures(
    scenario: Scenario,
    seed: int,
    replications: Sequence[int],
    overrides: Sequence[Mapping[str, float]],
    constraints: Sequence[ChanceConstraint],
    membership: Membership = "dated",
) -> np.ndarray:
    """``[future, constraint]`` metric values of ``scenario`` (checked) in the given futures.
    Future ``i`` uses ``child_seed(seed, i)`` and ``overrides[i]``."""
    task = run_candidates([scenario], seed, replications, overrides, constraints, membership)
    return np.asarray(task.values[0])


class TaskValues(NamedTuple):
    """What a task of :func:`run_candidates` gives back."""

    values: np.ndarray
    """``[candidate, future, constraint]`` metric values."""
    simulated: int
    """Runs made; the other candidate-future pairs took the values of a run that covers
    them (:mod:`supplyshock.analysis.slack`)."""
    made: list[list[Made]]
    """With ``share_runs``: per future, the runs made that may cover other candidates."""


def run_candidates(
    scenarios: Sequence[Scenario],
    seed: int,
    replications: Sequence[int],
    overrides: Sequence[Mapping[str, float]],
    constraints: Sequence[ChanceConstraint],
    membership: Membership = "dated",
    share_compile: bool = False,
    share_runs: bool = False,
    known: Sequence[Sequence[Made]] | None = None,
    levered: np.ndarray | None = None,
) -> TaskValues:
    """``[candidate, future, constraint]`` metric values of each scenario (checked) in the
    given futures: the task a worker runs. Future ``i`` uses ``child_seed(seed, i)`` and
    ``overrides[i]``.

    With ``share_compile`` the scenarios differ only in the sizes of strategic reserves
    (:func:`~supplyshock.model.variants.sizes_reserves_only`): each future is compiled once
    and every candidate runs that network with its own reserve sizes, which is the network
    it would compile itself (:mod:`supplyshock.model.variants`). With ``share_runs`` as well
    (when :func:`~supplyshock.analysis.slack.levels_unread`), the candidates run in each
    future by increasing size, and one covered by a run already made
    (:meth:`~supplyshock.analysis.slack.Made.covers`), in this task or in ``known[row]`` (runs
    made earlier in that future), takes its values without a run of its own. The runs made
    that may cover others (some reserve in ``levered``, a mask, never dry; default: any
    reserve) are given back per future (``made``).
    """
    values = np.empty((len(scenarios), len(replications), len(constraints)))
    digests = [s.content_hash() for s in scenarios]  # once for the task's futures
    simulated = 0
    new_runs: list[list[Made]] = []
    for row, (i, params) in enumerate(zip(replications, overrides, strict=True)):
        seq = child_seed(seed, i)
        shared = compile_run(scenarios[0], seq, params) if share_compile else None
        nets = [None if shared is None else with_reserve_quantities(shared, s) for s in scenarios]
        sizes = [np.array([r.quantity for r in net.reserves]) for net in nets if net is not None]
        share = share_runs and shared is not None
        confined = confined_reserves(shared) if share and shared is not None else None
        sized = np.ones(len(sizes[0]) if sizes else 0, dtype=bool)
        if levered is not None and levered.shape == sized.shape:
            sized = levered
        made = list(known[row]) if share and known is not None else []
        fresh: list[Made] = []
        for k in run_order(sizes) if share else range(len(scenarios)):
            found = next((m for m in made if m.covers(sizes[k])), None) if share else None
            if found is not None:
                values[k, row] = found.values
                continue
            result = run(
                scenarios[k],
                seed=seq,
                overrides=params,
                validate=False,
                scenario_hash=digests[k],
                compiled=nets[k],
            )
            simulated += 1
            values[k, row] = measure(result, constraints, membership)
            if confined is not None:
                run_made = Made(sizes[k], dry_reserves(result), confined, values[k, row].copy())
                if run_made.useful(sized):
                    made.append(run_made)
                    fresh.append(run_made)
        new_runs.append(fresh)
    return TaskValues(values, simulated, new_runs)
