"""Field types shared by scenario records: finite numbers, fractions, uncertain values."""

from __future__ import annotations

import math
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from supplyshock.scenario.distributions import Choice, Distribution, parse_uncertain

__all__ = [
    "Finite",
    "FlagOrChoice",
    "Fraction",
    "NonNegative",
    "Positive",
    "Record",
    "Spread",
    "StrList",
    "Uncertain",
]


def check_finite(value: float) -> float:
    """Reject NaN and infinities."""
    if not math.isfinite(value):
        raise ValueError("must be a finite number")
    return value


def _split_list(value: Any) -> Any:
    """CSV cells hold lists as ``A;B;C``."""
    if isinstance(value, str):
        return [part.strip() for part in value.split(";") if part.strip()]
    return value


Finite = Annotated[float, AfterValidator(check_finite)]
NonNegative = Annotated[float, AfterValidator(check_finite), Field(ge=0)]
Positive = Annotated[float, AfterValidator(check_finite), Field(gt=0)]
Fraction = Annotated[float, AfterValidator(check_finite), Field(ge=0, le=1)]
StrList = Annotated[list[str], BeforeValidator(_split_list)]


def _uncertain(value: Any) -> Any:
    """Dispatch a mapping to Distribution or Choice so that errors name the bad key and value."""
    return parse_uncertain(value)


def _choice(value: Any) -> Any:
    """Like :func:`_uncertain`, for fields that take a choice but no distribution."""
    return parse_uncertain(value, allow_dist=False)


def _non_negative_support(value: Distribution) -> Distribution:
    """A spread of days of cover must not reach below 0."""
    low = value.support()[0]
    if low < 0:
        raise ValueError(
            f"{value.dist!r} with {value.params} can go below 0 (support starts at {low:g}); "
            "use a distribution of non-negative values such as lognorm or gamma"
        )
    return value


Uncertain = Annotated[Finite | Distribution | Choice, BeforeValidator(_uncertain)]
Spread = Annotated[Distribution, BeforeValidator(_uncertain), AfterValidator(_non_negative_support)]
"""A distribution of non-negative multipliers (e.g. of days of cover across a row's firms)."""
FlagOrChoice = Annotated[bool | Fraction | Choice, BeforeValidator(_choice)]


class Record(BaseModel):
    """Base of all scenario records: unknown fields are errors, instances are immutable."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, populate_by_name=True, use_attribute_docstrings=True
    )
