"""supplyshock: discrete-event simulation of geopolitical supply disruptions.

The chain mines -> separators -> metal and magnet makers -> fabs -> AI datacenters, with
countries, blocs, trade lanes and a timeline of export controls, suspensions and responses.

>>> import supplyshock as ss
>>> scn = ss.load_scenario("october_2025_suspended")
>>> res = ss.run(scn, seed=1)
>>> table = res.shortfall(by=["country", "commodity"])
"""

from __future__ import annotations

from importlib import import_module
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from supplyshock.errors import Problem, ScenarioError, SupplyshockError, SupplyshockWarning
from supplyshock.scenario import Scenario, World, bundled_scenarios, load_scenario

try:
    __version__ = version("supplyshock")
except PackageNotFoundError:  # pragma: no cover - running from a bare source tree
    __version__ = "0.0.0+unknown"

__all__ = [
    "BatchResult",
    "Problem",
    "RunResult",
    "Scenario",
    "ScenarioError",
    "Simulation",
    "SupplyshockError",
    "SupplyshockWarning",
    "World",
    "__version__",
    "bundled_scenarios",
    "load_scenario",
    "metrics",
    "plot",
    "run",
    "run_batch",
]

_LAZY = {
    "run": ("supplyshock.sim.engine", "run"),
    "Simulation": ("supplyshock.sim.simulation", "Simulation"),
    "run_batch": ("supplyshock.batch.runner", "run_batch"),
    "BatchResult": ("supplyshock.batch.result", "BatchResult"),
    "RunResult": ("supplyshock.results", "RunResult"),
    "plot": ("supplyshock.plot", None),
    "metrics": ("supplyshock.metrics", None),
}


def __getattr__(name: str) -> Any:
    """Import the engine, plots and metrics on first use, keeping ``import supplyshock`` light."""
    if name not in _LAZY:
        raise AttributeError(f"module 'supplyshock' has no attribute {name!r}")
    module_name, attr = _LAZY[name]
    module = import_module(module_name)
    return module if attr is None else getattr(module, attr)
