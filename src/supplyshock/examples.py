"""Example worlds built in Python: a synthetic world generator for scaling studies and tests."""

from __future__ import annotations

import datetime as dt
import itertools
import string
from typing import Any

import numpy as np

from supplyshock.scenario.schema import Scenario

__all__ = ["synthetic_world"]

STAGES = (
    ("mine", "ore", "", 1.0),
    ("separator", "oxide", "separate", 5.0),
    ("metal_alloy", "alloy", "alloy", 1.2),
    ("magnet_maker", "magnet", "sinter", 0.35),
)


def _country_codes(n: int) -> list[str]:
    letters = string.ascii_uppercase
    return ["".join(code) for code in itertools.islice(itertools.product(letters, repeat=3), n)]


def synthetic_world(
    n_facilities: int = 100,
    n_countries: int = 10,
    seed: int = 0,
    *,
    horizon_days: int = 1095,
    max_links_per_buyer: int | None = 8,
    controls: bool = True,
) -> Scenario:
    """A random four-stage magnet chain (mine -> separator -> alloy -> magnet) of given size.

    Facilities are spread over stages and countries; capacities are lognormal and scaled so
    that every stage has 30% headroom over demand. With ``controls``, the first country puts
    a licence regime on oxide exports on day 100 and suspends it from day 400 to day 700.

    >>> scn = synthetic_world(40, 5, seed=1, horizon_days=365)
    >>> len(scn.facilities)
    40
    """
    if n_facilities < len(STAGES):
        raise ValueError(f"need at least {len(STAGES)} facilities, got {n_facilities}")
    if n_countries < 2:
        raise ValueError(f"need at least 2 countries, got {n_countries}")
    rng = np.random.default_rng(seed)
    countries = _country_codes(n_countries)
    demand_per_year = rng.lognormal(np.log(1000), 0.8, n_countries)
    total_demand = float(demand_per_year.sum())
    counts = np.full(len(STAGES), n_facilities // len(STAGES))
    counts[: n_facilities % len(STAGES)] += 1
    need = total_demand
    facilities: list[dict[str, Any]] = []
    recipes: list[dict[str, Any]] = []
    for stage in reversed(range(len(STAGES))):
        kind, output, recipe, per_unit = STAGES[stage]
        size = rng.lognormal(0.0, 1.0, counts[stage])
        capacity = size / size.sum() * need * 1.3
        for j in range(counts[stage]):
            facilities.append(
                {
                    "id": f"{kind}_{j}",
                    "kind": kind,
                    "country": countries[int(rng.integers(n_countries))],
                    "output": output,
                    "recipe": recipe,
                    "capacity_per_year": float(capacity[j]),
                    "outage_rate_per_year": 0.5,
                    "outage_days": {"dist": "uniform", "loc": 3, "scale": 20},
                }
            )
        if recipe:
            recipes.append({"recipe": recipe, "input": STAGES[stage - 1][1], "per_unit": per_unit})
        need *= per_unit
    start = dt.date(2025, 1, 1)
    events: list[dict[str, Any]] = []
    if controls and horizon_days > 100:
        events.append(
            {
                "type": "export_control",
                "id": "oxide_licence",
                "exporter": countries[0],
                "commodities": ["oxide"],
                "mode": "license",
                "approval_probability": {"dist": "uniform", "loc": 0.2, "scale": 0.6},
                "processing_days": {"dist": "triang", "c": 0.5, "loc": 30, "scale": 60},
                "start": start + dt.timedelta(days=100),
            }
        )
        if horizon_days > 400:
            events.append(
                {
                    "type": "suspend",
                    "control": "oxide_licence",
                    "start": start + dt.timedelta(days=400),
                    "end": start + dt.timedelta(days=min(700, horizon_days)),
                    "snapback": {"choice": [True, False], "p": [0.3, 0.7]},
                }
            )
    data = {
        "name": f"synthetic_{n_facilities}x{n_countries}",
        "description": "Synthetic four-stage magnet chain for scaling studies.",
        "start": start,
        "horizon_days": horizon_days,
        "settings": {
            "max_links_per_buyer": max_links_per_buyer,
            "qualification_days": {"dist": "uniform", "loc": 60, "scale": 120},
        },
        "commodities": [
            {"id": output, "usd_per_unit": price, "category": output}
            for (_, output, _, _), price in zip(STAGES, (5.0, 60.0, 80.0, 100.0), strict=True)
        ],
        "countries": [{"iso3": c} for c in countries],
        "blocs": {"alliance": [{"country": c} for c in countries[1 : 1 + n_countries // 2]]},
        "facilities": facilities,
        "recipes": recipes,
        "lanes": [
            {
                "origin": "*",
                "destination": "*",
                "lead_time_days": {"dist": "uniform", "loc": 15, "scale": 30},
            }
        ],
        "demand": [
            {"country": c, "commodity": "magnet", "per_year": float(d), "growth": 0.05}
            for c, d in zip(countries, demand_per_year, strict=True)
        ],
        "events": events,
    }
    return Scenario.model_validate(data)
