"""`python -m assessor` and the `assessor` command: signals handled from the start, then the CLI.

Ctrl-C and SIGTERM are caught before anything heavy is imported, so an interrupt in the first
moments exits 130 with one line, as it does later (not 143, not a traceback); the batch puts
its own handler in place while it runs, and this one back after.
"""

from __future__ import annotations

import signal
import sys
from types import FrameType

INTERRUPTED = 130


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main() -> None:
    """Install the early handlers, then run the command line."""
    try:
        signal.signal(signal.SIGINT, _interrupt)
        signal.signal(signal.SIGTERM, _interrupt)
        from assessor.app.cli import main as cli_main

        cli_main()
    except KeyboardInterrupt:
        sys.stderr.write("interrupted: nothing was written\n")
        raise SystemExit(INTERRUPTED) from None


if __name__ == "__main__":
    main()
