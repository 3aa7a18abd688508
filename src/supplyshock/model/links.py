"""Trade links: every buyer to every producer of its commodity that a lane connects.

Lead times come from a country-by-country matrix built from the lanes (most specific lane
wins); weights and initial qualification come from supplier shares.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from supplyshock.model.arrays import sum_by
from supplyshock.model.draws import Drawer
from supplyshock.model.index import ScenarioIndex
from supplyshock.model.network import BoolArray, FloatArray, IntArray
from supplyshock.scenario.distributions import Distribution
from supplyshock.scenario.fields import MAX_DAYS

if TYPE_CHECKING:
    from supplyshock.model.buyers import Buyers

__all__ = ["Links", "build_links", "supplier_share_matrix"]


@dataclass(frozen=True)
class Links:
    """The links of a compiled world, buyer-major."""

    buyer: IntArray
    supplier: IntArray
    lead: IntArray
    weight: FloatArray
    qualified: BoolArray


def _lead_matrix(ix: ScenarioIndex, draws: Drawer) -> FloatArray:
    """Lead time in days from country ``o`` to ``d`` at ``[o, d]``; NaN where no lane exists.

    The most specific lane wins: (o, d), then (o, *), then (*, d), then (*, *), then
    ``settings.default_lead_time_days``; domestic trade uses the domestic lead time unless an
    exact (o, o) lane says otherwise. Draws beyond ``MAX_DAYS`` (a distribution's far tail)
    are taken as ``MAX_DAYS``, which bounds the memory of the pipelines.
    """
    st = ix.scn.settings
    lead = np.full((ix.C, ix.C), np.nan)
    if st.default_lead_time_days is not None:
        lead[:] = draws.number("settings.default_lead_time_days", st.default_lead_time_days)
    lanes = {
        (lane.origin, lane.destination): draws.number(
            f"lanes[{lane.origin}-{lane.destination}].lead_time_days", lane.lead_time_days
        )
        for lane in ix.scn.lanes
    }
    domestic = draws.number("settings.domestic_lead_time_days", st.domestic_lead_time_days)
    ordered = sorted(lanes.items(), key=lambda kv: _specificity(kv[0]))
    exact = [(pair, days) for pair, days in ordered if _specificity(pair) == 3]
    for (origin, dest), days in [item for item in ordered if item not in exact]:
        rows = slice(None) if origin == "*" else ix.country[origin]
        cols = slice(None) if dest == "*" else ix.country[dest]
        lead[rows, cols] = days
    np.fill_diagonal(lead, domestic)  # before exact lanes, which may name a domestic pair
    for (origin, dest), days in exact:
        lead[ix.country[origin], ix.country[dest]] = days
    np.minimum(lead, MAX_DAYS, out=lead)  # a rare draw beyond the bound (NaN stays NaN)
    return lead


def supplier_share_matrix(ix: ScenarioIndex, draws: Drawer) -> FloatArray:
    """Shares at ``[buyer country, commodity, supplier country]``; NaN where a buyer has none.

    A group (buyer, commodity) with a ``share_concentration`` c takes a Dirichlet(c x shares)
    draw: each supplier with a positive share s gets a weight ~ Gamma(c x s, 1), keyed
    ``supplier_shares[<buyer>-<commodity>-<supplier>].share_weight``, and its share is its
    weight over the group's sum. A group with one positive share keeps it (always 1).
    """
    share = np.full((ix.C, ix.K, ix.C), np.nan)
    groups: dict[tuple[int, int], list[tuple[int, float, str]]] = {}
    rows = ix.scn.supplier_shares
    if rows:  # 0 for countries a group's table leaves out
        share[[ix.country[r.buyer] for r in rows], [ix.commodity[r.commodity] for r in rows]] = 0.0
    for row in rows:
        bc, kc = ix.country[row.buyer], ix.commodity[row.commodity]
        share[bc, kc, ix.country[row.supplier]] = row.share
        if row.share_concentration is not None and row.share > 0:
            key = f"supplier_shares[{row.buyer}-{row.commodity}-{row.supplier}].share_weight"
            alpha = row.share_concentration * row.share
            groups.setdefault((bc, kc), []).append((ix.country[row.supplier], alpha, key))
    for (bc, kc), members in groups.items():
        if len(members) < 2:
            continue
        weights = np.array(
            [
                draws.number(key, Distribution(dist="gamma", params={"a": alpha}))
                for _, alpha, key in members
            ]
        )
        total = weights.sum()
        if not total > 0:  # every weight underflowed to 0 (tiny concentrations): keep shares
            continue
        for (sc, _, _), weight in zip(members, weights, strict=True):
            share[bc, kc, sc] = weight / total
    return share


def _specificity(pair: tuple[str, str]) -> int:
    """Order lanes from least to most specific, so that later assignments win."""
    origin, dest = pair
    return (origin != "*") * 2 + (dest != "*")


def build_links(
    ix: ScenarioIndex,
    draws: Drawer,
    buyers: Buyers,
    fac: tuple[IntArray, IntArray],
    nominal: FloatArray,
) -> Links:
    """Every buyer to every producer of its commodity that a lane connects.

    A link's weight is per unit of the supplier's capacity: orders split in proportion to
    weight x capacity on the day. With supplier shares for (buyer country, commodity), only
    countries with a positive share are qualified at the start. ``max_links_per_buyer``
    keeps, per buyer, the qualified links first and then the largest alternatives.
    """
    fac_country, fac_output = fac
    lead = _lead_matrix(ix, draws)
    share = supplier_share_matrix(ix, draws)
    by_country = sum_by(fac_country * ix.K + fac_output, nominal, ix.C * ix.K).reshape(ix.C, ix.K)
    by_commodity = sum_by(fac_output, nominal, ix.K)
    limit = ix.scn.settings.max_links_per_buyer
    parts: list[tuple[IntArray, ...]] = []
    for k in range(ix.K):
        sup = np.flatnonzero((fac_output == k) & (nominal > 1e-9))
        buy = np.flatnonzero(buyers.commodity == k)
        if len(sup) == 0 or len(buy) == 0:
            continue
        for start in range(0, len(buy), 512):  # bounded memory on large worlds
            b = buy[start : start + 512, None]
            days = lead[fac_country[sup][None, :], buyers.country[b]]
            ok = np.isfinite(days) & (buyers.facility[b] != sup[None, :])
            if not ix.scn.commodities[k].tradable:
                ok &= fac_country[sup][None, :] == buyers.country[b]
            frac = share[buyers.country[b], k, fac_country[sup][None, :]]
            has_table = ~np.isnan(frac)
            qualified = ~has_table | (frac > 0)
            weight = np.where(
                has_table & (frac > 0),
                np.nan_to_num(frac) / by_country[fac_country[sup], k][None, :],
                1.0 / by_commodity[k],
            )
            if limit is not None and len(sup) > limit:
                score = np.where(ok, qualified * 1e300 + weight * nominal[sup][None, :], -1.0)
                keep = np.zeros_like(ok)
                top = np.argsort(-score, axis=1, kind="stable")[:, :limit]
                np.put_along_axis(keep, top, True, axis=1)
                ok &= keep
            rows, cols = np.nonzero(ok)
            parts.append(
                (
                    b[rows, 0],
                    sup[cols],
                    np.maximum(np.rint(days[rows, cols]), 1).astype(np.int64),
                    weight[rows, cols],
                    qualified[rows, cols],
                )
            )
    if not parts:
        empty = np.zeros(0, dtype=np.int64)
        return Links(empty, empty, empty, np.zeros(0), np.zeros(0, dtype=bool))
    cols_ = [np.concatenate([p[i] for p in parts]) for i in range(5)]
    order = np.lexsort((cols_[1], cols_[0]))  # buyer-major, then supplier
    return Links(
        buyer=cols_[0][order].astype(np.int64),
        supplier=cols_[1][order].astype(np.int64),
        lead=cols_[2][order].astype(np.int64),
        weight=cols_[3][order].astype(np.float64),
        qualified=cols_[4][order].astype(bool),
    )
