"""Content rule, supplier switching, allocation modes, outages, thrifting, determinism."""

from __future__ import annotations

import numpy as np
import pytest

import supplyshock as ss
from supplyshock.sim.ahead import OutageDraws
from tests.sim.builder import ban, build, chain, two_suppliers


def _short(res: ss.RunResult, country: str, commodity: str = "magnet") -> np.ndarray:
    return res.cubes["shortfall"][:, res.countries.index(country), res.commodities.index(commodity)]


def _content_world(
    threshold: float, destinations: object = ("USA",), controlled: object = ("oxide", "magnet")
) -> dict:
    """CHN oxide -> JPN magnet maker -> USA market. Oxide is 25% of the magnet's value.

    The control covers the oxide and magnets (so Chinese oxide is controlled content) to the
    USA only, so that the oxide still reaches Japan.
    """
    return chain(
        commodities=[
            {"id": "oxide", "usd_per_unit": 50.0, "category": "heavy_ree"},
            {"id": "magnet", "usd_per_unit": 100.0, "category": "ree_magnet"},
        ],
        facilities=[
            {
                "id": "cn_sep",
                "kind": "separator",
                "country": "CHN",
                "output": "oxide",
                "capacity_per_year": 3650,
            },
            {
                "id": "jp_maker",
                "kind": "magnet_maker",
                "country": "JPN",
                "output": "magnet",
                "capacity_per_year": 7300,
                "recipe": "magnet",
            },
        ],
        recipes=[{"recipe": "magnet", "input": "oxide", "per_unit": 0.5}],
        demand=[
            {"country": "USA", "commodity": "magnet", "per_year": 3650},
            {"country": "JPN", "commodity": "magnet", "per_year": 1825},
        ],
        events=[
            ban(
                commodities=list(controlled),
                destinations=list(destinations),
                content_rule={"origin": "CHN", "threshold": threshold},
            )
        ],
    )


@pytest.mark.parametrize(("threshold", "blocked"), [(0.24, True), (0.26, False), (0.001, True)])
def test_content_rule_blocks_reexports_only_above_threshold(
    threshold: float, blocked: bool
) -> None:
    res = ss.run(build(_content_world(threshold)), seed=0)
    assert bool(_short(res, "USA").sum() > 0) is blocked
    assert _short(res, "JPN").sum() == 0  # the rule covers exports, not home sales


def test_content_rule_respects_destinations() -> None:
    res = ss.run(build(_content_world(0.001, destinations=["CHN"])), seed=0)
    assert _short(res, "USA").sum() == 0


def test_content_rule_counts_only_controlled_content() -> None:
    # the oxide is Chinese but not controlled: Japanese magnets carry no controlled content
    res = ss.run(build(_content_world(0.001, controlled=["magnet"])), seed=0)
    assert _short(res, "USA").sum() == 0


def test_origin_share_is_value_weighted() -> None:
    from supplyshock.model.compile import compile_scenario

    net = compile_scenario(build(_content_world(0.1)))
    jp = net.facilities.index("jp_maker")
    assert net.init_output_origin[jp, 0] == pytest.approx(0.25)


def test_switching_to_an_unqualified_supplier_takes_the_qualification_delay() -> None:
    res = ss.run(build(two_suppliers(1.0, qualification=60)), seed=0)
    short = _short(res, "USA")
    first = int(np.flatnonzero(short > 0)[0])
    assert first == 35
    # orders go unfilled from day 0; on day 4 (5 days unfilled) qualification starts, it ends
    # 60 days later, and the first shipment from the new source arrives `lead` = 5 days after
    last = int(np.flatnonzero(short > 0)[-1])
    assert last == 4 + 60 + 5 - 1
    assert short[last + 1 :].max() == 0.0


def _late_plant(start_day: int) -> dict:
    """``two_suppliers(1.0)`` with the Japanese alternative commissioned on ``start_day``."""
    data = two_suppliers(1.0, qualification=60)
    jp = next(f for f in data["facilities"] if f["id"] == "jp_maker")
    jp["start"] = (np.datetime64(data["start"]) + np.timedelta64(start_day, "D")).item()
    return data


def test_a_short_buyer_qualifies_a_supplier_that_opens_after_its_fifth_short_day() -> None:
    # unfilled from day 0; on day 4, the fifth short day, the Japanese plant has no capacity
    # yet; the buyer is still short when it opens on day 40 and starts qualifying it then:
    # qualified from day 100, the first shipment lands 5 days later (docs/model.md, step 9)
    short = _short(ss.run(build(_late_plant(40)), seed=0), "USA")
    assert int(np.flatnonzero(short > 0)[0]) == 35
    last = int(np.flatnonzero(short > 0)[-1])
    assert last == 40 + 60 + 5 - 1
    assert short[last + 1 :].max() == 0.0
    # a plant running on day 4 is tried then, as in the test above
    short = _short(ss.run(build(_late_plant(2)), seed=0), "USA")
    assert int(np.flatnonzero(short > 0)[-1]) == 4 + 60 + 5 - 1


def test_qualified_second_source_takes_over_at_once() -> None:
    res = ss.run(build(two_suppliers(0.5)), seed=0)
    assert _short(res, "USA").sum() == 0


def test_uncertain_qualification_delay_varies_with_seed() -> None:
    scn = build(two_suppliers(1.0, qualification={"dist": "uniform", "loc": 30, "scale": 120}))
    totals = {round(float(_short(ss.run(scn, seed=s), "USA").sum()), 6) for s in range(5)}
    assert len(totals) > 1


def _scarce(allocation: str) -> dict:
    """A supplier in CHN with capacity for two of three markets of 10/day each."""
    data = chain(
        capacity_per_day=20.0,
        market_cover=0,
        demand=[
            {"country": "USA", "commodity": "magnet", "per_year": 3650, "tier": 2},
            {"country": "JPN", "commodity": "magnet", "per_year": 3650, "tier": 1},
            {"country": "CHN", "commodity": "magnet", "per_year": 3650, "tier": 3},
        ],
    )
    data["settings"]["allocation"] = allocation
    return data


def test_priority_allocation_serves_higher_tiers_first() -> None:
    res = ss.run(build(_scarce("priority")), seed=0)
    assert _short(res, "JPN")[60:].max() == pytest.approx(0.0, abs=1e-9)
    assert _short(res, "USA")[60:].mean() == pytest.approx(0.0, abs=1e-6)
    assert _short(res, "CHN")[60:].mean() == pytest.approx(10.0, rel=1e-6)


def test_pro_rata_allocation_shares_the_gap() -> None:
    res = ss.run(build(_scarce("pro_rata")), seed=0)
    late = [_short(res, c)[100:].sum() for c in ("USA", "JPN", "CHN")]
    assert sum(late) == pytest.approx(200 * 10.0, rel=1e-6)
    assert min(late) > 0.2 * max(late)


def test_domestic_first_allocation_serves_home_market() -> None:
    res = ss.run(build(_scarce("domestic_first")), seed=0)
    assert _short(res, "CHN")[60:].max() == pytest.approx(0.0, abs=1e-9)
    assert _short(res, "JPN")[60:].max() == pytest.approx(0.0, abs=1e-9)
    assert _short(res, "USA")[60:].mean() == pytest.approx(10.0, rel=1e-6)


def test_outages_cause_shortfall_and_depend_on_seed() -> None:
    data = chain(market_cover=2, capacity_per_day=12.0)
    data["facilities"][0].update({"outage_rate_per_year": 12.0, "outage_days": 10})
    scn = build(data)
    totals = [float(_short(ss.run(scn, seed=s), "USA").sum()) for s in range(3)]
    assert min(totals) > 0
    assert len(set(totals)) == 3


def test_thrifting_stretches_input_stocks() -> None:
    world = _content_world(0.001)
    world["events"] = [ban(commodities=["oxide"])]
    world["settings"]["input_days_of_cover"] = 40
    base = ss.run(build(world), seed=0)
    thrift = {
        "type": "demand_shift",
        "commodity": "magnet",
        "input": "oxide",
        "change": -0.5,
        "start": "2025-01-02",
    }
    thrifty = ss.run(build({**world, "events": [*world["events"], thrift]}), seed=0)
    first = [int(np.flatnonzero(_short(r, "JPN") > 0)[0]) for r in (base, thrifty)]
    assert first[1] > first[0] + 30


def test_same_seed_gives_identical_results_and_other_seeds_differ() -> None:
    scn = build(
        two_suppliers(1.0, qualification={"dist": "triang", "c": 0.5, "loc": 30, "scale": 90})
    )
    a, b, c = ss.run(scn, seed=42), ss.run(scn, seed=42), ss.run(scn, seed=43)
    for name in a.cubes:
        np.testing.assert_array_equal(a.cubes[name], b.cubes[name])
    np.testing.assert_array_equal(a.production, b.production)
    assert not np.array_equal(a.cubes["shortfall"], c.cubes["shortfall"])


def test_overrides_fix_parameters_and_unknown_keys_are_refused() -> None:
    scn = build(two_suppliers(1.0, qualification=60))
    res = ss.run(scn, seed=0, overrides={"facilities[jp_maker].capacity_per_year": 0.0})
    assert res.provenance["draws"]["facilities[jp_maker].capacity_per_year"] == 0.0
    assert _short(res, "USA")[100:].min() > 0  # the alternative has no capacity now
    with pytest.raises(ss.ScenarioError, match="no parameter with this key"):
        ss.run(scn, seed=0, overrides={"facilities[nope].capacity_per_year": 1.0})
    with pytest.raises(ss.ScenarioError, match=r"did you mean 'facilities\[jp_maker\]"):
        ss.run(scn, seed=0, overrides={"facilities[jp_maker].capacity": 1.0})


def test_non_tradable_commodity_never_crosses_a_border() -> None:
    data = two_suppliers(0.5)
    data["commodities"][0]["tradable"] = False
    data["facilities"].append(
        {
            "id": "us_maker",
            "kind": "magnet_maker",
            "country": "USA",
            "output": "magnet",
            "capacity_per_year": 1825,
        }
    )
    res = ss.run(build(data), seed=0)
    assert res.cubes["exports"].sum() == 0.0
    assert _short(res, "USA")[100:].mean() == pytest.approx(5.0, rel=1e-6)  # home plant only


def test_commodity_qualification_days_override_the_world_setting() -> None:
    data = two_suppliers(1.0, qualification=60, market_cover=10)
    data["commodities"][0]["qualification_days"] = 20
    short = _short(ss.run(build(data), seed=0), "USA")
    assert int(np.flatnonzero(short > 0)[0]) == 10 + 5
    assert int(np.flatnonzero(short > 0)[-1]) == 4 + 20 + 5 - 1


def test_essential_share_lets_lines_without_the_input_run() -> None:
    # oxide is needed by a quarter of the JPN maker's lines; once it runs out the maker
    # still makes 75% of its capacity (15 of 20 a day) against 15 a day of demand
    world = _content_world(0.001)
    world["recipes"][0]["essential_share"] = 0.25
    world["events"] = [ban(commodities=["oxide"])]
    world["facilities"][1]["capacity_per_year"] = 365 * 12.0
    res = ss.run(build(world), seed=0)
    c = res.countries.index("JPN")
    made = res.production[:, res.facilities.index("jp_maker")]
    assert made[200:] == pytest.approx(np.full(100, 9.0))  # 0.75 x 12
    assert res.cubes["shortfall"][:, c].sum() + _short(res, "USA").sum() > 0
    assert res.mass_balance()["relative_residual"].max() < 1e-9


def test_python_built_scenarios_are_cross_checked_before_running() -> None:
    from supplyshock.scenario import validate
    from supplyshock.scenario.schema import Scenario

    data = chain()
    data["demand"][0]["commodity"] = "magnets"  # typo: no such commodity
    with pytest.raises(ss.ScenarioError, match=r"demand.*commodity.*unknown commodity"):
        validate(data)
    with pytest.raises(ss.ScenarioError, match="unknown commodity"):
        ss.run(Scenario.model_validate(data), seed=0)
    data["horizon_days"] = -5
    with pytest.raises(ss.ScenarioError, match="horizon_days"):
        validate(data)


def test_copies_of_a_loaded_scenario_are_cross_checked_before_running() -> None:
    from supplyshock.scenario.events import CapacityShock

    loaded = ss.load_scenario("october_2025_suspended")
    bad = CapacityShock.model_validate(
        {
            "type": "capacity_shock",
            "facility": "no_such_facility",
            "share_lost": 0.5,
            "start": "2025-11-01",
        }
    )
    events = [*loaded.events, bad]
    copy = loaded.model_copy(update={"events": events})
    assert copy.origin_file == loaded.origin_file != "<python>"  # still looks loaded
    with pytest.raises(ss.ScenarioError) as info:
        ss.run(copy, seed=1)
    message = str(info.value)
    assert f"events[{len(events) - 1}].facility" in message
    assert "'no_such_facility'" in message and "unknown facility" in message


def test_recorded_flows_add_up_to_exports_and_imports() -> None:
    res = ss.run("october_2025_controls", seed=2)
    flows = res.flows()
    assert (flows["exporter"] != flows["importer"]).all()
    assert set(flows["unit"]) <= set(res.units)
    by_exporter = flows.groupby(["exporter", "commodity"])["quantity"].sum()
    by_importer = flows.groupby(["importer", "commodity"])["quantity"].sum()
    for (country, commodity), total in by_exporter.items():
        c, k = res.countries.index(country), res.commodities.index(commodity)
        assert total == pytest.approx(res.cubes["exports"][:, c, k].sum(), rel=1e-9)
    for (country, commodity), total in by_importer.items():
        c, k = res.countries.index(country), res.commodities.index(commodity)
        assert total == pytest.approx(res.cubes["imports"][:, c, k].sum(), rel=1e-9)
    assert by_exporter.sum() == pytest.approx(res.cubes["exports"].sum(), rel=1e-9)
    monthly = res.flows("MS", exporter="CHN", commodity="ndfeb_magnet")
    daily = flows[(flows.exporter == "CHN") & (flows.commodity == "ndfeb_magnet")]
    assert monthly["quantity"].sum() == pytest.approx(daily["quantity"].sum(), rel=1e-12)
    assert monthly["date"].dt.day.eq(1).all()
    with pytest.raises(ValueError, match="exporter"):
        res.flows(exporter="XYZ")


def test_a_facility_makes_nothing_on_exactly_its_outage_days() -> None:
    """Outages are drawn ahead: the facility is out on days start <= t < end of each drawn
    outage (gaps counted from the end of the one before), and only then."""
    data = chain(market_cover=2, capacity_per_day=12.0)
    data["facilities"][0].update({"outage_rate_per_year": 12.0, "outage_days": 10})
    sim = ss.Simulation(build(data), seed=3)
    draws = OutageDraws(sim.policies.dice, sim.net)  # the run's stream, drawn again
    expected = np.zeros(sim.net.horizon, dtype=bool)
    now, n = 0, 0
    while True:  # the draws one at a time, as a process would take them
        gap, duration = draws.get(0, n)
        start = now + int(gap)
        if start >= sim.net.horizon:
            break
        now = start + int(duration)
        expected[start:now] = True
        n += 1
    res = sim.run()
    assert n >= 5 and expected.any()
    idle = res.production[:, 0] == 0.0
    np.testing.assert_array_equal(idle, expected)
