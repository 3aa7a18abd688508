"""Short text and HTML summaries of scenarios, runs and batches (for ``print`` and notebooks).

Each is a few lines, well under a kilobyte for any size of model: names, dates, counts and a
headline; never the arrays or tables themselves.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from supplyshock.batch.result import BatchResult
    from supplyshock.results import RunResult
    from supplyshock.scenario.schema import World

__all__ = ["HEADLINE", "batch_lines", "html_table", "run_lines", "scenario_lines", "text"]

HEADLINE = 3
"""Commodities named in a run's headline (those with the largest unmet share)."""


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def scenario_lines(scn: World) -> list[tuple[str, str]]:
    """(label, value) rows describing a scenario or world."""
    from supplyshock.cli_format import sig

    events = getattr(scn, "events", [])
    rules = getattr(scn, "rules", [])
    counts = ", ".join(
        _count(n, one, many)
        for n, one, many in (
            (len(scn.countries), "country", "countries"),
            (len(scn.commodities), "commodity", "commodities"),
            (len(scn.facilities), "facility", "facilities"),
            (len(scn.blocs), "bloc", "blocs"),
            (len(events), "event", "events"),
            (len(rules), "rule", "rules"),
        )
    )
    return [
        ("name", scn.name),
        ("dates", f"{scn.start} to {scn.end} ({sig(scn.horizon_days)} days)"),
        ("contents", counts),
    ]


def run_lines(res: RunResult) -> list[tuple[str, str]]:
    """(label, value) rows describing a run: provenance, size and headline shortfall."""
    from supplyshock.cli_format import sig
    from supplyshock.metrics.functions import clip_round_off

    prov = res.provenance
    seed = prov.get("seed")
    key = prov.get("spawn_key")
    seed_text = f"{seed}" + (f" (replication {key[0]})" if key else "")
    short = res.cubes["shortfall"].sum(axis=(0, 1))
    demand = res.cubes["demand"].sum(axis=(0, 1))
    short = clip_round_off(short, demand)
    share = np.divide(short, demand, out=np.zeros_like(short), where=demand > 0)
    order = [k for k in np.argsort(-share, kind="stable") if short[k] > 0][:HEADLINE]
    headline = ", ".join(
        f"{res.commodities[k]} {sig(short[k])} {res.units[k]} ({sig(100 * share[k])}%)"
        for k in order
    )
    first, last = res.dates[0] if len(res.dates) else "", res.dates[-1] if len(res.dates) else ""
    return [
        ("scenario", str(prov.get("scenario", "?"))),
        ("seed", seed_text),
        ("dates", f"{first:%Y-%m-%d} to {last:%Y-%m-%d} ({len(res.dates)} days)"),
        (
            "contents",
            f"{_count(len(res.countries), 'country', 'countries')}, "
            f"{_count(len(res.commodities), 'commodity', 'commodities')}, "
            f"{_count(len(res.facilities), 'facility', 'facilities')}",
        ),
        ("shortfall (all countries)", headline or "none"),
    ]


def batch_lines(batch: BatchResult) -> list[tuple[str, str]]:
    """(label, value) rows describing a batch folder (read from its manifest)."""
    m = batch.manifest
    return [
        ("scenario", str(m.get("scenario"))),
        ("folder", str(batch.path)),
        ("replications", f"{batch.n_done} of {m.get('n')} done"),
        ("seed", str(m.get("seed"))),
        ("design", str(m.get("design"))),
        ("membership", batch.membership),
        ("version", str(m.get("version"))),
    ]


def text(kind: str, rows: list[tuple[str, str]]) -> str:
    """``Kind(label: value; ...)`` on one line per row."""
    body = "\n".join(f"  {label}: {value}" for label, value in rows)
    return f"<{kind}\n{body}>"


def html_table(kind: str, rows: list[tuple[str, Any]]) -> str:
    """A small HTML table (every value escaped)."""
    cells = "".join(
        f"<tr><th style='text-align:left'>{html.escape(label)}</th>"
        f"<td style='text-align:left'>{html.escape(str(value))}</td></tr>"
        for label, value in rows
    )
    return f"<table><caption>{html.escape(kind)}</caption>{cells}</table>"
