"""Event types as an installed package would declare them through entry points (not registered
at import: the registry registers what the entry points name)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

import supplyshock.events as sse


class Tremor(sse.EventBase):
    type: Literal["tremor"]
    start: dt.date


class Rumour(sse.EventBase):
    type: Literal["rumour"]
    start: dt.date


RUMOUR = sse.EventType(Rumour, label=lambda event: [(event.start, "rumour")])
