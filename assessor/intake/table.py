"""Read a requirements table (one row per unit and framework) into the ledger, row by row.

Each data row below the header becomes one requirement per framework its cell names, or one
rejected row with the reason; repeated header rows and blank rows are skipped uncounted.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from assessor.domain.errors import Issue
from assessor.domain.models import CellRef, Match
from assessor.domain.text import normalize_text
from assessor.intake.cells import PLACEHOLDERS, is_blank, plain
from assessor.intake.columns import Column, Layout, header_key
from assessor.intake.dates import parse_date
from assessor.intake.extent import col_letters
from assessor.intake.ledger import Ledger, RequirementRow, SourceRow
from assessor.intake.merges import Merges
from assessor.intake.template import TEMPLATE_EXAMPLE_REASON, TEMPLATE_EXAMPLE_UNIT

_GENERIC_SHEET = re.compile(
    r"^(sheet|tabelle|feuil|hoja|foglio|blad|planilha)\s*\d*$|^(requirements?|frameworks?|"
    r"data|table\s*\d*|compliance|standards?|regulations?|list|main|input|template)$",
    re.IGNORECASE,
)
_EXAMPLE_UNIT = TEMPLATE_EXAMPLE_UNIT.casefold()


def default_unit(ledger: Ledger, sheet: str) -> str:
    """The sheet name, unless it is generic ("Sheet1", "Requirements"): then the file stem."""
    name = normalize_text(sheet)
    if name and not _GENERIC_SHEET.match(name):
        return name
    return normalize_text(ledger.stem) or "Unnamed unit"


def read_requirements(
    ledger: Ledger,
    sheet: str,
    rows: list[list[Any]],
    layout: Layout,
    fills: Merges,
    missing_formulas: set[str],
) -> None:
    """Read every row below the header into requirements or rejected rows."""
    table = _Table.of(ledger, sheet, rows, layout, fills, missing_formulas)
    start = layout.header_row + 1
    if not table.has_fills:
        table.read_columns(start)
    for r in range(start, len(rows)):
        row = rows[r]
        if table.skips(r, row):
            continue
        ledger.data_rows += 1
        table.read_row(r, row)


@dataclass(slots=True)
class _Table:
    """One sheet's table: its layout resolved once, and the steps that read one row."""

    ledger: Ledger
    sheet: str
    rows: list[list[Any]]
    layout: Layout
    fills: Merges
    missing_formulas: set[str]
    fw_col: int
    fw_letter: str
    fw_header_key: str | None
    header_keys: list[str]
    text_cols: list[tuple[Column, int]]
    unit_col: int | None
    unit_letter: str | None
    due_col: int | None
    due_letter: str
    service_letter: str | None
    default_unit: str
    multi_sheet: bool
    has_fills: bool
    # Column-wise reading (no merged cells): each text column's normalized values for every row
    # from `first`, read once per distinct text; None where the row loop must read the cell.
    first: int = 0
    columns: list[tuple[Column, int, list[str | None]]] | None = None

    @classmethod
    def of(
        cls,
        ledger: Ledger,
        sheet: str,
        rows: list[list[Any]],
        layout: Layout,
        fills: Merges,
        missing_formulas: set[str],
    ) -> _Table:
        cols = layout.columns
        fw_col = cols["framework"]
        header_keys = [header_key(h) for h in layout.headers]
        unit_col = cols.get("business_unit")
        due_col = cols.get("due_date")
        return cls(
            ledger=ledger,
            sheet=sheet,
            rows=rows,
            layout=layout,
            fills=fills,
            missing_formulas=missing_formulas,
            fw_col=fw_col,
            fw_letter=col_letters(fw_col + 1),
            fw_header_key=header_keys[fw_col] if fw_col < len(header_keys) else None,
            header_keys=header_keys,
            text_cols=[(name, c) for name, c in cols.items() if name != "due_date"],
            unit_col=unit_col,
            unit_letter=col_letters(unit_col + 1) if unit_col is not None else None,
            due_col=due_col,
            due_letter=col_letters(due_col + 1) if due_col is not None else "",
            service_letter=col_letters(cols["service"] + 1) if "service" in cols else None,
            default_unit=default_unit(ledger, sheet),
            multi_sheet=len(ledger.sheets_with_tables) > 1,
            has_fills=bool(fills),
        )

    def read_columns(self, first: int) -> None:
        """Normalize each text column once for all rows below the header (distinct texts once)."""
        clean = self.ledger.clean
        cache = self.ledger.norm_cache
        body = self.rows[first:]
        columns: list[tuple[Column, int, list[str | None]]] = []
        for name, c in self.text_cols:
            values = [row[c] if c < len(row) else "" for row in body]
            out: list[str | None] = [
                (cache.get(v) or clean(v)) if v.__class__ is str else None for v in values
            ]
            columns.append((name, c, out))
        self.first = first
        self.columns = columns

    def cell(self, r: int, row: list[Any], c: int) -> Any:
        """A cell's value; a blank cell inside a merged range reads as the range's value."""
        if self.has_fills:
            return self.fills.value(self.rows, r, c)
        return row[c] if c < len(row) else ""

    def skips(self, r: int, row: list[Any]) -> bool:
        """Whether the row is no data row: blank (and no merge reaches it) or a repeated header."""
        fw_value = row[self.fw_col] if self.fw_col < len(row) else ""
        if isinstance(fw_value, str) and fw_value.strip():
            if header_key(fw_value) == self.fw_header_key and _repeats_header(
                row, self.header_keys
            ):
                self.ledger.warn(f"{self.sheet}!{r + 1}: repeated header row skipped")
                return True
            return False
        fills = self.fills
        return is_blank(row) and not (
            self.has_fills and any((r, c) in fills for c in self.layout.columns.values())
        )

    def texts(self, r: int, row: list[Any], excel_row: int) -> dict[Column, str]:
        """The normalized text of every column but the due date."""
        text = self.ledger.text
        if self.columns is not None:
            at = r - self.first
            read: dict[Column, str] = {}
            for name, c, values in self.columns:
                value = values[at]
                if value is None:  # not a string, or one that warns: read here, in row order
                    value = text(row[c] if c < len(row) else "", (self.sheet, c, excel_row))
                read[name] = value
            return read
        norm = self.ledger.norm_cache
        fills = self.has_fills
        width = len(row)
        texts: dict[Column, str] = {}
        for name, c in self.text_cols:
            value = self.fills.value(self.rows, r, c) if fills else (row[c] if c < width else "")
            found = norm.get(value) if value.__class__ is str else None
            texts[name] = found if found is not None else text(value, (self.sheet, c, excel_row))
        return texts

    def unit_of(self, typed: str, excel_row: int) -> str:
        """The row's business unit: as typed (first spelling wins), else the sheet's default."""
        ledger = self.ledger
        if typed:
            known = ledger.units.get(typed.casefold())
            if known is not None:
                return known.name
            return ledger.unit(
                typed,
                functools.partial(
                    CellRef,
                    file=ledger.display,
                    sheet=self.sheet,
                    row=excel_row,
                    column=self.unit_letter,
                ),
            )
        name = ledger.unit(self.default_unit)
        if self.unit_col is not None:
            ledger.warn(
                f"{self.sheet}!{self.unit_letter}{excel_row}: business unit empty; "
                f"row assigned to {self.default_unit!r}"
            )
        return name

    def frameworks(
        self, cell: str, version: str | None, unit: str, excel_row: int
    ) -> list[tuple[str, Match]] | None:
        """The frameworks the cell names, or None when the row is rejected (with its reason)."""
        ledger = self.ledger
        # a rejected row belongs to its unit only when the sheet has a unit column
        row_unit = unit if self.unit_col is not None else None
        if not cell:
            ref = f"{self.fw_letter}{excel_row}"
            reason = "empty framework cell"
            if ref in self.missing_formulas:
                reason = (
                    f"formula in {ref} has no calculated value (open and save the file in Excel)"
                )
            ledger.reject(self.sheet, excel_row, reason, row_unit)
            return None
        cell_key = cell.casefold()
        if cell_key in PLACEHOLDERS:
            ledger.reject(self.sheet, excel_row, f"no framework named ({cell!r})", row_unit)
            return None
        key = (unit.casefold(), cell_key, version.casefold() if version else "")
        first = ledger.seen.get(key)
        if first is not None:
            ledger.reject(self.sheet, excel_row, f"duplicate of {first}", unit)
            return None
        ledger.seen[key] = f"{self.sheet}!{excel_row}" if self.multi_sheet else f"row {excel_row}"
        parts = ledger.split_cache.get(cell)
        if parts is None:
            parts = ledger.split(cell)
        if not parts:
            ledger.reject(self.sheet, excel_row, f"no framework named ({cell[:80]!r})", row_unit)
            return None
        return parts

    def due(self, r: int, row: list[Any], excel_row: int) -> date | None:
        """The due date; an ambiguous one is an error, any other unreadable one a warning."""
        if self.due_col is None:
            return None
        raw = self.cell(r, row, self.due_col)
        if type(raw) is date:
            return raw
        parsed = parse_date(raw, date1904=self.ledger.date1904)
        if not isinstance(parsed, str):
            return parsed
        location = f"{self.sheet}!{self.due_letter}{excel_row}"
        if parsed.startswith("ambiguous"):
            header = self.layout.headers[self.due_col] or "Due date"
            self.ledger.errors.append(Issue(location, f"{header}: {parsed}"))
        else:
            self.ledger.warn(f"{location}: {parsed}; due date left empty")
        return None

    def extra(self, r: int, row: list[Any], excel_row: int) -> tuple[tuple[str, str], ...]:
        """Unrecognized columns with a value, kept as (header, value)."""
        text = self.ledger.text
        return tuple(
            (header, value)
            for c, header in self.layout.extras
            if (value := text(self.cell(r, row, c), (self.sheet, c, excel_row)))
        )

    def warn_missing_formulas(self, excel_row: int) -> None:
        """Warn for each formula cell (but the framework's) that has no calculated value."""
        for c in self.layout.columns.values():
            cref = f"{col_letters(c + 1)}{excel_row}"
            if c != self.fw_col and cref in self.missing_formulas:
                self.ledger.warn(
                    f"{self.sheet}!{cref}: formula without a calculated value; read as empty"
                )

    def read_row(self, r: int, row: list[Any]) -> None:
        """One data row into requirements (one per framework named) or a rejected row."""
        ledger = self.ledger
        excel_row = r + 1
        texts = self.texts(r, row, excel_row)
        typed_unit = texts.get("business_unit", "")
        if typed_unit.casefold() == _EXAMPLE_UNIT:
            ledger.reject(self.sheet, excel_row, TEMPLATE_EXAMPLE_REASON, None)
            return
        unit = self.unit_of(typed_unit, excel_row)
        cell = texts["framework"]
        version = texts.get("version") or None
        parts = self.frameworks(cell, version, unit, excel_row)
        if parts is None:
            return
        due = self.due(r, row, excel_row)
        services = (
            ledger.services(
                texts.get("service", ""),
                lambda: f"{self.sheet}!{self.service_letter}{excel_row}",
            )
            if self.service_letter is not None
            else ()
        )
        extra = self.extra(r, row, excel_row) if self.layout.extras else ()
        if self.missing_formulas:
            self.warn_missing_formulas(excel_row)
        fields = RequirementRow(
            source=SourceRow(
                file=ledger.display, sheet=self.sheet, row=excel_row, column=self.fw_letter
            ),
            business_unit=unit,
            text="",
            cell_text=cell,
            version=version,
            scope_notes=texts.get("scope_notes") or None,
            evidence_needed=texts.get("evidence_needed") or None,
            owner=texts.get("owner") or None,
            due_date=due,
            priority=texts.get("priority") or None,
            services=services,
            extra=extra,
            match=None,
        )
        self.emit(fields, parts, excel_row)

    def emit(self, fields: RequirementRow, parts: list[tuple[str, Match]], excel_row: int) -> None:
        """One requirement per distinct framework part of the cell, with its recognized Match."""
        requirements = self.ledger.requirements
        if len(parts) == 1:
            fields["text"], fields["match"] = parts[0]
            requirements.append(fields)
            return
        seen_parts: set[str] = set()
        for part, found in parts:
            if part.casefold() in seen_parts:
                self.ledger.warn(
                    f"{self.sheet}!{self.fw_letter}{excel_row}: {part!r} named twice in one "
                    "cell; read once"
                )
                continue
            seen_parts.add(part.casefold())
            requirements.append({**fields, "text": part, "match": found})


def _repeats_header(row: Sequence[Any], header_keys: list[str]) -> bool:
    """Whether a data row repeats the header (the caller checks the framework cell first)."""
    return [header_key(plain(v)) for v in row[: len(header_keys)]] == header_keys
