"""Global sensitivity of a metric to a scenario's uncertain parameters (SALib).

Three pure steps, as in SALib: *sample* a design in the unit hypercube (Saltelli/Sobol' or
Morris trajectories) and map it through each parameter's inverse CDF, so every scenario
distribution is honoured; *evaluate* it with :func:`supplyshock.batch.run_batch` (so it runs
on any executor and resumes); *analyze* it into a tidy table with confidence intervals.

>>> import supplyshock as ss  # doctest: +SKIP
>>> from supplyshock.analysis.sensitivity import sensitivity
>>> indices = sensitivity("october_2025_suspended", n=64, seed=1, out="runs/sobol",
...                       parameters=["events[oct_2025].approval_probability"])  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from supplyshock.batch.runner import run_batch
from supplyshock.batch.sampling import design, inverse_cdf, uncertain_parameters
from supplyshock.errors import SupplyshockError, did_you_mean
from supplyshock.metrics import Membership, check_membership, get_metric
from supplyshock.scenario.distributions import Choice, Distribution
from supplyshock.scenario.io import load_scenario
from supplyshock.scenario.schema import Scenario

__all__ = [
    "MIN_MORRIS_N",
    "MIN_SOBOL_N",
    "Output",
    "design_runs",
    "morris_indices",
    "sensitivity",
    "sobol_indices",
]

MIN_SOBOL_N = 128
"""Smallest base sample for Sobol' indices without a warning: below it the estimates are noisy
enough that first-order indices often come out negative (S1 = -0.28 with n = 8)."""
MIN_MORRIS_N = 10
"""Smallest number of Morris trajectories without a warning (10 to 20 are usual)."""
SHOWN_KEYS = 12
"""Most uncertain parameter keys an error lists; with more it points to ``supplyshock params``."""


def design_runs(method: str, n: int, parameters: int) -> int:
    """Runs a design takes: ``n * (d + 2)`` for Sobol' (first and total order), ``n * (d + 1)``
    for Morris, with ``d`` parameters."""
    if method == "sobol":
        return n * (parameters + 2)
    if method == "morris":
        return n * (parameters + 1)
    raise ValueError(f"method must be 'sobol' or 'morris', not {method!r}")


def _warn_small(method: str, n: int) -> None:
    import warnings

    from supplyshock.errors import SupplyshockWarning

    least = MIN_SOBOL_N if method == "sobol" else MIN_MORRIS_N
    if n < least:
        what = "Sobol' indices (S1 may even be negative)" if method == "sobol" else "Morris"
        warnings.warn(
            f"n={n} is small for {what}: estimates are unreliable below n={least}; "
            "check the *_conf columns",
            SupplyshockWarning,
            stacklevel=3,
        )


Spec = Distribution | Choice
Evaluate = Callable[[pd.DataFrame], np.ndarray]


def _problem(specs: Mapping[str, Spec]) -> dict[str, Any]:
    names = list(specs)
    return {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names)}


def _values(unit: np.ndarray, specs: Mapping[str, Spec]) -> pd.DataFrame:
    eps = 1e-9  # keep away from 0 and 1, where inverse CDFs may be infinite
    clipped = np.clip(unit, eps, 1 - eps)
    return pd.DataFrame(
        {key: inverse_cdf(spec, clipped[:, j]) for j, (key, spec) in enumerate(specs.items())}
    )


def sobol_indices(
    specs: Mapping[str, Spec],
    evaluate: Evaluate,
    n: int,
    seed: int = 0,
    *,
    second_order: bool = False,
) -> pd.DataFrame:
    """First-order and total Sobol' indices of ``evaluate`` over ``specs``.

    ``evaluate`` maps a design (one column per parameter) to one output per row. Uses
    ``n * (d + 2)`` evaluations (``n`` a power of two); warns (:class:`SupplyshockWarning`)
    below :data:`MIN_SOBOL_N`. Returns columns ``parameter``, ``S1``,
    ``S1_conf``, ``ST``, ``ST_conf``.
    """
    from SALib.analyze import sobol as analyze
    from SALib.sample import sobol as sample

    _warn_small("sobol", n)
    problem = _problem(specs)
    unit = sample.sample(problem, n, calc_second_order=second_order, seed=seed)
    y = np.asarray(evaluate(_values(unit, specs)), dtype=float)
    result = analyze.analyze(problem, y, calc_second_order=second_order, seed=seed)
    return pd.DataFrame(
        {
            "parameter": problem["names"],
            "S1": result["S1"],
            "S1_conf": result["S1_conf"],
            "ST": result["ST"],
            "ST_conf": result["ST_conf"],
        }
    ).sort_values("ST", ascending=False, ignore_index=True)


def morris_indices(
    specs: Mapping[str, Spec], evaluate: Evaluate, n: int, seed: int = 0, *, levels: int = 4
) -> pd.DataFrame:
    """Morris elementary effects (``mu``, ``mu_star``, ``sigma``, ``mu_star_conf``) with ``n``
    trajectories, i.e. ``n * (d + 1)`` evaluations; warns below :data:`MIN_MORRIS_N`."""
    from SALib.analyze import morris as analyze
    from SALib.sample import morris as sample

    _warn_small("morris", n)
    problem = _problem(specs)
    unit = sample.sample(problem, n, num_levels=levels, seed=seed)
    y = np.asarray(evaluate(_values(unit, specs)), dtype=float)
    result = analyze.analyze(problem, unit, y, num_levels=levels, seed=seed)
    return pd.DataFrame(
        {
            "parameter": problem["names"],
            "mu": result["mu"],
            "mu_star": result["mu_star"],
            "sigma": result["sigma"],
            "mu_star_conf": result["mu_star_conf"],
        }
    ).sort_values("mu_star", ascending=False, ignore_index=True)


def _select(scenario: Scenario, parameters: Sequence[str] | None) -> dict[str, Spec]:
    specs = uncertain_parameters(scenario)
    if parameters is None:
        return specs
    unknown = [p for p in parameters if p not in specs]
    if unknown:
        named = ", ".join(
            f"{p!r}" + (f" ({hint.removeprefix('; ')})" if (hint := did_you_mean(p, specs)) else "")
            for p in unknown
        )
        listing = (
            f"choose from {sorted(specs)}"
            if len(specs) <= SHOWN_KEYS
            else f"`supplyshock params {scenario.name}` lists all {len(specs)}"
        )
        raise SupplyshockError(f"not uncertain parameters of {scenario.name}: {named}; {listing}")
    return {p: specs[p] for p in parameters}


@dataclass(frozen=True)
class Output:
    """The scalar a sensitivity study explains: one metric for one region and commodity.

    ``metric`` is any name of :data:`supplyshock.metrics.REGISTRY`; ``region`` is a bloc
    (``level="bloc"``) or an ISO3 country (``level="country"``). Bloc totals count members
    by ``membership``: only on the days they are members (``"dated"``) or on every day if
    they ever are (``"ever"``).
    """

    metric: str = "shortfall"
    region: str = "alliance"
    commodity: str = "ndfeb_magnet"
    level: str = "bloc"
    membership: Membership = "dated"


def scenario_metric(
    scenario: Scenario,
    seed: int,
    out: str | Path,
    output: Output,
    executor: Executor | None,
    workers: int | None,
    chunk_size: int = 25,
    progress: Callable[[int, int], None] | None = None,
) -> Evaluate:
    """An ``evaluate`` function: run a design as a batch and read one metric per run.

    Parameters outside the design are held at one draw from ``seed``, and every run uses the
    same random stream for in-run events, so the output is a deterministic function of the
    studied parameters, as variance-based indices assume. ``progress(done, total)`` is
    passed to :func:`~supplyshock.batch.run_batch`.
    """
    get_metric(output.metric)
    membership = check_membership(output.membership)
    held = design(scenario, 1, seed).iloc[0]  # parameters not studied: one draw, held fixed

    def evaluate(plan: pd.DataFrame) -> np.ndarray:
        full = plan.copy()
        for key in held.index.difference(plan.columns):
            full[key] = held[key]
        batch = run_batch(
            scenario,
            len(plan),
            seed,
            out=out,
            plan=full,
            executor=executor,
            workers=workers,
            chunk_size=chunk_size,
            common_stream=True,
            membership=membership,
            progress=progress,
        )
        frame = batch.metrics(output.level)
        chosen = frame[
            (frame["region"] == output.region) & (frame["commodity"] == output.commodity)
        ]
        values = chosen.set_index("replication")[output.metric].reindex(range(len(plan)))
        if values.isna().all():
            raise SupplyshockError(
                f"no {output.metric} for {output.region} / {output.commodity} in {scenario.name}"
            )
        return values.fillna(0.0).to_numpy()

    return evaluate


def sensitivity(
    scenario: Scenario | str | Path,
    n: int,
    seed: int,
    *,
    method: Literal["sobol", "morris"] = "sobol",
    out: str | Path,
    parameters: Sequence[str] | None = None,
    output: Output = Output(),
    executor: Executor | None = None,
    workers: int | None = None,
    chunk_size: int = 25,
    progress: Callable[[int, int], None] | None = None,
) -> pd.DataFrame:
    """Sensitivity of ``output`` to the scenario's uncertain ``parameters`` (default: all).

    ``method="sobol"`` gives Sobol' indices from ``n * (d + 2)`` runs; ``"morris"`` gives
    elementary effects from ``n`` trajectories, ``n * (d + 1)`` runs. Runs are stored (and
    resumed) under ``out``, ``chunk_size`` runs to a task and a file, as in
    :func:`~supplyshock.batch.run_batch`; the indices do not depend on it.
    ``progress(done, total)`` is called as runs finish.
    """
    scn = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    specs = _select(scn, parameters)
    if not specs:
        raise SupplyshockError(f"{scn.name} has no uncertain parameters to analyse")
    evaluate = scenario_metric(scn, seed, out, output, executor, workers, chunk_size, progress)
    if method == "sobol":
        return sobol_indices(specs, evaluate, n, seed)
    if method == "morris":
        return morris_indices(specs, evaluate, n, seed)
    raise ValueError(f"method must be 'sobol' or 'morris', not {method!r}")
