"""Networks of scenarios that differ from a compiled one only in the size of strategic reserves.

A robust search runs many candidate portfolios in the same future. When every lever sizes a
strategic reserve (``stocks[HOLDER.COMMODITY.strategic].quantity``), two candidates differ in
nothing but those numbers, and compilation uses a reserve's ``quantity`` in one place only: the
initial quantity of its :class:`~supplyshock.model.network.Reserve`. No draw, schedule, link,
steady state, rule or price depends on it (the run does, through the reserve's level). So the
network of one candidate in a future, with the reserves' quantities replaced, is the network
:func:`~supplyshock.model.compile.compile_scenario` gives for another in the same future (tested
field by field), and a future is compiled once for all candidates of a search task instead of
once per candidate and future.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from supplyshock.errors import Problem
from supplyshock.model.network import Network
from supplyshock.scenario import schema
from supplyshock.scenario.levers import Lever, resolve

__all__ = ["reserve_rows", "sizes_reserves_only", "with_reserve_quantities"]


def reserve_rows(scenario: schema.Scenario, levers: Mapping[str, Lever]) -> set[int] | None:
    """The stock rows of ``scenario`` whose ``quantity`` the levers write, when every lever
    writes the ``quantity`` of a strategic reserve; None when one writes anything else."""
    rows = set()
    for name, lever in levers.items():
        slot = resolve(scenario, name, lever)
        if isinstance(slot, Problem) or (slot.table, slot.path) != ("stocks", ("quantity",)):
            return None
        if scenario.stocks[slot.index].kind != "strategic":
            return None
        rows.add(slot.index)
    return rows


def sizes_reserves_only(scenario: schema.Scenario, levers: Mapping[str, Lever]) -> bool:
    """Whether every lever writes the ``quantity`` of a strategic reserve of ``scenario`` (and
    there is at least one lever): then candidates differ only in reserve sizes."""
    return bool(levers) and reserve_rows(scenario, levers) is not None


def with_reserve_quantities(net: Network, scenario: schema.Scenario) -> Network:
    """``net`` with each strategic reserve sized as in ``scenario``.

    ``net`` is compiled from a scenario that differs from ``scenario`` at most in the
    ``quantity`` of its strategic stock rows, in the same replication (seed and overrides).
    Reserves are compiled one per strategic row, in row order; a row sized by
    ``days_of_cover`` keeps the compiled size. The network's arrays are shared, not copied.
    """
    strategic = [s for s in scenario.stocks if s.kind == "strategic"]
    if len(strategic) > len(net.reserves):
        raise ValueError(
            f"{scenario.name}: {len(strategic)} strategic stock rows, "
            f"but the network has {len(net.reserves)} reserves"
        )
    reserves = list(net.reserves)
    changed = False
    for r, stock in enumerate(strategic):
        if stock.quantity is not None and float(stock.quantity) != reserves[r].quantity:
            reserves[r] = dataclasses.replace(reserves[r], quantity=float(stock.quantity))
            changed = True
    if not changed:
        return net
    return dataclasses.replace(net, reserves=tuple(reserves))
