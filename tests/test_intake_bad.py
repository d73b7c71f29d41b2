"""Bad input: one clear line naming the file (and place), InputError (exit 2), fast, no crash."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from intake_fixtures import (
    BILLION_LAUGHS,
    HEADERS,
    PLAIN_ROW,
    XXE,
    catalog,
    cfb_bytes,
    lying_size_xlsx,
    raw_xlsx,
    requirements_xlsx,
    sheet_xml,
    sst_xml,
    write_xlsx,
    zip_bomb_xlsx,
)

from assessor.domain.errors import InputError
from assessor.intake import workbook as intake
from assessor.intake.limits import Limits


def refuse(tmp_path: Path, data: bytes, name: str = "bad.xlsx") -> InputError:
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(InputError) as err:
        intake.read_workbook(path, catalog())
    assert err.value.exit_code == 2
    assert err.value.message.startswith(f"{name}: ")
    assert "\n" not in err.value.message
    return err.value


def test_empty_file(tmp_path: Path) -> None:
    assert "empty (0 bytes)" in refuse(tmp_path, b"").message


def test_csv_renamed_to_xlsx(tmp_path: Path) -> None:
    err = refuse(tmp_path, b"Framework,Business unit\nISO 27001,IT\n")
    assert "not a zip archive" in err.message and "text (CSV?)" in err.message


def test_truncated_workbook(tmp_path: Path) -> None:
    whole = raw_xlsx()
    err = refuse(tmp_path, whole[: len(whole) // 2])
    assert "truncated or corrupt" in err.message


def test_legacy_xls_is_named_as_such(tmp_path: Path) -> None:
    err = refuse(tmp_path, cfb_bytes(encrypted=False), "old_format.xls")
    assert "legacy Excel 97-2003 .xls" in err.message
    assert err.hint is not None and "save as" in err.hint


def test_encrypted_workbook_is_told_apart_from_legacy_xls(tmp_path: Path) -> None:
    err = refuse(tmp_path, cfb_bytes(encrypted=True), "encrypted.xlsx")
    assert "password-protected (encrypted)" in err.message


def test_zip_that_is_not_a_workbook(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("readme.txt", "hello")
    err = refuse(tmp_path, buffer.getvalue(), "zip_not_ooxml.xlsx")
    assert "not an Excel workbook" in err.message


def test_word_document_renamed(tmp_path: Path) -> None:
    data = raw_xlsx(drop=["xl/workbook.xml"], extra={"word/document.xml": b"<w/>"})
    assert "a Word document" in refuse(tmp_path, data).message


def test_zip_bomb_rejected_from_declared_sizes_naming_the_member(tmp_path: Path) -> None:
    err = refuse(tmp_path, zip_bomb_xlsx(300), "zipbomb_sst.xlsx")
    assert "xl/sharedStrings.xml" in err.message and "zip bomb" in err.message


def test_high_compression_ratio_rejected(tmp_path: Path) -> None:
    err = refuse(tmp_path, zip_bomb_xlsx(20))
    assert "compresses" in err.message and "zip bomb" in err.message


def test_too_many_members_rejected(tmp_path: Path) -> None:
    extra = {f"xl/media/pad{i}.bin": b"" for i in range(2100)}
    assert "members" in refuse(tmp_path, raw_xlsx(extra=extra)).message


def test_member_lying_about_its_size_rejected(tmp_path: Path) -> None:
    err = refuse(tmp_path, lying_size_xlsx())
    assert "xl/worksheets/sheet1.xml" in err.message


@pytest.mark.parametrize(
    ("case", "data"),
    [
        ("billion_laughs_sst", raw_xlsx(sst=sst_xml(b"&lol9;", BILLION_LAUGHS))),
        (
            "billion_laughs_sheet",
            raw_xlsx(
                sheet=sheet_xml(
                    b'<row r="2"><c r="A2" t="inlineStr"><is><t>&lol9;</t></is></c></row>',
                    BILLION_LAUGHS,
                )
            ),
        ),
        ("xxe_sst", raw_xlsx(sst=sst_xml(b"&xxe;", XXE))),
        (
            "xxe_sheet",
            raw_xlsx(
                sheet=sheet_xml(
                    b'<row r="2"><c r="A2" t="inlineStr"><is><t>&xxe;</t></is></c></row>', XXE
                )
            ),
        ),
        ("xxe_workbook", raw_xlsx(extra={"xl/workbook.xml": b"<?xml version='1.0'?>" + XXE})),
    ],
)
def test_xml_entity_tricks_are_rejected(tmp_path: Path, case: str, data: bytes) -> None:
    err = refuse(tmp_path, data, f"{case}.xlsx")
    assert "DOCTYPE or entity" in err.message
    assert Path("/etc/hostname").exists() is False or (
        Path("/etc/hostname").read_text().strip() not in err.message
    )


def test_undeclared_entity_reference_is_a_clear_error(tmp_path: Path) -> None:
    sheet = sheet_xml(b'<row r="2"><c r="A2" t="inlineStr"><is><t>&xxe;</t></is></c></row>')
    err = refuse(tmp_path, raw_xlsx(sheet=sheet))
    assert "entity" in err.message


def test_utf16_xml_part_rejected(tmp_path: Path) -> None:
    utf16 = sheet_xml(PLAIN_ROW).decode("utf-8").replace("UTF-8", "UTF-16").encode("utf-16")
    assert "not UTF-8" in refuse(tmp_path, raw_xlsx(sheet=utf16)).message


def test_cell_at_the_far_corner_is_rejected_before_the_parser_allocates_it(
    tmp_path: Path,
) -> None:
    # python-calamine would allocate 1,048,576 x 16,384 cells and abort the process.
    row = b'<row r="2"><c r="A2" t="s"><v>1</v></c><c r="XFD1048576" t="s"><v>1</v></c></row>'
    err = refuse(tmp_path, raw_xlsx(sheet=sheet_xml(row)))
    assert "'Requirements'" in err.message and "1,048,576" in err.message


def test_far_cell_written_without_refs_is_still_bounded(tmp_path: Path) -> None:
    row = b'<row r="1048576"><c t="s"><v>1</v></c></row>'
    err = refuse(tmp_path, raw_xlsx(sheet=sheet_xml(PLAIN_ROW + row)))
    assert "1,048,576" in err.message


def test_far_cell_with_single_quoted_ref_is_still_bounded(tmp_path: Path) -> None:
    row = b"<row r='3'><c r='ZZ900000' t='s'><v>1</v></c></row>"
    assert "900,000" in refuse(tmp_path, raw_xlsx(sheet=sheet_xml(PLAIN_ROW + row))).message


def test_wide_sheet_over_the_cell_cap_is_rejected(tmp_path: Path) -> None:
    rows = b"".join(
        b'<row r="%d"><c r="A%d" t="s"><v>1</v></c><c r="XFD%d" t="s"><v>1</v></c></row>'
        % (i, i, i)
        for i in range(2, 400)
    )
    err = refuse(tmp_path, raw_xlsx(sheet=sheet_xml(rows)))
    assert "columns" in err.message and "XFD" in err.message


def test_row_cap_applies(tmp_path: Path) -> None:
    path = requirements_xlsx(tmp_path / "many.xlsx", [["IT", f"Framework {i}"] for i in range(60)])
    with pytest.raises(InputError) as err:
        intake.read_workbook(path, catalog(), limits=Limits(max_rows=50))
    assert "limit is 50 rows" in err.value.message


def test_no_table_lists_headers_seen_and_names_accepted(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "t.xlsx", {"Data": [["Control", "Owner", "Status"], ["a", "b", "c"]]}
    )
    with pytest.raises(InputError) as err:
        intake.read_workbook(path, catalog())
    assert "no requirements table found" in err.value.message
    assert "'Control', 'Owner', 'Status'" in str(err.value.issues[0])
    assert err.value.hint is not None and "Framework" in err.value.hint.title()


def test_empty_table(tmp_path: Path) -> None:
    path = requirements_xlsx(tmp_path / "e.xlsx", [])
    with pytest.raises(InputError) as err:
        intake.read_workbook(path, catalog())
    assert "table is empty" in err.value.message and "Requirements!1" in err.value.message


def test_ambiguous_audit_period_is_refused_with_every_location(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "u.xlsx",
        {
            "Requirements": [HEADERS, ["Fin", "ISO 27001"]],
            "Business units": [
                ["Business unit", "Auditor", "Audit period start", "Audit period end"],
                ["Fin", "KPMG", "01/02/2024", "FY24"],
            ],
        },
    )
    with pytest.raises(InputError) as err:
        intake.read_workbook(path, catalog())
    assert [i.location for i in err.value.issues] == ["Business units!C2", "Business units!D2"]


def test_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read the file"):
        intake.read_workbook(tmp_path / "nope.xlsx", catalog())
    with pytest.raises(InputError, match="folder"):
        intake.read_workbook(tmp_path, catalog())


def test_oversized_file_rejected_before_reading(tmp_path: Path) -> None:
    path = requirements_xlsx(tmp_path / "big.xlsx", [["IT", "ISO 27001"]])
    with pytest.raises(InputError, match="the limit is 0 MiB"):
        intake.read_workbook(path, catalog(), limits=Limits(max_file_bytes=100))


def test_zip_slip_member_is_ignored_and_nothing_is_extracted(tmp_path: Path) -> None:
    data = raw_xlsx(extra={"../../evil.txt": b"owned"})
    path = tmp_path / "zip_slip.xlsx"
    path.write_bytes(data)
    result = intake.read_workbook(path, catalog())
    assert [r.text for r in result.requirements] == ["ISO 27001"]
    assert not (tmp_path.parent.parent / "evil.txt").exists()


def test_damaged_deflate_stream_is_a_clear_error(tmp_path: Path) -> None:
    data = bytearray(raw_xlsx())
    at = data.find(b"xl/worksheets/sheet1.xml") + len("xl/worksheets/sheet1.xml")
    data[at : at + 8] = b"\x00\xff\x00\xff\x00\xff\x00\xff"  # inside the compressed stream
    err = refuse(tmp_path, bytes(data))
    assert "corrupt" in err.message


@pytest.mark.parametrize(
    "cell",
    [
        b'<c r="A2" r="XFD1048576" t="s"><v>1</v></c>',  # duplicate r: the parser takes the last
        b'<c t="s" r="XFD1048576"><v>1</v></c>',  # r not first
        b'<c\tr="XFD1048576" t="s"><v>1</v></c>',  # tab before r
        b'<c r = "XFD1048576" t="s"><v>1</v></c>',  # spaces around =
    ],
)
def test_far_cell_in_unusual_spelling_is_still_bounded(tmp_path: Path, cell: bytes) -> None:
    row = b'<row r="2">' + cell + b"</row>"
    assert "1,048,576" in refuse(tmp_path, raw_xlsx(sheet=sheet_xml(row))).message


@pytest.mark.parametrize("attribute", [b"count", b"uniqueCount"])
def test_shared_strings_declaring_billions_of_strings_is_rejected(
    tmp_path: Path, attribute: bytes
) -> None:
    # python-calamine reserves the declared count up front: 4e9 strings = a 96 GB allocation.
    sst = sst_xml().replace(b'count="2" uniqueCount="2"', attribute + b'="4000000000"')
    err = refuse(tmp_path, raw_xlsx(sst=sst))
    assert "xl/sharedStrings.xml" in err.message and "4,000,000,000 strings" in err.message


def test_cells_are_capped_across_all_visible_sheets(tmp_path: Path) -> None:
    sheets = {f"S{i}": [["Framework", "Notes"], *[["ISO 27001", "x"]] * 30] for i in range(5)}
    path = write_xlsx(tmp_path / "many.xlsx", sheets)
    with pytest.raises(InputError) as err:
        intake.read_workbook(path, catalog(), limits=Limits(max_cells=200))
    assert "more than 200 cells in all" in err.value.message and "'S3'" in err.value.message
