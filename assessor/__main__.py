"""`python -m assessor` and the `assessor` command: signals handled from the start, then the CLI.

Ctrl-C and SIGTERM are caught before anything heavy is imported, so an interrupt in the first
moments exits 130 with one line, as it does later (not 143, not a traceback); the batch puts
its own handler in place while it runs, and this one back after.
"""

from __future__ import annotations

import os
import signal
import sys
from contextlib import suppress
from types import FrameType

INTERRUPTED = 130


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main() -> None:
    """Install the early handlers, then run the command line."""
    try:
        signal.signal(signal.SIGINT, _interrupt)
        signal.signal(signal.SIGTERM, _interrupt)
        from assessor.app import quick

        code = quick.run(sys.argv[1:])  # a plain `assessor match`, read without typer
        if code is None:
            from assessor.app.cli import main as cli_main

            cli_main()
        elif code:
            raise SystemExit(code)  # the CLI's exit code, as typer would exit with it
    except KeyboardInterrupt:
        sys.stderr.write("interrupted: nothing was written\n")
        _leave(INTERRUPTED)
    except SystemExit as done:
        if done.code == INTERRUPTED:
            _leave(INTERRUPTED)
        raise


def _leave(code: int) -> None:
    """Exit now with `code`. After an interrupt CPython may end the process by SIGINT instead
    (exit status -2) while finalizing; every file is complete and every worker stopped by now,
    so flushing the streams is all that is left to do."""
    for stream in (sys.stdout, sys.stderr):
        with suppress(OSError, ValueError):
            stream.flush()
    os._exit(code)


if __name__ == "__main__":
    main()
