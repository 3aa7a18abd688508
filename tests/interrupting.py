"""A long command's library call with a Ctrl-C pressed right after its first progress report."""

from __future__ import annotations

import os
import signal
from collections.abc import Callable
from typing import Any


class CtrlCAfterFirstReport:
    """``real``, called with a ``progress`` callback that sends this process one SIGINT after
    the first report it passes on, as a user pressing Ctrl-C while the command runs.

    ``calls`` counts the reports passed on. A command that defers Ctrl-C to its next progress
    report stops in the second (2); one that lets Python raise at once stops after the first (1).
    """

    def __init__(self, real: Callable[..., Any]) -> None:
        self.real, self.calls = real, 0

    def __call__(self, *args: Any, progress: Callable[..., None], **kwargs: Any) -> Any:
        def report(*values: Any) -> None:
            self.calls += 1
            progress(*values)
            if self.calls == 1:
                os.kill(os.getpid(), signal.SIGINT)  # handled before the next line runs

        return self.real(*args, progress=report, **kwargs)
