"""The named structures the compiled daily step reads and writes.

Kernels take a few named tuples instead of dozens of positional arrays and read their fields by
name, so two arrays of the same type cannot be swapped silently. Numba passes named tuples as
arguments, resolves each field access when it compiles, and caches the compiled kernels on disk.
The tuples hold references: the kernels update the arrays in place.

Shape comments name the dimensions: ``b`` buyers (the first ``i`` are facility inputs, the last
``m`` are markets), ``f`` facilities, ``l`` links, ``o`` tracer origins, ``r`` reserves, ``k``
commodities, ``t`` days of the horizon; other names are explained where they appear.
"""

from __future__ import annotations

from typing import NamedTuple

from supplyshock.model.network import BoolArray, FloatArray, IntArray

__all__ = ["Gate", "Net", "Rec", "St", "Wk"]


class Net(NamedTuple):
    """Network constants and day-major schedules: fixed for a run, only read by the kernels.

    Inputs are grouped by facility and links by buyer, so a facility's inputs and a buyer's
    links are contiguous ranges.
    """

    # behaviour
    n_inputs: int  # buyers 0 .. n_inputs - 1 are facility inputs, the others markets
    smoothing_days: float  # orders and output signals close 1 / smoothing_days of a gap a day
    switch_after_days: int  # short days after which a buyer qualifies other suppliers
    switch_fill_share: float  # a day is short when less than this share of the order arrives
    # buyers
    buyer_links: IntArray  # [b + 1] buyer b's links are buyer_links[b] .. buyer_links[b + 1]
    cover_days: FloatArray  # [b] stock target in days of need
    essential: FloatArray  # [i] share of an input's facility lines that need the input
    in_fac: IntArray  # [i] facility an input feeds
    in_comm: IntArray  # [i] commodity of an input
    in_price: FloatArray  # [i] price of an input's commodity
    market_comm: IntArray  # [m] commodity of a market
    max_delay: IntArray  # [m] days deferred demand waits before it expires; -1: lost sales
    defer_slot: IntArray  # [m] row of ``St.waiting`` of a deferrable market; -1: none
    # facilities
    makers: IntArray  # [makers] facilities that have inputs, in order
    first_input: IntArray  # [makers] first input of each maker
    out_cover_days: FloatArray  # [f] output buffer in days of orders
    fac_output: IntArray  # [f] commodity made
    out_price: FloatArray  # [f] price of the commodity made
    fac_origin: FloatArray  # [f, o] 1 where the facility makes controlled items of origin o
    # links
    link_buyer: IntArray  # [l]
    link_supplier: IntArray  # [l]
    link_lead: IntArray  # [l] days on the way
    link_weight: FloatArray  # [l] weight in the split of its buyer's orders
    link_export: FloatArray  # [l] 1.0 when crossing a border, else 0.0
    link_pair: IntArray  # [l] (exporter, importer, commodity) slot of ``Rec.flows``
    # reserves: reserve r serves reserve_buyers[reserve_starts[r] :][: reserve_sizes[r]]
    reserve_buyers: IntArray  # [eligible] eligible buyers, reserve by reserve
    reserve_starts: IntArray  # [r]
    reserve_sizes: IntArray  # [r]
    reserve_trigger: FloatArray  # [r] releases while its buyers hold less days of need
    reserve_rate: FloatArray  # [r] release per day when triggered
    reserve_refill: FloatArray  # [r] most bought back per day below the initial quantity
    # schedules, one contiguous row per day
    capacity: FloatArray  # [t, f] capacity before outages
    per_unit: FloatArray  # [t, i] input per unit of output
    demand: FloatArray  # [t, m] market demand per day


class St(NamedTuple):
    """Run state: the very arrays of :class:`~supplyshock.sim.state.State`, by the same names.

    Origin arrays hold quantity x share. Goods on the way wait in ``landing`` by the day they land.
    """

    inv: FloatArray  # [b] buyer stock
    org_b: FloatArray  # [b, o]
    out: FloatArray  # [f] output stock
    org_f: FloatArray  # [f, o]
    landing: FloatArray  # [b, ring, 1 + o] what lands on day d at [b, d % ring]: the
    # quantity, then its origin content (ring = longest lead time + 1)
    in_transit: FloatArray  # [b] on the way to each buyer
    signal: FloatArray  # [f] smoothed orders received per day
    buyer_lead: FloatArray  # [b] lead time of the suppliers in use
    outage: BoolArray  # [f]
    reserve: FloatArray  # [r]
    reserve_mix: FloatArray  # [r, o] share of each tracer
    reserve_drawn: FloatArray  # [r] given out less bought back since the start
    scheduled_release: FloatArray  # [r] extra release per day from events
    qualified: BoolArray  # [l]
    qualifying: BoolArray  # [l]
    unmet_days: IntArray  # [b] short days in a row
    produced: FloatArray  # [k] cumulative
    consumed: FloatArray  # [k] cumulative
    delivered: FloatArray  # [k] cumulative, to final demand
    backlog: FloatArray  # [m] deferred demand waiting (0 for markets that lose sales)
    waiting: FloatArray  # [deferrable, t] deferred demand still waiting, by the day it arose
    oldest: IntArray  # [deferrable] no demand before this day is waiting
    qualify_delay: IntArray  # [l] days a link takes to qualify once it starts
    qualify_day: IntArray  # [l] day a qualifying link is qualified (-1: none pending)
    pending: IntArray  # [2] links qualifying; a day no later than the first of them ends
    outage_start: IntArray  # [outages] first day of each outage, facility by facility
    outage_end: IntArray  # [outages] the day after its last day
    outage_first: IntArray  # [f + 1] facility f's outages: outage_first[f] .. [f + 1]
    outage_next: IntArray  # [f] facility f's first outage not over yet
    cover_factor: FloatArray  # [b] multiplies the cover target (precautionary buying)


class Wk(NamedTuple):
    """Per-day work arrays, allocated once per run and overwritten every day."""

    cap: FloatArray  # [f] capacity after outages
    need: FloatArray  # [b] today's need
    target: FloatArray  # [b] cover target
    share_in: FloatArray  # [i, o] origin shares of input stocks
    made: FloatArray  # [f, o] origin shares of today's output
    share_f: FloatArray  # [f, o] origin shares of output stocks
    pipeline: FloatArray  # [b] on the way before today's shipments
    order: FloatArray  # [b]
    weight: FloatArray  # [l] share weight of open links
    request: FloatArray  # [l] today's (until the morning: yesterday's) requests
    room: FloatArray  # [l] most a link may carry today
    allow: FloatArray  # [l] allowance under the controls in force
    received: FloatArray  # [f] orders received
    possible: FloatArray  # [f] production possible within capacity
    production: FloatArray  # [f]
    use: FloatArray  # [i] inputs used
    shipped: FloatArray  # [l]


class Rec(NamedTuple):
    """The recorder's arrays, by the same names: the step writes row ``t`` on day ``t``."""

    delivered: FloatArray  # [t, m] to final demand
    stock: FloatArray  # [t, holders] buyers, then facilities' output, then reserves
    pipeline: FloatArray  # [t, b] on the way, today's shipments included
    exports: FloatArray  # [t, f] cross-border shipments by exporter
    imports: FloatArray  # [t, b] cross-border shipments by importer
    flows: FloatArray  # [t, pairs + 1] cross-border shipments by exporter, importer, commodity
    production: FloatArray  # [t, f]
    lost: FloatArray  # [t, f] production lost for want of inputs
    reserves: FloatArray  # [t, r]
    backlog: FloatArray  # [t, m] deferred demand waiting at the end of the day
    expired: FloatArray  # [t, m] deferred demand given up (waited longer than its maximum)


class Gate(NamedTuple):
    """Export controls in force, as :class:`~supplyshock.sim.gates.Gates` last built them.

    Allowance entry ``e`` multiplies link ``entry_link[e]``'s allowance by ``entry_const[e] +
    entry_var[e] * curves[entry_row[e], t]``. Content rule ``u`` reaches the links in
    ``content[u]`` whose supplier's output holds at least ``thresholds[u]`` of tracer
    ``origins[u]``; ``masks[u]`` are the links it reached when the gates were built.
    """

    entry_link: IntArray  # [entries]
    entry_row: IntArray  # [entries] row of ``curves``
    entry_const: FloatArray  # [entries]
    entry_var: FloatArray  # [entries]
    curves: FloatArray  # [curves, t] licensed shares over days
    restricted: BoolArray  # [l] subject to a ban or licensing
    limit: FloatArray  # [l] most a link may ask for under quotas (inf: no quota)
    rank_links: IntArray  # [l] links by allocation rank, in link order within a rank
    rank_starts: IntArray  # [ranks + 1] rank r is rank_links[rank_starts[r] : rank_starts[r + 1]]
    origins: IntArray  # [rules] tracer of each content rule
    thresholds: FloatArray  # [rules]
    content: BoolArray  # [rules, l] links whose goods may carry the content
    masks: BoolArray  # [rules, l]
    active: BoolArray  # [rules] rule of a control in force
