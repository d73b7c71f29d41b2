"""Output files: safe names for units, atomic create-only writes, the blank template on disk."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import unicodedata
from contextlib import suppress
from pathlib import Path

from assessor.domain.errors import OutputError
from assessor.domain.models import Catalog
from assessor.render import blank_workbook


def slugify(name: str) -> str:
    """A safe, readable file stem for a unit name: [a-z0-9-], capped, never empty or reserved."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:60].strip("-")
    if not slug or slug in {"con", "prn", "aux", "nul", "portfolio", "manifest"}:
        digest = hashlib.sha256(name.encode()).hexdigest()[:8]
        slug = f"{slug or 'unit'}-{digest}"
    return slug


def unique_slugs(names: list[str]) -> dict[str, str]:
    """Map unit names to slugs, adding a short hash where two names slugify alike."""
    by_slug: dict[str, list[str]] = {}
    for name in sorted(set(names)):
        by_slug.setdefault(slugify(name), []).append(name)
    out: dict[str, str] = {}
    for slug, group in by_slug.items():
        for name in group:
            out[name] = (
                slug
                if len(group) == 1
                else f"{slug}-{hashlib.sha256(name.encode()).hexdigest()[:6]}"
            )
    return out


def _umask() -> int:
    """The process umask (read by setting it and putting it back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_atomic(path: Path, data: bytes, *, overwrite: bool) -> None:
    """Write via a temp file in the same folder, fsync, then rename: never a half-written file."""
    write_set([(path, data)], overwrite=overwrite)


def write_set(files: list[tuple[Path, bytes]], *, overwrite: bool) -> None:
    """Write several files as one: all of them, or (as far as it is ours to undo) none.

    Every file is first written in full to a temp file beside its target and fsynced; only when
    all are on disk are they renamed into place. A full disk or any other failure while writing
    leaves none of the set behind (no temp file either); a create-only set whose rename fails
    half-way removes the files of the set it had just created.
    """
    staged: list[tuple[str, Path]] = []
    try:
        for path, data in files:
            try:
                staged.append((_stage(path, data), path))
            except OSError as err:
                err.filename = str(path)  # name the report, not its temp file
                raise
        published: list[Path] = []
        try:
            for tmp, path in staged:
                _publish(tmp, path, overwrite=overwrite)
                published.append(path)
            for folder in sorted({path.parent for _, path in staged}):
                _fsync_folder(folder)
        except BaseException:
            if not overwrite:
                for path in published:
                    with suppress(OSError):
                        os.unlink(path)
            raise
    finally:
        for tmp, _ in staged:
            if os.path.lexists(tmp):
                with suppress(OSError):
                    os.unlink(tmp)


def _fsync_folder(folder: Path) -> None:
    dir_fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def _stage(path: Path, data: bytes) -> str:
    """The data in full in a temp file beside `path`, fsynced (removed again on failure)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; reports are for sharing
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return tmp


def _publish(tmp: str, path: Path, *, overwrite: bool) -> None:
    """Move a staged file into place: replace, or create-only (refusing an existing file)."""
    if overwrite:
        os.replace(tmp, path)
        return
    try:
        os.link(tmp, path)  # fails if the target exists: create-only
    except FileExistsError:
        raise OutputError(
            f"{path}: already exists", hint="pass --overwrite to replace reports"
        ) from None
    os.unlink(tmp)


def write_template(path: Path, catalog: Catalog, *, overwrite: bool) -> None:
    """Write the template to `path`; refuse to replace an existing file without overwrite."""
    if path.suffix.lower() not in (".xlsx", ""):
        raise OutputError(f"{path}: the template is an .xlsx workbook; name it *.xlsx")
    if path.is_dir():
        raise OutputError(f"{path}: is a folder; give a file name such as intake.xlsx")
    if path.exists() and not overwrite:
        raise OutputError(f"{path}: already exists", hint="pass --overwrite to replace it")
    try:
        write_atomic(path, blank_workbook.template_bytes(catalog), overwrite=overwrite)
    except OSError as err:
        raise OutputError(f"{path}: cannot write ({err.strerror or err})") from None
