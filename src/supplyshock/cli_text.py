"""Text from scenario data that the command line prints or uses as a file name, made safe.

Names and values come from files a user may not have written: a control character could
rewrite the terminal, ``[/]`` would be read as rich markup, and ``../x`` or ``/tmp/x`` as a
scenario name would write outside the output folder.
"""

from __future__ import annotations

import re
import unicodedata
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

if TYPE_CHECKING:
    from supplyshock.scenario.schema import Scenario

__all__ = [
    "AllowOutside",
    "AllowPath",
    "file_stem",
    "load_noting_warnings",
    "markup",
    "plain",
    "plain_lines",
]

AllowPath = Annotated[
    list[Path] | None,
    typer.Option(
        "--allow-path",
        help="Folder whose files extends and table paths may read (repeat); the scenario's "
        "folder and the bundled scenarios always may.",
    ),
]
AllowOutside = Annotated[
    bool,
    typer.Option("--allow-outside-paths", help="Let extends and table paths read files anywhere."),
]

MAX_STEM = 100
"""Longest file-name stem made from a scenario name."""


def plain(text: object) -> str:
    """``str(text)`` with control and format characters (escape sequences, NUL, newlines,
    right-to-left overrides) written as ``\\xNN`` / ``\\uNNNN``.

    >>> plain("ok\\x1b[31m red")
    'ok\\\\x1b[31m red'
    """
    out = []
    for char in str(text):
        if unicodedata.category(char) in ("Cc", "Cf") and char != "\t":
            code = ord(char)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
        else:
            out.append(char)
    return "".join(out)


def plain_lines(text: object) -> str:
    """:func:`plain` line by line: a multi-line message keeps its lines."""
    return "\n".join(plain(line) for line in str(text).split("\n"))


def markup(text: object) -> str:
    """:func:`plain`, then escaped for rich markup (``[`` is shown, not interpreted)."""
    return escape(plain(text))


def file_stem(name: str) -> str:
    """A file-name stem from a scenario name: only ``A-Z a-z 0-9 . _ -``, no leading dot,
    at most :data:`MAX_STEM` characters, never empty, so that ``out / f"{stem}.csv"`` stays
    in ``out``.

    >>> file_stem("../../etc/passwd")
    'etc_passwd'
    >>> file_stem("october_2025")
    'october_2025'
    """
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", name)
    stem = stem.lstrip("._")[:MAX_STEM].rstrip("_")
    return stem or "scenario"


def load_noting_warnings(
    source: str, roots: list[Path] | None = None, allow_outside: bool = False
) -> Scenario:
    """:func:`~supplyshock.load_scenario`, printing each
    :class:`~supplyshock.errors.SupplyshockWarning` as one ``warning:`` line on stderr."""
    from supplyshock.errors import SupplyshockWarning
    from supplyshock.scenario.io import load_scenario

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", SupplyshockWarning)
        try:
            return load_scenario(source, roots=roots or (), allow_outside=allow_outside)
        finally:
            for item in caught:
                if issubclass(item.category, SupplyshockWarning):
                    typer.echo(f"warning: {plain(item.message)}", err=True)
                else:
                    warnings.warn_explicit(item.message, item.category, item.filename, item.lineno)
