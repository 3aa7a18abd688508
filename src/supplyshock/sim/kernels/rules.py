"""Compiled end-of-day check of rules and watches (docs/model.md, "Rules")."""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from supplyshock.model.network import BoolArray, FloatArray, IntArray
from supplyshock.sim.kernels._common import jit

__all__ = [
    "CONTROL_ACTIVE",
    "COVER",
    "CUMULATIVE",
    "RESERVE",
    "RESERVE_SHARE",
    "SHORTFALL",
    "STOCK",
    "TENSION",
    "RuleArrays",
    "RuleInputs",
    "RuleRun",
    "check_rules",
]

# quantity codes, in the order of supplyshock.scenario.rules.Quantity
COVER, STOCK, RESERVE, RESERVE_SHARE, SHORTFALL, CUMULATIVE, CONTROL_ACTIVE, TENSION = range(8)


class RuleArrays(NamedTuple):
    """The compiled rules (see :class:`supplyshock.model.rules.RuleTable`)."""

    start: IntArray  # [r]
    stop: IntArray  # [r]
    repeat: BoolArray  # [r]
    cooldown: IntArray  # [r]
    after_start: IntArray  # [r + 1]
    after_items: IntArray
    rate: FloatArray  # [r] hazard per day (-1: none)
    hazard_tension: IntArray  # [r]
    multiplier: FloatArray  # [r]
    uniform: FloatArray  # [r, day] draws of the hazards
    cond_rule: IntArray  # [j]
    cond_kind: IntArray  # [j]
    cond_above: BoolArray  # [j]
    cond_threshold: FloatArray  # [j]
    cond_window: IntArray  # [j]
    cond_for: IntArray  # [j]
    cond_start: IntArray  # [j + 1]
    cond_items: IntArray


class RuleRun(NamedTuple):
    """What the check keeps from day to day, and what it reports."""

    held: IntArray  # [j] consecutive days each condition has held
    total: FloatArray  # [j] cumulative shortfall so far
    fired: IntArray  # [r] times each rule has fired
    last: IntArray  # [r] day it last fired (-1: never)
    today: IntArray  # [r] the rules fired today, first n


class RuleInputs(NamedTuple):
    """The run's quantities the conditions read (arrays shared with the step)."""

    inv: FloatArray  # [b] buyer stock
    need: FloatArray  # [b] today's need
    reserve: FloatArray  # [r] reserve content
    reserve_start: FloatArray  # [r] content at the start
    demand: FloatArray  # [day, m] final demand
    delivered: FloatArray  # [day, m] recorded deliveries
    active: FloatArray  # [c] 1 while a control is in force
    tension: FloatArray  # [k]


@jit
def _value(t: int, j: int, a: RuleArrays, run: RuleRun, x: RuleInputs) -> float:
    """End-of-day value of condition ``j``'s quantity on day ``t``."""
    kind = a.cond_kind[j]
    items = a.cond_items[a.cond_start[j] : a.cond_start[j + 1]]
    if kind == CONTROL_ACTIVE:
        return float(x.active[items[0]])
    if kind == TENSION:
        return float(x.tension[items[0]])
    if kind == COVER or kind == STOCK:  # noqa: SIM109 (compiled: no tuple membership)
        stock = 0.0
        need = 0.0
        for b in items:
            stock += x.inv[b]
            need += x.need[b]
        if kind == STOCK:
            return stock
        return stock / need if need > 0.0 else math.inf
    if kind == RESERVE or kind == RESERVE_SHARE:  # noqa: SIM109
        held = 0.0
        initial = 0.0
        for r in items:
            held += x.reserve[r]
            initial += x.reserve_start[r]
        if kind == RESERVE:
            return held
        return held / initial if initial > 0.0 else 0.0
    if kind == CUMULATIVE:
        for m in items:
            run.total[j] += max(x.demand[t, m] - x.delivered[t, m], 0.0)
        return float(run.total[j])
    # SHORTFALL: unmet share over the window ending today
    wanted = 0.0
    unmet = 0.0
    for s in range(max(0, t - a.cond_window[j] + 1), t + 1):
        for m in items:
            wanted += x.demand[s, m]
            unmet += max(x.demand[s, m] - x.delivered[s, m], 0.0)
    return unmet / wanted if wanted > 0.0 else 0.0


@jit
def check_rules(t: int, a: RuleArrays, run: RuleRun, x: RuleInputs) -> int:
    """Check every rule at the end of day ``t``; return how many fired (``run.today``).

    Condition counts are brought up to date first (each counts the consecutive days its
    quantity was beyond its threshold); then rules are checked in order, each after the rules
    it waits for, so a rule and one waiting for it can fire on the same day.
    """
    n_cond = a.cond_rule.shape[0]
    for j in range(n_cond):
        v = _value(t, j, a, run, x)
        holds = v > a.cond_threshold[j] if a.cond_above[j] else v < a.cond_threshold[j]
        run.held[j] = run.held[j] + 1 if holds else 0
    n = 0
    j = 0
    for r in range(a.start.shape[0]):
        first = j
        while j < n_cond and a.cond_rule[j] == r:
            j += 1
        if t < a.start[r] or t >= a.stop[r]:
            continue
        if run.fired[r] > 0 and (not a.repeat[r] or t - run.last[r] < a.cooldown[r]):
            continue
        ready = True
        for q in a.after_items[a.after_start[r] : a.after_start[r + 1]]:
            if run.fired[q] == 0:
                ready = False
        for k in range(first, j):
            if run.held[k] < a.cond_for[k]:
                ready = False
        if not ready:
            continue
        if a.rate[r] >= 0.0:  # a hazard (-1: none)
            scale = 1.0
            if a.hazard_tension[r] >= 0:
                scale = a.multiplier[r] ** x.tension[a.hazard_tension[r]]
            if not a.uniform[r, t] < 1.0 - np.exp(-a.rate[r] * scale):
                continue
        run.fired[r] += 1
        run.last[r] = t
        run.today[n] = r
        n += 1
        for k in range(first, j):
            run.held[k] = 0
    return n
