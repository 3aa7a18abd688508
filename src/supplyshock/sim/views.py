"""Read-only named views of a running simulation's state, as tidy pandas frames.

Every view is a copy: changing it does not change the run (use ``Simulation.apply`` to act).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from supplyshock.model.network import Network
    from supplyshock.sim.recorder import Recorder
    from supplyshock.sim.state import State
    from supplyshock.sim.step import Stepper

__all__ = ["Views"]


class Views:
    """Named views mixed into :class:`~supplyshock.sim.simulation.Simulation`."""

    net: Network
    state: State
    recorder: Recorder
    stepper: Stepper
    _today: int

    def _buyers(self) -> pd.DataFrame:
        net = self.net
        return pd.DataFrame(
            {
                "country": np.array(net.countries)[net.buyer_country],
                "commodity": np.array(net.commodities)[net.buyer_commodity],
                "sector": list(net.buyer_sector),
                "unit": np.array(net.commodity_units)[net.buyer_commodity],
            }
        )

    def stocks(self, by: tuple[str, ...] | list[str] = ("country", "commodity")) -> pd.DataFrame:
        """Firm stocks (facility inputs and markets) at the end of the last day stepped, with
        that day's need and the days of cover they make (stock / need)."""
        frame = self._buyers()
        frame["stock"] = self.state.inv
        frame["need"] = self.stepper.wk.need
        keys = [*by, "unit"] if "unit" not in by else list(by)
        out = frame.groupby(keys, sort=True, as_index=False)[["stock", "need"]].sum()
        with np.errstate(divide="ignore", invalid="ignore"):
            out["days_of_cover"] = np.where(out["need"] > 0, out["stock"] / out["need"], np.inf)
        return out

    def reserves(self) -> pd.DataFrame:
        """Strategic reserves: holder, commodity, content now and at the start, share left."""
        net = self.net
        start = np.array([r.quantity for r in net.reserves], dtype=float)
        content = self.state.reserve.copy()
        with np.errstate(divide="ignore", invalid="ignore"):
            share = np.where(start > 0, content / start, 0.0)
        return pd.DataFrame(
            {
                "holder": [net.countries[r.country] for r in net.reserves],
                "commodity": [net.commodities[r.commodity] for r in net.reserves],
                "unit": [net.commodity_units[r.commodity] for r in net.reserves],
                "content": content,
                "initial": start,
                "share": share,
            }
        )

    def shortfall_so_far(
        self, by: tuple[str, ...] | list[str] = ("country", "commodity")
    ) -> pd.DataFrame:
        """Demand, deliveries and shortfall of final demand summed over the days stepped, and
        the deferred demand waiting now."""
        net, days = self.net, self._today
        markets = self._buyers().iloc[net.n_inputs :].reset_index(drop=True)
        demand = net.demand[:, :days].sum(axis=1)
        delivered = self.recorder.delivered[:days].sum(axis=0)
        markets["demand"] = demand
        markets["delivered"] = delivered
        markets["shortfall"] = np.maximum(
            net.demand[:, :days] - self.recorder.delivered[:days].T, 0
        ).sum(axis=1)
        markets["backlog"] = self.state.backlog  # deferred demand waiting now
        keys = [*by, "unit"] if "unit" not in by else list(by)
        cols = ["demand", "delivered", "shortfall", "backlog"]
        return markets.groupby(keys, sort=True, as_index=False)[cols].sum()

    def policy_status(self) -> pd.DataFrame:
        """Each export control: whether it is in force, suspended, and its current terms."""
        s = self.state
        return pd.DataFrame(
            {
                "control": [c.id for c in self.net.controls],
                "mode": [c.mode for c in self.net.controls],
                "active": s.active.copy(),
                "suspended": s.suspended > 0,
                "coverage": s.coverage.copy(),
                "licensed_share": s.licensed_share.copy(),
            }
        )

    def tensions(self) -> dict[str, float]:
        """Current value of each named tension."""
        names = self.net.rules.tensions if self.net.rules is not None else ()
        return {name: float(v) for name, v in zip(names, self.state.tension, strict=True)}
