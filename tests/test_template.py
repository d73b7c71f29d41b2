"""The intake template: what it holds, that it is deterministic, that a filled copy reads back."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from intake_fixtures import catalog
from typer.testing import CliRunner

from assessor.app.cli import app
from assessor.domain.errors import OutputError
from assessor.domain.text import normalize_text
from assessor.intake import workbook as intake
from assessor.intake.template import TEMPLATE_EXAMPLE_UNIT
from assessor.render import blank_workbook as template
from assessor.render import xlsxio
from assessor.run import files


def load_template() -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(template.template_bytes(catalog())))


def test_template_sheets_headers_and_hidden_list() -> None:
    wb = load_template()
    assert wb.sheetnames == [
        "Instructions",
        "Requirements",
        "Business units",
        "Evidence on file",
        "Framework list",
    ]
    assert wb["Framework list"].sheet_state == "hidden"
    req = wb["Requirements"]
    assert [c.value for c in req[1]] == list(template.REQUIREMENT_HEADERS)
    assert req.freeze_panes == "A2"
    assert [c.value for c in wb["Business units"][1]] == list(template.UNIT_HEADERS)
    names = [r[0] for r in wb["Framework list"].iter_rows(min_row=2, values_only=True)]
    assert names == sorted(names, key=str.casefold) and "ISO/IEC 27001" in " ".join(names)
    assert len(names) == len({fw.name for fw in catalog().frameworks})


def test_framework_dropdown_allows_free_text_and_due_date_is_validated() -> None:
    req = load_template()["Requirements"]
    by_type = {dv.type: dv for dv in req.data_validations.dataValidation}
    dropdown = by_type["list"]
    assert dropdown.formula1.startswith("'Framework list'!$A$2:$A$")
    assert str(dropdown.sqref) == "B2:B1000"
    assert not dropdown.showErrorMessage  # free text still allowed
    assert str(by_type["date"].sqref) == "G2:G1000"


def test_example_row_is_present_and_read_as_rejected(tmp_path: Path) -> None:
    wb = load_template()
    assert wb["Requirements"]["A2"].value == TEMPLATE_EXAMPLE_UNIT
    path = tmp_path / "blank.xlsx"
    path.write_bytes(template.template_bytes(catalog()))
    result = intake.read_workbook(path, catalog())
    assert result.requirements == () and result.data_rows == 1
    assert result.rejected[0].reason == "the template's example row (delete it)"
    assert result.warnings == ()  # the hidden list sheet is the template's own: no warning


def test_template_bytes_are_deterministic() -> None:
    assert template.template_bytes(catalog()) == template.template_bytes(catalog())


def test_write_template_refuses_to_overwrite(tmp_path: Path) -> None:
    out = tmp_path / "intake.xlsx"
    files.write_template(out, catalog(), overwrite=False)
    first = out.read_bytes()
    out.write_bytes(b"user's own file")
    with pytest.raises(OutputError) as err:
        files.write_template(out, catalog(), overwrite=False)
    assert err.value.exit_code == 2 and "already exists" in err.value.message
    assert out.read_bytes() == b"user's own file"
    files.write_template(out, catalog(), overwrite=True)
    assert out.read_bytes() == first


def test_cli_template_exit_codes(tmp_path: Path) -> None:
    out = tmp_path / "t.xlsx"
    runner = CliRunner()
    assert runner.invoke(app, ["template", str(out)]).exit_code == 0
    again = runner.invoke(app, ["template", str(out)])
    assert again.exit_code == 2 and "already exists" in again.output
    assert runner.invoke(app, ["template", str(out), "--overwrite"]).exit_code == 0


def fill(rows: list[list[object]], units: list[list[object]]) -> bytes:
    """A filled template: example row replaced by `rows`, units listed; text written as text."""
    wb = load_template()
    req, bus = wb["Requirements"], wb["Business units"]
    req.delete_rows(2)
    for sheet, data in ((req, rows), (bus, units)):
        for r, row in enumerate(data, start=2):
            for c, value in enumerate(row, start=1):
                cell = sheet.cell(row=r, column=c)
                if isinstance(value, str):
                    xlsxio.set_text(cell, value)
                elif value is not None:
                    cell.value = value
    return xlsxio.workbook_bytes(wb)


def test_filled_template_reads_back_exactly(tmp_path: Path) -> None:
    rows: list[list[object]] = [
        [
            "Finance",
            "SOC 2 Type II",
            "2017",
            "Payroll",
            "SOC 2 report",
            "Ann",
            dt.date(2025, 5, 1),
            "High",
        ],
        ["Finance", "ISO/IEC 27001:2022", None, None, None, None, None, None],
        ["Clinic", "HIPAA / HITRUST", None, "=not a formula", None, "Bob", None, "Low"],
    ]
    units: list[list[object]] = [
        ["Finance", "Ann", "KPMG", dt.date(2024, 1, 1), dt.date(2024, 12, 31)],
        ["Clinic", "Bob", None, dt.date(2024, 7, 1), None],
    ]
    path = tmp_path / "filled.xlsx"
    path.write_bytes(fill(rows, units))
    result = intake.read_workbook(path, catalog())
    got = [
        (
            r.source.row,
            r.business_unit,
            r.text,
            r.version,
            r.scope_notes,
            r.evidence_needed,
            r.owner,
            r.due_date,
            r.priority,
        )
        for r in result.requirements
    ]
    assert got == [
        (
            2,
            "Finance",
            "SOC 2 Type II",
            "2017",
            "Payroll",
            "SOC 2 report",
            "Ann",
            dt.date(2025, 5, 1),
            "High",
        ),
        (3, "Finance", "ISO/IEC 27001:2022", None, None, None, None, None, None),
        (4, "Clinic", "HIPAA", None, "=not a formula", None, "Bob", None, "Low"),
        (4, "Clinic", "HITRUST", None, "=not a formula", None, "Bob", None, "Low"),
    ]
    units_got = {u.name: (u.owner, u.auditor, u.period_start, u.period_end) for u in result.units}
    assert units_got == {
        "Finance": ("Ann", "KPMG", dt.date(2024, 1, 1), dt.date(2024, 12, 31)),
        "Clinic": ("Bob", None, dt.date(2024, 7, 1), None),
    }
    assert result.rejected == () and result.warnings == () and result.data_rows == 3


_names = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=30
)
_frameworks = st.sampled_from(["ISO 27001", "SOC 2", "PCI DSS", "GDPR", "HIPAA", "ISO 9001"])
_units = st.from_regex(r"[A-Z][a-z]{2,10}( [A-Z][a-z]{2,8})?", fullmatch=True)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(
            _units,
            _frameworks,
            _names,
            _names,
            _names,
            _names,
            st.none() | st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2100, 1, 1)),
            _names,
        ),
        min_size=1,
        max_size=6,
        unique_by=lambda t: (t[0].casefold(), t[1]),
    )
)
def test_template_write_then_read_is_the_identity(rows: list[tuple[object, ...]]) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "p.xlsx"
        path.write_bytes(fill([list(r) for r in rows], []))
        result = intake.read_workbook(path, catalog())

    def clean(value: object) -> str | None:
        return normalize_text(xlsxio.safe_text(str(value))) or None

    expected = [
        (u, f, clean(v), clean(s), clean(e), clean(o), d, clean(p))
        for u, f, v, s, e, o, d, p in rows
    ]
    got = [
        (
            r.business_unit,
            r.text,
            r.version,
            r.scope_notes,
            r.evidence_needed,
            r.owner,
            r.due_date,
            r.priority,
        )
        for r in result.requirements
    ]
    assert got == expected
