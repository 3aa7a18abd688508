"""Recompile only the policy timeline of a network, for events added during a run.

Policy events (controls, suspensions, resumptions, amendments, general licences, stockpile
releases, tensions) change nothing but the network's policy lists, so a scenario that differs
from a compiled one only by such events is compiled by redoing those lists, with the same
keyed draws. The result equals :func:`~supplyshock.model.compile.compile_scenario` of the new
scenario (tested); it is several times cheaper.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

import numpy as np

from supplyshock.model.draws import Drawer
from supplyshock.model.index import FAR, ScenarioIndex
from supplyshock.model.network import Network, ReleaseWindow
from supplyshock.model.policies import (
    PolicyLinks,
    compile_amendments,
    compile_controls,
    compile_general_licences,
    compile_suspensions,
    timeline,
)
from supplyshock.scenario import schema

__all__ = ["POLICY_EVENTS", "STEP_EVENTS", "add_steps", "policy_links", "recompile_policies"]

POLICY_EVENTS = (
    schema.ExportControl,
    schema.Suspend,
    schema.Resume,
    schema.Amend,
    schema.GeneralLicence,
    schema.StockpileRelease,
    schema.Tension,
)
"""Event types that change only a network's policy lists."""
STEP_EVENTS = (schema.StockpileRelease, schema.Tension)
"""Event types that only add dated steps (releases, tension changes) and need no draws."""


def policy_links(net: Network) -> PolicyLinks:
    """What policy compilation needs to know about ``net``'s links."""
    buyer_fac = net.buyer_facility[net.link_buyer]
    return PolicyLinks(
        buyer_country=net.buyer_country[net.link_buyer],
        supplier_country=net.fac_country[net.link_supplier],
        supplier=net.link_supplier,
        commodity=net.fac_output[net.link_supplier],
        export=net.link_export,
        sector=tuple(net.buyer_sector[b] for b in net.link_buyer.tolist()),
        entity=tuple(net.facilities[f] if f >= 0 else "" for f in buyer_fac.tolist()),
    )


def _releases(ix: ScenarioIndex, net: Network) -> list[ReleaseWindow]:
    lookup: dict[tuple[int, int], int] = {}
    for r, res in enumerate(net.reserves):
        lookup.setdefault((res.country, res.commodity), r)
    out: list[ReleaseWindow] = []
    for e in ix.scn.events:
        if not isinstance(e, schema.StockpileRelease):
            continue
        r = lookup[(ix.country[e.holder], ix.commodity[e.commodity])]
        start = ix.day(e.start, 0)
        if e.share is not None and e.days is not None:
            out.append(ReleaseWindow(r, start, start + e.days, 0.0, e.share))
        else:
            out.append(ReleaseWindow(r, start, ix.day(e.end, FAR), e.rate_per_day or 0.0))
    return out


def recompile_policies(
    net: Network,
    scn: schema.Scenario,
    seed: np.random.SeedSequence | None,
    overrides: Mapping[str, float] | None,
    links: PolicyLinks,
) -> Network | None:
    """``net`` with the policy lists of ``scn``, or None if ``scn`` needs a full compile.

    ``scn`` must be the scenario ``net`` was compiled from with policy events added
    (:data:`POLICY_EVENTS`); its new controls may use only content tracers ``net`` has.
    """
    ix = ScenarioIndex(scn)
    draws = Drawer(seed, overrides)
    controls, tracers, control_index = compile_controls(ix, links, draws)
    if tuple(t.label for t in tracers) != net.origins:
        return None
    suspensions, resumes = compile_suspensions(ix, control_index, draws)
    tensions = net.rules.tensions if net.rules is not None else ()
    steps = []
    for e in scn.events:
        if isinstance(e, schema.Tension):
            if e.name not in tensions:
                return None
            steps.append((ix.day(e.start, 0), tensions.index(e.name), e.change))
        elif isinstance(e, schema.StockpileRelease):
            key = (ix.country.get(e.holder, -1), ix.commodity.get(e.commodity, -1))
            if key not in {(r.country, r.commodity) for r in net.reserves}:
                return None  # a full compile reports it
    drawn = dict(net.extra.get("draws", {}))  # type: ignore[call-overload]
    drawn.update(draws.used)
    specs = dict(net.extra.get("specs", {}))  # type: ignore[call-overload]
    specs.update(draws.specs)
    return dataclasses.replace(
        net,
        controls=tuple(controls),
        suspensions=tuple(suspensions),
        resumes=tuple(resumes),
        amendments=tuple(compile_amendments(ix, control_index, draws)),
        general_licences=tuple(compile_general_licences(ix, links, control_index)),
        releases=tuple(_releases(ix, net)),
        tension_steps=tuple(steps),
        extra={**net.extra, "draws": drawn, "specs": specs, "timeline": timeline(scn)},
    )


def add_steps(net: Network, events: list[schema.Event]) -> Network | None:
    """``net`` with the releases and tension steps of ``events`` (:data:`STEP_EVENTS`) added
    at the end of its lists, as compiling the scenario with them would; None if one of them
    needs a full compile (a reserve or tension the network does not have)."""
    tensions = net.rules.tensions if net.rules is not None else ()
    reserves: dict[tuple[str, str], int] = {}
    for r, res in enumerate(net.reserves):
        reserves.setdefault((net.countries[res.country], net.commodities[res.commodity]), r)
    releases, steps = list(net.releases), list(net.tension_steps)
    for e in events:
        start = (e.start - net.start).days if not isinstance(e, schema.NewCapacity) else 0
        if isinstance(e, schema.Tension):
            if e.name not in tensions:
                return None
            steps.append((start, tensions.index(e.name), e.change))
        elif isinstance(e, schema.StockpileRelease):
            found = reserves.get((e.holder, e.commodity))
            if found is None:
                return None
            if e.share is not None and e.days is not None:
                releases.append(ReleaseWindow(found, start, start + e.days, 0.0, e.share))
            else:
                end = FAR if e.end is None else (e.end - net.start).days
                releases.append(ReleaseWindow(found, start, end, e.rate_per_day or 0.0))
        else:
            return None
    return dataclasses.replace(net, releases=tuple(releases), tension_steps=tuple(steps))
