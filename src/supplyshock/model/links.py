"""Trade links: every buyer to every producer of its commodity that a lane connects.

Lead times come from a country-by-country matrix built from the lanes (most specific lane
wins); weights and initial qualification come from supplier shares.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from supplyshock.model.arrays import sum_by
from supplyshock.model.draws import Drawer
from supplyshock.model.index import ScenarioIndex
from supplyshock.model.network import BoolArray, FloatArray, IntArray, ShareChange
from supplyshock.scenario.distributions import Distribution
from supplyshock.scenario.fields import MAX_DAYS

if TYPE_CHECKING:
    from supplyshock.model.buyers import Buyers

__all__ = [
    "Links",
    "build_links",
    "contract_rank",
    "dated_shares",
    "link_weights",
    "share_changes",
    "supplier_share_matrix",
]


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
    """Shares at ``[buyer country, commodity, supplier country]`` at the start of the horizon;
    NaN where a buyer has none (dated rows: :func:`dated_shares`).

    A group (buyer, commodity) with a ``share_concentration`` c takes a Dirichlet(c x shares)
    draw: each supplier with a positive share s gets a weight ~ Gamma(c x s, 1), keyed
    ``supplier_shares[<buyer>-<commodity>-<supplier>].share_weight``, and its share is its
    weight over the group's sum. A group with one positive share keeps it (always 1).
    """
    share = np.full((ix.C, ix.K, ix.C), np.nan)
    groups: dict[tuple[int, int], list[tuple[int, float, str]]] = {}
    rows = [r for r in ix.scn.supplier_shares if r.start is None]  # later: dated_shares
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
    for (bc, kc), vector in _in_force_at_start(ix).items():  # the latest dated vector
        share[bc, kc] = vector
    return share


def _vectors(ix: ScenarioIndex) -> dict[tuple[dt.date, int, int], FloatArray]:
    """Every dated share vector: ``{(start, buyer country, commodity): shares by supplier
    country}``, in order of date."""
    vectors: dict[tuple[dt.date, int, int], FloatArray] = {}
    for row in ix.scn.supplier_shares:
        if row.start is not None:
            key = (row.start, ix.country[row.buyer], ix.commodity[row.commodity])
            vectors.setdefault(key, np.zeros(ix.C))[ix.country[row.supplier]] = row.share
    return dict(sorted(vectors.items()))


def _in_force_at_start(ix: ScenarioIndex) -> dict[tuple[int, int], FloatArray]:
    """The dated vectors in force on the first day: the latest dated on or before it."""
    return {(bc, kc): v for (start, bc, kc), v in _vectors(ix).items() if start <= ix.start}


def dated_shares(ix: ScenarioIndex) -> dict[tuple[int, int, int], FloatArray]:
    """The share vectors that start during the horizon: ``{(day, buyer country, commodity):
    shares by supplier country}``, in order of day (those dated on or before the first day
    are the shares at the start; those from the horizon's end on never act)."""
    horizon = ix.T
    return {
        (day, bc, kc): vector
        for (start, bc, kc), vector in _vectors(ix).items()
        if 0 < (day := ix.day(start, 0)) < horizon
    }


def _capacity_by(
    ix: ScenarioIndex, fac: tuple[IntArray, IntArray], nominal: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Nominal capacity by [supplier country, commodity] and by commodity: the divisors of
    link weights (:func:`link_weights`)."""
    fac_country, fac_output = fac
    by_country = sum_by(fac_country * ix.K + fac_output, nominal, ix.C * ix.K).reshape(ix.C, ix.K)
    return by_country, sum_by(fac_output, nominal, ix.K)


def link_weights(
    frac: FloatArray, by_country: FloatArray, by_commodity: float
) -> tuple[FloatArray, BoolArray]:
    """Weights and qualification of links given their supplier country's share ``frac`` (NaN:
    the buyer has no shares) and that country's capacity ``by_country``: a positive share is a
    contract with weight share / capacity; any other supplier is an alternative (or, without
    shares, qualified), with weight equal per unit of capacity."""
    has_table = ~np.isnan(frac)
    qualified = ~has_table | (frac > 0)
    weight = np.where(
        has_table & (frac > 0),
        np.nan_to_num(frac) / by_country,
        1.0 / by_commodity,
    )
    return weight, qualified


def contract_rank(base: IntArray, contracted: BoolArray, contracts_first: bool) -> IntArray:
    """Allocation ranks of links: ``base`` (twice the allocation rule's rank), and under
    ``settings.contracts_first`` spot buyers (links not contracted) one after contracted ones."""
    return base + ~contracted if contracts_first else base


def share_changes(
    ix: ScenarioIndex,
    links: Links,
    buyer_country: IntArray,
    fac: tuple[IntArray, IntArray],
    nominal: FloatArray,
    rank: tuple[IntArray, bool],
) -> tuple[ShareChange, ...]:
    """The dated share vectors as changes of the links they reach (docs/model.md, "Dated
    supplier shares"). ``rank`` is each link's allocation rank before contracts count, and
    whether contracts rank first (``settings.contracts_first``)."""
    fac_country, fac_output = fac
    base, contracts_first = rank
    by_country, by_commodity = _capacity_by(ix, fac, nominal)
    supplier_country = fac_country[links.supplier]
    changes = []
    for (day, bc, kc), vector in dated_shares(ix).items():
        reached = np.flatnonzero(
            (buyer_country[links.buyer] == bc) & (fac_output[links.supplier] == kc)
        )
        sc = supplier_country[reached]
        weight, contracted = link_weights(vector[sc], by_country[sc, kc], by_commodity[kc])
        changes.append(
            ShareChange(
                day=day,
                links=reached.astype(np.int64),
                weight=weight.astype(np.float64),
                contracted=contracted,
                rank=contract_rank(base[reached], contracted, contracts_first),
            )
        )
    return tuple(changes)


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
    later = np.zeros((ix.C, ix.K, ix.C), dtype=bool)  # a positive dated share
    for (_, bc, kc), vector in dated_shares(ix).items():
        later[bc, kc] |= vector > 0
    by_country, by_commodity = _capacity_by(ix, fac, nominal)
    limit = ix.scn.settings.max_links_per_buyer
    parts: list[tuple[NDArray[Any], ...]] = []
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
            weight, qualified = link_weights(
                frac, by_country[fac_country[sup], k][None, :], by_commodity[k]
            )
            if limit is not None and len(sup) > limit:  # contracts now or later first
                first = qualified | later[buyers.country[b], k, fac_country[sup][None, :]]
                score = np.where(ok, first * 1e300 + weight * nominal[sup][None, :], -1.0)
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
