"""Close a workbook read: refuse it with every problem at once, or account for every row.

Unreadable cells are collected while reading and raised here together; then every data row
must be a requirement's source or a rejected row, or the read is a bug (AssertionError).
"""

from __future__ import annotations

import hashlib

from assessor.domain.errors import InputError, Issue
from assessor.domain.models import IntakeResult
from assessor.intake.columns import ACCEPTED_FRAMEWORK_HEADERS, HEADER_SCAN_ROWS
from assessor.intake.ledger import Ledger

_DATE_HINT = "write dates as YYYY-MM-DD or use real date cells"
_SERVICE_HINT = (
    "name a service the catalog knows (`assessor services` lists them and their aliases)"
)


_OVERLAY_HINT = (
    "each Overlay row: Kind (alias, framework, relation), the framework and certifications by "
    "id or name, who decided it (Decided by) and when (Decided on); an overlay never makes a "
    "framework held"
)


def _hint(errors: list[Issue], overlay_sheet: str = "") -> str:
    """The service hint when every error is an unknown service, the overlay hint when every
    error is on the Overlay sheet, else the date hint."""
    if all(e.message.startswith("unknown service") for e in errors):
        return _SERVICE_HINT
    if overlay_sheet and all(e.location.split("!")[0] == overlay_sheet for e in errors):
        return _OVERLAY_HINT
    return _DATE_HINT


def no_table(display: str, headers_seen: list[Issue]) -> InputError:
    """The error for a workbook in which no sheet holds a requirements table or matrix."""
    accepted = ", ".join(ACCEPTED_FRAMEWORK_HEADERS)
    more = len(headers_seen) - 10
    return InputError(
        f"{display}: no requirements table found: no header row in the first "
        f"{HEADER_SCAN_ROWS} rows of any visible sheet names a framework column",
        issues=headers_seen[:10] + ([Issue("", f"... and {more} more sheets")] if more > 0 else []),
        hint=f"name the framework column one of: {accepted} (or start from `assessor template`)",
    )


_SHOWN = 50  # cells named one by one; the rest are counted


def named(errors: list[Issue]) -> list[Issue]:
    """The first 50 problems, then how many more: never a silent cut."""
    more = len(errors) - _SHOWN
    return errors[:_SHOWN] + ([Issue("", f"... and {more} more")] if more > 0 else [])


def check_errors(ledger: Ledger) -> None:
    """Raise one InputError naming every cell to fix (the first 50, and how many more)."""
    if len(ledger.errors) == 1:
        raise InputError(
            f"{ledger.display}: {ledger.errors[0]}", hint=_hint(ledger.errors, ledger.overlay_sheet)
        )
    if ledger.errors:
        raise InputError(
            f"{ledger.display}: {len(ledger.errors)} cells to fix, each named below",
            issues=named(ledger.errors),
            hint=_hint(ledger.errors, ledger.overlay_sheet),
        )


def check_not_empty(ledger: Ledger, header_cells: list[str]) -> None:
    """Raise when the tables found have no rows below their headers (named as Sheet!row)."""
    if ledger.data_rows == 0:
        raise InputError(
            f"{ledger.display}: the requirements table is empty: no rows below the header "
            f"({', '.join(header_cells)})"
        )


def reconcile(ledger: Ledger) -> None:
    """Every data row is a requirement's source or a rejected row: anything else is a bug."""
    distinct = {(q["source"]["sheet"], q["source"]["row"]) for q in ledger.requirements}
    if ledger.data_rows != len(distinct) + len(ledger.rejected):
        raise AssertionError(
            f"intake reconciliation failed for {ledger.display}: {ledger.data_rows} data rows "
            f"!= {len(distinct)} read + {len(ledger.rejected)} rejected"
        )


def result(ledger: Ledger, path: str, data: bytes, sheets_read: list[str]) -> IntakeResult:
    """The IntakeResult: units sorted by name, a warning for each unit with no requirements."""
    units = sorted(ledger.units.values(), key=lambda u: (u.name.casefold(), u.name))
    used = {q["business_unit"].casefold() for q in ledger.requirements}
    for unit in units:
        if unit.name.casefold() not in used:
            ledger.warn(f"business unit {unit.name!r} has no requirements")
    # NOTE: the requirement rows are plain dicts until here: validating the whole result in
    # one call builds and checks every Requirement and CellRef (the same models, less overhead).
    return IntakeResult.model_validate(
        {
            "file": ledger.display,
            "path": path,
            "sha256": hashlib.sha256(data).hexdigest(),
            "requirements": ledger.requirements,
            "units": tuple(units),
            "rejected": tuple(ledger.rejected),
            "warnings": tuple(ledger.warnings),
            "data_rows": ledger.data_rows,
            "sheets_read": tuple(sheets_read),
        }
    )
