"""Compile a validated :class:`~supplyshock.scenario.schema.Scenario` into a :class:`Network`.

Compilation resolves names to integer indices, draws the replication's uncertain values,
turns calendar dates into day indices and precomputes day-by-day schedules (capacity with
ramps and shocks, demand with growth and shifts, recipe intensities with thrifting).
Events compile through their types' hooks (:mod:`supplyshock.events`), stage by stage; events
of types with a start hook travel in ``Network.custom_events``.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping

import numpy as np

from supplyshock.errors import Problem, ScenarioError, SupplyshockWarning, did_you_mean
from supplyshock.events import EventBase, Stage, timeline, types
from supplyshock.model.arrays import stable_key
from supplyshock.model.buyers import Buyers, compile_buyers
from supplyshock.model.compilation import Compilation, PolicyLinks
from supplyshock.model.draws import Drawer
from supplyshock.model.index import ScenarioIndex, event_key, ramp
from supplyshock.model.links import Links, build_links, contract_rank, share_changes
from supplyshock.model.markets import compile_markets
from supplyshock.model.network import FloatArray, IntArray, Network, Reserve
from supplyshock.model.policies import compile_reserves
from supplyshock.model.rules import RuleContext, compile_rules, tension_names
from supplyshock.model.steady import steady_state
from supplyshock.model.timing import ProjectTiming, is_timed
from supplyshock.scenario import schema

__all__ = ["compile_scenario", "run_stage"]


def run_stage(cx: Compilation, stage: Stage) -> None:
    """Call the compile hooks of ``stage``: by type in registration order, then list order."""
    events = cx.ix.scn.events
    for kind in types():
        if kind.compile is None or kind.stage != stage:
            continue
        for j, e in enumerate(events):
            if e.type == kind.name:
                kind.compile(cx, event_key(events, j), e)


def _custom(ix: ScenarioIndex) -> tuple[tuple[int, EventBase], ...]:
    """Events whose type has a start hook, with the day of their ``start`` (list order)."""
    hooked = {kind.name for kind in types() if kind.start is not None}
    found: list[tuple[int, EventBase]] = []
    for e in ix.scn.events:
        if e.type in hooked:  # registration made sure the record has a start date
            found.append((ix.day(e.start, 0), e))  # type: ignore[attr-defined]
    return tuple(found)


def _capacity(cx: Compilation) -> tuple[FloatArray, ProjectTiming]:
    """Capacity per facility and day (``cx.capacity``, then the shocks of stage
    ``capacity``); returns day 0 without the shocks (the starting state) and the projects
    whose start moves with their price (their rows at full rate, shocks included, then
    ramped as scheduled)."""
    ix, cap = cx.ix, cx.capacity
    timed: list[tuple[int, schema.Facility, int, float]] = []
    shares: list[FloatArray] = []
    for i, f in enumerate(ix.facilities):
        per_year = cx.draws.number(f"facilities[{f.id}].capacity_per_year", f.capacity_per_year)
        ramp_days = cx.draws.number(f"facilities[{f.id}].ramp_days", f.ramp_days)
        start = start_day(ix, cx.draws, f)
        share = ramp(ix.T, start, ramp_days)
        if is_timed(f):
            timed.append((i, f, start, ramp_days))
            shares.append(share)
            cap[i] = per_year / 365.0
        else:
            cap[i] = per_year / 365.0 * share
    unshocked = cap[:, 0].copy()
    for (i, *_), share in zip(timed, shares, strict=True):
        unshocked[i] *= share[0]
    run_stage(cx, "capacity")
    timing = ProjectTiming.build(timed, cap)
    for (i, *_), share in zip(timed, shares, strict=True):
        cap[i] *= share
    return unshocked, timing


def start_day(ix: ScenarioIndex, draws: Drawer, f: schema.Facility) -> int:
    """Day index of a facility's start plus its drawn slip (far in the past if no start)."""
    if f.start is None:
        return -(10**6)
    key = f"projects[{f.project}]" if f.project else f"facilities[{f.id}]"
    slip = draws.number(f"{key}.start_slip_days", f.start_slip_days)
    return ix.day(f.start, 0) + round(slip)


def _stock_key(stock: schema.Stock) -> str:
    """Key of a stock row's days of cover; a strategic reserve's differs from firm stock's."""
    suffix = ".strategic" if stock.kind == "strategic" else ""
    return f"stocks[{stock.holder}.{stock.commodity}{suffix}].days_of_cover"


def _stocks(
    ix: ScenarioIndex, draws: Drawer, buyers: Buyers, fac_output: IntArray
) -> tuple[FloatArray, FloatArray, list[tuple[schema.Stock, float | None]]]:
    """Days of cover per buyer and per facility output; the strategic stock rows."""
    st = ix.scn.settings
    out_cover = np.array(
        [
            st.output_days_of_cover if f.output_days_of_cover is None else f.output_days_of_cover
            for f in ix.facilities
        ]
    )
    cover = np.where(buyers.facility >= 0, st.input_days_of_cover, st.market_days_of_cover)
    cover = cover.astype(np.float64)
    strategic: list[tuple[schema.Stock, float | None]] = []
    for stock in ix.scn.stocks:
        k = ix.commodity[stock.commodity]
        days = None
        if stock.days_of_cover is not None:
            days = draws.number(_stock_key(stock), stock.days_of_cover)
        if stock.kind == "strategic":
            strategic.append((stock, days))
            continue
        if stock.holder in ix.facility:
            f = ix.facility[stock.holder]
            if fac_output[f] == k:
                out_cover[f] = days or 0.0
            cover[(buyers.facility == f) & (buyers.commodity == k)] = days or 0.0
        else:
            c = ix.country[stock.holder]
            cover[(buyers.country == c) & (buyers.commodity == k)] = days or 0.0
    return cover * buyers.cover_factor, out_cover, strategic


def _event_days(ix: ScenarioIndex, draws: Drawer) -> dict[str, int]:
    """Start day of each event with an id (a new facility's start, slip included), for rules'
    ``after``."""
    days: dict[str, int] = {}
    for e in ix.scn.events:
        if not e.id:
            continue
        if isinstance(e, schema.NewCapacity):
            days[e.id] = max(start_day(ix, draws, e.facility), 0)
        else:
            days[e.id] = ix.day(getattr(e, "start", None), 0)
    return days


def _warn_steady_releases(
    ix: ScenarioIndex, reserves: list[Reserve], cover: FloatArray, need: FloatArray
) -> None:
    """Warn about reserves that trigger at or above their users' normal cover (docs/model.md)."""
    for r in reserves:
        users = r.eligible_buyers
        total = float(need[users].sum())
        if r.rate_per_day <= 0 or total <= 0:
            continue
        normal = float((cover[users] * need[users]).sum()) / total
        if r.trigger_days >= normal - 1e-9:
            warnings.warn(
                f"{ix.scn.name}: the strategic reserve of {list(ix.country)[r.country]} "
                f"{list(ix.commodity)[r.commodity]} triggers below {r.trigger_days:g} days of "
                f"cover, but its users normally hold {normal:.3g} days: it will release in "
                "steady state; set release_trigger_days below their cover",
                SupplyshockWarning,
                stacklevel=3,
            )


def _link_names(
    ix: ScenarioIndex, buyers: Buyers, links: Links
) -> tuple[IntArray, tuple[str, ...], tuple[str, ...]]:
    """Each link's stable key (for keyed draws), its buyer's sector and its buyer's entity."""
    buyer, supplier = links.buyer.tolist(), links.supplier.tolist()
    keys = np.array(
        [
            stable_key(f"{buyers.label[b]}>{ix.facilities[s].id}")
            for b, s in zip(buyer, supplier, strict=True)
        ],
        dtype=np.int64,
    )
    return keys, tuple(buyers.sector[b] for b in buyer), tuple(buyers.entity[b] for b in buyer)


def compile_scenario(
    scn: schema.Scenario,
    rng: np.random.Generator | np.random.SeedSequence | None = None,
    overrides: Mapping[str, float] | None = None,
) -> Network:
    """Compile ``scn`` for one replication.

    Uncertain values are drawn from ``rng`` (or taken from ``overrides`` by key, or set to their
    expected value when ``rng`` is None). The keys used are in ``network.extra["draws"]``.
    """
    ix = ScenarioIndex(scn)
    draws = Drawer(rng, overrides)
    st = scn.settings
    fac_country = np.array([ix.country[f.country] for f in ix.facilities], dtype=np.int64)
    fac_output = np.array([ix.commodity[f.output] for f in ix.facilities], dtype=np.int64)
    cx = Compilation(ix, draws, fac_country, fac_output)
    capacity_day0, timing = _capacity(cx)
    capacity = cx.capacity
    run_stage(cx, "demand")
    buyers = compile_buyers(cx)
    nominal = capacity.max(axis=1)
    if len(timing.facility):  # a project the price may start is linked like a started one
        nominal[timing.facility] = np.maximum(nominal[timing.facility], timing.full.max(axis=1))
    links = build_links(ix, draws, buyers, (fac_country, fac_output), nominal)
    link_export = fac_country[links.supplier] != buyers.country[links.buyer]
    tier = buyers.tier[links.buyer]
    base_rank = {
        "priority": tier,
        "pro_rata": np.zeros_like(tier),
        "domestic_first": link_export.astype(np.int64) * 100 + tier,
    }[st.allocation] * 2
    rank = contract_rank(base_rank, links.qualified, st.contracts_first)  # at the start
    changes = share_changes(
        ix,
        links,
        buyers.country,
        (fac_country, fac_output),
        nominal,
        (base_rank, st.contracts_first),
    )
    facility_ids = tuple(f.id for f in ix.facilities)
    names = scn.memo.get(
        "link names",
        (buyers.label, buyers.sector, buyers.entity, facility_ids, links.buyer, links.supplier),
        lambda: _link_names(ix, buyers, links),
    )
    cx.links = PolicyLinks(
        buyer_country=buyers.country[links.buyer],
        supplier_country=fac_country[links.supplier],
        supplier=links.supplier,
        commodity=fac_output[links.supplier],
        export=link_export,
        sector=names[1],
        entity=names[2],
    )
    cx.tensions = tension_names(scn)
    run_stage(cx, "policy")
    tracers = cx.tracers
    cover, out_cover, strategic = _stocks(ix, draws, buyers, fac_output)
    # a facility makes controlled items of a tracer when it is in the origin country and
    # makes one of the tracer's commodities (its whole output then counts as such)
    fac_origin = np.zeros((ix.F, len(tracers)))
    for o, tracer in enumerate(tracers):
        fac_origin[:, o] = (fac_country == tracer.origin) & tracer.goods[fac_output]
    price = np.array([c.usd_per_unit for c in scn.commodities])
    steady = steady_state(
        capacity_day0,
        buyers.demand[:, 0],
        buyers.per_unit[:, 0],
        buyers.facility,
        buyers.commodity,
        fac_output,
        links.buyer,
        links.supplier,
        links.weight * links.qualified,
        price,
        fac_origin,
    )
    reserves, cx.reserve_index = compile_reserves(
        ix, strategic, buyers.country, buyers.commodity, steady.buyer_need, fac_country
    )
    run_stage(cx, "reserves")
    _warn_steady_releases(ix, reserves, cover, steady.buyer_need)
    context = RuleContext(
        buyers.country,
        buyers.commodity,
        buyers.sector,
        buyers.n_inputs,
        tuple(reserves),
        cx.control_index,
        cx.tensions,
    )
    rules = compile_rules(ix, draws, context, _event_days(ix, draws))
    markets = compile_markets(ix, draws, buyers, timing)
    unknown = sorted(set(draws.overrides) - set(draws.used))
    if unknown:
        raise ScenarioError(
            [
                Problem(
                    scn.origin_file,
                    "overrides",
                    key,
                    "no parameter with this key" + did_you_mean(key, draws.asked),
                )
                for key in unknown
            ]
        )
    return Network(
        name=scn.name,
        start=scn.start,
        horizon=ix.T,
        countries=tuple(ix.country),
        commodities=tuple(ix.commodity),
        commodity_units=tuple(c.unit for c in scn.commodities),
        facilities=tuple(f.id for f in ix.facilities),
        facility_kinds=tuple(f.kind for f in ix.facilities),
        origins=tuple(t.label for t in tracers),
        blocs=ix.blocs,
        price=price,
        fac_country=fac_country,
        fac_output=fac_output,
        capacity=capacity,
        out_cover_days=out_cover,
        outage_rate_per_day=np.array([f.outage_rate_per_year / 365.0 for f in ix.facilities]),
        outage_days=tuple(f.outage_days for f in ix.facilities),
        fac_origin=fac_origin,
        buyer_facility=buyers.facility,
        buyer_country=buyers.country,
        buyer_commodity=buyers.commodity,
        buyer_tier=buyers.tier,
        per_unit=buyers.per_unit,
        essential=buyers.essential,
        cover_days=cover,
        demand=buyers.demand,
        n_inputs=buyers.n_inputs,
        link_buyer=links.buyer,
        link_supplier=links.supplier,
        link_lead=links.lead,
        link_weight=links.weight,
        link_qualified=links.qualified,
        link_rank=rank,
        link_export=link_export,
        link_key=names[0],
        controls=tuple(cx.controls),
        suspensions=tuple(cx.suspensions),
        resumes=tuple(cx.resumes),
        amendments=tuple(cx.amendments),
        general_licences=tuple(cx.general_licences),
        reserves=tuple(reserves),
        releases=tuple(cx.releases),
        custom_events=_custom(ix),
        markets=markets,
        share_changes=changes,
        smoothing_days=st.order_smoothing_days,
        switch_after_days=st.switch_after_days,
        switch_fill_share=st.switch_fill_share,
        qualification_days=tuple(
            st.qualification_days if c.qualification_days is None else c.qualification_days
            for c in scn.commodities
        ),
        recovery_window_days=st.recovery_window_days,
        init_buyer_stock=cover * steady.buyer_need,
        init_output_stock=out_cover * steady.throughput,
        init_link_flow=steady.link_flow,
        init_signal=steady.throughput,
        init_buyer_origin=steady.buyer_origin,
        init_output_origin=steady.output_origin,
        buyer_sector=buyers.sector,
        market_row=buyers.market_row,
        max_delay=buyers.max_delay,
        tension_steps=tuple(cx.tension_steps),
        rules=rules,
        extra={
            "draws": dict(draws.used),
            "specs": dict(draws.specs),
            "timeline": timeline(scn.events),
        },
    )
