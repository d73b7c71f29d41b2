"""The Evidence on file register: the documents the organization already holds.

Read from an `Evidence on file` sheet in the requirements workbook, or from a workbook of its
own (`--evidence FILE`). Same tolerance as the requirements: header synonyms anywhere in the
first rows, every Excel date form, and cell-precise errors (an end before its start, an expiry
before its issue, a date that cannot be read, a business unit that does not exist). Each row is
recognized against the catalog's evidence documents by title and kind; a row that matches none
is kept (documents empty) and reported in the reconciliation, never dropped.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from pathlib import Path
from typing import Any, Literal

from assessor.domain.errors import InputError, Issue
from assessor.domain.models import Catalog, CellRef, EvidenceKind, EvidenceRecord
from assessor.domain.text import normalize_text
from assessor.intake import zipcheck
from assessor.intake.cells import is_blank, plain
from assessor.intake.columns import HEADER_SCAN_ROWS, header_columns, header_key
from assessor.intake.dates import parse_date
from assessor.intake.extent import col_letters
from assessor.intake.ledger import Ledger
from assessor.intake.limits import DEFAULT_LIMITS, MIB, Limits
from assessor.intake.reconcile import named
from assessor.intake.template import TEMPLATE_EXAMPLE_UNIT

RegisterColumn = Literal[
    "document",
    "kind",
    "period_start",
    "period_end",
    "issued",
    "expires",
    "services",
    "obtained_on",
    "business_unit",
    "where_kept",
]
# The sheet's own name makes it the register even when its headers are few.
REGISTER_SHEET_NAMES = frozenset(
    {
        "evidence on file",
        "evidence register",
        "evidence held",
        "documents on file",
        "evidence inventory",
        "register",
    }
)
REGISTER_HEADERS: dict[RegisterColumn, str] = {
    "document": "Document",
    "kind": "Kind",
    "period_start": "Period start",
    "period_end": "Period end",
    "issued": "Issued",
    "expires": "Expires",
    "services": "Services listed",
    "obtained_on": "Obtained on",
    "business_unit": "Business unit",
    "where_kept": "Where kept",
}
REGISTER_SYNONYMS: dict[RegisterColumn, tuple[str, ...]] = {
    "document": (
        "document",
        "document title",
        "title",
        "document name",
        "file name",
        "report",
        "evidence document",
    ),
    "kind": ("kind", "type", "document type", "document kind", "evidence type"),
    "period_start": (
        "period start",
        "report period start",
        "audit period start",
        "covered from",
        "period from",
        "from",
    ),
    "period_end": (
        "period end",
        "report period end",
        "audit period end",
        "covered to",
        "covered until",
        "period to",
        "to",
    ),
    "issued": ("issued", "issue date", "date issued", "signed", "signature date", "issued on"),
    "expires": ("expires", "expiry", "expiry date", "expiration", "expiration date", "valid until"),
    "services": (
        "services listed",
        "services",
        "in scope services",
        "services in scope",
        "scope",
        "service",
    ),
    "obtained_on": ("obtained on", "obtained", "downloaded", "downloaded on", "date obtained"),
    "business_unit": ("business unit", "bu", "unit", "department", "division", "entity"),
    "where_kept": ("where kept", "location", "path", "link", "stored at", "file", "kept at"),
}
_DATES: tuple[RegisterColumn, ...] = (
    "period_start",
    "period_end",
    "issued",
    "expires",
    "obtained_on",
)

# What people write in the Kind column, by the catalog's kinds.
KIND_SYNONYMS: dict[EvidenceKind, tuple[str, ...]] = {
    "certificate": ("certificate", "iso certificate", "cert", "certification"),
    "audit-report": ("audit report", "audit assessment report", "iso audit report"),
    "assessment-report": ("assessment report", "assessment", "irap report"),
    "soc-report": ("soc report", "soc 1 report", "soc 2 report", "soc 3 report", "soc"),
    "bridge-letter": ("bridge letter", "gap letter", "bridge"),
    "attestation-of-compliance": ("attestation of compliance", "aoc", "pci aoc"),
    "statement-of-applicability": ("statement of applicability", "soa"),
    "letter-of-certification": ("letter of certification", "certification letter"),
    "baa-product-terms": ("baa", "business associate agreement", "product terms"),
    "registry-entry": ("registry entry", "registry", "star registry entry"),
    "guide": ("guide", "implementation guide", "customer responsibility matrix", "crm"),
}
# Kinds that stand for one another when a title is matched (people call any report a report).
_FAMILY: dict[str, str] = {
    "soc-report": "report",
    "audit-report": "report",
    "assessment-report": "report",
    "certificate": "certificate",
    "letter-of-certification": "certificate",
}
# Words in a title that say which standard it is about.
_MARKERS = re.compile(
    r"soc\s*-?\s*[123]\b|(?<!\d)(?:27001|27017|27018|27701|9001|20000|22301)(?!\d)|\bpci\b|\bhitrust\b"
    r"|\birap\b|\bstar\b|\bbridge\b|\bhipaa\b|\bbaa\b|\bc5\b"
)


def _marker_set(text: str) -> frozenset[str]:
    return frozenset(re.sub(r"[\s-]", "", m) for m in _MARKERS.findall(text.casefold()))


def _words(text: str) -> frozenset[str]:
    return frozenset(re.findall(r"[0-9a-z]+", text.casefold()))


def read_kind(text: str) -> EvidenceKind | None:
    """The catalog kind a Kind cell names (exact synonyms after header folding)."""
    key = header_key(text)
    for kind, names in KIND_SYNONYMS.items():
        if key in names or key == kind.replace("-", " "):
            return kind
    return None


def _kind_in_title(title: str) -> EvidenceKind | None:
    """A kind the title's own words name ('... Bridge Letter Q3', '... Certificate')."""
    text = " " + header_key(title) + " "
    order: tuple[tuple[EvidenceKind, tuple[str, ...]], ...] = (
        ("bridge-letter", ("bridge letter", "gap letter")),
        ("attestation-of-compliance", ("attestation of compliance", " aoc ")),
        ("statement-of-applicability", ("statement of applicability", " soa ")),
        ("letter-of-certification", ("letter of certification",)),
        ("certificate", ("certificate",)),
        ("soc-report", ("soc 1", "soc 2", "soc 3", "soc1", "soc2", "soc3")),
        ("audit-report", ("audit assessment report", "audit report")),
        ("assessment-report", ("assessment report",)),
        ("registry-entry", ("registry",)),
        ("baa-product-terms", ("business associate", " baa ")),
        ("guide", ("guide", "responsibility matrix")),
    )
    for kind, words in order:
        if any(w in text for w in words):
            return kind
    return None


def recognize_document(title: str, kind: EvidenceKind | None, catalog: Catalog) -> tuple[str, ...]:
    """The catalog evidence documents a register row is (ids sharing one title pattern), or ().

    An exact or prefix match of the title pattern wins; else the standards the title names must
    include every standard the document's pattern names, of the same kind family, the most
    specific pattern first (word overlap breaks ties).
    """
    folded = header_key(title)
    by_pattern: dict[tuple[str, str], list[str]] = {}
    for cert in catalog.certifications:
        for doc in cert.evidence:
            by_pattern.setdefault((doc.title_pattern, str(doc.kind)), []).append(doc.id)
    kind = kind or _kind_in_title(title)
    family = _FAMILY.get(kind or "", kind or "")
    for (pattern, doc_kind), ids in by_pattern.items():
        key = header_key(pattern)
        same = kind is None or _FAMILY.get(doc_kind, doc_kind) == family
        if key and (folded == key or folded.startswith(key)) and same:
            return tuple(sorted(ids))
    markers = _marker_set(title)
    if not markers or kind is None:
        return ()
    words = _words(title)
    best: tuple[tuple[int, float], tuple[str, str]] | None = None
    for pattern, doc_kind in by_pattern:
        if _FAMILY.get(doc_kind, doc_kind) != family:
            continue
        theirs = _marker_set(pattern)
        if not theirs or not theirs <= markers:
            continue
        overlap = len(words & _words(pattern)) / max(1, len(_words(pattern)))
        exact = 1 if doc_kind == kind else 0
        score = (len(theirs) * 2 + exact, overlap)
        if best is None or score > best[0]:
            best = (score, (pattern, doc_kind))
    return tuple(sorted(by_pattern[best[1]])) if best is not None else ()


# ---------------------------------------------------------------------------
# The sheet


def register_layout(
    rows: list[list[Any]], sheet_name: str = ""
) -> tuple[int, dict[RegisterColumn, int]] | None:
    """(header row, column of each register column) when the sheet is an evidence register:
    a Document column and at least two dated or scope columns (one, on a sheet so named)."""
    named = header_key(sheet_name) in REGISTER_SHEET_NAMES
    for index, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        columns = header_columns(row, REGISTER_SYNONYMS)
        telling = {"kind", "period_start", "period_end", "issued", "expires", "services"}
        found = len(telling & set(columns))
        if "document" in columns and (found >= 3 or (named and found >= 1)):
            return index, columns
    return None


def read_register_sheet(
    ledger: Ledger,
    sheet: str,
    rows: list[list[Any]],
    header_row: int,
    columns: Mapping[RegisterColumn, int],
) -> list[EvidenceRecord]:
    """Every register row below the header; unreadable cells go to the ledger's errors."""
    out: list[EvidenceRecord] = []
    for r in range(header_row + 1, len(rows)):
        if not is_blank(rows[r]):
            record = _read_row(ledger, sheet, rows, header_row, columns, r)
            if record is not None:
                out.append(record)
    return out


def _read_row(
    ledger: Ledger,
    sheet: str,
    rows: list[list[Any]],
    header_row: int,
    columns: Mapping[RegisterColumn, int],
    r: int,
) -> EvidenceRecord | None:
    row = rows[r]
    excel_row = r + 1

    def value(column: RegisterColumn) -> Any:
        c = columns.get(column)
        return row[c] if c is not None and c < len(row) else ""

    def where(column: RegisterColumn) -> str:
        return f"{sheet}!{col_letters(columns[column] + 1)}{excel_row}"

    def text(column: RegisterColumn) -> str:
        return ledger.text(value(column), lambda: where(column)) if column in columns else ""

    title = text("document")
    if not title:
        ledger.errors.append(
            Issue(where("document"), "Document is empty: name the document as downloaded")
        )
        return None
    dates: dict[RegisterColumn, date | None] = {}
    for column in _DATES:
        dates[column] = None
        if column not in columns:
            continue
        parsed = parse_date(value(column), date1904=ledger.date1904)
        if isinstance(parsed, str):
            header = normalize_text(plain(rows[header_row][columns[column]]))
            ledger.errors.append(Issue(where(column), f"{header}: {parsed}"))
        else:
            dates[column] = parsed
    _order(
        ledger,
        dates,
        "period_start",
        "period_end",
        where,
        "the period ends {b} before it starts {a}",
    )
    _order(ledger, dates, "issued", "expires", where, "it expires {b} before it was issued {a}")
    kind_text = text("kind")
    kind = read_kind(kind_text) if kind_text else None
    if kind_text and kind is None:
        ledger.warn(f"{where('kind')}: kind {kind_text!r} not known; read from the title instead")
    services = tuple(
        s for s in (normalize_text(p) for p in re.split(r"[;\n,|]+", text("services"))) if s
    )
    unit = text("business_unit")
    if unit.casefold() == TEMPLATE_EXAMPLE_UNIT.casefold():
        return None  # the template's example row: read silently, like its hidden list
    return EvidenceRecord(
        source=CellRef(
            file=ledger.display,
            sheet=sheet,
            row=excel_row,
            column=col_letters(columns["document"] + 1),
        ),
        title=title,
        kind=kind,
        kind_text=kind_text or None,
        period_start=dates["period_start"],
        period_end=dates["period_end"],
        issued=dates["issued"],
        expires=dates["expires"],
        services=services,
        obtained_on=dates["obtained_on"],
        business_unit=unit or None,
        where_kept=text("where_kept") or None,
        documents=recognize_document(title, kind, ledger.catalog),
    )


def _order(
    ledger: Ledger,
    dates: Mapping[RegisterColumn, date | None],
    first: RegisterColumn,
    second: RegisterColumn,
    where: Callable[[RegisterColumn], str],
    message: str,
) -> None:
    a, b = dates.get(first), dates.get(second)
    if a is not None and b is not None and b < a:
        ledger.errors.append(Issue(where(second), message.format(a=a.isoformat(), b=b.isoformat())))


def check_units(
    records: Iterable[EvidenceRecord], units: Iterable[str], display: str
) -> tuple[tuple[EvidenceRecord, ...], list[Issue]]:
    """Rows naming a unit take its spelling; a unit that does not exist is an error at its cell."""
    known = {u.casefold(): u for u in units}
    out: list[EvidenceRecord] = []
    issues: list[Issue] = []
    for record in records:
        unit = record.business_unit
        if unit is None:
            out.append(record)
            continue
        found = known.get(unit.casefold())
        if found is None:
            listed = ", ".join(sorted(known.values())) or "none"
            issues.append(
                Issue(
                    f"{record.source.sheet}!{record.source.row}",
                    f"business unit {unit!r} does not exist (units: {listed})",
                )
            )
            continue
        out.append(record.model_copy(update={"business_unit": found}))
    return tuple(out), issues


# ---------------------------------------------------------------------------
# A register workbook of its own (--evidence FILE)


def read_register(
    path: Path,
    catalog: Catalog,
    *,
    display_name: str | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> tuple[EvidenceRecord, ...]:
    """Read a register workbook: its Evidence on file sheet (or the first sheet that is one)."""
    from assessor.intake.sheets import load_sheets

    display = display_name or path.name
    try:
        size = path.stat().st_size
        if size > limits.max_file_bytes:
            raise InputError(
                f"{display}: the file is {size / MIB:.1f} MiB; the limit is "
                f"{limits.max_file_bytes // MIB} MiB"
            )
        data = path.read_bytes()
    except IsADirectoryError:
        raise InputError(f"{display}: is a folder, not a workbook") from None
    except OSError as err:
        raise InputError(f"{display}: cannot read the file ({err.strerror or err})") from None
    package = zipcheck.check_package(data, display, limits)
    ledger = Ledger(
        display=display, catalog=catalog, date1904=package.date1904, stem=Path(display).stem
    )
    records: list[EvidenceRecord] = []
    found = False
    for sheet in load_sheets(data, package, ledger, limits):
        layout = register_layout(sheet.rows, sheet.name)
        if layout is None:
            continue
        found = True
        records += read_register_sheet(ledger, sheet.name, sheet.rows, *layout)
    if not found:
        wanted = ", ".join(REGISTER_HEADERS.values())
        raise InputError(
            f"{display}: no Evidence on file sheet found: no header row names a Document "
            "column with kinds, dates or services",
            hint=f"use the columns {wanted} (the template's Evidence on file sheet)",
        )
    if ledger.errors:
        raise InputError(
            f"{display}: {len(ledger.errors)} register cell(s) to fix, each named below",
            issues=named(ledger.errors),
            hint="write dates as YYYY-MM-DD or use real date cells; an end or expiry must "
            "not come before its start or issue",
        )
    return tuple(records)
