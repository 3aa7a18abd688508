"""Compiled loops for the daily step (numba).

Each kernel does one stretch of :class:`~supplyshock.sim.step.Stepper`'s day in a single pass
over facilities, buyers and links, writing into arrays it is given. The arithmetic follows the
order of a plain numpy formulation term by term (per-group sums add in index order, as
``numpy.bincount`` does), so results do not depend on how the loops are compiled. Kernels are
compiled on first use and cached on disk; nothing is compiled at import.
"""

from supplyshock.sim.kernels.afternoon import afternoon
from supplyshock.sim.kernels.licences import allowances, licensed_share
from supplyshock.sim.kernels.morning import morning
from supplyshock.sim.kernels.requests import content_masks, request
from supplyshock.sim.kernels.stretch import DONE, GATES, QUALIFY, quiet_days
from supplyshock.sim.kernels.structs import Gate, Net, Rec, St, Wk

__all__ = [
    "DONE",
    "GATES",
    "QUALIFY",
    "Gate",
    "Net",
    "Rec",
    "St",
    "Wk",
    "afternoon",
    "allowances",
    "content_masks",
    "licensed_share",
    "morning",
    "quiet_days",
    "request",
]
