"""Command line: ``supplyshock report BATCH_DIR [--vs OTHER_DIR] [--out FILE.html]``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from supplyshock.errors import SupplyshockError

__all__ = ["register"]


def report(
    folder: Annotated[Path, typer.Argument(help="Batch folder.")],
    vs: Annotated[
        Path | None, typer.Option("--vs", help="Second batch folder to compare with.")
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="HTML file to write (default: FOLDER/report.html).")
    ] = None,
) -> None:
    """Write one self-contained HTML report of a batch: headline tables, fan charts, the
    comparison with --vs and provenance (opens in a browser, no server needed)."""
    from supplyshock.batch.result import BatchResult
    from supplyshock.report import write_report

    target = out if out is not None else folder / "report.html"
    if target.suffix.lower() not in (".html", ".htm"):
        typer.echo(f"error: --out must name an .html file, got {target}", err=True)
        raise typer.Exit(code=2)
    try:
        batch = BatchResult(folder)
        other = BatchResult(vs) if vs is not None else None
        path = write_report(batch, target, other)
    except SupplyshockError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=2) from None
    typer.echo(f"wrote {path}")


def register(app: typer.Typer) -> None:
    """Add the report command to the main app."""
    app.command()(report)
