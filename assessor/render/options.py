"""Per-run rendering choices shared by every renderer."""

from __future__ import annotations

from typing import Literal

from assessor.domain.models import AssessorModel

PdfVariant = Literal["ua", "a"]


class RenderOptions(AssessorModel):
    """The PDF variant and, for PDF/A-3, the source workbook to attach."""

    pdf_variant: PdfVariant | None = None
    source_bytes: bytes | None = None
    source_name: str | None = None
