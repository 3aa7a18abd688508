"""Command line: what a scenario can vary and what can be measured (``supplyshock params``,
``supplyshock metrics``), the version, and the one-time kernel compile notice."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from supplyshock.cli_format import sig
from supplyshock.errors import ScenarioError
from supplyshock.scenario.distributions import Choice, Distribution

__all__ = ["COMPILE_NOTICE", "compile_notice", "describe", "register", "version_callback"]

console = Console(width=None if sys.stdout.isatty() else 132)

COMPILE_NOTICE = "compiling kernels, once per install, about half a minute"


def describe(spec: Distribution | Choice) -> str:
    """A distribution in one line: ``uniform(loc=0, scale=1), mean 0.5`` or
    ``choice [True, False] with p [0.3, 0.7]``."""
    if isinstance(spec, Choice):
        p = [sig(x) for x in spec.probabilities()]
        return f"choice {list(spec.choice)} with p [{', '.join(p)}]"
    args = ", ".join(f"{k}={sig(v)}" for k, v in spec.params.items())
    low, high = spec.support()
    return f"{spec.dist}({args}), mean {sig(spec.mean())}, range [{sig(low)}, {sig(high)}]"


def params(
    scenario: Annotated[str, typer.Argument(help="Scenario file or bundled name.")],
) -> None:
    """List the scenario's uncertain parameter keys and their distributions (the keys of
    --param, overrides and designs)."""
    from supplyshock.batch.sampling import uncertain_parameters
    from supplyshock.scenario.io import load_scenario

    try:
        scn = load_scenario(scenario)
    except ScenarioError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(code=2) from None
    specs = uncertain_parameters(scn)
    view = Table(title=escape(f"{scn.name}: {len(specs)} uncertain parameters"))
    view.add_column("key")
    view.add_column("distribution")
    for key, spec in specs.items():
        view.add_row(escape(key), escape(describe(spec)))
    console.print(view)


def metrics() -> None:
    """List every metric: name, unit and what it measures."""
    from supplyshock.metrics import REGISTRY

    view = Table(title=escape("metrics ({unit}: the commodity's unit)"))
    for column in ("name", "unit", "source", "description"):
        view.add_column(column)
    for metric in REGISTRY.values():
        applies = f" ({metric.commodity_unit} commodities)" if metric.commodity_unit else ""
        view.add_row(
            *(escape(t) for t in (metric.name, metric.unit, metric.source)),
            escape(metric.description + applies),
        )
    console.print(view)


def version_callback(value: bool) -> None:
    """``--version``: print the package version and stop."""
    if value:
        from supplyshock import __version__

        typer.echo(f"supplyshock {__version__}")
        raise typer.Exit()


def compile_notice() -> None:
    """Say on stderr that the kernels will compile, when numba's cache of them is cold."""
    from supplyshock.sim.warmup import kernels_cached

    if kernels_cached() is False:
        typer.echo(COMPILE_NOTICE, err=True)


def register(app: typer.Typer) -> None:
    """Add the params and metrics commands to the main app."""
    app.command()(params)
    app.command()(metrics)
