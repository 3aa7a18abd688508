"""Cross-checks of a calibration spec against its scenario: parameter keys and bounds, series
(units, commodities, countries or market prices), bands, periods and the horizon. Nothing here
reads an observed value."""

from __future__ import annotations

import difflib

import pandas as pd

from supplyshock.calibrate.spec import METRICS, UNITS, CalibrationSpec, SeriesSpec, months_of
from supplyshock.errors import Problem
from supplyshock.scenario.schema import Scenario

__all__ = ["check_spec"]


def check_spec(spec: CalibrationSpec, scn: Scenario) -> list[Problem]:
    """Every problem of ``spec`` against ``scn`` that needs no observed value."""
    from supplyshock.batch.sampling import uncertain_parameters

    file = spec.origin_file
    problems: list[Problem] = []
    known = list(uncertain_parameters(scn))
    if not spec.parameters:
        problems.append(Problem(file, "parameters", {}, "no parameter to calibrate"))
    for key, bounds in spec.parameters.items():
        field = f"parameters.{key}"
        if key not in known:
            close = difflib.get_close_matches(key, known, n=3, cutoff=0.6)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            problems.append(
                Problem(
                    file,
                    field,
                    key,
                    f"{scn.name} has no uncertain parameter with this key"
                    f"{hint} (supplyshock params {scn.name} lists them)",
                )
            )
        if bounds.low > bounds.high:
            problems.append(
                Problem(file, f"{field}.low", bounds.low, f"above high ({bounds.high:g})")
            )
        elif bounds.start is not None and not bounds.low <= bounds.start <= bounds.high:
            problems.append(
                Problem(
                    file,
                    f"{field}.start",
                    bounds.start,
                    f"outside the bounds [{bounds.low:g}, {bounds.high:g}]",
                )
            )
    ids = [s.id for s in spec.series]
    for i, series in enumerate(spec.series):
        problems += _check_series(spec, scn, series, f"series[{i}]")
        if ids.index(series.id) != i:
            problems.append(
                Problem(file, f"series[{i}].id", series.id, "a second series with this id")
            )
    if not any(s.train for s in spec.series):
        problems.append(Problem(file, "series", ids, "no series has train months: nothing to fit"))
    return problems


def _check_series(
    spec: CalibrationSpec, scn: Scenario, series: SeriesSpec, field: str
) -> list[Problem]:
    file = spec.origin_file
    problems: list[Problem] = []
    units = {c.id: c.unit for c in scn.commodities}
    countries = {c.iso3 for c in scn.countries}
    q = series.model
    if q.market is not None:
        return (
            problems
            + _check_price(spec, scn, series, field)
            + _check_periods(spec, scn, series, field)
        )
    if series.unit not in UNITS:
        problems.append(
            Problem(file, f"{field}.unit", series.unit, f"unknown unit; known: {', '.join(UNITS)}")
        )
    if q.commodity not in units:
        close = difflib.get_close_matches(q.commodity, list(units), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        problems.append(
            Problem(
                file,
                f"{field}.model.commodity",
                q.commodity,
                f"{scn.name} has no such commodity{hint}",
            )
        )
    elif series.unit in UNITS and UNITS[series.unit][0] != units[q.commodity]:
        problems.append(
            Problem(
                file,
                f"{field}.unit",
                series.unit,
                f"{q.commodity} is measured in {units[q.commodity]}",
            )
        )
    for name, code in [("exporter", q.exporter), *(("importer", c) for c in q.importer or [])]:
        if code not in countries:
            problems.append(
                Problem(file, f"{field}.model.{name}", code, f"{scn.name} has no such country")
            )
    return problems + _check_periods(spec, scn, series, field)


def _check_price(
    spec: CalibrationSpec, scn: Scenario, series: SeriesSpec, field: str
) -> list[Problem]:
    """A price series names a market row of the scenario and its price unit."""
    q = series.model
    rows = [m for m in scn.markets if m.market == q.market and m.commodity == q.commodity]
    if not rows:
        known = sorted({f"{m.market}/{m.commodity}" for m in scn.markets}) or ["none"]
        return [
            Problem(
                spec.origin_file,
                f"{field}.model.market",
                q.market,
                f"{scn.name} prices no {q.commodity} in this market (market/commodity: "
                f"{', '.join(known)})",
            )
        ]
    unit = {c.id: c.unit for c in scn.commodities}[q.commodity]
    expected = rows[0].price_unit or f"US$/{unit}"
    if series.unit != expected:
        return [
            Problem(
                spec.origin_file, f"{field}.unit", series.unit, f"the market prices in {expected}"
            )
        ]
    return []


def _check_periods(
    spec: CalibrationSpec, scn: Scenario, series: SeriesSpec, field: str
) -> list[Problem]:
    """Bands, train/test/reference periods, the horizon and the file of one series."""
    file = spec.origin_file
    problems: list[Problem] = []
    for metric in series.bands:
        split, _, name = metric.partition(".")
        if split not in ("train", "test") or name not in METRICS:
            problems.append(
                Problem(
                    file,
                    f"{field}.bands.{metric}",
                    metric,
                    f"bands are named train.METRIC or test.METRIC with METRIC one of "
                    f"{', '.join(METRICS)}",
                )
            )
    for metric, (lo, hi) in series.bands.items():
        if lo > hi:
            problems.append(Problem(file, f"{field}.bands.{metric}", [lo, hi], "low is above high"))
    train, found = months_of(series.train, file, f"{field}.train", series.period)
    test, more = months_of(series.test, file, f"{field}.test", series.period)
    problems += found + more
    reference: list[str] = []
    if series.reference is not None:
        reference, more = months_of([series.reference], file, f"{field}.reference", series.period)
        problems += more
    for month in sorted(set(train) & set(test)):
        problems.append(
            Problem(
                file, f"{field}.test", month, "also a train month: train and test must not overlap"
            )
        )
    first, last = pd.Period(scn.start, freq="M"), pd.Period(scn.end, freq="M") - 1
    if scn.start.day != 1:
        first += 1  # only whole months are compared
    for split, months in (("train", train), ("test", test), ("reference", reference)):
        for month in months:
            span = pd.Period(month, freq="Y" if series.period == "year" else "M")
            inside = first <= span.asfreq("M", how="start") and span.asfreq("M", how="end") <= last
            if not inside:
                problems.append(
                    Problem(
                        file,
                        f"{field}.{split}",
                        month,
                        f"outside the horizon of {scn.name} (whole months {first} to {last})",
                    )
                )
    if not spec.path_of(series.file).is_file():
        problems.append(Problem(file, f"{field}.file", series.file, "no such file"))
    return problems
