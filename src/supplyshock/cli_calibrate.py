"""Command line for calibration: ``supplyshock calibrate SPEC``, and reading the ``--fit``
file that ``run`` and ``batch`` accept. Presentation only: the fitting is in
:mod:`supplyshock.calibrate`."""

from __future__ import annotations

import sys
import time
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, cast

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from supplyshock.cli_format import sig
from supplyshock.cli_info import compile_notice
from supplyshock.cli_interrupt import stop_at_progress
from supplyshock.cli_text import markup, plain, plain_lines
from supplyshock.errors import SupplyshockError

if TYPE_CHECKING:
    from supplyshock.scenario.schema import Scenario

__all__ = ["FIT_HELP", "fit_overrides", "fitted_design", "register"]

console = Console(width=None if sys.stdout.isatty() else 132)

FIT_HELP = (
    "A stored calibration (NAME.fit.yaml from `supplyshock calibrate`): its fitted parameter "
    "values replace the scenario's draws in every replication."
)


def fit_overrides(path: Path, scenario_hash: str) -> dict[str, float]:
    """The values of a stored fit, for ``--fit``; a warning on stderr if the fit was made for
    other scenario content (the keys still have to exist: the run checks them)."""
    from supplyshock.calibrate import load_fit

    try:
        fit = load_fit(path)
    except SupplyshockError as exc:
        typer.echo(plain_lines(exc), err=True)
        raise typer.Exit(code=2) from None
    if fit.scenario_hash != scenario_hash:
        message = (
            f"{path} was fitted to {fit.scenario} with content hash {fit.scenario_hash[:12]}; "
            f"this scenario's is {scenario_hash[:12]}"
        )
        typer.echo(plain(f"warning: {message}"), err=True)
    return fit.overrides


def fitted_design(scn: Scenario, n: int, seed: int, method: str, fit: Path) -> pd.DataFrame:
    """``batch --fit``: the sampled design with the fitted parameters' columns set to the
    fit's values (every replication uses them; the other parameters are still sampled)."""
    from supplyshock.batch.sampling import Method, design

    values = fit_overrides(fit, scn.content_hash())
    plan = design(scn, n, seed, cast(Method, method))
    unknown = sorted(set(values) - set(plan.columns))
    if unknown:
        message = f"{fit}: {scn.name} has no uncertain parameter {', '.join(unknown)}"
        typer.echo(plain(f"error: {message}"), err=True)
        raise typer.Exit(code=2)
    for key, value in values.items():
        plan[key] = value
    return plan


def _values_table(fit: object, spec: object) -> Table:
    from supplyshock.calibrate import CalibrationSpec, Fit

    assert isinstance(fit, Fit) and isinstance(spec, CalibrationSpec)
    view = Table(title=markup(f"{fit.name}: fitted parameters ({fit.scenario})"))
    for column in ("parameter", "value", "bounds", "start"):
        view.add_column(column, justify="left" if column == "parameter" else "right")
    for key, value in fit.values.items():
        b = spec.parameters[key]
        start = "-" if b.start is None else sig(b.start)
        view.add_row(markup(key), sig(value, 4), f"[{sig(b.low)}, {sig(b.high)}]", start)
    return view


def _errors_table(metrics: pd.DataFrame, name: str) -> Table:
    view = Table(title=markup(f"{name}: train and test errors"))
    for column in ("series", "split", "months", "metric", "error", "band", "pass"):
        view.add_column(
            column, justify="left" if column in {"series", "split", "metric"} else "right"
        )
    for row in metrics.to_dict("records"):
        band = (
            "-"
            if pd.isna(row["band_low"])
            else f"[{sig(row['band_low'])}, {sig(row['band_high'])}]"
        )
        verdict = {True: "pass", False: "FAIL", None: "-"}[row["passed"]]
        view.add_row(
            markup(row["series"]),
            row["split"],
            str(row["months"]),
            row["metric"],
            sig(row["value"]),
            band,
            verdict,
        )
    return view


def calibrate(
    spec: Annotated[str, typer.Argument(help="Calibration spec file or bundled spec name.")],
    out: Annotated[
        Path | None,
        typer.Option(help="Where to write the fit (default: NAME.fit.yaml beside the spec)."),
    ] = None,
    workers: Annotated[int, typer.Option(help="Worker processes (default: 1).")] = 1,
    replications: Annotated[
        int, typer.Option(help="Paired-seed replications per evaluation (default: the spec's).")
    ] = 0,
) -> None:
    """Fit a spec's declared parameters to its train months; print the values and the train
    and test errors, and write the fit (apply it with `run --fit` or `batch --fit`)."""
    from supplyshock.calibrate import Evaluation, compare, fitted_path, load_spec
    from supplyshock.calibrate import calibrate as fit_spec

    if workers < 0:
        typer.echo(f"error: --workers must be 0 (all cores) or more, got {workers}", err=True)
        raise typer.Exit(code=2)
    if replications < 0:
        typer.echo(f"error: --replications must be positive, got {replications}", err=True)
        raise typer.Exit(code=2)
    try:
        loaded, scn = load_spec(spec)
    except SupplyshockError as exc:
        typer.echo(plain_lines(exc), err=True)
        raise typer.Exit(code=2) from None
    n = replications or loaded.objective.replications
    compile_notice()
    start = time.monotonic()
    keys = loaded.keys()
    typer.echo(
        plain(
            f"calibrating {', '.join(keys)} of {scn.name} on {n} paired seeds "
            f"(at most {loaded.optimizer.max_evaluations} evaluations)"
        ),
        err=True,
    )

    def progress(e: Evaluation) -> None:
        values = ", ".join(f"{sig(v, 4)}" for v in e.values.values())
        typer.echo(
            f"  {e.number:>3}/{e.budget}  ({values})  msre {e.objective:.5f}  best {e.best:.5f}"
            f"  {time.monotonic() - start:.0f} s",
            err=True,
        )

    path: Path | None = None
    try:
        with ExitStack() as stack:  # Ctrl-C: after the evaluation in progress
            report = stop_at_progress(stack, progress)
            fit = fit_spec(loaded, scenario=scn, workers=workers, progress=report, replications=n)
        path = fit.save(out or fitted_path(loaded))
        comparison = compare(loaded, scn, fit.values, replications=n, workers=workers)
    except KeyboardInterrupt:
        done = f"the fit is written to {path}" if path else "no fit written"
        typer.echo(plain(f"interrupted; {done}"), err=True)
        raise typer.Exit(code=130) from None
    except SupplyshockError as exc:
        typer.echo(plain_lines(exc), err=True)
        raise typer.Exit(code=2) from None
    except OSError as exc:
        typer.echo(plain(f"error: cannot write the fit: {exc.strerror or exc}"), err=True)
        raise typer.Exit(code=2) from None
    elapsed = time.monotonic() - start
    console.print(_values_table(fit, loaded))
    console.print(
        markup(
            f"msre on {fit.train_months} train months: {fit.objective:.5f}; "
            f"{fit.evaluations} evaluations, {elapsed:.0f} s; method: {fit.method}"
        )
    )
    console.print(_errors_table(comparison.metrics, loaded.name))
    console.print(markup(f"wrote {path}"))


def register(app: typer.Typer) -> None:
    """Add the calibrate command to the main app."""
    app.command()(calibrate)
