"""The private folder one request's uploads live in, and the sweep of those a dead server left.

Each request stores its uploads in a fresh 0700 folder (`assessor-web-*`) holding a lock file
that the server keeps locked (flock) while the request runs. The folder is removed when the
response is sent; if the server is killed first, the kernel drops the lock with the process,
and the next server to start removes every such folder whose lock it can take.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

PREFIX = "assessor-web-"
LOCK_NAME = ".owner.lock"
UNLOCKED_GRACE = 60.0  # seconds a folder without a lock file is left (it may be being made)


@contextmanager
def private_folder(root: Path | None) -> Iterator[Path]:
    """A new private folder under `root` (the system temporary folder by default), locked by
    this process while the block runs, then removed with everything in it."""
    folder = Path(tempfile.mkdtemp(prefix=PREFIX, dir=root))
    fd = -1
    try:
        fd = os.open(folder / LOCK_NAME, os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        if fd >= 0:
            os.close(fd)


def sweep(root: Path | None, *, now: float | None = None) -> list[Path]:
    """Remove the upload folders of servers that died (their lock is free); return them."""
    base = Path(root) if root is not None else Path(tempfile.gettempdir())
    removed: list[Path] = []
    try:
        entries = list(os.scandir(base))
    except OSError:
        return removed
    clock = time.time() if now is None else now
    for entry in entries:
        if not entry.name.startswith(PREFIX):
            continue
        try:
            info = entry.stat(follow_symlinks=False)
            if not entry.is_dir(follow_symlinks=False) or info.st_uid != os.getuid():
                continue
        except OSError:
            continue
        if _abandoned(Path(entry.path), clock - info.st_mtime):
            shutil.rmtree(entry.path, ignore_errors=True)
            removed.append(Path(entry.path))
    return removed


def _abandoned(folder: Path, age: float) -> bool:
    try:
        fd = os.open(folder / LOCK_NAME, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except FileNotFoundError:
        return age > UNLOCKED_GRACE
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False  # a live server holds it
    else:
        with suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_UN)
        return True
    finally:
        os.close(fd)
