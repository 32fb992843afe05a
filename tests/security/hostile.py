"""Helpers the hostile-input tests share (imported by name: `from hostile import within`)."""
from __future__ import annotations

import contextlib
import signal


class TookTooLong(Exception):
    """A scan step blocked (a FIFO open, a read that never ends)."""


@contextlib.contextmanager
def within(seconds: float):
    """Fail instead of hanging: SIGALRM interrupts a blocked open/read in the main thread."""
    def expire(signum, frame):
        raise TookTooLong(f"no answer within {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
