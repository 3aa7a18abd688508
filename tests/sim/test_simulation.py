"""The open engine: user processes, watches and events applied during a run."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import numpy as np
import pytest
import simpy

import supplyshock as ss
from supplyshock.scenario.schema import ExportControl
from tests.sim.builder import US_RESERVE, ban, build, chain

GA_BAN = {
    "type": "export_control",
    "id": "ga_usa",
    "exporter": "CHN",
    "commodities": ["gallium"],
    "destinations": ["USA"],
    "mode": "ban",
}


def _same(a: ss.RunResult, b: ss.RunResult) -> None:
    for key in a.cubes:
        np.testing.assert_array_equal(a.cubes[key], b.cubes[key], err_msg=key)
    np.testing.assert_array_equal(a.production, b.production)
    np.testing.assert_array_equal(a.reserves, b.reserves)


def test_applied_event_equals_the_same_event_dated_in_the_scenario() -> None:
    """Applying a control on day 400 from a process = the scenario holding it from the start."""
    scn = ss.load_scenario("october_2025_suspended")
    date = scn.start.fromordinal(scn.start.toordinal() + 400)

    def impose(sim: ss.Simulation) -> Generator[simpy.Event, Any, None]:
        yield sim.env.timeout(400)
        sim.apply(GA_BAN)

    applied = ss.run(scn, seed=3, processes=[impose])
    control = ExportControl.model_validate({**GA_BAN, "start": date})
    dated = scn.model_copy(update={"events": [*scn.events, control]})
    _same(applied, ss.run(dated, seed=3))
    assert applied.provenance["applied"][0]["start"] == date.isoformat()


def test_same_seed_sequence_twice_gives_the_same_run() -> None:
    scn = build(chain(events=[ban(start="2025-03-01")]))
    seed = np.random.SeedSequence(11)
    _same(ss.run(scn, seed=seed), ss.run(scn, seed=seed))


def test_user_process_changes_demand_when_a_stock_falls() -> None:
    """Documented example: when the US market holds under 10 days of cover, it cuts demand 50%."""
    scn = build(chain(events=[ban()], stocks=[US_RESERVE]))

    def cut_demand(sim: ss.Simulation) -> Generator[simpy.Event, Any, None]:
        day = yield sim.watch(
            quantity="days_of_cover", countries=["USA"], commodities=["magnet"], below=10
        )
        sim.apply(
            {"type": "demand_shift", "countries": ["USA"], "commodity": "magnet", "change": -0.5}
        )
        sim.log.append(day)

    sim = ss.Simulation(scn, seed=1)
    sim.log = []  # type: ignore[attr-defined]
    sim.process(cut_demand)
    res = sim.run()
    (day,) = sim.log  # type: ignore[attr-defined]
    demand = res.cubes["demand"][:, res.countries.index("USA"), 0]
    assert demand[day] == pytest.approx(10.0) and demand[day + 1] == pytest.approx(5.0)
    stock = sim.stocks()
    assert set(stock.columns) >= {"country", "commodity", "stock", "need", "days_of_cover"}


def test_python_predicate_watch_matches_the_declarative_one() -> None:
    scn = build(chain(events=[ban()]))
    days: dict[str, int] = {}

    def declarative(sim: ss.Simulation) -> Generator[simpy.Event, Any, None]:
        days["declarative"] = yield sim.watch(quantity="stock", countries=["USA"], below=100)

    def python(sim: ss.Simulation) -> Generator[simpy.Event, Any, None]:
        low = lambda s: float(s.stocks()["stock"].sum()) < 100  # noqa: E731
        days["python"] = yield sim.watch(low)

    ss.run(scn, seed=1, processes=[declarative, python])
    assert days == {"declarative": 25, "python": 25}


def test_views_and_bad_input() -> None:
    sim = ss.Simulation("october_2025_suspended", seed=1)
    assert {"control", "active"} <= set(sim.policy_status().columns)
    assert set(sim.reserves()["holder"]) >= {"JPN", "USA"}
    with pytest.raises(ss.ScenarioError, match="quantity"):
        sim.watch(quantity="stok", below=1)
    with pytest.raises(ss.ScenarioError, match="matches no"):
        sim.watch(quantity="stock", countries=["alliance"], commodities=["ndfeb_magnet"], below=1)
    with pytest.raises(ss.ScenarioError, match="gallum"):
        sim.apply({**GA_BAN, "commodities": ["gallum"]})
    res = sim.run()
    assert res.provenance["rules"] == []
    assert sim.shortfall_so_far()["shortfall"].sum() == pytest.approx(
        float(res.cubes["shortfall"].sum())
    )


def test_an_event_that_changes_the_network_cannot_be_applied() -> None:
    sim = ss.Simulation("october_2025_suspended", seed=1)
    plant = {
        "type": "new_capacity",
        "facility": {
            "id": "new_magnets",
            "kind": "magnet_maker",
            "country": "JPN",
            "output": "ndfeb_magnet",
            "capacity_per_year": 1000,
            "recipe": "ndfeb_sintered",
        },
    }
    with pytest.raises(ss.ScenarioError, match="changes the network"):
        sim.apply(plant)
    with pytest.raises(ss.ScenarioError, match="before today"):
        sim.env.run(until=10)
        sim.apply({**GA_BAN, "start": "2025-01-02"})


def test_the_kernels_entry_points_match_the_argument_types_after_a_run() -> None:
    """The stepper calls each kernel's compiled code directly after its first call of a run;
    the argument types of a run (with rule firings, a watch and applied events) must stay
    those it was resolved for."""
    import numba

    from supplyshock.sim import kernels
    from supplyshock.sim.kernels.prices import market_prices, respond

    sim = ss.Simulation("escalation_2026", seed=3)

    def watcher(sim: ss.Simulation) -> Generator[simpy.Event, Any, None]:
        yield sim.watch(quantity="reserve_share", countries=["USA"], below=0.9)
        sim.apply({**GA_BAN, "id": "late_ban"})

    sim.process(watcher)
    res = sim.run()
    assert len(res.provenance["rules"]) > 3 and res.provenance["applied"]
    step, book = sim.stepper, sim.rules
    args = (0, 0, step.consts, step.st, step.wk, step.gates.arrays(), step.rec)
    args += (book.arrays, book.run, book.inputs, step.px)
    gate = step.gates.arrays()
    calls = {
        kernels.quiet_days: args,
        kernels.morning: (0, step.consts, step.st, step.wk),
        kernels.allowances: (0, gate, step.wk.allow),
        kernels.request: (0, step.consts, step.st, step.wk, gate),
        kernels.afternoon: (0, step.consts, step.st, step.wk, gate, step.rec),
        respond: (0, step.consts, step.px),
        market_prices: (0, step.consts, step.wk, step.rec, step.px),
    }
    assert {kernels.quiet_days, kernels.morning, kernels.afternoon} <= set(step._direct)
    for kernel, direct in step._direct.items():
        compiled = kernel.overloads[tuple(numba.typeof(a) for a in calls[kernel])]
        assert direct is compiled.entry_point, kernel


def test_results_that_are_not_finite_are_refused_not_reported() -> None:
    from supplyshock.scenario.io import validate
    from tests.sim.builder import chain as plain_chain

    scn = build(plain_chain())  # validation refuses such a cover; set it behind its back
    huge = scn.settings.model_copy(update={"market_days_of_cover": 1e308})
    with pytest.raises(ss.SupplyshockError, match="not a finite number"), np.errstate(all="ignore"):
        ss.run(scn.model_copy(update={"settings": huge}), seed=1)
    with pytest.raises(ss.ScenarioError, match="market_days_of_cover"):
        validate(plain_chain(market_cover=1e308))
    data = plain_chain()
    data["demand"][0]["growth"] = -2  # (1 - 2) ** years is no growth path
    with pytest.raises(ss.ScenarioError, match=r"demand\[0\]\.growth"):
        validate(data)


def test_a_scenario_hash_the_caller_has_is_recorded_as_given() -> None:
    """Batch chunks hash their scenario once and pass the hash to each run."""
    scn = ss.load_scenario("october_2025_suspended")
    digest = scn.content_hash()
    given = ss.run(scn, seed=1, validate=False, scenario_hash=digest)
    plain = ss.run(scn, seed=1, validate=False)
    assert given.provenance["scenario_hash"] == plain.provenance["scenario_hash"] == digest
    other = ss.run(scn, seed=1, validate=False, scenario_hash="0" * 64)
    assert other.provenance["scenario_hash"] == "0" * 64


@pytest.mark.parametrize("seed", [-1, 1.5, "7", True])
def test_a_bad_seed_is_named_before_the_run(seed: object) -> None:
    scn = build(chain())
    with pytest.raises(ss.SupplyshockError, match="seed must be a non-negative integer") as err:
        ss.run(scn, seed=seed)  # type: ignore[arg-type]
    assert "the run failed" not in str(err.value)


def test_daily_refuses_an_unknown_country() -> None:
    res = ss.run(build(chain()), seed=0)
    known = res.countries[0]
    assert set(res.daily(countries=[known])["country"]) == {known}
    with pytest.raises(ss.SupplyshockError, match=f"did you mean '{known}'"):
        res.daily(countries=[known.lower() + "x"])
