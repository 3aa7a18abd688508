"""Experiment designs over a scenario's uncertain parameters (random, Latin hypercube, Sobol).

A design is a DataFrame with one row per replication and one column per uncertain parameter
key (the keys :func:`supplyshock.run` accepts as ``overrides``). Values are drawn by mapping
uniform samples through each parameter's inverse CDF, so every design method honours the
scenario's distributions.
"""

from __future__ import annotations

import warnings
from typing import Literal

import numpy as np
import pandas as pd
from scipy.stats import qmc

from supplyshock.model.compile import compile_scenario
from supplyshock.scenario.distributions import Choice, Distribution
from supplyshock.scenario.schema import Scenario

__all__ = ["Method", "design", "inverse_cdf", "uncertain_parameters"]

Method = Literal["random", "lhs", "sobol"]


def uncertain_parameters(scenario: Scenario) -> dict[str, Distribution | Choice]:
    """The scenario's per-replication uncertain parameters by key, in a stable order."""
    specs = compile_scenario(scenario).extra["specs"]
    assert isinstance(specs, dict)
    return dict(sorted(specs.items()))


def _uniform(method: Method, n: int, dims: int, rng: np.random.Generator) -> np.ndarray:
    if method == "random":
        return rng.random((n, dims))
    if method == "lhs":
        return np.asarray(qmc.LatinHypercube(d=dims, seed=rng).random(n))
    if method == "sobol":
        with warnings.catch_warnings():  # n need not be a power of two for our use
            warnings.filterwarnings("ignore", message=".*balance properties.*")
            return np.asarray(qmc.Sobol(d=dims, scramble=True, seed=rng).random(n))
    raise ValueError(f"unknown design method {method!r}; use random, lhs or sobol")


def design(scenario: Scenario, n: int, seed: int, method: Method = "random") -> pd.DataFrame:
    """``n`` parameter sets for ``scenario``; the same (seed, method) gives the same design.

    >>> import supplyshock as ss
    >>> d = design(ss.load_scenario("october_2025_suspended"), n=8, seed=1, method="lhs")
    >>> len(d)
    8
    """
    if n <= 0:
        raise ValueError(f"n must be positive, got {n}")
    params = uncertain_parameters(scenario)
    rng = np.random.default_rng(np.random.SeedSequence([seed, 0x5EED]))
    frame = pd.DataFrame(index=pd.RangeIndex(n, name="replication"))
    if not params:
        return frame
    u = _uniform(method, n, len(params), rng)
    for j, (key, spec) in enumerate(params.items()):
        frame[key] = inverse_cdf(spec, u[:, j])
    return frame


def inverse_cdf(spec: Distribution | Choice, q: np.ndarray) -> np.ndarray:
    """Values of ``spec`` at probabilities ``q`` (booleans of a choice become 1.0 and 0.0)."""
    if isinstance(spec, Distribution):
        return np.asarray(spec.frozen().ppf(q), dtype=np.float64)
    values = np.array([float(c) for c in spec.choice])  # booleans become 1.0 / 0.0
    index = np.searchsorted(np.cumsum(spec.probabilities()), q, side="right")
    return values[np.minimum(index, len(values) - 1)]
