"""Candidates whose larger reserves never run dry share a run.

When candidates differ only in the sizes of strategic reserves, a run reads a reserve's level
only to cap its release (docs/model.md, "One day", step 2). A release capped by the level
empties the reserve exactly, so a reserve that held something at the end of every day was
never capped; a larger one, starting higher and moving by the same amounts, is never capped
either (floating-point addition and subtraction are monotone), and its run is the same. In one
future, a candidate with sizes ``b`` therefore has the constraint values of a candidate run
with sizes ``a`` when ``b >= a`` reserve by reserve and every reserve with ``b > a`` held
something on every day of that run (:func:`covers`). :func:`levels_unread` and
:func:`mix_confined` say when nothing else reads the levels, so that the rule holds. The proof
and an example are in docs/model.md, "Candidates that share a run".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from supplyshock.events.export_control import ExportControl
from supplyshock.events.registry import REGISTRY as EVENT_TYPES
from supplyshock.events.stockpile_release import StockpileRelease
from supplyshock.metrics import REGISTRY
from supplyshock.model.network import FloatArray, Network
from supplyshock.model.variants import reserve_rows, sizes_reserves_only
from supplyshock.results import RunResult
from supplyshock.scenario.levers import ChanceConstraint
from supplyshock.scenario.schema import Scenario

__all__ = [
    "Made",
    "confined_reserves",
    "covers",
    "dry_reserves",
    "levels_unread",
    "levered_reserves",
    "mix_confined",
    "run_order",
]

LEVEL_CONDITIONS = ("reserve", "reserve_share")
"""Rule condition quantities that read reserve levels."""


def levels_unread(scenario: Scenario, constraints: Sequence[ChanceConstraint]) -> bool:
    """Whether candidates of ``scenario`` (its levers) may share runs by :func:`covers`, as far
    as the scenario tells (:func:`mix_confined` checks the compiled network).

    True when every lever sizes a strategic reserve and no part of a run reads a reserve's
    level but its release cap: no rule condition reads reserves, no ``stockpile_release``
    (dated or a rule's action) is a share of the content, every event type is built in, no
    constraint's metric reads reserve levels, and no rule adds a content rule (which
    :func:`mix_confined` could not see in the compiled network).
    """
    if not sizes_reserves_only(scenario, scenario.levers):
        return False
    if any(REGISTRY[c.metric].source == "reserve" for c in constraints):
        return False
    events = list(scenario.events)
    for rule in scenario.rules:
        if any(c.quantity in LEVEL_CONDITIONS for c in rule.when):
            return False
        # a content rule added during a run is not in the compiled network
        if any(isinstance(e, ExportControl) and e.content_rule is not None for e in rule.then):
            return False
        events += rule.then
    for event in events:
        if not EVENT_TYPES.is_builtin(event.type):
            return False
        if isinstance(event, StockpileRelease) and event.share is not None:
            return False
    return True


def mix_confined(net: Network, varying: np.ndarray) -> bool:
    """Whether the origin mix of the reserves ``varying`` (a mask) reaches no link a content
    rule reads. A refilling reserve's mix depends on its level; it reaches the reserve's
    eligible buyers, from them any refilling reserve they sell to and any facility whose
    inputs they are, and from a facility every buyer it ships to. Origin content changes a
    run's quantities only through content rules (``Control.content`` links), so if none of
    the links so reached is one, the mix changes nothing else."""
    refills = np.array([r.refill_rate_per_day > 0 for r in net.reserves], dtype=bool)
    varying = np.asarray(varying, dtype=bool)
    if not (varying & refills).any():
        return True
    content = np.zeros(len(net.link_buyer), dtype=bool)
    for control in net.controls:
        content |= control.content
    buyers = np.zeros(net.n_buyers, dtype=bool)
    facilities = np.zeros(len(net.facilities), dtype=bool)
    for r in np.flatnonzero(varying & refills):
        buyers[net.reserves[r].eligible_buyers] = True
    while True:
        for r in np.flatnonzero(refills):  # a refill mixes its buyers' content into its own
            eligible = net.reserves[r].eligible_buyers
            if buyers[eligible].any():
                buyers[eligible] = True
        inputs = buyers & (net.buyer_facility >= 0)
        reached = facilities.copy()
        reached[net.buyer_facility[inputs]] = True
        links = reached[net.link_supplier]
        if (links & content).any():
            return False
        before = int(buyers.sum()) + int(facilities.sum())
        buyers[net.link_buyer[links]] = True
        facilities = reached
        if int(buyers.sum()) + int(facilities.sum()) == before:
            return True


def confined_reserves(net: Network) -> np.ndarray:
    """Per reserve of ``net``: whether its own mix reaches no content-rule link
    (:func:`mix_confined` of it alone). The mix of several reserves reaches what each one's
    reaches, so several are confined when each is."""
    return np.array(
        [mix_confined(net, np.arange(len(net.reserves)) == r) for r in range(len(net.reserves))],
        dtype=bool,
    )


def dry_reserves(result: RunResult) -> np.ndarray:
    """Per reserve: whether its level was 0 (or less) at the end of some day of ``result``."""
    levels = result.reserves
    if levels.shape[0] == 0:
        return np.zeros(levels.shape[1], dtype=bool)
    return np.asarray(levels.min(axis=0) <= 0.0)


def covers(sizes: FloatArray, dry: np.ndarray, other: FloatArray) -> bool:
    """Whether a run with reserve sizes ``sizes``, whose reserves ``dry`` ran dry, is also the
    run with sizes ``other`` (under :func:`levels_unread` and :func:`mix_confined`): every size
    at least as large, and every larger one's reserve never dry."""
    larger = other > sizes
    return bool(np.all(other >= sizes) and not np.any(larger & dry))


def run_order(sizes: Sequence[FloatArray]) -> list[int]:
    """Candidates by increasing total size (then size by size), so that a candidate comes
    after every candidate whose sizes are all at most its own."""
    return sorted(range(len(sizes)), key=lambda k: (float(np.sum(sizes[k])), tuple(sizes[k])))


@dataclass(frozen=True)
class Made:
    """A run made in one future: its reserve sizes, which reserves ran dry, which reserves'
    mix reaches no content-rule link (:func:`confined_reserves`), and its constraint values."""

    sizes: FloatArray
    dry: np.ndarray
    confined: np.ndarray
    values: np.ndarray

    def covers(self, sizes: FloatArray) -> bool:
        """Whether this run is also the run with reserve sizes ``sizes`` (:func:`covers`, and
        every larger reserve's mix confined)."""
        larger = sizes > self.sizes
        return covers(self.sizes, self.dry, sizes) and bool(self.confined[larger].all())

    def useful(self, levered: np.ndarray) -> bool:
        """Whether it can cover other sizes than its own: some reserve that candidates size
        (``levered``, a mask) never ran dry."""
        return bool((levered & ~self.dry).any())


def levered_reserves(scenario: Scenario) -> np.ndarray:
    """Per reserve (one per strategic stock row, in row order): whether a lever of
    ``scenario`` sizes it (none when a lever writes anything but reserve sizes)."""
    rows = [i for i, s in enumerate(scenario.stocks) if s.kind == "strategic"]
    sized = reserve_rows(scenario, scenario.levers) or set()
    return np.array([i in sized for i in rows], dtype=bool)
