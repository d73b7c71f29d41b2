"""The only module importing openpyxl: safe, deterministic xlsx writing plus small read helpers."""

from __future__ import annotations

import io
import math
import re
import zipfile
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

import openpyxl
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from assessor.domain.text import strip_controls

# openpyxl parses every XML part through defusedxml when it is installed; refuse to run without it.
if not openpyxl.DEFUSEDXML:  # pragma: no cover - defusedxml is a hard dependency
    raise ImportError("defusedxml must be installed: openpyxl would parse workbooks unprotected")

__all__ = [
    "FIXED_TIMESTAMP",
    "Workbook",
    "Worksheet",
    "add_date_validation",
    "add_list_validation",
    "column_letter",
    "new_workbook",
    "safe_sheet_title",
    "safe_text",
    "set_text",
    "workbook_bytes",
    "write_table",
]

CellValue = str | int | float | date | None

# Same input, same bytes: every core property date and zip entry time is this instant.
FIXED_TIMESTAMP = datetime(2000, 1, 1, 0, 0, 0)
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
# OWASP CSV/formula injection triggers: a cell must never start with one of these as live input.
_FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")
_MAX_CELL_CHARS = 32767  # Excel's limit for one cell
_TRUNCATED = " […truncated]"
_BAD_TITLE = re.compile(r"[\[\]:*?/\\]")
_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDE3EA")
_WRAP = Alignment(wrap_text=True, vertical="top")
DATE_FORMAT = "yyyy-mm-dd"


def column_letter(index: int) -> str:
    """The column letter for a 1-based column index (1 -> A)."""
    return get_column_letter(index)


def new_workbook() -> Workbook:
    """An empty workbook (no sheets) with fixed document metadata."""
    wb = Workbook()
    wb.remove(wb.active)  # type: ignore[arg-type]
    _fix_properties(wb)
    return wb


def _fix_properties(wb: Workbook) -> None:
    props = wb.properties
    props.creator = "assessor"
    props.lastModifiedBy = "assessor"
    props.created = FIXED_TIMESTAMP
    props.modified = FIXED_TIMESTAMP


def safe_text(value: str) -> str:
    """User text made storable: control characters removed, capped at Excel's cell length."""
    cleaned, _ = strip_controls(value)
    if len(cleaned) > _MAX_CELL_CHARS:
        cleaned = cleaned[: _MAX_CELL_CHARS - len(_TRUNCATED)] + _TRUNCATED
    return cleaned


def safe_sheet_title(title: str, taken: Iterable[str] = ()) -> str:
    """A legal, unique sheet title: no []:*?/\\ characters, at most 31 characters."""
    base = _BAD_TITLE.sub("_", safe_text(title)).strip("'").strip() or "Sheet"
    base = base[:31]
    lowered = {t.lower() for t in taken}
    candidate, n = base, 2
    while candidate.lower() in lowered:
        suffix = f" ({n})"
        candidate = base[: 31 - len(suffix)] + suffix
        n += 1
    return candidate


def set_text(cell: Cell, value: str) -> None:
    """Write user text as TEXT, never a formula: data_type 's', quotePrefix on trigger chars."""
    text = safe_text(value)
    cell.value = text
    cell.data_type = "s"
    if text.startswith(_FORMULA_TRIGGERS):
        cell.quotePrefix = True


def _set_value(cell: Cell, value: CellValue) -> None:
    if value is None:
        return
    if isinstance(value, str):
        set_text(cell, value)
    elif isinstance(value, datetime):
        cell.value = value
        cell.number_format = "yyyy-mm-dd hh:mm"
    elif isinstance(value, date):
        cell.value = value
        cell.number_format = DATE_FORMAT
    elif isinstance(value, float) and not math.isfinite(value):
        set_text(cell, str(value))
    else:  # int, bool, finite float
        cell.value = value


def write_table(
    wb: Workbook,
    title: str,
    headers: Sequence[str],
    rows: Sequence[Sequence[CellValue]],
    *,
    widths: Sequence[int] | None = None,
    freeze: bool = True,
    autofilter: bool = True,
) -> None:
    """Add a sheet holding one table; every string is stored as text, never as a formula."""
    ws = wb.create_sheet(safe_sheet_title(title, wb.sheetnames))
    for col, header in enumerate(headers, start=1):
        cell = ws.cell(row=1, column=col)
        set_text(cell, header)
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
    for r, row in enumerate(rows, start=2):
        for c, value in enumerate(row, start=1):
            cell = ws.cell(row=r, column=c)
            _set_value(cell, value)
            if isinstance(value, str) and ("\n" in value or len(value) > 60):
                cell.alignment = _WRAP
    if widths is not None:
        for col, width in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(col)].width = width
    if freeze and headers:
        ws.freeze_panes = "A2"
    if autofilter and headers:
        last = get_column_letter(len(headers))
        ws.auto_filter.ref = f"A1:{last}{max(1, len(rows) + 1)}"


def add_list_validation(
    ws: Worksheet, cell_range: str, source: str, *, prompt: str | None = None
) -> None:
    """A dropdown from a range formula (e.g. 'Lists!$A$2:$A$40'); free text stays allowed."""
    dv = DataValidation(type="list", formula1=source, allow_blank=True)
    dv.showErrorMessage = False  # a suggestion list, not a constraint
    if prompt:
        dv.promptTitle = "Choose or type"
        dv.prompt = prompt[:255]
        dv.showInputMessage = True
    dv.add(cell_range)
    ws.add_data_validation(dv)


def add_date_validation(ws: Worksheet, cell_range: str) -> None:
    """Require a real date in the range (Excel rejects other input with a message)."""
    dv = DataValidation(
        type="date", operator="greaterThan", formula1="DATE(1990,1,1)", allow_blank=True
    )
    dv.showErrorMessage = True
    dv.errorTitle = "Date expected"
    dv.error = "Enter a date, e.g. 2025-06-30."
    dv.add(cell_range)
    ws.add_data_validation(dv)


class _FixedTimeZip(zipfile.ZipFile):
    """A ZipFile whose entries all carry the same timestamp and permissions (stable bytes)."""

    def writestr(self, zinfo_or_arcname: Any, data: Any, *args: Any, **kwargs: Any) -> None:
        if isinstance(zinfo_or_arcname, zipfile.ZipInfo):
            name = zinfo_or_arcname.filename
        else:
            name = str(zinfo_or_arcname)
        info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o600 << 16
        super().writestr(info, data)

    def write(self, filename: Any, arcname: Any = None, *args: Any, **kwargs: Any) -> None:
        # openpyxl writes worksheets through temp files: use their bytes, not their mtime.
        with open(filename, "rb") as handle:
            self.writestr(arcname or filename, handle.read())


def workbook_bytes(wb: Workbook, *, created: datetime | None = None) -> bytes:
    """The workbook as .xlsx bytes; deterministic (fixed core dates and zip entry times)."""
    stamp = created or FIXED_TIMESTAMP
    wb.properties.created = stamp
    wb.properties.modified = stamp
    buffer = io.BytesIO()
    archive = _FixedTimeZip(buffer, "w", zipfile.ZIP_DEFLATED, allowZip64=True)
    ExcelWriter(wb, archive).save()
    return buffer.getvalue()
