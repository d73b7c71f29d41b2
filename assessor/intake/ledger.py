"""The ledger of one workbook read: requirements, rejected rows, warnings, errors and units.

Every data row below a header ends in the ledger as requirements or as a rejected row with a
reason; reconcile.py checks that account before the result is returned.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Required, TypedDict

from assessor.catalog.services import resolve_services, unknown_message
from assessor.domain.errors import Issue
from assessor.domain.models import BusinessUnit, Catalog, CellRef, Match, RejectedRow
from assessor.domain.text import CONTROL_CHARS, normalize_text
from assessor.intake.cells import has_word, plain
from assessor.intake.extent import col_letters
from assessor.recognize.match import recognize_parts

MAX_WARNINGS = 500
_CACHE_LIMIT = 50_000  # distinct cell texts remembered (normalization is per distinct text)


class SourceRow(TypedDict):
    """A CellRef's fields: where a requirement was read."""

    file: str
    sheet: str
    row: int
    column: str | None


class RequirementRow(TypedDict, total=False):
    """A Requirement's fields as the row loop fills them in.

    The models are validated all at once when the IntakeResult is built (one pydantic call
    for the whole workbook instead of two per row); the result is the same validated models.
    """

    source: Required[SourceRow]
    business_unit: Required[str]
    text: Required[str]
    cell_text: Required[str]
    version: str | None
    scope_notes: str | None
    evidence_needed: str | None
    owner: str | None
    due_date: date | None
    priority: str | None
    services: tuple[str, ...]
    extra: tuple[tuple[str, str], ...]
    match: Match | None


# A lazy cell location: a callable, or (sheet, 0-based column, Excel row).
Where = Callable[[], str] | tuple[str, int, int]


@dataclass
class Ledger:
    """Accumulates everything read from one workbook."""

    display: str
    catalog: Catalog
    date1904: bool
    stem: str
    requirements: list[RequirementRow] = field(default_factory=list)  # validated in reconcile
    rejected: list[RejectedRow] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    errors: list[Issue] = field(default_factory=list)
    units: dict[str, BusinessUnit] = field(default_factory=dict)  # casefold name -> unit
    data_rows: int = 0
    sheets_with_tables: list[str] = field(default_factory=list)
    overlay_sheet: str = ""  # the Overlay sheet's name, when there is one
    seen: dict[tuple[str, str, str], str] = field(default_factory=dict)
    norm_cache: dict[str, str] = field(default_factory=lambda: {"": ""})  # raw -> normalized
    # cell -> its framework parts, each with how it was recognized (read once per cell)
    split_cache: dict[str, list[tuple[str, Match]]] = field(default_factory=dict)
    service_cache: dict[str, tuple[str, ...]] = field(default_factory=dict)  # cell -> ids

    def reject(self, sheet: str, row: int, reason: str, unit: str | None = None) -> None:
        """Account for a data row that becomes no requirement (every row is reconciled)."""
        self.rejected.append(
            RejectedRow(file=self.display, sheet=sheet, row=row, reason=reason, business_unit=unit)
        )

    def warn(self, message: str) -> None:
        """Keep a warning (the first MAX_WARNINGS, then one line saying more were omitted)."""
        if len(self.warnings) < MAX_WARNINGS:
            self.warnings.append(message)
        elif len(self.warnings) == MAX_WARNINGS:
            self.warnings.append("… further warnings omitted")

    def text(self, value: Any, where: Where) -> str:
        """Normalized text of a cell; control characters removed with a warning."""
        if value == "" or value is None:
            return ""
        raw = value if isinstance(value, str) else plain(value)
        if not raw:
            return ""
        cached = self.norm_cache.get(raw)
        if cached is not None:
            return cached
        if raw.isascii() and raw.isprintable() and "  " not in raw and raw == raw.strip():
            if len(self.norm_cache) < _CACHE_LIMIT:
                self.norm_cache[raw] = raw
            return raw  # normalize_text would return it unchanged
        if CONTROL_CHARS.search(raw):
            location = (
                where() if callable(where) else f"{where[0]}!{col_letters(where[1] + 1)}{where[2]}"
            )
            self.warn(f"{location}: control characters removed")
            return normalize_text(raw)  # not cached: the next occurrence must warn too
        cleaned = normalize_text(raw)
        if len(self.norm_cache) < _CACHE_LIMIT:
            self.norm_cache[raw] = cleaned
        return cleaned

    def clean(self, raw: str) -> str | None:
        """A string cell's normalized text when reading it warns of nothing (cached per distinct
        text), else None: the row loop reads that cell itself, so its warning keeps its place."""
        cached = self.norm_cache.get(raw)
        if cached is not None:
            return cached
        if CONTROL_CHARS.search(raw):
            return None
        return self.text(raw, ("", 0, 0))  # no control characters: no warning, no location

    def split(self, text: str) -> list[tuple[str, Match]]:
        """The frameworks one cell names ("ISO 27001, SOC 2" -> two parts), each with its Match;
        recognized once per distinct cell text."""
        parts = self.split_cache.get(text)
        if parts is None:
            parts = [(p, m) for p, m in recognize_parts(text, self.catalog) if has_word(p)]
            self.split_cache[text] = parts
        return parts

    def services(self, text: str, where: Callable[[], str]) -> tuple[str, ...]:
        """The service ids a Service cell names ("Intune; Windows 365"); an unknown name is an
        error at its cell, an alias with a note ("MEM") a warning, each once per spelling."""
        if not text:
            return ()
        cached = self.service_cache.get(text)
        if cached is not None:
            return cached
        found = resolve_services(text, self.catalog)
        location = where()
        for name in found.unknown:
            self.errors.append(Issue(location, unknown_message(self.catalog, name)))
        for note in found.notes:
            self.warn(f"{location}: {note}")
        if not found.unknown:
            self.service_cache[text] = found.ids
        return found.ids

    def unit(self, name: str, source: CellRef | Callable[[], CellRef] | None = None) -> str:
        """Register a business unit seen in the data; returns its canonical spelling."""
        key = name.casefold()
        existing = self.units.get(key)
        if existing is not None:
            return existing.name
        if callable(source):
            source = source()
        self.units[key] = BusinessUnit(name=name, source=source)
        return name


def loc(sheet: str, col: int, excel_row: int) -> Callable[[], str]:
    """A lazy 'Sheet!C14' location (built only when a warning needs it)."""
    return lambda: f"{sheet}!{col_letters(col + 1)}{excel_row}"
