"""The evidence folder (--evidence-dir): each register row's file hashed, and read for the pack.

Files are read only from inside that folder: a Where kept value that is a link (a URL), an
absolute path, or a path that resolves outside the folder (.., a symbolic link pointing out) is
refused, never opened; nothing is fetched. Each file is capped like a workbook.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from pathlib import Path, PurePosixPath, PureWindowsPath

from assessor.domain.errors import InputError
from assessor.domain.models import EvidenceFile, EvidenceRecord
from assessor.intake.limits import DEFAULT_LIMITS, MIB, Limits

_URL = re.compile(r"^[a-z][a-z0-9+.-]*://|^mailto:|^\\\\", re.IGNORECASE)


def locate(folder: Path, where: str) -> Path | str:
    """The file a Where kept value names inside the folder, or why it may not be opened."""
    text = where.strip()
    if _URL.match(text):
        return "a link, not a file in the evidence folder (never fetched)"
    if PurePosixPath(text).is_absolute() or PureWindowsPath(text).is_absolute():
        return "an absolute path: name it relative to the evidence folder"
    root = folder.resolve()
    target = (root / text.replace("\\", "/")).resolve()
    if target != root and root not in target.parents:
        return "outside the evidence folder (links are not followed out of it)"
    return target


def inspect(folder: Path, where: str, limits: Limits = DEFAULT_LIMITS) -> EvidenceFile:
    """One row's file: found (SHA-256, size), missing, or refused with the reason."""
    found = locate(folder, where)
    if isinstance(found, str):
        return EvidenceFile(path=where, status="refused", note=found)
    if not found.exists():
        return EvidenceFile(path=where, status="missing", note="not in the evidence folder")
    if not found.is_file():
        return EvidenceFile(path=where, status="refused", note="not a file")
    size = found.stat().st_size
    if size > limits.max_file_bytes:
        note = f"{size / MIB:.1f} MiB; the limit is {limits.max_file_bytes // MIB} MiB"
        return EvidenceFile(path=where, status="refused", size=size, note=note)
    digest = hashlib.sha256()
    with found.open("rb") as handle:
        for chunk in iter(lambda: handle.read(MIB), b""):
            digest.update(chunk)
    return EvidenceFile(path=where, status="found", sha256=digest.hexdigest(), size=size)


def inspect_records(
    records: Iterable[EvidenceRecord], folder: Path, limits: Limits = DEFAULT_LIMITS
) -> tuple[EvidenceRecord, ...]:
    """Every row with a Where kept value gains its file's facts."""
    out: list[EvidenceRecord] = []
    for record in records:
        if record.where_kept:
            record = record.model_copy(update={"file": inspect(folder, record.where_kept, limits)})
        out.append(record)
    return tuple(out)


def read_files(
    folder: Path, files: Sequence[EvidenceFile], limits: Limits = DEFAULT_LIMITS
) -> tuple[tuple[str, bytes], ...]:
    """The bytes of the files a pack holds, each checked against the SHA-256 judged."""
    out: dict[str, bytes] = {}
    for item in files:
        if item.status != "found" or item.path in out:
            continue
        found = locate(folder, item.path)
        if isinstance(found, str):
            raise InputError(f"evidence file {item.path!r}: {found}")
        try:
            data = found.read_bytes()
        except OSError as err:
            raise InputError(
                f"evidence file {item.path!r}: cannot read it ({err.strerror or err})"
            ) from None
        if len(data) > limits.max_file_bytes or hashlib.sha256(data).hexdigest() != item.sha256:
            raise InputError(
                f"evidence file {item.path!r}: it changed after it was checked",
                hint="run the assessment again so the pack holds the documents judged",
            )
        out[item.path] = data
    return tuple(sorted(out.items()))
