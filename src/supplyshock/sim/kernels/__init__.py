"""Compiled loops for the daily step (numba).

The kernels take a few named structures (:mod:`supplyshock.sim.kernels.structs`): the
network's constants (:class:`Net`), the run state (:class:`St`), per-day work arrays
(:class:`Wk`), the gates in force (:class:`Gate`) and the recorder's arrays (:class:`Rec`).
They read fields by name and update the arrays in place. :func:`morning` computes a day up to
the orders, :func:`allowances` and :func:`request` apply the gates and split the orders,
:func:`afternoon` does the rest of the day; :func:`quiet_days` runs them over many days in one
call while the gates hold. The helpers inside them take explicit arrays, passed field by field
(by keyword where there are many): each function compiled on the whole structures costs a good
fraction of a second to compile, once per install.

The arithmetic follows the order of a plain numpy formulation term by term (per-group sums add
in index order, as ``numpy.bincount`` does), so results do not depend on how the loops are
compiled. Kernels are compiled on first use and cached on disk; nothing is compiled at import.
"""

from supplyshock.sim.kernels.afternoon import afternoon
from supplyshock.sim.kernels.licences import allowances, licensed_share
from supplyshock.sim.kernels.morning import morning
from supplyshock.sim.kernels.requests import content_masks, request
from supplyshock.sim.kernels.stretch import DONE, GATES, RULES, quiet_days
from supplyshock.sim.kernels.structs import Gate, Net, Rec, St, Wk

__all__ = [
    "DONE",
    "GATES",
    "RULES",
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
