"""Candidates whose larger reserves never run dry share a run (docs/model.md, "Candidates that
share a run"): the values must be exactly those of running every candidate, and the shortcut
must be taken only where the proof holds."""

from __future__ import annotations

import dataclasses
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

import supplyshock as ss
from supplyshock.analysis.evaluate import Evaluator
from supplyshock.analysis.futures import Futures, run_candidates
from supplyshock.analysis.slack import (
    covers,
    dry_reserves,
    levels_unread,
    levered_reserves,
    mix_confined,
    run_order,
)
from supplyshock.batch.replicate import child_seed
from supplyshock.batch.sampling import uncertain_parameters
from supplyshock.scenario.levers import ChanceConstraint, Lever, apply_portfolio
from supplyshock.sim.simulation import compile_run
from tests.analysis.test_robust import COVER, END, ban_world
from tests.analysis.test_robust import D as DAILY
from tests.analysis.test_shared_compile import CONSTRAINTS, levered
from tests.sim.builder import ban, build, chain

DELAY = 40.0
NEED = DAILY * (END - 1 - COVER - DELAY)  # 790 t: what the reserve releases at most


def test_the_worked_example_runs_four_of_five() -> None:
    """One future of the ban world in which the shortfall without a reserve is 790 t (test_robust's
    closed form). An ample reserve releases that and a little more while the buyer's stock is
    rebuilt (R t in all). Then 0 t (empty from the start), 395 t and 820 t (enough for the
    shortfall, but emptied) run, R + 20 t runs and ends holding 20 t, and 1,580 t takes its
    values: four runs for five candidates."""
    scn = ban_world()
    (key,) = uncertain_parameters(apply_portfolio(scn, {"reserve": 0.0}))
    future = {"seed": child_seed(7, 0), "overrides": {key: DELAY}}
    ample = ss.run(apply_portfolio(scn, {"reserve": 1580.0}), **future)
    released = 1580.0 - ample.reserves[-1, 0]
    assert ample.reserves[-1, 0] > 0 and NEED <= released <= 2 * NEED
    empty = ss.run(apply_portfolio(scn, {"reserve": 0.0}), **future)
    assert abs(empty.cubes["shortfall"].sum() - NEED) <= DAILY  # the closed form, to a day

    sizes = [1580.0, 0.0, NEED / 2, NEED + 3 * DAILY, released + 20.0]  # run in size order
    candidates = [apply_portfolio(scn, {"reserve": q}) for q in sizes]
    args = (candidates, 7, [0], [{key: DELAY}], scn.decision.constraints)
    shared = run_candidates(*args, share_compile=True, share_runs=True)
    alone = run_candidates(*args)
    assert shared.simulated == 4 and alone.simulated == 5
    np.testing.assert_array_equal(shared.values, alone.values)
    shortfall = shared.values[:, 0, 0]
    assert shortfall[0] == shortfall[4] == shortfall[3] == 0.0 < shortfall[2] < shortfall[1]


def test_sharing_gives_the_values_of_running_every_candidate() -> None:
    """Reference-scenario futures, two reserves, sizes from empty to ample: some candidates'
    reserves run dry and matter, others never do; values exactly as if each ran."""
    scn = levered("october_2025_suspended")
    assert levels_unread(scn, CONSTRAINTS)
    sizes = [(0, 0), (300, 2), (9_000, 40), (3_000, 40), (1_000, 4.9), (9_000, 4.9), (6_000, 40)]
    candidates = [apply_portfolio(scn, {"us": us, "jp": jp}) for us, jp in sizes]
    futures = Futures.sample(scn, 2, 11)
    args = (candidates, 11, [0, 1], futures.rows(), CONSTRAINTS)
    shared = run_candidates(*args, share_compile=True, share_runs=True)
    alone = run_candidates(*args)
    np.testing.assert_array_equal(shared.values, alone.values)
    assert shared.simulated < alone.simulated == 14
    assert len({tuple(v) for v in alone.values[:, 0].tolist()}) > 2  # the sizes matter


def assert_same_run_but_the_level(a: Any, b: Any, k: int) -> None:
    """Every flow, stock (but reserve ``k``'s) and delivery of ``b`` is ``a``'s bit for bit."""
    for name in ("production", "lost", "flow_series"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    held = [j for j, (_, sector, _) in enumerate(a.cells) if sector != "strategic_reserve"]
    for name in ("delivered", "inventory", "in_transit"):
        x, y = a.cell_series[name][:, held], b.cell_series[name][:, held]
        np.testing.assert_array_equal(x, y, err_msg=name)
    others = [i for i in range(a.reserves.shape[1]) if i != k]
    np.testing.assert_array_equal(a.reserves[:, others], b.reserves[:, others])


def test_a_covered_run_is_the_run_of_the_smaller_reserve_bit_for_bit() -> None:
    """The reference scenario with refilling reserves: a US magnet reserve of 9,000 t never
    runs dry in this future, so one of 10,000 t makes every flow, stock and delivery the same
    to the last bit; only its level differs (by the 1,000 t more it holds)."""
    scn = levered("october_2025_suspended")
    row, seed = Futures.sample(scn, 1, 0).rows()[0], child_seed(0, 0)
    a, b = (
        ss.run(apply_portfolio(scn, {"us": q, "jp": 4.9}), seed=seed, overrides=row)
        for q in (9_000.0, 10_000.0)
    )
    (k,) = [i for i, x in enumerate(a.reserve_labels) if x == ("USA", "ndfeb_magnet")]
    assert a.reserves[:, k].min() > 0 and np.any(np.diff(a.reserves[:, k]) > 0)  # it refills
    assert covers(np.array([9_000.0]), dry_reserves(a)[[k]], np.array([10_000.0]))
    assert_same_run_but_the_level(a, b, k)
    assert np.all(b.reserves[:, k] - a.reserves[:, k] == pytest.approx(1_000.0))


def test_a_reserve_that_refills_to_full_is_covered_bit_for_bit() -> None:
    """A ban of two months on a world of 400 days, and a reserve that buys back what its
    buyer holds above target: after the ban it refills to its initial size, the last day's
    refill being what it still lacks. That amount is kept as what it gave out less what it
    bought back, not as the initial size less the level, so a larger reserve buys back the
    same amounts to the last bit."""
    reserve = {"holder": "USA", "commodity": "magnet", "kind": "strategic", "quantity": 0.0,
               "release_trigger_days": 10, "release_rate_per_day": 100.0,
               "refill_rate_per_day": 50.0}  # fmt: skip
    data = chain(horizon=400, market_cover=COVER, lead=5, events=[ban(end="2025-03-01")],
                 stocks=[reserve])  # fmt: skip
    data["levers"] = {"reserve": {"target": "stocks[USA.magnet.strategic].quantity",
                                  "low": 0, "high": 2_000}}  # fmt: skip
    scn = build(data)
    a, b = (ss.run(apply_portfolio(scn, {"reserve": q}), seed=3) for q in (600.0, 1_580.3))
    level = a.reserves[:, 0]
    assert 0 < level.min() < 400 and level[-1] == pytest.approx(600.0, abs=1e-9)
    assert levels_unread(scn, [])
    assert_same_run_but_the_level(a, b, 0)


def test_a_refill_takes_the_same_amount_whatever_the_level() -> None:
    """The last buyback of a refill is what the reserve still lacks, kept as a sum of the
    day's amounts: two reserves holding 2 t and 1,000.1 t that lack a third of a tonne buy
    back exactly the same from the same buyer (as the initial size less the level, the two
    would differ in the last bits)."""
    from supplyshock.sim.kernels.morning import _refill

    taken = []
    for level in (2.0, 1000.1):
        inv, org_b = np.array([40.0]), np.array([[40.0 * 0.8]])
        need, target, buyers = np.array([1.0]), np.array([30.0]), np.array([0], dtype=np.int64)
        reserve, mix, drawn = np.array([level]), np.array([[0.5]]), np.array([1 / 3])
        _refill(0, inv, org_b, need, target, buyers, 5.0, reserve, mix, drawn)
        assert drawn[0] == 0.0 and reserve[0] == level + 1 / 3
        taken.append((inv[0], org_b[0, 0]))
    assert taken[0] == taken[1]


def test_covers_only_larger_sizes_of_reserves_that_never_ran_dry() -> None:
    a, b = np.array([10.0, 5.0]), np.array([20.0, 5.0])
    assert covers(a, np.array([False, True]), b)  # the reserve that ran dry is the same
    assert not covers(a, np.array([True, False]), b)  # the larger one ran dry
    assert not covers(b, np.array([False, False]), a)  # smaller sizes are never covered
    assert covers(a, np.array([True, True]), a.copy())  # the same sizes: the same run
    assert not covers(a, np.array([False, False]), np.array([20.0, 4.0]))


def test_a_candidate_runs_after_every_candidate_it_could_take_values_from() -> None:
    rng = np.random.default_rng(0)
    sizes = [rng.integers(0, 4, size=3).astype(float) for _ in range(60)]
    order = run_order(sizes)
    place = {k: i for i, k in enumerate(order)}
    for i, a in enumerate(sizes):
        for j, b in enumerate(sizes):
            if i != j and np.all(b >= a) and np.any(b > a):
                assert place[i] < place[j]


def _reserve_rule(scn: ss.Scenario) -> ss.Scenario:
    rule = {"id": "low", "when": {"quantity": "reserve", "countries": ["USA"],
            "commodities": ["magnet"], "below": 100},
            "then": {"type": "demand_shift", "countries": ["USA"], "commodity": "magnet",
                     "change": -0.1}}  # fmt: skip
    return ss.Scenario.model_validate({**scn.model_dump(by_alias=True), "rules": [rule]})


def _added(scn: ss.Scenario, event: dict[str, Any]) -> ss.Scenario:
    data = scn.model_dump(by_alias=True)
    data["events"] = [*data["events"], event]
    return ss.Scenario.model_validate(data)


def _share_release(scn: ss.Scenario) -> ss.Scenario:
    return _added(scn, {"type": "stockpile_release", "holder": "USA", "commodity": "magnet",
                        "start": "2025-03-01", "share": 0.5, "days": 10})  # fmt: skip


def _user_event(scn: ss.Scenario) -> ss.Scenario:
    import tests.events.user_types  # noqa: F401  (registers the strike type)

    return _added(scn, {"type": "strike", "facility": scn.facilities[0].id,
                        "start": "2025-03-01"})  # fmt: skip


def _content_rule_by_rule(scn: ss.Scenario) -> ss.Scenario:
    control = {"type": "export_control", "exporter": "CHN", "commodities": ["magnet"],
               "destinations": "all", "mode": "ban",
               "content_rule": {"origin": "CHN", "threshold": 0.001}}  # fmt: skip
    rule = {"id": "tighten", "from": "2025-03-01", "then": control}
    dated = {**control, "id": "traced", "start": "2025-06-20"}  # the rule's tracer, dated
    data = _added(scn, dated).model_dump(by_alias=True)
    return ss.Scenario.model_validate({**data, "rules": [rule]})


DEPLETION = ChanceConstraint(
    region="USA", commodity="magnet", metric="stockpile_depletion", at_most=0.5, probability=0.9
)


@pytest.mark.parametrize(
    "change",
    [_reserve_rule, _share_release, _user_event, _content_rule_by_rule, "reserve metric"],
    ids=[
        "reserve rule",
        "share release",
        "user event type",
        "rule's content rule",
        "reserve metric",
    ],
)
def test_nothing_is_shared_where_a_run_reads_reserve_levels(change: Any) -> None:
    scn = ban_world()
    assert levels_unread(scn, scn.decision.constraints)
    if change == "reserve metric":
        assert not levels_unread(scn, [*scn.decision.constraints, DEPLETION])
        return
    changed = change(scn)
    assert not levels_unread(changed, changed.decision.constraints)
    futures = Futures.sample(changed, 2, 5)
    with Evaluator(changed, changed.decision.constraints, futures, workers=1) as ev:
        assert ev.share_compile and not ev.share_runs
        ev.evaluate([{"reserve": q} for q in (800.0, 1200.0, 1600.0)])
    assert ev.simulated == ev.runs == 6


def test_a_mix_spreads_through_the_buyers_of_other_refilling_reserves() -> None:
    """Buyer 0 is facility 0's input, buyers 1 and 2 are markets; facility 0 ships to buyer 2
    on a link a content rule reads. Reserve 0 (its size varying) serves buyer 1; reserve 1
    serves buyers 1 and 0, so when both refill reserve 0's mix reaches facility 0 through
    reserve 1's buybacks and sales."""

    def net(refills: tuple[float, float]) -> Any:
        reserves = [
            SimpleNamespace(refill_rate_per_day=refills[0], eligible_buyers=np.array([1])),
            SimpleNamespace(refill_rate_per_day=refills[1], eligible_buyers=np.array([1, 0])),
        ]
        control = SimpleNamespace(content=np.array([True]))
        return SimpleNamespace(
            reserves=reserves, controls=[control], n_buyers=3, facilities=["f0"],
            buyer_facility=np.array([0, -1, -1]), link_supplier=np.array([0]),
            link_buyer=np.array([2]),
        )  # fmt: skip

    varying = np.array([True, False])
    assert not mix_confined(net((1.0, 1.0)), varying)
    assert mix_confined(net((1.0, 0.0)), varying)  # reserve 1 takes no content in
    assert mix_confined(net((0.0, 1.0)), varying)  # reserve 0's mix never changes
    assert not mix_confined(net((1.0, 1.0)), np.array([False, True]))  # reserve 1 serves f0


def test_a_refilling_reserve_shares_only_if_its_mix_reaches_no_content_rule() -> None:
    """In the bundled world all five reserves refill. The US magnet and the Japanese gallium
    reserves serve fabs and datacenters whose goods go nowhere the October 2025 content rule
    reads; the Japanese dysprosium oxide reserve serves magnet makers whose exports it reads.
    A larger reserve's mix differs, which matters only where it reaches a content rule."""
    scn = levered("october_2025_suspended")
    net = compile_run(apply_portfolio(scn, {"us": 500.0, "jp": 4.9}), child_seed(0, 0))
    labels = [(net.countries[r.country], net.commodities[r.commodity]) for r in net.reserves]
    mask = {label: np.array([x == label for x in labels]) for label in labels}
    assert all(r.refill_rate_per_day > 0 for r in net.reserves)
    sized = [label for label, on in zip(labels, levered_reserves(scn), strict=True) if on]
    assert sized == [("JPN", "gallium"), ("USA", "ndfeb_magnet")]  # the two levers' reserves
    us, ga, dy = mask[("USA", "ndfeb_magnet")], mask[("JPN", "gallium")], mask[("JPN", "dy_oxide")]
    assert mix_confined(net, us) and mix_confined(net, ga) and mix_confined(net, us | ga)
    assert not mix_confined(net, dy) and not mix_confined(net, us | dy)
    unread = dataclasses.replace(net, controls=())  # without content rules nothing is read
    assert mix_confined(unread, dy)

    lever = Lever(target="stocks[JPN.dy_oxide.strategic].quantity", low=0, high=500)
    scn = scn.model_copy(update={"levers": {"dy": lever}})
    candidates = [apply_portfolio(scn, {"dy": q}) for q in (0.0, 200.0, 500.0)]
    args = (candidates, 3, [0], Futures.sample(scn, 1, 3).rows(), CONSTRAINTS)
    assert levels_unread(scn, CONSTRAINTS)
    assert run_candidates(*args, share_compile=True, share_runs=True).simulated == 3


@pytest.mark.parametrize("workers", [1, 2])
def test_a_search_shares_runs_with_the_same_values(workers: int) -> None:
    """Forty reserve sizes of the ban world on four futures: the same values with and without
    sharing runs, and fewer runs with it."""
    scn = ban_world()
    futures = Futures.sample(scn, 4, 5)
    portfolios = [{"reserve": float(q)} for q in range(0, 1600, 40)]
    values, made = {}, {}
    for share in (False, True):
        with Evaluator(scn, scn.decision.constraints, futures, workers=workers) as ev:
            assert ev.share_runs
            ev.share_runs = share
            values[share] = np.stack(ev.evaluate(portfolios))
        made[share] = (ev.runs, ev.simulated)
    np.testing.assert_array_equal(values[False], values[True])
    assert made[False] == (160, 160)
    assert made[True][0] == 160 and made[True][1] < 140


def test_runs_of_earlier_tasks_cover_later_candidates() -> None:
    """Candidates asked for one at a time (as bisection asks): a later, larger candidate takes
    the values of an earlier run in every future where that run's reserve never ran dry, and
    runs only in the others; the values are those of running it."""
    scn = ban_world()
    futures = Futures.sample(scn, 6, 5)
    asked = [{"reserve": 1_560.0}, {"reserve": 1_590.0}, {"reserve": 200.0}]
    values, made = {}, {}
    for share in (False, True):
        with Evaluator(scn, scn.decision.constraints, futures, workers=1) as ev:
            ev.share_runs = share
            values[share] = [ev.evaluate([p])[0] for p in asked]
            made[share] = ev.simulated
    for a, b in zip(values[False], values[True], strict=True):
        np.testing.assert_array_equal(a, b)
    first = ss.run(
        apply_portfolio(scn, asked[0]), seed=child_seed(5, 0), overrides=futures.rows()[0]
    )
    assert first.reserves[:, 0].min() > 0  # so the second candidate is covered in future 0
    assert made[False] == 18 and 12 <= made[True] < 18  # the 200 t candidate runs everywhere


class _Counting(ThreadPoolExecutor):
    """A thread pool that records the most tasks submitted and not yet done."""

    def __init__(self) -> None:
        super().__init__(2)
        self.live, self.most = 0, 0

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Any:
        self.live += 1
        self.most = max(self.most, self.live)
        future = super().submit(fn, *args, **kwargs)
        future.add_done_callback(lambda _: setattr(self, "live", self.live - 1))
        return future


@pytest.mark.parametrize("workers", [2, None])
def test_a_pool_of_known_size_gets_a_few_tasks_at_a_time(workers: int | None) -> None:
    """The caller's executor with ``workers`` given (as robust_search passes its pool) gets
    two tasks per worker at a time, so later tasks carry earlier runs; one of unknown size (a
    cluster) gets them all at once."""
    scn = ban_world()
    portfolios = [{"reserve": float(q)} for q in range(0, 1600, 100)]
    futures = Futures.sample(scn, 4, 5)
    kw: dict[str, Any] = {"workers": workers, "chunk_size": 1}
    with _Counting() as pool, Evaluator(scn, scn.decision.constraints, futures, executor=pool,
                                        **kw) as ev:  # fmt: skip
        ev.evaluate(portfolios)
    assert pool.most == (4 if workers == 2 else 16)  # 16 tasks: 4 futures x 4 tasks of 4
