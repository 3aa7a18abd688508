"""HTML pieces of a report: escaped tables with significant figures, figures as inline PNG."""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Sequence
from importlib.resources import files
from string import Template
from typing import TYPE_CHECKING

import pandas as pd

from supplyshock.plot.labels import significant

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["figure", "page", "table"]


def table(
    frame: pd.DataFrame,
    *,
    caption: str = "",
    numbers: Sequence[str] = (),
    percent: Sequence[str] = (),
) -> str:
    """``frame`` as an HTML table: ``numbers`` to three significant figures, ``percent``
    (fractions) as percentages, everything else as escaped text."""
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    rows = []
    for record in frame.itertuples(index=False):
        cells = []
        for column, value in zip(frame.columns, record, strict=True):
            if column in percent:
                cells.append(f'<td class="num">{significant(100 * float(value))}%</td>')
            elif column in numbers:
                cells.append(f'<td class="num">{significant(float(value))}</td>')
            else:
                cells.append(f"<td>{html.escape(str(value))}</td>")
        rows.append(f"<tr>{''.join(cells)}</tr>")
    note = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    return f"<table>{note}<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def figure(ax: Axes, alt: str, dpi: int = 90) -> str:
    """The figure of ``ax`` as an inline PNG (closed afterwards); no timestamp is embedded."""
    import matplotlib.pyplot as plt

    fig = ax.get_figure(root=True)
    assert fig is not None
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
    plt.close(fig)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'<figure><img alt="{html.escape(alt)}" src="data:image/png;base64,{data}"></figure>'


def page(title: str, lead: str, body: str, footer: str) -> str:
    """The whole document, from the package's template (inline CSS, nothing fetched)."""
    text = files("supplyshock.report").joinpath("template.html").read_text(encoding="utf-8")
    return Template(text).substitute(
        title=html.escape(title), lead=html.escape(lead), body=body, footer=html.escape(footer)
    )
