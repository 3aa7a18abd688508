"""Markdown tables of docs/scenarios.md from the region rows (see scenario_rows.py)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd
from scenario_rows import COMMODITIES, DATACENTER, FAB_LEADING, FAB_LOST, RECOVERY

REGION_NAMES = {"eu27": "EU27"}
DASH = "—"


def sig(value: float, digits: int = 3) -> str:
    """``value`` to ``digits`` significant figures with thousands separators (— if NaN)."""
    if value is None or math.isnan(value):
        return DASH
    if value == 0:
        return "0"
    decimals = digits - 1 - math.floor(math.log10(abs(value)))
    return f"{round(value, decimals):,.{max(decimals, 0)}f}"


def percent(share: float, digits: int = 3) -> str:
    """A share (0-1) as a percentage to ``digits`` significant figures."""
    text = sig(100 * share, digits)
    return text if text == DASH else f"{text}%"


def recovery(row: pd.Series, digits: int | None = None) -> str:
    """Median recovery time, ``not recovered`` or — (never short), with the share of runs not
    recovered when only some recover."""
    days = row[RECOVERY]
    if days == 0:
        text = DASH
    elif math.isnan(days):
        text = "not recovered"
    else:
        text = f"{days:.0f}" if digits is None else sig(days, digits)
    if 0 < row["not recovered"] < 1:
        text += f" ({row['not recovered']:.0%} of runs not recovered)"
    return text


def _fixed_percent(share: float) -> str:
    return DASH if math.isnan(share) else f"{100 * share:.2f}%"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], labels: int = 1) -> str:
    lines = [
        "| " + " | ".join(header) + " |",
        "|" + "---|" * labels + "---:|" * (len(header) - labels),
    ]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def _region(frame: pd.DataFrame, scenario: str, region: str) -> pd.Series | None:
    part = frame[(frame["scenario"] == scenario) & (frame["region"] == region)]
    return None if part.empty else part.iloc[0]


def headline_table(
    frame: pd.DataFrame, first: Sequence[str], labels: Sequence[Sequence[str]]
) -> str:
    """The alliance headline per row of ``frame`` (scenario or replication group), with
    Taiwan's fab output lost; ``first`` heads the label columns."""
    header = [
        *first,
        *COMMODITIES.values(),
        "alliance fab lost, mature",
        "alliance fab lost, leading",
        "TWN fab lost, mature",
        "TWN fab lost, leading",
        "peak weekly magnet unmet",
        "magnet recovery (days, median)",
    ]
    rows = []
    for label, (_, r) in zip(labels, frame[frame["region"] == "alliance"].iterrows(), strict=True):
        twn = _region(frame[frame["group"] == r["group"]], r["scenario"], "TWN")
        cells = [f"{r[c]:,.1f}" for c in COMMODITIES.values()]
        cells += [_fixed_percent(r[FAB_LOST]), _fixed_percent(r[FAB_LEADING])]
        cells += [DASH if twn is None else _fixed_percent(twn[c]) for c in (FAB_LOST, FAB_LEADING)]
        cells += [f"{100 * r['peak weekly magnet unmet']:.1f}%", recovery(r)]
        rows.append([*label, *cells])
    return _table(header, rows, len(first))


def regions_table(frame: pd.DataFrame, regions: Sequence[str]) -> str:
    """Headline magnets, Dy oxide, gallium and fab output lost of ``regions`` per scenario."""
    header = [
        "scenario",
        "region",
        "magnets (t)",
        "magnet demand unmet",
        "peak weekly magnet unmet",
        "Dy oxide (t)",
        "gallium (t)",
        "fab output lost, mature (% of possible)",
        "fab output lost, leading (% of possible)",
        "magnet recovery (days, median)",
    ]
    rows = []
    for scenario in frame["scenario"].unique():
        for region in regions:
            r = _region(frame, scenario, region)
            if r is None:
                continue
            rows.append(
                [
                    f"`{scenario}`",
                    REGION_NAMES.get(region, region),
                    sig(r["magnets (t)"]),
                    percent(r["magnet unmet share"], 2),
                    percent(r["peak weekly magnet unmet"], 2),
                    sig(r["Dy oxide (t)"]),
                    sig(r["gallium (t)"]),
                    percent(r[FAB_LOST]),
                    percent(r[FAB_LEADING]),
                    recovery(r, 3),
                ]
            )
    return _table(header, rows, 2)


def fab_table(frame: pd.DataFrame, regions: Sequence[str]) -> str:
    """Fab output lost (% of possible output, mature / leading-edge) per scenario and region;
    — where no fabs."""
    header = ["scenario", *(f"{REGION_NAMES.get(r, r)} (%)" for r in regions)]
    rows = []
    for scenario in frame["scenario"].unique():
        cells = []
        for region in regions:
            r = _region(frame, scenario, region)
            cells.append(
                DASH
                if r is None
                else " / ".join(
                    DASH if pd.isna(r[c]) else sig(100 * r[c], 2) for c in (FAB_LOST, FAB_LEADING)
                )
            )
        rows.append([f"`{scenario}`", *cells])
    return _table(header, rows)


def datacenter_table(frame: pd.DataFrame, regions: Sequence[str]) -> str:
    """Deferred datacenter capacity of ``regions`` per scenario."""
    header = ["scenario"] + [f"{r} {label}" for r in regions for label in DATACENTER.values()]
    rows = []
    for scenario in frame["scenario"].unique():
        cells = []
        for region in regions:
            r = _region(frame, scenario, region)
            cells += [DASH if r is None else sig(r[label]) for label in DATACENTER.values()]
        rows.append([f"`{scenario}`", *cells])
    return _table(header, rows)
