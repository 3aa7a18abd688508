"""Analytic checks of export-control mechanics: licence life cycle, targeting, routing,
allocation order, controlled content and pipeline targets (docs/model.md, Export controls)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import supplyshock as ss
from supplyshock.model.compile import compile_scenario
from supplyshock.scenario import validate
from supplyshock.sim.kernels import licensed_share
from supplyshock.sim.licences import delay_pmf
from tests.sim.builder import ban, build, chain, facility, two_suppliers


def _short(res: ss.RunResult, country: str = "USA", commodity: str = "magnet") -> np.ndarray:
    return res.cubes["shortfall"][:, res.countries.index(country), res.commodities.index(commodity)]


def _curve(p: float, delay: object, validity: int, horizon: int = 200) -> np.ndarray:
    pmf = delay_pmf(delay, horizon)
    out = np.zeros(horizon)
    args = (np.full(horizon, p), np.zeros(horizon, dtype=np.int64), pmf[None, :])
    licensed_share(0, *args, np.full(horizon, validity, dtype=np.int64), out)
    return out


def licence(**kw: Any) -> dict[str, Any]:
    return ban(mode="license", **kw)


# --- licence life cycle -------------------------------------------------------------------


def test_licence_cycle_by_hand() -> None:
    # docs/model.md: p = 0.5, D = 10, V = 30
    lam = _curve(0.5, 10, 30)
    expected = {0: 0.0, 9: 0.0, 10: 0.5, 19: 0.5, 20: 0.75, 29: 0.75, 30: 0.5, 40: 0.75, 50: 0.875}
    for day, value in expected.items():
        assert lam[day] == pytest.approx(value), day
    assert lam[60:150].mean() == pytest.approx((0.5 + 0.75 + 0.875) / 3)


@pytest.mark.parametrize(
    ("p", "delay", "m"), [(0.5, 10, 3), (0.25, 63, 1), (0.3, 20, 4), (0.8, 45, 2)]
)
def test_steady_licensed_share(p: float, delay: int, m: int) -> None:
    validity = m * delay
    lam = _curve(p, delay, validity, horizon=20 * validity)
    expected = 1 - (1 - p) * (1 - (1 - p) ** m) / (m * p)
    assert lam[10 * validity : 20 * validity].mean() == pytest.approx(expected)


def test_licensed_share_is_the_approval_probability_when_licences_outlast_no_decision() -> None:
    spec = ss.scenario.distributions.Distribution.model_validate(
        {"dist": "triang", "c": 0.3, "loc": 45, "scale": 60}
    )
    lam = _curve(0.3, spec, 45, horizon=2000)  # every period is shorter than any decision
    assert lam[200:] == pytest.approx(np.full(1800, 0.3))


def test_licences_without_expiry_end_in_full_flow() -> None:
    lam = _curve(0.25, 10, 0)
    assert lam[10] == pytest.approx(0.25)
    assert lam[20] == pytest.approx(1 - 0.75**2)
    assert lam[199] == pytest.approx(1 - 0.75**19)  # decisions on days 10, 20, ..., 190


def test_licence_throttles_shipments_day_by_day() -> None:
    # no stock anywhere: what arrives on day t is the licensed share of need on day t - lead
    control = licence(approval_probability=0.5, processing_days=10, validity_days=30)
    res = ss.run(build(chain(market_cover=0, events=[control])), seed=0)
    lam = _curve(0.5, 10, 30, horizon=300)
    np.testing.assert_allclose(_short(res)[5:200], 10.0 * (1.0 - lam[:195]), atol=1e-9)


def test_general_licence_lifts_the_throttle_while_in_force() -> None:
    general = {
        "type": "general_licence",
        "control": "ban",
        "exporters": ["cn_maker"],
        "start": "2025-04-11",  # day 100
        "end": "2025-07-20",  # day 200
    }
    control = licence(approval_probability=0.0, processing_days=10)
    res = ss.run(build(chain(market_cover=0, events=[control, general])), seed=0)
    short = _short(res)
    assert short[5:105] == pytest.approx(np.full(100, 10.0))
    assert short[105:205].max() == 0.0
    assert short[205:] == pytest.approx(np.full(95, 10.0))


def test_snapback_restarts_applications() -> None:
    control = licence(approval_probability=1.0, processing_days=20)
    pause = {"type": "suspend", "control": "ban", "start": "2025-03-02", "end": "2025-04-01"}
    res = ss.run(build(chain(market_cover=0, events=[control, pause | {"snapback": True}])), 0)
    short = _short(res)
    # licensed from day 20; suspended on days 60-89; applied for again on day 90, granted day 110
    assert short[25:95].max() == 0.0
    assert short[95:115] == pytest.approx(np.full(20, 10.0))
    assert short[115:].max() == 0.0


# --- targeting, routing, allocation --------------------------------------------------------


def _two_rows() -> dict[str, Any]:
    return chain(
        market_cover=0,
        demand=[
            {
                "country": "USA",
                "commodity": "magnet",
                "per_year": 1825,
                "sector": "defence",
                "tier": 1,
            },
            {"country": "USA", "commodity": "magnet", "per_year": 1825, "sector": "ev"},
        ],
    )


def test_denied_end_use_is_not_served_whatever_its_tier() -> None:
    data = _two_rows()
    data["events"] = [ban(sectors=["defence"])]
    res = ss.run(build(data), seed=0)
    assert _short(res)[20:] == pytest.approx(np.full(280, 5.0))  # defence's 5/day only
    by = res.shortfall(by=["country", "commodity"])
    assert by.loc[by.country == "USA", "shortfall"].iloc[0] > 0


def test_entities_select_named_buyers() -> None:
    data = chain(
        market_cover=0,
        commodities=[
            {"id": "oxide", "usd_per_unit": 50.0, "category": "heavy_ree"},
            {"id": "magnet", "usd_per_unit": 100.0, "category": "ree_magnet"},
        ],
        facilities=[
            facility("cn_sep", "separator", "CHN", "oxide", 7300),
            *[
                facility(f"jp_{x}", "magnet_maker", "JPN", "magnet", 3650, recipe="magnet")
                for x in ("a", "b")
            ],
        ],
        recipes=[{"recipe": "magnet", "input": "oxide", "per_unit": 1.0}],
        settings={"market_days_of_cover": 0, "input_days_of_cover": 0, "output_days_of_cover": 0},
        events=[ban(commodities=["oxide"], entities=["jp_a"])],
    )
    res = ss.run(build(data), seed=0)
    made = res.production[:, [res.facilities.index("jp_a"), res.facilities.index("jp_b")]]
    assert made[30:, 0].max() == 0.0  # the named buyer gets no oxide
    assert made[30:, 1].min() > 0.0  # the other one is not touched


def test_capped_remainder_is_routed_to_other_suppliers() -> None:
    data = two_suppliers(0.5, events=[ban(coverage=0.6)])
    data["settings"]["market_days_of_cover"] = 0
    res = ss.run(build(data), seed=0)
    assert _short(res).max() == 0.0  # JPN takes what the ban holds back
    jp = res.cubes["exports"][:, res.countries.index("JPN"), res.commodities.index("magnet")]
    assert jp[30:] == pytest.approx(np.full(270, 8.0))  # 5 + 3 of CHN's 5 held back


@pytest.mark.parametrize("contracts_first", [True, False])
def test_contracted_buyers_are_served_before_spot_buyers(contracts_first: bool) -> None:
    # the USA loses its Chinese supplier and qualifies the Japanese maker (spot); Japanese
    # buyers hold a contract with it; together they ask for more than its 20 a day
    data = two_suppliers(1.0, qualification=10, market_cover=0)
    data["demand"].append({"country": "JPN", "commodity": "magnet", "per_year": 15 * 365})
    data["supplier_shares"].append(
        {"buyer": "JPN", "commodity": "magnet", "supplier": "JPN", "share": 1.0}
    )
    data["settings"]["contracts_first"] = contracts_first
    res = ss.run(build(data), seed=0)
    japan, usa = _short(res, "JPN")[100:], _short(res, "USA")[100:]
    if contracts_first:
        assert japan.max() == 0.0
        assert usa == pytest.approx(np.full(200, 5.0))
    else:
        assert japan.min() > 0.0  # pro rata: the contract holder shares the shortfall


def test_quota_remainder_is_routed_to_other_suppliers() -> None:
    quota = ban(mode="quota", quota_per_year=730.0)  # 2 a day
    data = two_suppliers(0.5, events=[quota])
    data["settings"]["market_days_of_cover"] = 0
    res = ss.run(build(data), seed=0)
    assert _short(res).max() == 0.0
    cn = res.cubes["exports"][:, res.countries.index("CHN"), res.commodities.index("magnet")]
    assert cn[30:] == pytest.approx(np.full(270, 2.0))


def test_domestic_first_serves_home_buyers_before_foreign_tier_1() -> None:
    def run(domestic_first: bool) -> ss.RunResult:
        data = chain(
            capacity_per_day=15.0,
            market_cover=0,
            demand=[
                {"country": "USA", "commodity": "magnet", "per_year": 3650, "tier": 1},
                {"country": "CHN", "commodity": "magnet", "per_year": 3650, "tier": 3},
            ],
            events=[licence(processing_days=1, domestic_first=domestic_first)],
        )
        return ss.run(build(data), seed=0)

    home, tiers = run(True), run(False)
    settled = slice(150, None)  # after the buyers' stock dynamics have settled
    assert _short(home, "CHN")[settled] == pytest.approx(np.zeros(150), abs=1e-6)
    assert _short(home, "USA")[settled] == pytest.approx(np.full(150, 5.0), abs=1e-3)
    assert _short(tiers, "USA")[settled] == pytest.approx(np.zeros(150), abs=1e-6)
    assert _short(tiers, "CHN")[settled] == pytest.approx(np.full(150, 5.0), abs=1e-3)


# --- controlled content ---------------------------------------------------------------------


def _dy_world(dy_per_unit: float) -> dict[str, Any]:
    """A JPN magnet (US$ 100) with Chinese Dy oxide and Chinese NdPr oxide, sold to the USA."""
    return chain(
        market_cover=0,
        commodities=[
            {"id": "dy", "usd_per_unit": 50.0, "category": "heavy_ree"},
            {"id": "ndpr", "usd_per_unit": 50.0, "category": "light_ree"},
            {"id": "magnet", "usd_per_unit": 100.0, "category": "ree_magnet"},
        ],
        facilities=[
            facility("cn_dy", "separator", "CHN", "dy", 3650),
            facility("cn_ndpr", "separator", "CHN", "ndpr", 3650),
            facility("jp_maker", "magnet_maker", "JPN", "magnet", 7300, recipe="magnet"),
        ],
        recipes=[
            {"recipe": "magnet", "input": "dy", "per_unit": dy_per_unit},
            {"recipe": "magnet", "input": "ndpr", "per_unit": 0.1},  # US$ 5 of NdPr: 5%
        ],
        events=[
            ban(
                commodities={"category": ["heavy_ree", "ree_magnet"]},
                destinations=["USA"],
                content_rule={"origin": "CHN", "threshold": 0.001},
            )
        ],
    )


@pytest.mark.parametrize(
    ("dy_per_unit", "share", "caught"), [(0.001, 0.0005, False), (0.004, 0.002, True)]
)
def test_content_rule_measures_controlled_content(
    dy_per_unit: float, share: float, caught: bool
) -> None:
    scn = build(_dy_world(dy_per_unit))
    net = compile_scenario(scn)
    assert net.init_output_origin[net.facilities.index("jp_maker"), 0] == pytest.approx(share)
    res = ss.run(scn, seed=0)
    assert bool(_short(res).sum() > 0) is caught


# --- pipeline targets and continuity ---------------------------------------------------------


def test_switch_to_a_longer_lead_supplier_recovers_the_full_target_stock() -> None:
    data = two_suppliers(1.0, qualification=30, horizon=700, market_cover=20.0)
    data["lanes"] = [
        {"origin": "CHN", "destination": "USA", "lead_time_days": 15},
        {"origin": "JPN", "destination": "USA", "lead_time_days": 45},
    ]
    res = ss.run(build(data), seed=0)
    assert _short(res)[400:].max() == 0.0
    stock = res.cubes["inventory"][:, res.countries.index("USA"), res.commodities.index("magnet")]
    assert stock[-1] == pytest.approx(200.0, rel=1e-3)


def test_no_cliff_near_full_licensed_share() -> None:
    def total(share: float) -> float:
        control = licence(processing_days=30, licensed_share=share)
        return float(_short(ss.run(build(chain(events=[control])), seed=0)).sum())

    full, almost = total(1.0), total(0.999)
    assert almost >= full
    assert almost - full < 0.001 * 10.0 * 300


# --- bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("event", "field", "value"),
    [
        (ban(sectors=["warp_drive"]), "sectors", "warp_drive"),
        (ban(entities=["no_such_plant"]), "entities", "no_such_plant"),
        (ban(destinations=["XYZ"]), "destinations", "XYZ"),
        (licence(approval_probability=1.5), "approval_probability", "1.5"),
        (licence(validity_days=0), "validity_days", "0"),
        (licence(validity_days=-5), "validity_days", "-5"),
        (
            {
                "type": "general_licence",
                "control": "ban",
                "exporters": ["ghost"],
                "start": "2025-02-01",
            },
            "exporters",
            "ghost",
        ),
        (
            {"type": "general_licence", "control": "nope", "start": "2025-02-01"},
            "control",
            "nope",
        ),
        (
            {
                "type": "general_licence",
                "control": "ban",
                "entities": ["ghost_buyer"],
                "start": "2025-02-01",
            },
            "entities",
            "ghost_buyer",
        ),
    ],
)
def test_bad_control_input_names_field_and_value(event: dict, field: str, value: str) -> None:
    events = [event] if event.get("type") == "export_control" else [licence(), event]
    with pytest.raises(ss.ScenarioError) as err:
        validate(chain(events=events))
    text = str(err.value)
    assert field in text and value in text


def test_validate_lists_every_control_problem() -> None:
    events = [ban(sectors=["warp_drive"], entities=["no_such_plant"], destinations=["XYZ"])]
    with pytest.raises(ss.ScenarioError) as err:
        validate(chain(events=events))
    assert all(v in str(err.value) for v in ("warp_drive", "no_such_plant", "XYZ"))
