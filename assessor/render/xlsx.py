"""XLSX renderer: a gap register an auditor can filter (text cells only, never formulas)."""

from __future__ import annotations

from assessor.render.xlsxio import CellValue, new_workbook, workbook_bytes, write_table
from assessor.views.report import ReportView

FINDING_HEADERS = (
    "Ref",
    "Sheet",
    "Row",
    "Requirement (as typed)",
    "Name found",
    "Framework",
    "Version asked for",
    "Status",
    "Services",
    "Service short",
    "Responsibility",
    "Shared",
    "Owner",
    "Due date",
    "Overdue",
    "Priority",
    "Certifications",
    "Evidence to request",
    "STP sections",
    "Customer actions",
    "Caveats",
    "Suggestions",
    "Rationale",
    "Scope / notes (workbook)",
    "Evidence needed (workbook)",
    "Framework (full name)",
    "Framework id",
)
_FINDING_WIDTHS = (
    *(8, 16, 6, 40, 24, 24, 22, 14, 30, 30, 14, 8),
    *(22, 12, 9, 10),  # owner, due date, overdue, priority
    *(30, 50, 24, 60, 60, 28, 60),
    *(40, 40),  # scope / notes, evidence needed
    *(40, 18),
)


def _lines(values: tuple[str, ...]) -> str | None:
    """Several values in one cell, one per line; empty cells stay empty."""
    return "\n".join(values) if values else None


def render_xlsx(view: ReportView) -> bytes:
    """Summary, Findings (one row each), Evidence, Services (scope matrix), Customer duties and
    Rejected rows sheets."""
    wb = new_workbook()
    write_table(
        wb, "Summary", ("Item", "Value"), _summary(view), widths=(28, 100), autofilter=False
    )
    write_table(wb, "Findings", FINDING_HEADERS, _findings(view), widths=_FINDING_WIDTHS)
    write_table(wb, "Evidence", EVIDENCE_HEADERS, _evidence(view), widths=_EVIDENCE_WIDTHS)
    matrix = view.service_matrix
    if matrix is not None:
        names = [svc.name for svc in matrix.services]
        write_table(
            wb,
            "Services",
            ("Certification", "Certification id", *names),
            _services(view),
            widths=(28, 22, *(40 for _ in names)),
        )
    duties = [
        (
            g.name,
            item,
            ", ".join(g.ownership.owners) or None,
            g.ownership.due,
            ("overdue" if g.ownership.overdue else "no") if g.ownership.due else None,
            None,
        )
        for g in view.checklist
        for item in g.items
    ]
    write_table(
        wb,
        "Customer duties",
        ("Framework", "The organization must evidence", "Owner", "Due date", "Overdue", "Done"),
        duties,
        widths=(30, 90, 22, 12, 9, 10),
    )
    write_table(
        wb,
        "Rejected rows",
        ("Sheet", "Row", "Reason"),
        [(r.sheet, r.row, r.reason) for r in view.rejected],
        widths=(20, 8, 90),
    )
    return workbook_bytes(wb)


EVIDENCE_HEADERS = (
    "STP section",
    "Document",
    "Kind",
    "Where the services appear",
    "Restricted",
    "Note",
    "For",
    "Evidence state",
    "Register row",
    "Document on file",
)
_EVIDENCE_WIDTHS = (30, 60, 22, 50, 22, 14, 40, 18, 22, 50)
Row = tuple[CellValue, ...]


def _summary(view: ReportView) -> list[Row]:
    """Who, what and against which catalog: the report's identity and its counts."""
    summary: list[Row] = [
        ("Organization", view.organization),
        ("Business unit", view.business_unit),
        ("As of", view.as_of.isoformat()),
        ("Assessed period", view.period_label),
        ("Period basis", view.period_basis),
        ("Services", view.service_name),
        ("Scope window", f"{view.service_matrix.window_label}" if view.service_matrix else None),
        ("Service lifecycle", view.lifecycle_statement),
        ("Catalog", f"{view.catalog.title} (schema {view.catalog.schema_version})"),
        ("Catalog as of", view.catalog.as_of.isoformat()),
        ("Catalog SHA-256", view.catalog.sha256),
        *[(f"Catalog overlay: {o.file}", o.label) for o in view.catalog.overlays],
        *[(f"Overlay SHA-256: {o.file}", o.sha256) for o in view.catalog.overlays],
        *[
            (f"Decision ({d.units})", f"{d.what}: {d.decided_by}, {d.decided_on}")
            for d in view.catalog.decisions
        ],
        ("Source file", view.source.file),
        ("Source SHA-256", view.source.sha256),
        ("Tool version", view.tool_version),
        ("Requirements assessed", view.total),
    ]
    summary += [(f"Service: {svc.name}", svc.lifecycle) for svc in view.services]
    summary += [(f"Status: {c.label}", c.count) for c in view.status_counts]
    summary += [(f"Responsibility: {c.label}", c.count) for c in view.responsibility_counts]
    summary.append(("Rejected rows", len(view.rejected)))
    return summary


def _findings(view: ReportView) -> list[Row]:
    """One row per finding, in workbook order."""
    return [
        (
            f.ref,
            f.source.sheet,
            f.source.row,
            f.requirement,
            f.matched_text,
            f.framework_short,
            f.framework.version if f.framework else None,
            f.status_label,
            _lines(f.services),
            _lines(f.short_services),
            f.responsibility_label,
            "SHARED" if f.shared else "no",
            f.columns.owner,
            f.columns.due,
            ("overdue" if f.columns.overdue else "no") if f.columns.due else None,
            f.columns.priority,
            _lines(f.certification_names),
            _lines(tuple(dict.fromkeys(e.title for e in f.evidence))),
            _lines(tuple(dict.fromkeys(e.stp_section for e in f.evidence))),
            _lines(f.customer_actions),
            _lines(f.caveats),
            _lines(f.suggestion_names),
            f.rationale,
            f.columns.notes,
            f.columns.evidence_needed,
            f.framework.name if f.framework else None,
            f.framework.id if f.framework else None,
        )
        for f in view.findings
    ]


def _evidence(view: ReportView) -> list[Row]:
    """Each STP document once, with its state against the register."""
    return [
        (
            s.name,
            item.title,
            item.kind_label,
            _lines((item.scope_location, *item.service_locations)),
            "restricted: cite, do not share" if item.restricted else None,
            "self-attested" if item.self_attested else None,
            _lines(item.frameworks),
            item.state_label,
            item.register_row,
            item.register_title,
        )
        for s in view.evidence_sections
        for item in s.items
    ]


def _services(view: ReportView) -> list[Row]:
    """The service x certification scope matrix, each cell with its last sighting."""
    matrix = view.service_matrix
    if matrix is None:
        return []
    return [
        (
            row.short,
            row.certification,
            *(
                c.label
                + (f" ({c.last_seen.isoformat()}, {c.source})" if c.last_seen else "")
                + (" [outside window]" if c.state == "confirmed" and not c.in_window else "")
                for c in row.cells
            ),
        )
        for row in matrix.rows
    ]
