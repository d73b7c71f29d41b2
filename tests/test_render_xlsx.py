"""XLSX renderer: a filterable gap register with no formula cells."""

from __future__ import annotations

import io

import openpyxl
from report_fixtures import HOSTILE, make_case

from assessor.render import render
from assessor.render.xlsx import FINDING_HEADERS
from assessor.views.report import build_view


def _book(**kw: object) -> openpyxl.Workbook:
    assessment, catalog, intake = make_case(**kw)  # type: ignore[arg-type]
    view = build_view(assessment, catalog, intake=intake, tool_version="0.1.0")
    return openpyxl.load_workbook(io.BytesIO(render(view, "xlsx")))


def test_register_has_summary_first_and_one_row_per_finding() -> None:
    wb = _book()
    assert wb.sheetnames == [
        "Summary",
        "Findings",
        "Evidence",
        "Services",
        "Customer duties",
        "Rejected rows",
    ]
    ws = wb["Findings"]
    assert tuple(c.value for c in ws[1]) == FINDING_HEADERS
    assert ws.max_row == 16
    last = openpyxl.utils.get_column_letter(len(FINDING_HEADERS))
    assert ws.auto_filter.ref == f"A1:{last}{ws.max_row}"
    assert ws.freeze_panes == "A2"
    shared = [r[FINDING_HEADERS.index("Shared")].value for r in ws.iter_rows(min_row=2)]
    statuses = {r[FINDING_HEADERS.index("Status")].value for r in ws.iter_rows(min_row=2)}
    assert "SHARED" in shared
    assert statuses == {"Covered", "Partial", "Gap", "Not recognized"}
    summary = {r[0].value: r[1].value for r in wb["Summary"].iter_rows(min_row=2)}
    assert summary["Business unit"] == "Retail Banking"
    assert summary["Status: Covered"] == 7


def test_hostile_strings_never_become_formula_cells() -> None:
    payloads = [p.replace("{port}", "1") for p in HOSTILE]
    rows = tuple((p, None) for p in payloads)
    wb = _book(rows=rows, n=len(rows), organization="=1+1", unit="@SUM(A1)", owner="-2")
    seen = set()
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    seen.add(cell.value)
    assert "=1+1" in seen and "@SUM(A1)" in seen
    assert any(v.startswith("=HYPERLINK(") for v in seen)


def test_xlsx_bytes_identical_for_identical_inputs() -> None:
    assessment, catalog, intake = make_case()
    view = build_view(assessment, catalog, intake=intake, tool_version="x")
    assert render(view, "xlsx") == render(view, "xlsx")
