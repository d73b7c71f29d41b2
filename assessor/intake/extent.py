"""Worksheet extents: how far a sheet's cells reach, found by streaming its XML before parsing.

python-calamine allocates a dense grid for a sheet's cell extent, so a 20-byte cell at
XFD1048576 would abort the process with an out-of-memory error: every sheet is bounded first.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from io import BytesIO

from assessor.intake.limits import CHUNK, ZIP_ERRORS, Limits, fail
from assessor.intake.prolog import HEAD_LIMIT, check_head


@dataclass
class SheetScan:
    """What streaming a worksheet part found: its true extent and formulas with no value."""

    max_row: int = 0
    max_col: int = 0
    exact: bool = False
    regular: bool = True  # every cell written as <c r="A1" ...>
    formulas_without_value: list[str] = field(default_factory=list)  # cell refs "C14"


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
                raw = fh.read(CHUNK)
                if first:
                    check_head(raw[:HEAD_LIMIT], part, display)
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
        raise fail(
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
            raw = fh.read(CHUNK)
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
            raw = fh.read(CHUNK)
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
            raise fail(display, f"sheet {sheet!r} cannot be read ({err})") from None
    _enforce(scan, display, sheet, limits)


def _enforce(scan: SheetScan, display: str, sheet: str, limits: Limits) -> None:
    if scan.max_row > limits.max_rows:
        raise fail(
            display,
            f"sheet {sheet!r} has cells down to row {scan.max_row:,}; the limit is "
            f"{limits.max_rows:,} rows",
            hint="split the sheet, or delete the stray cells far below the table",
        )
    if scan.max_row * scan.max_col > limits.max_cells:
        raise fail(
            display,
            f"sheet {sheet!r} spans {scan.max_row:,} rows x {scan.max_col:,} columns (to "
            f"{col_letters(scan.max_col)}{scan.max_row}); the limit is {limits.max_cells:,} cells",
            hint="delete the stray cells far right of or below the table",
        )
