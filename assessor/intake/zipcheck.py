"""Pre-check of an .xlsx/.xlsm package before any parser sees it: format, bombs, entities, extents.

Everything here works on declared zip metadata first (milliseconds), then streams each XML part
once through ``zipfile`` (which enforces the declared sizes and CRCs) to reject DOCTYPE/ENTITY
declarations (prolog.py) and non-UTF-8 parts, and bounds each worksheet's extent (extent.py).
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from dataclasses import dataclass
from io import BytesIO
from xml.etree.ElementTree import Element

from defusedxml import ElementTree as SafeET

from assessor.domain.errors import InputError
from assessor.intake.extent import SheetScan, scan_worksheet
from assessor.intake.limits import CHUNK, DEFAULT_LIMITS, MIB, ZIP_ERRORS, Limits, fail
from assessor.intake.prolog import HEAD_LIMIT, check_head, root_start

_CFB_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_EARLY = ("xl/workbook.xml", "xl/_rels/workbook.xml.rels")  # checked before they are parsed


@dataclass(frozen=True)
class SheetInfo:
    """A worksheet as the workbook part declares it."""

    name: str
    state: str  # "visible", "hidden", "veryHidden"
    part: str | None  # zip member path, when the relationship resolves


@dataclass(frozen=True)
class Package:
    """A checked workbook package: its sheets, epoch, and per-part scans."""

    members: tuple[str, ...]
    sheets: tuple[SheetInfo, ...]
    date1904: bool
    macros: bool
    scans: dict[str, SheetScan]


def sniff(data: bytes, display: str) -> None:
    """Refuse anything that is not a zip archive, naming what it looks like instead."""
    if not data:
        raise fail(display, "the file is empty (0 bytes)")
    if data.startswith(_CFB_MAGIC):
        if "EncryptionInfo".encode("utf-16-le") in data or (
            "EncryptedPackage".encode("utf-16-le") in data
        ):
            raise fail(
                display,
                "the workbook is password-protected (encrypted); it cannot be read",
                hint="remove the password in Excel (File > Info > Protect Workbook) and save again",
            )
        raise fail(
            display,
            "this is a legacy Excel 97-2003 .xls file (or another OLE2 document), not .xlsx",
            hint="open it in Excel and save as Excel Workbook (.xlsx)",
        )
    if not data.startswith(_ZIP_MAGICS):
        if data.startswith(b"%PDF"):
            kind = "a PDF document"
        elif data.lstrip()[:1] == b"<":
            kind = "an HTML or XML document"
        elif data.startswith(b"PK"):
            kind = "a damaged zip archive"
        else:
            kind = "text (CSV?) or another format" if _looks_textual(data) else "binary data"
        raise fail(
            display,
            f"not an .xlsx workbook: the file is {kind}, not a zip archive",
            hint="save the sheet as Excel Workbook (.xlsx)",
        )


def _looks_textual(data: bytes) -> bool:
    head = data[:4096]
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as err:
        if err.start < len(head) - 4:
            return False
    return b"\x00" not in head


def check_package(data: bytes, display: str, limits: Limits = DEFAULT_LIMITS) -> Package:
    """Run every pre-check on the workbook bytes; raise InputError naming the first problem."""
    if len(data) > limits.max_file_bytes:
        size = f"{len(data) / MIB:.1f} MiB"
        raise fail(display, f"the file is {size}; the limit is {limits.max_file_bytes // MIB} MiB")
    sniff(data, display)
    try:
        zf = zipfile.ZipFile(BytesIO(data))
    except ZIP_ERRORS as err:
        raise fail(
            display,
            f"not a valid .xlsx: the zip archive is truncated or corrupt ({err})",
            hint="the file may be incomplete: download or copy it again",
        ) from None
    try:
        with zf:
            infos = zf.infolist()
            _check_declared(infos, display, limits)
            names = [i.filename for i in infos]
            _check_is_workbook(zf, set(names), display)
            for early in _EARLY:
                if early in names:
                    _check_xml_member(zf, zf.getinfo(early), display, limits)
            sheets, date1904 = _read_workbook_part(zf, display)
            sheet_parts = {s.part: s.name for s in sheets if s.part is not None}
            scans: dict[str, SheetScan] = {}
            for info in infos:
                if info.filename in sheet_parts:
                    scans[info.filename] = scan_worksheet(
                        zf, info.filename, display, sheet_parts[info.filename]
                    )
                elif _is_xml(info.filename) and info.filename not in _EARLY:
                    _check_xml_member(zf, info, display, limits)
            macros = any(n.lower().endswith("vbaproject.bin") for n in names)
            return Package(
                members=tuple(names),
                sheets=tuple(sheets),
                date1904=date1904,
                macros=macros,
                scans=scans,
            )
    except ZIP_ERRORS as err:
        raise fail(
            display,
            f"not a valid .xlsx: the zip archive is corrupt ({type(err).__name__}: {err})",
            hint="the file may be damaged: download or copy it again",
        ) from None


def _check_declared(infos: list[zipfile.ZipInfo], display: str, limits: Limits) -> None:
    if len(infos) > limits.max_members:
        raise fail(
            display,
            f"the archive holds {len(infos)} members; a workbook has far fewer "
            f"(limit {limits.max_members}) — rejected as a possible zip bomb",
        )
    seen: set[str] = set()
    total = 0
    for info in infos:
        if info.filename in seen:
            raise fail(display, f"the archive holds member {info.filename!r} twice — rejected")
        seen.add(info.filename)
        if info.flag_bits & 0x1:
            raise fail(display, f"member {info.filename!r} is encrypted — rejected")
        size = info.file_size
        total += size
        if size > limits.max_member_uncompressed:
            raise fail(
                display,
                f"member {info.filename!r} declares {size / MIB:.0f} MiB uncompressed "
                f"(limit {limits.max_member_uncompressed // MIB} MiB) — rejected as a possible "
                "zip bomb",
            )
        if size > limits.ratio_floor and size > limits.max_ratio * max(info.compress_size, 1):
            ratio = size / max(info.compress_size, 1)
            raise fail(
                display,
                f"member {info.filename!r} compresses {ratio:.0f}:1 "
                f"(limit {limits.max_ratio:.0f}:1) — rejected as a possible zip bomb",
            )
    if total > limits.max_total_uncompressed:
        raise fail(
            display,
            f"the archive declares {total / MIB:.0f} MiB uncompressed "
            f"(limit {limits.max_total_uncompressed // MIB} MiB) — rejected as a possible zip bomb",
        )


def _check_is_workbook(zf: zipfile.ZipFile, names: set[str], display: str) -> None:
    if "xl/workbook.xml" in names and "[Content_Types].xml" in names:
        return
    if "mimetype" in names:
        try:
            mimetype = zf.read("mimetype")[:100].decode("ascii", "replace")
        except ZIP_ERRORS:
            mimetype = ""
        if "opendocument.spreadsheet" in mimetype:
            raise fail(
                display,
                "this is an OpenDocument spreadsheet (.ods), not .xlsx",
                hint="save it as Excel Workbook (.xlsx)",
            )
    if "xl/workbook.bin" in names:
        raise fail(
            display,
            "this is a binary Excel workbook (.xlsb), which is not supported",
            hint="save it as Excel Workbook (.xlsx)",
        )
    if "word/document.xml" in names:
        kind = "a Word document"
    elif "ppt/presentation.xml" in names:
        kind = "a PowerPoint presentation"
    elif "[Content_Types].xml" in names:
        kind = "an Office package without a workbook part"
    else:
        kind = "a zip archive without [Content_Types].xml or xl/workbook.xml"
    raise fail(display, f"not an Excel workbook: {kind}", hint="save the sheet as .xlsx")


def _is_xml(name: str) -> bool:
    lowered = name.lower()
    return lowered.endswith((".xml", ".rels", ".vml"))


def _check_xml_member(
    zf: zipfile.ZipFile, info: zipfile.ZipInfo, display: str, limits: Limits = DEFAULT_LIMITS
) -> None:
    """Stream the part once: checks its prolog, its declared size and CRC (zipfile enforces)."""
    try:
        with zf.open(info) as fh:
            head = fh.read(HEAD_LIMIT)
            check_head(head, info.filename, display)
            _check_declared_counts(head, info, display, limits)
            while fh.read(CHUNK):
                pass
    except InputError:
        raise
    except ZIP_ERRORS as err:
        raise fail(
            display,
            f"member {info.filename!r} is corrupt or lies about its size ({err}) — rejected",
        ) from None


_SST_ROOT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?sst(?=[\s>/])([^>]*)>")
_COUNT_ATTR = re.compile(rb"""(?:^|\s)(?:count|uniqueCount)\s*=\s*["']\s*([0-9]+)""")
_MIN_SI_BYTES = 5  # "<si/>": no string can take fewer bytes


def _check_declared_counts(
    head: bytes, info: zipfile.ZipInfo, display: str, limits: Limits
) -> None:
    """A shared-strings part may not declare more strings than its bytes can hold.

    python-calamine reserves memory for the declared count up front: a 1 KB part declaring
    4,000,000,000 strings aborts the process on a 96 GB allocation.
    """
    root = root_start(head)
    match = _SST_ROOT.match(head, root) if root >= 0 else None
    if match is None:
        return
    most = max(min(info.file_size // _MIN_SI_BYTES, limits.max_cells), 1)
    for raw in _COUNT_ATTR.findall(match.group(1)):
        if int(raw) > most:
            raise fail(
                display,
                f"member {info.filename!r} declares {int(raw):,} strings but can hold at most "
                f"{most:,} — rejected",
            )


def _parse_xml(zf: zipfile.ZipFile, name: str, display: str) -> Element:
    try:
        root: Element = SafeET.fromstring(zf.read(name))
    except Exception as err:  # defusedxml raises several families (ParseError, EntitiesForbidden)
        raise fail(display, f"XML part {name!r} cannot be parsed ({err})") from None
    return root


def _read_workbook_part(zf: zipfile.ZipFile, display: str) -> tuple[list[SheetInfo], bool]:
    """Sheet names, visibility and parts from xl/workbook.xml and its relationships."""
    root = _parse_xml(zf, "xl/workbook.xml", display)
    targets: dict[str, str] = {}
    if "xl/_rels/workbook.xml.rels" in zf.namelist():
        rels = _parse_xml(zf, "xl/_rels/workbook.xml.rels", display)
        for rel in rels.iter(f"{{{_PKG_REL_NS}}}Relationship"):
            rid, target = rel.get("Id"), rel.get("Target")
            if rid and target and rel.get("TargetMode") != "External":
                targets[rid] = _resolve(target)
    date1904 = False
    for pr in root.iter(f"{{{_MAIN_NS}}}workbookPr"):
        date1904 = (pr.get("date1904") or "").lower() in ("1", "true")
    sheets = []
    for el in root.iter(f"{{{_MAIN_NS}}}sheet"):
        rid = el.get(f"{{{_REL_NS}}}id") or ""
        sheets.append(
            SheetInfo(
                name=el.get("name") or "",
                state=el.get("state") or "visible",
                part=targets.get(rid),
            )
        )
    return sheets, date1904


def _resolve(target: str) -> str:
    if target.startswith("/"):
        return posixpath.normpath(target.lstrip("/"))
    return posixpath.normpath(posixpath.join("xl", target))
