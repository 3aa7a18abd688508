"""Export controls in force, as per-link gates and allowances (recomputed only on change)."""

from __future__ import annotations

import numpy as np

from supplyshock.model.network import BoolArray, FloatArray, IntArray, Network
from supplyshock.sim import kernels
from supplyshock.sim.state import State

__all__ = ["Gates"]

Quotas = list[tuple[int, BoolArray]]
Applications = list[tuple[int, IntArray]]


class Gates:
    """The controls of one run as link gates, cached until policy or content shares change."""

    def __init__(self, net: Network) -> None:
        self.net = net
        self.open = np.ones(net.n_links)
        self.unlimited = np.full(net.n_links, np.inf)
        # one rule per control with a content rule: the links it reaches through the rule
        # (``masks``, updated daily) among those whose goods may carry content (``content``)
        ruled = [c for c, ctrl in enumerate(net.controls) if ctrl.origin >= 0 and ctrl.has_content]
        self.rule = {c: r for r, c in enumerate(ruled)}
        self.origins = np.array([net.controls[c].origin for c in ruled], dtype=np.int64)
        self.thresholds = np.array([net.controls[c].threshold for c in ruled], dtype=float)
        self.content = np.zeros((len(ruled), net.n_links), dtype=bool)
        for r, c in enumerate(ruled):
            self.content[r] = net.controls[c].content
        self.masks = np.zeros_like(self.content)
        self.active = np.zeros(len(ruled), dtype=bool)  # rules of controls in force
        self._version = -1
        self._active: list[int] = []
        self._cached: tuple[FloatArray, FloatArray, Quotas] | None = None

    def __call__(
        self, s: State, share_f: FloatArray
    ) -> tuple[FloatArray, FloatArray, Quotas, Applications]:
        """Controls in force as link gates.

        Each link gets an allowance: the share of the buyer's normal need on that link that may
        pass (1 = unrestricted). A ban or a pending licence lets only the flow the control does
        not cover pass (``1 - coverage``); a granted licence lets the covered part pass up to
        ``licensed_share``. Controls stack by multiplying allowances. Returns the gate (1 where
        any flow may pass, which is where orders may go), the allowance as a cap where it is
        below 1 (``inf`` elsewhere), quota groups, and links needing a licence application.
        """
        net = self.net
        fresh_policy = s.policy_version != self._version
        if fresh_policy:
            self._version = s.policy_version
            self._active = np.flatnonzero(s.active).tolist()
            self._cached = None
            self.active[:] = [c in self._active for c in self.rule]
        if not self._active:
            return self.open, self.unlimited, [], []
        rules = (self.origins, self.thresholds, net.link_supplier, self.content, self.masks)
        if kernels.content_masks(share_f, *rules, self.active, True):
            self._cached = None
        if self._cached is not None:
            return (*self._cached, [])
        allow = self.open.copy()
        quotas: Quotas = []
        applications: Applications = []
        for c in self._active:
            ctrl = net.controls[c]
            subject = ctrl.direct | self.masks[self.rule[c]] if c in self.rule else ctrl.direct
            coverage = s.coverage[c]
            uncovered = 1.0 - coverage
            if ctrl.mode == "ban":
                allow[subject] *= uncovered
            elif ctrl.mode == "quota":
                quotas.append((c, subject))
            else:
                lic = s.licence[c]
                fresh = np.flatnonzero(subject & (lic == 0))
                if len(fresh):
                    lic[fresh] = 1
                    applications.append((c, fresh))
                allow[subject & (lic != 2)] *= uncovered
                allow[subject & (lic == 2)] *= uncovered + coverage * s.licensed_share[c]
        gate = (allow > 0).astype(np.float64)
        cap = np.where(allow < 1.0, allow, np.inf)
        # a day that filed applications changed the licence state: recompute tomorrow
        self._cached = None if applications else (gate, cap, quotas)
        return gate, cap, quotas, applications

    def settled(self, s: State) -> tuple[FloatArray, FloatArray] | None:
        """The gates and allowances in force, if they hold until policy or a mask changes.

        ``None`` when the next day must go through :meth:`__call__`: the policy changed since
        the gates were built, the last build filed licence applications, or a quota applies.
        """
        if s.policy_version != self._version:
            return None
        if not self._active:
            return self.open, self.unlimited
        if self._cached is None or self._cached[2]:
            return None
        return self._cached[0], self._cached[1]
