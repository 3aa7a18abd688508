"""Chance constraints over sampled futures: estimated satisfaction, its sampling error, and the
records of a portfolio search (candidates, the re-check, the result).

A constraint ``P(metric <= x) >= p`` is estimated from ``N`` futures as the share
``k / N`` of futures in which the metric is at most ``x`` (a run whose metric is NaN, e.g. a
recovery that never comes, does not meet it). On fresh futures the share has the binomial
standard error ``sqrt(s (1 - s) / N)`` and the Wilson score interval of :func:`wilson_interval`.

>>> low, high = wilson_interval(90, 100)
>>> round(low, 3), round(high, 3)
(0.826, 0.945)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from supplyshock.scenario.levers import ChanceConstraint, Lever

__all__ = [
    "Candidate",
    "Recheck",
    "RobustResult",
    "decided",
    "meets",
    "met_shares",
    "pareto_front",
    "wilson_interval",
]

Z95 = 1.959963984540054
"""Standard normal quantile of a two-sided 95% interval."""


def wilson_interval(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval of a binomial proportion (95% by default)."""
    if n <= 0:
        raise ValueError(f"n must be positive, got {n}")
    share = successes / n
    denominator = 1.0 + z * z / n
    centre = (share + z * z / (2 * n)) / denominator
    half = z / denominator * math.sqrt(share * (1 - share) / n + z * z / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


def meets(values: np.ndarray, constraints: Sequence[ChanceConstraint]) -> np.ndarray:
    """``[future, constraint]``: the metric is at most the constraint's ``at_most`` (to a
    relative 10⁻¹² for round-off; NaN: not met)."""
    limits = np.array([c.at_most for c in constraints], dtype=np.float64)
    with np.errstate(invalid="ignore"):
        return np.asarray(values <= limits[None, :] + 1e-12 * np.maximum(np.abs(limits), 1.0))


def met_shares(values: np.ndarray, constraints: Sequence[ChanceConstraint]) -> np.ndarray:
    """Per constraint, the share of futures (rows of ``values``) meeting it."""
    return np.asarray(meets(values, constraints).mean(axis=0), dtype=np.float64)


def decided(values: np.ndarray, n: int, constraints: Sequence[ChanceConstraint]) -> bool | None:
    """Whether a portfolio with ``values`` in some of ``n`` futures is feasible whatever the
    others give (True), infeasible whatever they give (False), or not yet known (None)."""
    need = np.array([math.ceil(c.probability * n - 1e-9) for c in constraints])
    ok = meets(values, constraints).sum(axis=0)
    if np.any(len(values) - ok > n - need):
        return False
    if np.all(ok >= need):
        return True
    return None


@dataclass(frozen=True)
class Candidate:
    """One evaluated portfolio: its cost and the share of futures meeting each constraint."""

    portfolio: dict[str, float]
    cost: float
    """Present value in US$ (:mod:`supplyshock.analysis.costs`)."""
    met: np.ndarray
    """Share of the search's futures meeting each constraint."""
    feasible: bool
    """Every share reaches its constraint's probability."""
    lever_costs: dict[str, float] = field(default_factory=dict)
    """Present value of each lever's part of the portfolio, in US$."""
    complete: bool = True
    """Run in every future; False: stopped once its feasibility was decided (``early_stop``),
    so ``met`` counts the futures not run as failures and ``risk`` is an upper bound."""

    @property
    def risk(self) -> float:
        """The largest share of futures in which a constraint is not met."""
        return float(1.0 - self.met.min()) if len(self.met) else 0.0


def pareto_front(candidates: Sequence[Candidate]) -> list[Candidate]:
    """Candidates no other is both cheaper (or as cheap) and less risky (or as risky) than,
    by cost then risk."""
    front: list[Candidate] = []
    best_risk = math.inf
    for c in sorted(candidates, key=lambda c: (c.cost, c.risk)):
        if c.risk < best_risk - 1e-12:
            front.append(c)
            best_risk = c.risk
    return front


@dataclass(frozen=True)
class Recheck:
    """A portfolio run on fresh futures: per constraint, successes, share and sampling error."""

    n: int
    seed: int
    successes: np.ndarray
    probabilities: np.ndarray

    @property
    def share(self) -> np.ndarray:
        return np.asarray(self.successes / self.n, dtype=np.float64)

    @property
    def stderr(self) -> np.ndarray:
        """Binomial standard error of each share."""
        s = self.share
        return np.asarray(np.sqrt(s * (1 - s) / self.n), dtype=np.float64)

    @property
    def interval(self) -> np.ndarray:
        """``[constraint, 2]`` Wilson 95% intervals of the shares."""
        return np.array([wilson_interval(int(k), self.n) for k in self.successes])

    @property
    def meets(self) -> bool:
        """Each constraint is met within the re-check's sampling error: its probability is at
        most the upper end of the share's Wilson interval."""
        return bool(np.all(self.interval[:, 1] >= self.probabilities - 1e-12))

    def within_error(self, n_search: int, z: float = Z95) -> np.ndarray:
        """Per constraint: the fresh share falls short of the probability ``p`` by no more
        than ``z`` combined standard errors of the search (``p (1 - p) / n_search``: the
        chosen portfolio's true probability scatters around ``p`` by that much) and of the
        re-check (``s (1 - s) / n``)."""
        p, s = self.probabilities, self.share
        spread = np.sqrt(p * (1 - p) / n_search + s * (1 - s) / self.n)
        return np.asarray(p - s <= z * spread + 1e-12)


@dataclass(frozen=True)
class RobustResult:
    """What :func:`~supplyshock.analysis.robust.robust_search` found."""

    levers: dict[str, Lever]
    constraints: list[ChanceConstraint]
    candidates: list[Candidate]
    best: Candidate | None
    """The cheapest feasible candidate; None if none is."""
    recheck: Recheck | None
    """The best candidate on fresh futures (None without a best or a re-check)."""
    method: str
    futures: int
    runs: int = 0
    """Candidate-future pairs evaluated (stored candidates read back are not counted)."""
    simulated: int = 0
    """Runs made for them: pairs covered by a run with smaller reserves that never emptied
    took its values (docs/model.md, "Candidates that share a run")."""
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    def front(self) -> list[Candidate]:
        """The Pareto front of cost against risk over every evaluated candidate."""
        return pareto_front(self.candidates)

    def table(self) -> pd.DataFrame:
        """One row per candidate: lever values, ``cost_usd``, ``risk``, the share meeting each
        constraint (``met_0``, ...), ``feasible``, ``complete``, ``on_front`` and ``best``; by
        cost."""
        front = {id(c) for c in self.front()}
        rows = []
        for c in self.candidates:
            row: dict[str, object] = dict(c.portfolio)
            row["cost_usd"] = c.cost
            row["risk"] = c.risk
            row.update({f"met_{j}": float(m) for j, m in enumerate(c.met)})
            row["feasible"] = c.feasible
            row["complete"] = c.complete
            row["on_front"] = id(c) in front
            row["best"] = c is self.best
            rows.append(row)
        return pd.DataFrame(rows).sort_values(["cost_usd", "risk"], ignore_index=True)

    def constraint_table(self) -> pd.DataFrame:
        """One row per constraint: the target and, for the best candidate, the share meeting it
        in the search's futures and in the re-check, with standard error, Wilson interval and
        whether the fresh share is within the sampling error of both
        (:meth:`Recheck.within_error`)."""
        rows = []
        for j, c in enumerate(self.constraints):
            row: dict[str, object] = {
                "constraint": c.label,
                "region": c.region,
                "commodity": c.commodity,
                "metric": c.metric,
                "at_most": c.at_most,
                "probability": c.probability,
                "met_in_search": float(self.best.met[j]) if self.best else float("nan"),
            }
            if self.recheck is not None:
                low, high = self.recheck.interval[j]
                row.update(
                    met_fresh=float(self.recheck.share[j]),
                    stderr=float(self.recheck.stderr[j]),
                    wilson_low=float(low),
                    wilson_high=float(high),
                    fresh_futures=self.recheck.n,
                    within_error=bool(self.recheck.within_error(self.futures)[j]),
                )
            rows.append(row)
        return pd.DataFrame(rows)
