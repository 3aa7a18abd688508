"""The robust portfolio search on a world whose optimum is known in closed form.

One member (USA) buys magnets from one supplier (CHN), which bans exports until day
``END``; the ban begins on day ``1 + L``, where ``L ~ uniform(0, SPREAD)`` days is drawn per
future (a suspension from day 0 to day 1 whose snapback comes after ``L`` days). Firm stocks
cover ``COVER`` days, so without a reserve the shortfall is ``need(L) = D * (END - 1 - COVER -
L)``; a strategic reserve of ``Q`` t released below 10 days of cover removes ``Q`` of it. The
cheapest reserve with ``P(shortfall <= X) >= P`` is therefore the ``P`` quantile of the need
minus ``X``: ``Q* = D * (END - 1 - COVER - SPREAD * (1 - P)) - X``.
"""

from __future__ import annotations

import itertools
import math
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import supplyshock as ss
from supplyshock.analysis.chance import Recheck
from supplyshock.analysis.evaluate import EvaluationError, Evaluator
from supplyshock.analysis.futures import Futures, run_futures
from supplyshock.analysis.robust import robust_search
from supplyshock.batch.sampling import uncertain_parameters
from supplyshock.errors import ScenarioError
from supplyshock.scenario.levers import ChanceConstraint, apply_portfolio
from tests.sim.builder import ban, build, chain, suspend

D, COVER, END, SPREAD = 10.0, 30, 150, 60.0
X, P = 50.0, 0.9
Q_STAR = D * (END - 1 - COVER - SPREAD * (1 - P)) - X  # 1080 t
RESOLUTION = 10.0


def ban_world(**decision: Any) -> ss.Scenario:
    events = [
        ban(end="2025-05-31"),  # day 150
        suspend(
            end="2025-01-02",
            snapback=True,
            snapback_delay_days={"dist": "uniform", "loc": 0, "scale": SPREAD},
        ),
    ]
    reserve = {"holder": "USA", "commodity": "magnet", "kind": "strategic", "quantity": 0.0,
               "release_trigger_days": 10, "release_rate_per_day": 100.0}  # fmt: skip
    data = chain(horizon=200, market_cover=COVER, lead=5, events=events, stocks=[reserve])
    data["levers"] = {
        "reserve": {"target": "stocks[USA.magnet.strategic].quantity", "low": 0, "high": 1600,
                    "unit": "t", "capital_cost": 60_000, "annual_cost": 3_000},
    }  # fmt: skip
    constraint = {"region": "USA", "commodity": "magnet", "metric": "shortfall",
                  "at_most": X, "probability": P}  # fmt: skip
    data["decision"] = {"discount_rate": 0.05, "constraints": [constraint], **decision}
    return build(data)


def need(delay: np.ndarray | float) -> np.ndarray:
    return np.asarray(D * (END - 1 - COVER - np.asarray(delay)))


def test_the_world_needs_what_the_closed_form_says() -> None:
    scn = apply_portfolio(ban_world(), {"reserve": 0.0})
    (key,) = uncertain_parameters(scn)
    for delay, reserve in ((10.0, 0.0), (40.0, 0.0), (10.0, 500.0)):
        run = ss.run(apply_portfolio(ban_world(), {"reserve": reserve}), seed=0,
                     overrides={key: delay})  # fmt: skip
        short = run.cubes["shortfall"].sum()
        assert short == pytest.approx(max(float(need(delay)) - reserve, 0.0), abs=D), delay


def test_search_finds_the_quantile_of_the_need() -> None:
    scn = ban_world()
    found = robust_search(scn, futures=100, seed=3, workers=1, recheck_futures=0,
                          resolution={"reserve": RESOLUTION}, front_points=0)  # fmt: skip
    assert found.best is not None
    reserve = found.best.portfolio["reserve"]
    # exactly the sample-average optimum: the ceil(P N)-th smallest need of these futures - X
    futures = Futures.sample(scn, 100, 3)
    needs = np.sort(need(futures.design.iloc[:, 0].to_numpy()))
    saa = needs[math.ceil(P * 100) - 1] - X
    assert reserve == pytest.approx(saa, abs=RESOLUTION + D)
    # and the true optimum within 4 standard errors of a sample quantile (in t) + resolution
    stderr = D * SPREAD * math.sqrt(P * (1 - P) / 100)
    assert reserve == pytest.approx(Q_STAR, abs=4 * stderr + RESOLUTION)
    assert found.best.feasible and found.best.met[0] >= P
    cheaper = [c for c in found.candidates if c.cost < found.best.cost]
    assert cheaper and not any(c.feasible for c in cheaper)


def test_grid_search_picks_the_first_feasible_grid_value() -> None:
    found = robust_search(ban_world(), futures=40, seed=1, workers=1, method="grid",
                          grid_points=9, recheck_futures=0, front_points=0)  # fmt: skip
    assert len(found.candidates) == 9
    values = sorted(c.portfolio["reserve"] for c in found.candidates if c.feasible)
    assert found.best is not None and found.best.portfolio["reserve"] == values[0]
    assert found.best.portfolio["reserve"] == 1200.0  # the grid value just above Q* = 1080


def test_recheck_on_fresh_futures_meets_the_constraint_within_sampling_error() -> None:
    # seed 7 is a hard case: its 60 futures put the boundary 35 t below the true optimum
    scn = ban_world()
    kw: dict[str, Any] = dict(futures=60, seed=7, workers=1, recheck_futures=150,
                              resolution={"reserve": RESOLUTION}, front_points=0)  # fmt: skip
    found = robust_search(scn, **kw)
    assert found.recheck is not None and found.recheck.n == 150
    table = found.constraint_table()
    share = table.loc[0, "met_fresh"]
    assert table.loc[0, "wilson_low"] <= share <= table.loc[0, "wilson_high"]
    assert table.loc[0, "stderr"] == pytest.approx(math.sqrt(share * (1 - share) / 150))
    both = math.sqrt(P * (1 - P) / 60 + share * (1 - share) / 150)
    assert P - share <= 1.96 * both and table.loc[0, "within_error"]
    # asking for a margin of about one search standard error moves the portfolio up
    safer = robust_search(scn, **kw, margin=0.05)
    assert safer.best is not None and found.best is not None
    assert safer.best.portfolio["reserve"] > found.best.portfolio["reserve"]
    assert safer.recheck is not None and safer.recheck.meets
    # a reserve 200 t short of the optimum fails the same re-check: it can tell them apart
    fresh = Futures.sample(scn, 150, found.recheck.seed)
    with Evaluator(scn, found.constraints, fresh, workers=1) as evaluator:
        (values,) = evaluator.evaluate([{"reserve": Q_STAR - 200}])
    short = Recheck(150, fresh.seed, np.array([int((values[:, 0] <= X).sum())]), np.array([P]))
    assert not short.meets and not short.within_error(60).any()


def test_pareto_front_is_cost_ordered_and_risk_decreasing() -> None:
    found = robust_search(ban_world(), futures=30, seed=2, workers=1, recheck_futures=0,
                          resolution={"reserve": 50.0}, front_points=3)  # fmt: skip
    front = found.front()
    assert len(front) >= 3
    assert all(a.cost < b.cost and a.risk > b.risk for a, b in itertools.pairwise(front))
    table = found.table()
    assert table["on_front"].sum() == len(front) and table["best"].sum() == 1


def test_rerun_with_out_reuses_evaluations(tmp_path: Path) -> None:
    kw: dict[str, Any] = dict(futures=20, seed=4, workers=1, resolution={"reserve": 100.0},
                              front_points=0, out=tmp_path)  # fmt: skip
    first = robust_search(ban_world(), **kw)
    again = robust_search(ban_world(), **kw)
    assert first.runs > 0 and again.runs == 0
    assert again.best is not None and first.best is not None
    assert again.best.portfolio == first.best.portfolio
    with pytest.raises(EvaluationError, match="another search"):
        robust_search(ban_world(), **{**kw, "seed": 9})


@pytest.mark.parametrize("workers", [1, 2])
def test_an_interrupted_evaluation_resumes_from_its_finished_tasks(
    tmp_path: Path, workers: int
) -> None:
    """Each task's values are kept as it lands: a rerun runs only the others, and gives the
    values of an evaluation never interrupted, bit for bit. The candidates differ only in the
    reserve's size: one worker runs both in a task of two futures (4 runs), two get a task
    per candidate (2 runs), at least as many tasks as the pool runs at a time."""
    scn = ban_world()
    futures, constraints = Futures.sample(scn, 8, 3), scn.decision.constraints
    portfolios = [{"reserve": 300.0}, {"reserve": 900.0}]
    with Evaluator(scn, constraints, futures, workers=1) as evaluator:
        whole = evaluator.evaluate(portfolios)
    reports: list[int] = []

    def interrupt_after_three_tasks(done: int, total: int) -> None:
        reports.append(done)
        if len(reports) == 4:  # the report at the start, then one per task
            raise KeyboardInterrupt

    kw: dict[str, Any] = dict(workers=workers, chunk_size=2, out=tmp_path)
    stopping = Evaluator(scn, constraints, futures, progress=interrupt_after_three_tasks, **kw)
    with stopping, pytest.raises(KeyboardInterrupt):
        stopping.evaluate(portfolios)
    per_task = 4 if workers == 1 else 2
    assert reports[:4] == [0, per_task, 2 * per_task, 3 * per_task]
    assert len(list((tmp_path / "candidates" / "chunks").glob("*.npy"))) == 3 * per_task // 2
    with Evaluator(scn, constraints, futures, **kw) as evaluator:
        resumed = evaluator.evaluate(portfolios)
        assert evaluator.runs == 2 * 8 - 3 * per_task
    for a, b in zip(whole, resumed, strict=True):
        np.testing.assert_array_equal(a, b)
    assert not list((tmp_path / "candidates" / "chunks").glob("*.npy"))  # dropped once done


def test_executor_and_batch_paths_give_the_same_values(tmp_path: Path) -> None:
    scn = ban_world()
    futures = Futures.sample(scn, 6, 8)
    portfolio = {"reserve": 700.0}
    with Evaluator(scn, scn.decision.constraints, futures, workers=1) as evaluator:
        (alone,) = evaluator.evaluate([portfolio])
    constraints = scn.decision.constraints
    with (
        ProcessPoolExecutor(max_workers=2) as pool,
        Evaluator(scn, constraints, futures, executor=pool, chunk_size=2) as ev,
    ):
        (pooled,) = ev.evaluate([portfolio])
    with Evaluator(scn, scn.decision.constraints, futures, workers=1, via="batch",
                   out=tmp_path) as evaluator:  # fmt: skip
        (batched,) = evaluator.evaluate([portfolio])
    np.testing.assert_allclose(pooled, alone)
    np.testing.assert_allclose(batched, alone)
    assert alone.std() > 0  # the futures differ


def test_a_task_hashes_its_scenario_once(monkeypatch: pytest.MonkeyPatch) -> None:
    scn = apply_portfolio(ban_world(), {"reserve": 700.0})
    futures = Futures.sample(scn, 3, 8)
    hashed = []
    original = ss.Scenario.content_hash

    def counted(self: ss.Scenario) -> str:
        hashed.append(self.name)
        return original(self)

    monkeypatch.setattr(ss.Scenario, "content_hash", counted)
    run_futures(scn, 8, [0, 1, 2], futures.rows(), scn.decision.constraints)
    assert hashed == [scn.name]


def test_windowed_constraint_counts_only_its_days() -> None:
    scn = ban_world()
    late = ChanceConstraint(region="USA", commodity="magnet", metric="shortfall", at_most=X,
                            probability=P, start="2025-06-15")  # fmt: skip
    everything = scn.decision.constraints[0]
    with Evaluator(scn, [everything, late], Futures.sample(scn, 4, 0), workers=1) as evaluator:
        (values,) = evaluator.evaluate([{"reserve": 0.0}])
    assert (values[:, 0] > 500).all() and (values[:, 1] == 0).all()  # the ban ends on day 150


def test_bloc_constraint_counts_members() -> None:
    scn = ban_world()
    bloc = ChanceConstraint(region="alliance", commodity="magnet", metric="unmet_share",
                            at_most=0.05, probability=P)  # fmt: skip
    share = ChanceConstraint(region="USA", commodity="magnet", metric="unmet_share",
                             at_most=0.05, probability=P)  # fmt: skip
    with Evaluator(scn, [bloc, share], Futures.sample(scn, 3, 0), workers=1) as evaluator:
        (values,) = evaluator.evaluate([{"reserve": 0.0}])
    np.testing.assert_allclose(values[:, 0], values[:, 1])  # USA is the only buyer
    assert (values[:, 0] > 0.2).all()


def test_infeasible_bounds_give_no_best_and_no_recheck() -> None:
    scn = ban_world()
    found = robust_search(scn, levers={"reserve": scn.levers["reserve"].model_copy(
        update={"high": 300.0})}, futures=10, workers=1, front_points=0)  # fmt: skip
    assert found.best is None and found.recheck is None
    assert found.candidates and not any(c.feasible for c in found.candidates)


def test_bad_search_input_is_a_scenario_error() -> None:
    scn = ban_world()
    bad = ChanceConstraint(region="USA", commodity="magnet", metric="shortfal", at_most=1,
                           probability=0.9)  # fmt: skip
    with pytest.raises(ScenarioError, match="did you mean 'shortfall'"):
        robust_search(scn, [bad], futures=2, workers=1)
    windowed = ChanceConstraint(region="USA", commodity="magnet", metric="stockpile_depletion",
                                at_most=1, probability=0.9, end="2025-03-01")  # fmt: skip
    with pytest.raises(ScenarioError, match="only to demand metrics"):
        robust_search(scn, [windowed], futures=2, workers=1)
    wrong_place = ChanceConstraint(region="USB", commodity="magnet", at_most=1, probability=0.9)
    with pytest.raises(ScenarioError, match="did you mean 'USA'"):
        robust_search(scn, [wrong_place], futures=2, workers=1)
    with pytest.raises(ScenarioError, match="did you mean 'reserve'"):
        robust_search(scn, levers=["reserv"], futures=2, workers=1)
    with pytest.raises(ScenarioError, match="no chance constraints"):
        robust_search(scn.model_copy(update={"decision": scn.decision.model_copy(
            update={"constraints": []})}), futures=2, workers=1)  # fmt: skip
    # every problem at once: an unknown lever and an unknown metric are both listed
    with pytest.raises(ScenarioError) as both:
        robust_search(scn, [bad], levers=["reserv"], futures=2, workers=1)
    assert [p.field for p in both.value.problems] == ["levers", "decision.constraints[0].metric"]


@pytest.mark.parametrize("workers", [1, 2])
def test_early_stop_makes_the_same_decisions_with_fewer_runs(workers: int) -> None:
    # with 2 workers every run a worker made counts, also those of a candidate decided meanwhile
    kw: dict[str, Any] = dict(futures=60, seed=6, workers=workers, recheck_futures=0,
                              front_points=0, method="grid", grid_points=9)  # fmt: skip
    full = robust_search(ban_world(), **kw)
    quick = robust_search(ban_world(), **kw, early_stop=True)
    assert [c.feasible for c in quick.candidates] == [c.feasible for c in full.candidates]
    assert quick.best is not None and full.best is not None
    assert quick.best.portfolio == full.best.portfolio
    assert quick.runs < full.runs
    stopped = [c for c in quick.candidates if not c.complete]
    assert stopped and all(c.complete for c in full.candidates)
    risks = {c.portfolio["reserve"]: c.risk for c in full.candidates}
    assert all(c.risk >= risks[c.portfolio["reserve"]] for c in stopped)  # an upper bound


def two_lever_world() -> ss.Scenario:
    """The ban world plus a US magnet plant whose size is a second lever (it makes magnets at
    home, so it shrinks the need during the ban)."""
    scn = ban_world()
    plant = {"type": "new_capacity", "id": "us_plant", "facility": {
        "id": "us_maker", "kind": "magnet_maker", "country": "USA", "output": "magnet",
        "capacity_per_year": 0.0, "start": "2025-01-01"}}  # fmt: skip
    data = scn.model_dump(mode="json", by_alias=True, exclude={"origin_file"})
    data["events"].append(plant)
    data["levers"]["plant"] = {"target": "events[us_plant].facility.capacity_per_year",
                               "low": 0, "high": 1825, "unit": "t/yr",
                               "capital_cost": 200_000}  # fmt: skip
    return build(data)


def test_bisection_over_two_levers_matches_the_grid() -> None:
    scn = two_lever_world()
    kw: dict[str, Any] = dict(futures=20, seed=2, workers=1, recheck_futures=0, front_points=0)
    bisected = robust_search(scn, **kw, grid_points=3, resolution={"plant": 20.0})
    grid = robust_search(scn, **kw, method="grid", grid_points=5)
    assert bisected.best is not None and grid.best is not None
    # the plant is the inner (last) lever: each reserve level gets its own bisection, then the
    # coordinate descent lowers the reserve off its grid (the optimum is about 1,100 t)
    reserves = {c.portfolio["reserve"] for c in bisected.candidates}
    assert {0.0, 800.0, 1600.0} < reserves
    assert bisected.best.feasible and bisected.best.portfolio["reserve"] not in (800.0, 1600.0)
    assert bisected.best.cost <= grid.best.cost * (1 + 1e-9)
    # and no evaluated portfolio that is feasible is cheaper than the one chosen
    assert min(c.cost for c in bisected.candidates if c.feasible) == bisected.best.cost
