"""The Evidence status chapter: each document a unit's findings need, its state against the
register and the audit period, and a timeline (SVG geometry computed here; templates compute
nothing). Pure."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from assessor.assess.evidence import add_months, audit_range, days
from assessor.domain.models import (
    EVIDENCE_STATES,
    Assessment,
    AssessorModel,
    Catalog,
    DateRange,
    EvidenceFile,
    EvidenceRecord,
    EvidenceRef,
    EvidenceState,
    EvidenceStatus,
    RegisterRef,
)
from assessor.domain.text import long_date
from assessor.views.findings import FindingView
from assessor.views.labels import kind_label

STATE_LABELS: dict[EvidenceState, str] = {
    "on-file": "On file",
    "period-gap": "Period gap",
    "expired": "Expired",
    "service-not-listed": "Service not listed",
    "to-request": "To request",
}
# A shape per state, so that a state never rests on colour alone.
STATE_MARKS: dict[EvidenceState, str] = {
    "on-file": "\u2713",  # ✓
    "period-gap": "\u25d0",  # ◐
    "expired": "\u2715",  # ✕
    "service-not-listed": "\u2260",  # ≠
    "to-request": "\u2610",  # ☐
}
STATE_DEFINITIONS: dict[EvidenceState, str] = {
    "on-file": "A document on file covers the whole audit period and lists the unit's service.",
    "period-gap": "Documents on file cover part of the period; the uncovered days are named.",
    "expired": "The certificate, AoC or letter on file lapsed before the period ends.",
    "service-not-listed": "The document on file does not list the unit's service.",
    "to-request": "Nothing on file: request it from the Service Trust Portal.",
}
TIMELINE_WIDTH = 470
TIMELINE_HEIGHT = 40
_BAR_Y, _BAR_H = 12, 12


class Bar(AssessorModel):
    """One rectangle of a timeline."""

    x: float
    width: float
    style: str  # "covered", "bridged", "uncovered"
    label: str  # for the SVG title (screen readers, hover)


class Tick(AssessorModel):
    """A year mark on a timeline's axis."""

    x: float
    label: str


class Timeline(AssessorModel):
    """The audit period against one document's coverage, in SVG user units."""

    width: int
    height: int
    period_x: float
    period_width: float
    period_label: str
    bars: tuple[Bar, ...]
    ticks: tuple[Tick, ...]
    description: str


class HeldFile(AssessorModel):
    """A file the unit's findings rely on: the register row's document (or its bridge letter)."""

    register_row: str
    title: str
    role: str  # "document" or "bridge letter"
    file: EvidenceFile


class StatusItem(AssessorModel):
    """One document a unit's findings need, with its state and what to do."""

    title: str
    kind_label: str
    frameworks: tuple[str, ...]
    state: EvidenceState
    state_label: str
    state_mark: str
    register_row: str | None  # "Evidence on file row 4 (register.xlsx)"
    register_title: str | None
    dates: str | None  # what the row on file gives
    details: tuple[str, ...]
    expiring: str | None
    next_refresh: str | None
    request: str | None
    self_attested: bool
    where_kept: str | None
    file: EvidenceFile | None
    timeline: Timeline
    findings: tuple[str, ...] = ()  # the finding references it supports (F-001, ...)
    valid_label: str | None = None  # the period or validity judged, for the pack manifest
    held_files: tuple[HeldFile, ...] = ()


class StateCount(AssessorModel):
    """How many documents are in one state."""

    key: EvidenceState
    label: str
    mark: str
    count: int
    definition: str


class UnmatchedRow(AssessorModel):
    """A register row recognized as none of the catalog's documents (kept, not dropped)."""

    where: str
    title: str
    kind: str | None


class EvidenceStatusView(AssessorModel):
    """The Evidence status chapter."""

    has_register: bool
    intro: str
    counts: tuple[StateCount, ...]
    items: tuple[StatusItem, ...]
    collected: int  # documents on file for this unit (on-file)
    missing: int  # documents still missing (any other state)
    unmatched: tuple[UnmatchedRow, ...]
    missing_files: tuple[str, ...]
    rows_on_file: int


def _range_label(span: DateRange) -> str:
    return f"{long_date(span.start)} to {long_date(span.end)}"


def _row_label(ref: RegisterRef) -> str:
    return f"{ref.sheet} row {ref.row} ({ref.file})"


def _record(records: Sequence[EvidenceRecord], ref: RegisterRef | None) -> EvidenceRecord | None:
    if ref is None:
        return None
    for r in records:
        if (r.source.file, r.source.sheet, r.source.row) == (ref.file, ref.sheet, ref.row):
            return r
    return None


def _dates(record: EvidenceRecord) -> str | None:
    parts: list[str] = []
    if record.period_start or record.period_end:
        start = long_date(record.period_start) if record.period_start else "?"
        end = long_date(record.period_end) if record.period_end else "?"
        parts.append(f"period {start} to {end}")
    if record.issued:
        parts.append(f"issued {long_date(record.issued)}")
    if record.expires:
        parts.append(f"expires {long_date(record.expires)}")
    if record.services:
        parts.append("lists " + ", ".join(record.services))
    return "; ".join(parts) or None


def _source_label(catalog: Catalog, status: EvidenceStatus) -> str:
    if status.cadence_source is None:
        return ""
    try:
        title = catalog.source(status.cadence_source).title
    except KeyError:
        title = status.cadence_source
    dated = f", {long_date(status.cadence_checked)}" if status.cadence_checked else ""
    return f" (cadence: every {status.cadence_months} months, per {title}{dated})"


def _limit(status: EvidenceStatus, catalog: Catalog) -> str:
    if status.valid_to is None:
        return ""
    until = long_date(status.valid_to)
    if status.limit == "hard-end":
        return (
            f"It counts only until {until}: {status.limit_edition} certificates are invalid "
            "after that date (IAF transition)."
        )
    if status.limit == "validity":
        return f"It counts only until {until}: the validity its kind allows from its issue date."
    if status.limit == "expires":
        return f"It expires on {until}."
    if status.limit == "cadence":
        return f"Without a period, it counts from its issue until {until} (the next audit due)."
    return f"It covers up to {until}."


def _details(
    status: EvidenceStatus, record: EvidenceRecord | None, service: str, catalog: Catalog
) -> list[str]:
    out: list[str] = []
    rules = catalog.evidence
    if status.state == "service-not-listed":
        listed = ", ".join(record.services) if record and record.services else "no services"
        out.append(
            f"The document on file lists {listed}; not {service}. Find the edition that does."
        )
        return out
    for gap in status.uncovered:
        text = f"Not covered: {_range_label(gap)} ({days(gap)} days)."
        if days(gap) > rules.bridge_max_days:
            text += (
                f" Longer than the {rules.bridge_max_days} days (three months) common practice "
                "accepts a bridge letter for: a newer report or other evidence is needed."
            )
        elif status.state == "period-gap":
            text += " A bridge letter for these days, or the next report, would close it."
        out.append(text)
    for span in status.bridged:
        by = f" ({_row_label(status.bridge)})" if status.bridge else ""
        out.append(
            f"{_range_label(span)} rests on the bridge letter on file{by}: Microsoft's own "
            "statement (self-attested), not an auditor's opinion."
        )
    if status.state in ("expired", "period-gap") and status.limit not in (None, "period"):
        out.append(_limit(status, catalog))
    return out


def _timeline(
    status: EvidenceStatus, audit: DateRange, domain: DateRange, period_label: str
) -> Timeline:
    total = max(1, (domain.end - domain.start).days + 1)
    scale = TIMELINE_WIDTH / total

    def x(day: date) -> float:
        clamped = min(max(day, domain.start), domain.end + timedelta(days=1))
        return round((clamped - domain.start).days * scale, 1)

    def bar(span: DateRange, style: str, label: str) -> Bar | None:
        left, right = x(span.start), x(span.end + timedelta(days=1))
        if right <= left:
            return None
        return Bar(x=left, width=round(right - left, 1), style=style, label=label)

    bars: list[Bar | None] = [
        bar(s, "covered", f"on file: {_range_label(s)}") for s in status.covered
    ]
    bars += [bar(s, "bridged", f"bridge letter: {_range_label(s)}") for s in status.bridged]
    bars += [bar(s, "uncovered", f"not covered: {_range_label(s)}") for s in status.uncovered]
    ticks = [
        Tick(x=x(date(year, 1, 1)), label=str(year))
        for year in range(domain.start.year + 1, domain.end.year + 1)
    ]
    described = "; ".join(b.label for b in bars if b is not None) or "nothing on file"
    return Timeline(
        width=TIMELINE_WIDTH,
        height=TIMELINE_HEIGHT,
        period_x=x(audit.start),
        period_width=round(x(audit.end + timedelta(days=1)) - x(audit.start), 1),
        period_label=period_label,
        bars=tuple(b for b in bars if b is not None),
        ticks=tuple(ticks),
        description=f"Audit period {period_label}; {described}.",
    )


def _domain(audit: DateRange, statuses: Sequence[EvidenceStatus]) -> DateRange:
    """One axis for every timeline, so they align: the period with some context either side."""
    low, high = add_months(audit.start, -6), add_months(audit.end, 3)
    for status in statuses:
        for span in status.covered:
            low = min(low, max(span.start, add_months(audit.start, -18)))
            high = max(high, min(span.end, add_months(audit.end, 18)))
    return DateRange(start=date(low.year, low.month, 1), end=high)


def _held(records: Sequence[EvidenceRecord], status: EvidenceStatus) -> tuple[HeldFile, ...]:
    out: list[HeldFile] = []
    for ref, role in ((status.on_file, "document"), (status.bridge, "bridge letter")):
        record = _record(records, ref)
        if ref is not None and record is not None and record.file is not None:
            out.append(
                HeldFile(register_row=_row_label(ref), title=ref.title, role=role, file=record.file)
            )
    return tuple(out)


def _request(status: EvidenceStatus, catalog: Catalog) -> str | None:
    if status.state == "on-file" or not status.request:
        return None
    spans = "; ".join(_range_label(s) for s in status.request)
    return f"Ask for the edition covering {spans}{_source_label(catalog, status)}."


def _intro(assessment: Assessment, documents: int, collected: int, period_label: str) -> str:
    """The chapter's first sentence: what was checked against what, or why nothing was."""
    if not assessment.has_register:
        return (
            "No evidence register was given, so every document the findings rely on is still to "
            "be requested; the report periods to ask for follow each certification's cadence. "
            "Add an Evidence on file sheet (or --evidence FILE) to check what the organization "
            "already holds."
        )
    rows = len(assessment.evidence)
    return (
        f"{documents} document{'s' if documents != 1 else ''} the findings rely on, "
        f"checked against the {rows} register row{'s' if rows != 1 else ''} that apply to this "
        f"unit and the period {period_label}: {collected} on file, {documents - collected} still "
        "missing or short."
    )


def _register_problems(
    assessment: Assessment,
) -> tuple[tuple[UnmatchedRow, ...], tuple[str, ...]]:
    """Register rows that name no catalog document, and rows whose file is missing."""
    unmatched = tuple(
        UnmatchedRow(
            where=f"{r.source.sheet} row {r.source.row} ({r.source.file})",
            title=r.title,
            kind=r.kind_text,
        )
        for r in assessment.evidence
        if not r.documents
    )
    missing_files = tuple(
        f"{r.source.sheet} row {r.source.row}: {r.file.path}"
        + (f" ({r.file.note})" if r.file.note else "")
        for r in assessment.evidence
        if r.file is not None and r.file.status != "found"
    )
    return unmatched, missing_files


def evidence_status(
    views: Sequence[FindingView], assessment: Assessment, catalog: Catalog, service: str
) -> EvidenceStatusView:
    """Every document the unit's findings need, once, with its state and timeline."""
    docs: dict[tuple[str, str], list[tuple[EvidenceRef, FindingView]]] = {}
    for fv in views:
        for ev in fv.evidence:
            docs.setdefault((ev.title, ev.kind), []).append((ev, fv))
    audit = audit_range(assessment.period)
    statuses = {
        key: uses[0][0].status or EvidenceStatus(state="to-request") for key, uses in docs.items()
    }
    domain = _domain(audit, list(statuses.values()))
    period_label = _range_label(audit)
    order = {state: i for i, state in enumerate(EVIDENCE_STATES)}
    items: list[StatusItem] = []
    for key, uses in docs.items():
        ev = uses[0][0]
        status = statuses[key]
        record = _record(assessment.evidence, status.on_file)
        items.append(
            StatusItem(
                title=ev.title,
                kind_label=kind_label(ev.kind),
                frameworks=tuple(sorted({fv.framework_label for _, fv in uses}, key=str.casefold)),
                state=status.state,
                state_label=STATE_LABELS[status.state],
                state_mark=STATE_MARKS[status.state],
                register_row=_row_label(status.on_file) if status.on_file else None,
                register_title=status.on_file.title if status.on_file else None,
                dates=_dates(record) if record else None,
                details=tuple(_details(status, record, service, catalog)),
                expiring=(
                    f"Expiring: lapses on {long_date(status.expiring)}" if status.expiring else None
                ),
                next_refresh=(
                    f"Next expected around {long_date(status.next_refresh)}"
                    f"{_source_label(catalog, status)}."
                    if status.next_refresh and status.state != "to-request"
                    else None
                ),
                request=_request(status, catalog),
                self_attested=any(e.self_attested for e, _ in uses),
                where_kept=record.where_kept if record else None,
                file=record.file if record else None,
                timeline=_timeline(status, audit, domain, period_label),
                findings=tuple(dict.fromkeys(fv.ref for _, fv in uses)),
                valid_label="; ".join(_range_label(c) for c in status.covered) or None,
                held_files=_held(assessment.evidence, status),
            )
        )
    items.sort(key=lambda i: (order[i.state], i.title.casefold()))
    counts = tuple(
        StateCount(
            key=state,
            label=STATE_LABELS[state],
            mark=STATE_MARKS[state],
            count=sum(1 for i in items if i.state == state),
            definition=STATE_DEFINITIONS[state],
        )
        for state in EVIDENCE_STATES
    )
    unmatched, missing_files = _register_problems(assessment)
    collected = sum(1 for i in items if i.state == "on-file")
    intro = _intro(assessment, len(items), collected, period_label)
    return EvidenceStatusView(
        has_register=assessment.has_register,
        intro=intro,
        counts=counts,
        items=tuple(items),
        collected=collected,
        missing=len(items) - collected,
        unmatched=unmatched,
        missing_files=missing_files,
        rows_on_file=len(assessment.evidence),
    )
