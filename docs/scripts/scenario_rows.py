"""Per-run and per-scenario region rows of docs/scenarios.md and docs/scenarios_headline.csv.

A *region* is a bloc (``alliance``, ``eu27``), a member of the alliance outside the EU (counted on
the days it is a member, so members add up to the alliance where no EU state joins it) or a
country outside it (counted on every day).
Each region gets the same columns: shortfall per commodity, the magnet unmet shares, fab output
lost, deferred datacenter demand and the magnet recovery time.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence

import numpy as np
import pandas as pd

import supplyshock as ss

COMMODITIES = {
    "ndfeb_magnet": "magnets (t)",
    "dy_oxide": "Dy oxide (t)",
    "smco_magnet": "SmCo magnets (t)",
    "gallium": "gallium (t)",
    "compound_wafer": "compound wafers (6-inch-eq)",
    "datacenter_capacity": "datacenter (MW)",
}
MEMBERSHIP = "dated"
"""Members count only on the days they belong to the bloc."""
BLOCS = ("alliance", "eu27")
ALLIANCE, EUROPE = "alliance", "eu27"
COUNTRIES = ("DEU", "TWN", "USA")
"""Countries reported besides the alliance members (outside the alliance: every day)."""
RECOVERY = "magnet recovery (days)"
NAMES = [
    "shortfall",
    "unmet_share",
    "time_to_recovery_days",
    "fab_output_lost",
    "fab_output_lost_share",
    "datacenter_mw_days_delayed",
    "mw_never_built",
    "mw_still_delayed",
]
FAB_LOST = "fab output lost, mature"
"""Share of the mature-wafer fabs' possible output (made + lost) lost for want of inputs."""
FAB_LEADING = "fab output lost, leading"
"""The same for leading-edge wafers (``wafer_leading``)."""
DATACENTER = {
    "datacenter_mw_days_delayed": "datacenter delayed (MW-days)",
    "mw_never_built": "datacenter never built (MW)",
    "mw_still_delayed": "datacenter still delayed at horizon (MW)",
}
SNAPBACK = re.compile(r"^events\[(?P<event>.+)\]\.snapback$")


def _value(records: dict[str, dict[str, float]], commodity: str, name: str) -> float:
    """A metric of one commodity; NaN where the region has no such row or it does not apply."""
    return float(records.get(commodity, {}).get(name, np.nan))


def _region_row(records: dict[str, dict[str, float]], weekly: float) -> dict[str, float]:
    """The columns of one region from its metric rows by commodity; 0 shortfall for a
    commodity it does not demand."""
    row = {
        label: float(records[c]["shortfall"]) if c in records else 0.0
        for c, label in COMMODITIES.items()
    }
    magnets = "ndfeb_magnet" in records
    row["magnet unmet share"] = _value(records, "ndfeb_magnet", "unmet_share") if magnets else 0.0
    row["peak weekly magnet unmet"] = weekly
    row[RECOVERY] = _value(records, "ndfeb_magnet", "time_to_recovery_days") if magnets else 0.0
    row[FAB_LOST] = _value(records, "wafer", "fab_output_lost_share")
    row[FAB_LEADING] = _value(records, "wafer_leading", "fab_output_lost_share")
    row["fab output lost (wafers)"] = _value(records, "wafer", "fab_output_lost")
    row["fab output lost (leading wafers)"] = _value(records, "wafer_leading", "fab_output_lost")
    for name, label in DATACENTER.items():
        row[label] = _value(records, "datacenter_capacity", name)
    return row


def _peak_weekly_magnet_unmet(daily: pd.DataFrame, key: str, keep: Sequence[str]) -> pd.Series:
    """Per region: the largest share of a week's magnet demand left unmet (weeks to Sunday)."""
    magnets = daily[(daily["commodity"] == "ndfeb_magnet") & daily[key].isin(keep)]
    weeks = magnets.groupby([key, pd.Grouper(key="date", freq="W")])[["shortfall", "demand"]]
    weekly = weeks.sum()
    share = weekly["shortfall"] / weekly["demand"]
    return share.groupby(level=0).max()


def _rows_by(
    result: ss.RunResult, key: str, keep: Sequence[str], bloc: str | None, counted: str
) -> list[dict[str, object]]:
    if not keep:
        return []
    table = result.metrics(NAMES, by=[key, "commodity"], bloc=bloc, membership=MEMBERSHIP)
    daily = result.daily_totals(by=[key, "commodity"], bloc=bloc, membership=MEMBERSHIP)
    weekly = _peak_weekly_magnet_unmet(daily, key, keep)
    records: dict[str, dict[str, dict[str, float]]] = {}
    for record in table.to_dict("records"):
        records.setdefault(str(record[key]), {})[str(record["commodity"])] = record
    rows: list[dict[str, object]] = []
    for region in keep:
        if region in records:
            row = _region_row(records[region], float(weekly.get(region, 0.0)))
            rows.append({"region": region, "counted": counted, **row})
    return rows


def run_rows(result: ss.RunResult) -> list[dict[str, object]]:
    """One row per region of one run: the blocs, the alliance members (dated membership) and
    the reported countries outside the alliance (every day). EU member states that join the
    alliance (``europe_joins_alliance``) are reported like the others, through the ``eu27``
    bloc and Germany on every day, so their rows compare across scenarios."""
    blocs = [b for b in BLOCS if b in result.blocs]
    rows = _rows_by(result, "bloc", blocs, None, "member days")
    europe = set(result.members(EUROPE)) if EUROPE in result.blocs else set()
    members = result.members(ALLIANCE) if ALLIANCE in result.blocs else []
    members = [c for c in members if c not in europe]  # in the eu27 rows, Germany every day
    rows += _rows_by(result, "country", members, ALLIANCE if members else None, "member days")
    others = [c for c in COUNTRIES if c not in members and c in result.countries]
    rows += _rows_by(result, "country", others, None, "all days")
    return rows


def snapback_draws(result: ss.RunResult) -> dict[str, bool]:
    """Whether each suspension with a drawn snapback snapped back in this run, by event id
    (from the run's drawn parameters)."""
    draws = result.provenance.get("draws", {})
    return {
        m["event"]: bool(value)
        for key, value in draws.items()
        if (m := SNAPBACK.match(key)) is not None
    }


def summarise(runs: pd.DataFrame) -> pd.DataFrame:
    """Per region: means over runs, the median recovery time and the share not recovered."""
    rows = []
    for (region, counted), frame in runs.groupby(["region", "counted"], sort=False):
        numbers = frame.drop(columns=["region", "counted", "run"])
        summary = numbers.mean().to_dict()
        summary[RECOVERY] = float(frame[RECOVERY].median())
        summary["not recovered"] = float(frame[RECOVERY].isna().mean())
        rows.append({"region": region, "counted": counted, "replications": len(frame), **summary})
    return pd.DataFrame(rows)


def scenario_runs(scn: ss.Scenario, seeds: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Region rows of ``seeds`` runs (seeds 0, 1, ...) and each run's snapback draws."""
    rows, draws = [], []
    for s in range(seeds):
        result = ss.run(scn, seed=s)
        rows += [{"run": s, **row} for row in run_rows(result)]
        draws.append({"run": s, **snapback_draws(result)})
    return pd.DataFrame(rows), pd.DataFrame(draws).set_index("run")


def by_snapback(runs: pd.DataFrame, draws: pd.DataFrame, controls: dict[str, str]) -> pd.DataFrame:
    """Summaries of all runs and of the runs with each combination of snapback outcomes, labelled
    by the controls that snapped back (``controls`` maps a suspension's event id to its
    control's id; ``none`` where none did)."""
    groups = [summarise(runs).assign(group="all")]
    events = list(draws.columns)
    for outcome in itertools.product([True, False], repeat=len(events)):
        match = (draws[events] == list(outcome)).all(axis=1) if events else draws.index >= 0
        part = runs[runs["run"].isin(draws.index[match])]
        if not part.empty:
            snapped = [controls.get(e, e) for e, yes in zip(events, outcome, strict=True) if yes]
            groups.append(summarise(part).assign(group=" and ".join(snapped) or "none"))
    return pd.concat(groups, ignore_index=True)
