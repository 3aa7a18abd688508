"""Several days in one compiled call, while nothing needs Python between them."""

from __future__ import annotations

from supplyshock.sim.kernels._common import jit
from supplyshock.sim.kernels.afternoon import afternoon
from supplyshock.sim.kernels.licences import allowances
from supplyshock.sim.kernels.morning import morning
from supplyshock.sim.kernels.prices import Px, leak, market_prices, respond
from supplyshock.sim.kernels.requests import content_masks, request
from supplyshock.sim.kernels.rules import RuleArrays, RuleInputs, RuleRun, check_rules
from supplyshock.sim.kernels.structs import Gate, Net, Rec, St, Wk

__all__ = ["DONE", "GATES", "RULES", "quiet_days"]

DONE = 0  # every day up to ``stop`` was stepped
GATES = 1  # stopped after the morning of the returned day: a content-rule mask changed
RULES = 2  # stopped after the returned day: rules or watches fired


@jit
def quiet_days(
    t: int,
    stop: int,
    net: Net,
    st: St,
    wk: Wk,
    gate: Gate,
    rec: Rec,
    rules: RuleArrays,
    fired: RuleRun,
    seen: RuleInputs,
    px: Px,
) -> tuple[int, int, int]:
    """Step days ``t`` .. ``stop - 1`` with fixed gates, as the day-by-day path would.

    The caller guarantees that no dated event falls in the stretch and that the gates are
    settled (no quota, no policy change since ``gate`` was built after the day before).
    Qualifications and outages are drawn ahead and applied inside (see ``morning``). The
    stretch stops early, returning ``(status, day, n_fired)``, when Python has to act: a
    content-rule share crossed its threshold (``GATES``: the gates must be rebuilt before the
    rest of ``day``), or rules or watches fired at the end of ``day`` (``RULES``;
    ``check_rules`` with ``rules``, their state ``fired`` and the quantities ``seen``).
    Markets ``px`` set each day's demand before the morning and its prices after the afternoon.
    """
    for d in range(t, stop):
        respond(d, net, px)
        morning(d, net, st, wk)
        moved = content_masks(
            share_f=wk.share_f,
            origins=gate.origins,
            thresholds=gate.thresholds,
            link_supplier=net.link_supplier,
            content=gate.content,
            masks=gate.masks,
            active=gate.active,
            update=False,
        )
        if moved:
            return GATES, d, 0
        allowances(d, gate, wk.allow)
        leak(wk, px)
        request(d, net, st, wk, gate)
        afternoon(d, net, st, wk, gate, rec)
        market_prices(d, net, wk, rec, px)
        n_fired = check_rules(d, rules, fired, seen)
        if n_fired:
            return RULES, d, n_fired
    return DONE, stop, 0
