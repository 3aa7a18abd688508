"""Command line: ``supplyshock run | validate | list``. Presentation only: no metrics here."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any, cast

import typer
from rich.console import Console
from rich.table import Table

from supplyshock.cli_batch import register
from supplyshock.cli_report import register as register_report
from supplyshock.errors import ScenarioError
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
        typer.echo(f"  {problem}", err=True)
    return typer.Exit(code=2)


def _load(source: str):  # type: ignore[no-untyped-def]
    from supplyshock.scenario.io import load_scenario

    try:
        return load_scenario(source)
    except ScenarioError as exc:
        raise _fail(exc) from None


def _fmt(value: Any) -> str:
    """Three significant figures: ``0.00412`` t next to ``141`` days, never ``0.0``."""
    from supplyshock.plot.labels import significant

    return significant(float(value))


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
) -> None:
    """Run one replication, print shortfall per bloc member and write a timeline PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from supplyshock import plot
    from supplyshock.sim.engine import run as simulate

    if not 0 <= seed < 2**63:
        errors.print(f"--seed must be between 0 and 2**63 - 1, got {seed}")
        raise typer.Exit(code=2)
    if membership not in ("dated", "ever"):
        errors.print(f"--membership must be dated or ever, got {membership!r}")
        raise typer.Exit(code=2)
    scn = _load(scenario)
    if bloc not in scn.blocs:
        errors.print(
            f"unknown bloc {bloc!r}; the scenario defines: {', '.join(scn.blocs) or 'none'}"
        )
        raise typer.Exit(code=2)
    known = {c.id for c in scn.commodities}
    if commodity and commodity not in known:
        errors.print(
            f"unknown commodity {commodity!r}; the scenario has: {', '.join(sorted(known))}"
        )
        raise typer.Exit(code=2)
    chart = commodity or ("ndfeb_magnet" if "ndfeb_magnet" in known else None)
    result = simulate(scn, seed=seed)
    table = result.shortfall(
        by=["country", "commodity"], bloc=bloc, membership=cast(Any, membership)
    )
    shown = table[table["shortfall"] > 0].sort_values(
        ["country", "shortfall"], ascending=[True, False]
    )
    view = Table(
        title=f"{scn.name}: shortfall of {bloc} members (seed {seed}, membership={membership})",
        caption=table.attrs["caption"],
    )
    for name in (
        "country",
        "commodity",
        "unit",
        "shortfall",
        "peak/day",
        "unmet %",
        "days short",
        "recovery days",
    ):
        view.add_column(
            name, justify="left" if name in {"country", "commodity", "unit"} else "right"
        )
    for row in shown.to_dict("records"):
        view.add_row(
            str(row["country"]),
            str(row["commodity"]),
            str(row["unit"]),
            _fmt(row["shortfall"]),
            _fmt(row["peak_daily_shortfall"]),
            _fmt(100 * row["unmet_share"]),
            str(int(row["days_in_shortfall"])),
            _fmt(row["time_to_recovery_days"]),
        )
    console.print(view)
    if shown.empty:
        console.print(f"No shortfall for any {bloc} member over the horizon.")
    prov = result.provenance
    console.print(f"{prov['simpy_events']:,} SimPy events, {prov['wall_time_s']:.3f} s wall time")
    out.mkdir(parents=True, exist_ok=True)
    ax = plot.shortfall_timeline(result, bloc=bloc, commodity=chart)
    png = out / f"{scn.name}_shortfall.png"
    figure = ax.get_figure(root=True)
    assert figure is not None
    figure.savefig(png, dpi=120)
    plt.close(figure)
    csv = out / f"{scn.name}_shortfall.csv"
    table.to_csv(csv, index=False)
    console.print(f"wrote {png} and {csv}")


@app.command()
def validate(
    files: Annotated[list[str], typer.Argument(help="Scenario files or bundled names.")],
) -> None:
    """Check scenario files; list every problem (exit code 2 if any)."""
    from supplyshock.scenario.io import load_scenario

    failed = False
    for source in files:
        try:
            scn = load_scenario(source)
        except ScenarioError as exc:
            failed = True
            errors.print(f"[red]{source}[/red]: {len(exc.problems)} problem(s)")
            for problem in exc.problems:
                typer.echo(f"  {problem}", err=True)
            continue
        console.print(
            f"OK {source}: {scn.name}, {len(scn.facilities)} facilities, {len(scn.events)} events"
        )
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
        view.add_row(name + marker, text[0] if text else "")
    console.print(view)


register(app)
register_report(app)


if __name__ == "__main__":
    app()
