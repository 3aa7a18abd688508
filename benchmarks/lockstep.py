"""Trial: the shipping pass with several runs' values side by side ("lock-step").

A robust search runs every candidate in the same futures; the daily step's cost per link and
day is what keeps it above its time target (docs/performance.md). This trial asks how much a
different memory layout would save, before any kernel is rewritten for it: the library's
shipping pass (one run) against a copy of it that keeps ``K`` runs' values of each link,
stock and flow next to each other, so that the index work of a link's day (its buyer, landing
day, supplier and trade slot) is done once for ``K`` runs and the updates become vector
operations. The trial copy is not used by the library. A third variant keeps each
candidate's arrays apart, in the library's layout, as rows of a first lane axis: the index
work is still shared, the updates are not vector operations, and each run could keep its
own arrays (views of the rows) and the Python code that reads them.

Which runs go side by side matters. Candidates evaluated in the same future share every draw
(links, lead times, capacities, policy dates) and differ only in their lever values, so a
shipment lands on the same day in every lane. Futures of one candidate draw their own lead
times (every link of the reference scenario has a different lead time in some future), so a
shipment lands on a different day in each lane and the landing update is one scattered
write per lane. The trial measures both.

``python benchmarks/lockstep.py`` takes the shipments of a day of the reference scenario,
checks that the trial gives each lane the values the library's pass gives it, times all
variants (best of nine rounds, each timing every variant in turn) and writes
benchmarks/results/lockstep.{json,md}.
"""

from __future__ import annotations

import importlib
import json
import platform
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import numba
import numpy as np

import supplyshock as ss
from supplyshock.batch.replicate import child_seed
from supplyshock.model.compile import compile_scenario
from supplyshock.model.network import Network
from supplyshock.sim.simulation import Simulation

HERE = Path(__file__).resolve().parent
SCENARIO = "october_2025_suspended"
WIDTHS = (4, 8)
ROUNDS, CALLS = 9, 2000


def side_by_side(k_wide: int, own_leads: bool) -> Callable[..., None]:
    """The trial pass for ``k_wide`` lanes, compiled with that width as a constant (so the
    loops over lanes are unrolled and vectorised); with ``own_leads`` each lane has its own
    lead times (``link_lead``: ``[link, K]``), as futures do."""

    @numba.njit(error_model="numpy")
    def ship(
        t: int,
        shipped: np.ndarray,
        buyer_links: np.ndarray,
        link_supplier: np.ndarray,
        link_lead: np.ndarray,
        link_export: np.ndarray,
        link_pair: np.ndarray,
        share_f: np.ndarray,
        org_f: np.ndarray,
        landing: np.ndarray,
        in_transit: np.ndarray,
        got: np.ndarray,
        exports: np.ndarray,
        imports: np.ndarray,
        flows: np.ndarray,
    ) -> None:
        """The library's shipping pass for one origin tracer, every array with a last axis of
        ``K`` lanes (``landing``: ``[buyer, ring, 2, K]``); a link's index work is done once."""
        ring = landing.shape[1]
        today = t % ring
        sent = np.zeros(org_f.shape)
        exports[:] = 0.0
        flows[:] = 0.0
        got_b = np.zeros(k_wide)
        crossed_b = np.zeros(k_wide)
        for b in range(got.shape[0]):
            got_b[:] = 0.0
            crossed_b[:] = 0.0
            for ln in range(buyer_links[b], buyer_links[b + 1]):
                row = today + (0 if own_leads else link_lead[ln])
                if not own_leads and row >= ring:
                    row -= ring
                f, pair, export = link_supplier[ln], link_pair[ln], link_export[ln]
                for k in range(k_wide):
                    if own_leads:  # resolved when compiled: one branch of the two remains
                        row = today + link_lead[ln, k]
                        if row >= ring:
                            row -= ring
                    x = shipped[ln, k]
                    landing[b, row, 0, k] += x
                    moved = x * share_f[f, k]
                    landing[b, row, 1, k] += moved
                    sent[f, k] += moved
                    got_b[k] += x
                    crossing = x * export
                    exports[f, k] += crossing
                    flows[pair, k] += x
                    crossed_b[k] += crossing
            for k in range(k_wide):
                got[b, k] = got_b[k]
                imports[b, k] = crossed_b[k]
                in_transit[b, k] += got_b[k]
        for f in range(org_f.shape[0]):
            for k in range(k_wide):
                org_f[f, k] -= sent[f, k]

    return ship


def rows_apart(k_wide: int) -> Callable[..., None]:
    """The trial pass for ``k_wide`` candidates whose arrays stay apart: each array has a
    first axis of ``K`` lanes, and lane ``k``'s row is that run's own array in the library's
    layout (``landing``: ``[K, buyer, ring, 2]``), so a run could keep its arrays as views of
    the rows. A link's index work is still done once for all lanes; the updates are ``K``
    scalar updates in ``K`` places rather than one vector update."""

    @numba.njit(error_model="numpy")
    def ship(
        t: int,
        shipped: np.ndarray,
        buyer_links: np.ndarray,
        link_supplier: np.ndarray,
        link_lead: np.ndarray,
        link_export: np.ndarray,
        link_pair: np.ndarray,
        share_f: np.ndarray,
        org_f: np.ndarray,
        landing: np.ndarray,
        in_transit: np.ndarray,
        got: np.ndarray,
        exports: np.ndarray,
        imports: np.ndarray,
        flows: np.ndarray,
    ) -> None:
        ring = landing.shape[2]
        today = t % ring
        sent = np.zeros(org_f.shape)
        exports[:] = 0.0
        flows[:] = 0.0
        got_b = np.zeros(k_wide)
        crossed_b = np.zeros(k_wide)
        for b in range(got.shape[1]):
            got_b[:] = 0.0
            crossed_b[:] = 0.0
            for ln in range(buyer_links[b], buyer_links[b + 1]):
                row = today + link_lead[ln]
                if row >= ring:
                    row -= ring
                f, pair, export = link_supplier[ln], link_pair[ln], link_export[ln]
                for k in range(k_wide):
                    x = shipped[k, ln]
                    landing[k, b, row, 0] += x
                    moved = x * share_f[k, f, 0]
                    landing[k, b, row, 1] += moved
                    sent[k, f, 0] += moved
                    got_b[k] += x
                    crossing = x * export
                    exports[k, f] += crossing
                    flows[k, pair] += x
                    crossed_b[k] += crossing
            for k in range(k_wide):
                got[k, b] = got_b[k]
                imports[k, b] = crossed_b[k]
                in_transit[k, b] += got_b[k]
        for k in range(k_wide):
            for f in range(org_f.shape[1]):
                org_f[k, f, 0] -= sent[k, f, 0]

    return ship


def _call(kernel: Callable[..., None], args: tuple[Any, ...], t: int) -> None:
    kernel(t, *args)


def _best_us(calls: dict[str, Callable[[int], None]]) -> dict[str, float]:
    """Best of ``ROUNDS`` rounds of ``CALLS`` calls of each, in microseconds a call; each round
    times every variant in turn, so that all see the host in the same state."""
    for call in calls.values():
        call(500)
    best = dict.fromkeys(calls, np.inf)
    for _ in range(ROUNDS):
        for name, call in calls.items():
            began = time.perf_counter()
            for i in range(CALLS):
                call(500 + i % 50)
            best[name] = min(best[name], (time.perf_counter() - began) / CALLS * 1e6)
    return {name: float(us) for name, us in best.items()}


def each(calls: list[Callable[[int], Any]], t: int) -> None:
    """Call every one of ``calls`` with ``t`` (a day of several runs, one after the other)."""
    for call in calls:
        call(t)


def candidate_rows(timed: dict[str, float]) -> list[dict[str, Any]]:
    """Per width: the library's pass on each lane in turn (``library/K``) against the trial on
    all of them (``candidates/K``), in µs a day per run."""
    return [
        {
            "side_by_side": k,
            "library_us_per_day_per_run": timed[f"library/{k}"] / k,
            "us_per_day_per_run": timed[f"candidates/{k}"] / k,
            "speed_up": timed[f"library/{k}"] / timed[f"candidates/{k}"],
        }
        for k in WIDTHS
    ]


def candidate_table(rows: list[dict[str, Any]]) -> list[str]:
    """The markdown table of :func:`candidate_rows`."""
    return [
        "| candidates side by side | library's pass: us a day per run | side by side | speed-up |",
        "|---:|---:|---:|---:|",
        *(
            f"| {r['side_by_side']} | {r['library_us_per_day_per_run']:.1f} | "
            f"{r['us_per_day_per_run']:.1f} | {r['speed_up']:.2f}x |"
            for r in rows
        ),
        "",
    ]


def write_results(name: str, result: dict[str, Any], lines: list[str]) -> None:
    """Write ``result`` to benchmarks/results/NAME.json and ``lines`` to NAME.md; print them."""
    folder = HERE / "results"
    (folder / f"{name}.json").write_text(json.dumps(result, indent=2) + "\n")
    (folder / f"{name}.md").write_text("\n".join(lines))
    print("\n".join(lines))


def _future_leads(scn: ss.Scenario, k: int, ran: Network) -> np.ndarray:
    """``[link, k]`` lead times of ``k`` futures of ``scn`` (replications 0 .. k - 1 of seed 1),
    whose links must be those of ``ran``, the network the shipments come from."""
    leads = []
    for i in range(k):
        net = compile_scenario(scn, child_seed(1, i))
        if not (
            np.array_equal(net.link_buyer, ran.link_buyer)
            and np.array_equal(net.link_supplier, ran.link_supplier)
        ):
            raise SystemExit("the futures' links differ: lanes would not share their links")
        leads.append(net.link_lead)
    return np.ascontiguousarray(np.stack(leads, axis=1))


def main() -> None:
    scn = ss.load_scenario(SCENARIO)
    sim = Simulation(scn, seed=1)
    sim.run()
    step = sim.stepper
    net, st, wk = step.consts, step.st, step.wk
    if st.org_f.shape[1] != 1:
        raise SystemExit("the trial covers one origin tracer, as the reference scenario has")
    ship = importlib.import_module("supplyshock.sim.kernels.afternoon")._ship
    n_buyers, ring, _ = st.landing.shape
    n_fac, n_pairs = st.org_f.shape[0], step.rec.flows.shape[1]
    links = (
        net.buyer_links,
        net.link_supplier,
        net.link_lead,
        net.link_export,
        net.link_pair,
    )

    def one_lane(shipped: np.ndarray, share: np.ndarray, lead: np.ndarray) -> list[np.ndarray]:
        out = [
            np.zeros((n_fac, 1)),
            np.zeros((n_buyers, ring, 2)),
            np.zeros(n_buyers),
            np.zeros(n_buyers),
            np.zeros(n_fac),
            np.zeros(n_buyers),
            np.zeros(n_pairs),
        ]
        ship(500, shipped, links[0], links[1], lead, *links[3:], share, *out)
        return out

    rng = np.random.default_rng(0)
    base = wk.request.copy()
    rows: list[dict[str, Any]] = []
    alone_arrays = one_lane(base, wk.share_f, net.link_lead)
    calls = {"scalar": partial(_call, ship, (base, *links, wk.share_f, *alone_arrays))}
    for k in WIDTHS:
        lanes = [base * (1 + 0.05 * rng.random(base.shape)) for _ in range(k)]
        shares = [
            np.clip(wk.share_f * (1 + 0.05 * rng.random(wk.share_f.shape)), 0, 1) for _ in range(k)
        ]
        shipped = np.ascontiguousarray(np.stack(lanes, axis=1))
        share_k = np.ascontiguousarray(np.concatenate(shares, axis=1))
        row: dict[str, Any] = {"side_by_side": k}
        for own_leads, lead in ((False, net.link_lead), (True, _future_leads(scn, k, sim.net))):
            wide = [
                np.zeros((n_fac, k)),
                np.zeros((n_buyers, ring, 2, k)),
                np.zeros((n_buyers, k)),
                np.zeros((n_buyers, k)),
                np.zeros((n_fac, k)),
                np.zeros((n_buyers, k)),
                np.zeros((n_pairs, k)),
            ]
            trial = side_by_side(k, own_leads)
            args = (shipped, links[0], links[1], lead, *links[3:], share_k)
            trial(500, *args, *wide)
            for j in range(k):  # each lane gets the values the library's pass gives it
                lane_lead = np.ascontiguousarray(lead[:, j]) if own_leads else lead
                alone = one_lane(np.ascontiguousarray(shipped[:, j]), shares[j], lane_lead)
                for got, expected in zip(wide, alone, strict=True):
                    column = got[..., j] if got.ndim > 1 else got
                    if not np.array_equal(column.reshape(expected.shape), expected):
                        raise SystemExit(f"lane {j} of {k}: the trial's values differ")
            arrays = [np.zeros_like(a) for a in wide]
            kind = "futures" if own_leads else "candidates"
            calls[f"{kind}/{k}"] = partial(_call, trial, (*args, *arrays))
        # the same candidates with each run's arrays apart (rows of a first lane axis)
        apart = [
            np.zeros((k, n_fac, 1)),
            np.zeros((k, n_buyers, ring, 2)),
            np.zeros((k, n_buyers)),
            np.zeros((k, n_buyers)),
            np.zeros((k, n_fac)),
            np.zeros((k, n_buyers)),
            np.zeros((k, n_pairs)),
        ]
        own_rows = (np.stack(lanes), *links, np.stack(shares))
        trial = rows_apart(k)
        trial(500, *own_rows, *apart)
        for j in range(k):
            alone = one_lane(lanes[j], shares[j], net.link_lead)
            if not all(np.array_equal(a[j], e) for a, e in zip(apart, alone, strict=True)):
                raise SystemExit(f"lane {j} of {k}: the trial's values differ (arrays apart)")
        arrays = [np.zeros_like(a) for a in apart]
        calls[f"apart/{k}"] = partial(_call, trial, (*own_rows, *arrays))
        rows.append(row)
    timed = _best_us(calls)
    scalar = timed["scalar"]
    for row in rows:
        k = row["side_by_side"]
        for kind in ("candidates", "apart", "futures"):
            together = timed[f"{kind}/{k}"]
            row[f"{kind}_us_per_day_all"] = together
            row[f"{kind}_us_per_day_per_lane"] = together / k
            row[f"{kind}_speed_up"] = scalar * k / together
    result = {
        "scenario": SCENARIO,
        "links": int(net.link_supplier.shape[0]),
        "buyers": n_buyers,
        "machine": {"python": platform.python_version(), "platform": platform.platform()},
        "scalar_us_per_day": scalar,
        "side_by_side": rows,
    }
    lines = [
        "# Lock-step trial: the shipping pass with runs side by side",
        "",
        f"Scenario `{SCENARIO}` ({result['links']} links, {n_buyers} buyers), one day's "
        f"shipments; best of {ROUNDS} rounds of {CALLS} calls, "
        f"each round timing every variant in turn; {platform.platform()}.",
        "Each lane's values equal those of the library's pass (checked). Candidates in one "
        "future share the lead times; futures have their own (drawn per future). "
        "Arrays apart: each candidate's arrays are rows of a first lane axis, in the "
        "library's layout (a run could keep its own arrays as views of them).",
        "",
        "| runs side by side | candidates: us a day per run | speed-up | "
        "candidates, arrays apart | speed-up | futures: us a day per run | speed-up |",
        "|---:|---:|---:|---:|---:|---:|---:|",
        f"| 1 (the library's pass) | {scalar:.1f} | 1.00x | {scalar:.1f} | 1.00x | "
        f"{scalar:.1f} | 1.00x |",
        *(
            f"| {r['side_by_side']} | {r['candidates_us_per_day_per_lane']:.1f} | "
            f"{r['candidates_speed_up']:.2f}x | {r['apart_us_per_day_per_lane']:.1f} | "
            f"{r['apart_speed_up']:.2f}x | {r['futures_us_per_day_per_lane']:.1f} | "
            f"{r['futures_speed_up']:.2f}x |"
            for r in rows
        ),
        "",
    ]
    write_results("lockstep", result, lines)


if __name__ == "__main__":
    main()
