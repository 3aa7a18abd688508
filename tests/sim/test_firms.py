"""Firm populations and deferrable demand, checked against hand-computable results."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from scipy import stats

import supplyshock as ss
from supplyshock.model.buyers import firm_multipliers
from supplyshock.scenario.distributions import Distribution
from supplyshock.scenario.io import validate
from supplyshock.sim.kernels.afternoon import _defer
from tests.sim.builder import ban, build, chain, two_suppliers


def _row(**kw: Any) -> list[dict[str, Any]]:
    return [{"country": "USA", "commodity": "magnet", "per_year": 3650.0, **kw}]


def _usa(res: ss.RunResult, name: str) -> np.ndarray:
    c, k = res.countries.index("USA"), res.commodities.index("magnet")
    return res.cubes[name][:, c, k]


# ------------------------------------------------------------------ firm populations


@pytest.mark.parametrize("n_firms", [2, 7])
@pytest.mark.parametrize(
    "make",
    [
        lambda demand: chain(demand=demand, events=[ban(end="2025-05-01")]),
        lambda demand: two_suppliers(1.0, demand=demand),
    ],
    ids=["ban_then_end", "switching"],
)
def test_equal_firms_reproduce_the_single_buyer(n_firms: int, make: Any) -> None:
    one = ss.run(build(make(_row())), seed=3)
    many = ss.run(build(make(_row(firms=n_firms))), seed=3)
    assert _usa(one, "shortfall").sum() > 0  # the case bites
    for name in ("demand", "delivered", "shortfall", "inventory", "in_transit", "imports"):
        np.testing.assert_allclose(
            _usa(many, name), _usa(one, name), rtol=1e-9, atol=1e-9, err_msg=name
        )
    share = many.firms_short().iloc[:, 0].to_numpy()
    assert set(np.unique(share)) <= {0.0, 1.0}  # identical firms are short together


@pytest.mark.parametrize(("n_firms", "s", "cover", "lead"), [(10, 0.5, 30, 5), (40, 0.8, 20, 3)])
def test_share_of_firms_short_follows_the_spread_cdf(
    n_firms: int, s: float, cover: float, lead: int
) -> None:
    spread = {"dist": "lognorm", "s": s}
    data = chain(
        market_cover=cover,
        lead=lead,
        horizon=200,
        events=[ban()],
        demand=_row(firms=n_firms, cover_spread=spread),
    )
    res = ss.run(build(data), seed=0)
    share = res.firms_short().iloc[:, 0].to_numpy()
    q = stats.lognorm(s).ppf((np.arange(n_firms) + 0.5) / n_firms)
    t = np.arange(200)
    x = (t - lead + 1) * q.mean() / cover
    cdf = stats.lognorm(s).cdf(np.maximum(x, 0.0))
    expected = np.ceil(n_firms * cdf - 0.5) / n_firms
    np.testing.assert_array_equal(share, expected)
    assert np.abs(share - cdf).max() <= 1 / (2 * n_firms) + 1e-12
    # the worked example of docs/model.md: 3 of 10 firms short on day 24
    if n_firms == 10:
        assert share[24] == pytest.approx(0.3)


def test_firm_covers_average_the_row_cover() -> None:
    spread = Distribution.model_validate({"dist": "gamma", "a": 2.0})
    m = firm_multipliers(9, spread)
    assert m.mean() == pytest.approx(1.0, rel=1e-12)
    assert np.all(np.diff(m) > 0)
    data = chain(demand=_row(firms=9, cover_spread={"dist": "gamma", "a": 2.0}))
    one = ss.run(build(chain()), seed=0)
    many = ss.run(build(data), seed=0)
    # the same total stock at the start, spread over the firms
    assert _usa(many, "inventory")[0] == pytest.approx(_usa(one, "inventory")[0], rel=1e-12)


def test_firms_conserve_mass() -> None:
    data = two_suppliers(
        1.0, demand=_row(firms=5, cover_spread={"dist": "lognorm", "s": 1.0}, deferrable=True)
    )
    res = ss.run(build(data), seed=1)
    assert _usa(res, "shortfall").sum() > 0
    assert res.mass_balance()["relative_residual"].max() <= 1e-9


# ------------------------------------------------------------------ deferrable demand


def test_deferral_worked_example() -> None:
    """docs/model.md: d = 10, D = 3, nothing to serve on days 0-4, 20 a day from day 5."""
    waiting = np.zeros((1, 8))
    oldest = np.zeros(1, dtype=np.int64)
    served, backlog, expired = [], [], []
    for t in range(8):
        got = _defer(t, 3, 10.0, 0.0 if t < 5 else 20.0, waiting, oldest, 0)
        served.append(got[0])
        backlog.append(got[1])
        expired.append(got[2])
    assert served == [0, 0, 0, 0, 0, 20, 20, 20]
    assert backlog == [10, 20, 30, 40, 40, 20, 10, 0]
    assert expired == [0, 0, 0, 0, 10, 10, 0, 0]
    assert sum(backlog) == 170
    assert sum(served) + sum(expired) + backlog[-1] == 80


@pytest.mark.parametrize("delay", [None, 0, 20, 45])
def test_backlog_conserves_demand_every_day(delay: int | None) -> None:
    row = _row(deferrable=True, firms=3, cover_spread={"dist": "lognorm", "s": 0.6})
    if delay is not None:
        row[0]["max_delay_days"] = delay
    data = chain(demand=row, capacity_per_day=15.0, events=[ban(end="2025-04-11")])
    res = ss.run(build(data), seed=0)
    demand, delivered = _usa(res, "demand"), _usa(res, "delivered")
    backlog, expired = _usa(res, "backlog"), _usa(res, "expired")
    lhs = np.cumsum(demand)
    rhs = np.cumsum(delivered) + backlog + np.cumsum(expired)
    np.testing.assert_allclose(rhs, lhs, rtol=1e-9)
    assert backlog.max() > 0
    if delay is None:
        assert expired.sum() == 0.0
        assert backlog[-1] == pytest.approx(0.0, abs=1e-9)  # all built, late
        assert delivered.sum() == pytest.approx(demand.sum(), rel=1e-9)
    elif delay > 0:
        assert expired.sum() > 0  # the ban lasts longer than the delay allowed


def test_zero_delay_is_a_lost_sale() -> None:
    lost = ss.run(build(chain(events=[ban(end="2025-04-11")])), seed=0)
    data = chain(demand=_row(deferrable=True, max_delay_days=0), events=[ban(end="2025-04-11")])
    zero = ss.run(build(data), seed=0)
    np.testing.assert_allclose(_usa(zero, "delivered"), _usa(lost, "delivered"), rtol=1e-12)
    np.testing.assert_allclose(_usa(zero, "shortfall"), _usa(lost, "shortfall"), rtol=1e-12)


# ------------------------------------------------------------------ bad input


@pytest.mark.parametrize(
    ("field", "value", "where"),
    [
        ("firms", 0, "firms"),
        ("cover_spread", {"dist": "norm", "loc": 1, "scale": 0.3}, "cover_spread"),
        ("max_delay_days", -5, "max_delay_days"),
    ],
)
def test_bad_firm_and_deferral_input(field: str, value: object, where: str) -> None:
    row = _row(deferrable=True) if field == "max_delay_days" else _row()
    row[0][field] = value
    with pytest.raises(ss.ScenarioError) as err:
        validate(chain(demand=row), file="bad.yaml")
    text = str(err.value)
    assert "bad.yaml" in text
    assert where in text
    assert repr(value) in text or str(value) in text


def test_max_delay_needs_a_deferrable_row() -> None:
    with pytest.raises(ss.ScenarioError, match="deferrable"):
        validate(chain(demand=_row(max_delay_days=10)), file="bad.yaml")


def test_deferred_demand_metrics_by_name_and_sector() -> None:
    """MW-days delayed = sum of the backlog; never built = sum expired; MW-days not in service
    = sum over days of (backlog + expired so far), the undelivered demand to date."""
    row = _row(deferrable=True, max_delay_days=30, sector="datacenter", firms=2)
    data = chain(demand=row, events=[ban(end="2025-04-11")])
    data["commodities"][0]["unit"] = "MW"
    res = ss.run(build(data), seed=0)
    backlog, expired = _usa(res, "backlog"), _usa(res, "expired")
    assert expired.sum() > 0 and backlog.sum() > 0
    table = res.metrics(
        ["datacenter_mw_days_delayed", "mw_never_built", "datacenter_mw_days_lost"],
        by=["country", "sector", "commodity"],
    ).iloc[0]
    assert table["sector"] == "datacenter"
    assert table["datacenter_mw_days_delayed"] == pytest.approx(backlog.sum(), rel=1e-12)
    assert table["mw_never_built"] == pytest.approx(expired.sum(), rel=1e-12)
    expected = (backlog + np.cumsum(expired)).sum()
    assert table["datacenter_mw_days_lost"] == pytest.approx(expected, rel=1e-9)
    assert res.datacenter_mw_days_lost()["mw_days_lost"].iloc[0] == pytest.approx(expected)
