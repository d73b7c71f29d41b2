"""The workbook's Overlay sheet: the organization's own names and decisions, one per row.

A sheet named Overlay (or Catalog overlay, Our names, ...) with a Kind column (alias, framework,
relation, organization) and who decided each entry and when. Same tolerance as the requirements
and the evidence register: header synonyms anywhere in the first rows, every Excel date form, a
framework or certification named as people write it. The rows become the same raw mapping an
overlay file holds, so catalog/overlay.py checks and merges both in one code path; each problem
it finds is put back on its cell (`Overlay!C4: ...`), all at once.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from assessor.catalog import overlay as ov
from assessor.domain.errors import Issue
from assessor.domain.models import Catalog, WorkbookOverlay
from assessor.domain.text import normalize_text
from assessor.intake.cells import is_blank
from assessor.intake.columns import HEADER_SCAN_ROWS, header_columns, header_key
from assessor.intake.dates import parse_date
from assessor.intake.extent import col_letters
from assessor.intake.ledger import Ledger
from assessor.recognize.match import match_text

OverlayColumn = Literal[
    "kind",
    "name",
    "framework",
    "short_name",
    "relation",
    "certifications",
    "accepted_by",
    "rationale",
    "decided_by",
    "decided_on",
    "note",
    "units",
    "aliases",
]
OVERLAY_SHEET_NAMES = frozenset(
    {
        "overlay",
        "catalog overlay",
        "our names",
        "our names and decisions",
        "our decisions",
        "organization overlay",
        "organisation overlay",
        "overlay decisions",
    }
)
OVERLAY_HEADERS: dict[OverlayColumn, str] = {
    "kind": "Kind",
    "name": "Name or alias",
    "framework": "Framework id",
    "short_name": "Short name",
    "relation": "Relation",
    "certifications": "Certifications",
    "accepted_by": "Accepted by",
    "rationale": "Rationale",
    "decided_by": "Decided by",
    "decided_on": "Decided on",
    "note": "Note",
    "units": "Units",
    "aliases": "Also called",
}
OVERLAY_SYNONYMS: dict[OverlayColumn, tuple[str, ...]] = {
    "kind": ("kind", "type", "entry", "entry kind", "what"),
    "name": ("name or alias", "name", "alias", "our name", "spelling", "framework name", "title"),
    "framework": (
        "framework id",
        "framework",
        "id",
        "catalog framework",
        "catalog id",
        "means",
        "stands for",
        "refers to",
    ),
    "short_name": ("short name", "abbreviation", "short"),
    "relation": ("relation", "relationship"),
    "certifications": (
        "certifications",
        "certification",
        "supported by",
        "microsoft certifications",
        "accepted certifications",
    ),
    "accepted_by": ("accepted by", "auditor", "accepted by auditor"),
    "rationale": ("rationale", "why", "reason", "justification"),
    "decided_by": ("decided by", "decision by", "approved by", "decision owner"),
    "decided_on": ("decided on", "decision date", "date decided", "approved on", "date"),
    "note": ("note", "notes", "comment", "comments", "reference", "minutes"),
    "units": ("units", "business units", "business unit", "unit", "applies to", "for units"),
    "aliases": ("also called", "aliases", "other names", "also known as"),
}
KINDS: dict[str, tuple[str, ...]] = {
    "aliases": ("alias", "aka", "spelling", "our name", "abbreviation"),
    "frameworks": ("framework", "own framework", "internal standard", "standard", "baseline"),
    "relations": ("relation", "decision", "accepted relation", "supports", "auditor decision"),
    "organization": ("organization", "organisation", "org"),
}
# The sheet column each overlay field is read from, per kind.
_COMMON: dict[str, OverlayColumn] = {
    "decided_by": "decided_by",
    "decided_on": "decided_on",
    "note": "note",
}
_FIELDS: dict[str, dict[str, OverlayColumn]] = {
    "aliases": {**_COMMON, "alias": "name", "framework": "framework"},
    "frameworks": {
        **_COMMON,
        "id": "framework",
        "name": "name",
        "short_name": "short_name",
        "relation": "relation",
        "certifications": "certifications",
        "rationale": "rationale",
        "aliases": "aliases",
    },
    "relations": {
        **_COMMON,
        "framework": "framework",
        "relation": "relation",
        "certifications": "certifications",
        "accepted_by": "accepted_by",
        "rationale": "rationale",
        "units": "units",
    },
}
_SPLIT = re.compile(r"[;,\n|]+")


def overlay_layout(
    rows: list[list[Any]], sheet_name: str
) -> tuple[int, dict[OverlayColumn, int]] | None:
    """(header row, column of each overlay column) on a sheet named as an overlay, else None.
    A sheet so named without a Kind and a Decided by header gives (-1, {}): an error."""
    if header_key(sheet_name) not in OVERLAY_SHEET_NAMES:
        return None
    for index, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        columns = header_columns(row, OVERLAY_SYNONYMS)
        if "kind" in columns and "decided_by" in columns:
            return index, columns
    return -1, {}


@dataclass
class _Row:
    """One sheet row: its kind, its cells as read, and the column each entry field came from."""

    excel_row: int
    kind: str
    cells: dict[OverlayColumn, str]
    day: Any  # the Decided on cell, raw (dates are parsed, not read as text)
    fields: dict[str, OverlayColumn] = field(default_factory=dict)


@dataclass
class _Sheet:
    """What the rows of one Overlay sheet became, and their places."""

    sheet: str
    columns: Mapping[OverlayColumn, int]
    rows: dict[str, list[_Row]] = field(default_factory=dict)
    errors: list[Issue] = field(default_factory=list)
    reported: set[str] = field(default_factory=set)  # cells already given an error

    def cell(self, column: OverlayColumn, excel_row: int) -> str:
        if column not in self.columns:
            return f"{self.sheet}!{excel_row}"
        return f"{self.sheet}!{col_letters(self.columns[column] + 1)}{excel_row}"

    def error(self, where: str, message: str) -> None:
        if where not in self.reported:
            self.reported.add(where)
            self.errors.append(Issue(where, message))

    def place(self, entry: ov.Entry) -> tuple[str, OverlayColumn | None]:
        """An overlay problem's cell and column: the entry's row, the field's column."""
        if not entry.kind or entry.index is None:
            return self.sheet, None
        row = self.rows[entry.kind][entry.index]
        column = row.fields.get(entry.field or "")
        if column is None:
            return f"{self.sheet}!{row.excel_row}", None
        return self.cell(column, row.excel_row), column


def _kind(text: str) -> str | None:
    key = header_key(text)
    for kind, names in KINDS.items():
        if key in names or key.removesuffix("es") in names or key.removesuffix("s") in names:
            return kind
    return None


def _slug(text: str) -> str:
    return "-".join(re.findall(r"[0-9a-z]+", text.casefold())) or "framework"


def _parts(text: str) -> list[str]:
    return [p for p in (normalize_text(p) for p in _SPLIT.split(text)) if p]


def _framework_id(text: str, catalog: Catalog, own: Mapping[str, str]) -> str:
    """A framework as the cell names it: an id, one of the sheet's own, or a name recognized."""
    if text in own.values() or any(fw.id == text for fw in catalog.frameworks):
        return text
    found = own.get(header_key(text))
    if found is not None:
        return found
    match = match_text(text, catalog)
    ids = list(dict.fromkeys(c.framework for c in match.frameworks))
    return ids[0] if match.status == "matched" and len(ids) == 1 else text


def _certifications(text: str, catalog: Catalog) -> list[str]:
    """Certification ids as the cell names them (ids, names, or the framework they certify)."""
    out: list[str] = []
    for part in _parts(text):
        key = header_key(part)
        found = next(
            (c.id for c in catalog.certifications if c.id == part or header_key(c.name) == key),
            None,
        )
        if found is None:
            match = match_text(part, catalog)
            fws = {c.framework for c in match.frameworks} if match.status == "matched" else set()
            certs = [c.id for c in catalog.certifications if c.framework in fws]
            found = certs[0] if len(certs) == 1 else part
        out.append(found)
    return out


def _rows(ledger: Ledger, sheet: _Sheet, rows: list[list[Any]], header_row: int) -> list[_Row]:
    """Every non-blank row below the header with its kind; a row of unknown kind is an error."""
    out: list[_Row] = []
    for r in range(header_row + 1, len(rows)):
        row = rows[r]
        if is_blank(row):
            continue
        excel_row = r + 1
        cells: dict[OverlayColumn, str] = {}
        for column, c in sheet.columns.items():
            if column != "decided_on" and c < len(row):
                cells[column] = ledger.text(row[c], (sheet.sheet, c, excel_row))
        at = sheet.columns.get("decided_on")
        day = row[at] if at is not None and at < len(row) else ""
        kind_text = cells.get("kind", "")
        kind = _kind(kind_text)
        if kind is None:
            sheet.error(
                sheet.cell("kind", excel_row),
                f"Kind {kind_text!r} is not one of alias, framework, relation, organization"
                if kind_text
                else "Kind is empty: write alias, framework, relation or organization",
            )
            continue
        out.append(_Row(excel_row, kind, cells, day, dict(_FIELDS.get(kind, {}))))
    return out


def _entry(ledger: Ledger, sheet: _Sheet, row: _Row, own: Mapping[str, str]) -> dict[str, Any]:
    """One row as the overlay entry of its kind (blank cells left out: required ones are then
    reported as empty at their cells)."""
    catalog = ledger.catalog
    cells = row.cells
    entry: dict[str, Any] = {}
    texts: tuple[OverlayColumn, ...] = ("decided_by", "note", "rationale", "accepted_by")
    for key in texts:
        if key in row.fields and cells.get(key):
            entry[key] = cells[key]
    day = parse_date(row.day, date1904=ledger.date1904)
    if isinstance(day, str):
        sheet.error(sheet.cell("decided_on", row.excel_row), f"Decided on: {day}")
    elif isinstance(day, date):
        entry["decided_on"] = day
    units = _parts(cells.get("units", ""))
    if units and row.kind != "relations":
        sheet.error(
            sheet.cell("units", row.excel_row),
            "only a relation can be limited to units: an alias or a framework changes how "
            "every cell of the workbook is read",
        )
    name, fw = cells.get("name", ""), cells.get("framework", "")
    certs = _certifications(cells.get("certifications", ""), catalog)
    if row.kind == "aliases":
        entry.update(alias=name, framework=_framework_id(fw, catalog, own) if fw else "")
    elif row.kind == "frameworks":
        if not fw:
            row.fields["id"] = "name"
        if not cells.get("short_name"):
            row.fields["short_name"] = "name"
        relation = header_key(cells.get("relation", "")) or ("supports" if certs else "none")
        entry.update(
            id=fw or (_slug(name) if name else ""),
            name=name,
            short_name=cells.get("short_name") or name,
            relation=relation,
            certifications=certs,
            aliases=_parts(cells.get("aliases", "")),
        )
    else:
        relation = header_key(cells.get("relation", "")) or "supports"
        entry.update(
            framework=_framework_id(fw, catalog, own) if fw else "",
            relation=relation,
            certifications=certs,
            units=units,
        )
    return {k: v for k, v in entry.items() if v not in ("", None, [])}


def _raw(ledger: Ledger, sheet: _Sheet, rows: list[_Row]) -> dict[str, Any]:
    """The rows as the raw mapping an overlay file holds (`overlay:` at the top)."""
    body: dict[str, Any] = {}
    own: dict[str, str] = {}  # the sheet's own frameworks, by folded id and name
    for row in rows:
        if row.kind == "frameworks":
            name, fw = row.cells.get("name", ""), row.cells.get("framework", "")
            fid = fw or (_slug(name) if name else "")
            if fid:
                own[header_key(fid)] = fid
                own[header_key(name)] = fid
    for row in rows:
        if row.kind == "organization":
            body["organization"] = row.cells.get("name") or None
            continue
        body.setdefault(row.kind, []).append(_entry(ledger, sheet, row, own))
        sheet.rows.setdefault(row.kind, []).append(row)
    return {"overlay": body}


def _digest(raw: Mapping[str, Any]) -> str:
    text = json.dumps(raw, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _problem_issue(sheet: _Sheet, problem: ov.Problem) -> tuple[str, str]:
    where, column = sheet.place(problem.entry)
    header = OVERLAY_HEADERS[column] if column is not None else None
    message = problem.message
    if message == "Field required" or message.startswith(ov.MISSING):
        message = f"{header or problem.entry.field} is empty{message.removeprefix(ov.MISSING)}"
    elif header is not None:
        message = f"{header}: {message}"
    return where, message


@dataclass
class SheetOverlay:
    """An Overlay sheet read: the checked overlay (or None) and what locates its problems."""

    overlay: WorkbookOverlay | None  # None: it has errors (reported), nothing merged
    locate: Callable[[ov.Problem], tuple[str, str]]
    read: WorkbookOverlay | None = None  # the entries that validated, errors or not
    parsed: ov.Parsed | None = None


def read_overlay_sheet(
    ledger: Ledger,
    sheet_name: str,
    rows: list[list[Any]],
    header_row: int,
    columns: Mapping[OverlayColumn, int],
) -> SheetOverlay:
    """Read an Overlay sheet, check it against the ledger's catalog and merge it there (so the
    requirements are recognized with the organization's own names); problems go to the ledger's
    errors at their cells."""
    sheet = _Sheet(sheet_name, columns)
    ledger.overlay_sheet = sheet_name

    def locate(problem: ov.Problem) -> tuple[str, str]:
        return _problem_issue(sheet, problem)

    if header_row < 0:
        wanted = ", ".join(OVERLAY_HEADERS.values())
        ledger.errors.append(
            Issue(sheet_name, f"no header row with Kind and Decided by columns (use {wanted})")
        )
        return SheetOverlay(None, locate)
    raw = _raw(ledger, sheet, _rows(ledger, sheet, rows, header_row))
    parsed = ov.parse(raw)
    overlay = parsed.overlay
    assert overlay is not None  # the rows always make an `overlay:` mapping
    origin = ov.origin_of(overlay, f"{ledger.display}, sheet {sheet_name}", _digest(raw))
    merged, found = ov.check(ledger.catalog, overlay, origin)
    for problem in [*parsed.problems, *parsed.place(found)]:
        where, message = locate(problem)
        if problem.severity == "error":
            sheet.error(where, message)
        else:
            ledger.warn(f"{where}: {message}")
    ledger.errors.extend(sheet.errors)
    kept = WorkbookOverlay(origin=origin, overlay=overlay)
    if merged is None or sheet.errors:
        return SheetOverlay(None, locate, kept, parsed)
    ledger.catalog = merged
    return SheetOverlay(kept, locate, kept, parsed)


def check_overlay_units(ledger: Ledger, found: SheetOverlay) -> None:
    """Every unit an Overlay row names is a unit of the workbook (an error at its cell)."""
    if found.read is None or found.parsed is None:
        return
    names = [u.name for u in ledger.units.values()]
    for problem in found.parsed.place(ov.check_units(found.read.overlay, names)):
        where, message = found.locate(problem)
        ledger.errors.append(Issue(where, message))
