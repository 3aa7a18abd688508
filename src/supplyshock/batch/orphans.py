"""Pool workers that end with their batch: a worker exits when the process that started it dies.

A process pool's workers wait for work from their parent. If the parent is killed (SIGKILL,
out of memory), nobody tells them, and they would wait forever. :func:`watch_parent`, the
pool's initializer, starts a daemon thread in each worker that checks every
:data:`POLL_SECONDS` whether the parent is still its parent (a process whose parent died is
handed to another), and ends the worker if not. It works on every platform that has
``os.getppid``; on Linux, ``PR_SET_PDEATHSIG`` also ends the worker at once.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time

__all__ = ["POLL_SECONDS", "watch_parent"]

POLL_SECONDS = 0.5
"""How often a worker checks that its parent is alive."""


def watch_parent(parent: int | None = None) -> None:
    """End this process when ``parent`` (default: the current parent) is no longer its parent."""
    parent = os.getppid() if parent is None else parent
    if sys.platform.startswith("linux"):
        _death_signal()
    if os.getppid() != parent:  # the parent died before we looked
        os._exit(1)
    threading.Thread(target=_poll, args=(parent,), name="watch-parent", daemon=True).start()


def _death_signal() -> None:
    """Ask Linux to send SIGTERM when the parent ends (best effort)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, int(signal.SIGTERM))  # 1: PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # pragma: no cover - not glibc/musl
        pass


def _poll(parent: int) -> None:
    while True:
        time.sleep(POLL_SECONDS)
        if os.getppid() != parent:
            os._exit(1)
