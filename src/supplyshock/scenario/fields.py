"""Field types shared by scenario records: finite numbers, fractions, uncertain values."""

from __future__ import annotations

import math
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field
from pydantic_core import PydanticCustomError

from supplyshock.scenario.distributions import Choice, Distribution, not_bool, parse_uncertain

__all__ = [
    "MAX_AMOUNT",
    "MAX_DAYS",
    "SAMPLED_YES_NO",
    "YES_NO",
    "YES_NO_ERROR",
    "Amount",
    "Count",
    "DayCount",
    "Days",
    "Finite",
    "FlagOrChoice",
    "Fraction",
    "NonNegative",
    "NotBool",
    "Positive",
    "Record",
    "Spread",
    "StrList",
    "Texts",
    "TimeConstant",
    "Uncertain",
]


def check_finite(value: float) -> float:
    """Reject NaN and infinities."""
    if not math.isfinite(value):
        raise ValueError("must be a finite number")
    return value


def _split_list(value: Any) -> Any:
    """CSV cells hold lists as ``A;B;C``; a set becomes a sorted list (a set's order differs
    between processes, a scenario's content hash must not)."""
    if isinstance(value, str):
        return [part.strip() for part in value.split(";") if part.strip()]
    return _sorted_set(value)


def _sorted_set(value: Any) -> Any:
    """A set as a list sorted by ``repr``; other values unchanged."""
    if isinstance(value, set | frozenset):
        return sorted(value, key=repr)
    return value


MAX_DAYS = 3650
"""Longest lead time, delay, processing time or cover, in days (ten years); it bounds the memory
a run needs. For a distribution, its 0.999 quantile must lie within it."""
MAX_AMOUNT = 1e12
"""Largest capacity, demand, stock or recipe amount."""

NotBool = BeforeValidator(not_bool)
"""Refuses ``true``/``false`` for a number."""
Count = Annotated[int, NotBool]
"""A whole number (days, tiers); ``true`` is not 1."""
Finite = Annotated[float, NotBool, AfterValidator(check_finite)]
NonNegative = Annotated[float, NotBool, AfterValidator(check_finite), Field(ge=0)]
Positive = Annotated[float, NotBool, AfterValidator(check_finite), Field(gt=0)]
Fraction = Annotated[float, NotBool, AfterValidator(check_finite), Field(ge=0, le=1)]
Days = Annotated[float, NotBool, AfterValidator(check_finite), Field(ge=0, le=MAX_DAYS)]
"""A number of days from 0 to :data:`MAX_DAYS`."""
TimeConstant = Annotated[float, NotBool, AfterValidator(check_finite), Field(ge=1, le=MAX_DAYS)]
"""Days over which a gap closes, from 1 (the daily step) to :data:`MAX_DAYS`. Declared with
its own lower bound rather than on top of :data:`Days`, so that an error names the bound of 1."""
DayCount = Annotated[int, NotBool, Field(le=MAX_DAYS)]
"""A whole number of days up to :data:`MAX_DAYS` (lower bounds where it is used)."""
Amount = Annotated[float, NotBool, AfterValidator(check_finite), Field(ge=0, le=MAX_AMOUNT)]
"""A quantity or rate from 0 to :data:`MAX_AMOUNT`."""
StrList = Annotated[list[str], BeforeValidator(_split_list)]
Texts = Annotated[list[str], BeforeValidator(_sorted_set)]
"""A list of texts; a set is sorted, so that its order is the same in every process."""


def _uncertain(value: Any) -> Any:
    """Dispatch a mapping to Distribution or Choice so that errors name the bad key and value;
    a choice must be among numbers."""
    parsed = parse_uncertain(value)
    if isinstance(parsed, Choice):
        bad = [c for c in parsed.choice if isinstance(c, bool | str)]
        if bad:
            raise ValueError(f"choices must be numbers, not {bad[0]!r}")
    return parsed


YES_NO = "must be true or false"
"""What a plain yes/no field takes (the message for any other value)."""
SAMPLED_YES_NO = (
    "must be true or false, a probability of true (from 0 to 1) or a yes/no choice such as "
    "{choice: [true, false], p: [0.35, 0.65]}"
)
"""What a sampled yes/no field (:data:`FlagOrChoice`) takes."""
YES_NO_ERROR = "yes_no"
"""Error type of a value a sampled yes/no field refuses before pydantic tries its members;
:mod:`supplyshock.scenario.translate` words it with :data:`SAMPLED_YES_NO`."""


def _choice(value: Any) -> Any:
    """A yes/no value: ``true``/``false``, a probability of yes, or a choice among true and
    false. Lists, strings, NaN and mappings without ``choice`` (a distribution) are refused
    rather than read as a probability."""
    if isinstance(value, list | str) or (isinstance(value, dict) and "choice" not in value):
        raise PydanticCustomError(YES_NO_ERROR, SAMPLED_YES_NO)
    parsed = parse_uncertain(value, allow_dist=False)
    if isinstance(parsed, Choice) and not all(isinstance(c, bool) for c in parsed.choice):
        raise ValueError("a yes/no choice must choose among true and false")
    return parsed


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
