"""Scenario layer: the data model, YAML/CSV reading and cross-checks."""

from supplyshock.scenario.bundled import DEFAULT_SCENARIO, bundled_scenarios
from supplyshock.scenario.checks import check
from supplyshock.scenario.distributions import Choice, Distribution
from supplyshock.scenario.io import load_scenario, validate
from supplyshock.scenario.schema import Scenario, World

__all__ = [
    "DEFAULT_SCENARIO",
    "Choice",
    "Distribution",
    "Scenario",
    "World",
    "bundled_scenarios",
    "check",
    "load_scenario",
    "validate",
]
