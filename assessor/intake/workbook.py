"""Read an organization's requirements workbook into an IntakeResult, accounting for every row.

The only module importing python_calamine. Every file first passes assessor.intake.zipcheck (format,
zip bombs, entity tricks, sheet extents); then calamine reads cached cell values. Tables are
found by their header row (anywhere in the first 30 rows, names matched by synonyms), or read
as an applicability matrix (units x frameworks, or the transpose).
"""

from __future__ import annotations

import bisect
import contextlib
import functools
import gc
import hashlib
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from io import BytesIO
from pathlib import Path
from typing import Any, Literal

import python_calamine

from assessor.domain.errors import InputError, Issue
from assessor.domain.models import (
    BusinessUnit,
    Catalog,
    CellRef,
    IntakeResult,
    RejectedRow,
    Requirement,
)
from assessor.domain.text import CONTROL_CHARS, normalize_text
from assessor.intake import zipcheck
from assessor.intake.zipcheck import DEFAULT_LIMITS, Limits, col_letters
from assessor.recognize.match import match_text, split_frameworks

__all__ = [
    "DEFAULT_LIMITS",
    "FIELD_SYNONYMS",
    "TEMPLATE_EXAMPLE_UNIT",
    "TEMPLATE_LIST_SHEET",
    "UNIT_FIELD_SYNONYMS",
    "Limits",
    "parse_date",
    "read_workbook",
]

HEADER_SCAN_ROWS = 30
TEMPLATE_LIST_SHEET = "Framework list"  # the template's hidden dropdown source: no warning
TEMPLATE_EXAMPLE_UNIT = "Example unit (delete this row)"  # the template's example row
_MAX_WARNINGS = 500

Field = Literal[
    "business_unit",
    "framework",
    "version",
    "scope_notes",
    "evidence_needed",
    "owner",
    "due_date",
    "priority",
]
UnitField = Literal["name", "owner", "auditor", "period_start", "period_end"]

# Exact header names (after _header_key) for each field; the first listed wins a tie.
FIELD_SYNONYMS: dict[Field, tuple[str, ...]] = {
    "framework": (
        "framework",
        "frameworks",
        "framework name",
        "standard",
        "standards",
        "regulation",
        "regulations",
        "requirement",
        "requirements",
        "certification",
        "certifications",
        "compliance requirement",
        "compliance requirements",
        "compliance framework",
        "compliance frameworks",
        "compliance standard",
        "regulatory requirement",
        "regulatory requirements",
        "framework standard",
        "standard regulation",
        "law regulation",
        "law",
        "laws",
        "obligation",
        "obligations",
        "control framework",
        "applicable framework",
        "applicable frameworks",
        "required certification",
        "required certifications",
    ),
    "business_unit": (
        "business unit",
        "business units",
        "bu",
        "business unit name",
        "department",
        "dept",
        "division",
        "entity",
        "legal entity",
        "unit",
        "org unit",
        "organizational unit",
        "organisational unit",
        "business area",
        "line of business",
        "lob",
    ),
    "version": ("version", "edition", "revision", "framework version", "standard version"),
    "scope_notes": (
        "scope notes",
        "scope",
        "notes",
        "note",
        "comments",
        "comment",
        "remarks",
        "scope and notes",
        "description",
    ),
    "evidence_needed": (
        "evidence needed",
        "evidence",
        "evidence required",
        "required evidence",
        "evidence requested",
    ),
    "owner": ("owner", "responsible", "accountable", "contact", "requirement owner"),
    "due_date": ("due date", "due", "deadline", "target date", "date due", "due by"),
    "priority": ("priority", "criticality", "importance"),
}
_ACCEPTED_FRAMEWORK_HEADERS = (
    "Framework",
    "Standard",
    "Regulation",
    "Requirement",
    "Certification",
    "Compliance requirement",
    "Law",
    "Obligation",
)
UNIT_FIELD_SYNONYMS: dict[UnitField, tuple[str, ...]] = {
    "name": (
        "name",
        "business unit",
        "business unit name",
        "unit",
        "unit name",
        "bu",
        "department",
        "division",
        "entity",
    ),
    "owner": ("owner", "unit owner", "business owner", "contact"),
    "auditor": ("auditor", "audit firm", "assessor", "certification body", "external auditor"),
    "period_start": (
        "audit period start",
        "period start",
        "start",
        "start date",
        "audit start",
        "from",
        "audit period from",
    ),
    "period_end": (
        "audit period end",
        "period end",
        "end",
        "end date",
        "audit end",
        "to",
        "audit period to",
    ),
}
_UNITS_SHEET_NAMES = frozenset(
    {"business units", "business unit", "units", "bus", "entities", "departments", "divisions"}
)
# Loose keyword rules for headers no exact synonym matches ("Framework / Standard name").
_KEYWORDS: tuple[tuple[Field, frozenset[str]], ...] = (
    ("due_date", frozenset({"due", "deadline"})),
    ("evidence_needed", frozenset({"evidence"})),
    ("owner", frozenset({"owner", "responsible", "accountable"})),
    ("priority", frozenset({"priority", "criticality"})),
    ("version", frozenset({"version", "edition", "revision"})),
    ("scope_notes", frozenset({"scope", "note", "notes", "comment", "comments", "remarks"})),
    ("business_unit", frozenset({"department", "division", "entity", "bu"})),
    (
        "framework",
        frozenset(
            {
                "framework",
                "frameworks",
                "standard",
                "standards",
                "regulation",
                "regulations",
                "certification",
                "certifications",
            }
        ),
    ),
)
# Text some people type in a framework cell to mean "nothing".
_PLACEHOLDERS = frozenset(
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
_GENERIC_SHEET = re.compile(
    r"^(sheet|tabelle|feuil|hoja|foglio|blad|planilha)\s*\d*$|^(requirements?|frameworks?|"
    r"data|table\s*\d*|compliance|standards?|regulations?|list|main|input|template)$",
    re.IGNORECASE,
)
_HEADER_PUNCT = re.compile(r"[^\w\s]+", re.UNICODE)
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


# ---------------------------------------------------------------------------
# Values


@functools.lru_cache(maxsize=8192)
def _header_key(value: str) -> str:
    """'Scope / Notes:' -> 'scope notes'; 'Business Unit (BU)' -> 'business unit bu'."""
    text = normalize_text(value).casefold().replace("&", " and ")
    text = _HEADER_PUNCT.sub(" ", text).replace("_", " ")
    return " ".join(text.split()).removesuffix(" s")


def _plain(value: Any) -> str:
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
        return f"not a date: {_plain(value)!r}"
    if isinstance(value, int | float):
        serial = float(value)
        if not 1 <= serial < 2958466:
            return f"not a date: {_plain(value)!r} is outside Excel's date range"
        epoch = _EPOCH_1904 if date1904 else _EPOCH_1900
        return epoch + timedelta(days=int(serial))
    text = normalize_text(_plain(value)).casefold()
    if not text:
        return None
    match = _ISO_DATE.match(text)
    if match:
        return _make_date(int(match.group(1)), int(match.group(2)), int(match.group(3)), value)
    match = _NUMERIC_DATE.match(text)
    if match:
        first, second, year = int(match.group(1)), int(match.group(2)), int(match.group(3))
        year = year + 2000 if year < 100 else year
        if first > 12 and second <= 12:
            return _make_date(year, second, first, value)
        if second > 12 and first <= 12:
            return _make_date(year, first, second, value)
        if first == second:
            return _make_date(year, first, second, value)
        return (
            f"ambiguous date {_plain(value)!r}: day/month or month/day? "
            "write it as YYYY-MM-DD or use a date cell"
        )
    match = _MONTH_FIRST.match(text)
    if match and match.group(1) in _MONTHS:
        month = _MONTHS[match.group(1)]
        return _make_date(int(match.group(3)), month, int(match.group(2)), value)
    match = _DAY_FIRST.match(text)
    if match and match.group(2) in _MONTHS:
        year = int(match.group(3))
        year = year + 2000 if year < 100 else year
        return _make_date(year, _MONTHS[match.group(2)], int(match.group(1)), value)
    return f"not a date: {_plain(value)[:80]!r}"


def _make_date(year: int, month: int, day: int, raw: Any) -> date | str:
    try:
        return date(year, month, day)
    except ValueError:
        return f"not a date: {_plain(raw)[:80]!r}"


def _is_blank(row: Sequence[Any]) -> bool:
    return all(v is None or v == "" or (isinstance(v, str) and not v.strip()) for v in row)


# ---------------------------------------------------------------------------
# Header detection


def _field_for(header: str) -> tuple[Field, int] | None:
    """The field a header names, with a rank (lower is a stronger match)."""
    key = _header_key(header)
    if not key:
        return None
    for fld, names in FIELD_SYNONYMS.items():
        if key in names:
            return fld, names.index(key)
    words = set(key.split())
    if len(words) > 5:
        return None
    if {"business", "unit"} <= words:
        return "business_unit", 90
    for fld, keys in _KEYWORDS:
        if words & keys:
            return fld, 100
    return None


def _unit_field_for(header: str) -> UnitField | None:
    key = _header_key(header)
    for fld, names in UNIT_FIELD_SYNONYMS.items():
        if key in names:
            return fld
    return None


@dataclass
class _Layout:
    """A requirements table's header row and which column holds which field."""

    header_row: int  # 0-based index into the sheet's rows
    columns: dict[Field, int]
    extras: list[tuple[int, str]]  # (column index, header) of unrecognized columns
    headers: list[str]


def _layout_for(row: Sequence[Any]) -> _Layout | None:
    best: dict[Field, tuple[int, int]] = {}
    headers = [normalize_text(_plain(v)) for v in row]
    for col, header in enumerate(headers):
        found = _field_for(header)
        if found is None:
            continue
        fld, rank = found
        if fld not in best or rank < best[fld][1]:
            best[fld] = (col, rank)
    if "framework" not in best:
        return None
    columns = {fld: col for fld, (col, _) in best.items()}
    used = set(columns.values())
    extras = [(c, h) for c, h in enumerate(headers) if c not in used and h]
    return _Layout(header_row=-1, columns=columns, extras=extras, headers=headers)


def _find_layout(rows: Sequence[Sequence[Any]]) -> _Layout | None:
    """The best header row in the first 30: most recognized fields, then the earliest."""
    best: _Layout | None = None
    for index, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        if _is_blank(row):
            continue
        layout = _layout_for(row)
        if layout is None:
            continue
        layout.header_row = index
        if best is None or len(layout.columns) > len(best.columns):
            best = layout
    return best


def _mark(value: Any) -> bool | None:
    """True for a 'required' mark, False for blank/'not required', None for anything else."""
    key = normalize_text(_plain(value)).casefold()
    if key in _POSITIVE_MARKS:
        return True
    if key in _NEGATIVE_MARKS:
        return False
    return None


# ---------------------------------------------------------------------------
# Reader state


@dataclass
class _Reader:
    """Accumulates everything read from one workbook."""

    display: str
    catalog: Catalog
    date1904: bool
    stem: str
    requirements: list[Requirement] = field(default_factory=list)
    rejected: list[RejectedRow] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    errors: list[Issue] = field(default_factory=list)
    units: dict[str, BusinessUnit] = field(default_factory=dict)  # casefold name -> unit
    unit_order: list[str] = field(default_factory=list)
    data_rows: int = 0
    sheets_with_tables: list[str] = field(default_factory=list)
    seen: dict[tuple[str, str, str], str] = field(default_factory=dict)
    _norm_cache: dict[str, str] = field(default_factory=dict)
    _split_cache: dict[str, list[str]] = field(default_factory=dict)

    def reject(self, sheet: str, row: int, reason: str, unit: str | None = None) -> None:
        """Account for a data row that becomes no requirement (every row is reconciled)."""
        self.rejected.append(
            RejectedRow(file=self.display, sheet=sheet, row=row, reason=reason, business_unit=unit)
        )

    def warn(self, message: str) -> None:
        if len(self.warnings) < _MAX_WARNINGS:
            self.warnings.append(message)
        elif len(self.warnings) == _MAX_WARNINGS:
            self.warnings.append("… further warnings omitted")

    def text(self, value: Any, where: Callable[[], str] | tuple[str, int, int]) -> str:
        """Normalized text of a cell; control characters removed with a warning.

        `where` is a lazy location: a callable, or (sheet, 0-based column, Excel row).
        """
        if value == "" or value is None:
            return ""
        raw = value if isinstance(value, str) else _plain(value)
        if not raw:
            return ""
        cached = self._norm_cache.get(raw)
        if cached is not None:
            return cached
        if raw.isascii() and raw.isprintable() and "  " not in raw and raw == raw.strip():
            if len(self._norm_cache) < 50_000:
                self._norm_cache[raw] = raw
            return raw  # normalize_text would return it unchanged
        if CONTROL_CHARS.search(raw):
            location = (
                where() if callable(where) else f"{where[0]}!{col_letters(where[1] + 1)}{where[2]}"
            )
            self.warn(f"{location}: control characters removed")
            return normalize_text(raw)  # not cached: the next occurrence must warn too
        cleaned = normalize_text(raw)
        if len(self._norm_cache) < 50_000:
            self._norm_cache[raw] = cleaned
        return cleaned

    def split(self, text: str) -> list[str]:
        parts = self._split_cache.get(text)
        if parts is None:
            parts = [p for p in split_frameworks(text, self.catalog) if _has_word(p)]
            self._split_cache[text] = parts
        return parts

    def unit(self, name: str, source: CellRef | Callable[[], CellRef] | None = None) -> str:
        """Register a business unit seen in the data; returns its canonical spelling."""
        key = name.casefold()
        existing = self.units.get(key)
        if existing is not None:
            return existing.name
        if callable(source):
            source = source()
        self.units[key] = BusinessUnit(name=name, source=source)
        self.unit_order.append(key)
        return name


_WORD = re.compile(r"\w", re.UNICODE)


def _loc(sheet: str, col: int, excel_row: int) -> Callable[[], str]:
    """A lazy 'Sheet!C14' location (built only when a warning needs it)."""
    return lambda: f"{sheet}!{col_letters(col + 1)}{excel_row}"


def _has_word(text: str) -> bool:
    return bool(_WORD.search(text))


# ---------------------------------------------------------------------------
# Sheets


def _default_unit(reader: _Reader, sheet: str) -> str:
    """The sheet name, unless it is generic ("Sheet1", "Requirements"): then the file stem."""
    name = normalize_text(sheet)
    if name and not _GENERIC_SHEET.match(name):
        return name
    return normalize_text(reader.stem) or "Unnamed unit"


class _Merges:
    """Merged ranges, looked up per cell: (row, col) -> the range's top-left (row, col).

    Memory is one entry per range (never per covered cell), so a sheet declaring huge merged
    ranges costs nothing; lookups bisect the ranges that start in the cell's column.
    """

    def __init__(self, ranges: Sequence[Any], nrows: int, ncols: int) -> None:
        by_col: dict[int, list[tuple[int, int]]] = {}
        for (r0, c0), (r1, _c1) in ranges:
            if 0 <= r0 < nrows and 0 <= c0 < ncols and r1 > r0:
                by_col.setdefault(c0, []).append((r0, min(r1, nrows - 1)))
        self._starts: dict[int, list[int]] = {}
        self._spans: dict[int, list[tuple[int, int]]] = {}
        for col, spans in by_col.items():
            spans.sort()
            self._spans[col] = spans
            self._starts[col] = [r0 for r0, _ in spans]

    def __bool__(self) -> bool:
        return bool(self._spans)

    def __contains__(self, cell: tuple[int, int]) -> bool:
        return self._top_left(cell) is not None

    def __getitem__(self, cell: tuple[int, int]) -> tuple[int, int]:
        found = self._top_left(cell)
        if found is None:
            raise KeyError(cell)
        return found

    def _top_left(self, cell: tuple[int, int]) -> tuple[int, int] | None:
        row, col = cell
        starts = self._starts.get(col)
        if not starts:
            return None
        at = bisect.bisect_right(starts, row) - 1
        if at < 0:
            return None
        r0, r1 = self._spans[col][at]
        return (r0, col) if r0 < row <= r1 else None


def _read_requirements(
    reader: _Reader,
    sheet_name: str,
    rows: list[list[Any]],
    layout: _Layout,
    fills: _Merges,
    missing_formulas: set[str],
) -> None:
    cols = layout.columns
    fw_col = cols["framework"]
    fw_letter = col_letters(fw_col + 1)
    default_unit = _default_unit(reader, sheet_name)
    header_keys = [_header_key(h) for h in layout.headers]
    text_cols = [(fld, c) for fld, c in cols.items() if fld != "due_date"]
    unit_col = cols.get("business_unit")
    unit_letter = col_letters(unit_col + 1) if unit_col is not None else None
    mark_cols = _transposed_unit_columns(rows, layout) if "business_unit" not in cols else []
    if mark_cols:
        _read_transposed(reader, sheet_name, rows, layout, mark_cols)
        return

    has_fills = bool(fills)
    multi_sheet = len(reader.sheets_with_tables) > 1
    due_col = cols.get("due_date")
    due_letter = col_letters(due_col + 1) if due_col is not None else ""
    extras = layout.extras
    norm = reader._norm_cache  # raw text -> normalized, for text that needs no warning
    norm.setdefault("", "")
    text = reader.text
    units = reader.units
    requirements = reader.requirements
    seen = reader.seen
    display = reader.display
    split_cache = reader._split_cache
    example_unit = TEMPLATE_EXAMPLE_UNIT.casefold()
    fw_header_key = header_keys[fw_col] if fw_col < len(header_keys) else None

    def cell(r: int, c: int | None) -> Any:
        if c is None:
            return ""
        row = rows[r]
        value = row[c] if c < len(row) else ""
        if has_fills and (value == "" or value is None) and (r, c) in fills:
            tr, tc = fills[(r, c)]
            value = rows[tr][tc] if tc < len(rows[tr]) else ""
        return value

    for r in range(layout.header_row + 1, len(rows)):
        row = rows[r]
        width = len(row)
        fw_value = row[fw_col] if fw_col < width else ""
        if (
            not (isinstance(fw_value, str) and fw_value.strip())
            and _is_blank(row)
            and not (has_fills and any((r, c) in fills for c in cols.values()))
        ):
            continue
        excel_row = r + 1
        if (
            isinstance(fw_value, str)
            and _header_key(fw_value) == fw_header_key
            and _repeats_header(row, fw_col, header_keys)
        ):
            reader.warn(f"{sheet_name}!{excel_row}: repeated header row skipped")
            continue
        reader.data_rows += 1

        texts: dict[Field, str] = {}
        for fld, c in text_cols:
            value = cell(r, c) if has_fills else (row[c] if c < width else "")
            found = norm.get(value) if value.__class__ is str else None
            texts[fld] = found if found is not None else text(value, (sheet_name, c, excel_row))
        unit_name = texts.get("business_unit", "")
        unit_key = unit_name.casefold()
        if unit_key == example_unit:
            reader.reject(sheet_name, excel_row, "the template's example row (delete it)", None)
            continue
        if unit_name:
            known = units.get(unit_key)
            if known is not None:
                unit_name = known.name
            else:
                unit_name = reader.unit(
                    unit_name,
                    functools.partial(
                        CellRef,
                        file=display,
                        sheet=sheet_name,
                        row=excel_row,
                        column=unit_letter,
                    ),
                )
        elif unit_col is not None:
            unit_name = reader.unit(default_unit)
            reader.warn(
                f"{sheet_name}!{col_letters(unit_col + 1)}{excel_row}: business unit empty; "
                f"row assigned to {default_unit!r}"
            )
        else:
            unit_name = reader.unit(default_unit)
        # a rejected row belongs to its unit only when the sheet has a unit column
        row_unit = unit_name if unit_col is not None else None
        framework_cell = texts["framework"]
        if not framework_cell:
            ref = f"{fw_letter}{excel_row}"
            reason = "empty framework cell"
            if ref in missing_formulas:
                reason = (
                    f"formula in {ref} has no calculated value (open and save the file in Excel)"
                )
            reader.reject(sheet_name, excel_row, reason, row_unit)
            continue
        framework_key = framework_cell.casefold()
        if framework_key in _PLACEHOLDERS:
            reader.reject(
                sheet_name,
                excel_row,
                f"no framework named ({framework_cell!r})",
                row_unit,
            )
            continue
        version = texts.get("version") or None
        key = (unit_name.casefold(), framework_key, version.casefold() if version else "")
        first = seen.get(key)
        if first is not None:
            reader.reject(sheet_name, excel_row, f"duplicate of {first}", unit_name)
            continue
        seen[key] = f"{sheet_name}!{excel_row}" if multi_sheet else f"row {excel_row}"
        parts = split_cache.get(framework_cell)
        if parts is None:
            parts = reader.split(framework_cell)
        if not parts:
            reader.reject(
                sheet_name,
                excel_row,
                f"no framework named ({framework_cell[:80]!r})",
                row_unit,
            )
            continue
        due: date | None = None
        if due_col is not None:
            raw_due = cell(r, due_col) if has_fills else (row[due_col] if due_col < width else "")
            parsed = (
                raw_due
                if raw_due.__class__ is date
                else parse_date(raw_due, date1904=reader.date1904)
            )
            if isinstance(parsed, str):
                location = f"{sheet_name}!{due_letter}{excel_row}"
                if parsed.startswith("ambiguous"):
                    header = layout.headers[due_col] or "Due date"
                    reader.errors.append(Issue(location, f"{header}: {parsed}"))
                else:
                    reader.warn(f"{location}: {parsed}; due date left empty")
            else:
                due = parsed
        extra = (
            tuple(
                (header, value)
                for c, header in extras
                if (value := text(cell(r, c), (sheet_name, c, excel_row)))
            )
            if extras
            else ()
        )
        for c in cols.values() if missing_formulas else ():
            cref = f"{col_letters(c + 1)}{excel_row}"
            if c != fw_col and cref in missing_formulas:
                reader.warn(
                    f"{sheet_name}!{cref}: formula without a calculated value; read as empty"
                )
        source = _new_cellref(
            {"file": display, "sheet": sheet_name, "row": excel_row, "column": fw_letter}
        )
        fields: dict[str, Any] = {
            "source": source,
            "business_unit": unit_name,
            "text": "",
            "cell_text": framework_cell,
            "version": version,
            "scope_notes": texts.get("scope_notes") or None,
            "evidence_needed": texts.get("evidence_needed") or None,
            "owner": texts.get("owner") or None,
            "due_date": due,
            "priority": texts.get("priority") or None,
            "extra": extra,
        }
        if len(parts) == 1:
            fields["text"] = parts[0]
            requirements.append(_new_requirement(fields))
            continue
        seen_parts: set[str] = set()
        for part in parts:
            if part.casefold() in seen_parts:
                reader.warn(
                    f"{sheet_name}!{fw_letter}{excel_row}: {part!r} named twice in one cell; "
                    "read once"
                )
                continue
            seen_parts.add(part.casefold())
            requirements.append(_new_requirement({**fields, "text": part}))


def _new_cellref(values: dict[str, Any]) -> CellRef:
    """A validated cell reference (the models are the contract; never built unchecked)."""
    return CellRef(**values)


def _new_requirement(values: dict[str, Any]) -> Requirement:
    """A validated requirement: pydantic checks every field the row loop filled in."""
    return Requirement(**values)


def _repeats_header(row: Sequence[Any], fw_col: int, header_keys: list[str]) -> bool:
    """Whether a data row repeats the header (checked cheaply on the framework cell first)."""
    value = row[fw_col] if fw_col < len(row) else ""
    if not isinstance(value, str) or _header_key(value) != header_keys[fw_col]:
        return False
    return [_header_key(_plain(v)) for v in row[: len(header_keys)]] == header_keys


def _transposed_unit_columns(rows: list[list[Any]], layout: _Layout) -> list[tuple[int, str]]:
    """Extra columns that hold only marks (Y/N, ✓): a frameworks x units matrix."""
    body = [row for row in rows[layout.header_row + 1 :] if not _is_blank(row)]
    if not body:
        return []
    found = []
    for c, header in layout.extras:
        values = [row[c] if c < len(row) else "" for row in body]
        marks = [_mark(v) for v in values]
        if any(m is None for m in marks) or not any(marks):
            continue
        found.append((c, header))
    return found if len(found) >= 2 else []


def _read_transposed(
    reader: _Reader,
    sheet_name: str,
    rows: list[list[Any]],
    layout: _Layout,
    unit_cols: list[tuple[int, str]],
) -> None:
    fw_col = layout.columns["framework"]
    for header_col, header in unit_cols:
        reader.unit(
            header,
            CellRef(
                file=reader.display,
                sheet=sheet_name,
                row=layout.header_row + 1,
                column=col_letters(header_col + 1),
            ),
        )
    for r in range(layout.header_row + 1, len(rows)):
        row = rows[r]
        if _is_blank(row):
            continue
        excel_row = r + 1
        reader.data_rows += 1
        framework_cell = reader.text(
            row[fw_col] if fw_col < len(row) else "",
            _loc(sheet_name, fw_col, excel_row),
        )
        if not framework_cell or framework_cell.casefold() in _PLACEHOLDERS:
            reader.reject(sheet_name, excel_row, "empty framework cell")
            continue
        parts = reader.split(framework_cell)
        made = 0
        for c, header in unit_cols:
            if not _mark(row[c] if c < len(row) else ""):
                continue
            unit_name = reader.unit(header)
            source = CellRef(
                file=reader.display, sheet=sheet_name, row=excel_row, column=col_letters(c + 1)
            )
            for part in parts:
                reader.requirements.append(
                    Requirement(
                        source=source,
                        business_unit=unit_name,
                        text=part,
                        cell_text=framework_cell,
                    )
                )
                made += 1
        if not made:
            reader.reject(sheet_name, excel_row, "no business unit marked as required")


def _find_matrix(
    reader: _Reader, rows: list[list[Any]]
) -> tuple[int, int, list[tuple[int, str]]] | None:
    """(header row, unit column, framework columns) of a units x frameworks matrix."""
    for index, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        if _is_blank(row):
            continue
        unit_col = None
        for c, v in enumerate(row):
            found = _field_for(normalize_text(_plain(v)))
            if found and found[0] == "business_unit":
                unit_col = c
                break
        if unit_col is None:
            # A blank top-left corner over a column of unit names is common too.
            first = next((c for c, v in enumerate(row) if _plain(v).strip()), None)
            if first is None or first == 0:
                continue
            unit_col = first - 1
        fw_cols = []
        for c, v in enumerate(row):
            header = normalize_text(_plain(v))
            if c == unit_col or not header:
                continue
            if match_text(header, reader.catalog).status != "unrecognized":
                fw_cols.append((c, header))
        body = [r for r in rows[index + 1 :] if not _is_blank(r)]
        named = all(_plain(r[unit_col] if unit_col < len(r) else "").strip() for r in body)
        if len(fw_cols) >= 2 and body and (named or _plain(row[unit_col]).strip()):
            ok = all(
                _mark(r[c] if c < len(r) else "") is not None for r in body for c, _ in fw_cols
            )
            if ok:
                return index, unit_col, fw_cols
    return None


def _read_matrix(
    reader: _Reader,
    sheet_name: str,
    rows: list[list[Any]],
    header_row: int,
    unit_col: int,
    fw_cols: list[tuple[int, str]],
    fills: _Merges,
) -> None:
    for r in range(header_row + 1, len(rows)):
        row = rows[r]
        if _is_blank(row):
            continue
        excel_row = r + 1
        reader.data_rows += 1
        raw_unit = row[unit_col] if unit_col < len(row) else ""
        if (raw_unit == "" or raw_unit is None) and (r, unit_col) in fills:
            tr, tc = fills[(r, unit_col)]
            raw_unit = rows[tr][tc]
        unit_letter = col_letters(unit_col + 1)
        unit_text = reader.text(raw_unit, _loc(sheet_name, unit_col, excel_row))
        if not unit_text:
            reader.reject(sheet_name, excel_row, "empty business unit cell")
            continue
        unit_name = reader.unit(
            unit_text,
            CellRef(file=reader.display, sheet=sheet_name, row=excel_row, column=unit_letter),
        )
        made = 0
        for c, header in fw_cols:
            if not _mark(row[c] if c < len(row) else ""):
                continue
            source = CellRef(
                file=reader.display, sheet=sheet_name, row=excel_row, column=col_letters(c + 1)
            )
            for part in reader.split(header):
                reader.requirements.append(
                    Requirement(source=source, business_unit=unit_name, text=part, cell_text=header)
                )
                made += 1
        if not made:
            reader.reject(sheet_name, excel_row, "no framework marked as required", unit_name)


def _units_layout(rows: list[list[Any]]) -> tuple[int, dict[UnitField, int]] | None:
    for index, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        columns: dict[UnitField, int] = {}
        for c, v in enumerate(row):
            fld = _unit_field_for(normalize_text(_plain(v)))
            if fld is not None and fld not in columns:
                columns[fld] = c
        if "name" in columns and len(columns) >= 2:
            return index, columns
    return None


def _read_units_sheet(
    reader: _Reader,
    sheet_name: str,
    rows: list[list[Any]],
    header_row: int,
    columns: dict[UnitField, int],
) -> None:
    for r in range(header_row + 1, len(rows)):
        row = rows[r]
        if _is_blank(row):
            continue
        excel_row = r + 1

        def value(fld: UnitField, row: list[Any] = row) -> Any:
            c = columns.get(fld)
            return row[c] if c is not None and c < len(row) else ""

        def where(fld: UnitField, excel_row: int = excel_row) -> Callable[[], str]:
            return lambda: f"{sheet_name}!{col_letters(columns[fld] + 1)}{excel_row}"

        name = reader.text(value("name"), where("name"))
        if not name:
            if any(value(f) not in ("", None) for f in columns):
                reader.warn(f"{sheet_name}!{excel_row}: business unit row without a name ignored")
            continue
        dates: dict[str, date | None] = {}
        period_fields: tuple[UnitField, ...] = ("period_start", "period_end")
        for fld in period_fields:
            if fld not in columns:
                dates[fld] = None
                continue
            parsed = parse_date(value(fld), date1904=reader.date1904)
            if isinstance(parsed, str):
                header = normalize_text(_plain(rows[header_row][columns[fld]]))
                reader.errors.append(Issue(where(fld)(), f"{header}: {parsed}"))
                dates[fld] = None
            else:
                dates[fld] = parsed
        start, end = dates["period_start"], dates["period_end"]
        if start and end and start > end:
            reader.errors.append(
                Issue(
                    f"{sheet_name}!{excel_row}",
                    f"audit period starts {start.isoformat()} after it ends {end.isoformat()}",
                )
            )
        key = name.casefold()
        if (
            key in reader.units
            and reader.units[key].source is not None
            and (
                reader.units[key].source.sheet == sheet_name  # type: ignore[union-attr]
            )
        ):
            reader.warn(
                f"{sheet_name}!{excel_row}: business unit {name!r} listed twice; first kept"
            )
            continue
        owner = reader.text(value("owner"), where("owner")) if "owner" in columns else ""
        auditor = reader.text(value("auditor"), where("auditor")) if "auditor" in columns else ""
        unit = BusinessUnit(
            name=name,
            owner=owner or None,
            auditor=auditor or None,
            period_start=start,
            period_end=end,
            source=CellRef(
                file=reader.display,
                sheet=sheet_name,
                row=excel_row,
                column=col_letters(columns["name"] + 1),
            ),
        )
        if key not in reader.units:
            reader.unit_order.append(key)
        reader.units[key] = unit


# ---------------------------------------------------------------------------
# Entry point


def _calamine_error(display: str, sheet: str | None, err: BaseException) -> InputError:
    """An InputError for a calamine failure; interrupts and exits pass through unchanged."""
    if isinstance(err, KeyboardInterrupt | SystemExit | MemoryError):
        raise err
    where = f": sheet {sheet!r}" if sheet else ""
    message = str(err).splitlines()[0][:200] if str(err) else type(err).__name__
    if "entity" in message.lower():
        return InputError(
            f"{display}{where}: the XML uses entity references (not produced by Excel) — rejected"
        )
    return InputError(
        f"{display}{where}: the workbook cannot be read: {message}",
        hint="open it in Excel and save it again as .xlsx",
    )


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while intake builds many small acyclic objects.

    Reading 10,000 rows allocates ~100,000 containers that all stay alive; the collector would
    re-scan them (and every older object) again and again for no garbage (~20% of the time).
    Cycles made meanwhile are collected once it is re-enabled.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def read_workbook(
    path: Path,
    catalog: Catalog,
    *,
    display_name: str | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> IntakeResult:
    """Read one workbook: every requirement with its source cell, every other row with a reason."""
    with _gc_paused():
        return _read_workbook(path, catalog, display_name=display_name, limits=limits)


def _read_workbook(
    path: Path, catalog: Catalog, *, display_name: str | None, limits: Limits
) -> IntakeResult:
    display = display_name or path.name
    try:
        size = path.stat().st_size
        if size > limits.max_file_bytes:
            raise InputError(
                f"{display}: the file is {size / zipcheck.MIB:.1f} MiB; the limit is "
                f"{limits.max_file_bytes // zipcheck.MIB} MiB"
            )
        data = path.read_bytes()
    except IsADirectoryError:
        raise InputError(f"{display}: is a folder, not a workbook") from None
    except OSError as err:
        raise InputError(f"{display}: cannot read the file ({err.strerror or err})") from None
    package = zipcheck.check_package(data, display, limits)
    stem = Path(display).stem
    reader = _Reader(display=display, catalog=catalog, date1904=package.date1904, stem=stem)
    if package.macros:
        reader.warn(f"{display}: macros are present; they were not run and are never copied")
    try:
        workbook = python_calamine.CalamineWorkbook.from_filelike(BytesIO(data))
    except BaseException as err:  # calamine raises several families; all mean "unreadable"
        raise _calamine_error(display, None, err) from None

    loaded: list[tuple[str, list[list[Any]], tuple[Any, ...], set[str]]] = []
    total_cells = 0
    headers_seen: list[Issue] = []
    with workbook:
        kinds = {m.name: str(m.typ).rsplit(".", 1)[-1] for m in workbook.sheets_metadata}
        for info in package.sheets:
            if kinds.get(info.name, "WorkSheet") != "WorkSheet":
                continue  # chart, dialog and macro sheets hold no table
            if info.state != "visible":
                if info.name != TEMPLATE_LIST_SHEET:
                    reader.warn(f"sheet {info.name!r} is {info.state}: ignored")
                continue
            scan = package.scans.get(info.part or "")
            if scan is None:
                reader.warn(f"sheet {info.name!r}: its worksheet part is missing: ignored")
                continue
            zipcheck.enforce_limits(data, scan, info.part or "", display, info.name, limits)
            try:
                sheet = workbook.get_sheet_by_name(info.name)
                total_cells += sheet.height * sheet.width
                if total_cells > limits.max_cells:
                    raise InputError(
                        f"{display}: the visible sheets hold more than {limits.max_cells:,} "
                        f"cells in all (limit reached at sheet {info.name!r})",
                        hint="hide or delete the sheets that hold no requirements",
                    )
                rows = sheet.to_python(skip_empty_area=False)
                merged = tuple(sheet.merged_cell_ranges or ())
                del sheet  # the parsed grid is no longer needed
            except InputError:
                raise
            except BaseException as err:  # any calamine failure (even a Rust panic)
                raise _calamine_error(display, info.name, err) from None
            if len(rows) > limits.max_rows:
                raise InputError(
                    f"{display}: sheet {info.name!r} has {len(rows):,} rows; the limit is "
                    f"{limits.max_rows:,}"
                )
            loaded.append((info.name, rows, merged, set(scan.formulas_without_value)))

    # Pass 1: business-units sheets; pass 2: requirement tables and matrices.
    plans: list[tuple[str, list[list[Any]], Any, set[str], Any]] = []
    for name, rows, merged, missing in loaded:
        units_layout = _units_layout(rows)
        layout = _find_layout(rows)
        is_units_sheet = units_layout is not None and (
            layout is None or normalize_text(name).casefold() in _UNITS_SHEET_NAMES
        )
        if is_units_sheet and units_layout is not None:
            _read_units_sheet(reader, name, rows, units_layout[0], units_layout[1])
            continue
        if layout is not None:
            plans.append((name, rows, merged, missing, layout))
            continue
        matrix = _find_matrix(reader, rows)
        if matrix is not None:
            plans.append((name, rows, merged, missing, matrix))
            continue
        headers_seen.append(Issue(f"sheet {name!r}", _headers_preview(rows) or "(empty)"))
    reader.sheets_with_tables = [p[0] for p in plans]
    for name, rows, merged, missing, plan in plans:
        width = max(map(len, rows), default=0) if merged else 0  # no ranges: no scan
        fills = _Merges(merged, len(rows), width)
        if isinstance(plan, _Layout):
            _read_requirements(reader, name, rows, plan, fills, missing)
        else:
            header_row, unit_col, fw_cols = plan
            _read_matrix(reader, name, rows, header_row, unit_col, fw_cols, fills)

    if not plans:
        accepted = ", ".join(_ACCEPTED_FRAMEWORK_HEADERS)
        raise InputError(
            f"{display}: no requirements table found: no header row in the first "
            f"{HEADER_SCAN_ROWS} rows of any visible sheet names a framework column",
            issues=headers_seen[:10]
            + (
                [Issue("", f"... and {len(headers_seen) - 10} more sheets")]
                if len(headers_seen) > 10
                else []
            ),
            hint=f"name the framework column one of: {accepted} (or start from "
            "`assessor template`)",
        )
    if len(reader.errors) == 1:
        raise InputError(
            f"{display}: {reader.errors[0]}",
            hint="write dates as YYYY-MM-DD or use real date cells",
        )
    if reader.errors:
        raise InputError(
            f"{display}: {len(reader.errors)} cells cannot be read safely",
            issues=reader.errors[:50],
            hint="write dates as YYYY-MM-DD or use real date cells",
        )
    if reader.data_rows == 0:
        where = ", ".join(
            f"{p[0]}!{(p[4].header_row if isinstance(p[4], _Layout) else p[4][0]) + 1}"
            for p in plans
        )
        raise InputError(
            f"{display}: the requirements table is empty: no rows below the header ({where})"
        )
    distinct = {(q.source.sheet, q.source.row) for q in reader.requirements}
    if reader.data_rows != len(distinct) + len(reader.rejected):
        raise AssertionError(
            f"intake reconciliation failed for {display}: {reader.data_rows} data rows != "
            f"{len(distinct)} read + {len(reader.rejected)} rejected"
        )
    units = sorted(reader.units.values(), key=lambda u: (u.name.casefold(), u.name))
    used = {q.business_unit.casefold() for q in reader.requirements}
    for unit in units:
        if unit.name.casefold() not in used:
            reader.warn(f"business unit {unit.name!r} has no requirements")
    return IntakeResult(
        file=display,
        path=str(path),
        sha256=hashlib.sha256(data).hexdigest(),
        requirements=tuple(reader.requirements),
        units=tuple(units),
        rejected=tuple(reader.rejected),
        warnings=tuple(reader.warnings),
        data_rows=reader.data_rows,
        sheets_read=tuple(p[0] for p in plans),
    )


def _headers_preview(rows: list[list[Any]]) -> str:
    """'headers seen: ...' from the fullest of the first 30 rows, for 'no table' messages."""
    best: list[str] = []
    for row in rows[:HEADER_SCAN_ROWS]:
        cells = [normalize_text(_plain(v))[:40] for v in row if _plain(v).strip()]
        if len(cells) > len(best):
            best = cells
    if not best:
        return ""
    more = " ..." if len(best) > 8 else ""
    return "headers seen: " + ", ".join(repr(c) for c in best[:8]) + more
