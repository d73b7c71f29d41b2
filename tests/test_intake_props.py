"""Hypothesis properties of intake: our own error or a result, and layout invariances."""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from pathlib import Path

import openpyxl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from intake_fixtures import HEADERS, catalog

from assessor.domain.errors import InputError
from assessor.domain.models import IntakeResult
from assessor.intake import workbook as intake
from assessor.render import xlsxio

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

_cell = st.one_of(
    st.none(),
    st.text(max_size=25),
    st.sampled_from(["ISO 27001", "SOC 1/2/3", "N/A", "", "  ", "Y", "=1+1", "03/04/2025"]),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(9999, 12, 31)),
)
_header = st.one_of(
    st.sampled_from([*HEADERS, "Standard", "Dept", "Notes", "", "X"]), st.text(max_size=12)
)


def _write(path: Path, rows: list[list[object]], *, formulas: bool = False) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Requirements"
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row, start=1):
            cell = ws.cell(row=r, column=c)
            if isinstance(value, str) and formulas and value.startswith("="):
                cell.value = xlsxio.safe_text(value)  # a formula with no cached value
            elif isinstance(value, str):
                xlsxio.set_text(cell, value)
            elif isinstance(value, float) and value != value:
                continue
            elif value is not None:
                cell.value = value
    wb.save(path)
    return path


def _read(rows: list[list[object]], *, formulas: bool = False) -> IntakeResult:
    with tempfile.TemporaryDirectory() as tmp:
        path = _write(Path(tmp) / "p.xlsx", rows, formulas=formulas)
        return intake.read_workbook(path, catalog())


def _outcome(rows: list[list[object]]) -> tuple[object, ...]:
    """What reading says, without where it came from (row and column may move)."""
    try:
        result = _read(rows)
    except InputError as err:
        return ("refused", err.message.split(": ", 1)[1].split(" (")[0])
    return (
        result.data_rows,
        _content(result),
        [re.sub(r"\d+", "N", r.reason) for r in result.rejected],
    )


def _content(result: IntakeResult) -> list[tuple[object, ...]]:
    """What a result says, without where it came from (row and column may move)."""
    return [
        (r.business_unit, r.text, r.version, r.scope_notes, r.owner, r.due_date, r.priority)
        for r in result.requirements
    ]


@SETTINGS
@given(
    st.lists(_header, min_size=1, max_size=6),
    st.lists(st.lists(_cell, max_size=6), max_size=8),
)
def test_any_cell_contents_give_a_result_or_our_error(
    header: list[str], body: list[list[object]]
) -> None:
    try:
        result = _read([header, *body], formulas=True)
    except InputError as err:
        assert err.message and "\n" not in err.message
        return
    rows = {(q.source.sheet, q.source.row) for q in result.requirements}
    assert result.data_rows == len(rows) + len(result.rejected)


_rows = st.lists(
    st.tuples(
        st.sampled_from(["Finance", "HR", "Ops", ""]),
        st.sampled_from(["ISO 27001", "SOC 2", "PCI DSS; GDPR", "", "HIPAA / HITRUST"]),
        st.sampled_from(["", "2022", "v3"]),
        st.text(max_size=10),
        st.sampled_from(["", "Ann", "Bob"]),
        st.none() | st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2040, 1, 1)),
        st.sampled_from(["", "High", "Low"]),
    ),
    min_size=1,
    max_size=8,
)
_FIELDS = [
    "Business unit",
    "Framework",
    "Version",
    "Scope / notes",
    "Owner",
    "Due date",
    "Priority",
]


@SETTINGS
@given(
    _rows,
    st.permutations(range(7)),
    st.lists(st.sampled_from(["upper", "lower", "pad", "title"]), min_size=7, max_size=7),
)
def test_header_order_case_and_whitespace_do_not_change_the_result(
    rows: list[tuple[object, ...]], order: list[int], styles: list[str]
) -> None:
    def style(text: str, how: str) -> str:
        return {
            "upper": text.upper(),
            "lower": text.lower(),
            "pad": f"  {text}\u00a0 ",
            "title": text.title(),
        }[how]

    baseline = _outcome([_FIELDS, *[list(r) for r in rows]])
    header = [style(_FIELDS[i], styles[i]) for i in order]
    shuffled = [header, *[[r[i] for i in order] for r in rows]]
    assert _outcome(shuffled) == baseline


@SETTINGS
@given(_rows, st.lists(st.integers(min_value=0, max_value=8), max_size=5))
def test_blank_rows_do_not_change_the_result(
    rows: list[tuple[object, ...]], blanks_at: list[int]
) -> None:
    baseline = _outcome([_FIELDS, *[list(r) for r in rows]])
    body: list[list[object]] = [list(r) for r in rows]
    for at in sorted(blanks_at, reverse=True):
        body.insert(min(at, len(body)), [None] * 7)
    assert _outcome([_FIELDS, *body]) == baseline


def _seed_workbook() -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        rows: list[list[object]] = [_FIELDS, ["Finance", "ISO 27001", "2022", "x", "Ann", None, ""]]
        return _write(Path(tmp) / "seed.xlsx", rows).read_bytes()


_SEED = _seed_workbook()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(st.integers(min_value=0, max_value=len(_SEED) - 1), st.integers(0, 255)),
        min_size=1,
        max_size=8,
    ),
    st.none() | st.integers(min_value=0, max_value=len(_SEED)),
)
def test_mutated_workbook_bytes_give_a_result_or_our_error(
    flips: list[tuple[int, int]], cut: int | None
) -> None:
    data = bytearray(_SEED)
    for at, value in flips:
        data[at] = value
    if cut is not None:
        data = data[:cut]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "m.xlsx"
        path.write_bytes(bytes(data))
        try:
            intake.read_workbook(path, catalog())
        except InputError as err:
            assert err.message.startswith("m.xlsx: ")


def _fast_chunk_ok_by_counting(chunk: bytes) -> bool:
    """The pre-check's former rule (ten counts), kept as the reference for the regex version."""
    if b":c" in chunk and re.search(rb"<[A-Za-z_][\w.-]*:c[\s/>]", chunk):
        return False
    cells = chunk.count(b"<c") - chunk.count(b"<co") - chunk.count(b"<ch")
    plain = chunk.count(b'<c r="')
    if cells != plain:
        return False
    if chunk.count(b" r=") != plain + chunk.count(b'<row r="'):
        return False
    return not any(sep in chunk for sep in (b"\tr=", b"\nr=", b"\rr=", b":r="))


_xml_piece = st.sampled_from(
    [
        b'<row r="1">',
        b"<row>",
        b"<row r=1>",
        b'<c r="A1">',
        b'<c r="A1" t="s">',
        b"<c>",
        b"<c  r=",
        b'<c r="B2" r="C3">',
        b' r="',
        b"\tr=",
        b"\nr=",
        b"\rr=",
        b":r=",
        b"<x:c ",
        b":c",
        b"<color/>",
        b"<charset/>",
        b"<v>1</v>",
        b"</c>",
        b"</row>",
        b"<is><r><rPr/></r></is>",
        b'<row r="2" r="3">',
        b"r=",
        b"<c",
        b" ",
        b'"',
    ]
)


@settings(max_examples=400, deadline=None)
@given(st.lists(_xml_piece, max_size=12))
def test_fast_extent_path_accepts_exactly_what_the_counting_rule_accepted(
    pieces: list[bytes],
) -> None:
    from assessor.intake import extent

    chunk = b"".join(pieces)
    assert extent._fast_chunk_ok(chunk) == _fast_chunk_ok_by_counting(chunk)


def test_requirements_read_from_a_workbook_round_trip_through_validation(tmp_path: Path) -> None:
    rows: list[list[object]] = [
        list(HEADERS),
        ["Retail", "SOC 1/2/3", "2022", "Stores", "Report", "Ana", dt.date(2025, 3, 1), "High"],
        ["Retail", "ISO 27001", None, None, None, None, None, None],
    ]
    result = intake.read_workbook(_write(tmp_path / "t.xlsx", rows), catalog())
    assert len(result.requirements) == 4
    for req in result.requirements:
        again = type(req).model_validate(req.model_dump())
        assert again == req and hash(again) == hash(req)
        assert again.model_dump_json() == req.model_dump_json()
        assert again.source.model_fields_set == req.source.model_fields_set
        assert req.model_fields_set == set(type(req).model_fields)
        assert list(req.__dict__) == list(type(req).model_fields)
        assert type(req.source.row) is int and type(req.text) is str
