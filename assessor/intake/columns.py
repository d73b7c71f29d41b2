"""The column vocabulary: header synonyms, header detection and a table's layout.

A requirements table is found by its header row (anywhere in the first HEADER_SCAN_ROWS rows),
its headers matched to columns by exact synonyms first, then by keywords.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from assessor.domain.text import normalize_text
from assessor.intake.cells import is_blank, plain

HEADER_SCAN_ROWS = 30

# The requirements table's columns, by the Requirement field each one fills.
Column = Literal[
    "business_unit",
    "framework",
    "version",
    "scope_notes",
    "evidence_needed",
    "owner",
    "due_date",
    "priority",
    "service",
]
# The Business units sheet's columns, by the BusinessUnit field each one fills.
UnitColumn = Literal["name", "owner", "auditor", "period_start", "period_end", "services"]
# Headers of the Service column (which Microsoft services a unit or row uses), on both sheets.
SERVICE_SYNONYMS: tuple[str, ...] = (
    "service",
    "services",
    "microsoft service",
    "microsoft services",
    "microsoft cloud service",
    "cloud service",
    "cloud services",
    "platform",
    "platforms",
    "cloud platform",
    "managed service",
    "service used",
    "services used",
    "endpoint service",
    "device management service",
)

# Exact header names (after header_key) for each column; the first listed wins a tie.
FIELD_SYNONYMS: dict[Column, tuple[str, ...]] = {
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
    "service": SERVICE_SYNONYMS,
}
ACCEPTED_FRAMEWORK_HEADERS = (
    "Framework",
    "Standard",
    "Regulation",
    "Requirement",
    "Certification",
    "Compliance requirement",
    "Law",
    "Obligation",
)
UNIT_FIELD_SYNONYMS: dict[UnitColumn, tuple[str, ...]] = {
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
    "services": SERVICE_SYNONYMS,
}
# Loose keyword rules for headers no exact synonym matches ("Framework / Standard name").
_KEYWORDS: tuple[tuple[Column, frozenset[str]], ...] = (
    ("due_date", frozenset({"due", "deadline"})),
    # a person before a thing: "Evidence owner" names who owns it, not the evidence needed
    ("owner", frozenset({"owner", "responsible", "accountable"})),
    ("evidence_needed", frozenset({"evidence"})),
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
_HEADER_PUNCT = re.compile(r"[^\w\s]+", re.UNICODE)


@functools.lru_cache(maxsize=8192)
def header_key(value: str) -> str:
    """'Scope / Notes:' -> 'scope notes'; 'Business Unit (BU)' -> 'business unit bu'."""
    text = normalize_text(value).casefold().replace("&", " and ")
    text = _HEADER_PUNCT.sub(" ", text).replace("_", " ")
    return " ".join(text.split()).removesuffix(" s")


@functools.lru_cache(maxsize=4096)
def column_for(header: str) -> tuple[Column, int] | None:
    """The column a header names, with a rank (lower is a stronger match)."""
    key = header_key(header)
    if not key:
        return None
    for column, names in FIELD_SYNONYMS.items():
        if key in names:
            return column, names.index(key)
    words = set(key.split())
    if len(words) > 5:
        return None
    if {"business", "unit"} <= words:
        return "business_unit", 90
    for column, keys in _KEYWORDS:
        if words & keys:
            return column, 100
    return None


_C = TypeVar("_C", bound=str)


def header_columns(row: Sequence[object], synonyms: Mapping[_C, Collection[str]]) -> dict[_C, int]:
    """The first column of each header in a row that names a column (exact synonyms only):
    the one way the Business units, Evidence on file and Overlay sheets read their headers."""
    columns: dict[_C, int] = {}
    for c, v in enumerate(row):
        key = header_key(normalize_text(plain(v)))
        for column, names in synonyms.items():
            if key in names:
                columns.setdefault(column, c)
                break
    return columns


@dataclass
class Layout:
    """A requirements table's header row and which column index holds which column."""

    header_row: int  # 0-based index into the sheet's rows
    columns: dict[Column, int]
    extras: list[tuple[int, str]]  # (column index, header) of unrecognized columns
    headers: list[str]


def _layout_for(row: Sequence[Any], index: int) -> Layout | None:
    best: dict[Column, tuple[int, int]] = {}
    headers = [normalize_text(plain(v)) for v in row]
    for col, header in enumerate(headers):
        found = column_for(header)
        if found is None:
            continue
        column, rank = found
        if column not in best or rank < best[column][1]:
            best[column] = (col, rank)
    if "framework" not in best:
        return None
    columns = {column: col for column, (col, _) in best.items()}
    used = set(columns.values())
    extras = [(c, h) for c, h in enumerate(headers) if c not in used and h]
    return Layout(header_row=index, columns=columns, extras=extras, headers=headers)


def find_layout(rows: Sequence[Sequence[Any]]) -> Layout | None:
    """The best header row in the first 30: most recognized columns, then the earliest."""
    best: Layout | None = None
    for index, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        if is_blank(row):
            continue
        layout = _layout_for(row, index)
        if layout is None:
            continue
        if best is None or len(layout.columns) > len(best.columns):
            best = layout
    return best


def headers_preview(rows: list[list[Any]]) -> str:
    """'headers seen: ...' from the fullest of the first 30 rows, for 'no table' messages."""
    best: list[str] = []
    for row in rows[:HEADER_SCAN_ROWS]:
        cells = [normalize_text(plain(v))[:40] for v in row if plain(v).strip()]
        if len(cells) > len(best):
            best = cells
    if not best:
        return ""
    more = " ..." if len(best) > 8 else ""
    return "headers seen: " + ", ".join(repr(c) for c in best[:8]) + more
