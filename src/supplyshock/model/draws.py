"""Drawing a scenario's uncertain values for one replication.

Each uncertain value has a stable key (``facilities[mp_mine].capacity_per_year``,
``events[oct_2025].approval_probability``, ...). A replication takes its value from
``overrides`` (a sampled experiment design) if present, otherwise draws it from a random
stream of its own, derived from the replication's seed and the key, or, with no seed, uses
the expected value. Because each key has its own stream, two scenarios run with the same seed
draw the same value for every parameter they share (common random numbers), whatever other
parameters either of them has.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping

import numpy as np

from supplyshock.scenario.distributions import Choice, Distribution, expected

__all__ = ["Drawer"]


class Drawer:
    """Resolve uncertain values by key, recording what each replication used."""

    def __init__(
        self,
        seed: np.random.Generator | np.random.SeedSequence | None = None,
        overrides: Mapping[str, float] | None = None,
    ) -> None:
        if isinstance(seed, np.random.Generator):
            seq = seed.bit_generator.seed_seq
            seed = (
                seq
                if isinstance(seq, np.random.SeedSequence)
                else np.random.SeedSequence(int(seed.integers(2**63)))
            )
        self.seed = seed
        self.overrides = dict(overrides or {})
        self.used: dict[str, float] = {}
        self.specs: dict[str, Distribution | Choice] = {}
        self.asked: set[str] = set()
        """Every key asked for, fixed values included: the keys an override may name."""

    def _stream(self, key: str) -> np.random.Generator:
        assert self.seed is not None
        child = np.random.SeedSequence(
            entropy=self.seed.entropy,
            spawn_key=(*self.seed.spawn_key, zlib.crc32(key.encode())),
        )
        return np.random.default_rng(child)

    def number(self, key: str, value: object) -> float:
        """A number for ``value``: override, draw, or expectation (in that order)."""
        self.asked.add(key)
        if isinstance(value, Distribution | Choice):
            self.specs[key] = value
        if key in self.overrides:
            result = float(self.overrides[key])
        elif not isinstance(value, Distribution | Choice):
            return float(value)  # type: ignore[arg-type]
        elif self.seed is not None:
            result = float(value.sample(self._stream(key)))
        else:
            result = expected(value)
        self.used[key] = result
        return result

    def flag(self, key: str, value: bool | float | Choice) -> bool:
        """A yes/no outcome: a bool, a probability of yes, or a choice among booleans."""
        self.asked.add(key)
        if isinstance(value, bool):
            if key in self.overrides:
                self.used[key] = float(self.overrides[key] >= 0.5)
                return bool(self.used[key])
            return value
        if isinstance(value, Choice):
            self.specs[key] = value
            p_yes = value.probability_of(True)
        else:
            p_yes = float(value)
            self.specs[key] = Choice(choice=[True, False], p=[p_yes, 1.0 - p_yes])
        if key in self.overrides:
            result = bool(self.overrides[key] >= 0.5)
        elif self.seed is not None:
            result = bool(self._stream(key).random() < p_yes)
        else:
            result = p_yes >= 0.5
        self.used[key] = float(result)
        return result
