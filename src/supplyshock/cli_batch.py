"""Command line for Monte Carlo batches: ``supplyshock batch | summary | compare |
sensitivity``."""

from __future__ import annotations

import sys
import warnings
from contextlib import ExitStack
from pathlib import Path
from typing import Annotated, Any, cast

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from supplyshock.cli_calibrate import FIT_HELP, fitted_design
from supplyshock.cli_format import frame_table, progress_reporter, write_frame
from supplyshock.cli_info import compile_notice
from supplyshock.cli_interrupt import stop_at_progress
from supplyshock.cli_text import (
    AllowOutside,
    AllowPath,
    load_noting_warnings,
    markup,
    plain,
    plain_lines,
)
from supplyshock.errors import ScenarioError, SupplyshockError, SupplyshockWarning

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


def _check_metric(name: str) -> None:
    """A one-line error listing the valid names (with a suggestion) for an unknown metric."""
    from supplyshock.metrics import UnknownMetricError, get_metric

    try:
        get_metric(name)
    except UnknownMetricError as exc:
        raise _die(str(exc)) from None


def _check_membership(membership: str) -> None:
    if membership not in ("dated", "ever"):
        raise _die(f"--membership must be dated or ever, got {membership!r}")


MEMBERSHIP_HELP = (
    "How bloc totals count a country: dated (only on the days it is a member) or ever "
    "(on every day if it is a member at any time in the horizon)."
)


def _table(frame: pd.DataFrame, title: str, caption: str | None = None) -> Table:
    return frame_table(frame, title, caption)


def _output_form(csv: bool, json: bool) -> str | None:
    if csv and json:
        raise _die("choose one of --csv and --json")
    return "csv" if csv else "json" if json else None


def _only_bloc(frame: pd.DataFrame, result: Any, bloc: str, level: str) -> pd.DataFrame:
    """Rows of ``bloc`` (bloc level) or of its members (country level)."""
    blocs = result.manifest.get("blocs")
    if blocs is None:  # batches written before the members were recorded
        known = sorted(result.metrics("bloc")["region"].unique()) if level == "bloc" else None
        if level == "country":
            raise _die(
                f"{result.path} does not record bloc members (written by supplyshock "
                f"{result.manifest.get('version')}); use --level bloc --bloc {bloc}"
            )
    else:
        known = sorted(blocs)
    if bloc not in (known or []):
        raise _die(f"unknown bloc {bloc!r}; the batch has: {', '.join(known or []) or 'none'}")
    if level == "bloc":
        return frame[frame["region"] == bloc].reset_index(drop=True)
    return frame[frame["region"].isin(blocs[bloc])].reset_index(drop=True)


CSV_HELP = "Print the table as CSV (every digit) instead of a formatted table."
JSON_HELP = "Print the table as JSON (title, method and caption, rows) instead."
BLOC_HELP = "Only this bloc (--level bloc) or its members (--level country)."


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
        bool,
        typer.Option(
            help="Resume a folder written by another supplyshock version or on another "
            "numeric platform (CPU vector instructions, numpy, scipy, numba)."
        ),
    ] = False,
    membership: Annotated[str, typer.Option(help=MEMBERSHIP_HELP)] = "dated",
    fit: Annotated[Path | None, typer.Option(help=FIT_HELP)] = None,
    allow_path: AllowPath = None,
    allow_outside_paths: AllowOutside = False,
) -> None:
    """Run N replications into OUT as Parquet chunks; rerun the same command to resume."""
    from supplyshock.batch.runner import run_batch
    from supplyshock.batch.sampling import Method

    _check_numbers(n, seed, workers, chunk_size)
    _check_membership(membership)
    if design not in {"random", "lhs", "sobol"}:
        raise _die(f"--design must be random, lhs or sobol, got {design!r}")
    try:
        scn = load_noting_warnings(scenario, allow_path, allow_outside_paths)
    except ScenarioError as exc:
        typer.echo(plain_lines(exc), err=True)
        raise typer.Exit(code=2) from None
    plan = fitted_design(scn, n, seed, design, fit) if fit is not None else None
    compile_notice()
    with ExitStack() as stack:
        executor = _dask_executor(dask, stack) if dask else None
        shown = progress_reporter(stack, errors, plain(f"{scn.name} x {n}"))
        report = stop_at_progress(stack, shown)  # Ctrl-C stops between replications
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
                plan=plan,
                progress=report,
                allow_version_change=allow_version_change,
                membership=cast(Any, membership),
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
    _print_summary(result, "bloc", ["shortfall", "unmet_share"], by_sector=False)


def _done_of(result: Any) -> str:
    done, n = result.n_done, result.manifest["n"]
    return f"{done} replications" if done == n else f"{done} of {n} replications (incomplete)"


def _print_summary(
    result: Any,
    level: str,
    metrics: list[str],
    *,
    by_sector: bool,
    bloc: str = "",
    form: str | None = None,
) -> None:
    table = result.summary(level=level, metrics=metrics, by_sector=by_sector)
    if bloc:
        table = _only_bloc(table, result, bloc, level)
    per = f"{level} and sector" if by_sector else level
    title = (
        f"{result.manifest['scenario']}: {', '.join(metrics)} per {per} across "
        f"{_done_of(result)} (membership={result.membership})"
    )
    if form is not None:
        write_frame(table, form, title)
        return
    table = table[table["mean"] > 0] if len(table) else table
    shown = table.drop(columns=["q25", "q75"], errors="ignore")
    console.print(_table(shown, title, table.attrs.get("caption")))
    rules = result.rule_summary()
    if len(rules):
        console.print(_table(rules, "rules: share of replications fired, first day"))


def summary(
    folder: Annotated[Path, typer.Argument(help="Batch folder.")],
    level: Annotated[str, typer.Option(help="country or bloc.")] = "bloc",
    metric: Annotated[
        list[str] | None,
        typer.Option(help="Metric to summarise (repeat; default: shortfall, unmet_share)."),
    ] = None,
    sector: Annotated[bool, typer.Option("--sector", help="One row per sector.")] = False,
    bloc: Annotated[str, typer.Option(help=BLOC_HELP)] = "",
    csv: Annotated[bool, typer.Option("--csv", help=CSV_HELP)] = False,
    json: Annotated[bool, typer.Option("--json", help=JSON_HELP)] = False,
) -> None:
    """Quantiles of metrics across a batch's replications (``supplyshock metrics`` lists them)."""
    from supplyshock.batch.result import BatchResult

    _check_level(level)
    form = _output_form(csv, json)
    metrics = metric or ["shortfall", "unmet_share"]
    for name in metrics:
        _check_metric(name)
    try:
        result = BatchResult(folder)
        _print_summary(result, level, metrics, by_sector=sector, bloc=bloc, form=form)
    except SupplyshockError as exc:
        raise _die(str(exc)) from None


def compare(
    folder_a: Annotated[Path, typer.Argument(help="Batch folder A (reference).")],
    folder_b: Annotated[Path, typer.Argument(help="Batch folder B.")],
    metric: Annotated[
        str, typer.Option(help="Metric to compare (supplyshock metrics lists them).")
    ] = "shortfall",
    level: Annotated[str, typer.Option(help="country or bloc.")] = "bloc",
    sector: Annotated[bool, typer.Option("--sector", help="One row per sector.")] = False,
    method: Annotated[
        str,
        typer.Option(
            help="auto (paired when both batches share seed and replications), paired or unpaired."
        ),
    ] = "auto",
    bloc: Annotated[str, typer.Option(help=BLOC_HELP)] = "",
    csv: Annotated[bool, typer.Option("--csv", help=CSV_HELP)] = False,
    json: Annotated[bool, typer.Option("--json", help=JSON_HELP)] = False,
) -> None:
    """Mean difference B - A per region and commodity with 95% bootstrap intervals, paired by
    replication when both batches share their draws."""
    from supplyshock.batch.result import BatchResult

    _check_level(level)
    _check_metric(metric)
    form = _output_form(csv, json)
    if method not in ("auto", "paired", "unpaired"):
        raise _die(f"--method must be auto, paired or unpaired, got {method!r}")
    try:
        a, b = BatchResult(folder_a), BatchResult(folder_b)
        table = a.compare(b, metric=metric, level=level, by_sector=sector, method=cast(Any, method))
        if bloc:
            table = _only_bloc(table, a, bloc, level)
    except (SupplyshockError, KeyError) as exc:
        raise _die(str(exc)) from None
    title = (
        f"{metric}: {b.manifest['scenario']} minus {a.manifest['scenario']} "
        f"({table.attrs['method']}, membership={a.membership})"
    )
    if form is not None:
        write_frame(table, form, title)
        return
    console.print(_table(table, title, table.attrs.get("caption")))


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
    metric: Annotated[
        str, typer.Option(help="Metric of the output (supplyshock metrics lists them).")
    ] = "shortfall",
    region: Annotated[str, typer.Option(help="Country or bloc of the output.")] = "alliance",
    commodity: Annotated[str, typer.Option(help="Commodity of the output.")] = "ndfeb_magnet",
    workers: Annotated[int, typer.Option(help="Worker processes (default: all cores).")] = 0,
    chunk_size: Annotated[int, typer.Option(help="Replications per stored chunk.")] = 25,
    out: Annotated[Path, typer.Option(help="Folder for the runs.")] = Path("runs/sensitivity"),
    membership: Annotated[str, typer.Option(help=MEMBERSHIP_HELP)] = "dated",
    allow_path: AllowPath = None,
    allow_outside_paths: AllowOutside = False,
) -> None:
    """Sobol' or Morris sensitivity of a metric to the uncertain parameters."""
    from supplyshock.analysis import sensitivity as sa

    if method not in {"sobol", "morris"}:
        raise _die(f"--method must be sobol or morris, got {method!r}")
    _check_numbers(n, seed, workers, chunk_size)
    _check_metric(metric)
    _check_membership(membership)
    level = "country" if len(region) == 3 and region.isupper() else "bloc"
    output = sa.Output(
        metric=metric,
        region=region,
        commodity=commodity,
        level=level,
        membership=cast(Any, membership),
    )
    try:
        from supplyshock.batch.sampling import uncertain_parameters

        scn = load_noting_warnings(scenario, allow_path, allow_outside_paths)
        d = len(param) if param else len(uncertain_parameters(scn))
        runs = sa.design_runs(method, n, d)
        least = sa.MIN_SOBOL_N if method == "sobol" else sa.MIN_MORRIS_N
        typer.echo(f"{method} with n={n} over {d} parameters: {runs:,} runs", err=True)
        if n < least:
            typer.echo(
                f"warning: n={n} is small for {method} (estimates are unreliable below "
                f"n={least}; check the *_conf columns)",
                err=True,
            )
        compile_notice()
        with warnings.catch_warnings(), ExitStack() as stack:  # warnings said above, once
            warnings.simplefilter("ignore", SupplyshockWarning)
            shown = progress_reporter(stack, errors, plain(f"{scn.name} {method} x {runs:,}"))
            table = sa.sensitivity(
                scn,
                n,
                seed,
                method=cast(Any, method),
                out=out,
                parameters=param or None,
                output=output,
                workers=workers or None,
                chunk_size=chunk_size,
                progress=stop_at_progress(stack, shown),  # Ctrl-C stops between runs
            )
    except KeyboardInterrupt:
        raise _die(
            f"interrupted; finished chunks are kept in {out}, rerun to resume", 130
        ) from None
    except ScenarioError as exc:
        typer.echo(plain_lines(exc), err=True)
        raise typer.Exit(code=2) from None
    except SupplyshockError as exc:
        raise _die(str(exc)) from None
    except OSError as exc:
        raise _die(f"cannot write to {out}: {exc.strerror or exc}") from None
    where = f"{region}, {commodity}" + (f", membership={membership}" if level == "bloc" else "")
    console.print(_table(table, f"{method} indices of {metric} ({where})"))
    table.to_csv(out / f"{method}_indices.csv", index=False)
    console.print(markup(f"wrote {out / f'{method}_indices.csv'}"))


def register(app: typer.Typer) -> None:
    """Add the batch commands to the main app."""
    app.command()(batch)
    app.command()(summary)
    app.command()(compare)
    app.command()(sensitivity)
