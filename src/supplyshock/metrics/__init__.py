"""Metrics: one registry of named, documented metrics with their units, and their building blocks.

Every metric a run, a batch, a comparison, a sensitivity study or an EMA outcome can report is
a :class:`Metric` in :data:`REGISTRY`, looked up by name (:func:`get_metric`; an unknown name
is an :class:`UnknownMetricError` listing the valid ones). :func:`metric_table` computes them
for one run per country, bloc (dated or ever membership) and sector; the pure functions below
are the building blocks, taking arrays shaped ``[day, series]``.

>>> from supplyshock.metrics import get_metric
>>> get_metric("peak_daily_shortfall").unit_of("t")
't/day'
"""

from __future__ import annotations

from supplyshock.metrics.functions import (
    TOL,
    cumulative,
    days_in_shortfall,
    first_shortfall_day,
    mw_days_lost,
    peak,
    shortfall_table,
    summarize,
    time_to_recovery,
    unmet_share,
)
from supplyshock.metrics.grouping import (
    MEMBERSHIPS,
    Membership,
    caption,
    check_membership,
    daily_totals,
    metric_table,
)
from supplyshock.metrics.registry import (
    REGISTRY,
    Inputs,
    Metric,
    UnknownMetricError,
    check_metrics,
    get_metric,
    metric_names,
    register,
)

__all__ = [
    "MEMBERSHIPS",
    "REGISTRY",
    "TOL",
    "Inputs",
    "Membership",
    "Metric",
    "UnknownMetricError",
    "caption",
    "check_membership",
    "check_metrics",
    "cumulative",
    "daily_totals",
    "days_in_shortfall",
    "first_shortfall_day",
    "get_metric",
    "metric_names",
    "metric_table",
    "mw_days_lost",
    "peak",
    "register",
    "shortfall_table",
    "summarize",
    "time_to_recovery",
    "unmet_share",
]
