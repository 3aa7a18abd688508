"""Command line for Monte Carlo batches: ``supplyshock batch | summary | compare``."""

from __future__ import annotations

import sys
from contextlib import ExitStack
from pathlib import Path
from typing import Annotated, Any, cast

import pandas as pd
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from supplyshock.cli_text import (
    AllowOutside,
    AllowPath,
    load_noting_warnings,
    markup,
    plain,
    plain_lines,
)
from supplyshock.errors import ScenarioError, SupplyshockError

__all__ = ["register"]

# Tables are wide; when printing to a file or pipe, do not squeeze them to 80 columns.
console = Console(width=None if sys.stdout.isatty() else 132)
errors = Console(stderr=True)


def _die(message: str, code: int = 2) -> typer.Exit:
    """Print a one-line error (never wrapped) and return the exit to raise."""
    typer.echo(plain(f"error: {message}"), err=True)
    return typer.Exit(code=code)


MAX_REPLICATIONS = 1_000_000
"""Largest -n accepted (the design alone holds n rows of every uncertain parameter)."""


def _check_numbers(n: int, seed: int, workers: int, chunk_size: int) -> None:
    """One-line errors for out-of-range numbers, before anything is loaded or run."""
    if n <= 0:
        raise _die(f"-n must be positive, got {n}")
    if n > MAX_REPLICATIONS:
        raise _die(f"-n must be at most {MAX_REPLICATIONS:,}, got {n:,}")
    if not 0 <= seed < 2**63:
        raise _die(f"--seed must be between 0 and 2**63 - 1, got {seed}")
    if workers < 0:
        raise _die(f"--workers must be 0 (all cores) or more, got {workers}")
    if chunk_size <= 0:
        raise _die(f"--chunk-size must be positive, got {chunk_size}")


def _check_level(level: str) -> None:
    if level not in ("country", "bloc"):
        raise _die(f"--level must be country or bloc, got {level!r}")


def _table(frame: pd.DataFrame, title: str) -> Table:
    view = Table(title=markup(title))
    for column in frame.columns:
        view.add_column(
            markup(column), justify="right" if frame[column].dtype.kind in "fi" else "left"
        )
    for row in frame.itertuples(index=False):
        view.add_row(*[f"{v:,.4g}" if isinstance(v, float) else markup(v) for v in row])
    return view


def _dask_executor(address: str, stack: ExitStack) -> Any:
    try:
        from distributed import Client
    except ImportError:
        raise _die("--dask needs the optional extra: pip install 'supplyshock[dask]'") from None
    try:
        client = stack.enter_context(Client(address, timeout="5s"))  # type: ignore[no-untyped-call]
    except (OSError, TimeoutError) as exc:
        raise _die(f"cannot reach Dask scheduler at {address}: {exc}") from None
    return client.get_executor()


def batch(
    scenario: Annotated[str, typer.Argument(help="Scenario file or bundled name.")],
    n: Annotated[int, typer.Option("-n", help="Number of replications.")] = 100,
    seed: Annotated[int, typer.Option(help="Batch seed.")] = 1,
    workers: Annotated[int, typer.Option(help="Worker processes (default: all cores).")] = 0,
    out: Annotated[Path, typer.Option(help="Output folder (resumes if it exists).")] = Path(
        "runs/batch"
    ),
    dask: Annotated[str, typer.Option(help="Dask scheduler address, e.g. tcp://host:8786.")] = "",
    design: Annotated[str, typer.Option(help="random, lhs or sobol.")] = "random",
    chunk_size: Annotated[int, typer.Option(help="Replications per stored chunk.")] = 25,
    allow_version_change: Annotated[
        bool, typer.Option(help="Resume a folder written by another supplyshock version.")
    ] = False,
    allow_path: AllowPath = None,
    allow_outside_paths: AllowOutside = False,
) -> None:
    """Run N replications into OUT as Parquet chunks; rerun the same command to resume."""
    from supplyshock.batch.runner import run_batch
    from supplyshock.batch.sampling import Method

    _check_numbers(n, seed, workers, chunk_size)
    if design not in {"random", "lhs", "sobol"}:
        raise _die(f"--design must be random, lhs or sobol, got {design!r}")
    try:
        scn = load_noting_warnings(scenario, allow_path, allow_outside_paths)
    except ScenarioError as exc:
        typer.echo(plain_lines(exc), err=True)
        raise typer.Exit(code=2) from None
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
    )
    with ExitStack() as stack:
        executor = _dask_executor(dask, stack) if dask else None
        progress = stack.enter_context(Progress(*columns, console=errors, transient=False))
        task = progress.add_task(markup(f"{scn.name} x {n}"), total=None)

        def report(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        try:
            result = run_batch(
                scn,
                n,
                seed,
                out=out,
                executor=executor,
                workers=workers or None,
                chunk_size=chunk_size,
                method=cast(Method, design),
                progress=report,
                allow_version_change=allow_version_change,
            )
        except KeyboardInterrupt:
            raise _die(
                f"interrupted; finished chunks are kept in {out}, rerun to resume", 130
            ) from None
        except SupplyshockError as exc:
            raise _die(str(exc)) from None
        except OSError as exc:
            raise _die(f"cannot write to {out}: {exc.strerror or exc}") from None
    console.print(markup(f"{result.n_done} replications in {out}"))
    _print_summary(result, "bloc")


def _done_of(result: Any) -> str:
    done, n = result.n_done, result.manifest["n"]
    return f"{done} replications" if done == n else f"{done} of {n} replications (incomplete)"


def _print_summary(result: Any, level: str) -> None:
    table = result.summary(level=level, metrics=["shortfall", "unmet_share"])
    table = table[table["mean"] > 0] if len(table) else table
    shown = table.drop(columns=["q25", "q75"], errors="ignore")
    console.print(
        _table(
            shown,
            f"{result.manifest['scenario']}: {level} shortfall across {_done_of(result)}",
        )
    )
    rules = result.rule_summary()
    if len(rules):
        console.print(_table(rules, "rules: share of replications fired, first day"))


def summary(
    folder: Annotated[Path, typer.Argument(help="Batch folder.")],
    level: Annotated[str, typer.Option(help="country or bloc.")] = "bloc",
) -> None:
    """Quantiles of shortfall metrics across a batch's replications."""
    from supplyshock.batch.result import BatchResult

    _check_level(level)

    try:
        _print_summary(BatchResult(folder), level)
    except SupplyshockError as exc:
        raise _die(str(exc)) from None


def compare(
    folder_a: Annotated[Path, typer.Argument(help="Batch folder A (reference).")],
    folder_b: Annotated[Path, typer.Argument(help="Batch folder B.")],
    metric: Annotated[str, typer.Option(help="Metric to compare.")] = "shortfall",
    level: Annotated[str, typer.Option(help="country or bloc.")] = "bloc",
) -> None:
    """Mean difference B - A per region and commodity with 95% bootstrap intervals."""
    from supplyshock.batch.result import BatchResult

    _check_level(level)

    try:
        a, b = BatchResult(folder_a), BatchResult(folder_b)
        table = a.compare(b, metric=metric, level=level)
    except (SupplyshockError, KeyError) as exc:
        raise _die(str(exc)) from None
    console.print(
        _table(table, f"{metric}: {b.manifest['scenario']} minus {a.manifest['scenario']}")
    )


def sensitivity(
    scenario: Annotated[str, typer.Argument(help="Scenario file or bundled name.")],
    method: Annotated[str, typer.Option(help="sobol or morris.")] = "sobol",
    n: Annotated[
        int, typer.Option("-n", help="Base sample (sobol) or trajectories (morris).")
    ] = 16,
    seed: Annotated[int, typer.Option(help="Seed of the design and the runs.")] = 1,
    param: Annotated[
        list[str] | None, typer.Option(help="Parameter key to vary (repeat; default: all).")
    ] = None,
    metric: Annotated[str, typer.Option(help="Metric of the output.")] = "shortfall",
    region: Annotated[str, typer.Option(help="Country or bloc of the output.")] = "alliance",
    commodity: Annotated[str, typer.Option(help="Commodity of the output.")] = "ndfeb_magnet",
    workers: Annotated[int, typer.Option(help="Worker processes (default: all cores).")] = 0,
    chunk_size: Annotated[int, typer.Option(help="Replications per stored chunk.")] = 25,
    out: Annotated[Path, typer.Option(help="Folder for the runs.")] = Path("runs/sensitivity"),
    allow_path: AllowPath = None,
    allow_outside_paths: AllowOutside = False,
) -> None:
    """Sobol' or Morris sensitivity of a shortfall metric to the uncertain parameters."""
    from supplyshock.analysis import sensitivity as sa

    if method not in {"sobol", "morris"}:
        raise _die(f"--method must be sobol or morris, got {method!r}")
    _check_numbers(n, seed, workers, chunk_size)
    level = "country" if len(region) == 3 and region.isupper() else "bloc"
    output = sa.Output(metric=metric, region=region, commodity=commodity, level=level)
    try:
        table = sa.sensitivity(
            load_noting_warnings(scenario, allow_path, allow_outside_paths),
            n,
            seed,
            method=cast(Any, method),
            out=out,
            parameters=param or None,
            output=output,
            workers=workers or None,
            chunk_size=chunk_size,
        )
    except ScenarioError as exc:
        typer.echo(plain_lines(exc), err=True)
        raise typer.Exit(code=2) from None
    except SupplyshockError as exc:
        raise _die(str(exc)) from None
    except OSError as exc:
        raise _die(f"cannot write to {out}: {exc.strerror or exc}") from None
    console.print(_table(table, f"{method} indices of {metric} ({region}, {commodity})"))
    table.to_csv(out / f"{method}_indices.csv", index=False)
    console.print(markup(f"wrote {out / f'{method}_indices.csv'}"))


def register(app: typer.Typer) -> None:
    """Add the batch commands to the main app."""
    app.command()(batch)
    app.command()(summary)
    app.command()(compare)
    app.command()(sensitivity)
