"""Every form a date takes in a workbook: date cells, serials in either epoch, and typed text."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any

from assessor.domain.text import normalize_text
from assessor.intake.cells import plain

_ISO_DATE = re.compile(
    r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"
)
_NUMERIC_DATE = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{2}|\d{4})$")
_MONTHS = {
    m: i
    for i, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for m in names
}
_MONTH_FIRST = re.compile(r"^([a-z]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})$")
_DAY_FIRST = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?[\s-]+([a-z]+)\.?,?[\s-]+(\d{2}|\d{4})$")
_EPOCH_1900 = date(1899, 12, 30)
_EPOCH_1904 = date(1904, 1, 1)
_LAST_SERIAL = 2958466  # 9999-12-31 is serial 2958465


def parse_date(value: Any, *, date1904: bool = False) -> date | str | None:
    """A cell as a date: datetime, serial (workbook epoch), ISO or unambiguous text.

    Returns None for an empty cell, a date, or an error string ("ambiguous: ..." or
    "not a date: ...") for the caller to report with the cell's location.
    """
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, bool):
        return f"not a date: {plain(value)!r}"
    if isinstance(value, int | float):
        serial = float(value)
        if not 1 <= serial < _LAST_SERIAL:
            return f"not a date: {plain(value)!r} is outside Excel's date range"
        epoch = _EPOCH_1904 if date1904 else _EPOCH_1900
        return epoch + timedelta(days=int(serial))
    text = normalize_text(plain(value)).casefold()
    if not text:
        return None
    return _parse_text(text, value)


def _parse_text(text: str, raw: Any) -> date | str:
    """A date typed as text (normalized, casefolded): ISO, numeric or with a month name."""
    match = _ISO_DATE.match(text)
    if match:
        return _make_date(int(match.group(1)), int(match.group(2)), int(match.group(3)), raw)
    match = _NUMERIC_DATE.match(text)
    if match:
        first, second, year = int(match.group(1)), int(match.group(2)), int(match.group(3))
        year = year + 2000 if year < 100 else year
        if first > 12 and second <= 12:
            return _make_date(year, second, first, raw)
        if second > 12 and first <= 12:
            return _make_date(year, first, second, raw)
        if first == second:
            return _make_date(year, first, second, raw)
        return (
            f"ambiguous date {plain(raw)!r}: day/month or month/day? "
            "write it as YYYY-MM-DD or use a date cell"
        )
    match = _MONTH_FIRST.match(text)
    if match and match.group(1) in _MONTHS:
        month = _MONTHS[match.group(1)]
        return _make_date(int(match.group(3)), month, int(match.group(2)), raw)
    match = _DAY_FIRST.match(text)
    if match and match.group(2) in _MONTHS:
        year = int(match.group(3))
        year = year + 2000 if year < 100 else year
        return _make_date(year, _MONTHS[match.group(2)], int(match.group(1)), raw)
    return f"not a date: {plain(raw)[:80]!r}"


def _make_date(year: int, month: int, day: int, raw: Any) -> date | str:
    try:
        return date(year, month, day)
    except ValueError:
        return f"not a date: {plain(raw)[:80]!r}"
