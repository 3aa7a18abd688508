"""Small scenarios built in Python for analytic tests of the engine."""

from __future__ import annotations

import copy
from typing import Any

from supplyshock.scenario.checks import check
from supplyshock.scenario.schema import Scenario

START = "2025-01-01"


def chain(
    *,
    horizon: int = 300,
    demand_per_day: float = 10.0,
    capacity_per_day: float = 20.0,
    lead: int = 5,
    market_cover: float = 30.0,
    events: list[dict[str, Any]] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A one-supplier chain: a mine in CHN sells ``magnet`` to a market in USA.

    Everything is deterministic; numbers are per day and converted to per year.
    """
    data: dict[str, Any] = {
        "name": "chain",
        "start": START,
        "horizon_days": horizon,
        "settings": {"market_days_of_cover": market_cover, "output_days_of_cover": 0.0},
        "commodities": [{"id": "magnet", "usd_per_unit": 100.0, "category": "ree_magnet"}],
        "countries": [{"iso3": "CHN"}, {"iso3": "USA"}, {"iso3": "JPN"}],
        "blocs": {"alliance": [{"country": "USA"}, {"country": "JPN"}]},
        "facilities": [
            {
                "id": "cn_maker",
                "kind": "magnet_maker",
                "country": "CHN",
                "output": "magnet",
                "capacity_per_year": capacity_per_day * 365,
            }
        ],
        "lanes": [{"origin": "*", "destination": "*", "lead_time_days": lead}],
        "demand": [{"country": "USA", "commodity": "magnet", "per_year": demand_per_day * 365}],
        "events": events or [],
    }
    data.update(copy.deepcopy(extra))
    return data


def facility(
    id_: str, kind: str, country: str, output: str, per_year: float, **kw: Any
) -> dict[str, Any]:
    """A facilities-table row (``recipe`` and other fields through ``kw``)."""
    row = {
        "id": id_,
        "kind": kind,
        "country": country,
        "output": output,
        "capacity_per_year": per_year,
    }
    row.update(kw)
    return row


def build(data: dict[str, Any]) -> Scenario:
    """Validate a scenario dict and assert it passes the cross-checks."""
    scn = Scenario.model_validate(data)
    problems = check(scn)
    assert not problems, problems
    return scn


def ban(start: str = START, **kw: Any) -> dict[str, Any]:
    event = {
        "type": "export_control",
        "id": "ban",
        "exporter": "CHN",
        "commodities": ["magnet"],
        "destinations": "all",
        "mode": "ban",
        "start": start,
    }
    event.update(kw)
    return event


def suspend(start: str = START, **kw: Any) -> dict[str, Any]:
    """A suspension of the ``ban`` control from ``start`` (add ``end``, ``snapback``, ...)."""
    return {"type": "suspend", "control": "ban", "start": start, **kw}


def two_suppliers(share_cn: float, qualification: object = 60, **kw: Any) -> dict[str, Any]:
    """USA buys magnets from CHN (share ``share_cn``) and JPN; CHN bans exports on day 0.

    With ``share_cn = 1`` the JPN maker is an unqualified alternative.
    """
    shares = [{"buyer": "USA", "commodity": "magnet", "supplier": "CHN", "share": share_cn}]
    if share_cn < 1:
        shares.append(
            {"buyer": "USA", "commodity": "magnet", "supplier": "JPN", "share": 1 - share_cn}
        )
    data = chain(
        facilities=[
            {
                "id": "cn_maker",
                "kind": "magnet_maker",
                "country": "CHN",
                "output": "magnet",
                "capacity_per_year": 7300,
            },
            {
                "id": "jp_maker",
                "kind": "magnet_maker",
                "country": "JPN",
                "output": "magnet",
                "capacity_per_year": 7300,
            },
        ],
        supplier_shares=shares,
        **{"events": [ban()], **kw},
    )
    data["settings"].update({"qualification_days": qualification, "switch_after_days": 5})
    return data


US_RESERVE: dict[str, Any] = {
    "holder": "USA",
    "commodity": "magnet",
    "kind": "strategic",
    "quantity": 200.0,
    "release_trigger_days": 31,
    "release_rate_per_day": 100.0,
}
"""A 200 t US strategic magnet reserve, released at up to 100 t/day below 31 days of cover."""
