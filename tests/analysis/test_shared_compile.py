"""Candidates that differ only in reserve sizes share each future's compilation.

A search task compiles a future once for such candidates (``model.variants``); each candidate
must still get exactly the network, and so exactly the run, it would compile itself.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pytest

import supplyshock as ss
from supplyshock.analysis.evaluate import Evaluator
from supplyshock.analysis.futures import Futures, run_candidates
from supplyshock.batch.replicate import child_seed
from supplyshock.model.variants import sizes_reserves_only, with_reserve_quantities
from supplyshock.scenario.levers import ChanceConstraint, Lever, Slot, apply_portfolio, resolve
from supplyshock.sim.simulation import compile_run
from tests.analysis.test_robust import ban_world

SIZES = [
    {"us": 500.0, "jp": 4.9},  # the world file's own sizes
    {"us": 0.0, "jp": 0.0},
    {"us": 9_000.0, "jp": 40.0},
]
CONSTRAINTS = [
    ChanceConstraint(
        region="USA", commodity="ndfeb_magnet", metric="unmet_share", at_most=0.05, probability=0.9
    ),
    ChanceConstraint(
        region="alliance", commodity="gallium", metric="shortfall", at_most=1.0, probability=0.9
    ),
]


def levered(name: str = "escalation_2026") -> ss.Scenario:
    """A bundled scenario (rules that add events during the run, controls, outages) with two
    levers: the US magnet and the Japanese gallium reserves, both released faster."""
    scn = ss.load_scenario(name)
    faster = {("USA", "ndfeb_magnet"): 60.0, ("JPN", "gallium"): 0.5}
    stocks = [
        s.model_copy(update={"release_rate_per_day": faster[(s.holder, s.commodity)]})
        if s.kind == "strategic" and (s.holder, s.commodity) in faster
        else s
        for s in scn.stocks
    ]
    levers = {
        "us": Lever(target="stocks[USA.ndfeb_magnet.strategic].quantity", low=0, high=10_000),
        "jp": Lever(target="stocks[JPN.gallium.strategic].quantity", low=0, high=100),
    }
    return scn.model_copy(update={"stocks": stocks, "levers": levers})


def assert_same(a: Any, b: Any, where: str = "network") -> None:
    """Equal field by field, arrays element by element (dtype included)."""
    if dataclasses.is_dataclass(a) and not isinstance(a, type):
        assert type(a) is type(b), where
        for field in dataclasses.fields(a):
            assert_same(getattr(a, field.name), getattr(b, field.name), f"{where}.{field.name}")
    elif isinstance(a, np.ndarray):
        assert isinstance(b, np.ndarray) and a.dtype == b.dtype, where
        np.testing.assert_array_equal(a, b, err_msg=where)
    elif isinstance(a, list | tuple):
        assert type(a) is type(b) and len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            assert_same(x, y, f"{where}[{i}]")
    elif isinstance(a, dict):
        assert a.keys() == b.keys(), where
        for key in a:
            assert_same(a[key], b[key], f"{where}[{key!r}]")
    else:
        assert a == b, f"{where}: {a!r} != {b!r}"


@pytest.mark.parametrize("future", [0, 1])
def test_a_variant_is_the_network_the_candidate_compiles(future: int) -> None:
    scn = levered()
    row = Futures.sample(scn, 2, 4).rows()[future]
    seed = child_seed(4, future)
    first = compile_run(apply_portfolio(scn, SIZES[0]), seed, row)
    for sizes in SIZES[1:]:
        candidate = apply_portfolio(scn, sizes)
        variant = with_reserve_quantities(first, candidate)
        assert_same(variant, compile_run(candidate, seed, row))
        quantities = {
            (variant.countries[r.country], variant.commodities[r.commodity]): r.quantity
            for r in variant.reserves
        }
        assert quantities[("USA", "ndfeb_magnet")] == sizes["us"]
        assert quantities[("JPN", "gallium")] == sizes["jp"]
    assert with_reserve_quantities(first, apply_portfolio(scn, SIZES[0])) is first


def test_candidates_sharing_a_compilation_run_as_if_each_compiled_its_own() -> None:
    """The first candidate runs on the network the others are made from, so a run that
    changed the network's arrays would show in the later candidates' values."""
    scn = levered()
    candidates = [apply_portfolio(scn, sizes) for sizes in SIZES]
    futures = Futures.sample(scn, 2, 11)
    args = (candidates, 11, [0, 1], futures.rows(), CONSTRAINTS)
    shared = run_candidates(*args, share_compile=True).values
    alone = run_candidates(*args).values
    np.testing.assert_array_equal(shared, alone)
    assert not np.array_equal(shared[1], shared[2])  # the sizes matter in these futures


def test_a_run_on_a_variant_is_the_run_of_the_candidate_bit_for_bit() -> None:
    scn = levered("october_2025_suspended")
    row = Futures.sample(scn, 1, 2).rows()[0]
    seed = child_seed(2, 0)
    base = compile_run(apply_portfolio(scn, SIZES[0]), seed, row)
    candidate = apply_portfolio(scn, SIZES[2])
    shared = ss.run(
        candidate, seed=seed, overrides=row, compiled=with_reserve_quantities(base, candidate)
    )
    alone = ss.run(candidate, seed=seed, overrides=row)
    for name in ("reserves", "production", "lost", "flow_series"):
        np.testing.assert_array_equal(getattr(shared, name), getattr(alone, name), err_msg=name)
    for name in ("delivered", "inventory", "in_transit"):
        np.testing.assert_array_equal(shared.cell_series[name], alone.cell_series[name])
    assert (
        shared.reserves[0].tolist()
        != ss.run(apply_portfolio(scn, SIZES[0]), seed=seed, overrides=row).reserves[0].tolist()
    )


def test_only_levers_that_size_strategic_reserves_share_a_compilation() -> None:
    scn = levered()
    assert sizes_reserves_only(scn, scn.levers)
    assert not sizes_reserves_only(scn, {})
    held = {s.holder for s in scn.stocks if s.commodity == "ndfeb_magnet"}
    holder = next(c.iso3 for c in scn.countries if c.iso3 not in held)
    firm = scn.stocks[0].model_copy(update={"holder": holder, "days_of_cover": 30.0})
    scn = scn.model_copy(update={"stocks": [*scn.stocks, firm]})
    others = {  # each a valid target, but not the size of a strategic reserve
        "plant": Lever(target="facilities[usa_mountain_pass].capacity_per_year", low=0, high=9),
        "rate": Lever(target="stocks[USA.ndfeb_magnet.strategic].release_rate_per_day", low=0,
                      high=90),
        "firm": Lever(target=f"stocks[{holder}.ndfeb_magnet.firm].days_of_cover", low=0, high=90),
    }  # fmt: skip
    for name, lever in others.items():
        assert isinstance(resolve(scn, name, lever), Slot), name
        assert not sizes_reserves_only(scn, {**scn.levers, name: lever}), name


@pytest.mark.parametrize("workers", [1, 2])
def test_a_search_runs_candidates_together_with_the_same_values(workers: int) -> None:
    """Forty reserve sizes on four futures in chunks of two: tasks of several candidates (a
    chunk's candidates spread over at least as many tasks as a pool of two runs at a time,
    four times as many with early stop), values as with one candidate a task."""
    scn = ban_world()
    futures = Futures.sample(scn, 4, 5)
    portfolios = [{"reserve": float(q)} for q in range(0, 1600, 40)]
    values, steps = {}, {}
    for share, stop in ((False, False), (True, False), (True, True)):
        reports: list[int] = []
        kw: dict[str, Any] = dict(workers=workers, chunk_size=2, early_stop=stop)
        kw["progress"] = lambda done, total, seen=reports: seen.append(done)
        with Evaluator(scn, scn.decision.constraints, futures, **kw) as ev:
            assert ev.share_compile
            ev.share_compile = share
            values[share, stop] = np.stack(ev.evaluate(portfolios))
        steps[share, stop] = set(np.diff(reports).tolist())
    np.testing.assert_array_equal(values[False, False], values[True, False])
    ran = ~np.isnan(values[True, True])  # early stop leaves decided candidates' futures unrun
    np.testing.assert_array_equal(values[True, True][ran], values[False, False][ran])
    assert steps[False, False] == {2}  # one candidate's chunk a task
    assert steps[True, False] == {8 * 2}  # at most 8 a task, and 40 / 8 tasks a chunk is enough


def test_runs_of_one_network_draw_ahead_once_for_each_seed() -> None:
    """The outages and qualification days drawn ahead are remembered on the network for its
    variants; another seed draws its own, and the same seed gives a fresh network's draws."""
    scn = apply_portfolio(levered(), SIZES[0])
    row = Futures.sample(scn, 1, 3).rows()[0]

    def ahead(seed: int, net: Any) -> list[np.ndarray]:
        state = ss.Simulation(scn, child_seed(3, seed), overrides=row, compiled=net).state
        return [state.qualify_delay, state.outage_start, state.outage_end, state.outage_first]

    net = compile_run(scn, child_seed(3, 0), row)
    first, again = ahead(0, net), ahead(0, with_reserve_quantities(net, scn))
    fresh = ahead(0, compile_run(scn, child_seed(3, 0), row))
    other = ahead(1, net)
    for a, b, c in zip(first, again, fresh, strict=True):
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(a, c)
        assert a.flags.writeable and a is not b
    assert not np.array_equal(first[1], other[1])  # the outages of another stream
