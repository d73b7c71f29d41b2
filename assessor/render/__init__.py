"""Renderer registry: one module per output format, all reading the same ReportView."""

from __future__ import annotations

from typing import Literal

from assessor.errors import RenderError
from assessor.model import AssessorModel
from assessor.report import ReportView

FORMATS: tuple[str, ...] = ("pdf", "html", "json", "xlsx")
PdfVariant = Literal["ua", "a"]


class RenderOptions(AssessorModel):
    """Per-run rendering choices: the PDF variant and, for PDF/A-3, the source workbook."""

    pdf_variant: PdfVariant | None = None
    source_bytes: bytes | None = None
    source_name: str | None = None


def render(view: ReportView, fmt: str, options: RenderOptions | None = None) -> bytes:
    """Render one view in one format; heavy libraries are imported only when needed."""
    options = options or RenderOptions()
    if fmt == "json":
        from assessor.render.json import render_json

        return render_json(view)
    if fmt == "html":
        from assessor.render.html import render_report_html

        return render_report_html(view).encode("utf-8")
    if fmt == "xlsx":
        from assessor.render.xlsx import render_xlsx

        return render_xlsx(view)
    if fmt == "pdf":
        from assessor.render.pdf import render_report_pdf

        return render_report_pdf(view, options)
    raise RenderError(f"unknown report format {fmt!r}", hint=f"choose from {', '.join(FORMATS)}")
