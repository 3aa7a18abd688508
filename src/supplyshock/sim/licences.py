"""Licence terms over time and the licensed-share curves of one run (see docs/model.md).

A control's terms (approval probability, processing-time distribution, validity) change only at
dated amendments, so they are laid out once per run as day-indexed arrays. The licensed share
of a link's covered flow depends only on those terms and on the day its licence cycle started,
so links that started on the same day share one curve, computed once and kept in a table.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from supplyshock.model.network import FloatArray, IntArray, Network
from supplyshock.scenario.distributions import Choice, Distribution
from supplyshock.sim.kernels import licensed_share

__all__ = ["Curves", "LicenceTerms", "delay_pmf"]

TAIL = 1e-9  # probability mass beyond the last whole day kept in a processing-time pmf


def delay_pmf(spec: object, horizon: int) -> FloatArray:
    """Shares of applications decided after 0, 1, 2, ... days (index = days, at least 1).

    A number ``d`` is decided after ``max(1, round(d))`` days; a distribution is discretised to
    whole days (``P(k) = F(k + 0.5) - F(k - 0.5)``, everything below 1.5 on day 1, the tail
    beyond its ``1 - 1e-9`` quantile on the last day); a choice puts its probabilities on its
    rounded values. Delays are capped at ``horizon`` (they would fall outside the run).
    """
    if isinstance(spec, Distribution):
        last = int(min(max(2, math.ceil(spec.upper_quantile(1 - TAIL))), horizon))
        edges = np.arange(1, last + 1) + 0.5
        cdf = spec.cdf_many(edges)
        pmf = np.zeros(last + 1)
        pmf[1:] = np.diff(np.concatenate([[0.0], cdf]))
        pmf[last] += 1.0 - cdf[-1]
        pmf = np.clip(pmf, 0.0, None)
        normalised: FloatArray = pmf / pmf.sum()
        return normalised
    if isinstance(spec, Choice):
        values = [min(max(1, round(float(v))), horizon) for v in spec.choice]
        pmf = np.zeros(max(values) + 1)
        for value, p in zip(values, spec.probabilities(), strict=True):
            pmf[value] += p
        return pmf
    days = min(max(1, round(float(spec))), horizon)  # type: ignore[arg-type]
    pmf = np.zeros(days + 1)
    pmf[days] = 1.0
    return pmf


def _days(value: float) -> int:
    """Validity in whole days (0 = no expiry)."""
    return 0 if not math.isfinite(value) else max(1, round(value))


@dataclass(frozen=True)
class LicenceTerms:
    """A licensing control's terms as day-indexed arrays (amendments applied)."""

    approval: FloatArray  # [t] approval probability of decisions on day t
    pmf_index: IntArray  # [t] row of ``pmfs`` for applications filed on day t
    pmfs: FloatArray  # [n, width] processing-time pmfs, padded with zeros
    validity: IntArray  # [t] days a licence granted on day t lasts (0 = no expiry)

    @classmethod
    def for_control(cls, net: Network, c: int) -> LicenceTerms:
        ctrl, horizon = net.controls[c], net.horizon
        approval = np.full(horizon, ctrl.approval_probability)
        validity = np.full(horizon, _days(ctrl.validity_days), dtype=np.int64)
        pmf_index = np.zeros(horizon, dtype=np.int64)
        pmfs = [delay_pmf(ctrl.processing_days, horizon)]
        changes = sorted(
            (a for a in net.amendments if a.control == c), key=lambda a: max(a.start, 0)
        )
        for a in changes:
            day = min(max(a.start, 0), horizon)
            if a.approval_probability is not None:
                approval[day:] = a.approval_probability
            if a.validity_days is not None:
                validity[day:] = _days(a.validity_days)
            if a.processing_days is not None:
                pmfs.append(delay_pmf(a.processing_days, horizon))
                pmf_index[day:] = len(pmfs) - 1
        width = max(len(p) for p in pmfs)
        table = np.zeros((len(pmfs), width))
        for i, p in enumerate(pmfs):
            table[i, : len(p)] = p
        return cls(approval, pmf_index, table, validity)


def _source(net: Network, c: int) -> tuple[object, ...]:
    """What control ``c``'s licence terms are computed from."""
    ctrl = net.controls[c]
    changes = tuple(a for a in net.amendments if a.control == c)
    return (ctrl.mode, ctrl.approval_probability, ctrl.processing_days, ctrl.validity_days, changes)


class Curves:
    """The licensed-share curves of one run: row 0 is 1 every day (a general licence)."""

    def __init__(self, net: Network, previous: Curves | None = None) -> None:
        """Curves of ``net``'s licensing controls; with ``previous`` (the curves of this run
        before controls or amendments were added), the curves of unchanged controls are kept."""
        self.horizon = net.horizon
        self.table: FloatArray = np.ones((1, net.horizon))
        self._rows: dict[tuple[int, int], int] = {}
        self._sources = {c: _source(net, c) for c, ctrl in enumerate(net.controls)}
        self.terms: dict[int, LicenceTerms] = {}
        same: set[int] = set()
        if previous is not None:
            same = {c for c, src in previous._sources.items() if self._sources.get(c) == src}
            self.table = previous.table
            self._rows = {key: row for key, row in previous._rows.items() if key[0] in same}
        for c, ctrl in enumerate(net.controls):
            if ctrl.mode != "license":
                continue
            if c in same:
                self.terms[c] = previous.terms[c]  # type: ignore[union-attr]
            else:
                self.terms[c] = LicenceTerms.for_control(net, c)

    def row(self, c: int, start: int) -> int:
        """Row of the curve of control ``c`` for licence cycles starting on day ``start``."""
        key = (c, start)
        if key not in self._rows:
            terms = self.terms[c]
            curve = np.zeros(self.horizon)
            licensed_share(
                start, terms.approval, terms.pmf_index, terms.pmfs, terms.validity, curve
            )
            self.table = np.vstack([self.table, curve[None, :]])
            self._rows[key] = len(self.table) - 1
        return self._rows[key]
