"""Dated supplier shares (docs/model.md, "Dated supplier shares"), computed by hand."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd
import pytest

import supplyshock as ss
from supplyshock.scenario.checks import check
from supplyshock.scenario.schema import Scenario
from tests.sim.builder import START, build, chain, facility

D = 100  # the day the dated shares start
HORIZON = 300  # days (the chain's default)
DEMAND = 10.0  # t a day bought by the USA
SWITCH, QUALIFY = 7, 12  # settings.switch_after_days, settings.qualification_days


def _date(day: int) -> str:
    return (dt.date.fromisoformat(START) + dt.timedelta(days=day)).isoformat()


def two_suppliers(dated: dict[str, float], **kw: Any) -> dict[str, Any]:
    """The USA buys magnets from CHN alone (JPN an alternative); ``dated`` from day D on."""
    rows = [{"buyer": "USA", "commodity": "magnet", "supplier": "CHN", "share": 1.0}]
    rows += [
        {"buyer": "USA", "commodity": "magnet", "supplier": c, "share": s, "start": _date(D)}
        for c, s in dated.items()
    ]
    return chain(
        demand_per_day=DEMAND,
        settings={
            "market_days_of_cover": 30.0,
            "output_days_of_cover": 0.0,
            "switch_after_days": SWITCH,
            "qualification_days": QUALIFY,
        },
        facilities=[
            facility(f"{c.lower()}_maker", "magnet_maker", c, "magnet", 20.0 * 365)
            for c in ("CHN", "JPN")
        ],
        supplier_shares=rows,
        **kw,
    )


def daily_flow(res: ss.RunResult, exporter: str) -> np.ndarray:
    """Magnets shipped from ``exporter`` to the USA, day by day (0 where none)."""
    flows = res.flows()
    mine = flows[(flows["exporter"] == exporter) & (flows["importer"] == "USA")]
    days = (pd.to_datetime(mine["date"]) - pd.Timestamp(res.dates[0])).dt.days.to_numpy()
    out = np.zeros(HORIZON)
    np.add.at(out, days, mine["quantity"].to_numpy())
    return out


def test_new_shares_split_the_order_from_their_day() -> None:
    # steady state: the order is the need (10 t), split 0.25 / 0.75 from day D
    res = ss.run(build(two_suppliers({"CHN": 0.25, "JPN": 0.75})), seed=0)
    chn, jpn = daily_flow(res, "CHN"), daily_flow(res, "JPN")
    np.testing.assert_allclose(chn[:D], DEMAND, rtol=1e-9)
    np.testing.assert_allclose(jpn[:D], 0.0, atol=1e-12)
    np.testing.assert_allclose(chn[D:], 0.25 * DEMAND, rtol=1e-9)
    np.testing.assert_allclose(jpn[D:], 0.75 * DEMAND, rtol=1e-9)


def test_a_dropped_supplier_is_an_alternative_again() -> None:
    # CHN is dropped on day D; when JPN is banned from day B, the USA is short from B on,
    # starts qualifying CHN at the end of day B + SWITCH - 1 and buys from it from that day
    # plus QUALIFY (docs/model.md, step 9)
    b = 200
    ban = {
        "type": "export_control",
        "id": "jpn_ban",
        "exporter": "JPN",
        "commodities": {"ids": ["magnet"]},
        "destinations": ["USA"],
        "mode": "ban",
        "start": _date(b),
    }
    res = ss.run(build(two_suppliers({"JPN": 1.0}, events=[ban])), seed=0)
    chn, jpn = daily_flow(res, "CHN"), daily_flow(res, "JPN")
    np.testing.assert_allclose(jpn[D:b], DEMAND, rtol=1e-9)
    assert not chn[D:b].any()  # dropped: no new orders
    first = D + int(np.flatnonzero(chn[D:])[0])
    assert first == b + SWITCH - 1 + QUALIFY
    assert not jpn[b:].any()


def test_goods_on_the_way_still_arrive_and_mass_is_conserved() -> None:
    res = ss.run(build(two_suppliers({"JPN": 1.0})), seed=0)
    balance = res.mass_balance()
    assert balance["residual"].abs().max() < 1e-6
    # the market is never short: the goods CHN shipped before day D arrive after it
    assert res.shortfall(by=["country"])["shortfall"].sum() == pytest.approx(0.0, abs=1e-9)


def test_dated_shares_are_checked() -> None:
    bad = two_suppliers({"CHN": 0.3, "JPN": 0.6})
    problems = check(Scenario.model_validate(bad))
    assert any(
        p.field.endswith(".share") and "from " + _date(D) + " must sum to 1" in p.message
        for p in problems
    )
    sampled = two_suppliers({"JPN": 1.0})
    sampled["supplier_shares"][1]["share_concentration"] = 10.0
    problems = check(Scenario.model_validate(sampled))
    assert any("only the shares at the start may be sampled" in p.message for p in problems)
    late = two_suppliers({"JPN": 1.0})
    late["supplier_shares"][1]["start"] = _date(HORIZON + 10)
    warnings: list[Any] = []
    assert not check(Scenario.model_validate(late), warnings=warnings)
    assert any("do not act in this run" in w.message for w in warnings)


def test_shares_dated_before_the_first_day_are_the_shares_at_the_start() -> None:
    # a scenario starting after day D begins with the dated vector (0.25 / 0.75)
    data = two_suppliers({"CHN": 0.25, "JPN": 0.75})
    data["start"] = _date(D + 30)
    res = ss.run(build(data), seed=0)
    np.testing.assert_allclose(daily_flow(res, "JPN")[: HORIZON - D], 0.75 * DEMAND, rtol=1e-9)
    np.testing.assert_allclose(daily_flow(res, "CHN")[: HORIZON - D], 0.25 * DEMAND, rtol=1e-9)


def test_dated_shares_from_the_end_on_change_nothing() -> None:
    late = two_suppliers({"JPN": 1.0})
    late["supplier_shares"][1]["start"] = _date(HORIZON)
    res = ss.run(build(late), seed=0)
    np.testing.assert_allclose(daily_flow(res, "CHN"), DEMAND, rtol=1e-9)
