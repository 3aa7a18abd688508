"""Ctrl-C during a long command: stop at the next progress report, or at once if pressed twice.

Python turns Ctrl-C into a ``KeyboardInterrupt`` wherever the main thread happens to be. Where
that is a finaliser (a generator or object being freed), Python reports the exception as
ignored and goes on, so a long batch could keep running after the key was pressed. With
:func:`stop_at_progress` the first Ctrl-C only records the request, and the command's progress
callback raises ``KeyboardInterrupt`` at its next call, between two replications (or two
evaluations of a calibration), where nothing swallows it; a second Ctrl-C raises at once.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from contextlib import ExitStack
from types import FrameType
from typing import ParamSpec

__all__ = ["stop_at_progress"]

P = ParamSpec("P")


def stop_at_progress(stack: ExitStack, progress: Callable[P, None]) -> Callable[P, None]:
    """``progress`` (any arguments), raising ``KeyboardInterrupt`` after a Ctrl-C; the handler
    that records the Ctrl-C is installed until ``stack`` closes (only in the main thread, where
    Python delivers signals; elsewhere ``progress`` is returned as it is)."""
    if threading.current_thread() is not threading.main_thread():
        return progress
    asked = [False]

    def record(signum: int, frame: FrameType | None) -> None:
        if asked[0]:  # pressed again: stop now
            raise KeyboardInterrupt
        asked[0] = True

    previous = signal.signal(signal.SIGINT, record)
    stack.callback(signal.signal, signal.SIGINT, previous)

    def report(*args: P.args, **kwargs: P.kwargs) -> None:
        progress(*args, **kwargs)
        if asked[0]:
            raise KeyboardInterrupt

    return report
