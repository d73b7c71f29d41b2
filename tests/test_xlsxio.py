"""xlsxio write helpers: user text never becomes a formula; same input gives the same bytes."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
import zipfile
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assessor.render import xlsxio

PAYLOADS = [
    "=1+1",
    '=1+2";=1+2',
    "=cmd|' /C calc'!A0",
    '=HYPERLINK("http://evil.example","click")',
    "+1+1",
    "-1+1",
    "@SUM(A1:A2)",
    "\t=1+1",
    "\r=1+1",
    "\n=1+1",
]


def _roundtrip(rows: list[list[xlsxio.CellValue]], headers: list[str] | None = None) -> bytes:
    wb = xlsxio.new_workbook()
    xlsxio.write_table(wb, "Data", headers or ["A", "B"], rows)
    return xlsxio.workbook_bytes(wb)


def _all_cells(data: bytes) -> list[openpyxl.cell.cell.Cell]:
    wb = openpyxl.load_workbook(io.BytesIO(data), data_only=False)
    return [cell for ws in wb.worksheets for row in ws.iter_rows() for cell in row]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_formula_payload_is_written_as_quoted_text(payload: str) -> None:
    data = _roundtrip([[payload, "x"]])
    wb = openpyxl.load_workbook(io.BytesIO(data), data_only=False)
    cell = wb["Data"]["A2"]
    assert cell.data_type == "s"
    assert cell.value == payload.replace("\r", "\n") or cell.value == payload
    assert cell.quotePrefix is True
    assert all(c.data_type != "f" for c in _all_cells(data))


def test_formula_payload_leaves_no_f_element_in_sheet_xml() -> None:
    data = _roundtrip([[p, p] for p in PAYLOADS])
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        sheet_xml = zf.read("xl/worksheets/sheet1.xml")
    assert b"<f>" not in sheet_xml and b"<f " not in sheet_xml


def test_plain_text_has_no_quote_prefix() -> None:
    data = _roundtrip([["ISO 27001", "SOC 2"]])
    cell = openpyxl.load_workbook(io.BytesIO(data))["Data"]["A2"]
    assert cell.value == "ISO 27001" and cell.quotePrefix is False


def test_control_characters_are_stripped_not_crashing() -> None:
    data = _roundtrip([["a\x00b", "a\x1bb\x0c"]])
    ws = openpyxl.load_workbook(io.BytesIO(data))["Data"]
    assert (ws["A2"].value, ws["B2"].value) == ("ab", "ab")


def test_dates_are_real_dates_with_a_date_format() -> None:
    data = _roundtrip([[date(2024, 7, 31), datetime(2024, 1, 5, 13, 30)]])
    ws = openpyxl.load_workbook(io.BytesIO(data))["Data"]
    assert ws["A2"].is_date and ws["A2"].value == datetime(2024, 7, 31)
    assert ws["A2"].number_format == "yyyy-mm-dd"
    assert ws["B2"].is_date and ws["B2"].value == datetime(2024, 1, 5, 13, 30)


def test_numbers_none_and_non_finite_floats() -> None:
    data = _roundtrip([[3, 2.5], [None, float("nan")]])
    ws = openpyxl.load_workbook(io.BytesIO(data))["Data"]
    assert ws["A2"].value == 3 and ws["B2"].value == 2.5
    assert ws["A3"].value is None and ws["B3"].value == "nan"


def test_header_frozen_filtered_and_widths_set() -> None:
    wb = xlsxio.new_workbook()
    xlsxio.write_table(wb, "T", ["H1", "H2"], [["a", "b"]], widths=[30, 12])
    ws = openpyxl.load_workbook(io.BytesIO(xlsxio.workbook_bytes(wb)))["T"]
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:B2"
    assert ws.column_dimensions["A"].width == 30
    assert ws["A1"].font.b is True


def test_overlong_and_illegal_sheet_titles_are_made_legal_and_unique() -> None:
    wb = xlsxio.new_workbook()
    xlsxio.write_table(wb, "Fin/Ops: [EMEA]?" + "x" * 40, ["H"], [])
    xlsxio.write_table(wb, "Fin/Ops: [EMEA]?" + "x" * 40, ["H"], [])
    names = openpyxl.load_workbook(io.BytesIO(xlsxio.workbook_bytes(wb))).sheetnames
    assert len(names) == 2 and len(set(names)) == 2
    assert all(len(n) <= 31 and not set(n) & set("[]:*?/\\") for n in names)


def test_overlong_cell_text_is_truncated_with_a_marker() -> None:
    data = _roundtrip([["y" * 40000, None]])
    value = openpyxl.load_workbook(io.BytesIO(data))["Data"]["A2"].value
    assert len(value) == 32767 and value.endswith("truncated]")


def test_same_input_gives_same_bytes() -> None:
    rows: list[list[xlsxio.CellValue]] = [["=1", date(2024, 1, 1)], ["b", 2]]
    assert _roundtrip(rows) == _roundtrip(rows)


def test_core_properties_are_fixed() -> None:
    wb = openpyxl.load_workbook(io.BytesIO(_roundtrip([["a", "b"]])))
    assert wb.properties.created == xlsxio.FIXED_TIMESTAMP
    assert wb.properties.modified == xlsxio.FIXED_TIMESTAMP


_SCRIPT = """
import hashlib, sys
from datetime import date
from assessor.render import xlsxio
wb = xlsxio.new_workbook()
xlsxio.write_table(wb, "A", ["x", "y", "z"], [["=1", date(2024, 1, 1), 3.5], ["b", None, 2]])
xlsxio.write_table(wb, "B", ["h"], [["\\u00e9t\\u00e9"]], widths=[20])
sys.stdout.write(hashlib.sha256(xlsxio.workbook_bytes(wb)).hexdigest())
"""


def test_same_bytes_across_processes_and_hash_seeds(tmp_path: Path) -> None:
    digests = set()
    for i, seed in enumerate(("0", "1", "12345")):
        if i:
            time.sleep(1.1)  # a later second: zip entry times must not follow the clock
        env = {**os.environ, "PYTHONHASHSEED": seed}
        out = subprocess.run(
            [sys.executable, "-c", _SCRIPT], env=env, capture_output=True, text=True, check=True
        )
        digests.add(out.stdout)
    assert len(digests) == 1


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(max_size=40), min_size=1, max_size=6))
def test_any_text_round_trips_as_text_never_formula(values: list[str]) -> None:
    data = _roundtrip([[v] for v in values], headers=["H"])
    cells = _all_cells(data)
    assert all(c.data_type != "f" for c in cells)
    ws = openpyxl.load_workbook(io.BytesIO(data))["Data"]
    for i, value in enumerate(values, start=2):
        expected = xlsxio.safe_text(value)
        got = ws.cell(row=i, column=1).value
        # Excel/openpyxl normalise CR to LF in shared strings; empty text reads back as None.
        assert (got or "") == expected.replace("\r\n", "\n").replace("\r", "\n") or (
            got or ""
        ) == expected
