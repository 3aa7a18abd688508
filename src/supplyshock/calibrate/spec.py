"""The calibration spec: which parameters to fit, against which observed series, how.

A spec is a YAML file, usually beside its scenario (``scenarios/calibration/*.yaml``)::

    name: april_2025
    scenario: ../april_2025_heavy_ree.yaml    # a path relative to this file, or a bundled name
    parameters:                               # keys as `supplyshock params SCENARIO` lists them
      events[apr_2025].coverage: {low: 0.4, high: 1.0, start: 0.8}
    series:
      - id: china_total
        file: ../observed/china_magnet_exports_2025.csv
        column: exports_t                     # date column `month` (YYYY-MM), source `source`
        unit: t
        model: {exporter: CHN, commodity: ndfeb_magnet}      # + importer: USA for flows
        train: ["2025-04..2025-07"]           # months or inclusive month ranges
        test: ["2025-08..2025-11"]
        reference: "2025-01..2025-03"         # optional: also compare as an index
        bands: {test.level_rmsre: [0, 0.3]}   # documented error bands (regression tests)
      - id: china_year                        # a yearly series: rows dated YYYY, compared
        period: year                          # with the model's sum over the calendar year
        where: {span: year}                   # only the rows whose column `span` is `year`
        ...
        train: ["2024"]                       # years or inclusive year ranges
    objective: {metric: msre, replications: 8, seed: 2025}
    optimizer: {method: grid+nelder-mead, grid_points: 5, max_evaluations: 40}

:func:`load_spec` validates the file and cross-checks it against its scenario, raising one
:class:`~supplyshock.errors.CalibrationError` that names file, field path and value of every
problem. Nothing here reads an observed value: that is :mod:`supplyshock.calibrate.observed`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal

import pandas as pd
import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from supplyshock.errors import CalibrationError, Problem
from supplyshock.scenario.bundled import bundled_dir, not_found, resolve
from supplyshock.scenario.schema import Scenario

__all__ = [
    "METRICS",
    "UNITS",
    "Bounds",
    "CalibrationSpec",
    "ModelQuantity",
    "Objective",
    "Optimizer",
    "Period",
    "SeriesSpec",
    "load_spec",
    "months_of",
    "spec_path",
]

UNITS: dict[str, tuple[str, float]] = {
    "t": ("t", 1.0),
    "kg": ("t", 1e-3),
    "kt": ("t", 1e3),
    "units": ("units", 1.0),
    "MW": ("MW", 1.0),
}
"""Units an observed series may have: the commodity unit it converts to and the factor."""

METRICS = ("level_rmsre", "level_bias", "index_rmse")
"""Error metrics reported per series and split (docs/validation.md defines them)."""

_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_YEAR = re.compile(r"^\d{4}$")

Period = Literal["month", "year"]
"""What one observed value covers: a calendar month (``YYYY-MM``) or year (``YYYY``)."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Bounds(_Strict):
    """The search interval of one calibrated parameter (and an optional starting value)."""

    low: float
    high: float
    start: float | None = None
    note: str = ""


class ModelQuantity(_Strict):
    """The simulated monthly quantity a series is compared with: the exporter's total exports
    of a commodity, or (with ``importer``) the recorded bilateral flows to those importers, or
    (with ``market`` instead of an exporter) the mean daily price of the commodity in that
    market region (a world with a markets table)."""

    exporter: str = ""
    commodity: str
    importer: list[str] | None = None
    market: str | None = None

    @field_validator("importer", mode="before")
    @classmethod
    def _one_or_many(cls, value: object) -> object:
        return [value] if isinstance(value, str) else value

    @model_validator(mode="after")
    def _one_kind(self) -> ModelQuantity:
        if self.market is None and not self.exporter:
            raise ValueError("give an exporter (exports or flows) or a market (a price)")
        if self.market is not None and (self.exporter or self.importer is not None):
            raise ValueError("a market price has no exporter or importer")
        return self

    def label(self) -> str:
        """``CHN ndfeb_magnet exports``, ``CHN->USA ndfeb_magnet`` or ``world ree price``."""
        if self.market is not None:
            return f"{self.market} {self.commodity} price"
        if self.importer is None:
            return f"{self.exporter} {self.commodity} exports"
        return f"{self.exporter}->{'+'.join(self.importer)} {self.commodity}"


def _as_list(value: object) -> object:
    return [value] if isinstance(value, str) else value


class SeriesSpec(_Strict):
    """One observed monthly series, its model counterpart and its train/test months."""

    id: str
    file: str
    column: str
    unit: str
    date_column: str = "month"
    source_column: str = "source"
    where: dict[str, str] = Field(default_factory=dict)
    model: ModelQuantity
    train: list[str] = Field(default_factory=list)
    test: list[str] = Field(default_factory=list)
    reference: str | None = None
    period: Period = "month"
    bands: dict[str, tuple[float, float]] = Field(default_factory=dict)
    note: str = ""

    _list = field_validator("train", "test", mode="before")(_as_list)


class Objective(_Strict):
    """What is minimised: ``msre``, the mean over all train months of all series of the
    squared relative error of the mean over ``replications`` paired-seed runs."""

    metric: Literal["msre"] = "msre"
    replications: int = Field(default=8, ge=1, le=10_000)
    seed: int = Field(default=2025, ge=0, lt=2**63)


class Optimizer(_Strict):
    """How the objective is minimised (docs/validation.md, "Method")."""

    method: Literal["grid+nelder-mead", "nelder-mead", "grid"] = "grid+nelder-mead"
    grid_points: int = Field(default=5, ge=2, le=50)
    max_evaluations: int = Field(default=40, ge=1, le=100_000)
    xatol: float = Field(default=0.01, gt=0)
    fatol: float = Field(default=1e-4, ge=0)


class CalibrationSpec(_Strict):
    """A validated calibration spec (see the module docstring for the file format)."""

    name: str
    description: str = ""
    episode: str = ""
    scenario: str
    parameters: dict[str, Bounds]
    series: list[SeriesSpec]
    objective: Objective = Field(default_factory=Objective)
    optimizer: Optimizer = Field(default_factory=Optimizer)
    origin_file: str = Field(default="<python>", exclude=True)

    @property
    def folder(self) -> Path:
        """The folder relative paths in the spec are read from."""
        return Path(self.origin_file).parent if self.origin_file != "<python>" else Path.cwd()

    def path_of(self, file: str) -> Path:
        """A series file's path (relative paths are relative to the spec)."""
        path = Path(file)
        return path if path.is_absolute() else self.folder / path

    def scenario_path(self) -> Path | None:
        """The scenario file the spec names (a path beside the spec or a bundled name)."""
        return resolve(self.scenario, self.folder)

    def keys(self) -> list[str]:
        """Calibrated parameter keys, in the spec's order."""
        return list(self.parameters)


def months_of(
    items: Iterable[str], file: str, field: str, period: Period = "month"
) -> tuple[list[str], list[Problem]]:
    """Periods named by ``items``: months (``YYYY-MM``) or inclusive ranges ``A..B``; with
    ``period="year"``, years (``YYYY``) or ranges of years."""
    pattern, freq = (_YEAR, "Y") if period == "year" else (_MONTH, "M")
    what = (
        "a year YYYY or a range YYYY..YYYY"
        if period == "year"
        else ("a month YYYY-MM or a range YYYY-MM..YYYY-MM")
    )
    months: list[str] = []
    problems: list[Problem] = []
    for i, item in enumerate(items):
        ends = str(item).split("..")
        if len(ends) > 2 or not all(pattern.match(e.strip()) for e in ends):
            problems.append(Problem(file, f"{field}[{i}]", item, f"not {what}"))
            continue
        lo, hi = (pd.Period(e.strip(), freq=freq) for e in (ends[0], ends[-1]))
        if lo > hi:
            problems.append(Problem(file, f"{field}[{i}]", item, "the range ends before it starts"))
            continue
        months += [str(p) for p in pd.period_range(lo, hi, freq=freq)]
    return months, problems


def _path(loc: tuple[Any, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "<file>"


def _pydantic_problems(exc: ValidationError, file: str) -> list[Problem]:
    problems = []
    for err in exc.errors():
        message = err["msg"].removeprefix("Value error, ")
        value = err.get("input")
        if err["type"] == "missing":
            message, value = "required field is missing", None
        elif err["type"] == "extra_forbidden":
            message = "unknown field"
        problems.append(Problem(file, _path(tuple(err["loc"])), value, message))
    return problems


def _read(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CalibrationError.single(str(path), "<file>", str(path), str(exc.strerror)) from None
    except yaml.YAMLError as exc:
        raise CalibrationError.single(str(path), "<file>", None, f"not YAML: {exc}") from None
    if not isinstance(data, dict):
        raise CalibrationError.single(str(path), "<file>", data, "must be a mapping")
    return data


def spec_path(source: str | Path) -> Path:
    """The spec file ``source`` names: a path, or a bundled spec's name (``april_2025``)."""
    path = Path(source)
    if path.is_file() or path.suffix in {".yaml", ".yml"}:
        return path
    bundled = bundled_dir() / "calibration" / f"{source}.yaml"
    return bundled if bundled.is_file() else path


def load_spec(source: str | Path) -> tuple[CalibrationSpec, Scenario]:
    """Load and check a calibration spec; return it with its loaded scenario.

    Every problem is collected into one :class:`~supplyshock.errors.CalibrationError`: unknown
    fields, parameter keys the scenario does not have (with close matches), bounds with
    ``low > high``, unknown units, months that are malformed, outside the scenario horizon or
    both train and test, countries and commodities the scenario does not have, missing files
    and columns, train rows that are missing or not numbers.

    >>> spec, scn = load_spec("april_2025")   # the bundled spec, or a path
    >>> spec.keys()
    ['events[apr_2025].coverage', 'events[apr_2025_london].approval_probability']
    """
    from supplyshock.calibrate.checks import check_spec
    from supplyshock.calibrate.observed import check_train_rows
    from supplyshock.scenario.io import load_scenario

    path = spec_path(source)
    file = str(path)
    try:
        spec = CalibrationSpec.model_validate({**_read(path), "origin_file": file})
    except ValidationError as exc:
        raise CalibrationError(_pydantic_problems(exc, file)) from None
    where = spec.scenario_path()
    if where is None:
        raise CalibrationError.single(file, "scenario", spec.scenario, not_found(spec.scenario))
    scn = load_scenario(where)
    problems = check_spec(spec, scn)
    if not problems:
        problems = check_train_rows(spec)
    if problems:
        raise CalibrationError(problems)
    return spec, scn
