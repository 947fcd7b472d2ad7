"""Stopping cleanly on SIGTERM, SIGHUP and SIGINT: while `stop_on_signals()` is active,
such a signal raises `Interrupted` where the work is, so that every `finally` runs (a PDF
build stops latexmk and removes its folder, a half-written output file is removed); the
command line then exits with the shell's 128 + n. Kept apart from render/pdf.py so that a
command that builds no PDF does not import subprocess to be stoppable."""

from __future__ import annotations

import signal
import threading
from contextlib import contextmanager

#: The signals that stop a build (the shell's kill, a closed terminal, Ctrl-C).
STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP, signal.SIGINT)


class Interrupted(BaseException):
    """The process was told to stop by `signum` while building; everything is cleaned up.
    A BaseException, like KeyboardInterrupt: no `except Exception` may swallow it."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


@contextmanager
def stop_on_signals():
    """While building, a stop signal raises Interrupted (once: a second one during the
    clean-up is ignored, so the clean-up finishes). Only the main thread can do this; in
    another thread the caller's own handlers stay."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    raised = []

    def stop(signum, frame):
        if not raised:
            raised.append(signum)
            raise Interrupted(signum)

    previous = {sig: signal.signal(sig, stop) for sig in STOP_SIGNALS}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
