"""Command line: ``supplyshock optimize SCENARIO``: the cheapest portfolio of the scenario's
levers meeting chance constraints across sampled futures. Presentation only."""

from __future__ import annotations

import datetime as dt
import re
import sys
from contextlib import ExitStack
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import TaskID

from supplyshock.cli_format import frame_table, progress_bars, progress_reporter, sig
from supplyshock.cli_interrupt import stop_at_progress
from supplyshock.cli_text import AllowOutside, AllowPath, load_noting_warnings, plain
from supplyshock.errors import ScenarioError, SupplyshockError

__all__ = ["parse_constraint", "parse_lever", "register"]

console = Console(width=None if sys.stdout.isatty() else 132)
errors = Console(stderr=True)

_CONSTRAINT = re.compile(
    r"^(?P<region>[^:\s]+):(?P<commodity>[^:\s]+):(?P<metric>\w+)\s*<=\s*(?P<x>[^@\s]+)"
    r"\s*@\s*(?P<p>[0-9.]+%?)$"
)
CONSTRAINT_HELP = (
    "REGION:COMMODITY:METRIC<=X@P, e.g. USA:ndfeb_magnet:unmet_share<=0.05@0.9 (repeat); "
    "default: the scenario's decision.constraints."
)
LEVER_HELP = (
    "NAME or NAME=LOW:HIGH: search this lever of the scenario (with other bounds); repeat. "
    "Default: every lever."
)


def parse_constraint(text: str, window: tuple[dt.date, dt.date] | None = None) -> dict[str, Any]:
    """``REGION:COMMODITY:METRIC<=X@P`` as chance-constraint fields (``P`` may be ``90%``).

    >>> parse_constraint("USA:ndfeb_magnet:unmet_share<=0.05@90%")["probability"]
    0.9
    """
    found = _CONSTRAINT.match(text.strip())
    if found is None:
        raise ValueError(f"--constraint {text!r} must look like REGION:COMMODITY:METRIC<=X@P")
    p = found["p"]
    probability = float(p[:-1]) / 100 if p.endswith("%") else float(p)
    fields: dict[str, Any] = {
        "region": found["region"],
        "commodity": found["commodity"],
        "metric": found["metric"],
        "at_most": float(found["x"]),
        "probability": probability,
    }
    if window is not None:
        fields.update(start=window[0], end=window[1])
    return fields


def _constraint(text: str, window: tuple[dt.date, dt.date] | None) -> Any:
    """The chance constraint of ``--constraint TEXT``; a ValueError naming the option, the
    field and the value if a field is out of range (e.g. a probability of 1.9)."""
    from pydantic import ValidationError

    from supplyshock.scenario.levers import ChanceConstraint

    try:
        return ChanceConstraint(**parse_constraint(text, window))
    except ValidationError as exc:
        wrong = "; ".join(
            f"{'.'.join(str(part) for part in err['loc'])}: {err['msg']} (got {err['input']!r})"
            for err in exc.errors()
        )
        raise ValueError(f"--constraint {text!r}: {wrong}") from None


def parse_lever(text: str) -> tuple[str, tuple[float, float] | None]:
    """``NAME`` or ``NAME=LOW:HIGH``.

    >>> parse_lever("us_reserve=0:900")
    ('us_reserve', (0.0, 900.0))
    """
    name, _, bounds = text.partition("=")
    if not bounds:
        return name.strip(), None
    low, sep, high = bounds.partition(":")
    if not sep:
        raise ValueError(f"--lever {text!r} must look like NAME or NAME=LOW:HIGH")
    return name.strip(), (float(low), float(high))


def _window(text: str | None) -> tuple[dt.date, dt.date] | None:
    if not text:
        return None
    start, sep, end = text.partition(":")
    if not sep:
        raise ValueError(f"--window {text!r} must look like START:END (dates)")
    return dt.date.fromisoformat(start), dt.date.fromisoformat(end)


def _die(message: str) -> typer.Exit:
    typer.echo(plain(f"error: {message}"), err=True)
    return typer.Exit(code=2)


def _staged(stack: ExitStack) -> Any:
    """A ``(stage, done, total)`` callback: on a terminal one bar per stage in one display,
    else plain lines on stderr."""
    if errors.is_terminal:
        bar = progress_bars(stack, errors)
        tasks: dict[str, TaskID] = {}

        def update_bar(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(escape(stage), total=total)
            bar.update(tasks[stage], completed=done, total=total)

        return update_bar
    lines: dict[str, Any] = {}

    def update_line(stage: str, done: int, total: int) -> None:
        if stage not in lines:
            lines[stage] = progress_reporter(stack, errors, stage)
        lines[stage](done, total)

    return update_line


def optimize(
    scenario: Annotated[str, typer.Argument(help="Scenario file or bundled name.")],
    lever: Annotated[list[str] | None, typer.Option(help=LEVER_HELP)] = None,
    constraint: Annotated[list[str] | None, typer.Option(help=CONSTRAINT_HELP)] = None,
    window: Annotated[
        str | None,
        typer.Option(help="START:END dates over which --constraint metrics are computed."),
    ] = None,
    futures: Annotated[int, typer.Option(help="Sampled futures shared by every candidate.")] = 100,
    recheck: Annotated[
        int | None, typer.Option(help="Fresh futures to re-check the best (default: --futures).")
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed of the futures.")] = 0,
    method: Annotated[str, typer.Option(help="bisect (monotone levers) or grid.")] = "bisect",
    grid_points: Annotated[int, typer.Option(help="Values per lever on the grid.")] = 5,
    workers: Annotated[int, typer.Option(help="Worker processes (0: all cores).")] = 0,
    out: Annotated[
        Path | None, typer.Option(help="Folder that keeps evaluated candidates (resume).")
    ] = None,
    plot: Annotated[
        Path | None, typer.Option(help="Folder for the Pareto, composition and constraint PNGs.")
    ] = None,
    membership: Annotated[str, typer.Option(help="Bloc accounting: dated or ever.")] = "dated",
    margin: Annotated[
        float,
        typer.Option(help="Ask for P + MARGIN in the search's futures (out-of-sample safety)."),
    ] = 0.0,
    early_stop: Annotated[
        bool,
        typer.Option(
            help="Stop running a candidate once its feasibility is settled (fewer runs; the "
            "risk of a stopped candidate is then an upper bound)."
        ),
    ] = False,
    allow_path: AllowPath = None,
    allow_outside_paths: AllowOutside = False,
) -> None:
    """Find the cheapest portfolio of the scenario's levers such that every chance constraint
    P(metric <= X) >= P holds across sampled futures; print it, the Pareto front of cost
    against risk and the re-check on fresh futures with its sampling error."""
    from supplyshock.analysis.robust import robust_search

    if futures <= 0 or (recheck is not None and recheck < 0) or workers < 0:
        raise _die("--futures must be positive, --recheck and --workers at least 0")
    if not 0 <= margin < 1:
        raise _die(f"--margin must be at least 0 and below 1, got {margin}")
    if method not in ("bisect", "grid"):
        raise _die(f"--method must be bisect or grid, got {method!r}")
    try:
        span = _window(window)
        wanted = [_constraint(t, span) for t in constraint or []]
        picked = [parse_lever(t) for t in lever or []]
    except ValueError as exc:
        raise _die(str(exc).splitlines()[0]) from None
    try:
        scn = load_noting_warnings(scenario, allow_path, allow_outside_paths)
        levers: Any = None
        if picked:
            unknown = [n for n, _ in picked if n not in scn.levers]
            if unknown:
                raise _die(f"no lever {unknown[0]!r}; the scenario has {sorted(scn.levers)}")
            levers = {
                name: scn.levers[name].model_copy(
                    update={"low": bounds[0], "high": bounds[1]} if bounds else {}
                )
                for name, bounds in picked
            }
        with ExitStack() as stack:
            found = robust_search(
                scn,
                wanted or None,
                levers=levers,
                futures=futures,
                seed=seed,
                method=method,  # type: ignore[arg-type]
                grid_points=grid_points,
                recheck_futures=recheck,
                workers=workers or None,
                out=out,
                progress=stop_at_progress(stack, _staged(stack)),  # Ctrl-C: between runs
                membership=membership,  # type: ignore[arg-type]
                early_stop=early_stop,
                margin=margin,
            )
    except KeyboardInterrupt:
        if out:
            kept = f"finished runs are kept in {out}, rerun to resume"
        else:
            kept = "nothing kept (--out FOLDER keeps finished runs)"
        typer.echo(plain(f"interrupted; {kept}"), err=True)
        raise typer.Exit(code=130) from None
    except ScenarioError as exc:
        errors.print(f"[bold red]{len(exc.problems)} problem(s)[/bold red]")
        for problem in exc.problems:
            typer.echo(f"  {plain(problem)}", err=True)
        raise typer.Exit(code=2) from None
    except SupplyshockError as exc:
        raise _die(str(exc)) from None
    _report(found, out, plot)


def _report(found: Any, out: Path | None, plot: Path | None) -> None:
    shared = found.runs - found.simulated
    made = f" ({found.simulated} runs, {shared} covered by one)" if shared > 0 else ""
    console.print(
        f"{len(found.candidates)} portfolios x {found.futures} futures, {found.runs} "
        f"evaluations{made} in {found.seconds:.0f} s ({found.method})"
    )
    if found.best is None:
        console.print("[bold red]no portfolio within the bounds meets every constraint[/]")
    else:
        best = found.best
        rows = [
            {
                "lever": name,
                "value": value,
                "unit": found.levers[name].unit,
                "cost_usd": best.lever_costs.get(name, 0.0),
            }
            for name, value in best.portfolio.items()
        ]
        title = f"cheapest feasible portfolio: {sig(best.cost)} US$ (present value)"
        console.print(frame_table(pd.DataFrame(rows), title))
        shown = found.constraint_table().drop(
            columns=["region", "commodity", "metric", "at_most", "probability"]
        )
        console.print(frame_table(shown, "chance constraints: share of futures meeting them"))
    front = found.table()
    front = front[front["on_front"]].drop(columns=["on_front"])
    console.print(frame_table(front, "Pareto front: cost against risk"))
    if out is not None:
        found.table().to_csv(out / "candidates.csv", index=False)
        console.print(f"wrote {out / 'candidates.csv'}")
    if plot is not None:
        _figures(found, plot)


def _figures(found: Any, folder: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from supplyshock import plot

    folder.mkdir(parents=True, exist_ok=True)
    drawers = [("pareto", plot.pareto_front), ("composition", plot.portfolio_composition)]
    if found.best is not None:
        drawers.append(("constraints", plot.constraint_satisfaction))
    for name, draw in drawers:
        figure = draw(found).get_figure(root=True)
        assert figure is not None
        path = folder / f"{name}.png"
        figure.savefig(path, dpi=110)
        plt.close(figure)
        console.print(f"wrote {path}")


def register(app: typer.Typer) -> None:
    """Add the optimize command to the main app."""
    app.command()(optimize)
