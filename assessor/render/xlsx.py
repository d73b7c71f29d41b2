"""XLSX renderer: a gap register an auditor can filter (text cells only, never formulas)."""

from __future__ import annotations

from assessor.render.xlsxio import new_workbook, workbook_bytes, write_table
from assessor.views.report import ReportView

FINDING_HEADERS = (
    "Ref",
    "Sheet",
    "Row",
    "Requirement (as typed)",
    "Framework",
    "Version asked for",
    "Status",
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
    *(8, 16, 6, 40, 24, 22, 14, 14, 8),
    *(22, 12, 9, 10),  # owner, due date, overdue, priority
    *(30, 50, 24, 60, 60, 28, 60),
    *(40, 40),  # scope / notes, evidence needed
    *(40, 18),
)


def _lines(values: tuple[str, ...]) -> str | None:
    """Several values in one cell, one per line; empty cells stay empty."""
    return "\n".join(values) if values else None


def render_xlsx(view: ReportView) -> bytes:
    """Summary, Findings (one row each), Evidence, Customer duties and Rejected rows sheets."""
    wb = new_workbook()
    summary: list[tuple[str, str | int | None]] = [
        ("Organization", view.organization),
        ("Business unit", view.business_unit),
        ("As of", view.as_of.isoformat()),
        ("Assessed period", view.period_label),
        ("Period basis", view.period_basis),
        ("Service", view.service_name),
        ("Service lifecycle", view.lifecycle_statement),
        ("Catalog", f"{view.catalog.title} (schema {view.catalog.schema_version})"),
        ("Catalog as of", view.catalog.as_of.isoformat()),
        ("Catalog SHA-256", view.catalog.sha256),
        ("Source file", view.source.file),
        ("Source SHA-256", view.source.sha256),
        ("Tool version", view.tool_version),
        ("Requirements assessed", view.total),
    ]
    summary += [(f"Status: {c.label}", c.count) for c in view.status_counts]
    summary += [(f"Responsibility: {c.label}", c.count) for c in view.responsibility_counts]
    summary.append(("Rejected rows", len(view.rejected)))
    write_table(wb, "Summary", ("Item", "Value"), summary, widths=(28, 100), autofilter=False)

    rows = [
        (
            f.ref,
            f.source.sheet,
            f.source.row,
            f.requirement,
            f.framework_short,
            f.framework.version if f.framework else None,
            f.status_label,
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
    write_table(wb, "Findings", FINDING_HEADERS, rows, widths=_FINDING_WIDTHS)

    evidence = [
        (
            s.name,
            item.title,
            item.kind_label,
            item.mmd_location,
            "restricted: cite, do not share" if item.restricted else None,
            "self-attested" if item.self_attested else None,
            _lines(item.frameworks),
        )
        for s in view.evidence_sections
        for item in s.items
    ]
    write_table(
        wb,
        "Evidence",
        ("STP section", "Document", "Kind", "How the service appears", "Restricted", "Note", "For"),
        evidence,
        widths=(30, 60, 22, 50, 22, 14, 40),
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
