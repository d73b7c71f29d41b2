"""Workbook factories for the intake tests: each builds one case in code, named for its case."""

from __future__ import annotations

import functools
import io
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import openpyxl

from assessor.catalog.load import load_catalog
from assessor.domain.models import Catalog
from assessor.render.blank_workbook import REQUIREMENT_HEADERS

HEADERS = list(REQUIREMENT_HEADERS)  # the template's own columns


@functools.cache
def catalog() -> Catalog:
    """The shipped catalog, loaded once per test session."""
    return load_catalog(None)


def write_xlsx(
    path: Path,
    sheets: Mapping[str, Sequence[Sequence[Any]]],
    *,
    hidden: Iterable[str] = (),
    merges: Mapping[str, Sequence[str]] | None = None,
    date1904: bool = False,
    number_formats: Mapping[str, Mapping[str, str]] | None = None,
) -> Path:
    """A workbook written by openpyxl (formulas like '=1+1' are stored without cached values)."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)  # type: ignore[arg-type]
    if date1904:
        wb.epoch = openpyxl.utils.datetime.CALENDAR_MAC_1904
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(list(row))
        for ref in (merges or {}).get(title, ()):
            ws.merge_cells(ref)
        for ref, fmt in (number_formats or {}).get(title, {}).items():
            ws[ref].number_format = fmt
        if title in set(hidden):
            ws.sheet_state = "hidden"
    wb.save(path)
    return path


def requirements_xlsx(path: Path, rows: Sequence[Sequence[Any]], **kw: Any) -> Path:
    """The template's layout: one Requirements sheet with the 8 standard headers."""
    return write_xlsx(path, {"Requirements": [HEADERS, *rows]}, **kw)


# ---------------------------------------------------------------------------
# Raw packages for hostile cases (hand-written XML parts)

_CT = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    b'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
    b'<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
    b'officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/'
    b'sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.'
    b'worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/'
    b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'
)
_RELS = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_WB = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    b'<sheets><sheet name="Requirements" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WB_RELS = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" '
    b'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" '
    b'Target="sharedStrings.xml"/></Relationships>'
)
XML_HEAD = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
BILLION_LAUGHS = (
    b'<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 2 else b"&lol;") * 10)
        for i in range(2, 10)
    )
    + b"]>"
)
XXE = b'<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/hostname">]>'


def sheet_xml(rows_xml: bytes, prolog: bytes = b"") -> bytes:
    """A worksheet part whose sheetData holds `rows_xml` (header 'Framework' in A1 via sst 0)."""
    return (
        XML_HEAD
        + prolog
        + b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row>'
        + rows_xml
        + b"</sheetData></worksheet>"
    )


def sst_xml(second: bytes = b"ISO 27001", prolog: bytes = b"") -> bytes:
    """Shared strings: 0 = 'Framework', 1 = `second`."""
    return (
        XML_HEAD
        + prolog
        + b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="2" '
        b'uniqueCount="2"><si><t>Framework</t></si><si><t>' + second + b"</t></si></sst>"
    )


PLAIN_ROW = b'<row r="2"><c r="A2" t="s"><v>1</v></c></row>'


def raw_xlsx(
    sheet: bytes | None = None,
    sst: bytes | None = None,
    *,
    extra: Mapping[str, bytes] | None = None,
    drop: Iterable[str] = (),
    compression: int = zipfile.ZIP_DEFLATED,
) -> bytes:
    """A minimal valid workbook package, with parts replaced, added or dropped."""
    parts = {
        "[Content_Types].xml": _CT,
        "_rels/.rels": _RELS,
        "xl/workbook.xml": _WB,
        "xl/_rels/workbook.xml.rels": _WB_RELS,
        "xl/worksheets/sheet1.xml": sheet if sheet is not None else sheet_xml(PLAIN_ROW),
        "xl/sharedStrings.xml": sst if sst is not None else sst_xml(),
        **(extra or {}),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as zf:
        for name, data in parts.items():
            if name not in set(drop):
                zf.writestr(name, data)
    return buffer.getvalue()


@functools.cache
def zip_bomb_xlsx(megabytes: int = 300) -> bytes:
    """A small file whose shared-strings part inflates to `megabytes` MB (streamed, cached)."""
    buffer = io.BytesIO(raw_xlsx(drop=["xl/sharedStrings.xml"]))
    with (
        zipfile.ZipFile(buffer, "a", zipfile.ZIP_DEFLATED, compresslevel=1) as zf,
        zf.open("xl/sharedStrings.xml", "w", force_zip64=True) as fh,
    ):
        fh.write(sst_xml(second=b"")[: -len(b"</t></si></sst>")])
        chunk = b"A" * (1024 * 1024)
        for _ in range(megabytes):
            fh.write(chunk)
        fh.write(b"</t></si></sst>")
    return buffer.getvalue()


def lying_size_xlsx() -> bytes:
    """A package whose sheet member declares a smaller uncompressed size than it holds."""
    data = bytearray(raw_xlsx(sheet=sheet_xml(PLAIN_ROW * 1 + b"<!--" + b"x" * 5000 + b"-->")))
    name = b"xl/worksheets/sheet1.xml"
    # Patch the declared size in both the local header and the central directory.
    for marker in (b"PK\x03\x04", b"PK\x01\x02"):
        start = 0
        while (at := data.find(marker, start)) >= 0:
            start = at + 4
            if marker == b"PK\x03\x04":
                name_len = int.from_bytes(data[at + 26 : at + 28], "little")
                if data[at + 30 : at + 30 + name_len] == name:
                    data[at + 22 : at + 26] = (100).to_bytes(4, "little")
            else:
                name_len = int.from_bytes(data[at + 28 : at + 30], "little")
                if data[at + 46 : at + 46 + name_len] == name:
                    data[at + 24 : at + 28] = (100).to_bytes(4, "little")
    return bytes(data)


def cfb_bytes(*, encrypted: bool) -> bytes:
    """An OLE2/CFB container: an encrypted OOXML package, or a legacy .xls."""
    magic = bytes.fromhex("D0CF11E0A1B11AE1") + b"\x00" * 504
    stream = "EncryptionInfo" if encrypted else "Workbook"
    return magic + stream.encode("utf-16-le") + b"\x00" * 1024
