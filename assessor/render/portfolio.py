"""The portfolio in each format: JSON, standalone HTML, PDF and an XLSX an analyst can filter."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from assessor.domain.text import canonical_json
from assessor.render.options import PdfVariant
from assessor.views.portfolio import PortfolioView, portfolio_json

if TYPE_CHECKING:
    from assessor.render.xlsxio import CellValue


def render_json(view: PortfolioView) -> bytes:
    """Portfolio JSON bytes: sorted keys, no NaN, UTF-8, trailing newline."""
    return canonical_json(portfolio_json(view))


def render_html(view: PortfolioView) -> str:
    """The portfolio as one standalone HTML document (CSS inlined)."""
    from assessor.render.html import render_template

    return render_template("portfolio.html.j2", view=view)


def render_pdf(view: PortfolioView, *, pdf_variant: PdfVariant | None = None) -> bytes:
    """The portfolio PDF (PDF/A-3b variant embeds the portfolio JSON)."""
    from assessor.render.pdf import html_to_pdf

    attachments: list[tuple[str, bytes, str]] = []
    if pdf_variant == "a":
        attachments.append(("portfolio.json", render_json(view), "Data"))
    return html_to_pdf(
        render_html(view),
        title=view.title,
        subject=view.subject,
        created=view.as_of,
        variant=pdf_variant,
        attachments=attachments,
    )


def render_xlsx(view: PortfolioView) -> bytes:
    """The portfolio as a workbook an analyst can filter: units, matrix, gaps, duties, evidence."""
    from assessor.render import xlsxio

    wb = xlsxio.new_workbook()
    for title, headers, rows, widths in (
        _units_sheet(view),
        _matrix_sheet(view),
        _gaps_sheet(view),
        _duties_sheet(view),
        _evidence_sheet(view),
    ):
        xlsxio.write_table(wb, title, headers, rows, widths=widths)
    return xlsxio.workbook_bytes(wb)


Sheet = tuple[str, Sequence[str], list[tuple["CellValue", ...]], Sequence[int]]


def _units_sheet(view: PortfolioView) -> Sheet:
    headers = (
        "Business unit",
        "Period judged",
        "Basis",
        "After end of life",
        "Covered",
        "Partial",
        "Gap",
        "Not recognized",
        "Findings",
        "Shared",
        "Coverage %",
        "Covered or partial %",
        "On the organization's decisions",
        "Report file",
    )
    rows: list[tuple[CellValue, ...]] = [
        (
            u.name,
            u.period_label,
            u.basis,
            "yes" if u.after_end_of_life else "no",
            u.covered,
            u.partial,
            u.gap,
            u.unrecognized,
            u.total,
            u.shared,
            u.coverage,
            u.supported,
            u.on_overlay,
            u.slug,
        )
        for u in view.units
    ]
    return "Units", headers, rows, (28, 34, 14, 10, 9, 9, 9, 9, 9, 9, 10, 12, 14, 28)


def _matrix_sheet(view: PortfolioView) -> Sheet:
    headers = ["Business unit", *(f.short_name for f in view.frameworks)]
    statuses: dict[str, dict[str, str]] = {}
    for block in view.matrix:
        for row in block.rows:
            statuses.setdefault(row.unit, {}).update(
                {
                    fw.id: cell.label if cell.status is not None else ""
                    for fw, cell in zip(block.frameworks, row.cells, strict=True)
                }
            )
    rows: list[tuple[CellValue, ...]] = [
        (u.name, *(statuses[u.name].get(f.id, "") for f in view.frameworks)) for u in view.units
    ]
    return "Matrix", headers, rows, (28, *(14 for _ in view.frameworks))


def _gaps_sheet(view: PortfolioView) -> Sheet:
    headers = ("Framework or entry", "Status", "Units affected", "Business units", "As typed")
    rows: list[tuple[CellValue, ...]] = [
        (g.label, g.status_label, len(g.units), "; ".join(g.units), "; ".join(g.requirements))
        for g in (*view.gaps, *view.unrecognized)
    ]
    return "Gaps", headers, rows, (36, 14, 10, 50, 50)


def _duties_sheet(view: PortfolioView) -> Sheet:
    headers = ("Framework", "Customer duty", "Units", "Business units")
    rows: list[tuple[CellValue, ...]] = [
        (group.framework, duty.text, len(duty.units), "; ".join(duty.units))
        for group in view.duties
        for duty in group.duties
    ]
    return "Customer duties", headers, rows, (30, 80, 8, 50)


def _evidence_sheet(view: PortfolioView) -> Sheet:
    headers = (
        "STP section",
        "Document",
        "Kind",
        "Certifications",
        "Frameworks",
        "Business units",
        "How the service appears",
        "Restricted",
        "Self-attested",
    )
    rows: list[tuple[CellValue, ...]] = [
        (
            item.stp_section,
            item.title,
            item.kind_label,
            "; ".join(item.certifications),
            "; ".join(item.frameworks),
            "; ".join(item.units),
            item.scope_location,
            "yes" if item.restricted else "no",
            "yes" if item.self_attested else "no",
        )
        for group in view.evidence
        for item in group.items
    ]
    return "Evidence requests", headers, rows, (30, 60, 18, 30, 30, 40, 40, 10, 10)
