"""Word renderer: real headings and tables from the same view, the status marks, the workbook's
owner and due date, and the same bytes for the same inputs."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import zipfile
from datetime import date
from pathlib import Path

import docx
import pytest
from pypdf import PdfReader
from report_fixtures import make_case

from assessor.render import registry, render
from assessor.views.report import ReportView, build_view


def _view(**kw: object) -> ReportView:
    assessment, catalog, intake = make_case(**kw)  # type: ignore[arg-type]
    return build_view(assessment, catalog, intake=intake, tool_version="0.1.0")


def test_docx_is_one_registry_entry_offered_on_the_web_page() -> None:
    fmt = registry.get("docx")
    assert fmt.suffix == ".docx" and fmt.web and fmt.render_portfolio is None
    assert fmt.media_type.endswith("wordprocessingml.document")


def test_docx_has_real_headings_tables_and_status_marks() -> None:
    document = docx.Document(io.BytesIO(render(_view(), "docx")))
    headings = [(p.style.name, p.text) for p in document.paragraphs if p.style.name != "Normal"]
    h1 = [text for style, text in headings if style == "Heading 1"]
    assert h1 == [
        "Executive summary",
        "Findings",
        "Framework detail",
        "Customer responsibilities",
        "Evidence request list",
        "Methodology, status definitions and sources",
        "Appendix: input reconciliation and integrity",
    ]
    assert ("Title", "Retail Banking") in headings
    findings = next(t for t in document.tables if t.rows[0].cells[0].text == "Ref")
    assert len(findings.rows) == 16  # header + 15 findings
    statuses = {row.cells[3].text for row in findings.rows[1:]}
    assert statuses == {"\u25cf Covered", "\u25d0 Partial", "\u25cb Gap", "? Not recognized"}
    text = "\n".join(p.text for p in document.paragraphs)
    assert "Reviewer commentary" in text  # a marked place for the auditor's own words
    assert "shared responsibility" in text


def test_docx_shows_owner_and_due_date() -> None:
    view = _view(owner="Dana Whitfield", due=date(2024, 3, 31))
    document = docx.Document(io.BytesIO(render(view, "docx")))
    findings = next(t for t in document.tables if t.rows[0].cells[0].text == "Ref")
    assert (
        findings.rows[1].cells[5].text == "Owner: Dana Whitfield \u00b7 due 31 March 2024 (overdue)"
    )
    text = "\n".join(p.text for p in document.paragraphs)
    assert "Owner: Dana Whitfield \u00b7 due 31 March 2024 (overdue)" in text  # beside the duties


def test_docx_bytes_are_deterministic_with_fixed_dates_and_zip_times() -> None:
    view = _view()
    data = render(view, "docx")
    assert data == render(view, "docx")
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert {info.date_time for info in archive.infolist()} == {(2000, 1, 1, 0, 0, 0)}
    core = docx.Document(io.BytesIO(data)).core_properties
    assert core.created is not None and core.created.date() == view.as_of
    assert core.modified == core.created
    assert archive.namelist()[0] == "[Content_Types].xml"


def test_hostile_text_stays_text_in_docx() -> None:
    rows = (("<w:p>=1+1</w:p> & \u202e bell\x07", None),)
    view = _view(rows=rows, n=1, organization="Org\x01")
    document = docx.Document(io.BytesIO(render(view, "docx")))
    findings = next(t for t in document.tables if t.rows[0].cells[0].text == "Ref")
    assert "<w:p>=1+1</w:p>" in findings.rows[1].cells[1].text
    assert "bell\ufffd" in findings.rows[1].cells[1].text  # control characters cannot go in


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) not installed")
def test_libreoffice_opens_the_docx_and_prints_every_chapter(tmp_path: Path) -> None:
    source = tmp_path / "unit.docx"
    source.write_bytes(render(_view(owner="Dana Whitfield", due=date(2024, 3, 31)), "docx"))
    subprocess.run(
        ["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(source)],
        check=True,
        capture_output=True,
        timeout=180,
        env={**os.environ, "HOME": str(tmp_path)},
    )
    text = " ".join(
        " ".join((page.extract_text() or "").split())
        for page in PdfReader(tmp_path / "unit.pdf").pages
    )
    for heading in ("Executive summary", "Findings", "Customer responsibilities", "Appendix"):
        assert heading in text
    assert "Dana Whitfield" in text
