"""The output folder: what `--out` really names, and the claim a run holds on it.

`--out` may be a symbolic link: followed, and said so, to a folder; refused, naming what is
wrong, when it dangles, loops or points at a file. A run claims the folder for its whole length
with an exclusive lock on `.assessor.lock` inside it (flock: the kernel drops it when the run
ends, however it ends), so a second run into the same folder is refused at once, naming the
first, instead of both passing the "already holds reports" check and mixing their files.
"""

from __future__ import annotations

import errno
import fcntl
import os
import shlex
import sys
from contextlib import suppress
from datetime import datetime
from pathlib import Path

from assessor.domain.errors import OutputError
from assessor.run.terminal import escape

LOCK_NAME = ".assessor.lock"


def check_out_path(out: Path) -> str | None:
    """Refuse an unusable --out; a note saying where reports go when it is a link (or None)."""
    shown = escape(str(out))
    link = os.path.islink(out)
    try:
        real = out.resolve(strict=link)
    except FileNotFoundError:
        target = escape(os.readlink(out)) if link else "?"
        raise OutputError(
            f"{shown}: is a symbolic link to {target}, which does not exist",
            hint="create that folder, remove the link, or choose another --out",
        ) from None
    except (RuntimeError, OSError) as err:
        if isinstance(err, RuntimeError) or err.errno == errno.ELOOP:
            raise OutputError(
                f"{shown}: is a symbolic link loop", hint="choose another --out"
            ) from None
        raise OutputError(f"{shown}: cannot be used ({err.strerror or err})") from None
    if real.exists() and not real.is_dir():
        raise OutputError(f"{shown}: exists and is not a folder", hint="choose another --out")
    if not real.exists():
        for parent in real.parents:
            if parent.exists():
                if not parent.is_dir():
                    raise OutputError(
                        f"{shown}: {escape(str(parent))} is not a folder",
                        hint="choose another --out",
                    )
                break
    if link:
        return f"{shown} is a symbolic link: reports go to {escape(str(real))}"
    return None


class OutputLock:
    """An exclusive claim on an output folder for one run (create the folder if needed)."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.path = out / LOCK_NAME
        self.fd: int | None = None
        self.created = False

    def __enter__(self) -> OutputLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

    def acquire(self) -> None:
        """Take the lock, or raise OutputError naming the run that holds it."""
        if not self.out.is_dir():
            try:
                self.out.mkdir(parents=True)
                self.created = True
            except FileExistsError:
                if not self.out.is_dir():
                    raise OutputError(
                        f"{escape(str(self.out))}: exists and is not a folder",
                        hint="choose another --out",
                    ) from None
            except OSError as err:
                raise OutputError(
                    f"{escape(str(self.out))}: cannot create the folder ({err.strerror or err})"
                ) from None
        while True:
            try:
                fd = os.open(
                    self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, 0o644
                )
            except OSError as err:
                self._undo_folder()
                raise OutputError(
                    f"{escape(str(self.out))}: cannot write in this folder ({err.strerror or err})"
                ) from None
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                holder = _read_holder(fd)
                os.close(fd)
                raise OutputError(
                    f"{escape(str(self.out))}: another assessor run is writing into this folder "
                    f"({holder})",
                    hint="wait for it to finish, or choose another --out",
                ) from None
            try:
                same = os.fstat(fd).st_ino == os.stat(self.path, follow_symlinks=False).st_ino
            except FileNotFoundError:
                same = False
            if same:
                break
            os.close(fd)  # the previous holder removed the file as we opened it: again
        self.fd = fd
        started = datetime.now().astimezone().isoformat(timespec="seconds")
        command = " ".join(shlex.quote(a) for a in ["assessor", *sys.argv[1:]])
        note = f"pid {os.getpid()}, started {started}: {command}"
        with suppress(OSError):
            os.ftruncate(fd, 0)
            os.pwrite(fd, note.encode("utf-8", "replace")[:2000], 0)

    def release(self) -> None:
        """Drop the claim: remove the lock file, and the folder if this run made it and left
        nothing in it."""
        if self.fd is None:
            return
        with suppress(OSError):
            os.unlink(self.path)
        os.close(self.fd)
        self.fd = None
        self._undo_folder()

    def _undo_folder(self) -> None:
        if self.created:
            with suppress(OSError):
                self.out.rmdir()  # only when empty
            self.created = False


def _read_holder(fd: int) -> str:
    try:
        text = os.pread(fd, 2000, 0).decode("utf-8", "replace").strip()
    except OSError:
        text = ""
    return escape(text) if text else "its details are unknown"
