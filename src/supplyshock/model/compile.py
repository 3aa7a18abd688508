"""Compile a validated :class:`~supplyshock.scenario.schema.Scenario` into a :class:`Network`.

Compilation resolves names to integer indices, draws the replication's uncertain values,
turns calendar dates into day indices and precomputes day-by-day schedules (capacity with
ramps and shocks, demand with growth and shifts, recipe intensities with thrifting).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping

import numpy as np

from supplyshock.errors import ScenarioError
from supplyshock.model.draws import Drawer
from supplyshock.model.network import (
    Control,
    FloatArray,
    Network,
    ReleaseWindow,
    Reserve,
    SuspensionSpec,
)
from supplyshock.model.steady import steady_state
from supplyshock.scenario import schema

__all__ = ["compile_scenario"]


class _Index:
    """Name -> index lookups and date conversion for one scenario."""

    def __init__(self, scn: schema.Scenario) -> None:
        self.scn = scn
        self.start = scn.start
        self.T = scn.horizon_days
        self.facilities = list(scn.facilities) + [
            e.facility for e in scn.events if isinstance(e, schema.NewCapacity)
        ]
        self.country = {c.iso3: i for i, c in enumerate(scn.countries)}
        self.commodity = {c.id: i for i, c in enumerate(scn.commodities)}
        self.facility = {f.id: i for i, f in enumerate(self.facilities)}
        self.C, self.K, self.F = len(self.country), len(self.commodity), len(self.facilities)
        self.blocs = {name: self._membership(m) for name, m in scn.blocs.items()}

    def day(self, date: dt.date | None, default: int) -> int:
        return default if date is None else (date - self.start).days

    def _membership(self, members: list[schema.BlocMember]) -> np.ndarray:
        table = np.zeros((self.C, self.T), dtype=bool)
        for m in members:
            lo = max(0, self.day(m.since, 0))
            hi = min(self.T, self.day(m.until, self.T))
            table[self.country[m.country], lo:hi] = True
        return table

    def places(self, sel: schema.DestinationSelector, day: int) -> np.ndarray:
        """Countries selected by ``sel`` on ``day`` (bloc membership is dated)."""
        day = min(max(day, 0), self.T - 1)

        def resolve(names: list[str]) -> np.ndarray:
            mask = np.zeros(self.C, dtype=bool)
            for name in names:
                if name in self.country:
                    mask[self.country[name]] = True
                else:
                    mask |= self.blocs[name][:, day]
            return mask

        if sel.all_except is not None:
            return ~resolve(sel.all_except)
        return resolve(sel.include)

    def ever_members(self, names: list[str]) -> np.ndarray:
        mask = np.zeros(self.C, dtype=bool)
        for name in names:
            if name in self.country:
                mask[self.country[name]] = True
            else:
                mask |= self.blocs[name].any(axis=1)
        return mask

    def commodities(self, sel: schema.CommoditySelector) -> np.ndarray:
        mask = np.zeros(self.K, dtype=bool)
        for c in sel.ids:
            mask[self.commodity[c]] = True
        for i, c in enumerate(self.scn.commodities):
            if c.category and c.category in sel.category:
                mask[i] = True
        return mask


def _ramp(T: int, start: int, ramp_days: float) -> FloatArray:
    days = np.arange(T, dtype=float)
    if ramp_days <= 0:
        return (days >= start).astype(float)
    return np.clip((days - start + 1) / ramp_days, 0.0, 1.0)


def _capacity(ix: _Index, draws: Drawer) -> tuple[FloatArray, FloatArray]:
    """Capacity per facility and day with shocks, and without them (for the starting state)."""
    cap = np.zeros((ix.F, ix.T))
    for i, f in enumerate(ix.facilities):
        per_year = draws.number(f"facilities[{f.id}].capacity_per_year", f.capacity_per_year)
        cap[i] = per_year / 365.0 * _ramp(ix.T, ix.day(f.start, -(10**6)), f.ramp_days)
    unshocked = cap[:, 0].copy()
    countries = np.array([ix.country[f.country] for f in ix.facilities])
    outputs = np.array([ix.commodity[f.output] for f in ix.facilities])
    for j, e in enumerate(ix.scn.events):
        if not isinstance(e, schema.CapacityShock):
            continue
        hit = np.ones(ix.F, dtype=bool)
        if e.facility is not None:
            hit &= np.arange(ix.F) == ix.facility[e.facility]
        if e.country is not None:
            hit &= countries == ix.country[e.country]
        if e.output is not None:
            hit &= outputs == ix.commodity[e.output]
        lost = draws.number(f"events[{e.id or j}].share_lost", e.share_lost)
        lo, hi = max(0, ix.day(e.start, 0)), min(ix.T, ix.day(e.end, ix.T))
        cap[hit, lo:hi] *= 1.0 - lost
    return cap, unshocked


def _shift(ix: _Index, e: schema.DemandShift) -> FloatArray:
    """Multiplier over days: 1 before start, ramping linearly to 1 + change over lag_days."""
    start = ix.day(e.start, 0)
    return 1.0 + e.change * _ramp(ix.T, start, e.lag_days)


def _lead_table(ix: _Index, draws: Drawer) -> dict[tuple[str, str], float]:
    return {
        (lane.origin, lane.destination): draws.number(
            f"lanes[{lane.origin}-{lane.destination}].lead_time_days", lane.lead_time_days
        )
        for lane in ix.scn.lanes
    }


def _lead(
    table: dict[tuple[str, str], float], origin: str, dest: str, fallback: float | None
) -> float | None:
    for key in ((origin, dest), (origin, "*"), ("*", dest), ("*", "*")):
        if key in table:
            return table[key]
    return fallback


def _timeline(scn: schema.Scenario) -> list[tuple[str, str]]:
    """Dated labels of the scenario's events, for plots."""
    marks: list[tuple[str, str]] = []
    for e in scn.events:
        if isinstance(e, schema.ExportControl):
            marks.append((e.start.isoformat(), f"{e.id or e.exporter} {e.mode}"))
        elif isinstance(e, schema.Suspend):
            marks.append((e.start.isoformat(), f"{e.control} suspended"))
            if e.end is not None:
                marks.append((e.end.isoformat(), f"{e.control} suspension ends"))
        elif isinstance(e, schema.Resume):
            marks.append((e.start.isoformat(), f"{e.control} resumed"))
    return marks


def compile_scenario(
    scn: schema.Scenario,
    rng: np.random.Generator | None = None,
    overrides: Mapping[str, float] | None = None,
) -> Network:
    """Compile ``scn`` for one replication.

    Uncertain values are drawn from ``rng`` (or taken from ``overrides`` by key, or set to their
    expected value when ``rng`` is None). The keys used are in ``network.extra["draws"]``.
    """
    ix = _Index(scn)
    draws = Drawer(rng, overrides)
    st = scn.settings
    T, C, K, F = ix.T, ix.C, ix.K, ix.F
    fac_country = np.array([ix.country[f.country] for f in ix.facilities], dtype=np.int64)
    fac_output = np.array([ix.commodity[f.output] for f in ix.facilities], dtype=np.int64)
    capacity, capacity_before_shocks = _capacity(ix, draws)

    recipes: dict[str, list[tuple[int, float]]] = defaultdict(list)
    for r in scn.recipes:
        recipes[r.recipe].append((ix.commodity[r.input], r.per_unit))
    b_fac, b_country, b_comm, b_tier, per_unit_rows = [], [], [], [], []
    for i, f in enumerate(ix.facilities):
        for k, per_unit in recipes.get(f.recipe, []):
            b_fac.append(i)
            b_country.append(fac_country[i])
            b_comm.append(k)
            b_tier.append(2)
            row = np.full(T, per_unit / f.yield_)
            for e in scn.events:
                if (
                    isinstance(e, schema.DemandShift)
                    and e.input is not None
                    and ix.commodity[e.input] == k
                    and ix.commodity[e.commodity] == fac_output[i]
                    and ix.places(e.countries, ix.day(e.start, 0))[fac_country[i]]
                ):
                    row = row * _shift(ix, e)
            per_unit_rows.append(row)
    n_inputs = len(b_fac)
    demand = np.zeros((len(scn.demand), T))
    years = np.arange(T) / 365.0
    for m, d in enumerate(scn.demand):
        c, k = ix.country[d.country], ix.commodity[d.commodity]
        key = f"demand[{d.country}.{d.commodity}.{d.sector or m}].per_year"
        demand[m] = draws.number(key, d.per_year) / 365.0 * (1.0 + d.growth) ** years
        for e in scn.events:
            if (
                isinstance(e, schema.DemandShift)
                and e.input is None
                and ix.commodity[e.commodity] == k
                and ix.places(e.countries, ix.day(e.start, 0))[c]
            ):
                demand[m] *= _shift(ix, e)
        b_fac.append(-1)
        b_country.append(c)
        b_comm.append(k)
        b_tier.append(d.tier)
    buyer_facility = np.array(b_fac, dtype=np.int64)
    buyer_country = np.array(b_country, dtype=np.int64)
    buyer_commodity = np.array(b_comm, dtype=np.int64)
    per_unit = np.vstack(per_unit_rows) if per_unit_rows else np.zeros((0, T))

    # links: every buyer to every producer of its commodity reachable over a lane
    leads = _lead_table(ix, draws)
    domestic = draws.number("settings.domestic_lead_time_days", st.domestic_lead_time_days)
    fallback = (
        None
        if st.default_lead_time_days is None
        else draws.number("settings.default_lead_time_days", st.default_lead_time_days)
    )
    shares: dict[tuple[int, int], dict[int, float]] = defaultdict(dict)
    for s in scn.supplier_shares:
        shares[(ix.country[s.buyer], ix.commodity[s.commodity])][ix.country[s.supplier]] = s.share
    nominal = capacity.max(axis=1)
    cap_by_country_comm: dict[tuple[int, int], float] = defaultdict(float)
    for i in range(F):
        cap_by_country_comm[(int(fac_country[i]), int(fac_output[i]))] += nominal[i]
    total_by_comm = np.bincount(fac_output, weights=nominal, minlength=K)
    countries = [c.iso3 for c in scn.countries]
    l_buyer, l_sup, l_lead, l_weight, l_qual = [], [], [], [], []
    for b in range(len(buyer_facility)):
        k, c = int(buyer_commodity[b]), int(buyer_country[b])
        table = shares.get((c, k))
        for s in np.flatnonzero(fac_output == k):
            if buyer_facility[b] == s:
                continue
            sc = int(fac_country[s])
            lead = domestic if sc == c else _lead(leads, countries[sc], countries[c], fallback)
            if lead is None or nominal[s] <= 1e-9:
                continue
            share = None if table is None else table.get(sc, 0.0)
            l_buyer.append(b)
            l_sup.append(int(s))
            l_lead.append(max(1, round(lead)))
            if share:
                l_weight.append(share / cap_by_country_comm[(sc, k)])
                l_qual.append(True)
            else:
                l_weight.append(1.0 / total_by_comm[k])
                l_qual.append(share is None)
    link_buyer = np.array(l_buyer, dtype=np.int64)
    link_supplier = np.array(l_sup, dtype=np.int64)
    link_export = fac_country[link_supplier] != buyer_country[link_buyer]
    tier = np.array(b_tier, dtype=np.int64)[link_buyer]
    rank = {
        "priority": tier,
        "pro_rata": np.zeros_like(tier),
        "domestic_first": link_export.astype(np.int64) * 100 + tier,
    }[st.allocation]

    # controls, suspensions, reserves
    origins: list[str] = []
    controls = []
    control_index: dict[str, int] = {}
    for j, e in enumerate(scn.events):
        if not isinstance(e, schema.ExportControl):
            continue
        key = e.id or str(j)
        start = ix.day(e.start, 0)
        dest = ix.places(e.destinations, start)[buyer_country[link_buyer]]
        goods = ix.commodities(e.commodities)[fac_output[link_supplier]]
        exporter = ix.country[e.exporter]
        from_exporter = fac_country[link_supplier] == exporter
        direct = from_exporter & goods & dest & link_export
        content = np.zeros_like(direct)
        origin, threshold = -1, 1.0
        if e.content_rule is not None:
            if e.content_rule.origin not in origins:
                origins.append(e.content_rule.origin)
            origin, threshold = origins.index(e.content_rule.origin), e.content_rule.threshold
            content = ~from_exporter & goods & dest & link_export
        control_index[key] = len(controls)
        controls.append(
            Control(
                id=key,
                mode=e.mode,
                start=start,
                end=ix.day(e.end, 10**9),
                direct=direct,
                content=content,
                origin=origin,
                threshold=threshold,
                approval_probability=draws.number(
                    f"events[{key}].approval_probability", e.approval_probability
                ),
                processing_days=e.processing_days,
                licensed_share=e.licensed_share,
                quota_per_day=(e.quota_per_year or 0.0) / 365.0,
            )
        )
    suspensions, resumes = [], []
    for j, e in enumerate(scn.events):
        if isinstance(e, schema.Suspend):
            key = e.id or str(j)
            suspensions.append(
                SuspensionSpec(
                    control=control_index[e.control],
                    start=ix.day(e.start, 0),
                    end=ix.day(e.end, 10**9),
                    snapback=draws.flag(f"events[{key}].snapback", e.snapback),
                    snapback_delay=round(
                        draws.number(f"events[{key}].snapback_delay_days", e.snapback_delay_days)
                    ),
                )
            )
        elif isinstance(e, schema.Resume):
            resumes.append((control_index[e.control], ix.day(e.start, 0)))

    out_cover = np.array(
        [
            st.output_days_of_cover if f.output_days_of_cover is None else f.output_days_of_cover
            for f in ix.facilities
        ]
    )
    cover = np.where(buyer_facility >= 0, st.input_days_of_cover, st.market_days_of_cover)
    cover = cover.astype(float)
    strategic = []
    for j, s in enumerate(scn.stocks):
        k = ix.commodity[s.commodity]
        days = None
        if s.days_of_cover is not None:
            days = draws.number(f"stocks[{s.holder}.{s.commodity}].days_of_cover", s.days_of_cover)
        if s.kind == "strategic":
            strategic.append((s, days))
        elif s.holder in ix.facility:
            f = ix.facility[s.holder]
            if fac_output[f] == k:
                out_cover[f] = days if days is not None else 0.0
            cover[(buyer_facility == f) & (buyer_commodity == k)] = days or 0.0
        else:
            c = ix.country[s.holder]
            cover[(buyer_country == c) & (buyer_commodity == k)] = days or 0.0

    fac_origin = np.zeros((F, len(origins)))
    for o, name in enumerate(origins):
        fac_origin[:, o] = fac_country == ix.country[name]
    weights = np.array(l_weight)
    qualified = np.array(l_qual, dtype=bool)
    steady = steady_state(
        capacity_before_shocks,
        demand[:, 0],
        per_unit[:, 0],
        buyer_facility,
        buyer_commodity,
        fac_output,
        link_buyer,
        link_supplier,
        weights * qualified,
        np.asarray([c.usd_per_unit for c in scn.commodities]),
        fac_origin,
    )
    need = steady.buyer_need
    reserves, reserve_index = [], {}
    for j, (s, days) in enumerate(strategic):
        k = ix.commodity[s.commodity]
        holder_c = (
            ix.country[s.holder] if s.holder in ix.country else fac_country[ix.facility[s.holder]]
        )
        drawers = ix.ever_members(s.may_draw) if s.may_draw else np.arange(C) == holder_c
        eligible = np.flatnonzero((buyer_commodity == k) & drawers[buyer_country])
        own = need[(buyer_commodity == k) & (buyer_country == holder_c)].sum()
        quantity = s.quantity if s.quantity is not None else (days or 0.0) * own
        reserve_index.setdefault((int(holder_c), k), len(reserves))
        reserves.append(
            Reserve(
                int(holder_c),
                k,
                float(quantity),
                s.release_trigger_days,
                s.release_rate_per_day,
                eligible.astype(np.int64),
            )
        )
    releases = []
    for e in scn.events:
        if isinstance(e, schema.StockpileRelease):
            key = (ix.country[e.holder], ix.commodity[e.commodity])
            if key not in reserve_index:
                raise ScenarioError.single(
                    scn.origin_file,
                    f"events[{e.id}].holder",
                    e.holder,
                    f"no strategic stock of {e.commodity} held by {e.holder}",
                )
            releases.append(
                ReleaseWindow(
                    reserve_index[key], ix.day(e.start, 0), ix.day(e.end, 10**9), e.rate_per_day
                )
            )

    return Network(
        name=scn.name,
        start=scn.start,
        horizon=T,
        countries=tuple(countries),
        commodities=tuple(c.id for c in scn.commodities),
        commodity_units=tuple(c.unit for c in scn.commodities),
        facilities=tuple(f.id for f in ix.facilities),
        facility_kinds=tuple(f.kind for f in ix.facilities),
        origins=tuple(origins),
        blocs=ix.blocs,
        price=np.array([c.usd_per_unit for c in scn.commodities]),
        fac_country=fac_country,
        fac_output=fac_output,
        capacity=capacity,
        out_cover_days=out_cover,
        outage_rate_per_day=np.array([f.outage_rate_per_year / 365.0 for f in ix.facilities]),
        outage_days=tuple(f.outage_days for f in ix.facilities),
        fac_origin=fac_origin,
        buyer_facility=buyer_facility,
        buyer_country=buyer_country,
        buyer_commodity=buyer_commodity,
        buyer_tier=np.array(b_tier, dtype=np.int64),
        per_unit=per_unit,
        cover_days=cover,
        demand=demand,
        n_inputs=n_inputs,
        link_buyer=link_buyer,
        link_supplier=link_supplier,
        link_lead=np.array(l_lead, dtype=np.int64),
        link_weight=weights,
        link_qualified=qualified,
        link_rank=rank,
        link_export=link_export,
        controls=tuple(controls),
        suspensions=tuple(suspensions),
        resumes=tuple(resumes),
        reserves=tuple(reserves),
        releases=tuple(releases),
        smoothing_days=st.order_smoothing_days,
        switch_after_days=st.switch_after_days,
        qualification_days=st.qualification_days,
        recovery_window_days=st.recovery_window_days,
        init_buyer_stock=cover * need,
        init_output_stock=out_cover * steady.throughput,
        init_link_flow=steady.link_flow,
        init_signal=steady.throughput,
        init_buyer_origin=steady.buyer_origin,
        init_output_origin=steady.output_origin,
        extra={"draws": dict(draws.used), "timeline": _timeline(scn)},
    )
