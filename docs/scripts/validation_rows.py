"""Table rows and the fit summary shared by both episodes' sections of docs/validation.md."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

import supplyshock as ss
from supplyshock.batch.sampling import uncertain_parameters
from supplyshock.calibrate import CalibrationSpec, Fit
from supplyshock.cli_info import describe


def parameter_rows(
    spec: CalibrationSpec, fit: Fit, scn: ss.Scenario, meanings: Mapping[str, str]
) -> list[str]:
    """One row per calibrated parameter: its meaning, prior, search bounds and fitted value."""
    priors = uncertain_parameters(scn)
    rows = [
        "| parameter | what it is | prior in the scenario | search bounds | fitted |",
        "|---|---|---|---|---:|",
    ]
    for key, bounds in spec.parameters.items():
        rows.append(
            f"| `{key}` | {meanings.get(key, '')} | {describe(priors[key])} | "
            f"[{bounds.low:g}, {bounds.high:g}] | **{fit.values[key]:,.3f}** |"
        )
    return rows


def fit_summary(fit: Fit, periods: str) -> str:
    """One line on a stored fit: objective, evaluations, method, version and data hashes."""
    return (
        f"msre {fit.objective:.4f} on {fit.train_months} train {periods}, {fit.evaluations} "
        f"evaluations of {fit.replications} paired seeds (seed {fit.seed}); method: "
        f"{fit.method}; supplyshock {fit.version}, {fit.created}; SHA-256 of the train data "
        f"`{fit.train_data_sha256[:16]}…`, of the scenario `{fit.scenario_hash[:16]}…`"
    )


def metric_rows(metrics: pd.DataFrame) -> list[str]:
    rows = [
        "| episode | series | model quantity | split | months | metric | error | band | "
        "pass/fail |",
        "|---|---|---|---|---:|---|---:|---|---|",
    ]
    for r in metrics.to_dict("records"):
        band = "—" if np.isnan(r["band_low"]) else f"{r['band_low']:g} to {r['band_high']:g}"
        verdict = {True: "pass", False: "**FAIL**", None: "—"}[r["passed"]]
        rows.append(
            f"| {r['episode']} | {r['series']} | {r['quantity']} | {r['split']} | "
            f"{r['months']} | {r['metric']} | {r['value']:+.3f} | {band} | {verdict} |"
        )
    return rows


def tonnes(value: float) -> str:
    """A tonnage with thousands separators, or three significant figures below 10 t."""
    return f"{value:,.0f}" if abs(value) >= 10 else f"{value:.3g}"


def month_rows(months: pd.DataFrame) -> list[str]:
    rows = [
        "| series | month | split | observed t | model t (5–95%) | level error | "
        "observed index | model index |",
        "|---|---|---|---:|---:|---:|---:|---:|",
    ]
    for r in months.to_dict("records"):
        index = (
            ("—", "—")
            if np.isnan(r["observed_index"])
            else (f"{r['observed_index']:.2f}", f"{r['model_index']:.2f}")
        )
        rows.append(
            f"| {r['series']} | {r['month']} | {r['split']} | {tonnes(r['observed'])} | "
            f"{tonnes(r['model'])} ({tonnes(r['model_q05'])}–{tonnes(r['model_q95'])}) | "
            f"{r['rel_error']:+.0%} | {index[0]} | {index[1]} |"
        )
    return rows


def _cell(line: str, value: object) -> str:
    """An acceptance value: a fall as a percentage, a day as a date."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "—"
    if "fall" in line:
        return f"−{float(value):.1%}" if float(value) >= 0 else f"+{-float(value):.1%}"
    return f"{pd.Timestamp(value):%d %b %Y}"


def acceptance_rows(accepted: pd.DataFrame, without: pd.DataFrame) -> list[str]:
    """Markdown rows of the acceptance lines: model, model without the tariff barrier,
    observed, the line and pass/fail."""
    rows = [
        "| acceptance line | model | model without the tariff barrier | observed | line | "
        "pass/fail |",
        "|---|---:|---:|---:|---|---|",
    ]
    for r, r0 in zip(accepted.to_dict("records"), without.to_dict("records"), strict=True):
        if "fall" in r["line"]:
            limit = f"within {100 * r['limit']:.0f} points of observed"
            gap = r["model"] - r["observed"]
            off = f" ({100 * abs(gap):.1f} points {'short' if gap < 0 else 'over'})"
        else:
            limit = f"no later than {r['limit']:%d %b %Y}"
            late = (pd.Timestamp(r["model"]) - r["limit"]).days if r["model"] else 0
            off = f" ({late} days late)" if late > 0 else ""
        rows.append(
            f"| {r['line']} | {_cell(r['line'], r['model'])}{off} | "
            f"{_cell(r0['line'], r0['model'])} | {_cell(r['line'], r['observed'])} | {limit} | "
            f"{'pass' if r['passed'] else '**FAIL**'} |"
        )
    return rows


def acceptance_text(accepted: pd.DataFrame, without: pd.DataFrame) -> str:
    """One paragraph on which acceptance lines pass, with and without the tariff barrier."""
    passed = [r["line"] for r in accepted.to_dict("records") if r["passed"]]
    missed = [r["line"] for r in accepted.to_dict("records") if not r["passed"]]
    before = int(without["passed"].astype(bool).sum())
    parts = [
        f"With the tariff barrier {len(passed)} of {len(accepted)} lines pass "
        f"(without it {before})."
    ]
    if passed:
        parts.append("Passing: " + "; ".join(passed) + ".")
    if missed:
        parts.append(
            "Missed: " + "; ".join(missed) + " (reported here as they are; no parameter was "
            "changed to meet them)."
        )
    return " ".join(parts)
