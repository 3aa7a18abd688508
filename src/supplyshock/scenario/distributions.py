"""Uncertain values: a scipy.stats distribution or a discrete choice written in place of a number.

``{dist: triang, c: 0.5, loc: 30, scale: 90}`` names any scipy.stats distribution and its
parameters; ``{choice: [true, false], p: [0.35, 0.65]}`` is a discrete choice. Both are plain,
picklable data; they are frozen into scipy objects only when sampled.
"""

from __future__ import annotations

import difflib
import math
from functools import cache, lru_cache
from typing import Annotated, Any

import numpy as np
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

__all__ = [
    "Choice",
    "Distribution",
    "Uncertain",
    "draw",
    "expected",
    "is_uncertain",
    "not_bool",
    "parse_uncertain",
    "scipy_distributions",
]


def not_bool(value: Any) -> Any:
    """Refuse ``true``/``false`` where a number is expected (pydantic would read them as 1/0)."""
    if isinstance(value, bool):
        raise ValueError(f"must be a number, not {str(value).lower()}")
    return value


Number = Annotated[float, BeforeValidator(not_bool)]


class Distribution(BaseModel):
    """A scipy.stats distribution by name with its keyword parameters.

    >>> d = Distribution.model_validate({"dist": "uniform", "loc": 2, "scale": 4})
    >>> d.mean()
    4.0
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    dist: str
    params: dict[str, Number] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _collect_params(cls, data: Any) -> Any:
        if isinstance(data, dict) and "dist" in data and "params" not in data:
            params = {k: v for k, v in data.items() if k != "dist"}
            return {"dist": data["dist"], "params": params}
        return data

    @model_validator(mode="after")
    def _check_scipy(self) -> Distribution:
        from scipy import stats

        family = getattr(stats, self.dist, None) if not self.dist.startswith("_") else None
        if not isinstance(family, stats.rv_continuous | stats.rv_discrete):
            close = difflib.get_close_matches(self.dist, scipy_distributions(), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise ValueError(f"unknown scipy.stats distribution {self.dist!r}{hint}")
        shapes = [s.strip() for s in (family.shapes or "").split(",") if s.strip()]
        names = [*shapes, "loc"] + (["scale"] if isinstance(family, stats.rv_continuous) else [])
        for key, value in self.params.items():
            if key not in names:
                close = difflib.get_close_matches(key, names, n=1)
                hint = f"did you mean {close[0]!r}? " if close else ""
                raise ValueError(
                    f"unknown parameter {key!r} for {self.dist!r}; {hint}"
                    f"it takes {', '.join(names)}"
                )
            if not math.isfinite(value):
                raise ValueError(f"parameter {key!r} must be finite, not {value}")
        missing = [name for name in shapes if name not in self.params]
        if missing:
            raise ValueError(f"{self.dist!r} needs parameter {', '.join(map(repr, missing))}")
        if self.params.get("scale", 1.0) <= 0:
            raise ValueError(f"parameter 'scale' must be positive, not {self.params['scale']}")
        mean = float(family.mean(**self.params))
        if math.isnan(mean):
            raise ValueError(
                f"parameters {self.params} are outside the valid range of {self.dist!r}"
            )
        if not math.isfinite(mean):
            raise ValueError(f"parameters {self.params} give {self.dist!r} no finite mean")
        return self

    def frozen(self) -> Any:
        """The frozen scipy.stats distribution."""
        from scipy import stats

        return getattr(stats, self.dist)(**self.params)

    def mean(self) -> float:
        """The mean; avoids building a frozen distribution (slow)."""
        from scipy import stats

        return float(getattr(stats, self.dist).mean(**self.params))

    def support(self) -> tuple[float, float]:
        """Lowest and highest possible value; avoids building a frozen distribution (slow)."""
        from scipy import stats

        low, high = getattr(stats, self.dist).support(**self.params)
        return float(low), float(high)

    def sample(self, rng: np.random.Generator) -> float:
        return float(self.sample_many(rng, 1)[0])

    def sample_many(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """``size`` draws; avoids building a frozen distribution (slow) for each call.

        ``triang`` and ``uniform`` (the families of the bundled worlds) are drawn as
        scipy.stats draws them, without its argument handling (a tenth of the time): the
        same generator call, then ``x * scale + loc``, so the values are identical.
        """
        direct = _direct_draw(rng, size, self.dist, self.params)
        if direct is not None:
            return direct
        from scipy import stats

        family = getattr(stats, self.dist)
        return np.atleast_1d(family.rvs(**self.params, size=size, random_state=rng))

    def ppf_many(self, q: np.ndarray) -> np.ndarray:
        """Inverse CDF at probabilities ``q``; avoids building a frozen distribution.

        ``triang`` and ``uniform`` are computed as scipy.stats computes them, without its
        argument handling: the same formula on each element, so the values are identical.
        """
        direct = _direct_ppf(np.asarray(q, dtype=np.float64), self.dist, self.params)
        if direct is not None:
            return direct
        from scipy import stats

        return np.asarray(getattr(stats, self.dist).ppf(q, **self.params), dtype=np.float64)

    def cdf_many(self, x: np.ndarray) -> np.ndarray:
        """CDF at ``x``; avoids building a frozen distribution."""
        from scipy import stats

        return np.asarray(getattr(stats, self.dist).cdf(x, **self.params), dtype=np.float64)

    def upper_quantile(self, q: float) -> float:
        """The inverse CDF at one probability ``q``, remembered for this distribution (checks
        ask for the same tail of the same distributions on every run)."""
        return _quantile(self.dist, tuple(sorted(self.params.items())), q)

    def ppf(self, q: float) -> float:
        return float(self.frozen().ppf(q))


class Choice(BaseModel):
    """A discrete choice among values with optional probabilities (uniform if omitted).

    >>> Choice.model_validate({"choice": [True, False], "p": [0.25, 0.75]}).probability_of(True)
    0.25
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    choice: list[float | bool | str] = Field(min_length=1)
    p: list[Number] | None = None

    @model_validator(mode="after")
    def _check_p(self) -> Choice:
        if self.p is not None:
            if len(self.p) != len(self.choice):
                raise ValueError("p must have one probability per choice")
            if any(not math.isfinite(x) or x < 0 for x in self.p):
                raise ValueError("probabilities must be finite and non-negative")
            if abs(sum(self.p) - 1.0) > 1e-9:
                raise ValueError(f"probabilities sum to {sum(self.p)}, not 1")
        return self

    def probabilities(self) -> list[float]:
        return list(self.p) if self.p is not None else [1.0 / len(self.choice)] * len(self.choice)

    def probability_of(self, value: object) -> float:
        return sum(p for c, p in zip(self.choice, self.probabilities(), strict=True) if c == value)

    def sample(self, rng: np.random.Generator) -> float | bool | str:
        index = int(rng.choice(len(self.choice), p=self.probabilities()))
        return self.choice[index]

    def ppf(self, q: float) -> float | bool | str:
        cumulative = np.cumsum(self.probabilities())
        index = int(np.searchsorted(cumulative, q, side="right"))
        return self.choice[min(index, len(self.choice) - 1)]

    def mean(self) -> float:
        values = [float(c) for c in self.choice if not isinstance(c, str)]
        if len(values) != len(self.choice):
            raise ValueError("a choice among strings has no mean")
        return float(np.dot(values, self.probabilities()))


Uncertain = float | Distribution | Choice
"""A number, or a distribution/choice that stands for one."""


def _direct(dist: str, params: dict[str, float]) -> str | None:
    """``dist`` if it is ``triang`` or ``uniform`` with parameters scipy accepts and a
    positive scale (for scale 0 scipy draws nothing), else None: the cases done directly."""
    if not params.get("scale", 1.0) > 0:
        return None
    if dist == "triang" and params.keys() <= {"c", "loc", "scale"}:
        return dist if 0 <= params.get("c", -1.0) <= 1 else None  # else scipy's own error
    if dist == "uniform" and params.keys() <= {"loc", "scale"}:
        return dist
    return None


def _direct_draw(
    rng: np.random.Generator, size: int, dist: str, params: dict[str, float]
) -> np.ndarray | None:
    """scipy.stats' ``rvs`` of the direct cases: its ``_rvs``, then ``* scale + loc``."""
    kind = _direct(dist, params)
    scale, loc = params.get("scale", 1.0), params.get("loc", 0.0)
    if kind == "triang":
        return rng.triangular(0, params["c"], 1, size) * scale + loc
    if kind == "uniform":
        return rng.uniform(0.0, 1.0, size) * scale + loc
    return None


def _direct_ppf(q: np.ndarray, dist: str, params: dict[str, float]) -> np.ndarray | None:
    """scipy.stats' ``ppf`` of the direct cases: its ``_ppf`` then ``* scale + loc`` for
    ``0 < q < 1``, the support's ends at 0 and 1, NaN elsewhere."""
    kind = _direct(dist, params)
    if kind is None:
        return None
    scale, loc = params.get("scale", 1.0), params.get("loc", 0.0)
    with np.errstate(invalid="ignore"):  # square roots of q outside [0, 1] are not used
        if kind == "triang":
            c = params["c"]
            body = np.where(q < c, np.sqrt(c * q), 1 - np.sqrt((1 - c) * (1 - q)))
        else:
            body = q
        out = np.asarray(body * scale + loc, dtype=np.float64)
    out = np.where(q == 0, 0.0 * scale + loc, out)
    out = np.where(q == 1, 1.0 * scale + loc, out)
    return np.where((q >= 0) & (q <= 1), out, np.nan)


@lru_cache(maxsize=4096)
def _quantile(dist: str, params: tuple[tuple[str, float], ...], q: float) -> float:
    from scipy import stats

    return float(getattr(stats, dist).ppf(q, **dict(params)))


@cache
def scipy_distributions() -> tuple[str, ...]:
    """Names of all scipy.stats distributions, for 'did you mean' hints."""
    from scipy import stats

    names = (name for name in dir(stats) if not name.startswith("_"))
    return tuple(
        n for n in names if isinstance(getattr(stats, n), stats.rv_continuous | stats.rv_discrete)
    )


def parse_uncertain(value: Any, *, allow_dist: bool = True) -> Any:
    """Turn a mapping into a :class:`Distribution` or :class:`Choice`; leave other values alone.

    Errors are raised as one :class:`ValueError` whose message names the bad key, so that
    pydantic reports it at the field holding the mapping.

    >>> parse_uncertain({"choice": [1, 2]})
    Choice(choice=[1.0, 2.0], p=None)
    >>> parse_uncertain({"dist": "nrom"})
    Traceback (most recent call last):
    ...
    ValueError: unknown scipy.stats distribution 'nrom'; did you mean 'norm'?
    """
    if not isinstance(value, dict):
        return value
    keys = "'dist' or a 'choice'" if allow_dist else "'choice'"
    model: type[BaseModel] | None = Choice if "choice" in value else None
    if allow_dist and "dist" in value:
        model = Distribution
    if model is None:
        raise ValueError(
            f"an uncertain value needs a {keys} key, got keys {sorted(map(str, value))}"
        )
    try:
        return model.model_validate(value)
    except ValidationError as exc:
        raise ValueError("; ".join(_describe(e) for e in exc.errors())) from None


def _describe(error: Any) -> str:
    message = str(error["msg"]).removeprefix("Value error, ")
    where = ".".join(str(x) for x in error["loc"] if x != "params")
    return f"{where} = {error['input']!r}: {message}" if where else message


def is_uncertain(value: object) -> bool:
    """True if ``value`` is a distribution or a choice rather than a plain value."""
    return isinstance(value, Distribution | Choice)


def expected(value: Uncertain) -> float:
    """The value itself, or the mean of a distribution or numeric choice."""
    if isinstance(value, Distribution | Choice):
        return value.mean()
    return float(value)


def draw(value: Uncertain, rng: np.random.Generator) -> float:
    """One numeric draw: the value itself, or a sample from its distribution or choice."""
    if isinstance(value, Distribution | Choice):
        return float(value.sample(rng))
    return float(value)
