"""Word renderer: an editable report from the same view (owns python-docx).

Real headings (Title, Heading 1, Heading 2), real tables and the status marks, so that auditors
and users of other GRC tools can add their own commentary. Deterministic: the core properties'
dates come from the as-of date and every zip entry carries the same time, as in render/xlsxio.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from docx.table import Table, _Cell

from assessor.views.report import ReportView

MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
_ZIP_TIME = (2000, 1, 1, 0, 0, 0)
_HEADER_FILL = "1D3557"
# Light fills per status (the mark and label carry the status; colour only helps).
_STATUS_FILL = {
    "covered": "E3F3E8",
    "partial": "FDF0D5",
    "gap": "FBE4E2",
    "unrecognized": "ECE8FA",
}


def render_docx(view: ReportView) -> bytes:
    """The unit's report as a .docx: cover facts, summary, findings, framework detail, customer
    responsibilities, evidence request list, methodology and appendix."""
    view = _xml_safe(view)
    doc = Document()
    _page_setup(doc)
    _properties(doc, view)
    _cover(doc, view)
    _summary(doc, view)
    _findings(doc, view)
    _frameworks(doc, view)
    _checklist(doc, view)
    _evidence(doc, view)
    _methodology(doc, view)
    _appendix(doc, view)
    buffer = io.BytesIO()
    doc.save(buffer)
    return _stable_zip(buffer.getvalue())


# ---------------------------------------------------------------------------
# Document set-up

# Characters XML 1.0 cannot carry (C0 controls but tab, newline and return; lone surrogates).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return _NOT_XML.sub("\ufffd", value)
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_clean(v) for v in value)
    return value


def _xml_safe(view: ReportView) -> ReportView:
    """The view with every character XML cannot hold replaced by U+FFFD (Word refuses them)."""
    return ReportView.model_validate(_clean(view.model_dump()))


def _page_setup(doc: DocumentObject) -> None:
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    for side in ("left_margin", "right_margin"):
        setattr(section, side, Mm(18))
    section.top_margin = section.bottom_margin = Mm(18)
    normal = doc.styles["Normal"]
    normal.font.name = "Calibri"
    normal.font.size = Pt(10)


def _properties(doc: DocumentObject, view: ReportView) -> None:
    stamp = datetime(view.as_of.year, view.as_of.month, view.as_of.day)
    props = doc.core_properties
    props.title = view.title
    props.subject = view.subject[:255]
    props.author = view.organization[:255] or "assessor"
    props.last_modified_by = "assessor"
    props.keywords = f"{view.service_name}, compliance, evidence, audit"
    props.comments = f"assessor {view.tool_version}"
    props.created = stamp
    props.modified = stamp
    props.last_printed = stamp
    props.revision = 1


def _stable_zip(data: bytes) -> bytes:
    """The same entries in the same order, each with a fixed time and permissions."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for item in source.infolist():
            info = zipfile.ZipInfo(item.filename, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            target.writestr(info, source.read(item.filename))
    return out.getvalue()


# ---------------------------------------------------------------------------
# Building blocks


def _shade(cell: _Cell, fill: str) -> None:
    props = cell._tc.get_or_add_tcPr()
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    props.append(shading)


def _repeat_header(table: Table) -> None:
    row_props = table.rows[0]._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    row_props.append(header)


def _table(
    doc: DocumentObject,
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    widths: Sequence[float] | None = None,
    fills: Sequence[str | None] | None = None,
    fill_column: int = 0,
) -> Table:
    """A grid table with a dark header row repeated on each page, one text per cell."""
    table: Table = doc.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.LEFT
    for cell, text in zip(table.rows[0].cells, headers, strict=True):
        cell.text = ""
        run = cell.paragraphs[0].add_run(text)
        run.bold = True
        run.font.size = Pt(9)
        run.font.color.rgb = RGBColor(0xFF, 0xFF, 0xFF)
        _shade(cell, _HEADER_FILL)
    _repeat_header(table)
    for index, values in enumerate(rows):
        cells = table.add_row().cells  # type: ignore[no-untyped-call]
        for cell, text in zip(cells, values, strict=True):
            cell.text = ""
            lines = text.split("\n")
            paragraph = cell.paragraphs[0]
            for n, line in enumerate(lines):
                run = paragraph.add_run(line)
                run.font.size = Pt(9)
                if n < len(lines) - 1:
                    run.add_break()
        fill = fills[index] if fills else None
        if fill:
            _shade(cells[fill_column], fill)
    if widths:  # Word reads the cells' widths, LibreOffice the grid's: set both
        table.autofit = False
        for column, width in zip(table.columns, widths, strict=True):
            column.width = Mm(width)
        for row in table.rows:
            for cell, width in zip(row.cells, widths, strict=True):
                cell.width = Mm(width)
    doc.add_paragraph()  # air between the table and what follows
    return table


def _bullets(doc: DocumentObject, items: Sequence[str], prefix: str = "") -> None:
    for item in items:
        doc.add_paragraph(f"{prefix}{item}", style="List Bullet")


def _label_value(doc: DocumentObject, label: str, value: str) -> None:
    paragraph = doc.add_paragraph()
    paragraph.add_run(f"{label}: ").bold = True
    paragraph.add_run(value)


def _commentary(doc: DocumentObject) -> None:
    """An empty, visibly marked place for the reviewer's own words."""
    paragraph = doc.add_paragraph()
    run = paragraph.add_run("Reviewer commentary: ")
    run.bold = True
    run.font.color.rgb = RGBColor(0x4A, 0x55, 0x63)
    hint = paragraph.add_run("(add your notes here)")
    hint.italic = True
    hint.font.color.rgb = RGBColor(0x4A, 0x55, 0x63)


# ---------------------------------------------------------------------------
# Chapters


def _cover(doc: DocumentObject, view: ReportView) -> None:
    doc.add_paragraph("Compliance evidence gap report", style="Subtitle")
    doc.add_heading(view.business_unit, level=0)
    doc.add_paragraph(
        f"{view.organization} \u2014 framework requirements mapped onto {view.service_name}'s "
        "certifications and Service Trust Portal evidence"
        if view.organization
        else f"Framework requirements mapped onto {view.service_name}'s certifications and "
        "Service Trust Portal evidence"
    )
    unit = view.business_unit + (f" (owner: {view.unit_owner})" if view.unit_owner else "")
    facts = [
        ("Organization", view.organization or "\u2014"),
        ("Business unit", unit),
        *([("Auditor", view.unit_auditor)] if view.unit_auditor else []),
        ("As of", view.as_of_label),
        ("Audited period", f"{view.period_label} ({view.period_basis})"),
        ("Service", view.service_name),
        (
            "Catalog",
            f"{view.catalog.title}, as of {view.catalog.as_of_label} \u00b7 SHA-256 "
            f"{view.catalog.sha256_short}",
        ),
        *[("Catalog amended", o.label) for o in view.catalog.overlays],
        ("Source workbook", f"{view.source.file} \u00b7 SHA-256 {view.source.sha256_short}"),
        ("Tool", f"assessor {view.tool_version}"),
    ]
    table = _table(doc, ("Item", "Value"), facts, widths=(40, 134))
    for row in table.rows[1:]:
        for run in row.cells[0].paragraphs[0].runs:
            run.bold = True
    doc.add_heading("Service lifecycle", level=2)
    doc.add_paragraph(view.lifecycle_statement)
    if view.lifecycle_note:
        doc.add_paragraph(view.lifecycle_note)
    if view.successors and not view.period_after_eol:
        doc.add_paragraph(
            "Successor services to assess for any later period: " + ", ".join(view.successors) + "."
        )


def _summary(doc: DocumentObject, view: ReportView) -> None:
    doc.add_heading("Executive summary", level=1)
    doc.add_paragraph(
        f"{view.total} requirement{'' if view.total == 1 else 's'} assessed for "
        f"{view.business_unit} against {view.service_name}'s certifications, for the period "
        f"{view.period_label}."
    )
    rows = [(f"{c.mark} {c.label}", str(c.count), f"{c.percent}%") for c in view.status_counts]
    rows.append(("Total", str(view.total), ""))
    fills = [_STATUS_FILL.get(c.key) for c in view.status_counts] + [None]
    _table(doc, ("Status", "Requirements", "Share"), rows, widths=(70, 35, 30), fills=fills)
    doc.add_paragraph(
        f"Of these requirements, {view.shared_count} "
        f"{'is' if view.shared_count == 1 else 'are'} a shared responsibility "
        "(\u21c4 SHARED): Microsoft evidences its part, the organization must evidence its own."
    )
    doc.add_heading("The most important gaps", level=2)
    doc.add_paragraph(view.key_gaps)
    _commentary(doc)


def _chapter(doc: DocumentObject, title: str) -> None:
    """A chapter heading that starts a new page."""
    doc.add_heading(title, level=1).paragraph_format.page_break_before = True


def _findings(doc: DocumentObject, view: ReportView) -> None:
    _chapter(doc, "Findings")
    doc.add_paragraph(
        "One row per requirement, in workbook order; the requirement is shown as typed. "
        "Status marks: \u25cf Covered, \u25d0 Partial, \u25cb Gap, ? Not recognized."
    )
    rows = []
    for f in view.findings:
        resp = "\u21c4 SHARED" if f.shared else f.responsibility_label
        rows.append(
            (
                f"{f.ref}\n{f.location}",
                f.requirement_display,
                f.framework_label,
                f"{f.status_mark} {f.status_label}",
                resp,
                f.columns.label or "\u2014",
            )
        )
    fills = [_STATUS_FILL.get(f.status) for f in view.findings]
    _table(
        doc,
        ("Ref", "Requirement (as typed)", "Framework", "Status", "Responsible", "Owner, due"),
        rows,
        widths=(26, 46, 30, 24, 22, 26),
        fills=fills,
        fill_column=3,
    )


def _frameworks(doc: DocumentObject, view: ReportView) -> None:
    _chapter(doc, "Framework detail")
    for fw in view.frameworks:
        doc.add_heading(fw.name, level=2)
        if fw.full_name and fw.full_name != fw.name:
            doc.add_paragraph(fw.full_name).runs[0].italic = True
        refs = ", ".join(f"{r.ref} ({r.status_mark} {r.status_label})" for r in fw.requirements)
        _label_value(doc, "Requirements", refs)
        for group in fw.reasons:
            _label_value(doc, f"Why ({group.refs}, {group.status_label})", group.text)
        if fw.rationale:
            _label_value(doc, "Background", fw.rationale)
        if fw.cert_refs:
            _label_value(doc, "Rests on", ", ".join(f"{c.number} {c.name}" for c in fw.cert_refs))
        if fw.customer_actions:
            doc.add_paragraph("The organization must:").runs[0].bold = True
            _bullets(doc, fw.customer_actions)
        if fw.caveats:
            doc.add_paragraph("Caveats:").runs[0].bold = True
            _bullets(doc, fw.caveats)
        _commentary(doc)
    if view.unrecognized:
        doc.add_heading("Not recognized", level=2)
        for f in view.unrecognized:
            text = f"{f.ref} {f.requirement_display} ({f.location})"
            if f.suggestion_names:
                text += f": did you mean {', '.join(f.suggestion_names)}?"
            doc.add_paragraph(text, style="List Bullet")


def _checklist(doc: DocumentObject, view: ReportView) -> None:
    _chapter(doc, "Customer responsibilities")
    doc.add_paragraph(
        f"What {view.organization or 'the organization'} must still evidence itself for "
        f"{view.business_unit}, by framework. Microsoft's certifications do not cover these."
    )
    if not view.checklist:
        doc.add_paragraph("No customer duties were recorded.")
    for group in view.checklist:
        doc.add_heading(f"{group.name} ({group.status_label})", level=2)
        if group.ownership.label:
            paragraph = doc.add_paragraph()
            run = paragraph.add_run(group.ownership.label)
            run.bold = group.ownership.overdue
        _bullets(doc, group.items, prefix="\u2610 ")


def _evidence(doc: DocumentObject, view: ReportView) -> None:
    _chapter(doc, "Evidence request list")
    doc.add_paragraph(
        f"{view.evidence_count} documents to download from the Microsoft Service Trust Portal "
        f"({view.stp_home}), grouped by portal section. {view.stp_note}"
    )
    for section in view.evidence_sections:
        doc.add_heading(section.name, level=2)
        rows = [
            (
                "\u2610 "
                + item.title
                + ("\nRestricted: cite by title and period only." if item.restricted else ""),
                item.kind_label,
                ", ".join(item.frameworks),
                "\n".join((item.scope_location, *item.service_locations)),
            )
            for item in section.items
        ]
        _table(
            doc,
            ("Document", "Kind", "Needed for", "Where the services appear"),
            rows,
            widths=(62, 26, 36, 50),
        )


def _methodology(doc: DocumentObject, view: ReportView) -> None:
    _chapter(doc, "Methodology, status definitions and sources")
    for paragraph in view.methodology:
        doc.add_paragraph(paragraph)
    doc.add_heading("Status definitions", level=2)
    _table(
        doc,
        ("Status", "Meaning"),
        [(f"{d.mark} {d.label}", d.text) for d in view.status_definitions],
        widths=(35, 139),
    )
    doc.add_heading("Responsibility", level=2)
    _table(
        doc,
        ("Responsibility", "Meaning"),
        [(d.label, d.text) for d in view.responsibility_definitions],
        widths=(35, 139),
    )
    if view.sources:
        doc.add_heading("Sources", level=2)
        _table(
            doc,
            ("Source", "Checked", "Address"),
            [(f"{s.title} ({s.publisher})", s.checked, s.url) for s in view.sources],
            widths=(70, 28, 76),
        )


def _appendix(doc: DocumentObject, view: ReportView) -> None:
    _chapter(doc, "Appendix: input reconciliation and integrity")
    if view.rejected:
        doc.add_heading("Rows not assessed", level=2)
        _table(
            doc,
            ("Sheet", "Row", "Reason"),
            [(r.sheet, str(r.row), r.reason) for r in view.rejected],
            widths=(40, 16, 118),
        )
    if view.warnings:
        doc.add_heading("Warnings from reading the workbook", level=2)
        _bullets(doc, view.warnings)
    doc.add_heading("Integrity", level=2)
    _table(
        doc,
        ("Item", "Value"),
        [
            ("Source workbook", view.source.file),
            ("Source SHA-256", view.source.sha256),
            ("Catalog", f"{view.catalog.title} (schema {view.catalog.schema_version})"),
            ("Catalog SHA-256", view.catalog.sha256),
            *[
                (f"Overlay {o.file}", f"{o.entries} \u00b7 SHA-256 {o.sha256}")
                for o in view.catalog.overlays
            ],
            *[
                ("Decision", f"{d.what} ({d.units}): {d.decided_by}, {d.decided_on}")
                for d in view.catalog.decisions
            ],
            ("Tool", f"assessor {view.tool_version}"),
        ],
        widths=(40, 134),
    )
