"""Batch progress on stderr: a rich bar on a terminal, plain lines in pipes and CI (uses rich)."""

from __future__ import annotations

import os
import sys
from typing import TextIO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, TaskID, TextColumn, TimeElapsedColumn
from rich.progress import Progress as RichProgress

from assessor.run.terminal import escape


class Progress:
    """Report batch progress: one line per finished input, errors one line each."""

    def __init__(self, total: int, *, stream: TextIO | None = None, fancy: bool | None = None):
        self.total = total
        self.done = 0
        self.stream: TextIO = stream if stream is not None else sys.stderr
        if fancy is None:
            fancy = _is_terminal(self.stream)
        self._bar: RichProgress | None = None
        self._task: TaskID | None = None
        if fancy:
            # auto_refresh=False: no refresh thread, so forking pool workers stays safe;
            # the batch loop calls refresh() while it waits.
            console = Console(file=self.stream, highlight=False)
            self._bar = RichProgress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=console,
                auto_refresh=False,
                transient=True,
            )

    def start(self, description: str = "assessing") -> None:
        """Show the bar (terminal only)."""
        if self._bar is not None:
            self._task = self._bar.add_task(description, total=self.total)
            self._bar.start()
            self._bar.refresh()

    def advance(self, label: str, message: str) -> None:
        """One input finished: `[3/12] examples/x.xlsx: 2 units written`."""
        self.done += 1
        self.line(f"[{self.done}/{self.total}] {label}: {message}")
        if self._bar is not None and self._task is not None:
            self._bar.update(self._task, completed=self.done)
            self._bar.refresh()

    def line(self, text: str) -> None:
        """Print one line (above the bar on a terminal), never interpreted as markup; control
        characters in it (a file name's newline or terminal escape) are spelled out."""
        text = escape(text)
        if self._bar is not None:
            self._bar.console.print(text, markup=False, highlight=False, soft_wrap=True)
        else:
            self.stream.write(text + "\n")
            self.stream.flush()

    def refresh(self) -> None:
        """Redraw the bar (elapsed time) while waiting."""
        if self._bar is not None:
            self._bar.refresh()

    def stop(self) -> None:
        """Remove the bar; the lines printed stay."""
        if self._bar is not None:
            self._bar.stop()
            self._bar = None


def _is_terminal(stream: TextIO) -> bool:
    """True when the stream is an interactive terminal that can redraw a bar."""
    if os.environ.get("TERM") == "dumb" or os.environ.get("CI"):
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
