"""Several days in one compiled call, while nothing needs Python between them."""

from __future__ import annotations

from supplyshock.model.network import BoolArray, FloatArray, IntArray
from supplyshock.sim.kernels._common import jit
from supplyshock.sim.kernels.afternoon import afternoon
from supplyshock.sim.kernels.licences import allowances
from supplyshock.sim.kernels.morning import morning
from supplyshock.sim.kernels.requests import content_masks, request
from supplyshock.sim.kernels.rules import RuleArrays, RuleInputs, RuleRun, check_rules

__all__ = ["DONE", "GATES", "QUALIFY", "RULES", "quiet_days"]

DONE = 0  # every day up to ``stop`` was stepped
GATES = 1  # stopped after the morning of the returned day: a content-rule mask changed
QUALIFY = 2  # stopped after the returned day: some links start qualifying (maybe rules fired)
RULES = 3  # stopped after the returned day: rules or watches fired


@jit
def quiet_days(
    t: int,
    stop: int,
    morning_args: tuple,  # type: ignore[type-arg]
    request_head: tuple,  # type: ignore[type-arg]
    request_tail: tuple,  # type: ignore[type-arg]
    afternoon_args: tuple,  # type: ignore[type-arg]
    afternoon_work: tuple,  # type: ignore[type-arg]
    entries: tuple,  # type: ignore[type-arg]
    allow: FloatArray,
    restricted: BoolArray,
    limit: FloatArray,
    rank_links: IntArray,
    rank_starts: IntArray,
    share_f: FloatArray,
    link_supplier: IntArray,
    origins: IntArray,
    thresholds: FloatArray,
    content: BoolArray,
    masks: BoolArray,
    active: BoolArray,
    rule_arrays: RuleArrays,
    rule_run: RuleRun,
    rule_inputs: RuleInputs,
) -> tuple[int, int, int, int]:
    """Step days ``t`` .. ``stop - 1`` with fixed gates, as the day-by-day path would.

    The caller guarantees that no dated event falls in the stretch and that the gates are
    settled (no quota, no policy change since they were built); ``entries`` are the
    arguments of :func:`allowances` after the day. The stretch stops early,
    returning ``(status, day, n_qualify, n_fired)``, when Python has to act: a content-rule
    share crossed its threshold (``GATES``: the gates must be rebuilt before the rest of
    ``day``), links start qualifying (``QUALIFY``: their qualification must be scheduled), or
    rules or watches fired at the end of ``day`` (``RULES``, or ``QUALIFY`` if both).
    """
    for d in range(t, stop):
        morning(d, *morning_args)
        rules = (origins, thresholds, link_supplier, content, masks, active)
        if content_masks(share_f, *rules, False):
            return GATES, d, 0, 0
        # (mypy cannot count arguments unpacked from tuples of unknown length)
        allowances(d, *entries, allow)  # type: ignore[call-arg]
        request(d, *request_head, allow, restricted, limit, *request_tail)  # type: ignore[call-arg]
        n_qualify = afternoon(
            d,
            *afternoon_args,
            allow,
            rank_links,
            rank_starts,
            *afternoon_work,  # type: ignore[call-arg]
        )
        n_fired = check_rules(d, rule_arrays, rule_run, rule_inputs)
        if n_qualify or n_fired:
            return (QUALIFY if n_qualify else RULES), d, n_qualify, n_fired
    return DONE, stop, 0, 0
