"""Fitting a spec's parameters to its train data, and the stored fit.

Method (docs/validation.md, "Calibration method"): the parameters are searched in the unit
box (each mapped linearly onto its ``[low, high]``). ``grid`` evaluates every point of a
regular grid with ``grid_points`` values per parameter (``itertools.product`` order);
``nelder-mead`` runs scipy's bounded Nelder–Mead from the parameters' ``start`` values (the
box centre where none is given); ``grid+nelder-mead`` runs the grid and then Nelder–Mead from
the best grid point, its first simplex half a grid step wide. Each distinct candidate costs
one evaluation: ``replications`` paired-seed runs whose mean is compared with the train data
(:func:`msre`). The fit is the best candidate evaluated (the first one on ties). The
same spec, data and seed give the same fit, whatever the number of workers.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Callable, Mapping
from concurrent.futures import Executor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from scipy import optimize

from supplyshock.calibrate.observed import train_data, train_hash
from supplyshock.calibrate.simulate import (
    Replicator,
    horizon_months,
    missing_flows,
    with_years,
)
from supplyshock.calibrate.spec import CalibrationSpec, Optimizer, load_spec
from supplyshock.errors import CalibrationError, Problem
from supplyshock.scenario.bundled import not_found
from supplyshock.scenario.schema import Scenario
from supplyshock.sim.engine import run

__all__ = ["Evaluation", "Fit", "calibrate", "fitted_path", "load_fit", "msre"]


@dataclass(frozen=True)
class Evaluation:
    """One evaluated candidate: its number (from 1), values, objective and the best so far."""

    number: int
    values: dict[str, float]
    objective: float
    best: float
    budget: int


@dataclass(frozen=True)
class Fit:
    """A stored calibration: fitted values and how they were obtained.

    ``overrides`` is what :func:`supplyshock.run` accepts; ``supplyshock run SCENARIO --fit
    FILE`` and ``supplyshock batch SCENARIO --fit FILE`` apply it.
    """

    name: str
    spec: str
    scenario: str
    scenario_hash: str
    values: dict[str, float]
    objective: float
    metric: str
    seed: int
    replications: int
    method: str
    evaluations: int
    train_data_sha256: str
    train_series: list[str]
    train_months: int
    version: str
    created: str
    trace: list[list[float]] = field(default_factory=list)

    @property
    def overrides(self) -> dict[str, float]:
        """The fitted values by parameter key, as ``overrides``."""
        return dict(self.values)

    def to_dict(self) -> dict[str, Any]:
        """Plain data (what :meth:`save` writes)."""
        return asdict(self)

    def save(self, path: str | Path) -> Path:
        """Write the fit as YAML (floats written exactly: they read back bit for bit)."""
        path = Path(path)
        header = (
            f"# Calibration of {self.scenario} by spec {self.spec}: written by "
            "`supplyshock calibrate`; do not edit.\n"
            "# Apply with `supplyshock run SCENARIO --fit FILE` (or `batch ... --fit FILE`).\n"
        )
        path.write_text(header + yaml.safe_dump(self.to_dict(), sort_keys=False, width=100))
        return path


def load_fit(path: str | Path) -> Fit:
    """Read a stored fit; a malformed file is a :class:`~supplyshock.errors.CalibrationError`."""
    file = str(path)
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise CalibrationError.single(file, "<file>", file, str(exc.strerror)) from None
    except yaml.YAMLError as exc:
        raise CalibrationError.single(file, "<file>", None, f"not YAML: {exc}") from None
    if not isinstance(data, dict):
        raise CalibrationError.single(file, "<file>", data, "must be a mapping")
    names = {f for f in Fit.__dataclass_fields__}
    problems = [Problem(file, k, data[k], "unknown field") for k in data if k not in names]
    problems += [
        Problem(file, k, None, "required field is missing")
        for k in names - {"trace"}
        if k not in data
    ]
    values = data.get("values")
    if not isinstance(values, dict) or not all(
        isinstance(v, int | float) and math.isfinite(v) for v in values.values()
    ):
        problems.append(Problem(file, "values", values, "must map parameter keys to numbers"))
    if problems:
        raise CalibrationError(problems)
    return Fit(**{**data, "values": {str(k): float(v) for k, v in data["values"].items()}})


def msre(model: pd.DataFrame, train: Mapping[str, pd.Series]) -> float:
    """Mean squared relative error over every train month of every series:
    ``mean((model / observed - 1) ** 2)``; ``model`` has periods (months ``YYYY-MM``, years
    ``YYYY``) as index, series as columns."""
    errors = [
        model[sid].reindex(values.index).to_numpy(dtype=float) / values.to_numpy(dtype=float) - 1.0
        for sid, values in train.items()
    ]
    return float(np.mean(np.concatenate(errors) ** 2))


def _simplex(x0: np.ndarray, step: float) -> np.ndarray:
    """``x0`` and one vertex per axis, ``step`` away towards the inside of the unit box."""
    points = [x0]
    for i in range(len(x0)):
        vertex = x0.copy()
        vertex[i] += step if x0[i] + step <= 1.0 else -step
        points.append(vertex)
    return np.array(points)


def _method_label(opt: Optimizer, dims: int) -> str:
    import scipy

    grid = "x".join([str(opt.grid_points)] * dims)
    nm = (
        f"bounded Nelder-Mead (scipy {scipy.__version__}, xatol={opt.xatol:g}, fatol={opt.fatol:g})"
    )
    return {
        "grid": f"grid {grid}",
        "nelder-mead": nm,
        "grid+nelder-mead": f"grid {grid}, then {nm}",
    }[opt.method] + f", at most {opt.max_evaluations} evaluations"


class _Search:
    """The objective over the unit box, memoised, with a trace and a budget."""

    def __init__(
        self,
        spec: CalibrationSpec,
        replicator: Replicator,
        months: list[str],
        budget: int,
        progress: Callable[[Evaluation], None] | None,
    ) -> None:
        self.spec, self.replicator, self.budget, self.progress = spec, replicator, budget, progress
        self.train = train_data(spec)
        self.months = months
        self.lows = np.array([b.low for b in spec.parameters.values()])
        self.spans = np.array([b.high - b.low for b in spec.parameters.values()])
        self.seen: dict[tuple[float, ...], float] = {}
        self.trace: list[list[float]] = []

    def values(self, u: np.ndarray) -> tuple[float, ...]:
        x = self.lows + np.clip(u, 0.0, 1.0) * self.spans
        return tuple(float(v) for v in x)

    def __call__(self, u: np.ndarray) -> float:
        x = self.values(u)
        if x in self.seen:
            return self.seen[x]
        if len(self.seen) >= self.budget:
            return math.inf  # never reached with scipy's maxfev; a guard for the grid
        overrides = dict(zip(self.spec.keys(), x, strict=True))
        runs = self.replicator(overrides)
        ids = [s.id for s in self.spec.series]
        prices = [s.id for s in self.spec.series if s.model.market is not None]
        frame = pd.DataFrame(runs.mean(axis=0), index=self.months, columns=ids)
        mean = with_years(frame, average=prices)
        value = msre(mean, self.train)
        self.seen[x] = value
        self.trace.append([*x, value])
        if self.progress is not None:
            best = min(self.seen.values())
            self.progress(Evaluation(len(self.seen), overrides, value, best, self.budget))
        return value

    def best(self) -> tuple[tuple[float, ...], float]:
        x, value = min(self.seen.items(), key=lambda item: item[1])  # first on ties
        return x, value


def _optimise(search: _Search, opt: Optimizer, starts: np.ndarray) -> None:
    dims = len(starts)
    x0, step = starts, 0.1
    if opt.method in ("grid", "grid+nelder-mead"):
        axis = np.linspace(0.0, 1.0, opt.grid_points)
        for point in itertools.product(axis, repeat=dims):
            search(np.array(point))
        x_best, _ = search.best()
        x0 = (np.array(x_best) - search.lows) / np.where(search.spans > 0, search.spans, 1.0)
        step = 0.5 / (opt.grid_points - 1)
    remaining = search.budget - len(search.seen)
    if opt.method == "grid" or remaining <= 0:
        return
    optimize.minimize(
        search,
        x0,
        method="Nelder-Mead",
        bounds=[(0.0, 1.0)] * dims,
        options={
            "maxfev": remaining,
            "xatol": opt.xatol,
            "fatol": opt.fatol,
            "initial_simplex": _simplex(x0, step),
        },
    )


def _check_budget(spec: CalibrationSpec, opt: Optimizer) -> None:
    dims = len(spec.parameters)
    if opt.method != "nelder-mead" and opt.grid_points**dims > opt.max_evaluations:
        raise CalibrationError.single(
            spec.origin_file,
            "optimizer.max_evaluations",
            opt.max_evaluations,
            f"the grid alone takes {opt.grid_points}^{dims} = {opt.grid_points**dims} "
            "evaluations; raise max_evaluations or lower grid_points",
        )


def _check_flows(spec: CalibrationSpec, scn: Scenario) -> None:
    """Every bilateral series names a link the scenario has (one expected-value run)."""
    if all(s.model.importer is None for s in spec.series):
        return
    result = run(scn, seed=None, validate=False)
    problems = [
        Problem(
            spec.origin_file,
            f"series[{i}].model.importer",
            missing,
            f"{scn.name} records no flow of {s.model.commodity} from {s.model.exporter} "
            "to these importers",
        )
        for i, s in enumerate(spec.series)
        if (missing := missing_flows(result, s.model))
    ]
    if problems:
        raise CalibrationError(problems)


def calibrate(
    spec: CalibrationSpec | str | Path,
    *,
    scenario: Scenario | None = None,
    workers: int = 1,
    executor: Executor | None = None,
    progress: Callable[[Evaluation], None] | None = None,
    replications: int | None = None,
    optimizer: Optimizer | None = None,
) -> Fit:
    """Fit the spec's parameters to its train data and return the :class:`Fit`.

    ``workers`` processes run the replications of each candidate (``executor`` may be any
    ``concurrent.futures.Executor`` instead); ``progress`` is called after every evaluation.
    ``replications`` and ``optimizer`` replace the spec's (e.g. a tiny budget in a test); the
    fit records what was used. Only the train rows of the observed files are read.

    >>> from supplyshock.calibrate.spec import Optimizer
    >>> fit = calibrate("april_2025", replications=1,
    ...                 optimizer=Optimizer(method="grid", grid_points=2, max_evaluations=4))
    >>> fit.evaluations, sorted(fit.values)[0]
    (4, 'events[apr_2025].coverage')
    """
    from supplyshock import __version__

    if not isinstance(spec, CalibrationSpec):
        spec, scenario = load_spec(spec)
    elif scenario is None:
        where = spec.scenario_path()
        if where is None:
            raise CalibrationError.single(
                spec.origin_file, "scenario", spec.scenario, not_found(spec.scenario)
            )
        from supplyshock.scenario.io import load_scenario

        scenario = load_scenario(where)
    assert scenario is not None
    opt = optimizer or spec.optimizer
    n = replications or spec.objective.replications
    _check_budget(spec, opt)
    _check_flows(spec, scenario)
    starts = np.array(
        [
            0.5 if b.start is None or b.high == b.low else (b.start - b.low) / (b.high - b.low)
            for b in spec.parameters.values()
        ]
    )
    quantities = [s.model for s in spec.series]
    with Replicator(
        scenario, spec.objective.seed, n, quantities, workers=workers, executor=executor
    ) as replicator:
        search = _Search(spec, replicator, horizon_months(scenario), opt.max_evaluations, progress)
        _optimise(search, opt, starts)
    x, value = search.best()
    return Fit(
        name=spec.name,
        spec=Path(spec.origin_file).name,
        scenario=scenario.name,
        scenario_hash=scenario.content_hash(),
        values=dict(zip(spec.keys(), x, strict=True)),
        objective=value,
        metric=spec.objective.metric,
        seed=spec.objective.seed,
        replications=n,
        method=_method_label(opt, len(spec.parameters)),
        evaluations=len(search.seen),
        train_data_sha256=train_hash(spec),
        train_series=list(search.train),
        train_months=sum(len(v) for v in search.train.values()),
        version=__version__,
        created=dt.date.today().isoformat(),
        trace=search.trace,
    )


def fitted_path(spec: CalibrationSpec) -> Path:
    """Where a spec's fit is stored by default: ``NAME.fit.yaml`` beside the spec."""
    return Path(spec.origin_file).with_name(f"{Path(spec.origin_file).stem}.fit.yaml")
