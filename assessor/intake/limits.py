"""The caps on what a workbook may make intake do, and the one way intake refuses a file."""

from __future__ import annotations

import lzma
import struct
import zipfile
import zlib
from dataclasses import dataclass

from assessor.domain.errors import InputError

MIB = 1024 * 1024
CHUNK = MIB  # bytes read at a time when streaming a zip member
# Everything zipfile and its decompressors raise on damaged or unsupported archives.
ZIP_ERRORS: tuple[type[Exception], ...] = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    lzma.LZMAError,
    struct.error,
    OSError,
    EOFError,
    ValueError,
    RuntimeError,
    NotImplementedError,
    KeyError,
    IndexError,
    UnicodeDecodeError,
)


@dataclass(frozen=True)
class Limits:
    """Caps that keep a hostile or accidental workbook from exhausting time or memory."""

    max_file_bytes: int = 64 * MIB
    max_members: int = 2000
    max_total_uncompressed: int = 400 * MIB
    max_member_uncompressed: int = 200 * MIB
    max_ratio: float = 100.0  # compression ratio, for members over ratio_floor bytes
    ratio_floor: int = 1 * MIB
    max_rows: int = 200_000  # per sheet read
    max_cells: int = 5_000_000  # rows x columns of a sheet's extent (calamine allocates it)


DEFAULT_LIMITS = Limits()


def fail(display: str, message: str, hint: str | None = None) -> InputError:
    """An InputError naming the file first (every intake refusal is one line)."""
    return InputError(f"{display}: {message}", hint=hint)
