"""Benchmark: supplyshock against SupplyNetPy on the same simple serial network.

SupplyNetPy (PyPI ``supplynetpy``, 0.5.x) is *not* a dependency of supplyshock. Run this
script with an interpreter that has both packages, for example a scratch venv outside the repo:

    python3 -m venv /tmp/snp-venv
    /tmp/snp-venv/bin/pip install -e . supplynetpy      # from the repository root
    /tmp/snp-venv/bin/python benchmarks/supplynetpy_compare.py

or from any interpreter, handing the run to one that has both:

    .venv/bin/python benchmarks/supplynetpy_compare.py --python /tmp/snp-venv/bin/python

Without ``supplynetpy`` importable the script prints why and exits 0 without writing anything.
It writes ``benchmarks/results/supplynetpy.json`` and ``benchmarks/results/supplynetpy.md``.

Networks (constant demand of 10 units per retailer and day, 365 simulated days):

- ``serial_1x1``: one supplier with ample raw material -> one distributor with an (s, S) policy
  -> one retailer facing demand;
- ``fan_5x50``: one supplier -> 5 distributors -> 50 retailers, each retailer served by one
  distributor (10 per distributor).

Mapping (see ``SEMANTIC_DIFFERENCES`` below for what cannot be made equal):

- SupplyNetPy: ``infinite_supplier`` -> ``distributor`` InventoryNode with ``SSReplenishment``
  -> ``retailer`` InventoryNode with ``SSReplenishment`` -> ``Demand`` (one order of 10 units
  every time unit, ``consume_available=True`` so a short order takes what is there and the rest
  is lost). Links carry the lead times. Initial inventory = S, nothing in transit.
- supplyshock: the supplier is a ``mine`` facility making ``raw`` with ample capacity; each
  distributor is a facility turning 1 ``raw`` into 1 ``goods`` (ample handling capacity) whose
  inventory is its input stock of ``raw`` (``days_of_cover`` set by a firm stock row, output
  buffer 0); each retailer is a final-demand row (a *market*: a stock of ``goods`` with
  ``market_days_of_cover``, consumed at 10/day, unmet demand lost). Each distributor sits in
  its own invented country (DSA, DSB, ...) with its retailers as demand rows in the same country
  (sector r00, r01, ...), so retailers buy only from their own distributor at
  ``settings.domestic_lead_time_days``; the supplier's country (SUP) reaches each distributor
  country by an exact lane. ``order_smoothing_days = 1`` makes the buyers' rule a plain daily
  order-up-to policy; its order-up-to position ``days_of_cover x need + need x lead`` is set
  equal to the (s, S) policy's S, i.e. ``days_of_cover = S / daily demand - lead``.

Cost is measured per *node-day* (nodes = supplier + distributors + retailers, the same count in
both models; SupplyNetPy's Demand objects and supplyshock's links are not counted), best of N
repeats with ``time.perf_counter``, and expressed in bare-SimPy-timeout equivalents measured in
the same process: ``seconds per node-day x bare SimPy timeouts per second``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import platform
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent

DAYS = 365
DEMAND = 10.0  # units per retailer and day
LEAD_SUPPLIER = 5  # days, supplier -> distributor
LEAD_DOMESTIC = 2  # days, distributor -> retailer
START = "2025-01-01"

NETWORKS = {"serial_1x1": (1, 1), "fan_5x50": (5, 10)}  # (distributors, retailers each)

SEMANTIC_DIFFERENCES = [
    "Replenishment rule: SupplyNetPy uses a true (s, S) policy, reviewed whenever inventory "
    "drops, ordering S - position in one batch when position <= s. supplyshock has no reorder "
    "point: every buyer orders every day (need + gap / order_smoothing_days, here smoothing 1, "
    "i.e. a daily order-up-to / base-stock policy, equivalent to (s, S) with S - s = one day's "
    "demand). Only S is mapped (order-up-to position = days_of_cover x need + need x lead); s "
    "and the batch size have no counterpart, so supplyshock holds more stock on average "
    "(about S - lead-time demand instead of about s - lead-time demand + (S - s) / 2).",
    "Retailer policy: the brief gives (s, S) only at the distributor; SupplyNetPy needs a "
    "replenishment policy at the retailer too, so the retailer also runs (s, S). In "
    "supplyshock the retailer is a market with the same order-up-to rule as every buyer.",
    "What a retailer is: in supplyshock a retailer is a final-demand row (market), not a "
    "facility; it holds stock and consumes, but cannot sell on. A distributor is a facility "
    "with a 1:1 recipe (raw -> goods) and ample capacity, so its inventory is its input stock; "
    "SupplyNetPy's distributor is an InventoryNode holding the same product it sells.",
    "Start state: supplyshock starts in steady state (stocks at target, pipelines full, "
    "smoothed order signals at the steady rate). SupplyNetPy starts with inventory = S at every "
    "site and nothing in transit, so its first replenishment cycle is a start-up transient "
    "(all retailers of a distributor order at the same moment, in sync, for the whole run).",
    "Time: supplyshock advances in whole days (one vectorised step per day for all nodes, "
    "orders, production, shipping and consumption in a fixed order within the day; lead times "
    "rounded to whole days, at least 1). SupplyNetPy is event-driven: each customer order, "
    "replenishment order and shipment is its own SimPy process, and same-time events run in "
    "scheduling order.",
    "Partial shipments: a SupplyNetPy supplier ships a replenishment order only when it can "
    "send all of it (orders queue FIFO); a supplyshock supplier ships what it has each day, "
    "pro rata among buyers of the same rank, and the unfilled part is not backlogged but "
    "re-ordered through the next day's gap.",
    "Customer demand: SupplyNetPy demand is one order of 10 units per time unit at t = 0..364 "
    "(consume_available=True: a short order takes what is there, the rest is lost). supplyshock "
    "consumes 10/day from market stock; what is missing is lost. Both are lost-sales models, "
    "neither backlogs customers.",
    "Supplier: SupplyNetPy's infinite_supplier has infinite stock; supplyshock's supplier is a "
    "facility with a finite (here ample, 100x demand) daily capacity and no output buffer, "
    "producing to order each day.",
    "Capacities: SupplyNetPy inventories have capacity S (orders are cut to fit); supplyshock "
    "stocks have no capacity limit, and the distributor's handling capacity is ample (100x its "
    "daily demand).",
    "Work done per node-day differs: supplyshock also tracks policy gates, supplier switching, "
    "strategic reserves and a daily record of every facility and market; SupplyNetPy also "
    "keeps costs, profit, per-link and per-node statistics and formats log messages (logging "
    "off) on every event. Neither library's extra bookkeeping was switched off beyond what "
    "its public API allows.",
]


# --------------------------------------------------------------------------- parameters


def ss_params(n_retailers: int) -> dict[str, float]:
    """(s, S) of a retailer and of a distributor serving ``n_retailers`` retailers.

    Retailer: s = lead-time demand + 2 days of safety, S = s + a week of demand.
    Distributor: s = lead-time demand + one retailer batch per retailer (retailers order in
    sync), S = s + two weeks of demand.
    """
    s_r = DEMAND * (LEAD_DOMESTIC + 2)
    big_s_r = s_r + 7 * DEMAND
    rate = n_retailers * DEMAND
    s_d = rate * LEAD_SUPPLIER + n_retailers * (big_s_r - s_r)
    big_s_d = s_d + 14 * rate
    return {
        "s_retailer": s_r,
        "S_retailer": big_s_r,
        "s_distributor": s_d,
        "S_distributor": big_s_d,
    }


def country_code(i: int) -> str:
    """DSA, DSB, ... : invented 3-letter country codes, one per distributor (up to 26)."""
    if not 0 <= i < 26:
        raise ValueError("at most 26 distributors")
    return "DS" + chr(ord("A") + i)


# --------------------------------------------------------------------------- supplyshock


def supplyshock_data(n_dist: int, n_ret: int) -> dict[str, Any]:
    """The scenario dict for ``n_dist`` distributors with ``n_ret`` retailers each."""
    p = ss_params(n_ret)
    rate = n_ret * DEMAND
    countries = [country_code(i) for i in range(n_dist)]
    return {
        "name": f"supplynetpy_compare_{n_dist}x{n_dist * n_ret}",
        "start": START,
        "horizon_days": DAYS,
        "settings": {
            "order_smoothing_days": 1.0,
            "domestic_lead_time_days": LEAD_DOMESTIC,
            "market_days_of_cover": p["S_retailer"] / DEMAND - LEAD_DOMESTIC,
            "output_days_of_cover": 0.0,
            "allocation": "pro_rata",
        },
        "commodities": [
            {"id": "raw", "usd_per_unit": 1.0},
            {"id": "goods", "usd_per_unit": 1.0},
        ],
        "countries": [{"iso3": "SUP"}] + [{"iso3": c} for c in countries],
        "facilities": [
            {
                "id": "supplier",
                "kind": "mine",
                "country": "SUP",
                "output": "raw",
                "capacity_per_year": 100 * n_dist * rate * 365,
            }
        ]
        + [
            {
                "id": f"dist_{c}",
                "kind": "other",
                "country": c,
                "output": "goods",
                "recipe": "handle",
                "capacity_per_year": 100 * rate * 365,
            }
            for c in countries
        ],
        "recipes": [{"recipe": "handle", "input": "raw", "per_unit": 1.0}],
        "lanes": [
            {"origin": "SUP", "destination": c, "lead_time_days": LEAD_SUPPLIER} for c in countries
        ],
        "demand": [
            {"country": c, "commodity": "goods", "per_year": DEMAND * 365, "sector": f"r{j:02d}"}
            for c in countries
            for j in range(n_ret)
        ],
        "stocks": [
            {
                "holder": f"dist_{c}",
                "commodity": "raw",
                "days_of_cover": p["S_distributor"] / rate - LEAD_SUPPLIER,
            }
            for c in countries
        ],
    }


def run_supplyshock(n_dist: int, n_ret: int) -> tuple[float, float, dict[str, Any]]:
    """Build (validate + compile) and simulate once: build seconds, sim seconds, facts."""
    import numpy as np

    from supplyshock.model.compile import compile_scenario
    from supplyshock.scenario.schema import Scenario
    from supplyshock.sim.engine import simulate

    data = supplyshock_data(n_dist, n_ret)
    param_seq, sim_seq = np.random.SeedSequence(0).spawn(2)
    t0 = time.perf_counter()
    scn = Scenario.model_validate(data)
    net = compile_scenario(scn, param_seq)
    t1 = time.perf_counter()
    recorder, state, events = simulate(net, sim_seq)
    t2 = time.perf_counter()
    demanded = float(net.demand.sum())
    delivered = float(state.delivered.sum())
    stock = recorder.stock  # end-of-day stock: distributor inputs, then markets (retailers)
    facts = {
        "facilities": len(net.facilities),
        "buyers": net.n_buyers,
        "markets": net.n_buyers - net.n_inputs,
        "links": net.n_links,
        "simpy_events": events,
        "demanded": demanded,
        "delivered": delivered,
        "fill_rate": delivered / demanded,
        "avg_stock_per_distributor": float(stock[:, : net.n_inputs].mean()),
        "avg_stock_per_retailer": float(stock[:, net.n_inputs : net.n_buyers].mean()),
    }
    return t1 - t0, t2 - t1, facts


def check_supplyshock_scenarios() -> None:
    """Fail loudly if a benchmark scenario does not pass supplyshock's cross-checks."""
    from supplyshock.scenario.checks import check
    from supplyshock.scenario.schema import Scenario

    for n_dist, n_ret in NETWORKS.values():
        problems = check(Scenario.model_validate(supplyshock_data(n_dist, n_ret)))
        if problems:
            raise SystemExit(f"benchmark scenario {n_dist}x{n_ret} is invalid: {problems}")


# --------------------------------------------------------------------------- SupplyNetPy


def run_supplynetpy(n_dist: int, n_ret: int) -> tuple[float, float, dict[str, Any]]:
    """Build (create_sc_net) and simulate (simulate_sc_net) once: seconds, seconds, facts."""
    import SupplyNetPy.Components as scm

    p = ss_params(n_ret)
    t0 = time.perf_counter()
    nodes: list[dict[str, Any]] = [
        {"ID": "S", "name": "supplier", "node_type": "infinite_supplier", "logging": False}
    ]
    links: list[dict[str, Any]] = []
    demands: list[dict[str, Any]] = []
    for i in range(n_dist):
        d_id = f"D{i}"
        nodes.append(
            {
                "ID": d_id,
                "name": d_id,
                "node_type": "distributor",
                "capacity": p["S_distributor"],
                "initial_level": p["S_distributor"],
                "inventory_holding_cost": 0.0,
                "replenishment_policy": scm.SSReplenishment,
                "policy_param": {"s": p["s_distributor"], "S": p["S_distributor"]},
                "product_buy_price": 1.0,
                "product_sell_price": 1.0,
                "logging": False,
            }
        )
        links.append(
            {
                "ID": f"L_S_{d_id}",
                "source": "S",
                "sink": d_id,
                "cost": 0,
                "lead_time": LEAD_SUPPLIER,
            }
        )
        for j in range(n_ret):
            r_id = f"R{i}_{j}"
            nodes.append(
                {
                    "ID": r_id,
                    "name": r_id,
                    "node_type": "retailer",
                    "capacity": p["S_retailer"],
                    "initial_level": p["S_retailer"],
                    "inventory_holding_cost": 0.0,
                    "replenishment_policy": scm.SSReplenishment,
                    "policy_param": {"s": p["s_retailer"], "S": p["S_retailer"]},
                    "product_buy_price": 1.0,
                    "product_sell_price": 1.0,
                    "logging": False,
                }
            )
            links.append(
                {
                    "ID": f"L_{d_id}_{r_id}",
                    "source": d_id,
                    "sink": r_id,
                    "cost": 0,
                    "lead_time": LEAD_DOMESTIC,
                }
            )
            demands.append(
                {
                    "ID": f"C_{r_id}",
                    "name": f"customers of {r_id}",
                    "order_arrival_model": 1,
                    "order_quantity_model": DEMAND,
                    "demand_node": r_id,
                    "consume_available": True,
                    "logging": False,
                }
            )
    net = scm.create_sc_net(nodes=nodes, links=links, demands=demands)
    t1 = time.perf_counter()
    scm.simulate_sc_net(net, sim_time=DAYS, logging=False)
    t2 = time.perf_counter()
    demanded = sum(d.stats.demand_placed[1] for d in net["demands"].values())
    delivered = sum(d.stats.fulfillment_received[1] for d in net["demands"].values())
    facts = {
        "nodes": net["num_of_nodes"],
        "links": net["num_of_links"],
        "demands": len(net["demands"]),
        "simpy_events": _count_events(net["env"]),
        "demanded": float(demanded),
        "delivered": float(delivered),
        "fill_rate": float(delivered) / float(demanded),
        "replenishment_orders": int(net["demand_by_site"][0]),
        "avg_stock_per_distributor": _mean_level(net, "distributor"),
        "avg_stock_per_retailer": _mean_level(net, "retailer"),
    }
    return t1 - t0, t2 - t1, facts


def _mean_level(net: dict[str, Any], node_type: str) -> float:
    """Time-weighted average inventory level, averaged over the nodes of one type."""
    levels = [
        n.stats.avg_inventory_level for n in net["nodes"].values() if n.node_type == node_type
    ]
    return float(sum(levels) / len(levels))


def _count_events(env: Any) -> int:
    """SimPy events processed so far: events scheduled (SimPy numbers each one from its private
    ``_eid`` counter) less those still queued. Read after the timed part, so it costs nothing."""
    return int(next(env._eid)) - len(env._queue)


# --------------------------------------------------------------------------- measurement


def supplyshock_source() -> str:
    """Git commit of the supplyshock being measured, with ``-dirty`` for local changes."""
    import supplyshock

    where = Path(supplyshock.__file__).resolve().parent
    try:
        out = subprocess.run(
            ["git", "describe", "--always", "--dirty"],
            cwd=where,
            capture_output=True,
            text=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"
    return out.stdout.strip()


def simpy_timeouts_per_second(n: int = 200_000) -> float:
    """Throughput of a single process yielding ``n`` timeouts (as in benchmarks/run.py)."""
    import simpy

    env = simpy.Environment()

    def ticker(env: simpy.Environment) -> Any:
        for _ in range(n):
            yield env.timeout(1)

    env.process(ticker(env))
    began = time.perf_counter()
    env.run()
    return n / (time.perf_counter() - began)


def measure(
    runner: Callable[[int, int], tuple[float, float, dict[str, Any]]],
    n_dist: int,
    n_ret: int,
    repeats: int,
    yardstick: float,
) -> dict[str, Any]:
    """Best-of-``repeats`` build and simulate times of one library on one network."""
    runner(n_dist, n_ret)  # warm-up: imports, caches
    builds, sims = [], []
    facts: dict[str, Any] = {}
    for _ in range(repeats):
        build, sim, facts = runner(n_dist, n_ret)
        builds.append(build)
        sims.append(sim)
    nodes = 1 + n_dist + n_dist * n_ret
    node_days = nodes * DAYS
    total = min(b + s for b, s in zip(builds, sims, strict=True))
    sim = min(sims)
    return {
        "nodes": nodes,
        "days": DAYS,
        "node_days": node_days,
        "build_s_best": min(builds),
        "simulate_s_best": sim,
        "wall_time_s_best": total,
        "node_days_per_s": node_days / total,
        "node_days_per_s_simulate_only": node_days / sim,
        "s_per_node_day": total / node_days,
        "timeout_equivalents_per_node_day": total / node_days * yardstick,
        "timeout_equivalents_per_node_day_simulate_only": sim / node_days * yardstick,
        **facts,
    }


def markdown(result: dict[str, Any]) -> str:
    y = result["simpy_timeouts_per_s"]
    libs = ("supplyshock", "supplynetpy")
    lines = [
        f"SupplyNetPy {result['supplynetpy']} vs supplyshock {result['supplyshock']}, "
        f"Python {result['machine']['python']}, SimPy {result['simpy']}; {DAYS} days, demand "
        f"{DEMAND:g}/retailer/day; best of {result['repeats']}; bare SimPy {y:,.0f} timeouts/s "
        f"({result['simpy_timeouts_per_s_after']:,.0f} after the runs). Total = build + simulate.",
        "",
        "| network | library | nodes | node-days | build s | simulate s | total s "
        "| node-days/s | timeouts per node-day |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, row in result["networks"].items():
        for lib in libs:
            r = row[lib]
            lines.append(
                f"| {name} | {lib} | {r['nodes']} | {r['node_days']:,} | {r['build_s_best']:.4f} "
                f"| {r['simulate_s_best']:.4f} | {r['wall_time_s_best']:.4f} "
                f"| {r['node_days_per_s']:,.0f} | {r['timeout_equivalents_per_node_day']:.2f} |"
            )
        ratio = row["supplynetpy_over_supplyshock"]
        lines.append(
            f"| {name} | time ratio SupplyNetPy / supplyshock | | | "
            f"| {ratio['simulate']:.2f}x | {ratio['total']:.2f}x | | |"
        )
    lines += [
        "",
        "| network | library | fill rate | avg stock per distributor | avg stock per retailer "
        "| SimPy events |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for name, row in result["networks"].items():
        for lib in libs:
            r = row[lib]
            lines.append(
                f"| {name} | {lib} | {r['fill_rate']:.4f} | {r['avg_stock_per_distributor']:,.1f} "
                f"| {r['avg_stock_per_retailer']:,.1f} | {r['simpy_events']:,} |"
            )
    lines += ["", "Semantic differences that remain:", ""]
    lines += [f"- {d}" for d in SEMANTIC_DIFFERENCES]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--python", help="run this script with that interpreter instead")
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--out", type=Path, default=HERE / "results")
    args = parser.parse_args()

    if args.python:
        rest = [a for a in sys.argv[1:] if a != "--python" and a != args.python]
        rest = [a for a in rest if not a.startswith("--python=")]
        raise SystemExit(subprocess.call([args.python, str(Path(__file__).resolve()), *rest]))

    missing = [m for m in ("SupplyNetPy", "supplyshock") if importlib.util.find_spec(m) is None]
    if missing:
        print(
            f"SKIP: {' and '.join(missing)} not importable by {sys.executable}. This benchmark "
            "needs both packages; install SupplyNetPy into a separate venv "
            "(pip install supplynetpy && pip install -e .) and pass --python PATH. "
            "Nothing was written."
        )
        return

    from importlib.metadata import version

    check_supplyshock_scenarios()
    yardstick = max(simpy_timeouts_per_second() for _ in range(3))
    networks: dict[str, Any] = {}
    for name, (n_dist, n_ret) in NETWORKS.items():
        ss_row = measure(run_supplyshock, n_dist, n_ret, args.repeats, yardstick)
        snp_row = measure(run_supplynetpy, n_dist, n_ret, args.repeats, yardstick)
        networks[name] = {
            "distributors": n_dist,
            "retailers": n_dist * n_ret,
            "policy": ss_params(n_ret),
            "supplyshock": ss_row,
            "supplynetpy": snp_row,
            "supplynetpy_over_supplyshock": {
                "total": snp_row["wall_time_s_best"] / ss_row["wall_time_s_best"],
                "simulate": snp_row["simulate_s_best"] / ss_row["simulate_s_best"],
            },
        }
    # the yardstick again after the runs, to show how steady the machine was
    yardstick_after = max(simpy_timeouts_per_second() for _ in range(3))
    result = {
        "machine": {"python": platform.python_version(), "platform": platform.platform()},
        "date": dt.date.today().isoformat(),
        "supplyshock": version("supplyshock"),
        "supplyshock_source": supplyshock_source(),
        "supplynetpy": version("supplynetpy"),
        "simpy": version("simpy"),
        "numpy": version("numpy"),
        "repeats": args.repeats,
        "simpy_timeouts_per_s": yardstick,
        "simpy_timeouts_per_s_after": yardstick_after,
        "parameters": {
            "days": DAYS,
            "demand_per_retailer_per_day": DEMAND,
            "lead_supplier_to_distributor_days": LEAD_SUPPLIER,
            "lead_distributor_to_retailer_days": LEAD_DOMESTIC,
        },
        "networks": networks,
        "semantic_differences": SEMANTIC_DIFFERENCES,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "supplynetpy.json").write_text(json.dumps(result, indent=2) + "\n")
    text = markdown(result)
    (args.out / "supplynetpy.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
