"""The workbook's own columns (owner, due date, priority, scope / notes, evidence needed) reach
every output: JSON, the XLSX gap register, the PDF and the HTML; a past due date is overdue."""

from __future__ import annotations

import io
import json
from datetime import date

import openpyxl
from pypdf import PdfReader
from report_fixtures import make_case

from assessor.domain.models import IntakeResult
from assessor.render import render
from assessor.views.report import ReportView, build_view

DUE = date(2024, 3, 31)  # before the fixture's as-of date (29 November 2026): overdue


def _view(**kw: object) -> ReportView:
    assessment, catalog, intake = make_case(  # type: ignore[arg-type]
        owner="Dana Whitfield", due=DUE, priority="High", **kw
    )
    reqs = tuple(
        r.model_copy(update={"scope_notes": "EU stores only", "evidence_needed": "SoA"})
        for r in intake.requirements
    )
    intake = IntakeResult(**{**intake.model_dump(), "requirements": reqs})
    return build_view(assessment, catalog, intake=intake, tool_version="0.1.0")


def test_finding_views_carry_the_row_columns_and_flag_overdue() -> None:
    view = _view()
    first = view.findings[0].columns
    assert (first.owner, first.due, first.priority) == ("Dana Whitfield", DUE, "High")
    assert first.overdue and first.due_label == "31 March 2024"
    assert (
        first.label
        == "Owner: Dana Whitfield \u00b7 due 31 March 2024 (overdue) \u00b7 priority High"
    )
    assert view.checklist and all(g.ownership.overdue for g in view.checklist)


def test_not_overdue_on_or_before_the_due_date() -> None:
    view = _view(as_of=DUE)
    assert not view.findings[0].columns.overdue
    assert "(overdue)" not in view.findings[0].columns.label


def test_json_has_owner_due_priority_notes_and_evidence_needed() -> None:
    finding = json.loads(render(_view(), "json"))["findings"][0]
    assert finding["owner"] == "Dana Whitfield"
    assert finding["due"] == "2024-03-31"
    assert finding["overdue"] is True
    assert finding["priority"] == "High"
    assert finding["notes"] == "EU stores only"
    assert finding["evidence_needed"] == "SoA"


def test_xlsx_register_has_filterable_owner_and_due_columns() -> None:
    wb = openpyxl.load_workbook(io.BytesIO(render(_view(), "xlsx")))
    ws = wb["Findings"]
    headers = [c.value for c in ws[1]]
    row = {h: c.value for h, c in zip(headers, ws[2], strict=True)}
    assert row["Owner"] == "Dana Whitfield"
    assert row["Due date"].date() == DUE
    assert row["Overdue"] == "overdue"
    assert row["Priority"] == "High"
    assert row["Scope / notes (workbook)"] == "EU stores only"
    assert row["Evidence needed (workbook)"] == "SoA"
    assert ws.auto_filter.ref.endswith(f"{ws.max_row}")  # every column filterable
    duties = wb["Customer duties"]
    assert [c.value for c in duties[1]][2:5] == ["Owner", "Due date", "Overdue"]
    assert duties[2][2].value == "Dana Whitfield"


def test_html_and_pdf_show_owner_and_due_date_beside_the_duties() -> None:
    view = _view()
    html = render(view, "html").decode()
    assert "Owner: Dana Whitfield \u00b7 due 31 March 2024 (overdue)" in html
    text = " ".join(
        page.extract_text() for page in PdfReader(io.BytesIO(render(view, "pdf"))).pages
    )
    flat = " ".join(text.split())
    assert "Owner: Dana Whitfield" in flat
    assert "due 31 March 2024 (overdue)" in flat
