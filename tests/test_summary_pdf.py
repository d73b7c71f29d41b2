"""--pdf-detail summary: cover, executive summary, findings and what to request in 2-4 pages,
beside the full pack (still the default)."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader
from report_fixtures import make_case

from assessor.domain.errors import UsageError
from assessor.render import RenderOptions, render
from assessor.run.pipeline import parse_pdf_detail
from assessor.views.report import ReportView, build_view


def _view(n: int = 6) -> ReportView:
    assessment, catalog, intake = make_case(n=n)
    return build_view(assessment, catalog, intake=intake, tool_version="0.1.0")


def _pages(pdf: bytes) -> list[str]:
    return [" ".join((p.extract_text() or "").split()) for p in PdfReader(io.BytesIO(pdf)).pages]


def test_summary_pdf_has_two_to_four_pages_with_the_summary_chapters_only() -> None:
    view = _view()
    pages = _pages(render(view, "pdf", RenderOptions(pdf_detail="summary")))
    assert 2 <= len(pages) <= 4
    text = " ".join(pages)
    assert "summary" in pages[0].lower() and "Executive summary" in text
    assert "What to request" in text and "Findings" in text
    assert "Framework detail" not in text.replace("the framework detail", "")
    assert "Appendix: input reconciliation" not in text


def test_full_pack_stays_the_default_and_is_longer() -> None:
    view = _view()
    full = _pages(render(view, "pdf"))
    summary = _pages(render(view, "pdf", RenderOptions(pdf_detail="summary")))
    assert len(full) > len(summary)
    assert any("Appendix: input reconciliation" in page for page in full)


def test_summary_bytes_are_deterministic() -> None:
    view = _view()
    options = RenderOptions(pdf_detail="summary")
    assert render(view, "pdf", options) == render(view, "pdf", options)


def test_pdf_detail_option_parses_full_and_summary_only() -> None:
    assert parse_pdf_detail(None) == "full"
    assert parse_pdf_detail(" Summary ") == "summary"
    with pytest.raises(UsageError, match="--pdf-detail 'short'"):
        parse_pdf_detail("short")


def test_shared_count_reads_as_a_count_of_items_not_a_status() -> None:
    view = _view()
    assert view.shared_label.startswith(f"{view.shared_count} of these {view.total} requirements")
    cover = _pages(render(view, "pdf", RenderOptions(pdf_detail="summary")))[0]
    assert "shared responsibility" in cover
