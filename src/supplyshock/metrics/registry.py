"""The metric registry: every metric as a named, documented function with its unit.

A :class:`Metric` reads the daily series of one *source* for a set of groups (countries, blocs,
sectors; always one commodity per group) and returns one value per group:

- ``demand``: final demand, its deliveries and shortfall (``demand``, ``delivered``,
  ``shortfall``), and deferred demand (``backlog``: demand waiting on that day; ``expired``:
  deferred demand dropped that day after its maximum delay; zeros where a run records none);
- ``fab``: fab output made and lost for want of inputs (``produced``, ``lost``);
- ``reserve``: strategic reserve levels (``level``) and their level on the first day
  (``full``), summed over the reserves of the group's holders.

Every array is ``[day, group]``. To add a metric (a price or cost metric, say), build a
:class:`Metric` and :func:`register` it; a new kind of series needs a new source in
:mod:`supplyshock.metrics.grouping`.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from supplyshock.errors import SupplyshockError
from supplyshock.metrics import functions as fn
from supplyshock.model.arrays import safe_divide
from supplyshock.model.network import FloatArray, IntArray
from supplyshock.sim.kernels import metrics as passes

__all__ = [
    "REGISTRY",
    "Inputs",
    "Metric",
    "Source",
    "UnknownMetricError",
    "check_metrics",
    "get_metric",
    "metric_names",
    "register",
]

Source = Literal["demand", "fab", "reserve"]
OPTIONAL = ("backlog", "expired")
"""Series a run may not record (no deferrable demand): read as zeros."""


class UnknownMetricError(SupplyshockError, KeyError):
    """A metric name that is not in the registry."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


@dataclass(frozen=True)
class Inputs:
    """Daily series of the groups a metric is computed for, each ``[day, group]``."""

    series: Mapping[str, FloatArray]
    window: int = 30
    """Shortfall-free days that count as recovery."""
    tol: float = fn.TOL
    """A day is in shortfall when its shortfall exceeds ``tol`` x that day's demand."""
    _days: list[tuple[IntArray, IntArray, IntArray]] = field(
        default_factory=list, init=False, repr=False, compare=False
    )

    def __getitem__(self, name: str) -> FloatArray:
        if name not in self.series and name in OPTIONAL:
            shape = next(iter(self.series.values())).shape
            return np.zeros(shape)
        return self.series[name]

    def shortfall_days(self) -> tuple[IntArray, IntArray, IntArray]:
        """Per group: days in shortfall (``tol``), the first and the last (-1 if none); worked
        out once for the metrics that read them."""
        if not self._days:
            self._days.append(fn.shortfall_days(self["shortfall"], self["demand"], self.tol))
        return self._days[0]


@dataclass(frozen=True)
class Metric:
    """One named metric: what it measures, in which unit, computed by ``function``.

    ``unit`` may contain ``{unit}``, the unit of the group's commodity (``"{unit}/day"`` is
    t/day for magnets). ``commodity_unit`` restricts the metric to commodities in that unit
    (``"MW"``: datacenter capacity); other groups get NaN. ``by_sector`` is False for metrics
    whose series are recorded per country and commodity only.
    """

    name: str
    unit: str
    description: str
    definition: str
    source: Source
    function: Callable[[Inputs], FloatArray]
    commodity_unit: str | None = None
    by_sector: bool = True

    def unit_of(self, commodity_unit: str) -> str:
        """The unit of this metric for a commodity measured in ``commodity_unit``."""
        return self.unit.format(unit=commodity_unit)

    def applies_to(self, commodity_unit: str) -> bool:
        return self.commodity_unit is None or commodity_unit == self.commodity_unit


REGISTRY: dict[str, Metric] = {}
"""Every metric by name, in the order they are reported."""


def register(metric: Metric) -> Metric:
    """Add ``metric`` to the registry (a name may be registered once)."""
    if metric.name in REGISTRY:
        raise SupplyshockError(f"metric {metric.name!r} is already registered")
    if not metric.name.isidentifier():
        raise SupplyshockError(f"metric names must be identifiers, not {metric.name!r}")
    REGISTRY[metric.name] = metric
    return metric


def metric_names(source: Source | None = None) -> list[str]:
    """Names of the registered metrics (of one source, if given), in registry order."""
    return [name for name, m in REGISTRY.items() if source is None or m.source == source]


def get_metric(name: str) -> Metric:
    """The metric called ``name``; :class:`UnknownMetricError` (listing the names) if none."""
    try:
        return REGISTRY[name]
    except (KeyError, TypeError):
        close = difflib.get_close_matches(str(name), list(REGISTRY), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise UnknownMetricError(
            f"unknown metric {name!r}{hint}; valid metrics: {', '.join(REGISTRY)}"
        ) from None


def check_metrics(names: Iterable[str] | None) -> list[str]:
    """The metric names, checked (all of them for None); raises on the first unknown one."""
    if names is None:
        return list(REGISTRY)
    if isinstance(names, str):
        names = [names]
    return [get_metric(name).name for name in names]


# ---------------------------------------------------------------------------- the metrics


def _total_short(x: Inputs) -> FloatArray:
    """Cumulative shortfall; totals within 1e-9 of cumulative demand are round-off (0)."""
    return fn.clip_round_off(fn.cumulative(x["shortfall"]), x["demand"].sum(axis=0))


def _peak_short(x: Inputs) -> FloatArray:
    """Peak daily shortfall; within 1e-9 of the peak daily demand it is round-off (0)."""
    return fn.clip_round_off(fn.peak(x["shortfall"]), x["demand"].max(axis=0, initial=0.0))


def _first_day(x: Inputs) -> FloatArray:
    return fn.first_from(x.shortfall_days())


def _never_built(x: Inputs) -> FloatArray:
    return np.asarray(x["expired"].sum(axis=0), dtype=np.float64)


def _still_delayed(x: Inputs) -> FloatArray:
    backlog = x["backlog"]
    return np.asarray(backlog[-1] if len(backlog) else np.zeros(backlog.shape[1]), np.float64)


def _lost(x: Inputs) -> FloatArray:
    lost = fn.cumulative(x["lost"])
    return fn.clip_round_off(lost, x["produced"].sum(axis=0) + lost)


def _lost_share(x: Inputs) -> FloatArray:
    lost = _lost(x)
    return safe_divide(lost, x["produced"].sum(axis=0) + lost)


def _priced(x: Inputs, name: str) -> bool:
    """The run has markets (its demand source carries the price series)."""
    return name in x.series


def _mean_price(x: Inputs) -> FloatArray:
    if not _priced(x, "demand_value"):
        return np.full(x["demand"].shape[1], np.nan)
    demand = x["demand"].sum(axis=0)
    mean = x["demand_value"].sum(axis=0) / np.where(demand > 0, demand, 1.0)
    return np.asarray(np.where(demand > 0, mean, np.nan), dtype=np.float64)


def _peak_ratio(x: Inputs) -> FloatArray:
    if not _priced(x, "ratio_demand"):
        return np.full(x["demand"].shape[1], np.nan)
    pair = (np.ascontiguousarray(x[k]) for k in ("ratio_demand", "priced_demand"))
    return passes.peak_ratio(*pair)


def _shortfall_cost(x: Inputs) -> FloatArray:
    if not _priced(x, "shortfall_value"):
        return np.full(x["demand"].shape[1], np.nan)
    return np.asarray(x["shortfall_value"].sum(axis=0), dtype=np.float64)


def _depletion(x: Inputs) -> FloatArray:
    used = safe_divide(x["full"] - x["level"], x["full"])
    return np.asarray(np.clip(used, 0.0, 1.0).max(axis=0, initial=0.0), dtype=np.float64)


def _empty_day(x: Inputs) -> FloatArray:
    full, level = x["full"], x["level"]
    empty = (full > 0) & (level <= 1e-9 * np.maximum(full, 1.0))
    day: FloatArray = empty.argmax(axis=0).astype(np.float64)
    day[~empty.any(axis=0)] = np.nan
    return day


_SHORT = (
    "the group's shortfall on day t: the sum over its demand rows of max(demand - delivered, 0)"
)

for _metric in (
    Metric(
        "shortfall",
        "{unit}",
        "cumulative unmet demand",
        f"sum over days of {_SHORT}; totals at most 1e-9 x cumulative demand are floating-point "
        "round-off and count as 0",
        "demand",
        _total_short,
    ),
    Metric(
        "peak_daily_shortfall",
        "{unit}/day",
        "largest one-day shortfall",
        "max over days of the daily shortfall (0 if never short; at most 1e-9 x the peak "
        "daily demand is round-off and counts as 0)",
        "demand",
        _peak_short,
    ),
    Metric(
        "unmet_share",
        "fraction",
        "share of demand not delivered",
        "cumulative shortfall (as in shortfall, round-off counted as 0) / cumulative demand "
        "(0 to 1)",
        "demand",
        lambda x: safe_divide(_total_short(x), x["demand"].sum(axis=0)),
    ),
    Metric(
        "days_in_shortfall",
        "days",
        "days with a shortfall",
        "number of days whose shortfall exceeds 1e-6 x that day's demand",
        "demand",
        lambda x: fn.days_from(x.shortfall_days()),
    ),
    Metric(
        "time_to_recovery_days",
        "days",
        "days from the first shortfall to lasting recovery",
        "days from the first shortfall day to the day after the last one, if at least "
        "recovery_window_days shortfall-free days follow before the horizon ends; 0 if never "
        "short; NaN if not recovered",
        "demand",
        lambda x: fn.recovery_from(x.shortfall_days(), len(x["shortfall"]), x.window),
    ),
    Metric(
        "first_shortfall_day",
        "days since start",
        "first day in shortfall",
        "index of the first day in shortfall (0 = the run's first day); NaN if never short",
        "demand",
        _first_day,
    ),
    Metric(
        "datacenter_mw_days_lost",
        "{unit}-days",
        "capacity-days not in service because capacity was not delivered",
        "for commodities in MW: sum over days t of the demand not delivered up to t (demand "
        "minus deliveries, summed over days up to t), i.e. every MW counts as not in service "
        "from its due day until it is delivered (deferrable rows) or to the horizon; totals at "
        "most 1e-9 x the same sum of the demand alone are floating-point round-off and count "
        "as 0",
        "demand",
        lambda x: fn.mw_days_not_in_service(x["demand"] - x["delivered"], x["demand"]),
        commodity_unit="MW",
    ),
    Metric(
        "datacenter_mw_days_delayed",
        "{unit}-days",
        "capacity-days of deferred builds waiting to be served",
        "for commodities in MW: sum over days of the deferred demand (backlog) waiting that day",
        "demand",
        lambda x: fn.cumulative(x["backlog"]),
        commodity_unit="MW",
    ),
    Metric(
        "mw_never_built",
        "{unit}",
        "deferred capacity dropped after its maximum delay",
        "for commodities in MW: sum over days of the deferred demand dropped that day because "
        "it waited longer than its maximum delay",
        "demand",
        _never_built,
        commodity_unit="MW",
    ),
    Metric(
        "mw_still_delayed",
        "{unit}",
        "deferred capacity still waiting at the horizon",
        "for commodities in MW: the backlog on the last day of the run",
        "demand",
        _still_delayed,
        commodity_unit="MW",
    ),
    Metric(
        "mean_price",
        "US$/{unit}",
        "demand-weighted mean price (runs with markets)",
        "sum over days of demand x the day's price in the country's market (a commodity its "
        "market does not price: its usd_per_unit) / sum over days of demand; NaN without markets",
        "demand",
        _mean_price,
    ),
    Metric(
        "peak_price_ratio",
        "ratio",
        "highest price relative to the base market (runs with markets)",
        "max over days of the demand-weighted ratio of the price in the country's market to the "
        "price in the base market (the markets table's first); NaN where either does not price "
        "the commodity or without markets",
        "demand",
        _peak_ratio,
    ),
    Metric(
        "shortfall_cost",
        "US$",
        "value of unmet demand at market prices (runs with markets)",
        f"sum over days of {_SHORT}, each row's at the day's price in its country's market "
        "(a commodity its market does not price: its usd_per_unit); NaN without markets",
        "demand",
        _shortfall_cost,
    ),
    Metric(
        "fab_output_lost",
        "{unit}",
        "fab output not made for want of inputs",
        "sum over days and fabs of the output a fab could have made with its capacity and "
        "orders but did not for want of inputs (in the fab output's unit); totals below "
        "1e-9 x (made + lost) are round-off and count as 0",
        "fab",
        _lost,
    ),
    Metric(
        "fab_output_lost_share",
        "fraction",
        "share of possible fab output lost",
        "fab output lost / (fab output made + fab output lost)",
        "fab",
        _lost_share,
    ),
    Metric(
        "stockpile_depletion",
        "fraction",
        "largest share of the strategic reserves used",
        "max over days t of (full(t) - level(t)) / full(t), where level(t) sums the reserves "
        "of the group's holders on day t and full(t) their levels on the first day",
        "reserve",
        _depletion,
    ),
    Metric(
        "stockpile_empty_day",
        "days since start",
        "first day the reserves are empty",
        "index of the first day with level(t) <= 1e-9 x max(full(t), 1); NaN if never empty",
        "reserve",
        _empty_day,
    ),
):
    register(_metric)
