"""Trial: the allocation pass with several candidates' values side by side ("lock-step").

The companion of ``lockstep.py`` for the pass that fills requests from output stock, rank by
rank. Candidates evaluated in the same future share the ranks (their controls fall on the
same days), so the trial keeps ``K`` candidates' requests, orders and stocks of each link and
facility next to each other and does a rank's index work once for all of them. A lane whose
stocks cover every order takes the library's shortcut (it ships what was asked and takes the
orders from stock in one subtraction), selected per lane without a branch, so that each lane
gets exactly the values of the library's pass (checked). The trial copy is not used by the
library.

``python benchmarks/lockstep_allocation.py`` takes the requests, orders and ranks of a day of
the reference scenario, gives each lane its own stocks (between 70% and 130% of its orders,
so most lanes are short somewhere, as on most days of a run; one lane is not), times the
library's pass on each lane in turn against the trial on all of them (best of nine rounds,
each timing every variant in turn) and writes benchmarks/results/lockstep_allocation.{json,md}.
"""

from __future__ import annotations

import importlib
import platform
import sys
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import numba
import numpy as np

import supplyshock as ss
from supplyshock.sim.kernels._common import TINY
from supplyshock.sim.simulation import Simulation

sys.path.insert(0, str(Path(__file__).resolve().parent))
from lockstep import (
    CALLS,
    ROUNDS,
    SCENARIO,
    WIDTHS,
    _best_us,
    candidate_rows,
    candidate_table,
    each,
    write_results,
)

HERE = Path(__file__).resolve().parent


def side_by_side(k_wide: int) -> Callable[..., None]:
    """The trial pass for ``k_wide`` lanes, compiled with that width as a constant."""

    @numba.njit(error_model="numpy")
    def allocate(
        request: np.ndarray,
        received: np.ndarray,
        link_supplier: np.ndarray,
        rank_links: np.ndarray,
        rank_starts: np.ndarray,
        out: np.ndarray,
        shipped: np.ndarray,
    ) -> None:
        """The library's allocation for ``K`` lanes (every array with a last axis of ``K``):
        ``shipped`` gets each lane's shipments and ``out`` its stocks after them."""
        n_fac, n_ranks = out.shape[0], rank_starts.shape[0] - 1
        short = np.zeros(k_wide)  # 1.0 where a lane is short of some order
        for f in range(n_fac):
            for k in range(k_wide):
                if not received[f, k] <= out[f, k]:
                    short[k] = 1.0
        asked = np.zeros((n_fac, k_wide))
        fill = np.empty((n_fac, k_wide))
        sent = np.zeros((n_fac, k_wide))
        for r in range(n_ranks):
            if n_ranks == 1:
                asked[:] = received
            else:
                asked[:] = 0.0
                for j in range(rank_starts[r], rank_starts[r + 1]):
                    ln = rank_links[j]
                    f = link_supplier[ln]
                    for k in range(k_wide):
                        asked[f, k] += request[ln, k]
            for f in range(n_fac):
                for k in range(k_wide):
                    fill[f, k] = min(out[f, k] / max(asked[f, k], TINY), 1.0)
            sent[:] = 0.0
            for j in range(rank_starts[r], rank_starts[r + 1]):
                ln = rank_links[j]
                f = link_supplier[ln]
                for k in range(k_wide):
                    part = request[ln, k] * fill[f, k]
                    shipped[ln, k] = part if short[k] else request[ln, k]
                    sent[f, k] += part
            for f in range(n_fac):
                for k in range(k_wide):
                    out[f, k] -= sent[f, k] if short[k] else 0.0
        for f in range(n_fac):
            for k in range(k_wide):
                out[f, k] = max(out[f, k], 0.0) if short[k] else out[f, k] - received[f, k]

    return allocate


def _received(request: np.ndarray, link_supplier: np.ndarray, n_fac: int) -> np.ndarray:
    """Orders by supplier, added in link order as the request pass adds them."""
    total = np.zeros(n_fac)
    for ln, f in enumerate(link_supplier.tolist()):
        total[f] += request[ln]
    return total


def main() -> None:
    sim = Simulation(ss.load_scenario(SCENARIO), seed=1)
    sim.run()
    step = sim.stepper
    net, wk, gates = step.consts, step.wk, step.gates
    allocate = importlib.import_module("supplyshock.sim.kernels.afternoon")._allocate
    sup, ranks, starts = net.link_supplier, gates.rank_links, gates.rank_starts
    n_fac, n_links = wk.received.shape[0], wk.request.shape[0]
    rng = np.random.default_rng(0)

    def lane(cover: tuple[float, float]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        req = wk.request * (1 + 0.05 * rng.random(n_links))
        rec = _received(req, sup, n_fac)
        return req, rec, rec * rng.uniform(*cover, n_fac)

    def one_lane(req: np.ndarray, rec: np.ndarray, out: np.ndarray) -> list[np.ndarray]:
        stock = out.copy()
        sent = allocate(req, rec, sup, ranks, starts, stock, np.zeros(n_links))
        return [np.array(sent), stock]

    calls: dict[str, Callable[[int], None]] = {}
    for k in WIDTHS:  # the last lane has stock for every order: the library's shortcut
        lanes = [lane((0.7, 1.3)) for _ in range(k - 1)] + [lane((1.3, 1.6))]
        req_k, rec_k, out_k = (
            np.ascontiguousarray(np.stack(x, axis=1)) for x in zip(*lanes, strict=True)
        )
        trial = side_by_side(k)
        shipped_k, stock_k = np.zeros((n_links, k)), out_k.copy()
        trial(req_k, rec_k, sup, ranks, starts, stock_k, shipped_k)
        for j, (r, c, o) in enumerate(lanes):  # each lane gets the library's values
            sent, stock = one_lane(r, c, o)
            if not (np.array_equal(shipped_k[:, j], sent) and np.array_equal(stock_k[:, j], stock)):
                raise SystemExit(f"lane {j} of {k}: the trial's values differ")
        library = [_day(allocate, (r, c, sup, ranks, starts), o) for r, c, o in lanes]
        calls[f"library/{k}"] = partial(each, library)
        calls[f"candidates/{k}"] = _day(trial, (req_k, rec_k, sup, ranks, starts), out_k)
    rows = candidate_rows(_best_us(calls))
    result = {
        "scenario": SCENARIO,
        "links": int(n_links),
        "facilities": int(n_fac),
        "ranks": int(len(starts) - 1),
        "machine": {"python": platform.python_version(), "platform": platform.platform()},
        "side_by_side": rows,
    }
    lines = [
        "# Lock-step trial: the allocation pass with candidates side by side",
        "",
        f"Scenario `{SCENARIO}` ({n_links} links, {n_fac} facilities, {result['ranks']} "
        f"ranks), one day's requests; best of {ROUNDS} rounds of {CALLS} calls, each round "
        f"timing every variant in turn; {platform.platform()}.",
        "Each lane's values equal those of the library's pass (checked). One lane of each "
        "width has stock for every order (the library's shortcut); the library's pass runs "
        "the same lanes one after the other.",
        "",
        *candidate_table(rows),
    ]
    write_results("lockstep_allocation", result, lines)


def _day(
    kernel: Callable[..., Any], args: tuple[Any, ...], out: np.ndarray
) -> Callable[[int], None]:
    """A timed call of ``kernel(*args, stock, shipped)``, each on the stocks ``out`` (copied
    into one buffer: the kernel changes the stocks in place)."""
    stock = np.empty_like(out)
    shipped = np.zeros_like(args[0])

    def run(t: int) -> None:
        np.copyto(stock, out)
        kernel(*args, stock, shipped)

    return run


if __name__ == "__main__":
    main()
