"""Ctrl-C in a long command: the first stops it at the next progress report, a second at once."""

from __future__ import annotations

import os
import signal
from contextlib import ExitStack

import pytest

from supplyshock.cli_interrupt import stop_at_progress


def _ctrl_c() -> None:
    os.kill(os.getpid(), signal.SIGINT)  # Python runs the handler before the next line


def test_the_first_ctrl_c_stops_at_the_next_progress_report() -> None:
    seen: list[tuple[int, int]] = []
    before = signal.getsignal(signal.SIGINT)
    with ExitStack() as stack:
        report = stop_at_progress(stack, lambda done, total: seen.append((done, total)))
        report(1, 10)
        _ctrl_c()  # recorded, not raised: a finaliser running now could not swallow it
        with pytest.raises(KeyboardInterrupt):
            report(2, 10)
    assert seen == [(1, 10), (2, 10)]  # the report is shown before the stop
    assert signal.getsignal(signal.SIGINT) is before


def test_a_second_ctrl_c_stops_at_once() -> None:
    with ExitStack() as stack:
        stop_at_progress(stack, lambda done, total: None)
        _ctrl_c()
        with pytest.raises(KeyboardInterrupt):
            _ctrl_c()
