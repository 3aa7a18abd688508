"""The compiled network: a scenario as integer-indexed numpy arrays, ready to simulate.

Everything here is plain data (numpy arrays, tuples, small frozen dataclasses, and the validated
records of events whose types have start hooks), picklable so that a compiled network can
travel to worker processes. Index conventions:

- countries ``c``, commodities ``k``, facilities ``f``, days ``t`` (0 = scenario start);
- buyers ``b``: first one per facility input (``buyer_facility[b] >= 0``), then one per firm
  of each demand row (markets, ``buyer_facility[b] == -1``; ``market_row`` names the row);
- links ``l``: a (buyer, supplier facility) pair over a trade lane;
- tracers ``o``: (origin country, controlled commodities) pairs whose value share is tracked
  for content rules (``origins`` holds their labels).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from supplyshock.model.memo import Memo

if TYPE_CHECKING:
    from supplyshock.events.base import EventBase
    from supplyshock.model.markets import MarketSpec
    from supplyshock.model.rules import RuleTable

__all__ = [
    "Amendment",
    "Control",
    "GeneralLicenceSpec",
    "Network",
    "ReleaseWindow",
    "Reserve",
    "ShareChange",
    "SuspensionSpec",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]


@dataclass(frozen=True)
class Control:
    """An export control compiled to link masks.

    ``direct`` marks links that export a controlled commodity from the exporter to a controlled
    destination (and sector and entity); ``content`` marks links from third countries that fall
    under the control when their goods carry at least ``threshold`` of tracer ``origin``
    (controlled content of the rule's origin country).
    """

    id: str
    mode: str
    start: int
    end: int
    exporter: int
    goods: BoolArray  # [k] commodities controlled
    direct: BoolArray
    content: BoolArray
    origin: int
    threshold: float
    approval_probability: float
    processing_days: object
    validity_days: float  # inf: licences never expire
    licensed_share: float
    coverage: float
    quota_per_day: float
    domestic_first: bool
    has_content: bool  # the content rule can reach some link
    precaution_factor: float = 1.0  # buyers of controlled goods multiply their cover by it
    precaution_days: int = 0  # ... for so many days from precaution_start
    precaution_start: int = 0  # the day the control was announced (its start if not given)


@dataclass(frozen=True)
class ShareChange:
    """Supplier shares of one buyer country and commodity from day ``day`` on: each of the
    ``links`` takes its ``weight``, its qualification (``contracted``: qualified now; else an
    alternative) and its allocation ``rank`` (docs/model.md, "Dated supplier shares")."""

    day: int
    links: IntArray
    weight: FloatArray
    contracted: BoolArray
    rank: IntArray


@dataclass(frozen=True)
class Amendment:
    """New terms for control ``control`` from day ``start`` (None keeps a term)."""

    control: int
    start: int
    approval_probability: float | None
    processing_days: object | None
    validity_days: float | None
    coverage: float | None
    licensed_share: float | None


@dataclass(frozen=True)
class GeneralLicenceSpec:
    """A general licence under control ``control`` on ``links`` over [start, end)."""

    control: int
    start: int
    end: int
    links: BoolArray


@dataclass(frozen=True)
class SuspensionSpec:
    """A suspension of control ``control`` over [start, end), with a drawn snapback outcome."""

    control: int
    start: int
    end: int
    snapback: bool
    snapback_delay: int


@dataclass(frozen=True)
class Reserve:
    """A strategic reserve: holder country, commodity, initial quantity, release rules."""

    country: int
    commodity: int
    quantity: float
    trigger_days: float
    rate_per_day: float
    eligible_buyers: IntArray
    refill_rate_per_day: float = 0.0


@dataclass(frozen=True)
class ReleaseWindow:
    """A scheduled release from reserve ``reserve`` at ``rate_per_day`` over [start, end)."""

    reserve: int
    start: int
    end: int
    rate_per_day: float
    share: float = 0.0  # > 0: release share x content on ``start`` over ``end - start`` days


@dataclass(frozen=True)
class Network:
    """A scenario compiled for one replication (uncertain values already drawn)."""

    name: str
    start: dt.date
    horizon: int
    countries: tuple[str, ...]
    commodities: tuple[str, ...]
    commodity_units: tuple[str, ...]
    facilities: tuple[str, ...]
    facility_kinds: tuple[str, ...]
    origins: tuple[str, ...]
    blocs: dict[str, BoolArray]  # bloc -> [country, day] membership

    price: FloatArray  # [k]
    fac_country: IntArray  # [f]
    fac_output: IntArray  # [f]
    capacity: FloatArray  # [f, t] units/day after start, ramp, shocks
    out_cover_days: FloatArray  # [f]
    outage_rate_per_day: FloatArray  # [f]
    outage_days: tuple[object, ...]  # per facility: float or distribution, drawn per outage
    fac_origin: FloatArray  # [f, o] 1 where the facility's country is origin o

    buyer_facility: IntArray  # [b]
    buyer_country: IntArray  # [b]
    buyer_commodity: IntArray  # [b]
    buyer_tier: IntArray  # [b]
    per_unit: FloatArray  # [i, t] input per unit output (facility inputs), incl. yield, thrifting
    essential: FloatArray  # [i] share of the output that needs the input (1 = all)
    cover_days: FloatArray  # [b]
    demand: FloatArray  # [m, t] market demand per day, incl. growth and shifts
    n_inputs: int

    link_buyer: IntArray  # [l]
    link_supplier: IntArray  # [l]
    link_lead: IntArray  # [l] days >= 1
    link_weight: FloatArray  # [l]
    link_qualified: BoolArray  # [l] at start (a supply contract)
    link_rank: IntArray  # [l] allocation order (lower first) before any domestic-first control
    link_export: BoolArray  # [l] crosses a border
    link_key: IntArray  # [l] stable hash of (buyer, supplier) names, for keyed random draws

    controls: tuple[Control, ...]
    suspensions: tuple[SuspensionSpec, ...]
    resumes: tuple[tuple[int, int], ...]  # (control, day)
    amendments: tuple[Amendment, ...]
    general_licences: tuple[GeneralLicenceSpec, ...]
    reserves: tuple[Reserve, ...]
    releases: tuple[ReleaseWindow, ...]

    smoothing_days: float
    switch_after_days: int
    switch_fill_share: float
    qualification_days: tuple[object, ...]  # per commodity: days, or a distribution
    recovery_window_days: int

    init_buyer_stock: FloatArray  # [b]
    init_output_stock: FloatArray  # [f]
    init_link_flow: FloatArray  # [l] steady daily flow used to fill pipelines
    init_signal: FloatArray  # [f] steady daily orders received
    init_buyer_origin: FloatArray  # [b, o] origin value shares
    init_output_origin: FloatArray  # [f, o]
    buyer_sector: tuple[str, ...] = ()  # [b] demand-row sector or the facility's kind
    market_row: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # [m]
    # demand row of each market (the firms of a row share it)
    max_delay: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # [m]
    # days deferred demand waits before it expires; -1: not deferrable (lost sales)
    tension_steps: tuple[tuple[int, int, float], ...] = ()  # (day, tension, change)
    rules: RuleTable | None = None
    custom_events: tuple[tuple[int, EventBase], ...] = ()  # (day, event): types with start hooks
    markets: MarketSpec | None = None  # price slots and demand responses; None: no prices
    share_changes: tuple[ShareChange, ...] = ()  # dated supplier shares, by day
    extra: dict[str, object] = field(default_factory=dict)
    memo: Memo = field(default_factory=Memo, repr=False)
    """Results a run forms from this network (and its seed), with the inputs they were formed
    from: runs of networks made from it by ``dataclasses.replace``, which share the memo
    (:mod:`supplyshock.model.variants`), form them once. Memos compare equal."""

    @property
    def n_buyers(self) -> int:
        return len(self.buyer_facility)

    @property
    def n_links(self) -> int:
        return len(self.link_buyer)

    def day(self, date: dt.date) -> int:
        """Day index of a calendar date (may be negative or beyond the horizon)."""
        return (date - self.start).days
