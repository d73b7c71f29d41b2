"""The workbook's own columns (scope / notes, evidence needed, owner, due date, priority) carried
into each finding and the customer checklist, with a due date before the as-of date flagged
overdue (pure)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date

from assessor.domain.models import AssessorModel, CellRef, Requirement
from assessor.domain.text import long_date
from assessor.views.common import clip, in_order

RowKey = tuple[str, str, int]  # file, sheet, row: the columns belong to the row, not the cell


class WorkbookColumns(AssessorModel):
    """What the organization wrote beside a requirement, as typed (notes and evidence clipped
    for display only; the JSON keeps them whole)."""

    owner: str | None = None
    due: date | None = None
    due_label: str = ""  # `30 June 2024`, or empty
    overdue: bool = False  # due before the as-of date
    priority: str | None = None
    notes: str | None = None
    evidence_needed: str | None = None

    @property
    def any(self) -> bool:
        """Whether the row carried any of these columns."""
        return any((self.owner, self.due, self.priority, self.notes, self.evidence_needed))

    @property
    def label(self) -> str:
        """`Owner: Dana Whitfield · due 31 March 2024 (overdue) · priority High`, or empty."""
        return _label(
            (clip(self.owner, 80),) if self.owner else (),
            self.due_label,
            self.overdue,
            clip(self.priority, 40) if self.priority else "",
        )


NO_COLUMNS = WorkbookColumns()


def row_key(source: CellRef) -> RowKey:
    """The key a requirement's row columns are found under."""
    return (source.file, source.sheet, source.row)


def workbook_columns(
    requirements: Iterable[Requirement], as_of: date
) -> dict[RowKey, WorkbookColumns]:
    """Each source row's columns (the first requirement of a row speaks for the row)."""
    found: dict[RowKey, WorkbookColumns] = {}
    for req in requirements:
        key = row_key(req.source)
        if key in found:
            continue
        due = req.due_date
        found[key] = WorkbookColumns(
            owner=req.owner,
            due=due,
            due_label=long_date(due) if due else "",
            overdue=due is not None and due < as_of,
            priority=req.priority,
            notes=req.scope_notes,
            evidence_needed=req.evidence_needed,
        )
    return found


def columns_for(source: CellRef, table: Mapping[RowKey, WorkbookColumns]) -> WorkbookColumns:
    """The columns of a finding's row (none when the workbook had no such columns)."""
    return table.get(row_key(source), NO_COLUMNS)


class Ownership(AssessorModel):
    """Who owns a group of findings and when it is due: for the checklist beside the duties."""

    owners: tuple[str, ...] = ()
    due: date | None = None  # the earliest due date
    due_label: str = ""
    overdue: bool = False

    @property
    def label(self) -> str:
        """`Owner: Dana Whitfield · due 31 March 2024 (overdue)`, or empty."""
        return _label(self.owners, self.due_label, self.overdue, "")


def _label(owners: tuple[str, ...], due_label: str, overdue: bool, priority: str) -> str:
    parts = []
    if owners:
        parts.append(f"Owner: {', '.join(owners)}")
    if due_label:
        parts.append(f"due {due_label}" + (" (overdue)" if overdue else ""))
    if priority:
        parts.append(f"priority {priority}")
    text = " \u00b7 ".join(parts)
    return text[:1].upper() + text[1:]


def ownership(columns: Iterable[WorkbookColumns]) -> Ownership:
    """Owners (each once, in order) and the earliest due date of several findings."""
    cols = list(columns)
    dues = [c for c in cols if c.due is not None]
    first = min(dues, key=lambda c: c.due or date.max) if dues else None
    return Ownership(
        owners=in_order(clip(c.owner, 80) for c in cols if c.owner),
        due=first.due if first else None,
        due_label=first.due_label if first else "",
        overdue=first.overdue if first else False,
    )
