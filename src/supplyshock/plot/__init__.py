"""Figures for researchers. Each function takes data and an optional ``ax`` and returns the Axes.

Every function draws with matplotlib only, on ``ax`` if given (otherwise on a new figure),
with a title, axis labels with units and a legend where several series are drawn; bad names
(unknown commodity, country or bloc) and empty tables raise a ``ValueError`` that names them.
matplotlib itself is imported only when a figure is drawn.

>>> import supplyshock as ss
>>> res = ss.run("october_2025_suspended", seed=1)  # doctest: +SKIP
>>> ax = ss.plot.shortfall_timeline(res, commodity="ndfeb_magnet")  # doctest: +SKIP
>>> ax.get_figure().savefig("shortfall.png")  # doctest: +SKIP

=============================  ===========================================================
``shortfall_timeline``         members' share of demand unmet per day, policy events marked
``stockpile_depletion``        strategic reserve levels over time and depletion dates
``unmet_heatmap``              member x commodity share unmet, from a run or a table
``network_flows``              exporters -> importers of one commodity, where controls bite
``prices``                     a commodity's daily price per market (runs with markets)
``fan_chart``                  weekly quantile bands of a country or bloc: several batches,
                               or runs split by a drawn parameter
``tornado``                    Sobol or Morris sensitivity indices, most influential on top
``scenario_comparison``        scenarios side by side (a compare table or several runs)
``pareto_front``               a portfolio search's cost against risk, the front, the best
``portfolio_composition``      what the portfolios of the front hold, by cost per lever
``constraint_satisfaction``    the best portfolio's chance constraints, with sampling error
=============================  ===========================================================

Ids are printed as readable labels (``NdFeB magnets``): pass ``labels=labels_from(scenario)``
to name countries from the scenario's countries table.
"""

from __future__ import annotations

from supplyshock.plot.comparison import scenario_comparison
from supplyshock.plot.decision import constraint_satisfaction, pareto_front, portfolio_composition
from supplyshock.plot.heatmap import unmet_heatmap
from supplyshock.plot.labels import label, labels_from
from supplyshock.plot.network import network_flows
from supplyshock.plot.prices import prices
from supplyshock.plot.timeline import shortfall_timeline, stockpile_depletion
from supplyshock.plot.uncertainty import fan_chart, tornado

__all__ = [
    "constraint_satisfaction",
    "fan_chart",
    "label",
    "labels_from",
    "network_flows",
    "pareto_front",
    "portfolio_composition",
    "prices",
    "scenario_comparison",
    "shortfall_timeline",
    "stockpile_depletion",
    "tornado",
    "unmet_heatmap",
]
