"""Readable labels for ids in figures and reports: commodities, countries, blocs.

Figures print ``NdFeB magnets`` rather than ``ndfeb_magnet``. The built-in map covers the
bundled world's commodities; country codes become names when a scenario's countries table
gives them (:func:`labels_from`); any other id is printed with its underscores as spaces.
A figure function takes ``labels`` (a mapping from id to label) to override or extend them.

>>> label("ndfeb_magnet")
'NdFeB magnets'
>>> label("USA", {"USA": "United States"})
'United States'
>>> label("heavy_widget")
'heavy widget'
>>> readable("us_release: USA releases ndfeb_magnet", {"USA": "United States"})
'us release: United States releases NdFeB magnets'
>>> significant(0.0123456), significant(141.0), significant(123456.0)
('0.0123', '141', '123,456')
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from supplyshock.scenario.schema import Scenario

__all__ = [
    "COMMODITY_LABELS",
    "label",
    "labels_from",
    "parameter_label",
    "readable",
    "significant",
]

COMMODITY_LABELS: dict[str, str] = {
    "ree_concentrate": "REE concentrate",
    "heavy_ree_concentrate": "heavy REE concentrate",
    "ndpr_oxide": "NdPr oxide",
    "dy_oxide": "Dy oxide",
    "tb_oxide": "Tb oxide",
    "y_oxide": "Y oxide",
    "sc_oxide": "Sc oxide",
    "sm_oxide": "Sm oxide",
    "gd_oxide": "Gd oxide",
    "ree_metal_alloy": "REE metal and alloy",
    "ndfeb_magnet": "NdFeB magnets",
    "smco_magnet": "SmCo magnets",
    "gallium": "gallium",
    "germanium": "germanium",
    "wafer": "mature wafers",
    "wafer_leading": "leading-edge wafers",
    "hbm": "HBM wafers",
    "ce_oxide": "Ce oxide",
    "gaas_substrate": "GaAs substrates",
    "compound_wafer": "compound wafers",
    "accelerator": "AI accelerators",
    "datacenter_capacity": "datacenter capacity",
}
"""Labels of the bundled world's commodity ids."""


def label(name: str, labels: Mapping[str, str] | None = None) -> str:
    """The readable label of an id: from ``labels``, then :data:`COMMODITY_LABELS`, else the
    id with underscores as spaces (country codes and other short ids are kept as they are)."""
    if labels and name in labels:
        return labels[name]
    if name in COMMODITY_LABELS:
        return COMMODITY_LABELS[name]
    return name.replace("_", " ")


_WORD = re.compile(r"\w+")
"""A word of a text, ids with underscores included."""


def readable(text: str, labels: Mapping[str, str] | None = None) -> str:
    """``text`` with each id in it as its :func:`label`: words with underscores and the words
    ``labels`` or :data:`COMMODITY_LABELS` name; other words are kept as they are."""

    def replace(match: re.Match[str]) -> str:
        word = match.group()
        named = (labels is not None and word in labels) or word in COMMODITY_LABELS
        return label(word, labels) if named or "_" in word else word

    return _WORD.sub(replace, text)


def labels_from(scenario: Scenario) -> dict[str, str]:
    """Labels of a scenario's ids: country names from its countries table (where given) and
    the built-in commodity labels."""
    found = dict(COMMODITY_LABELS)
    found.update({c.iso3: c.name for c in scenario.countries if c.name})
    return found


def parameter_label(key: str) -> str:
    """A design column such as ``events[oct_2025_suspension].snapback`` as
    ``snapback (oct 2025 suspension)``."""
    head, _, field = key.rpartition(".")
    if "[" in head and head.endswith("]"):
        item = head[head.index("[") + 1 : -1]
        return f"{field.replace('_', ' ')} ({item.replace('_', ' ')})"
    return key.replace("_", " ")


def significant(value: float, digits: int = 3) -> str:
    """``value`` to ``digits`` significant figures (at least the units digit of large
    numbers, with thousands separators): ``0.0123``, ``141``, ``123,456``, ``3.10e-12``;
    ``-`` for NaN."""
    if value != value:  # NaN
        return "-"
    if value == 0:
        return "0"
    if not math.isfinite(value):
        return "inf" if value > 0 else "-inf"
    magnitude = math.floor(math.log10(abs(value)))
    if magnitude < -4:
        return f"{value:.{digits - 1}e}"
    decimals = max(digits - 1 - magnitude, 0)
    rounded = round(value, decimals)
    if decimals and abs(rounded) >= 10 ** (magnitude + 1):  # 99.96 -> 100.0 -> 100
        decimals -= 1
        rounded = round(value, decimals)
    if rounded == 0:
        return "0"
    return f"{rounded:,.{decimals}f}"
