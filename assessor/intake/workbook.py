"""Read an organization's requirements workbook into an IntakeResult, accounting for every row.

The steps, each in its own module: zipcheck (format, zip bombs, entity tricks, sheet extents),
sheets (calamine loads the visible sheets), then per sheet units (a Business units list),
columns and table (a requirements table found by its header row) or matrix (an applicability
matrix, or its transpose), and reconcile (errors raised once; every row accounted for).
"""

from __future__ import annotations

import contextlib
import gc
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from assessor.domain.errors import InputError, Issue
from assessor.domain.models import Catalog, EvidenceRecord, IntakeResult
from assessor.domain.text import normalize_text
from assessor.intake import evidence as register
from assessor.intake import overlay as sheet_overlay
from assessor.intake import reconcile, zipcheck
from assessor.intake.caps import check_caps
from assessor.intake.columns import Layout, find_layout, headers_preview
from assessor.intake.ledger import Ledger
from assessor.intake.limits import DEFAULT_LIMITS, MIB, Limits
from assessor.intake.matrix import (
    Matrix,
    find_matrix,
    read_matrix,
    read_transposed,
    transposed_unit_columns,
)
from assessor.intake.merges import Merges
from assessor.intake.sheets import LoadedSheet, load_sheets
from assessor.intake.table import read_requirements
from assessor.intake.units import UNITS_SHEET_NAMES, read_units_sheet, units_layout

__all__ = ["read_workbook"]


@dataclass(frozen=True)
class _Plan:
    """A sheet to read as requirements: a table (by its layout) or a matrix."""

    sheet: LoadedSheet
    shape: Layout | Matrix


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
    data = _read_bytes(path, display, limits)
    package = zipcheck.check_package(data, display, limits)
    ledger = Ledger(
        display=display, catalog=catalog, date1904=package.date1904, stem=Path(display).stem
    )
    if package.macros:
        ledger.warn(f"{display}: macros are present; they were not run and are never copied")
    loaded = load_sheets(data, package, ledger, limits)
    records, loaded = _register(ledger, loaded)
    overlay, loaded = _overlay(ledger, loaded)  # before the requirements: their names use it
    plans, headers_seen = _plan(ledger, loaded)
    if not plans:
        raise reconcile.no_table(display, headers_seen)
    ledger.sheets_with_tables = [p.sheet.name for p in plans]
    for plan in plans:
        _read_plan(ledger, plan)
    checked, unknown = register.check_units(
        records, (u.name for u in ledger.units.values()), display
    )
    ledger.errors.extend(unknown)
    if overlay is not None:
        sheet_overlay.check_overlay_units(ledger, overlay)
    check_caps(display, ledger.requirements)
    reconcile.check_errors(ledger)
    reconcile.check_not_empty(ledger, [f"{p.sheet.name}!{p.shape.header_row + 1}" for p in plans])
    reconcile.reconcile(ledger)
    result = reconcile.result(ledger, str(path), data, [p.sheet.name for p in plans])
    update: dict[str, object] = {"evidence": checked} if checked else {}
    if overlay is not None and overlay.overlay is not None:
        update["overlay"] = overlay.overlay
    return result.model_copy(update=update) if update else result


def _overlay(
    ledger: Ledger, loaded: list[LoadedSheet]
) -> tuple[sheet_overlay.SheetOverlay | None, list[LoadedSheet]]:
    """The Overlay sheet read, checked and merged on the ledger's catalog; the other sheets."""
    found: sheet_overlay.SheetOverlay | None = None
    rest: list[LoadedSheet] = []
    for sheet in loaded:
        layout = sheet_overlay.overlay_layout(sheet.rows, sheet.name)
        if layout is None:
            rest.append(sheet)
        elif found is not None:
            ledger.errors.append(Issue(sheet.name, "a second Overlay sheet: keep one"))
        else:
            found = sheet_overlay.read_overlay_sheet(ledger, sheet.name, sheet.rows, *layout)
    return found, rest


def _register(
    ledger: Ledger, loaded: list[LoadedSheet]
) -> tuple[list[EvidenceRecord], list[LoadedSheet]]:
    """The Evidence on file sheets read into records, and the other sheets left to plan."""
    records: list[EvidenceRecord] = []
    rest: list[LoadedSheet] = []
    for sheet in loaded:
        layout = register.register_layout(sheet.rows, sheet.name)
        if layout is None:
            rest.append(sheet)
        else:
            records += register.read_register_sheet(ledger, sheet.name, sheet.rows, *layout)
    return records, rest


def _read_bytes(path: Path, display: str, limits: Limits) -> bytes:
    """The file's bytes, refused unread when it is over the size limit or not a regular file.

    Opened without blocking (a FIFO would wait for a writer for ever) and checked on the open
    descriptor; at most the limit plus one byte is read, whatever size the file system reports
    (a device such as /dev/zero reports 0 and never ends).
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except IsADirectoryError:
        raise InputError(f"{display}: is a folder, not a workbook") from None
    except OSError as err:
        raise InputError(f"{display}: cannot read the file ({err.strerror or err})") from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise InputError(f"{display}: is a folder, not a workbook")
        if not stat.S_ISREG(info.st_mode):
            raise InputError(
                f"{display}: is not a regular file ({_file_kind(info.st_mode)}); "
                "only workbook files are read"
            )
        if info.st_size > limits.max_file_bytes:
            raise InputError(
                f"{display}: the file is {info.st_size / MIB:.1f} MiB; the limit is "
                f"{limits.max_file_bytes // MIB} MiB"
            )
        os.set_blocking(fd, True)
        chunks: list[bytes] = []
        total = 0
        while chunk := os.read(fd, min(MIB, limits.max_file_bytes + 1 - total)):
            chunks.append(chunk)
            total += len(chunk)
            if total > limits.max_file_bytes:
                raise InputError(
                    f"{display}: the file grew past the limit of "
                    f"{limits.max_file_bytes // MIB} MiB while it was read"
                )
        return b"".join(chunks)
    except OSError as err:
        raise InputError(f"{display}: cannot read the file ({err.strerror or err})") from None
    finally:
        os.close(fd)


def _file_kind(mode: int) -> str:
    """What a non-regular file is, in words."""
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a file"


def _plan(ledger: Ledger, loaded: list[LoadedSheet]) -> tuple[list[_Plan], list[Issue]]:
    """Read the units sheets now; plan the requirement tables and matrices (read after)."""
    plans: list[_Plan] = []
    headers_seen: list[Issue] = []
    for sheet in loaded:
        units = units_layout(sheet.rows)
        layout = find_layout(sheet.rows)
        if units is not None and (
            layout is None or normalize_text(sheet.name).casefold() in UNITS_SHEET_NAMES
        ):
            read_units_sheet(ledger, sheet.name, sheet.rows, units[0], units[1])
            continue
        shape = layout or find_matrix(ledger, sheet.rows)
        if shape is not None:
            plans.append(_Plan(sheet, shape))
        else:
            preview = headers_preview(sheet.rows) or "(empty)"
            headers_seen.append(Issue(f"sheet {sheet.name!r}", preview))
    return plans, headers_seen


def _read_plan(ledger: Ledger, plan: _Plan) -> None:
    """Read one planned sheet into the ledger."""
    sheet, shape = plan.sheet, plan.shape
    rows = sheet.rows
    width = max(map(len, rows), default=0) if sheet.merged else 0  # no ranges: no scan
    fills = Merges(sheet.merged, len(rows), width)
    if isinstance(shape, Matrix):
        read_matrix(ledger, sheet.name, rows, shape, fills)
        return
    unit_cols = transposed_unit_columns(rows, shape) if "business_unit" not in shape.columns else []
    if unit_cols:
        read_transposed(ledger, sheet.name, rows, shape, unit_cols)
    else:
        read_requirements(ledger, sheet.name, rows, shape, fills, sheet.missing_formulas)
