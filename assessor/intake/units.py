"""The Business units sheet: each unit's owner, auditor and audit period, found by its headers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from assessor.domain.errors import Issue
from assessor.domain.models import BusinessUnit, CellRef
from assessor.domain.text import normalize_text
from assessor.intake.cells import is_blank, plain
from assessor.intake.columns import (
    HEADER_SCAN_ROWS,
    UNIT_FIELD_SYNONYMS,
    UnitColumn,
    header_columns,
)
from assessor.intake.dates import parse_date
from assessor.intake.extent import col_letters
from assessor.intake.ledger import Ledger

# Sheet names that make a sheet the units list even when it also looks like a table.
UNITS_SHEET_NAMES = frozenset(
    {"business units", "business unit", "units", "bus", "entities", "departments", "divisions"}
)
_PERIOD: tuple[UnitColumn, ...] = ("period_start", "period_end")


def units_layout(rows: list[list[Any]]) -> tuple[int, dict[UnitColumn, int]] | None:
    """(header row, column of each unit column) when the sheet lists units with a name column."""
    for index, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        columns = header_columns(row, UNIT_FIELD_SYNONYMS)
        if "name" in columns and len(columns) >= 2:
            return index, columns
    return None


def read_units_sheet(
    ledger: Ledger,
    sheet: str,
    rows: list[list[Any]],
    header_row: int,
    columns: dict[UnitColumn, int],
) -> None:
    """Every named unit below the header into the ledger (the first listing of a name wins)."""
    for r in range(header_row + 1, len(rows)):
        row = rows[r]
        if not is_blank(row):
            _read_unit(ledger, sheet, rows, header_row, columns, r)


def _read_unit(
    ledger: Ledger,
    sheet: str,
    rows: list[list[Any]],
    header_row: int,
    columns: dict[UnitColumn, int],
    r: int,
) -> None:
    row = rows[r]
    excel_row = r + 1

    def value(column: UnitColumn) -> Any:
        c = columns.get(column)
        return row[c] if c is not None and c < len(row) else ""

    def where(column: UnitColumn) -> Callable[[], str]:
        return lambda: f"{sheet}!{col_letters(columns[column] + 1)}{excel_row}"

    name = ledger.text(value("name"), where("name"))
    if not name:
        if any(value(c) not in ("", None) for c in columns):
            ledger.warn(f"{sheet}!{excel_row}: business unit row without a name ignored")
        return
    dates: dict[UnitColumn, date | None] = {}
    for column in _PERIOD:
        dates[column] = None
        if column not in columns:
            continue
        parsed = parse_date(value(column), date1904=ledger.date1904)
        if isinstance(parsed, str):
            header = normalize_text(plain(rows[header_row][columns[column]]))
            ledger.errors.append(Issue(where(column)(), f"{header}: {parsed}"))
        else:
            dates[column] = parsed
    start, end = dates["period_start"], dates["period_end"]
    if start and end and start > end:
        ledger.errors.append(
            Issue(
                f"{sheet}!{excel_row}",
                f"audit period starts {start.isoformat()} after it ends {end.isoformat()}",
            )
        )
    key = name.casefold()
    listed = ledger.units.get(key)
    if listed is not None and listed.source is not None and listed.source.sheet == sheet:
        ledger.warn(f"{sheet}!{excel_row}: business unit {name!r} listed twice; first kept")
        return
    owner = ledger.text(value("owner"), where("owner")) if "owner" in columns else ""
    auditor = ledger.text(value("auditor"), where("auditor")) if "auditor" in columns else ""
    services: tuple[str, ...] = ()
    if "services" in columns:
        services = ledger.services(
            ledger.text(value("services"), where("services")), where("services")
        )
    ledger.units[key] = BusinessUnit(
        name=name,
        owner=owner or None,
        auditor=auditor or None,
        period_start=start,
        period_end=end,
        services=services,
        source=CellRef(
            file=ledger.display,
            sheet=sheet,
            row=excel_row,
            column=col_letters(columns["name"] + 1),
        ),
    )
