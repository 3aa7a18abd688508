"""Command line: ``supplyshock run | validate | list`` and ``--version``; the batch commands
are in :mod:`supplyshock.cli_batch`, ``params`` and ``metrics`` in :mod:`supplyshock.cli_info`,
``calibrate`` in :mod:`supplyshock.cli_calibrate`, ``optimize`` in
:mod:`supplyshock.cli_optimize`.
Presentation only: no metrics here."""

from __future__ import annotations

import inspect
import sys
from pathlib import Path
from typing import Annotated, Any, cast

import typer
from rich.console import Console
from rich.table import Table

from supplyshock.cli_batch import register
from supplyshock.cli_calibrate import FIT_HELP, fit_overrides
from supplyshock.cli_calibrate import register as register_calibrate
from supplyshock.cli_format import mostly_unmet, sig
from supplyshock.cli_info import compile_notice, version_callback
from supplyshock.cli_info import register as register_info
from supplyshock.cli_optimize import register as register_optimize
from supplyshock.cli_report import register as register_report
from supplyshock.cli_text import (
    AllowOutside,
    AllowPath,
    file_stem,
    load_noting_warnings,
    markup,
    plain,
)
from supplyshock.errors import ScenarioError, SupplyshockError
from supplyshock.scenario.bundled import DEFAULT_SCENARIO, bundled_scenarios

app = typer.Typer(
    help="Simulate geopolitical supply disruptions from rare-earth mines to AI datacenters.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
# Tables are wide; when printing to a file or pipe, do not squeeze them to 80 columns.
console = Console(width=None if sys.stdout.isatty() else 132)
errors = Console(stderr=True)

__all__ = ["app"]


def _fail(exc: ScenarioError) -> typer.Exit:
    errors.print(f"[bold red]{len(exc.problems)} problem(s)[/bold red]")
    for problem in exc.problems:
        typer.echo(f"  {plain(problem)}", err=True)
    return typer.Exit(code=2)


def _load(source: str, roots: list[Path] | None, allow_outside: bool):  # type: ignore[no-untyped-def]
    try:
        return load_noting_warnings(source, roots, allow_outside)
    except ScenarioError as exc:
        raise _fail(exc) from None


@app.command()
def run(
    scenario: Annotated[
        str, typer.Argument(help="Scenario file or bundled name.")
    ] = DEFAULT_SCENARIO,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 1,
    out: Annotated[Path, typer.Option(help="Folder for the chart and table.")] = Path("out"),
    bloc: Annotated[str, typer.Option(help="Bloc whose members are reported.")] = "alliance",
    commodity: Annotated[
        str, typer.Option(help="Commodity charted (default: ndfeb_magnet if the world has it).")
    ] = "",
    membership: Annotated[
        str,
        typer.Option(
            help="Count members only on the days they belong to the bloc (dated) or on every "
            "day if they ever do (ever)."
        ),
    ] = "dated",
    fit: Annotated[Path | None, typer.Option(help=FIT_HELP)] = None,
    allow_path: AllowPath = None,
    allow_outside_paths: AllowOutside = False,
) -> None:
    """Run one replication, print shortfall per bloc member and write a timeline PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from supplyshock import plot
    from supplyshock.metrics import REGISTRY
    from supplyshock.metrics.functions import ROUND_OFF
    from supplyshock.sim.engine import run as simulate

    if not 0 <= seed < 2**63:
        errors.print(f"--seed must be between 0 and 2**63 - 1, got {seed}")
        raise typer.Exit(code=2)
    if membership not in ("dated", "ever"):
        errors.print(f"--membership must be dated or ever, got {membership!r}")
        raise typer.Exit(code=2)
    scn = _load(scenario, allow_path, allow_outside_paths)
    if bloc not in scn.blocs:
        defined = ", ".join(scn.blocs) or "none"
        typer.echo(plain(f"unknown bloc {bloc!r}; the scenario defines: {defined}"), err=True)
        raise typer.Exit(code=2)
    known = {c.id for c in scn.commodities}
    if commodity and commodity not in known:
        has = ", ".join(sorted(known))
        typer.echo(plain(f"unknown commodity {commodity!r}; the scenario has: {has}"), err=True)
        raise typer.Exit(code=2)
    chart = commodity or ("ndfeb_magnet" if "ndfeb_magnet" in known else None)
    overrides = fit_overrides(fit, scn.content_hash()) if fit is not None else None
    compile_notice()
    try:
        result = simulate(scn, seed=seed, overrides=overrides)
    except SupplyshockError as exc:
        typer.echo(plain(f"error: {exc}"), err=True)
        raise typer.Exit(code=2) from None
    table = result.shortfall(
        by=["country", "commodity"], bloc=bloc, membership=cast(Any, membership)
    )
    # rows with a real shortfall (not round-off of summed flows: 1e-9 of demand)
    shown = table[table["unmet_share"] > ROUND_OFF].sort_values(
        ["country", "shortfall"], ascending=[True, False]
    )
    view = Table(
        title=markup(f"{scn.name}: shortfall of {bloc} members (seed {seed}, {membership=!s})"),
        caption=markup(table.attrs["caption"]),
    )
    for name in ("country", "commodity", "shortfall", "peak", "unmet", "days short", "recovery"):
        view.add_column(name, justify="left" if name in {"country", "commodity"} else "right")

    def cell(row: dict[Any, Any], metric: str, scale: float = 1.0, unit: str = "") -> str:
        value = row[metric] * scale
        if value != value:  # NaN: not recovered within the horizon
            return "-"
        return markup(f"{sig(value)} {unit or REGISTRY[metric].unit_of(row['unit'])}")

    for row in shown.to_dict("records"):
        view.add_row(
            markup(str(row["country"])),
            markup(str(row["commodity"])),
            cell(row, "shortfall"),
            cell(row, "peak_daily_shortfall"),
            cell(row, "unmet_share", 100.0, "%"),
            cell(row, "days_in_shortfall"),
            cell(row, "time_to_recovery_days"),
        )
    console.print(view)
    by_sector = ["country", "sector", "commodity"]
    for line in mostly_unmet(
        shown,
        result.shortfall(by=by_sector, bloc=bloc, membership=cast(Any, membership)),
        result.shortfall(by=by_sector),
    ):
        console.print(markup(line))
    if shown.empty:
        console.print(markup(f"No shortfall for any {bloc} member over the horizon."))
    prov = result.provenance
    console.print(f"{prov['simpy_events']:,} SimPy events, {prov['wall_time_s']:.3f} s wall time")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        typer.echo(plain(f"error: cannot write to {out}: {exc.strerror}"), err=True)
        raise typer.Exit(code=2) from None
    stem = file_stem(scn.name)  # never a path: always inside out
    ax = plot.shortfall_timeline(result, bloc=bloc, commodity=chart)
    png = out / f"{stem}_shortfall.png"
    figure = ax.get_figure(root=True)
    assert figure is not None
    figure.savefig(png, dpi=120)
    plt.close(figure)
    csv = out / f"{stem}_shortfall.csv"
    table.to_csv(csv, index=False)
    console.print(markup(f"wrote {png} and {csv}"))


@app.command()
def validate(
    files: Annotated[list[str], typer.Argument(help="Scenario files or bundled names.")],
    allow_path: AllowPath = None,
    allow_outside_paths: AllowOutside = False,
) -> None:
    """Check scenario files; list every problem (exit code 2 if any)."""
    failed = False
    for source in files:
        try:
            scn = load_noting_warnings(source, allow_path, allow_outside_paths)
        except ScenarioError as exc:
            failed = True
            errors.print(f"[red]{markup(source)}[/red]: {len(exc.problems)} problem(s)")
            for problem in exc.problems:
                typer.echo(f"  {plain(problem)}", err=True)
            continue
        counts = f"{len(scn.facilities)} facilities, {len(scn.events)} events"
        console.print(markup(f"OK {source}: {scn.name}, {counts}"))
    if failed:
        raise typer.Exit(code=2)


@app.command(name="list")
def list_scenarios() -> None:
    """List the bundled scenarios with their one-line descriptions."""
    import yaml

    view = Table(title="bundled scenarios")
    view.add_column("name")
    view.add_column("description")
    for name, path in bundled_scenarios().items():
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError:
            data = {}
        text = str(data.get("description", "")).strip().splitlines()
        marker = " (default)" if name == DEFAULT_SCENARIO else ""
        view.add_row(markup(name + marker), markup(text[0] if text else ""))
    console.print(view)


@app.callback()
def main(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=version_callback, is_eager=True, help="Print the version."
        ),
    ] = False,
) -> None:
    """Simulate geopolitical supply disruptions from rare-earth mines to AI datacenters."""
    from supplyshock.batch.memory import keep_freed_memory

    keep_freed_memory()  # this process runs replication after replication (batch, calibrate)


def _summaries(app: typer.Typer) -> None:
    """Each command's line in ``supplyshock --help``: its docstring's first paragraph as one
    paragraph (the list would break it where the source does), literals in single backticks."""
    for info in app.registered_commands:
        doc = info.help or (info.callback.__doc__ if info.callback else None)
        if info.short_help is None and doc:
            first = inspect.cleandoc(doc).split("\n\n")[0]
            info.short_help = " ".join(first.replace("``", "`").split())


register(app)
register_info(app)
register_report(app)
register_calibrate(app)
register_optimize(app)
_summaries(app)


if __name__ == "__main__":
    app()
