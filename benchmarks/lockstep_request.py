"""Trial: the request pass with several candidates' values side by side ("lock-step").

The companion of ``lockstep.py`` for the pass that splits each buyer's order over its open
suppliers and routes what caps hold back (water-filling). Candidates evaluated in the same
future share the links, their weights and lead times, the allowances and the caps of the
controls in force; each has its own orders, needs, capacities and qualified links. The trial
keeps ``K`` candidates' values of each link, buyer and facility next to each other and does a
buyer's index work once for all of them; the water-filling, whose rounds depend on a lane's
values, runs lane by lane. Each lane gets exactly the values of the library's pass (checked).
The trial copy is not used by the library.

``python benchmarks/lockstep_request.py`` takes the state at the end of a run of the reference
scenario (the controls in force then restrict some links), gives each lane its own orders,
needs and capacities (within 5% of the run's), times the library's pass on each lane in turn
against the trial on all of them (best of nine rounds, each timing every variant in turn) and
writes benchmarks/results/lockstep_request.{json,md}.
"""

from __future__ import annotations

import platform
import sys
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import numba
import numpy as np

import supplyshock as ss
from supplyshock.sim.kernels import request
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
    def split(
        buyer_links: np.ndarray,
        link_supplier: np.ndarray,
        link_weight: np.ndarray,
        link_lead: np.ndarray,
        allow: np.ndarray,
        restricted: np.ndarray,
        limit: np.ndarray,
        order: np.ndarray,
        need: np.ndarray,
        cap: np.ndarray,
        qualified: np.ndarray,
        weight: np.ndarray,
        req: np.ndarray,
        room: np.ndarray,
        received: np.ndarray,
        buyer_lead: np.ndarray,
    ) -> None:
        """The library's request pass; per-lane arrays have a last axis of ``K``."""
        received[:] = 0.0
        total = np.zeros(k_wide)
        held = np.zeros(k_wide)
        asked = np.zeros(k_wide)
        weighted = np.zeros(k_wide)
        for b in range(order.shape[0]):
            lo, hi = buyer_links[b], buyer_links[b + 1]
            total[:] = 0.0
            for ln in range(lo, hi):
                f, open_ = link_supplier[ln], allow[ln] > 0.0
                for k in range(k_wide):
                    w = link_weight[ln] * cap[f, k] * (1.0 if qualified[ln, k] else 0.0)
                    weight[ln, k] = w if open_ else 0.0
                    total[k] += weight[ln, k]
            held[:] = 0.0
            for ln in range(lo, hi):
                capped = restricted[ln]
                for k in range(k_wide):
                    share = weight[ln, k] / max(total[k], TINY)
                    wanted = order[b, k] * share
                    most = limit[ln]
                    if capped:
                        most = min(most, allow[ln] * need[b, k] * share)
                    room[ln, k] = most
                    req[ln, k] = min(wanted, most)
                    held[k] += wanted - req[ln, k]
            for k in range(k_wide):  # water-filling: rounds depend on the lane's values
                left = held[k]
                while left > 0.0:
                    free = 0.0
                    for ln in range(lo, hi):
                        if weight[ln, k] > 0.0 and req[ln, k] < room[ln, k]:
                            free += weight[ln, k]
                    if free <= 0.0:
                        break
                    placed = 0.0
                    filled = False
                    for ln in range(lo, hi):
                        if weight[ln, k] > 0.0 and req[ln, k] < room[ln, k]:
                            add = left * weight[ln, k] / free
                            if req[ln, k] + add >= room[ln, k]:
                                add = room[ln, k] - req[ln, k]
                                filled = True
                            req[ln, k] += add
                            placed += add
                    left -= placed
                    if not filled:
                        break
            asked[:] = 0.0
            weighted[:] = 0.0
            for ln in range(lo, hi):
                f, lead = link_supplier[ln], link_lead[ln]
                for k in range(k_wide):
                    r = req[ln, k]
                    received[f, k] += r
                    asked[k] += r
                    weighted[k] += r * lead
            for k in range(k_wide):
                if asked[k] > 0.0:
                    buyer_lead[b, k] = weighted[k] / asked[k]

    return split


def main() -> None:
    sim = Simulation(ss.load_scenario(SCENARIO), seed=1)
    sim.run()
    step = sim.stepper
    net, st, wk, gate = step.consts, step.st, step.wk, step.gates.arrays()
    rng = np.random.default_rng(0)
    n_links = wk.request.shape[0]

    def near(x: np.ndarray) -> np.ndarray:
        return np.asarray(x * (1 + 0.05 * rng.random(x.shape)))

    def lane() -> tuple[Any, Any]:
        """A lane's state and work arrays: the run's, its orders, needs and capacities moved."""
        mine = {f: getattr(wk, f).copy() for f in wk._fields}
        mine.update(order=near(wk.order), need=near(wk.need), cap=near(wk.cap))
        return st._replace(buyer_lead=st.buyer_lead.copy()), wk._replace(**mine)

    calls: dict[str, Callable[[int], None]] = {}
    restricted_links = int(gate.restricted.sum())
    for k in WIDTHS:
        lanes = [lane() for _ in range(k)]

        def wide(arrays: list[np.ndarray]) -> np.ndarray:
            return np.ascontiguousarray(np.stack(arrays, axis=1))

        shared = (net.buyer_links, net.link_supplier, net.link_weight, net.link_lead, wk.allow)
        shared += (gate.restricted, gate.limit)
        own = tuple(wide([getattr(w, f) for _, w in lanes]) for f in ("order", "need", "cap"))
        own += (wide([s.qualified for s, _ in lanes]),)
        out = tuple(
            wide([getattr(w, f) for _, w in lanes])
            for f in ("weight", "request", "room", "received")
        )
        lead_k = wide([s.buyer_lead for s, _ in lanes])
        trial = side_by_side(k)
        trial(*shared, *own, *out, lead_k)
        for j, (s, w) in enumerate(lanes):  # each lane gets the library's values
            request(0, net, s, w, gate)
            mine = (w.weight, w.request, w.room, w.received, s.buyer_lead)
            if not all(
                np.array_equal(a[:, j], b) for a, b in zip((*out, lead_k), mine, strict=True)
            ):
                raise SystemExit(f"lane {j} of {k}: the trial's values differ")
        library = [partial(_ignore_day, request, (0, net, s, w, gate)) for s, w in lanes]
        calls[f"library/{k}"] = partial(each, library)
        calls[f"candidates/{k}"] = partial(_ignore_day, trial, (*shared, *own, *out, lead_k))
    rows = candidate_rows(_best_us(calls))
    result = {
        "scenario": SCENARIO,
        "links": n_links,
        "restricted_links": restricted_links,
        "machine": {"python": platform.python_version(), "platform": platform.platform()},
        "side_by_side": rows,
    }
    lines = [
        "# Lock-step trial: the request pass with candidates side by side",
        "",
        f"Scenario `{SCENARIO}` ({n_links} links, {restricted_links} of them restricted), the "
        f"state at the end of a run; best of {ROUNDS} rounds of {CALLS} calls, each round "
        f"timing every variant in turn; {platform.platform()}.",
        "Each lane's values equal those of the library's pass (checked); the library's pass "
        "runs the same lanes one after the other.",
        "",
        *candidate_table(rows),
    ]
    write_results("lockstep_request", result, lines)


def _ignore_day(kernel: Callable[..., None], args: tuple[Any, ...], t: int) -> None:
    kernel(*args)


if __name__ == "__main__":
    main()
