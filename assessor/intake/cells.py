"""What a python-calamine cell value reads as: its visible text, blank or not, a Y/N mark."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

from assessor.domain.text import normalize_text

# Text some people type in a framework cell to mean "nothing".
PLACEHOLDERS = frozenset(
    {"-", "--", "---", "n/a", "na", "n.a.", "none", "nil", "tbd", "tba", "?", ".", "...", "x"}
)
_POSITIVE_MARKS = frozenset(
    {
        "y",
        "yes",
        "x",
        "✓",
        "✔",
        "☑",
        "✅",
        "1",
        "required",
        "true",
        "applicable",
        "in scope",
        "mandatory",
        "req",
        "req'd",
    }
)
_NEGATIVE_MARKS = frozenset(
    {
        "",
        "n",
        "no",
        "0",
        "not required",
        "false",
        "n/a",
        "na",
        "-",
        "not applicable",
        "out of scope",
        "✗",
        "✘",
        "none",
    }
)
_WORD = re.compile(r"\w", re.UNICODE)


def plain(value: Any) -> str:
    """A calamine cell value as the text a person would see (before normalization)."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return ""
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(" ")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value)
    return str(value)


def is_blank(row: Sequence[Any]) -> bool:
    """Whether every cell of the row is empty or whitespace."""
    return all(v is None or v == "" or (isinstance(v, str) and not v.strip()) for v in row)


def mark(value: Any) -> bool | None:
    """True for a 'required' mark, False for blank/'not required', None for anything else."""
    key = normalize_text(plain(value)).casefold()
    if key in _POSITIVE_MARKS:
        return True
    if key in _NEGATIVE_MARKS:
        return False
    return None


def has_word(text: str) -> bool:
    """Whether the text holds a letter or digit (a split part of only punctuation is dropped)."""
    return bool(_WORD.search(text))
