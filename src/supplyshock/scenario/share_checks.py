"""Checks of the supplier share table: one complete vector per buyer, commodity and start."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from supplyshock.scenario.checks import TableChecker

__all__ = ["check_shares"]


def check_shares(ck: TableChecker) -> None:
    """Known names; one share vector per buyer, commodity and start, summing to 1; dated
    vectors fixed (only the shares at the start are sampled); a warning for dated vectors that
    start after the horizon (those before it are the shares at the start)."""
    scn = ck.scn
    totals: dict[tuple[str, str, dt.date | None], float] = defaultdict(float)
    first: dict[tuple[str, str, dt.date | None], int] = {}
    for i, share in enumerate(scn.supplier_shares):
        ck.known("supplier_shares", i, "buyer", share.buyer, ck.countries, "country")
        ck.known("supplier_shares", i, "supplier", share.supplier, ck.countries, "country")
        ck.known("supplier_shares", i, "commodity", share.commodity, ck.commodities, "commodity")
        group = (share.buyer, share.commodity, share.start)
        totals[group] += share.share
        first.setdefault(group, i)
        head = scn.supplier_shares[first[group]]
        if share.start is not None:
            if share.start >= scn.end:
                ck.warn(
                    "supplier_shares",
                    i,
                    "start",
                    share.start.isoformat(),
                    f"dated shares from {share.start} start after the horizon ends "
                    f"({scn.end}): they do not act in this run",
                )
            if share.share_concentration is not None:
                ck.add(
                    "supplier_shares",
                    i,
                    "share_concentration",
                    share.share_concentration,
                    "dated shares are fixed: only the shares at the start may be sampled",
                )
        elif share.share_concentration != head.share_concentration:
            ck.add(
                "supplier_shares",
                i,
                "share_concentration",
                share.share_concentration,
                f"rows of {share.commodity} bought by {share.buyer} are one Dirichlet draw and "
                f"must give the same share_concentration; the first row gives "
                f"{head.share_concentration}",
            )
    for (buyer, commodity, start), total in totals.items():
        if abs(total - 1.0) > 1e-6:
            since = f" from {start}" if start is not None else ""
            ck.add(
                "supplier_shares",
                first[(buyer, commodity, start)],
                "share",
                round(total, 9),
                f"shares of {commodity} bought by {buyer}{since} must sum to 1",
            )
