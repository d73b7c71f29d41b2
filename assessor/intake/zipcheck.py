"""Pre-check of an .xlsx/.xlsm package before any parser sees it: format, bombs, entities, extents.

Everything here works on declared zip metadata first (milliseconds), then streams each XML part
once through ``zipfile`` (which enforces the declared sizes and CRCs) to reject DOCTYPE/ENTITY
declarations, non-UTF-8 parts and worksheets whose cells reach further than the limits allow.
That last check matters: python-calamine allocates a dense grid for a sheet's cell extent, so a
20-byte cell at XFD1048576 would abort the process with an out-of-memory error.
"""

from __future__ import annotations

import lzma
import posixpath
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from io import BytesIO
from xml.etree.ElementTree import Element

from defusedxml import ElementTree as SafeET

from assessor.domain.errors import InputError, Issue

MIB = 1024 * 1024
_CFB_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_CHUNK = MIB
# Everything zipfile and its decompressors raise on damaged or unsupported archives.
ZIP_ERRORS: tuple[type[Exception], ...] = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    lzma.LZMAError,
    struct.error,
    OSError,
    EOFError,
    ValueError,
    RuntimeError,
    NotImplementedError,
    KeyError,
    IndexError,
    UnicodeDecodeError,
)
_EARLY = ("xl/workbook.xml", "xl/_rels/workbook.xml.rels")  # checked before they are parsed
_HEAD_LIMIT = 64 * 1024  # the XML prolog (before the root element) must fit in this


@dataclass(frozen=True)
class Limits:
    """Caps that keep a hostile or accidental workbook from exhausting time or memory."""

    max_file_bytes: int = 64 * MIB
    max_members: int = 2000
    max_total_uncompressed: int = 400 * MIB
    max_member_uncompressed: int = 200 * MIB
    max_ratio: float = 100.0  # compression ratio, for members over ratio_floor bytes
    ratio_floor: int = 1 * MIB
    max_rows: int = 200_000  # per sheet read
    max_cells: int = 5_000_000  # rows x columns of a sheet's extent (calamine allocates it)


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True)
class SheetInfo:
    """A worksheet as the workbook part declares it."""

    name: str
    state: str  # "visible", "hidden", "veryHidden"
    part: str | None  # zip member path, when the relationship resolves


@dataclass
class SheetScan:
    """What streaming a worksheet part found: its true extent and formulas with no value."""

    max_row: int = 0
    max_col: int = 0
    exact: bool = False
    regular: bool = True  # every cell written as <c r="A1" ...>
    formulas_without_value: list[str] = field(default_factory=list)  # cell refs "C14"


@dataclass(frozen=True)
class Package:
    """A checked workbook package: its sheets, epoch, and per-part scans."""

    members: tuple[str, ...]
    sheets: tuple[SheetInfo, ...]
    date1904: bool
    macros: bool
    scans: dict[str, SheetScan]


def _fail(display: str, message: str, hint: str | None = None) -> InputError:
    return InputError(f"{display}: {message}", hint=hint)


def sniff(data: bytes, display: str) -> None:
    """Refuse anything that is not a zip archive, naming what it looks like instead."""
    if not data:
        raise _fail(display, "the file is empty (0 bytes)")
    if data.startswith(_CFB_MAGIC):
        if "EncryptionInfo".encode("utf-16-le") in data or (
            "EncryptedPackage".encode("utf-16-le") in data
        ):
            raise _fail(
                display,
                "the workbook is password-protected (encrypted); it cannot be read",
                hint="remove the password in Excel (File > Info > Protect Workbook) and save again",
            )
        raise _fail(
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
        raise _fail(
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
        raise _fail(display, f"the file is {size}; the limit is {limits.max_file_bytes // MIB} MiB")
    sniff(data, display)
    try:
        zf = zipfile.ZipFile(BytesIO(data))
    except ZIP_ERRORS as err:
        raise _fail(
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
        raise _fail(
            display,
            f"not a valid .xlsx: the zip archive is corrupt ({type(err).__name__}: {err})",
            hint="the file may be damaged: download or copy it again",
        ) from None


def _check_declared(infos: list[zipfile.ZipInfo], display: str, limits: Limits) -> None:
    if len(infos) > limits.max_members:
        raise _fail(
            display,
            f"the archive holds {len(infos)} members; a workbook has far fewer "
            f"(limit {limits.max_members}) — rejected as a possible zip bomb",
        )
    seen: set[str] = set()
    total = 0
    for info in infos:
        if info.filename in seen:
            raise _fail(display, f"the archive holds member {info.filename!r} twice — rejected")
        seen.add(info.filename)
        if info.flag_bits & 0x1:
            raise _fail(display, f"member {info.filename!r} is encrypted — rejected")
        size = info.file_size
        total += size
        if size > limits.max_member_uncompressed:
            raise _fail(
                display,
                f"member {info.filename!r} declares {size / MIB:.0f} MiB uncompressed "
                f"(limit {limits.max_member_uncompressed // MIB} MiB) — rejected as a possible "
                "zip bomb",
            )
        if size > limits.ratio_floor and size > limits.max_ratio * max(info.compress_size, 1):
            ratio = size / max(info.compress_size, 1)
            raise _fail(
                display,
                f"member {info.filename!r} compresses {ratio:.0f}:1 "
                f"(limit {limits.max_ratio:.0f}:1) — rejected as a possible zip bomb",
            )
    if total > limits.max_total_uncompressed:
        raise _fail(
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
            raise _fail(
                display,
                "this is an OpenDocument spreadsheet (.ods), not .xlsx",
                hint="save it as Excel Workbook (.xlsx)",
            )
    if "xl/workbook.bin" in names:
        raise _fail(
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
    raise _fail(display, f"not an Excel workbook: {kind}", hint="save the sheet as .xlsx")


def _is_xml(name: str) -> bool:
    lowered = name.lower()
    return lowered.endswith((".xml", ".rels", ".vml"))


_ENCODING = re.compile(rb"""encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")


def _check_head(head: bytes, name: str, display: str) -> None:
    """The prolog must be UTF-8 and declare no DTD: Excel never writes one."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in head[:200]:
        raise _fail(display, f"XML part {name!r} is not UTF-8 (not produced by Excel) — rejected")
    root = _root_start(head)
    prolog = head if root < 0 else head[:root]
    upper = prolog.upper()
    if b"<!DOCTYPE" in upper or b"<!ENTITY" in upper:
        raise _fail(
            display,
            f"XML part {name!r} contains a DOCTYPE or entity declarations (not produced by "
            "Excel) — rejected",
        )
    match = _ENCODING.search(prolog)
    if match and match.group(1).lower().replace(b"_", b"-") not in (b"utf-8", b"utf8"):
        raise _fail(
            display,
            f"XML part {name!r} declares encoding {match.group(1).decode('ascii')!r} "
            "(not produced by Excel) — rejected",
        )
    if root < 0 and len(head) >= _HEAD_LIMIT:
        raise _fail(
            display, f"XML part {name!r} has an oversized prolog (not produced by Excel) — rejected"
        )


_ROOT_START = re.compile(rb"<[A-Za-z_]")


def _root_start(head: bytes) -> int:
    """Offset of the root element's start tag, skipping declarations, comments and PIs."""
    pos = 0
    while True:
        match = _ROOT_START.search(head, pos)
        if match is None:
            return -1
        comment = head.rfind(b"<!--", 0, match.start())
        if comment >= 0 and head.find(b"-->", comment) > match.start():
            end = head.find(b"-->", comment)
            pos = end + 3
            continue
        return match.start()


def _check_xml_member(
    zf: zipfile.ZipFile, info: zipfile.ZipInfo, display: str, limits: Limits = DEFAULT_LIMITS
) -> None:
    """Stream the part once: checks its prolog, its declared size and CRC (zipfile enforces)."""
    try:
        with zf.open(info) as fh:
            head = fh.read(_HEAD_LIMIT)
            _check_head(head, info.filename, display)
            _check_declared_counts(head, info, display, limits)
            while fh.read(_CHUNK):
                pass
    except InputError:
        raise
    except ZIP_ERRORS as err:
        raise _fail(
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
    root = _root_start(head)
    match = _SST_ROOT.match(head, root) if root >= 0 else None
    if match is None:
        return
    most = max(min(info.file_size // _MIN_SI_BYTES, limits.max_cells), 1)
    for raw in _COUNT_ATTR.findall(match.group(1)):
        if int(raw) > most:
            raise _fail(
                display,
                f"member {info.filename!r} declares {int(raw):,} strings but can hold at most "
                f"{most:,} — rejected",
            )


def _parse_xml(zf: zipfile.ZipFile, name: str, display: str) -> Element:
    try:
        root: Element = SafeET.fromstring(zf.read(name))
    except Exception as err:  # defusedxml raises several families (ParseError, EntitiesForbidden)
        raise _fail(display, f"XML part {name!r} cannot be parsed ({err})") from None
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


# ---------------------------------------------------------------------------
# Worksheet extent scan

# Fast path: every cell is written `<c r="A1"` (Excel, openpyxl, LibreOffice). Only refs that
# could be large (two or more column letters, or six or more row digits) are parsed.
_SUSPECT = re.compile(rb'<c r="(?=[A-Za-z]{2}|[A-Za-z]*[0-9]{6})\$?([A-Za-z]*)\$?([0-9]*)"')
# Slow path: any row/cell start tag, any prefix, any attribute order or quoting.
_TAG = re.compile(rb"<((?:[A-Za-z_][\w.-]*:)?)(row|c)(?=[\s/>])([^>]*)>")
_R_ATTR = re.compile(rb"""(?:^|\s)(?:[\w.-]+:)?r\s*=\s*["']([^"']*)["']""")
_REF = re.compile(r"^\$?([A-Za-z]{1,7})\$?([0-9]{1,12})$")
_LETTERS_ONLY = re.compile(r"^\$?([A-Za-z]{1,7})$")
_DIGITS_ONLY = re.compile(r"^\$?([0-9]{1,12})$")
_FAST_ROW_BOUND = 99_999  # refs with at most five digits
_FAST_COL_BOUND = 26  # refs with one letter


def _col_index(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + (ord(ch) - 64)
    return n


def col_letters(index: int) -> str:
    """1 -> A, 27 -> AA."""
    out = ""
    while index > 0:
        index, rem = divmod(index - 1, 26)
        out = chr(65 + rem) + out
    return out


class _SlowScanner:
    """Emulates calamine's placement of cells (row r, else previous + 1; cell r, else next)."""

    def __init__(self) -> None:
        self.row = 0
        self.col = 0
        self.max_row = 0
        self.max_col = 0

    def feed(self, chunk: bytes) -> None:
        for match in _TAG.finditer(chunk):
            # Every r attribute counts (a parser may honour a duplicate): bound by the largest.
            refs = [r.decode("ascii", "replace").strip() for r in _R_ATTR.findall(match.group(3))]
            if match.group(2) == b"row":
                rows = [int(d.group(1)) for ref in refs if (d := _DIGITS_ONLY.match(ref))]
                self.row = max(rows) if rows else self.row + 1
                self.col = 0
                self.max_row = max(self.max_row, self.row)
                continue
            cols, cell_rows = [], []
            for ref in refs:
                full = _REF.match(ref)
                letters = _LETTERS_ONLY.match(ref)
                if full:
                    cols.append(_col_index(full.group(1)))
                    cell_rows.append(int(full.group(2)))
                elif letters:
                    cols.append(_col_index(letters.group(1)))
            self.col = max(cols) if cols else self.col + 1
            row = max(cell_rows) if cell_rows else max(self.row, 1)
            self.max_col = max(self.max_col, self.col)
            self.max_row = max(self.max_row, row)


def _fast_bounds(chunk: bytes, bounds: list[int]) -> None:
    """Update [max_row_bound, max_col_bound] from the few refs that could be large."""
    pairs = _SUSPECT.findall(chunk)
    if not pairs:
        return
    letters, digits = (set(group) for group in zip(*pairs, strict=True))
    if b"" in letters or b"" in digits:  # letters-only or digits-only ref: exact path decides
        bounds[0] = bounds[1] = 1 << 40
        return
    bounds[0] = max(bounds[0], *map(int, digits))
    bounds[1] = max(bounds[1], *(_col_index(x.decode("ascii")) for x in letters))


_FORMULA = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f(?=[\s/>])")
_CELL_OPEN = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c(?=[\s/>])([^>]*)>")
_V_ANY = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?v[\s/>]")
_V_EMPTY = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?v\s*/>")


_T_STR = re.compile(rb"""(?:^|\s)t\s*=\s*["']str["']""")


def _formulas_without_value(chunk: bytes, out: list[str]) -> None:
    """Cell refs of formula cells that carry no cached value (never recalculated).

    ``<f>`` is the first child of ``<c>``, so the cell's start tag is the tag just before it.
    An empty ``<v/>`` on a ``t="str"`` cell is a cached empty string, not a missing value.
    """
    if b"<f" not in chunk and b":f" not in chunk:
        return
    for fmatch in _FORMULA.finditer(chunk):
        start = chunk.rfind(b"<", max(0, fmatch.start() - 4096), fmatch.start())
        open_tag = _CELL_OPEN.match(chunk, start) if start >= 0 else None
        if open_tag is None:
            continue
        end = chunk.find(b"c>", fmatch.end())  # </c> or </x:c>
        body = chunk[open_tag.end() : end if end >= 0 else len(chunk)]
        has_v = _V_ANY.search(body) is not None
        empty_v = _V_EMPTY.search(body) is not None or b"></v>" in body
        if has_v and (not empty_v or _T_STR.search(open_tag.group(1)) is not None):
            continue
        ref_match = _R_ATTR.search(open_tag.group(1))
        ref = ref_match.group(1).decode("ascii", "replace") if ref_match else "?"
        if len(out) < 1000:
            out.append(ref)


_PREFIXED_CELL = re.compile(rb"<[A-Za-z_][\w.-]*:c[\s/>]")


def scan_worksheet(zf: zipfile.ZipFile, part: str, display: str, sheet: str) -> SheetScan:
    """Stream one worksheet part: an upper bound of its cell extent, and formulas with no value.

    The bound is exact when cheap; otherwise generous (at most 99,999 rows x 26 columns for
    plain refs). Call ``enforce_limits`` before letting a parser allocate the sheet.
    """
    scan = SheetScan()
    bounds = [0, 0]
    regular = True
    try:
        with zf.open(part) as fh:
            pending = b""
            started = False
            done = False
            first = True
            while True:
                raw = fh.read(_CHUNK)
                if first:
                    _check_head(raw[:_HEAD_LIMIT], part, display)
                    first = False
                pending += raw
                if raw:
                    cut = pending.rfind(b"row>")
                    if cut < 0:
                        continue
                    chunk, pending = pending[: cut + 4], pending[cut + 4 :]
                else:
                    chunk, pending = pending, b""
                if not started:
                    at = chunk.find(b"sheetData")
                    if at >= 0:
                        started = True
                        if chunk[at - 1 : at] != b"<":  # prefixed elements: exact path
                            regular = False
                        chunk = chunk[at:]
                    elif raw:
                        continue  # still in the prolog/head: no cells there
                if done:
                    if not raw:
                        break
                    continue  # read on: zipfile checks the size and CRC at the end
                close = chunk.find(b"</sheetData>")
                if close >= 0:
                    chunk, done = chunk[:close], True
                if regular and not _fast_chunk_ok(chunk):
                    regular = False
                if regular:
                    _fast_bounds(chunk, bounds)
                _formulas_without_value(chunk, scan.formulas_without_value)
                if not raw:
                    break
            if regular:
                scan.max_row = max(bounds[0], _FAST_ROW_BOUND)
                scan.max_col = max(bounds[1], _FAST_COL_BOUND)
    except ZIP_ERRORS as err:
        raise _fail(
            display, f"sheet {sheet!r} part {part!r} is corrupt ({err}) — rejected"
        ) from None
    scan.regular = regular
    if not regular:
        _exact_rescan(zf, part, scan)
    return scan


# A `<c` that is not `<co...`/`<ch...` (rich-text run properties) nor the plain `<c r="` form.
_ODD_CELL = re.compile(rb'<c(?![oh]| r=")')
# An `r=` attribute other than the single plain one of `<c r="` / `<row r="`: after a tab,
# newline, CR or namespace colon, or after a space on any other tag (a second r attribute).
_ODD_R = re.compile(rb'r=(?:(?<=[\t\n\r:]r=)|(?<= r=)(?<!<c r=)(?:(?<!<row r=)|(?!")))')


def _fast_chunk_ok(chunk: bytes) -> bool:
    """True when every cell start tag in the chunk is the plain `<c r="` form.

    Two regex passes (literal-prefix searches) instead of ten counts: every `<c` tag is
    `<c r="` (or `<co`/`<ch` of rich text), and no tag has a second or oddly spaced r attribute.
    """
    if b":c" in chunk and _PREFIXED_CELL.search(chunk):
        return False
    return _ODD_CELL.search(chunk) is None and _ODD_R.search(chunk) is None


def _exact_rescan(zf: zipfile.ZipFile, part: str, scan: SheetScan) -> None:
    """Exact extent by emulating the parser's placement of every row and cell (slower)."""
    slow = _SlowScanner()
    with zf.open(part) as fh:
        pending = b""
        while True:
            raw = fh.read(_CHUNK)
            pending += raw
            if not raw:
                slow.feed(pending)
                break
            cut = pending.rfind(b">")
            if cut >= 0:
                slow.feed(pending[: cut + 1])
                pending = pending[cut + 1 :]
    scan.max_row, scan.max_col, scan.exact = slow.max_row, slow.max_col, True


_ROW_OF_REF = re.compile(rb'<c r="[A-Za-z]+([0-9]+)"')
_COL_OF_REF = re.compile(rb'<c r="([A-Za-z]+)')


def _exact_regular_rescan(zf: zipfile.ZipFile, part: str, scan: SheetScan) -> None:
    """Exact extent of a regular sheet (every cell has a leading r): the max of all refs."""
    max_row, max_col = 0, 0
    with zf.open(part) as fh:
        pending = b""
        while True:
            raw = fh.read(_CHUNK)
            pending += raw
            cut = pending.rfind(b">") if raw else len(pending) - 1
            piece, pending = pending[: cut + 1], pending[cut + 1 :]
            rows = set(_ROW_OF_REF.findall(piece))
            cols = set(_COL_OF_REF.findall(piece))
            if rows:
                max_row = max(max_row, *map(int, rows))
            if cols:
                max_col = max(max_col, *(_col_index(c.decode("ascii")) for c in cols))
            if not raw:
                break
    scan.max_row, scan.max_col, scan.exact = max_row, max_col, True


def enforce_limits(
    zf_data: bytes, scan: SheetScan, part: str, display: str, sheet: str, limits: Limits
) -> None:
    """Raise InputError when the sheet's extent is over the row or cell limit (exact if needed)."""
    if not scan.exact and (
        scan.max_row > limits.max_rows or scan.max_row * scan.max_col > limits.max_cells
    ):
        try:
            with zipfile.ZipFile(BytesIO(zf_data)) as zf:
                if scan.regular:
                    _exact_regular_rescan(zf, part, scan)
                else:
                    _exact_rescan(zf, part, scan)
        except ZIP_ERRORS as err:
            raise _fail(display, f"sheet {sheet!r} cannot be read ({err})") from None
    _enforce(scan, display, sheet, limits)


def _enforce(scan: SheetScan, display: str, sheet: str, limits: Limits) -> None:
    if scan.max_row > limits.max_rows:
        raise _fail(
            display,
            f"sheet {sheet!r} has cells down to row {scan.max_row:,}; the limit is "
            f"{limits.max_rows:,} rows",
            hint="split the sheet, or delete the stray cells far below the table",
        )
    if scan.max_row * scan.max_col > limits.max_cells:
        raise _fail(
            display,
            f"sheet {sheet!r} spans {scan.max_row:,} rows x {scan.max_col:,} columns (to "
            f"{col_letters(scan.max_col)}{scan.max_row}); the limit is {limits.max_cells:,} cells",
            hint="delete the stray cells far right of or below the table",
        )


def issues_for(scan: SheetScan, sheet: str) -> list[Issue]:
    """Warnings for formulas without a cached value, one per cell."""
    return [
        Issue(f"{sheet}!{ref}", "formula without a calculated value", "warning")
        for ref in scan.formulas_without_value
    ]
