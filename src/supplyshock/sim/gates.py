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
        # links each content-rule control reaches through the 0.1% rule, updated daily
        self.content = {
            c: np.zeros(net.n_links, dtype=bool)
            for c, ctrl in enumerate(net.controls)
            if ctrl.origin >= 0 and ctrl.has_content
        }
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
        if not self._active:
            return self.open, self.unlimited, [], []
        for c in self._active:
            if c in self.content:
                ctrl = net.controls[c]
                mask = self.content[c]
                origin, threshold = ctrl.origin, ctrl.threshold
                if kernels.content_mask(
                    share_f, origin, threshold, net.link_supplier, ctrl.content, mask
                ):
                    self._cached = None
        if self._cached is not None:
            return (*self._cached, [])
        allow = self.open.copy()
        quotas: Quotas = []
        applications: Applications = []
        for c in self._active:
            ctrl = net.controls[c]
            subject = ctrl.direct | self.content[c] if c in self.content else ctrl.direct
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
