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

from supplyshock.errors import ScenarioError
from supplyshock.events import timeline
from supplyshock.model.compilation import Compilation, PolicyLinks
from supplyshock.model.draws import Drawer
from supplyshock.model.index import FAR, ScenarioIndex
from supplyshock.model.network import Network, ReleaseWindow
from supplyshock.model.rules import tension_names
from supplyshock.scenario import schema

__all__ = [
    "POLICY_EVENTS",
    "STEP_EVENTS",
    "add_steps",
    "extend_network",
    "policy_links",
    "recompile_policies",
    "same_structure",
]

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


def recompile_policies(
    net: Network,
    scn: schema.Scenario,
    seed: np.random.SeedSequence | None,
    overrides: Mapping[str, float] | None,
    links: PolicyLinks,
) -> Network | None:
    """``net`` with the policy lists of ``scn``, or None if ``scn`` needs a full compile.

    ``scn`` must be the scenario ``net`` was compiled from with policy events added
    (:data:`POLICY_EVENTS`): the compile hooks of stages ``policy`` and ``reserves`` run again,
    with the network's links and reserves. New controls may use only content tracers and
    tensions ``net`` has.
    """
    from supplyshock.model.compile import run_stage

    tensions = net.rules.tensions if net.rules is not None else ()
    if tension_names(scn) != tensions:
        return None
    cx = Compilation(ScenarioIndex(scn), Drawer(seed, overrides), net.fac_country, net.fac_output)
    cx.links, cx.tensions = links, tensions
    run_stage(cx, "policy")
    if tuple(t.label for t in cx.tracers) != net.origins:
        return None
    for r, res in enumerate(net.reserves):
        cx.reserve_index.setdefault((res.country, res.commodity), r)
    run_stage(cx, "reserves")
    drawn = dict(net.extra.get("draws", {}))  # type: ignore[call-overload]
    drawn.update(cx.draws.used)
    specs = dict(net.extra.get("specs", {}))  # type: ignore[call-overload]
    specs.update(cx.draws.specs)
    return dataclasses.replace(
        net,
        controls=tuple(cx.controls),
        suspensions=tuple(cx.suspensions),
        resumes=tuple(cx.resumes),
        amendments=tuple(cx.amendments),
        general_licences=tuple(cx.general_licences),
        releases=tuple(cx.releases),
        tension_steps=tuple(cx.tension_steps),
        extra={**net.extra, "draws": drawn, "specs": specs, "timeline": timeline(scn.events)},
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
        if not isinstance(e, STEP_EVENTS):
            return None
        start = (e.start - net.start).days
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


def same_structure(old: Network, new: Network) -> None:
    """Raise unless ``new`` has ``old``'s facilities, buyers, links, tracers and reserves."""
    same = (
        old.facilities == new.facilities
        and old.n_buyers == new.n_buyers
        and np.array_equal(old.link_buyer, new.link_buyer)
        and np.array_equal(old.link_supplier, new.link_supplier)
        and np.array_equal(old.link_lead, new.link_lead)
        and old.origins == new.origins
        and len(old.reserves) == len(new.reserves)
    )
    if not same:
        raise ScenarioError.single(
            "<apply>",
            "events",
            new.name,
            "the event changes the network (facilities, trade links or traced content); "
            "declare it in the scenario instead",
        )


def extend_network(
    net: Network,
    scn: schema.Scenario,
    events: list[schema.Event],
    seed: np.random.SeedSequence | None,
    overrides: Mapping[str, float],
) -> tuple[Network, bool]:
    """The network of ``scn``, which is ``net``'s scenario with ``events`` added, compiled by
    the cheapest path that gives the same result; and whether only steps (releases, tension
    changes) were added, so that nothing else about the network changed.

    Raises :class:`ScenarioError` if the events change the network's structure.
    """
    if all(isinstance(e, STEP_EVENTS) for e in events):
        stepped = add_steps(net, events)
        if stepped is not None:
            return stepped, True
    new = None
    if all(isinstance(e, POLICY_EVENTS) for e in events):
        drawn: dict[str, float] = dict(net.extra["draws"])  # type: ignore[call-overload]
        known = {**drawn, **overrides}  # the same values, without drawing them again
        new = recompile_policies(net, scn, seed, known, policy_links(net))
    if new is None:
        from supplyshock.model.compile import compile_scenario

        new = compile_scenario(scn, seed, overrides or None)
    same_structure(net, new)
    return new, False
