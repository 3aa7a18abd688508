"""Steady-state flows used to start a run mid-stream rather than from empty pipelines.

Final demand is pushed upstream through supplier weights and recipes, commodity by commodity
(downstream first), with each facility's throughput capped by its capacity on day 0. Origin
value shares are then pushed downstream the same way, by :func:`output_origin`; the daily
step applies the same blending rule in compiled form (``supplyshock.sim.kernels.morning``,
tested to agree with it bit for bit).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from supplyshock.model.arrays import sum_by
from supplyshock.model.network import BoolArray, FloatArray, IntArray

__all__ = ["Steady", "link_shares", "output_origin", "steady_state"]


@dataclass(frozen=True)
class Steady:
    throughput: FloatArray  # [f] units/day
    buyer_need: FloatArray  # [b] units/day
    link_flow: FloatArray  # [l] units/day actually shipped
    buyer_origin: FloatArray  # [b, o]
    output_origin: FloatArray  # [f, o]


def link_shares(link_buyer: IntArray, weight: FloatArray, n_buyers: int) -> FloatArray:
    """Each link's share of its buyer's orders (weights normalised per buyer; 0 if none)."""
    total = sum_by(link_buyer, weight, n_buyers)
    denom = total[link_buyer]
    return np.divide(weight, denom, out=np.zeros_like(weight), where=denom > 0)


def output_origin(
    value_in: FloatArray,
    origin_in: FloatArray,
    input_facility: IntArray,
    own_origin: FloatArray,
    price_out: FloatArray,
) -> FloatArray:
    """Controlled-content (tracer) shares of each facility's output.

    A facility with ``own_origin == 1`` makes controlled items of that tracer: share 1.
    Otherwise a unit of output, worth ``max(price_out, value of inputs)``, carries the value of
    its inputs (``value_in`` per unit of output) times their tracer shares; value added and
    untraced inputs count as 0.
    """
    n_fac, n_org = own_origin.shape
    vin = sum_by(input_facility, value_in, n_fac)
    total = np.maximum(price_out, vin)
    result = np.empty((n_fac, n_org))
    for o in range(n_org):
        num = sum_by(input_facility, value_in * origin_in[:, o], n_fac)
        mixed = np.divide(num, total, out=np.zeros(n_fac), where=total > 0)
        result[:, o] = np.where(own_origin[:, o] > 0, 1.0, mixed)
    return result


def _downstream_order(
    n_comm: int, buyer_facility: IntArray, buyer_commodity: IntArray, fac_output: IntArray
) -> list[int]:
    """Commodities ordered so that every user of a commodity comes before it."""
    inputs = buyer_facility >= 0
    users: list[set[int]] = [set() for _ in range(n_comm)]
    for b in np.flatnonzero(inputs):
        users[int(buyer_commodity[b])].add(int(fac_output[buyer_facility[b]]))
    order: list[int] = []
    done: set[int] = set()
    while len(order) < n_comm:
        ready = [k for k in range(n_comm) if k not in done and users[k] <= done]
        if not ready:  # a cycle: checks reject these, but never loop forever
            ready = [k for k in range(n_comm) if k not in done]
        order += ready
        done |= set(ready)
    return order


def steady_state(
    capacity: FloatArray,
    demand: FloatArray,
    per_unit: FloatArray,
    buyer_facility: IntArray,
    buyer_commodity: IntArray,
    fac_output: IntArray,
    link_buyer: IntArray,
    link_supplier: IntArray,
    link_weight: FloatArray,
    price: FloatArray,
    fac_origin: FloatArray,
) -> Steady:
    """Steady daily flows on day 0 for the given capacities, demand and supplier weights."""
    n_fac, n_buy, n_comm = len(capacity), len(buyer_facility), len(price)
    n_inputs = int((buyer_facility >= 0).sum())
    is_input: BoolArray = buyer_facility >= 0
    share = link_shares(link_buyer, link_weight * capacity[link_supplier], n_buy)
    need = np.zeros(n_buy)
    need[n_inputs:] = demand
    throughput = np.zeros(n_fac)
    fill = np.ones(n_fac)
    order = _downstream_order(n_comm, buyer_facility, buyer_commodity, fac_output)
    for k in order:
        orders = sum_by(
            link_supplier, need[link_buyer] * share * (buyer_commodity[link_buyer] == k), n_fac
        )
        makers = fac_output == k
        throughput[makers] = np.minimum(capacity[makers], orders[makers])
        fill[makers] = np.divide(
            throughput[makers],
            orders[makers],
            out=np.ones(int(makers.sum())),
            where=orders[makers] > 0,
        )
        fed = np.flatnonzero(is_input & makers[np.maximum(buyer_facility, 0)])
        need[fed] = per_unit[fed] * throughput[buyer_facility[fed]]
    flow = need[link_buyer] * share * fill[link_supplier]

    n_org = fac_origin.shape[1]
    buyer_origin = np.zeros((n_buy, n_org))
    out_origin = fac_origin.copy()
    if n_org:
        inputs = np.flatnonzero(is_input)
        value_in = per_unit[inputs] * price[buyer_commodity[inputs]]
        for k in reversed(order):
            makers = fac_output == k
            blended = output_origin(
                value_in,
                buyer_origin[inputs],
                buyer_facility[inputs],
                fac_origin,
                price[fac_output],
            )
            out_origin[makers] = blended[makers]
            links = buyer_commodity[link_buyer] == k
            weight = np.where(flow > 0, flow, share) * links
            total = sum_by(link_buyer, weight, n_buy)
            for o in range(n_org):
                num = sum_by(link_buyer, weight * out_origin[link_supplier, o], n_buy)
                mine = buyer_commodity == k
                buyer_origin[mine, o] = np.divide(
                    num[mine], total[mine], out=np.zeros(int(mine.sum())), where=total[mine] > 0
                )
    return Steady(throughput, need, flow, buyer_origin, out_origin)
