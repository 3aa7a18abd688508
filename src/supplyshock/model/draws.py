"""Drawing a scenario's uncertain values for one replication.

Each uncertain value has a stable key (``facilities[mp_mine].capacity_per_year``,
``events[oct_2025].approval_probability``, ...). A replication takes its value from
``overrides`` (a sampled experiment design) if present, otherwise draws it from ``rng``, or,
with no ``rng``, uses the expected value.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from supplyshock.scenario.distributions import Choice, Distribution, draw, expected

__all__ = ["Drawer"]


class Drawer:
    """Resolve uncertain values by key, recording what each replication used."""

    def __init__(
        self,
        rng: np.random.Generator | None = None,
        overrides: Mapping[str, float] | None = None,
    ) -> None:
        self.rng = rng
        self.overrides = dict(overrides or {})
        self.used: dict[str, float] = {}
        self.specs: dict[str, Distribution | Choice] = {}

    def number(self, key: str, value: object) -> float:
        """A number for ``value``: override, draw, or expectation (in that order)."""
        if isinstance(value, Distribution | Choice):
            self.specs[key] = value
        if key in self.overrides:
            result = float(self.overrides[key])
        elif not isinstance(value, Distribution | Choice):
            return float(value)  # type: ignore[arg-type]
        elif self.rng is not None:
            result = draw(value, self.rng)
        else:
            result = expected(value)
        self.used[key] = result
        return result

    def flag(self, key: str, value: bool | float | Choice) -> bool:
        """A yes/no outcome: a bool, a probability of yes, or a choice among booleans."""
        if isinstance(value, Choice):
            self.specs[key] = value
        elif not isinstance(value, bool):
            self.specs[key] = Choice(choice=[True, False], p=[float(value), 1.0 - float(value)])
        if key in self.overrides:
            result = bool(self.overrides[key] >= 0.5)
        elif isinstance(value, bool):
            return value
        elif isinstance(value, Choice):
            p_yes = value.probability_of(True)
            result = bool(self.rng.random() < p_yes) if self.rng is not None else p_yes >= 0.5
        else:
            p_yes = float(value)
            result = bool(self.rng.random() < p_yes) if self.rng is not None else p_yes >= 0.5
        self.used[key] = float(result)
        return result
