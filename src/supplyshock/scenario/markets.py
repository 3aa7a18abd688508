"""The markets table: market regions and the price rule of each commodity they price.

One row per market and commodity (docs/model.md, "Markets and prices"). A world without the
table has no prices. Cross-checks of the rows are in :func:`check_markets`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import TYPE_CHECKING, Annotated

from pydantic import Field

from supplyshock.scenario.fields import (
    MAX_AMOUNT,
    NonNegative,
    Positive,
    StrList,
    TimeConstant,
    Uncertain,
)
from supplyshock.scenario.tables import Facility, Sourced

if TYPE_CHECKING:
    from supplyshock.scenario.checks import TableChecker

__all__ = ["REST", "MarketPrice", "check_markets", "market_members", "unit_factor"]

REST = "rest"
"""Members value meaning every country no other market lists."""


class MarketPrice(Sourced):
    """The price of one commodity in one market region, and the rule that forms it."""

    market: str = Field(min_length=1)
    """Market id; the first market of the table is the base market of price ratios."""
    members: StrList
    """Countries of the market (``;``-separated in CSV), or ``rest`` for all others."""
    commodity: str
    """Commodity priced (must be tradable)."""
    reference_price: Annotated[Positive, Field(le=MAX_AMOUNT)]
    """Price when supply meets demand, in ``price_unit``."""
    price_unit: str = ""
    """``US$/<commodity unit>`` (default) or ``US$/kg`` for a commodity counted in tonnes."""
    elasticity: Uncertain
    """How little the price moves with scarcity: p* = reference x scarcity^(1/elasticity)."""
    adjustment_days: TimeConstant = 1.0
    """Days over which the price closes its gap to the scarcity price."""
    floor: Annotated[NonNegative, Field(le=MAX_AMOUNT)] = 0.0
    """Lowest price, in ``price_unit``."""
    ceiling: Annotated[Positive, Field(le=MAX_AMOUNT)] | None = None
    """Highest price, in ``price_unit``; empty: none."""
    stock_comfort: Annotated[Positive, Field(le=1)] | None = None
    """Share of its cover target down to which a buyer draws on its stock rather than bid
    for what it misses; empty: stocks do not damp the price."""
    leakage: Uncertain = 0.0
    """Share of the flow a control holds back from this market that leaks through third
    countries per unit of relative price wedge (drawn once per replication); 0: none."""


def unit_factor(price_unit: str, commodity_unit: str) -> float | None:
    """Price units per US$ per commodity unit: 1 for ``US$/<unit>`` (or empty), 1,000 for
    ``US$/kg`` of a commodity in tonnes; None for any other unit.

    >>> unit_factor("US$/kg", "t REO")
    1000.0
    """
    if price_unit in ("", f"US$/{commodity_unit}"):
        return 1.0
    if price_unit == "US$/kg" and commodity_unit.split(" ")[0] == "t":
        return 1000.0
    return None


def market_members(rows: list[MarketPrice], countries: list[str]) -> dict[str, list[str]]:
    """Each market's countries, in table order (``rest``: the countries no other market lists;
    the first row of a market gives its members)."""
    named: dict[str, list[str]] = {}
    for row in rows:
        named.setdefault(row.market, list(row.members))
    listed = {c for members in named.values() for c in members if c != REST}
    rest = [c for c in countries if c not in listed]
    return {
        market: [c for c in members if c != REST] + (rest if REST in members else [])
        for market, members in named.items()
    }


def check_markets(ck: TableChecker) -> None:
    """Members, commodities, units and bounds of the markets table (docs/model.md)."""
    scn = ck.scn
    commodities = {c.id: c for c in scn.commodities}
    first: dict[str, list[str]] = {}
    owner: dict[str, str] = {}
    for i, row in enumerate(scn.markets):
        if not row.members:
            ck.add("markets", i, "members", row.members, "a market needs member countries or rest")
        for member in row.members:
            if member != REST and member not in ck.countries:
                ck.add("markets", i, "members", member, "unknown country (or use rest)")
        if row.market in first:
            members = first[row.market]
            if sorted(members) != sorted(row.members):
                ck.add(
                    "markets",
                    i,
                    "members",
                    ";".join(row.members),
                    f"rows of market {row.market} must list the same members as its first row "
                    f"({';'.join(members)})",
                )
        else:
            first[row.market] = list(row.members)
            for member in row.members:
                if member in owner and owner[member] != row.market:
                    ck.add(
                        "markets",
                        i,
                        "members",
                        member,
                        f"already a member of market {owner[member]}",
                    )
                owner.setdefault(member, row.market)
        commodity = commodities.get(row.commodity)
        if commodity is None:
            ck.add("markets", i, "commodity", row.commodity, "unknown commodity")
        else:
            if not commodity.tradable:
                ck.add(
                    "markets",
                    i,
                    "commodity",
                    row.commodity,
                    "is not tradable: only tradable commodities have a market price",
                )
            if unit_factor(row.price_unit, commodity.unit) is None:
                ck.add(
                    "markets",
                    i,
                    "price_unit",
                    row.price_unit,
                    f"must be US$/{commodity.unit}"
                    + (" or US$/kg" if commodity.unit.split(" ")[0] == "t" else ""),
                )
        ck.positive("markets", i, "elasticity", row.elasticity)
        ck.bounded("markets", i, "leakage", row.leakage, 0.0, 1e6)
        _bounds(ck, i, row)
    _check_responses(ck)
    _check_priced_facilities(ck)


def _bounds(ck: TableChecker, i: int, row: MarketPrice) -> None:
    ceiling = row.ceiling if row.ceiling is not None else float("inf")
    if row.floor > ceiling:
        ck.add("markets", i, "floor", row.floor, f"is above the ceiling {ceiling:g}")
    elif not row.floor <= row.reference_price <= ceiling:
        ck.add(
            "markets",
            i,
            "reference_price",
            row.reference_price,
            f"must lie between the floor {row.floor:g} and the ceiling {ceiling:g}",
        )


def _check_responses(ck: TableChecker) -> None:
    """A demand row that responds to prices needs a price for its country and commodity."""
    scn = ck.scn
    members = market_members(scn.markets, [c.iso3 for c in scn.countries])
    market_of = {c: m for m, countries in members.items() for c in countries}
    priced: dict[str, set[str]] = defaultdict(set)
    for row in scn.markets:
        priced[row.market].add(row.commodity)
    for i, d in enumerate(scn.demand):
        responses = {
            "price_elasticity": d.price_elasticity,
            "substitution_cap": d.substitution_cap,
            "recycling_cap": d.recycling_cap,
        }
        on = {field: value for field, value in responses.items() if value}
        if not on:
            continue
        market = market_of.get(d.country)
        if market is None or d.commodity not in priced[market]:
            field, value = next(iter(on.items()))
            ck.add(
                "demand",
                i,
                field,
                value,
                f"responds to a price, but no market prices {d.commodity} in {d.country}",
            )


def _facilities(ck: TableChecker) -> Iterator[tuple[str, int, str, Facility]]:
    """Every facility with where its fields are: world rows, then new-capacity events."""
    for i, f in enumerate(ck.scn.facilities):
        yield "facilities", i, "", f
    for j, e in enumerate(ck.scn.events):
        for f in e.new_facilities():
            yield "events", j, "facility.", f


def _check_priced_facilities(ck: TableChecker) -> None:
    """Idle capacity needs the price that brings it in; price timing needs each price with
    its days; both need a market pricing the facility's output."""
    scn = ck.scn
    members = market_members(scn.markets, [c.iso3 for c in scn.countries])
    market_of = {c: m for m, countries in members.items() for c in countries}
    priced = {(row.market, row.commodity) for row in scn.markets}
    for table, i, at, f in _facilities(ck):
        for price, days in (("advance_price", "advance_days"), ("hold_price", "hold_days")):
            if getattr(f, price) is not None and not getattr(f, days):
                ck.add(table, i, at + price, getattr(f, price), f"needs {days} above 0")
            elif getattr(f, price) is None and getattr(f, days):
                ck.add(table, i, at + days, getattr(f, days), f"needs {price} as well")
        if f.idle_share and f.idle_price is None:
            ck.add(table, i, at + "idle_price", None, "idle capacity needs an idle_price")
        responds = [
            (name, value)
            for name, value in (
                ("idle_share", f.idle_share),
                ("advance_price", f.advance_price),
                ("hold_price", f.hold_price),
            )
            if value
        ]
        if responds and (market_of.get(f.country), f.output) not in priced:
            name, value = responds[0]
            ck.add(
                table,
                i,
                at + name,
                value,
                f"responds to a price, but no market prices {f.output} in {f.country}",
            )
