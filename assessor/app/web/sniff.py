"""What an upload is, judged from its bytes (never its name or MIME type), and where it is kept."""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import BinaryIO

from assessor.app.web.pages import Problem
from assessor.domain.errors import InputError
from assessor.domain.text import normalize_text


def one_line(text: str) -> str:
    """Normalized text on one line: no control characters, single spaces."""
    return " ".join(normalize_text(text).split())


def display_name(client_name: str | None, index: int) -> str:
    """The client's file name reduced to its last part, for display only (never for storage)."""
    raw = client_name or ""
    base = PureWindowsPath(PurePosixPath(raw.replace("\x00", "")).name).name
    base = one_line(base)[:120].strip()
    return base or f"workbook {index}"


MAX_PARENT_ZIP_ENTRIES = 2000  # more than this: leave the zip to the memory-capped worker


def zip_entry_count(data: bytes) -> int | None:
    """Entries declared by the zip's end-of-central-directory record; None if absent or zip64."""
    end = data.rfind(b"PK\x05\x06", max(0, len(data) - 65_557))
    if end < 0 or end + 22 > len(data):
        return None
    count = int.from_bytes(data[end + 10 : end + 12], "little")
    return None if count == 0xFFFF else count


def identify(data: bytes, file: str) -> Problem | None:
    """Identify an upload from its bytes (never its name or MIME type): 415 unless a workbook.

    Uses the intake's zip pre-check: its magic-byte sniff, and for a zip without the workbook
    parts, its explanation of what the zip is instead. The web process lists a zip's members only
    when it declares few; the full pre-check (sizes, ratios, XML prologs, sheet extents) runs
    inside the memory-capped worker, where intake reads the file.
    """
    from assessor.intake import zipcheck

    try:
        zipcheck.sniff(data, file)
        count = zip_entry_count(data)
        if count is None or count > MAX_PARENT_ZIP_ENTRIES:
            return None  # the worker's pre-check decides, under its memory cap
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
        if not {"xl/workbook.xml", "[Content_Types].xml"} <= names:
            zipcheck.check_package(data, file)  # raises, naming what the zip is instead
    except InputError as err:
        # "— rejected" marks a hostile archive (a bad workbook, 400); else it is another format.
        status = 400 if "rejected" in err.message else 415
        return Problem(status, tuple(err.lines()), file)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as err:
        return Problem(
            400,
            (
                f"{file}: not a valid .xlsx: the zip archive is truncated or corrupt ({err})",
                "hint: the file may be incomplete: download or copy it again",
            ),
            file,
        )
    return None


def save_upload(source: BinaryIO, dest: Path) -> bytes:
    """Copy an upload to a server-named file (0600, must not exist); return its bytes."""
    source.seek(0)
    data = source.read()
    fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    return data
