"""Projects whose start moves with the price of their output (docs/model.md, "Supply
responses", *Project timing*).

A facility with an ``advance_price`` or a ``hold_price`` is *timed*: its compiled capacity row
keeps the scheduled ramp (the starting state and the links see the project as scheduled),
and :class:`ProjectTiming` keeps what the daily step needs to move the start: the window of
start days, the two prices, the look-back and the facility's capacity at full rate with the
day's shocks, which the step multiplies by the ramp share of the actual start.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from supplyshock.model.network import FloatArray, IntArray
from supplyshock.scenario import schema

__all__ = ["ProjectTiming", "is_timed"]


def is_timed(f: schema.Facility) -> bool:
    """Whether the facility's start responds to the price of its output."""
    return f.advance_price is not None or f.hold_price is not None


@dataclass(frozen=True)
class ProjectTiming:
    """The timed projects of a replication, ``v`` of them, in facility order."""

    facility: IntArray  # [v] facility index
    scheduled: IntArray  # [v] start day S (start plus its drawn slip)
    first: IntArray  # [v] S - advance_days: the earliest start
    last: IntArray  # [v] S + hold_days: the latest start
    advance_price: FloatArray  # [v] mean price at or above which it starts early; inf: never
    hold_price: FloatArray  # [v] mean price below which it waits; 0: never waits
    window: IntArray  # [v] days of price the decision looks back on
    ramp_days: FloatArray  # [v] drawn ramp length
    full: FloatArray  # [v, t] capacity at full rate, with the day's shocks

    @classmethod
    def build(
        cls,
        facilities: list[tuple[int, schema.Facility, int, float]],
        capacity: FloatArray,
    ) -> ProjectTiming:
        """From (index, facility, start day, ramp days) of each timed facility and the
        capacity rows at full rate after the shocks."""
        index = np.array([i for i, *_ in facilities], dtype=np.int64)
        start = np.array([s for _, _, s, _ in facilities], dtype=np.int64)
        rows = [f for _, f, _, _ in facilities]
        return cls(
            facility=index,
            scheduled=start,
            first=start - np.array([f.advance_days for f in rows], dtype=np.int64),
            last=start + np.array([f.hold_days for f in rows], dtype=np.int64),
            advance_price=np.array(
                [np.inf if f.advance_price is None else f.advance_price for f in rows],
                dtype=np.float64,
            ),
            hold_price=np.array([f.hold_price or 0.0 for f in rows], dtype=np.float64),
            window=np.array([f.price_days for f in rows], dtype=np.int64),
            ramp_days=np.array([r for *_, r in facilities], dtype=np.float64),
            full=capacity[index].copy() if len(index) else np.zeros((0, capacity.shape[1])),
        )
