"""Trial: the shipping pass with several futures' values side by side ("lock-step").

A robust search runs every candidate in the same futures; the daily step's cost per link and
day is what keeps it above its time target (docs/performance.md). This trial asks how much a
different memory layout would save, before any kernel is rewritten for it: the library's
shipping pass (one future) against a copy of it that keeps ``K`` futures' values of each link,
stock and flow next to each other, so that the index work of a link's day (its buyer, landing
day, supplier and trade slot) is done once for ``K`` futures and the updates become vector
operations. The trial copy is not used by the library.

``python benchmarks/lockstep.py`` takes the shipments of a day of the reference scenario,
checks that the trial gives each future the values the library's pass gives it, times both
(best of five rounds) and writes benchmarks/results/lockstep.{json,md}.
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
from supplyshock.sim.simulation import Simulation

HERE = Path(__file__).resolve().parent
SCENARIO = "october_2025_suspended"
WIDTHS = (4, 8)
ROUNDS, CALLS = 5, 2000


def side_by_side(k_wide: int) -> Callable[..., None]:
    """The trial pass for ``k_wide`` futures, compiled with that width as a constant (so the
    loops over futures are unrolled and vectorised)."""

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
        ``K`` futures (``landing``: ``[buyer, ring, 2, K]``); a link's index work is done once."""
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
                row = today + link_lead[ln]
                if row >= ring:
                    row -= ring
                f, pair, export = link_supplier[ln], link_pair[ln], link_export[ln]
                for k in range(k_wide):
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


def _call(kernel: Callable[..., None], args: tuple[Any, ...], t: int) -> None:
    kernel(t, *args)


def _best_us(call: Callable[[int], None]) -> float:
    """Best of ``ROUNDS`` rounds of ``CALLS`` calls, in microseconds a call."""
    call(500)
    best = np.inf
    for _ in range(ROUNDS):
        began = time.perf_counter()
        for i in range(CALLS):
            call(500 + i % 50)
        best = min(best, (time.perf_counter() - began) / CALLS * 1e6)
    return float(best)


def main() -> None:
    sim = Simulation(ss.load_scenario(SCENARIO), seed=1)
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

    def one_future(shipped: np.ndarray, share: np.ndarray) -> list[np.ndarray]:
        out = [
            np.zeros((n_fac, 1)),
            np.zeros((n_buyers, ring, 2)),
            np.zeros(n_buyers),
            np.zeros(n_buyers),
            np.zeros(n_fac),
            np.zeros(n_buyers),
            np.zeros(n_pairs),
        ]
        ship(500, shipped, *links, share, *out)
        return out

    rng = np.random.default_rng(0)
    base = wk.request.copy()
    rows: list[dict[str, Any]] = []
    alone_arrays = one_future(base, wk.share_f)
    scalar = _best_us(partial(_call, ship, (base, *links, wk.share_f, *alone_arrays)))
    for k in WIDTHS:
        futures = [base * (1 + 0.05 * rng.random(base.shape)) for _ in range(k)]
        shares = [
            np.clip(wk.share_f * (1 + 0.05 * rng.random(wk.share_f.shape)), 0, 1) for _ in range(k)
        ]
        shipped = np.ascontiguousarray(np.stack(futures, axis=1))
        share_k = np.ascontiguousarray(np.concatenate(shares, axis=1))
        wide = [
            np.zeros((n_fac, k)),
            np.zeros((n_buyers, ring, 2, k)),
            np.zeros((n_buyers, k)),
            np.zeros((n_buyers, k)),
            np.zeros((n_fac, k)),
            np.zeros((n_buyers, k)),
            np.zeros((n_pairs, k)),
        ]
        trial = side_by_side(k)
        trial(500, shipped, *links, share_k, *wide)
        for j in range(k):  # each future gets the values the library's pass gives it
            alone = one_future(np.ascontiguousarray(shipped[:, j]), shares[j])
            for got, expected in zip(wide, alone, strict=True):
                column = got[..., j] if got.ndim > 1 else got
                if not np.array_equal(column.reshape(expected.shape), expected):
                    raise SystemExit(f"future {j} of {k}: the trial's values differ")
        arrays = [np.zeros_like(a) for a in wide]
        wide_args = (shipped, *links, share_k, *arrays)
        together = _best_us(partial(_call, trial, wide_args))
        rows.append(
            {
                "futures_side_by_side": k,
                "us_per_day_all": together,
                "us_per_day_per_future": together / k,
                "speed_up": scalar * k / together,
            }
        )
    result = {
        "scenario": SCENARIO,
        "links": int(net.link_supplier.shape[0]),
        "buyers": n_buyers,
        "machine": {"python": platform.python_version(), "platform": platform.platform()},
        "scalar_us_per_day": scalar,
        "side_by_side": rows,
    }
    out = HERE / "results"
    (out / "lockstep.json").write_text(json.dumps(result, indent=2) + "\n")
    lines = [
        "# Lock-step trial: the shipping pass with futures side by side",
        "",
        f"Scenario `{SCENARIO}` ({result['links']} links, {n_buyers} buyers), one day's "
        f"shipments; best of {ROUNDS} rounds of {CALLS} calls; {platform.platform()}.",
        "Each future's values equal those of the library's pass (checked).",
        "",
        "| futures side by side | us a day, all | us a day per future | speed-up |",
        "|---:|---:|---:|---:|",
        f"| 1 (the library's pass) | {scalar:.1f} | {scalar:.1f} | 1.00x |",
        *(
            f"| {r['futures_side_by_side']} | {r['us_per_day_all']:.1f} | "
            f"{r['us_per_day_per_future']:.1f} | {r['speed_up']:.2f}x |"
            for r in rows
        ),
        "",
    ]
    (out / "lockstep.md").write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
