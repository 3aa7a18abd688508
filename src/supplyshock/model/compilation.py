"""What event types compile into: the context their compile hooks fill in, stage by stage.

:func:`~supplyshock.model.compile.compile_scenario` makes one :class:`Compilation` per
replication and calls each type's compile hook at the type's stage (see
:data:`supplyshock.events.base.Stage`), in registration order of the types and list order of
the events; the lists filled in here become fields of the :class:`Network`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from supplyshock.model.index import FAR, ScenarioIndex, ramp
from supplyshock.model.network import (
    Amendment,
    BoolArray,
    Control,
    FloatArray,
    GeneralLicenceSpec,
    IntArray,
    ReleaseWindow,
    SuspensionSpec,
)

if TYPE_CHECKING:
    from supplyshock.model.draws import Drawer

__all__ = ["Compilation", "PolicyLinks", "Shift", "Tracer"]


@dataclass(frozen=True)
class PolicyLinks:
    """What policy compilation needs to know about the trade links."""

    buyer_country: IntArray  # [l]
    supplier_country: IntArray  # [l]
    supplier: IntArray  # [l] facility
    commodity: IntArray  # [l]
    export: BoolArray  # [l]
    sector: tuple[str, ...]  # [l] the buyer's sector (demand row) or kind (facility input)
    entity: tuple[str, ...]  # [l] the buyer's facility id ("" for final demand)


@dataclass(frozen=True)
class Tracer:
    """Controlled content tracked for content rules: commodities ``goods`` made in ``origin``."""

    origin: int
    goods: BoolArray  # [k]
    label: str


@dataclass(frozen=True)
class Shift:
    """A multiplier over days of the demand for ``commodity`` (``input`` None) or of the use
    of ``input`` per unit of ``commodity`` (thrifting), in the countries ``countries``."""

    commodity: int
    input: int | None
    countries: BoolArray  # [c]
    factor: FloatArray  # [t]


class Compilation:
    """One replication's compilation as the compile hooks see it.

    Always there: ``ix`` (names to indices, dates to days), ``draws`` (the replication's
    uncertain values, by key), ``fac_country`` and ``fac_output`` ([f]). By stage:

    - ``capacity``: ``capacity`` [f, t], units per day, to be scaled in place;
    - ``demand``: ``shifts``, multipliers of demand and of inputs per unit;
    - ``policy``: ``links``; ``controls`` (with ``control_index``, control key -> index, and
      the content ``tracers``), ``general_licences``, ``suspensions``, ``resumes``,
      ``amendments``;
    - ``reserves``: ``reserve_index`` ((country, commodity) -> strategic reserve) and
      ``releases``.

    ``tensions`` names the tensions of the scenario (their index order) and ``tension_steps``
    collects (day, tension, change) steps.
    """

    def __init__(
        self, ix: ScenarioIndex, draws: Drawer, fac_country: IntArray, fac_output: IntArray
    ) -> None:
        self.ix, self.draws = ix, draws
        self.fac_country, self.fac_output = fac_country, fac_output
        self.capacity: FloatArray = np.zeros((ix.F, ix.T))
        self.shifts: list[Shift] = []
        self._links: PolicyLinks | None = None
        self.tracers: list[Tracer] = []
        self.controls: list[Control] = []
        self.control_index: dict[str, int] = {}
        self.general_licences: list[GeneralLicenceSpec] = []
        self.suspensions: list[SuspensionSpec] = []
        self.resumes: list[tuple[int, int]] = []
        self.amendments: list[Amendment] = []
        self.reserve_index: dict[tuple[int, int], int] = {}
        self.releases: list[ReleaseWindow] = []
        self.tensions: tuple[str, ...] = ()
        self.tension_steps: list[tuple[int, int, float]] = []

    @property
    def links(self) -> PolicyLinks:
        """The trade links (from stage ``policy`` on)."""
        if self._links is None:
            raise RuntimeError("the trade links are known from compile stage 'policy' on")
        return self._links

    @links.setter
    def links(self, links: PolicyLinks) -> None:
        self._links = links

    @property
    def facility_names(self) -> tuple[str, ...]:
        """Facility ids by index (with new capacity)."""
        return tuple(f.id for f in self.ix.facilities)

    def day(self, date: dt.date | None, default: int = 0) -> int:
        """Day index of ``date`` (``default`` if None)."""
        return self.ix.day(date, default)

    def end_day(self, date: dt.date | None) -> int:
        """Day index of an end date; beyond any horizon if None (an open end)."""
        return self.ix.day(date, FAR)

    def ramp(self, start: int, ramp_days: float) -> FloatArray:
        """Over the horizon: 0 before ``start``, rising linearly to 1 over ``ramp_days``."""
        return ramp(self.ix.T, start, ramp_days)

    @staticmethod
    def named(values: tuple[str, ...], names: list[str]) -> BoolArray:
        """Where ``values`` is among ``names`` (everywhere when ``names`` is empty)."""
        if not names:
            return np.ones(len(values), dtype=bool)
        wanted = set(names)
        return np.array([v in wanted for v in values], dtype=bool)

    def tracer(self, origin: str, goods: BoolArray) -> int:
        """Index of the content tracer for ``origin`` and ``goods``, added if new."""
        ix = self.ix
        o = ix.country[origin]
        for i, tr in enumerate(self.tracers):
            if tr.origin == o and np.array_equal(tr.goods, goods):
                return i
        labels = ",".join(k for k, on in zip(ix.commodity, goods, strict=True) if on)
        self.tracers.append(Tracer(o, goods, f"{origin}:{labels}"))
        return len(self.tracers) - 1
