"""The rules and declarative watches of one run, as the arrays the compiled check reads.

Watches are rules without actions, appended after the scenario's rules; a watch fires once
and then succeeds its SimPy event. Hazard draws are keyed by the rule's id and the day, so
they do not depend on other rules or on how the days were stepped.
"""

from __future__ import annotations

import numpy as np

from supplyshock.model.arrays import stable_key
from supplyshock.model.network import FloatArray, IntArray, Network
from supplyshock.model.rules import RuleTable
from supplyshock.sim.dice import Dice
from supplyshock.sim.kernels.rules import RuleArrays, RuleInputs, RuleRun, check_rules
from supplyshock.sim.state import State

__all__ = ["RuleBook"]

_HAZARD = 0x7A11  # key of hazard draws, apart from other keyed draws


def _concat(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.concatenate([a, b]).astype(a.dtype)


class RuleBook:
    """Compiled rules plus watches, with their day-to-day state."""

    def __init__(self, table: RuleTable, dice: Dice, horizon: int) -> None:
        self.table = table
        self.ids: list[str] = list(table.ids)
        self.n_rules = table.n
        keys = np.array([stable_key(i) for i in table.ids], dtype=np.int64)
        days = np.arange(horizon, dtype=np.int64)
        uniform = dice.uniform(_HAZARD, keys[:, None], days[None, :]) if table.n else None
        self.arrays = RuleArrays(
            table.start,
            table.stop,
            table.repeat,
            table.cooldown,
            table.after_start,
            table.after_items,
            table.rate,
            table.hazard_tension,
            table.multiplier,
            uniform if uniform is not None else np.zeros((0, horizon)),
            table.cond_rule,
            table.cond_kind,
            table.cond_above,
            table.cond_threshold,
            table.cond_window,
            table.cond_for,
            table.cond_start,
            table.cond_items,
        )
        n_cond = len(table.cond_rule)
        self.run = RuleRun(
            np.zeros(n_cond, dtype=np.int64),
            np.zeros(n_cond),
            np.zeros(table.n, dtype=np.int64),
            np.full(table.n, -1, dtype=np.int64),
            np.zeros(table.n, dtype=np.int64),
        )
        self.inputs: RuleInputs | None = None
        self._version = -1  # policy version of the control status in ``inputs``

    @classmethod
    def idle(cls, net: Network, state: State, need: FloatArray) -> RuleBook:
        """A book without rules, bound to the run (for steppers driven without a Simulation)."""
        from supplyshock.model.rules import empty_table

        book = cls(empty_table(), Dice(np.random.SeedSequence(0)), net.horizon)
        empty = np.zeros((net.horizon, net.n_buyers - net.n_inputs))
        book.bind(net, state, need, empty, empty)
        return book

    def __len__(self) -> int:
        return len(self.ids)

    def bind(
        self,
        net: Network,
        state: State,
        need: FloatArray,
        demand: FloatArray,
        delivered: FloatArray,
    ) -> None:
        """Point the check at the run's arrays (again after the network changes)."""
        reserve_start = np.array([r.quantity for r in net.reserves], dtype=float)
        self._version = state.policy_version
        self.inputs = RuleInputs(
            state.inv,
            need,
            state.reserve,
            reserve_start,
            demand,
            delivered,
            state.active.astype(np.float64),
            state.tension,
        )

    def refresh(self, state: State) -> None:
        """Bring the control status up to date (policy changes happen between stretches)."""
        assert self.inputs is not None
        if state.policy_version == self._version:
            return
        self._version = state.policy_version
        active = self.inputs.active
        if len(active) != len(state.active):
            self.inputs = self.inputs._replace(active=state.active.astype(np.float64))
        else:
            active[:] = state.active

    def check(self, t: int) -> int:
        """Check the rules at the end of day ``t``; the fired ones are :meth:`fired`."""
        if not self.ids:
            return 0
        assert self.inputs is not None
        return int(check_rules(t, self.arrays, self.run, self.inputs))

    def fired(self, n: int) -> list[int]:
        return [int(r) for r in self.run.today[:n]]

    def add_watch(self, name: str, conditions: RuleTable, day: int) -> int:
        """Append a watch (one rule without actions, checked from ``day``); its index."""
        a, run = self.arrays, self.run
        r = len(self.ids)
        items_old = len(a.cond_items)
        self.arrays = RuleArrays(
            _concat(a.start, np.array([max(day, int(conditions.start[0]))])),
            _concat(a.stop, conditions.stop[:1]),
            _concat(a.repeat, np.zeros(1, dtype=bool)),
            _concat(a.cooldown, np.zeros(1, dtype=np.int64)),
            _concat(a.after_start, a.after_start[-1:]),
            a.after_items,
            _concat(a.rate, conditions.rate[:1]),
            _concat(a.hazard_tension, conditions.hazard_tension[:1]),
            _concat(a.multiplier, conditions.multiplier[:1]),
            np.vstack([a.uniform, np.ones((1, a.uniform.shape[1]))]),
            _concat(a.cond_rule, np.full(len(conditions.cond_rule), r, dtype=np.int64)),
            _concat(a.cond_kind, conditions.cond_kind),
            _concat(a.cond_above, conditions.cond_above),
            _concat(a.cond_threshold, conditions.cond_threshold),
            _concat(a.cond_window, conditions.cond_window),
            _concat(a.cond_for, conditions.cond_for),
            _concat(a.cond_start, conditions.cond_start[1:] + items_old),
            _concat(a.cond_items, conditions.cond_items),
        )
        self.run = RuleRun(
            _concat(run.held, np.zeros(len(conditions.cond_rule), dtype=np.int64)),
            _concat(run.total, np.zeros(len(conditions.cond_rule))),
            _concat(run.fired, np.zeros(1, dtype=np.int64)),
            _concat(run.last, np.full(1, -1, dtype=np.int64)),
            _concat(run.today, np.zeros(1, dtype=np.int64)),
        )
        self.ids.append(name)
        return r

    def last_fired(self) -> IntArray:
        return self.run.last
