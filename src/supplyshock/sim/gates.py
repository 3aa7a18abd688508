"""Export controls in force as per-link allowance entries, quotas and allocation ranks.

Rebuilt only when policy changes or a content-rule mask changes; between rebuilds the
allowances move day by day through the licence curves (:mod:`supplyshock.sim.licences`)
inside the compiled step.
"""

from __future__ import annotations

import numpy as np

from supplyshock.model.network import BoolArray, FloatArray, IntArray, Network
from supplyshock.sim import kernels
from supplyshock.sim.licences import Curves
from supplyshock.sim.state import State

__all__ = ["Gates", "by_rank"]

Quotas = list[tuple[int, BoolArray]]
DOMESTIC_FIRST = 1000  # rank offset of foreign buyers of an exporter serving home buyers first


def by_rank(rank: IntArray) -> tuple[IntArray, IntArray]:
    """Links grouped by allocation rank (in link order within a rank) and each group's start."""
    links = np.argsort(rank, kind="stable").astype(np.int64)
    counts = np.unique(rank, return_counts=True)[1]
    return links, np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)


class Gates:
    """The controls of one run as allowance entries, cached until policy or masks change."""

    def __init__(self, net: Network, carry: Gates | None = None) -> None:
        """Gates of ``net``; with ``carry``, the gates of this run so far (the same network
        with fewer controls or amendments), whose licence cycles, content masks and unchanged
        licence curves carry over (entries are rebuilt on the next update)."""
        self.net = net
        n_links, n_controls = net.n_links, len(net.controls)
        # one rule per control with a content rule: the links it reaches through the rule
        # (``masks``, updated daily) among those whose goods may carry content (``content``)
        ruled = [c for c, ctrl in enumerate(net.controls) if ctrl.origin >= 0 and ctrl.has_content]
        self.rule = {c: r for r, c in enumerate(ruled)}
        self.origins = np.array([net.controls[c].origin for c in ruled], dtype=np.int64)
        self.thresholds = np.array([net.controls[c].threshold for c in ruled], dtype=float)
        self.content = np.zeros((len(ruled), n_links), dtype=bool)
        for r, c in enumerate(ruled):
            self.content[r] = net.controls[c].content
        self.masks = np.zeros_like(self.content)
        self.active = np.zeros(len(ruled), dtype=bool)  # rules of controls in force
        self.curves: Curves = Curves(net, carry.curves if carry is not None else None)
        self.since = np.full((n_controls, n_links), -1, dtype=np.int64)  # licence cycle start
        self.general = np.zeros((n_controls, n_links), dtype=bool)  # under a general licence
        self.lapses = np.zeros(n_controls, dtype=np.int64)
        # allowance entries: link entry_link[e] x (const[e] + var[e] x curves[row[e], day])
        self.entry_link: IntArray = np.zeros(0, dtype=np.int64)
        self.entry_row: IntArray = np.zeros(0, dtype=np.int64)
        self.entry_const: FloatArray = np.zeros(0)
        self.entry_var: FloatArray = np.zeros(0)
        self.restricted = np.zeros(n_links, dtype=bool)
        self.limit = np.full(n_links, np.inf)
        self.rank = net.link_rank.copy()
        self.rank_links, self.rank_starts = by_rank(self.rank)
        self.quotas: Quotas = []
        self._version = -1
        if carry is not None:
            n_c, n_r = len(carry.since), len(carry.masks)
            self.since[:n_c] = carry.since
            self.general[:n_c] = carry.general
            self.lapses[:n_c] = carry.lapses
            self.masks[:n_r] = carry.masks
            self.active[:n_r] = carry.active

    def update(self, s: State, share_f: FloatArray, t: int) -> None:
        """Bring the entries, quotas and ranks up to date for day ``t``."""
        fresh = s.policy_version != self._version
        if fresh:
            self._version = s.policy_version
            self.active[:] = [bool(s.active[c]) for c in self.rule]
        moved = bool(self.active.any()) and kernels.content_masks(
            share_f,
            self.origins,
            self.thresholds,
            self.net.link_supplier,
            self.content,
            self.masks,
            self.active,
            True,
        )
        if fresh or moved:
            self._build(s, t)

    def arrays(self) -> kernels.Gate:
        """The gates as the compiled step reads them.

        Building replaces the entries and the rank arrays (and the curve table grows), so take
        a fresh structure after every :meth:`update`; the other arrays change in place.
        """
        return kernels.Gate(
            entry_link=self.entry_link,
            entry_row=self.entry_row,
            entry_const=self.entry_const,
            entry_var=self.entry_var,
            curves=self.curves.table,
            restricted=self.restricted,
            limit=self.limit,
            rank_links=self.rank_links,
            rank_starts=self.rank_starts,
            origins=self.origins,
            thresholds=self.thresholds,
            content=self.content,
            masks=self.masks,
            active=self.active,
        )

    def settled(self, s: State) -> bool:
        """Whether the entries hold until policy changes (no pending change, no quota)."""
        return s.policy_version == self._version and not self.quotas

    def _subject(self, c: int) -> BoolArray:
        ctrl = self.net.controls[c]
        if c in self.rule:
            subject: BoolArray = ctrl.direct | self.masks[self.rule[c]]
            return subject
        return ctrl.direct

    def _general(self, s: State, c: int) -> BoolArray:
        """Links under a general licence of control ``c`` in force."""
        mask = np.zeros(self.net.n_links, dtype=bool)
        for g, spec in enumerate(self.net.general_licences):
            if spec.control == c and s.general_on[g]:
                mask |= spec.links
        return mask

    def _licence_rows(self, s: State, c: int, subject: BoolArray, t: int) -> IntArray:
        """Curve row of each subject link of licensing control ``c`` (starting cycles today)."""
        since, general = self.since[c], self._general(s, c)
        ended = self.general[c] & ~general  # a general licence ended: apply from today
        self.general[c] = general
        since[~subject | ended] = -1
        since[subject & (since < 0)] = t
        links = np.flatnonzero(subject)
        began = since[links]
        if len(began) and began.min() == began.max():  # one cycle for all: no sort needed
            starts, which = began[:1], np.zeros(len(began), dtype=np.int64)
        else:
            starts, which = np.unique(began, return_inverse=True)
        rows = np.array([self.curves.row(c, int(day)) for day in starts], dtype=np.int64)[which]
        rows[general[links]] = 0  # row 0: fully licensed
        return rows.astype(np.int64)

    def _build(self, s: State, t: int) -> None:
        net = self.net
        parts: list[tuple[IntArray, IntArray, FloatArray, FloatArray]] = []
        self.quotas = []
        self.limit[:] = np.inf
        self.restricted[:] = False
        home_first = np.zeros(net.n_links, dtype=bool)
        for c, ctrl in enumerate(net.controls):
            if not s.active[c] or s.lapses[c] != self.lapses[c]:  # licences lapse
                self.since[c] = -1
                self.general[c] = False
                self.lapses[c] = s.lapses[c]
            if not s.active[c]:
                continue
            subject = self._subject(c)
            if ctrl.domestic_first:
                foreign = (net.fac_country[net.link_supplier] == ctrl.exporter) & net.link_export
                home_first |= foreign & ctrl.goods[net.fac_output[net.link_supplier]]
            if ctrl.mode == "quota":
                self.quotas.append((c, subject))
                continue
            coverage = float(s.coverage[c])
            if coverage <= 0.0:
                continue  # covers no flow: restricts nothing
            links = np.flatnonzero(subject)
            n = len(links)
            if ctrl.mode == "ban":
                rows, var = np.zeros(n, dtype=np.int64), np.zeros(n)
            else:
                rows = self._licence_rows(s, c, subject, t)
                var = np.full(n, coverage * float(s.licensed_share[c]))
            parts.append((links, rows, np.full(n, 1.0 - coverage), var))
            self.restricted[links] = True
        if parts:
            link, row, const, var = (np.concatenate(col) for col in zip(*parts, strict=True))
        else:
            link, row, const, var = (np.zeros(0, dtype=np.int64),) * 2 + (np.zeros(0),) * 2
        self.entry_link, self.entry_row, self.entry_const, self.entry_var = link, row, const, var
        rank = net.link_rank + DOMESTIC_FIRST * home_first
        if not np.array_equal(rank, self.rank):
            self.rank = rank
            self.rank_links, self.rank_starts = by_rank(rank)
