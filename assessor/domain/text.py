"""Text normalization shared by intake and recognition: what people paste into Excel cells."""

from __future__ import annotations

import json
import re
import unicodedata
from datetime import date

# Zero-width and BOM characters vanish; every kind of unicode space becomes a plain space.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_SPACES = re.compile(r"[\s\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]+")
_QUOTES = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u2033": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2212": "-",
    }
)
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
# XML 1.0 cannot carry these; openpyxl raises on them at write time.
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def strip_controls(value: str) -> tuple[str, bool]:
    """Remove control characters XML cannot hold; report whether any were removed."""
    cleaned = CONTROL_CHARS.sub("", value)
    return cleaned, cleaned != value


def normalize_text(value: str) -> str:
    """NFC, no invisible characters, plain quotes and dashes, single spaces, trimmed.

    Line breaks inside a cell are kept as "\\n" (they separate frameworks in one cell).
    """
    if value.isascii() and value.isprintable() and "  " not in value:
        # printable ASCII: nothing to fold, no control character or line break; single
        # spaces stay as they are, so only the ends can change
        return value.strip(" ")
    value = unicodedata.normalize("NFC", value).translate(_INVISIBLE).translate(_QUOTES)
    value = CONTROL_CHARS.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))
    lines = (_SPACES.sub(" ", line).strip() for line in value.split("\n"))
    return "\n".join(line for line in lines if line)


def long_date(value: date) -> str:
    """`31 July 2024`: how reports write dates, locale-independent so bytes stay the same."""
    return f"{value.day} {_MONTHS[value.month - 1]} {value.year}"


def canonical_json(data: object) -> bytes:
    """JSON bytes that are the same for the same data: sorted keys, indent 2, UTF-8 kept, no
    NaN or Infinity (ValueError instead), one trailing newline."""
    text = json.dumps(data, allow_nan=False, sort_keys=True, ensure_ascii=False, indent=2)
    return (text + "\n").encode("utf-8")
