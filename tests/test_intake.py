"""Reading the workbooks people really keep: messy but valid layouts, every row accounted for."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

import pytest
from intake_fixtures import HEADERS, catalog, requirements_xlsx, write_xlsx

from assessor.domain.errors import InputError
from assessor.domain.models import IntakeResult
from assessor.intake import workbook as intake
from assessor.intake.template import TEMPLATE_EXAMPLE_UNIT


def read(path: Path) -> IntakeResult:
    return intake.read_workbook(path, catalog())


def reconciles(result: IntakeResult) -> bool:
    rows = {(q.source.sheet, q.source.row) for q in result.requirements}
    return result.data_rows == len(rows) + len(result.rejected)


def test_template_layout_reads_every_field(tmp_path: Path) -> None:
    path = requirements_xlsx(
        tmp_path / "acme.xlsx",
        [
            [
                "Finance",
                "SOC 2 Type II",
                "2017",
                "Payroll",
                "Report",
                "Ann",
                dt.date(2025, 3, 1),
                "High",
            ]
        ],
    )
    result = read(path)
    (req,) = result.requirements
    assert (req.business_unit, req.text, req.cell_text) == (
        "Finance",
        "SOC 2 Type II",
        "SOC 2 Type II",
    )
    assert (req.version, req.scope_notes, req.evidence_needed) == ("2017", "Payroll", "Report")
    assert (req.owner, req.due_date, req.priority) == ("Ann", dt.date(2025, 3, 1), "High")
    assert str(req.source) == "Requirements!B2" and req.source.file == "acme.xlsx"
    assert [u.name for u in result.units] == ["Finance"]
    assert result.data_rows == 1 and reconciles(result)
    assert len(result.sha256) == 64


def test_header_below_a_title_block_in_other_words_and_order(tmp_path: Path) -> None:
    rows = [
        ["ACME compliance obligations 2025"],
        ["Prepared by the GRC team"],
        [],
        ["Notes", "Standard / Regulation", "Dept.", "Deadline", "Ticket"],
        ["EU staff", "GDPR", "HR", "2025-06-30", "GRC-12"],
    ]
    result = read(write_xlsx(tmp_path / "x.xlsx", {"Obligations": rows}))
    (req,) = result.requirements
    assert (req.business_unit, req.text, req.scope_notes) == ("HR", "GDPR", "EU staff")
    assert req.due_date == dt.date(2025, 6, 30)
    assert req.extra == (("Ticket", "GRC-12"),)
    assert req.source.row == 5 and req.source.column == "B"


def test_multi_framework_cell_gives_one_requirement_per_framework_same_row(tmp_path: Path) -> None:
    path = requirements_xlsx(
        tmp_path / "x.xlsx",
        [
            ["IT", "SOC 1/2/3"],
            ["IT", "ISO 27001, 27017 and 27018"],
            ["HR", "HIPAA / HITRUST"],
            ["Ops", "PCI DSS\nISO 9001"],
            ["Ops", "HIPAA/HITECH"],
        ],
    )
    result = read(path)
    by_row: dict[int, list[str]] = {}
    for req in result.requirements:
        by_row.setdefault(req.source.row, []).append(req.text)
    assert by_row[2] == ["SOC 1", "SOC 2", "SOC 3"]
    assert len(by_row[3]) == 3
    assert by_row[4] == ["HIPAA", "HITRUST"]
    assert by_row[5] == ["PCI DSS", "ISO 9001"]
    assert by_row[6] == ["HIPAA/HITECH"]
    assert {r.cell_text for r in result.requirements if r.source.row == 2} == {"SOC 1/2/3"}
    assert result.data_rows == 5 and reconciles(result)


def test_blank_and_repeated_header_rows_are_skipped(tmp_path: Path) -> None:
    path = requirements_xlsx(
        tmp_path / "x.xlsx",
        [["IT", "ISO 27001"], [], [None, None], HEADERS, ["IT", "SOC 2"]],
    )
    result = read(path)
    assert [r.text for r in result.requirements] == ["ISO 27001", "SOC 2"]
    assert result.data_rows == 2 and not result.rejected
    assert any("repeated header" in w for w in result.warnings)


def test_every_row_is_accounted_for_with_a_reason(tmp_path: Path) -> None:
    path = requirements_xlsx(
        tmp_path / "x.xlsx",
        [
            ["IT", "ISO 27001"],
            ["IT", None, None, "orphan note"],
            ["IT", "iso 27001"],
            ["IT", "N/A"],
            ["HR", "ISO 27001"],
        ],
    )
    result = read(path)
    reasons = {r.row: r.reason for r in result.rejected}
    assert reasons == {
        3: "empty framework cell",
        4: "duplicate of row 2",
        5: "no framework named ('N/A')",
    }
    assert result.data_rows == 5 and reconciles(result)
    assert [r.business_unit for r in result.requirements] == ["IT", "HR"]


def test_merged_business_unit_cell_fills_its_span(tmp_path: Path) -> None:
    path = requirements_xlsx(
        tmp_path / "x.xlsx",
        [["Finance", "ISO 27001"], [None, "SOC 2"], [None, "PCI DSS"], ["HR", "GDPR"]],
        merges={"Requirements": ["A2:A4"]},
    )
    result = read(path)
    assert [(r.business_unit, r.text) for r in result.requirements] == [
        ("Finance", "ISO 27001"),
        ("Finance", "SOC 2"),
        ("Finance", "PCI DSS"),
        ("HR", "GDPR"),
    ]


def test_business_unit_from_sheet_name_then_file_stem(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "Contoso Retail.xlsx",
        {
            "Sheet1": [["Framework"], ["ISO 27001"]],
            "Payments": [["Framework"], ["PCI DSS"]],
        },
    )
    result = read(path)
    assert {(r.business_unit, r.text) for r in result.requirements} == {
        ("Contoso Retail", "ISO 27001"),
        ("Payments", "PCI DSS"),
    }
    assert result.sheets_read == ("Sheet1", "Payments")


def test_hidden_sheet_is_ignored_with_a_warning(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "x.xlsx",
        {"Old": [["Framework"], ["SOC 1"]], "Current": [["Framework"], ["SOC 2"]]},
        hidden=["Old"],
    )
    result = read(path)
    assert [r.text for r in result.requirements] == ["SOC 2"]
    assert "sheet 'Old' is hidden: ignored" in result.warnings


def test_business_units_sheet_gives_owner_auditor_and_period(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "x.xlsx",
        {
            "Requirements": [HEADERS, ["finance", "ISO 27001"], ["Ops", "SOC 2"]],
            "Business units": [
                ["Business unit", "Owner", "Auditor", "Audit period start", "Audit period end"],
                ["Finance", "Ann", "KPMG", dt.date(2024, 1, 1), "2024-06-30"],
                ["Legal", "Bob", None, None, None],
            ],
        },
    )
    result = read(path)
    units = {u.name: u for u in result.units}
    assert set(units) == {"Finance", "Legal", "Ops"}
    fin = units["Finance"]
    assert (fin.owner, fin.auditor) == ("Ann", "KPMG")
    assert (fin.period_start, fin.period_end) == (dt.date(2024, 1, 1), dt.date(2024, 6, 30))
    assert fin.source is not None and str(fin.source) == "Business units!A2"
    # the requirement row's spelling folds into the units sheet's
    assert result.requirements[0].business_unit == "Finance"
    assert "business unit 'Legal' has no requirements" in result.warnings
    assert result.sheets_read == ("Requirements",)


def test_applicability_matrix_units_by_frameworks(tmp_path: Path) -> None:
    rows = [
        ["Business unit", "ISO 27001", "SOC 2", "PCI DSS"],
        ["Finance", "Y", "✓", ""],
        ["HR", "No", "x", "Required"],
        ["Legal", "", "N", "0"],
    ]
    result = read(write_xlsx(tmp_path / "m.xlsx", {"Matrix": rows}))
    assert {(r.business_unit, r.text, str(r.source)) for r in result.requirements} == {
        ("Finance", "ISO 27001", "Matrix!B2"),
        ("Finance", "SOC 2", "Matrix!C2"),
        ("HR", "SOC 2", "Matrix!C3"),
        ("HR", "PCI DSS", "Matrix!D3"),
    }
    assert [(r.row, r.reason) for r in result.rejected] == [(4, "no framework marked as required")]
    assert result.data_rows == 3 and reconciles(result)


def test_applicability_matrix_transposed(tmp_path: Path) -> None:
    rows = [
        ["Framework", "Finance", "HR"],
        ["ISO 27001", "Yes", "TRUE"],
        ["SOC 2", "1", "no"],
        ["GDPR", "", ""],
    ]
    result = read(write_xlsx(tmp_path / "t.xlsx", {"Applicability": rows}))
    assert {(r.business_unit, r.text) for r in result.requirements} == {
        ("Finance", "ISO 27001"),
        ("HR", "ISO 27001"),
        ("Finance", "SOC 2"),
    }
    assert [(r.row, r.reason) for r in result.rejected] == [
        (4, "no business unit marked as required")
    ]
    assert reconciles(result)


def test_formula_without_cached_value_in_framework_cell_is_rejected_with_location(
    tmp_path: Path,
) -> None:
    path = requirements_xlsx(
        tmp_path / "f.xlsx", [["IT", '=CONCAT("ISO ","27001")'], ["IT", "SOC 2", "=1+1"]]
    )
    result = read(path)
    assert [r.text for r in result.requirements] == ["SOC 2"]
    (rej,) = result.rejected
    assert rej.row == 2 and "formula in B2 has no calculated value" in rej.reason
    assert "Requirements!C3: formula without a calculated value; read as empty" in result.warnings


def test_dates_in_every_excel_form(tmp_path: Path) -> None:
    path = requirements_xlsx(
        tmp_path / "d.xlsx",
        [
            ["A", "ISO 27001", None, None, None, None, dt.datetime(2025, 1, 5, 0, 0)],
            ["A", "SOC 2", None, None, None, None, 45662],  # a serial in a General cell
            ["A", "PCI DSS", None, None, None, None, "2025-01-05"],
            ["A", "GDPR", None, None, None, None, "13/01/2025"],
            ["A", "HIPAA", None, None, None, None, "Jan 5, 2025"],
            ["A", "ISO 9001", None, None, None, None, "TBD"],
        ],
    )
    result = read(path)
    dues = {r.text: r.due_date for r in result.requirements}
    assert dues["ISO 27001"] == dt.date(2025, 1, 5)
    assert dues["SOC 2"] == dt.date(2025, 1, 5)
    assert dues["PCI DSS"] == dt.date(2025, 1, 5)
    assert dues["GDPR"] == dt.date(2025, 1, 13)
    assert dues["HIPAA"] == dt.date(2025, 1, 5)
    assert dues["ISO 9001"] is None
    assert any(w.startswith("Requirements!G7: not a date: 'TBD'") for w in result.warnings)


def test_serial_dates_follow_the_1904_epoch(tmp_path: Path) -> None:
    path = requirements_xlsx(
        tmp_path / "mac.xlsx",
        [["A", "ISO 27001", None, None, None, None, 1]],
        date1904=True,
    )
    assert read(path).requirements[0].due_date == dt.date(1904, 1, 2)


def test_ambiguous_day_month_text_is_refused_naming_the_cell(tmp_path: Path) -> None:
    path = requirements_xlsx(
        tmp_path / "amb.xlsx", [["A", "ISO 27001", None, None, None, None, "03/04/2025"]]
    )
    with pytest.raises(InputError) as err:
        read(path)
    assert err.value.message == (
        "amb.xlsx: Requirements!G2: Due date: ambiguous date '03/04/2025': day/month or "
        "month/day? write it as YYYY-MM-DD or use a date cell"
    )


def test_text_is_normalized(tmp_path: Path) -> None:
    path = requirements_xlsx(
        tmp_path / "t.xlsx",
        [["  Fin\u00a0ance ", "ISO\u200b 27001", None, "\u201cAll\u201d  sites"]],
    )
    (req,) = read(path).requirements
    assert (req.business_unit, req.text, req.scope_notes) == (
        "Fin ance",
        "ISO 27001",
        '"All" sites',
    )


def test_control_characters_are_cleaned_and_reported(tmp_path: Path) -> None:
    # openpyxl refuses to write control characters, so patch them into the sheet XML.
    path = requirements_xlsx(tmp_path / "c.xlsx", [["IT", "ISO 27001", None, "aXb"]])
    data = io.BytesIO()
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(data, "w") as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                body = body.replace(b"aXb", b"a&#27;b")
            dst.writestr(info.filename, body)
    path.write_bytes(data.getvalue())
    result = read(path)
    assert result.requirements[0].scope_notes == "ab"
    assert "Requirements!D2: control characters removed" in result.warnings


def test_template_example_row_never_becomes_a_requirement(tmp_path: Path) -> None:
    path = requirements_xlsx(
        tmp_path / "x.xlsx", [[TEMPLATE_EXAMPLE_UNIT, "ISO 27001"], ["IT", "SOC 2"]]
    )
    result = read(path)
    assert [r.text for r in result.requirements] == ["SOC 2"]
    assert result.rejected[0].reason == "the template's example row (delete it)"
    assert all(u.name != TEMPLATE_EXAMPLE_UNIT for u in result.units)


def test_xlsm_is_read_and_its_macros_are_never_run(tmp_path: Path) -> None:
    path = requirements_xlsx(tmp_path / "m.xlsx", [["IT", "ISO 27001"]])
    data = io.BytesIO()
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(data, "w") as dst:
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info.filename))
        dst.writestr("xl/vbaProject.bin", b"\x00VBA-PROJECT-CANARY")
    macro = tmp_path / "m.xlsm"
    macro.write_bytes(data.getvalue())
    result = read(macro)
    assert [r.text for r in result.requirements] == ["ISO 27001"]
    assert any("macros are present; they were not run" in w for w in result.warnings)
    assert "VBA-PROJECT-CANARY" not in result.model_dump_json()


def test_display_name_is_used_for_every_location(tmp_path: Path) -> None:
    path = requirements_xlsx(tmp_path / "upload-1234.xlsx", [["IT", "ISO 27001"]])
    result = intake.read_workbook(path, catalog(), display_name="Contoso.xlsx")
    assert result.file == "Contoso.xlsx" and result.requirements[0].source.file == "Contoso.xlsx"
    assert result.path == str(path)


def test_business_unit_left_empty_in_a_unit_column_uses_the_default_with_warning(
    tmp_path: Path,
) -> None:
    path = requirements_xlsx(tmp_path / "Globex.xlsx", [[None, "ISO 27001"]])
    result = read(path)
    assert result.requirements[0].business_unit == "Globex"
    assert any("business unit empty" in w for w in result.warnings)


def test_extent_declared_far_beyond_the_data_is_read_fast(tmp_path: Path) -> None:
    path = requirements_xlsx(tmp_path / "dim.xlsx", [["IT", "ISO 27001"]])
    data = io.BytesIO()
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(data, "w") as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                body = body.replace(b'<dimension ref="A1:I2"', b'<dimension ref="A1:XFD1048576"')
                assert b"XFD1048576" in body
            dst.writestr(info.filename, body)
    path.write_bytes(data.getvalue())
    result = read(path)
    assert [r.text for r in result.requirements] == ["ISO 27001"] and result.data_rows == 1


def test_applicability_matrix_with_a_blank_corner(tmp_path: Path) -> None:
    rows = [["", "HIPAA", "SOC 2"], ["Clinic", "✔", ""], ["Billing", "", "Y"]]
    result = read(write_xlsx(tmp_path / "corner.xlsx", {"Applicability": rows}))
    assert {(r.business_unit, r.text) for r in result.requirements} == {
        ("Clinic", "HIPAA"),
        ("Billing", "SOC 2"),
    }


def test_chart_sheet_is_skipped(tmp_path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.chart import BarChart, Reference

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Requirements"
    for row in (["Framework", "Score"], ["ISO 27001", 3], ["SOC 2", 4]):
        ws.append(row)
    chart = BarChart()
    chart.add_data(Reference(ws, min_col=2, min_row=1, max_row=3))
    wb.create_chartsheet("Chart").add_chart(chart)
    wb.save(tmp_path / "chart.xlsx")
    result = read(tmp_path / "chart.xlsx")
    assert [r.text for r in result.requirements] == ["ISO 27001", "SOC 2"]
    assert result.warnings == () and result.sheets_read == ("Requirements",)


def test_huge_and_overlapping_merged_ranges_cost_nothing(tmp_path: Path) -> None:
    path = requirements_xlsx(tmp_path / "m.xlsx", [["Finance", "ISO 27001"], [None, "SOC 2"]])
    merges = (
        b'<mergeCells count="20001"><mergeCell ref="A2:A1048576"/>'
        + b"".join(b'<mergeCell ref="C%d:C1048576"/>' % i for i in range(2, 20002))
        + b"</mergeCells>"
    )
    data = io.BytesIO()
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(data, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                body = body.replace(b"</sheetData>", b"</sheetData>" + merges)
            dst.writestr(info.filename, body)
    path.write_bytes(data.getvalue())
    result = read(path)
    assert [(r.business_unit, r.text) for r in result.requirements] == [
        ("Finance", "ISO 27001"),
        ("Finance", "SOC 2"),
    ]


def test_each_requirement_carries_the_match_its_part_was_recognized_as(tmp_path: Path) -> None:
    """Recognition runs once per cell: the intake's Match is the one the engine would read."""
    from assessor.recognize.match import match_text

    path = requirements_xlsx(
        tmp_path / "x.xlsx",
        [
            ["IT", "SOC 1/2/3"],
            ["IT", "ISO 27001, 27017 and 27018"],
            ["HR", "HIPAA / HITRUST"],
            ["Ops", "no PCI DSS (tbc)"],
            ["Ops", "HIPPAA"],
            ["Ops", "Contoso internal baseline"],
        ],
    )
    matrix = write_xlsx(
        tmp_path / "m.xlsx",
        {"Matrix": [["Business unit", "ISO 27001", "SOC 2"], ["Finance", "Y", "Y"]]},
    )
    reqs = [*read(path).requirements, *read(matrix).requirements]
    assert len(reqs) == 13
    for req in reqs:
        assert req.match is not None
        assert req.match == match_text(req.text, catalog()), req.text


def test_an_evidence_owner_column_is_the_owner_not_the_evidence_needed(tmp_path: Path) -> None:
    """'Evidence owner' names a person: it must land in owner, never in evidence needed."""
    path = write_xlsx(
        tmp_path / "owners.xlsx",
        {
            "Register": [
                ["Business Area", "Standard / Regulation", "Evidence owner", "Evidence required"],
                ["Health", "SOC 2", "Privacy officer", "SOC 2 Type 2 report"],
            ]
        },
    )
    (req,) = intake.read_workbook(path, catalog()).requirements
    assert req.owner == "Privacy officer"
    assert req.evidence_needed == "SOC 2 Type 2 report"
