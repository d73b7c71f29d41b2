"""Load the visible worksheets' cached cell values with python-calamine, within the limits.

The only module importing python_calamine. The workbook's bytes have passed zipcheck first
(format, zip bombs, entity tricks); each sheet's extent is checked again before calamine
allocates its grid.
"""

from __future__ import annotations

from dataclasses import dataclass
from io import BytesIO
from typing import Any

import python_calamine

from assessor.domain.errors import InputError
from assessor.intake.extent import SheetScan, enforce_limits
from assessor.intake.ledger import Ledger
from assessor.intake.limits import Limits
from assessor.intake.template import TEMPLATE_LIST_SHEET
from assessor.intake.zipcheck import Package, SheetInfo


@dataclass(frozen=True)
class LoadedSheet:
    """One visible worksheet's cells, merged ranges and formula cells without a value."""

    name: str
    rows: list[list[Any]]
    merged: tuple[Any, ...]
    missing_formulas: set[str]  # cell refs such as "C14"


def load_sheets(data: bytes, package: Package, ledger: Ledger, limits: Limits) -> list[LoadedSheet]:
    """Every visible worksheet in workbook order; hidden ones are skipped with a warning."""
    display = ledger.display
    try:
        workbook = python_calamine.CalamineWorkbook.from_filelike(BytesIO(data))
    except BaseException as err:  # calamine raises several families; all mean "unreadable"
        raise _calamine_error(display, None, err) from None
    loaded: list[LoadedSheet] = []
    total_cells = 0
    with workbook:
        kinds = {m.name: str(m.typ).rsplit(".", 1)[-1] for m in workbook.sheets_metadata}
        for info in package.sheets:
            if kinds.get(info.name, "WorkSheet") != "WorkSheet":
                continue  # chart, dialog and macro sheets hold no table
            scan = _visible_scan(info, package, ledger)
            if scan is None:
                continue
            enforce_limits(data, scan, info.part or "", display, info.name, limits)
            sheet, total_cells = _load(workbook, info.name, display, limits, total_cells)
            loaded.append(
                LoadedSheet(
                    name=info.name,
                    rows=sheet[0],
                    merged=sheet[1],
                    missing_formulas=set(scan.formulas_without_value),
                )
            )
    return loaded


def _visible_scan(info: SheetInfo, package: Package, ledger: Ledger) -> SheetScan | None:
    """The pre-check's scan of a visible sheet; None (with a warning) for one not to read."""
    if info.state != "visible":
        if info.name != TEMPLATE_LIST_SHEET:
            ledger.warn(f"sheet {info.name!r} is {info.state}: ignored")
        return None
    scan = package.scans.get(info.part or "")
    if scan is None:
        ledger.warn(f"sheet {info.name!r}: its worksheet part is missing: ignored")
    return scan


def _load(
    workbook: python_calamine.CalamineWorkbook,
    name: str,
    display: str,
    limits: Limits,
    total_cells: int,
) -> tuple[tuple[list[list[Any]], tuple[Any, ...]], int]:
    """One sheet's rows and merged ranges, and the running cell count over visible sheets."""
    try:
        sheet = workbook.get_sheet_by_name(name)
        total_cells += sheet.height * sheet.width
        if total_cells > limits.max_cells:
            raise InputError(
                f"{display}: the visible sheets hold more than {limits.max_cells:,} "
                f"cells in all (limit reached at sheet {name!r})",
                hint="hide or delete the sheets that hold no requirements",
            )
        rows = sheet.to_python(skip_empty_area=False)
        merged = tuple(sheet.merged_cell_ranges or ())
        del sheet  # the parsed grid is no longer needed
    except InputError:
        raise
    except BaseException as err:  # any calamine failure (even a Rust panic)
        raise _calamine_error(display, name, err) from None
    if len(rows) > limits.max_rows:
        raise InputError(
            f"{display}: sheet {name!r} has {len(rows):,} rows; the limit is {limits.max_rows:,}"
        )
    return (rows, merged), total_cells


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
