"""Ctrl-C and SIGTERM during a batch: stop between files, never in the middle of writing one."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any


class InterruptGuard:
    """Ctrl-C (SIGINT) or SIGTERM raise KeyboardInterrupt, except inside `deferred()`."""

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self) -> None:
        self.pending = False
        self.depth = 0
        self.previous: dict[int, Any] = {}
        self.active = threading.current_thread() is threading.main_thread()

    def __enter__(self) -> InterruptGuard:
        if self.active:
            for sig in self.SIGNALS:
                self.previous[sig] = signal.signal(sig, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        for sig, handler in self.previous.items():
            signal.signal(sig, handler)
        self.previous = {}

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self.depth:
            self.pending = True
            return
        raise KeyboardInterrupt

    @contextmanager
    def deferred(self) -> Iterator[None]:
        """Finish the enclosed writes (and their bookkeeping) before acting on Ctrl-C."""
        self.depth += 1
        try:
            yield
        finally:
            self.depth -= 1
            if self.depth == 0 and self.pending:
                self.pending = False
                raise KeyboardInterrupt
