"""Applicability matrices: units x frameworks with Y/N marks, or its transpose.

A matrix has a unit column and framework names as headers (recognized by the catalog); a
transposed matrix is a requirements table whose extra columns are units holding only marks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from assessor.domain.models import CellRef
from assessor.domain.text import normalize_text
from assessor.intake.cells import PLACEHOLDERS, is_blank, mark, plain
from assessor.intake.columns import HEADER_SCAN_ROWS, Layout, column_for
from assessor.intake.extent import col_letters
from assessor.intake.ledger import Ledger, RequirementRow, SourceRow, loc
from assessor.intake.merges import Merges
from assessor.recognize.match import match_text


@dataclass(frozen=True)
class Matrix:
    """A units x frameworks matrix: its header row, unit column and framework columns."""

    header_row: int  # 0-based index into the sheet's rows
    unit_col: int
    fw_cols: list[tuple[int, str]]  # (column index, header naming the framework)


def transposed_unit_columns(rows: list[list[Any]], layout: Layout) -> list[tuple[int, str]]:
    """Extra columns that hold only marks (Y/N, ✓): a frameworks x units matrix."""
    body = [row for row in rows[layout.header_row + 1 :] if not is_blank(row)]
    if not body:
        return []
    found = []
    for c, header in layout.extras:
        values = [row[c] if c < len(row) else "" for row in body]
        marks = [mark(v) for v in values]
        if any(m is None for m in marks) or not any(marks):
            continue
        found.append((c, header))
    return found if len(found) >= 2 else []


def read_transposed(
    ledger: Ledger,
    sheet: str,
    rows: list[list[Any]],
    layout: Layout,
    unit_cols: list[tuple[int, str]],
) -> None:
    """Frameworks down the side, units across the top: one requirement per marked cell."""
    fw_col = layout.columns["framework"]
    for header_col, header in unit_cols:
        ledger.unit(
            header,
            CellRef(
                file=ledger.display,
                sheet=sheet,
                row=layout.header_row + 1,
                column=col_letters(header_col + 1),
            ),
        )
    for r in range(layout.header_row + 1, len(rows)):
        row = rows[r]
        if is_blank(row):
            continue
        excel_row = r + 1
        ledger.data_rows += 1
        framework_cell = ledger.text(
            row[fw_col] if fw_col < len(row) else "",
            loc(sheet, fw_col, excel_row),
        )
        if not framework_cell or framework_cell.casefold() in PLACEHOLDERS:
            ledger.reject(sheet, excel_row, "empty framework cell")
            continue
        parts = ledger.split(framework_cell)
        made = 0
        for c, header in unit_cols:
            if not mark(row[c] if c < len(row) else ""):
                continue
            unit_name = ledger.unit(header)
            source = SourceRow(
                file=ledger.display, sheet=sheet, row=excel_row, column=col_letters(c + 1)
            )
            for part, found in parts:
                ledger.requirements.append(
                    RequirementRow(
                        source=source,
                        business_unit=unit_name,
                        text=part,
                        cell_text=framework_cell,
                        match=found,
                    )
                )
                made += 1
        if not made:
            ledger.reject(sheet, excel_row, "no business unit marked as required")


def find_matrix(ledger: Ledger, rows: list[list[Any]]) -> Matrix | None:
    """The first header row in the first 30 that heads a units x frameworks matrix."""
    for index, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        if is_blank(row):
            continue
        unit_col = _unit_column(row)
        if unit_col is None:
            continue
        fw_cols = []
        for c, v in enumerate(row):
            header = normalize_text(plain(v))
            if c == unit_col or not header:
                continue
            if match_text(header, ledger.catalog).status != "unrecognized":
                fw_cols.append((c, header))
        body = [r for r in rows[index + 1 :] if not is_blank(r)]
        named = all(plain(r[unit_col] if unit_col < len(r) else "").strip() for r in body)
        if len(fw_cols) >= 2 and body and (named or plain(row[unit_col]).strip()):
            ok = all(mark(r[c] if c < len(r) else "") is not None for r in body for c, _ in fw_cols)
            if ok:
                return Matrix(header_row=index, unit_col=unit_col, fw_cols=fw_cols)
    return None


def _unit_column(row: list[Any]) -> int | None:
    """The column a header row names as the business unit, or the one left of the first header."""
    for c, v in enumerate(row):
        found = column_for(normalize_text(plain(v)))
        if found and found[0] == "business_unit":
            return c
    # A blank top-left corner over a column of unit names is common too.
    first = next((c for c, v in enumerate(row) if plain(v).strip()), None)
    if first is None or first == 0:
        return None
    return first - 1


def read_matrix(
    ledger: Ledger, sheet: str, rows: list[list[Any]], matrix: Matrix, fills: Merges
) -> None:
    """Units down the side, frameworks across the top: one requirement per marked cell."""
    unit_col = matrix.unit_col
    unit_letter = col_letters(unit_col + 1)
    for r in range(matrix.header_row + 1, len(rows)):
        row = rows[r]
        if is_blank(row):
            continue
        excel_row = r + 1
        ledger.data_rows += 1
        raw_unit = row[unit_col] if unit_col < len(row) else ""
        if (raw_unit == "" or raw_unit is None) and (r, unit_col) in fills:
            tr, tc = fills[(r, unit_col)]
            raw_unit = rows[tr][tc]
        unit_text = ledger.text(raw_unit, loc(sheet, unit_col, excel_row))
        if not unit_text:
            ledger.reject(sheet, excel_row, "empty business unit cell")
            continue
        unit_name = ledger.unit(
            unit_text,
            CellRef(file=ledger.display, sheet=sheet, row=excel_row, column=unit_letter),
        )
        made = 0
        for c, header in matrix.fw_cols:
            if not mark(row[c] if c < len(row) else ""):
                continue
            source = SourceRow(
                file=ledger.display, sheet=sheet, row=excel_row, column=col_letters(c + 1)
            )
            for part, found in ledger.split(header):
                ledger.requirements.append(
                    RequirementRow(
                        source=source,
                        business_unit=unit_name,
                        text=part,
                        cell_text=header,
                        match=found,
                    )
                )
                made += 1
        if not made:
            ledger.reject(sheet, excel_row, "no framework marked as required", unit_name)
