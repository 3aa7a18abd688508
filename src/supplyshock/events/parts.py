"""Parts of event records shared by several types: which commodities, which destinations,
and the content rule of an export control."""

from __future__ import annotations

from typing import Any

from pydantic import Field, model_validator

from supplyshock.scenario.fields import Fraction, Record, StrList

__all__ = ["CommoditySelector", "ContentRule", "DestinationSelector"]


class CommoditySelector(Record):
    ids: StrList = Field(default_factory=list)
    """Commodity ids (a list or a single id may also be written directly)."""
    category: StrList = Field(default_factory=list)
    """Commodity categories; every commodity in them is selected."""

    @model_validator(mode="before")
    @classmethod
    def _from_list(cls, data: Any) -> Any:
        if isinstance(data, list | str):
            return {"ids": data}
        return data


class DestinationSelector(Record):
    """``all``, a list of countries/blocs, or ``{all_except: [...]}``."""

    include: StrList = Field(default_factory=list)
    """Countries or blocs selected (bloc membership on the event's start date)."""
    all_except: StrList | None = None
    """Every country except these countries or blocs."""

    @model_validator(mode="before")
    @classmethod
    def _from_short(cls, data: Any) -> Any:
        if data == "all":
            return {"all_except": []}
        if isinstance(data, list | str):
            return {"include": data}
        return data


class ContentRule(Record):
    origin: str
    """Country whose share of content is measured (ISO3)."""
    threshold: Fraction
    """Value share at or above which foreign-made goods fall under the control (0.001 = 0.1%)."""
