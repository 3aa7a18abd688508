"""Build the HTML report of a batch: headline tables by bloc and commodity (with units), fan
charts, the comparison with a second batch and the provenance of both."""

from __future__ import annotations

import datetime as dt
import html
from pathlib import Path

import pandas as pd

from supplyshock.batch.result import BatchResult
from supplyshock.errors import SupplyshockError
from supplyshock.plot.labels import COMMODITY_LABELS, label, significant
from supplyshock.report.html import figure, page, table

__all__ = ["build_report", "write_report"]

HEADLINE = ("shortfall", "unmet_share", "peak_daily_shortfall", "days_in_shortfall")
"""Metrics of the headline table."""
NOISE = 1e-6
"""Shortfalls up to this (in the commodity's unit) are rounding noise, not shortages."""
MAX_FANS = 6
"""Fan charts drawn: the bloc and commodity pairs with the largest mean unmet share."""


def _labels(batch: BatchResult) -> dict[str, str]:
    """Country names from the batch's scenario when it is a bundled one with the same
    content; the built-in commodity labels otherwise."""
    from supplyshock.plot.labels import labels_from
    from supplyshock.scenario.bundled import bundled_scenarios
    from supplyshock.scenario.io import load_scenario

    name = str(batch.manifest.get("scenario", ""))
    if name in bundled_scenarios():
        try:
            scenario = load_scenario(name)
        except SupplyshockError:
            return dict(COMMODITY_LABELS)
        if scenario.content_hash() == batch.manifest.get("scenario_hash"):
            return labels_from(scenario)
    return dict(COMMODITY_LABELS)


def _cell(row: pd.Series, percent: bool) -> str:
    """``median unit (5%–95%)`` of one summary row."""
    scale, unit = (100.0, "%") if percent else (1.0, f" {row['unit']}")
    low, mid, high = (significant(scale * float(row[q])) for q in ("q05", "q50", "q95"))
    return f"{mid}{unit} ({low}–{high})"


def _headline(batch: BatchResult, names: dict[str, str]) -> tuple[str, str, pd.DataFrame]:
    """One row per bloc (or country if the batch has no bloc) and commodity with any
    shortfall: the median and 5–95% range of each headline metric, with its unit."""
    import pyarrow.parquet as pq

    held = pq.read_schema(batch._files("metrics")[0]).names
    metrics = [m for m in HEADLINE if m in held]
    level = "bloc"
    summary = batch.summary(level=level, metrics=metrics)
    if summary.empty:
        level = "country"
        summary = batch.summary(level=level, metrics=metrics)
    short = summary[summary["metric"] == "shortfall"].set_index(["region", "commodity"])
    keep = short.index[short["q95"] > NOISE]
    rows = []
    for region, commodity in keep:
        here = summary[(summary["region"] == region) & (summary["commodity"] == commodity)]
        row = {level: label(region, names), "commodity": label(commodity, names)}
        row["mean shortfall"] = f"{significant(float(short.loc[(region, commodity), 'mean']))} "
        row["mean shortfall"] += str(short.loc[(region, commodity), "unit"])
        for metric in metrics:
            found = here[here["metric"] == metric]
            name = f"{metric.replace('_', ' ')}: median (5–95%)"
            row[name] = _cell(found.iloc[0], metric == "unmet_share") if len(found) else "-"
        rows.append(row)
    pairs = summary[["region", "commodity"]].drop_duplicates().shape[0]
    caption = str(summary.attrs.get("caption", ""))
    if pairs > len(rows):
        caption += f"; {pairs - len(rows)} {level}-commodity pairs never short are left out"
    return level, table(pd.DataFrame(rows), caption=caption), summary


def _fans(
    batch: BatchResult, other: BatchResult | None, summary: pd.DataFrame, names: dict[str, str]
) -> str:
    """Fan charts of the pairs with the largest mean unmet share (both batches overlaid)."""
    from supplyshock.plot import fan_chart

    short = summary[(summary["metric"] == "shortfall") & (summary["q95"] > NOISE)]
    share = summary[summary["metric"] == "unmet_share"].merge(short[["region", "commodity"]])
    pairs = share.sort_values(["mean", "region", "commodity"], ascending=[False, True, True])
    picked = pairs[["region", "commodity"]].head(MAX_FANS).itertuples(index=False)
    source: BatchResult | dict[str, BatchResult] = batch
    if other is not None:
        source = {_name(batch, "A"): batch, _name(other, "B"): other}
    import matplotlib.pyplot as plt

    parts = []
    for region, commodity in picked:
        _, ax = plt.subplots(figsize=(7.0, 4.2), layout="constrained")
        try:
            fan_chart(source, region=region, commodity=commodity, labels=names, ax=ax)
        except ValueError:  # not in the other batch
            ax.clear()
            fan_chart(batch, region=region, commodity=commodity, labels=names, ax=ax)
        parts.append(figure(ax, f"fan chart of {commodity} in {region}"))
    if not parts:
        return '<p class="note">No shortfall in any replication: no fan chart to draw.</p>'
    return f'<div class="figures">{"".join(parts)}</div>'


def _name(batch: BatchResult, fallback: str) -> str:
    return str(batch.manifest.get("scenario") or fallback)


def _comparison(batch: BatchResult, other: BatchResult, names: dict[str, str]) -> str:
    """The mean difference other - batch by bloc and commodity, as a table and a figure."""
    from supplyshock.plot import scenario_comparison

    level = "bloc" if len(batch.summary("bloc", ["shortfall"])) else "country"
    diff = batch.compare(other, metric="shortfall", level=level)
    diff = diff[(diff[["mean_a", "mean_b"]].abs() > NOISE).any(axis=1)]
    a, b = _name(batch, "A"), _name(other, "B")
    frame = pd.DataFrame(
        {
            level: [label(r, names) for r in diff["region"]],
            "commodity": [label(c, names) for c in diff["commodity"]],
            "unit": diff["unit"],
            f"mean in {a}": diff["mean_a"],
            f"mean in {b}": diff["mean_b"],
            f"{b} - {a}": diff["difference"],
            "95% interval from": diff["ci_low"],
            "to": diff["ci_high"],
        }
    )
    numeric = [c for c in frame.columns if c not in (level, "commodity", "unit")]
    caption = f"cumulative shortfall; {diff.attrs.get('caption', '')}"
    parts = [table(frame, caption=caption, numbers=numeric)]
    if len(diff):
        ax = scenario_comparison(diff, labels=(a, b))
        parts.append(f'<div class="figures">{figure(ax, f"{b} against {a}")}</div>')
    return "".join(parts)


def _platform(platform: dict[str, str] | None) -> str:
    """The platform a batch was computed on, in short (its last digits depend on it)."""
    if not platform:
        return "not recorded"
    simd = platform.get("numpy_simd", "?")
    return f"{platform.get('machine', '?')}, numpy {platform.get('numpy', '?')} ({simd})"


def _provenance(batches: list[BatchResult]) -> str:
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    rows = []
    for batch in batches:
        m = batch.manifest
        weeks = pq.read_table(batch._files("series")[0], columns=["week_start"])["week_start"]
        first, last = pd.Timestamp(pc.min(weeks).as_py()), pd.Timestamp(pc.max(weeks).as_py())
        rows.append(
            {
                "batch": batch.path.name,
                "scenario": m.get("scenario", ""),
                "scenario hash": str(m.get("scenario_hash", ""))[:16],
                "seed": m.get("seed", ""),
                "replications": f"{batch.n_done} of {m.get('n')}",
                "design": m.get("design", ""),
                "membership": batch.membership,
                "weeks": f"{first:%Y-%m-%d} to {last:%Y-%m-%d}",
                "supplyshock": m.get("version", ""),
                "numeric platform": _platform(m.get("platform")),
            }
        )
    return table(pd.DataFrame(rows))


def build_report(
    batch: BatchResult | str | Path,
    other: BatchResult | str | Path | None = None,
    *,
    created: dt.datetime | None = None,
) -> str:
    """The report of ``batch`` (compared with ``other`` if given) as one HTML document.

    Everything is inline (CSS, figures as base64 PNG): the file opens in a browser without a
    server or network. The same batches give the same document apart from ``created``
    (default: now, UTC), printed at the foot.
    """
    import matplotlib

    matplotlib.use("Agg")
    first = batch if isinstance(batch, BatchResult) else BatchResult(batch)
    second = None if other is None or isinstance(other, BatchResult) else BatchResult(other)
    second = other if isinstance(other, BatchResult) else second
    names = _labels(first)
    scenario = _name(first, "batch")
    level, headline, summary = _headline(first, names)
    sections = [
        f"<h2>Headline: {html.escape(label(scenario, names))} by {level} and commodity</h2>",
        headline,
        "<h2>Weekly shortfall across replications</h2>",
        _fans(first, second, summary, names),
    ]
    if second is not None:
        sections += [
            f"<h2>Comparison: {html.escape(_name(second, 'B'))} against "
            f"{html.escape(scenario)}</h2>",
            _comparison(first, second, names),
        ]
    rules = first.rule_summary()
    if len(rules):
        sections += [
            "<h2>Rules</h2>",
            table(rules, numbers=["fired_share", "firings_mean"]),
        ]
    sections += ["<h2>Provenance</h2>", _provenance([first, *([second] if second else [])])]
    when = (created or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds")
    lead = (
        f"{first.n_done} replications of {scenario}, seed {first.manifest.get('seed')}, "
        f"membership {first.membership}"
        + (f"; compared with {_name(second, 'B')}" if second is not None else "")
    )
    return page(
        f"supplyshock report: {scenario}",
        lead,
        "\n".join(sections),
        f"Written by supplyshock {first.manifest.get('version', '')} on {when}.",
    )


def write_report(
    batch: BatchResult | str | Path,
    out: str | Path,
    other: BatchResult | str | Path | None = None,
) -> Path:
    """Write :func:`build_report` to ``out`` (an ``.html`` file); returns its path."""
    path = Path(out)
    text = build_report(batch, other)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise SupplyshockError(f"cannot write {path}: {exc.strerror or exc}") from None
    return path
