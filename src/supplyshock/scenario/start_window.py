"""The window of a facility's start: every start date its slip or its price timing can give
must lie inside the horizon (docs/model.md, "Supply responses")."""

from __future__ import annotations

import datetime as dt
import math
from typing import TYPE_CHECKING

from supplyshock.scenario import schema
from supplyshock.scenario.distributions import Choice, Distribution

if TYPE_CHECKING:
    from supplyshock.scenario.checks import TableChecker

__all__ = ["check_start_window"]


def check_start_window(
    ck: TableChecker, table: str, i: int, f: schema.Facility, prefix: str
) -> None:
    """Every start date a slip or the price timing can give must lie inside the horizon
    (docs/model.md)."""
    slip = f.start_slip_days
    early, late = f.advance_days, f.hold_days
    if not isinstance(slip, Distribution | Choice) and slip == 0 and not early + late:
        return
    field = f"{prefix}start_slip_days"
    shown = slip.model_dump() if isinstance(slip, Distribution | Choice) else slip
    if early + late and (slip == 0 or f.start is None):
        field = f"{prefix}advance_days" if early else f"{prefix}hold_days"
        shown = early or late
    if f.start is None:
        what = "a start slip" if field.endswith("start_slip_days") else "price timing"
        ck.add(table, i, field, shown, f"{what} needs a start date")
        return
    if isinstance(slip, Choice):
        if any(isinstance(c, str) for c in slip.choice):
            ck.add(table, i, field, shown, "choices must be numbers of days")
            return
        low, high = min(map(float, slip.choice)), max(map(float, slip.choice))
    elif isinstance(slip, Distribution):
        low, high = slip.support()
    else:
        low = high = float(slip)
    low, high = low - early, high + late
    start = f.start
    first = (ck.scn.start - start).days
    last = (ck.scn.end - start).days
    if low < first or high > last:

        def when(days: float) -> str:
            if not math.isfinite(days):
                return "unbounded"
            return (start + dt.timedelta(days=round(days))).isoformat()

        ck.add(
            table,
            i,
            field,
            shown,
            f"start {f.start} plus the slip{' and price timing' if early + late else ''} "
            f"ranges from {when(low)} to {when(high)}, "
            f"outside the horizon {ck.scn.start} to {ck.scn.end}",
        )
