"""Per-run rendering choices shared by every renderer."""

from __future__ import annotations

from typing import Literal

from assessor.domain.models import AssessorModel

PdfVariant = Literal["ua", "a"]
PdfDetail = Literal["full", "summary"]  # the full pack, or cover, summary, findings, requests


class RenderOptions(AssessorModel):
    """The PDF variant and, for PDF/A-3, the source workbook to attach."""

    pdf_variant: PdfVariant | None = None
    pdf_detail: PdfDetail = "full"
    source_bytes: bytes | None = None
    source_name: str | None = None
    # --format pack: the evidence files the unit's findings rely on, (Where kept path, bytes),
    # read by the run layer from --evidence-dir (None: no evidence folder given)
    evidence_files: tuple[tuple[str, bytes], ...] | None = None
