"""Build the report view: everything a template needs, sorted, labelled and counted (pure)."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable
from datetime import date
from typing import Any, Literal

from assessor.domain.models import (
    RESPONSIBILITIES,
    STATUSES,
    Assessment,
    AssessorModel,
    Catalog,
    CellRef,
    Certification,
    EvidenceKind,
    EvidenceRef,
    Finding,
    FrameworkRef,
    IntakeResult,
    Period,
    Reason,
    RejectedRow,
    Responsibility,
    ServiceProfile,
    Status,
    StpSection,
)
from assessor.domain.text import long_date

SCHEMA_VERSION = 1  # version of the JSON report contract (docs/report-schema.json)

STATUS_LABELS: dict[Status, str] = {
    "covered": "Covered",
    "partial": "Partial",
    "gap": "Gap",
    "unrecognized": "Not recognized",
}
# A shape per status, so that status never rests on colour alone (grayscale print).
STATUS_MARKS: dict[Status, str] = {
    "covered": "\u25cf",  # ● filled circle
    "partial": "\u25d0",  # ◐ half-filled circle
    "gap": "\u25cb",  # ○ empty circle
    "unrecognized": "?",
}
STATUS_DEFINITIONS: dict[Status, str] = {
    "covered": (
        "The service held a certification for this framework, in scope and in the version "
        "asked for, for a period inside the service's life. The organization still evidences "
        "its own part (see the customer responsibilities)."
    ),
    "partial": (
        "A held certification only supports the framework, covers another version or type than "
        "the one asked for, has a scope the service's documentation does not confirm, or the "
        "period runs past the service's end of life. The caveats say which."
    ),
    "gap": (
        "Nothing the service holds supports this framework. The organization must evidence it "
        "entirely through its own controls and audits."
    ),
    "unrecognized": (
        "The text names no framework the catalog knows. The closest known frameworks are "
        "suggested; correct the entry and run the assessment again."
    ),
}
RESPONSIBILITY_LABELS: dict[Responsibility, str] = {
    "microsoft": "Microsoft",
    "shared": "Shared",
    "customer": "Customer",
}
RESPONSIBILITY_DEFINITIONS: dict[Responsibility, str] = {
    "microsoft": "Microsoft's certification evidences the requirement with no customer duty.",
    "shared": (
        "Microsoft evidences its part of the service; the organization must evidence its own "
        "configuration, processes and people. Marked SHARED throughout this report."
    ),
    "customer": "The organization evidences the requirement itself; the service gives no support.",
}
KIND_LABELS: dict[EvidenceKind, str] = {
    "certificate": "Certificate",
    "audit-report": "Audit report",
    "assessment-report": "Assessment report",
    "statement-of-applicability": "Statement of applicability",
    "soc-report": "SOC report",
    "bridge-letter": "Bridge letter",
    "attestation-of-compliance": "Attestation of compliance",
    "letter-of-certification": "Letter of certification",
    "baa-product-terms": "BAA / product terms",
    "registry-entry": "Registry entry",
    "guide": "Guide",
}
_KEY_GAP_NAMES = 8  # names listed per kind in the executive summary paragraph
DISPLAY_CHARS = 400  # longest user text shown in the PDF/HTML per field (JSON keeps it whole)
HEADER_CHARS = 60  # longest name in the running header


def clip(text: str, limit: int = DISPLAY_CHARS) -> str:
    """User text cut to `limit` characters with a visible marker (layout stays bounded)."""
    if len(text) <= limit:
        return text
    return f"{text[:limit].rstrip()}\u2026 [{len(text) - limit} more characters]"


# ---------------------------------------------------------------------------
# View models


class Count(AssessorModel):
    """One count in the summary, with its label, share and mark."""

    key: str
    label: str
    mark: str
    count: int
    percent: int


class ChartBar(AssessorModel):
    """One bar of the summary chart, with its geometry precomputed (SVG user units)."""

    status: Status
    label: str
    mark: str
    count: int
    y: int
    width: int
    text_x: int


class Chart(AssessorModel):
    """The inline SVG bar chart of findings by status."""

    width: int
    height: int
    label_width: int
    bar_height: int
    bars: tuple[ChartBar, ...]


class FindingView(AssessorModel):
    """A finding, with its reference number and display labels."""

    ref: str
    source: CellRef
    location: str
    cell: str
    requirement: str
    requirement_display: str
    framework: FrameworkRef | None
    framework_label: str
    framework_short: str | None
    status: Status
    status_label: str
    status_mark: str
    responsibility: Responsibility
    responsibility_label: str
    shared: bool
    certifications: tuple[str, ...]
    certification_names: tuple[str, ...]
    evidence: tuple[EvidenceRef, ...]
    customer_actions: tuple[str, ...]
    caveats: tuple[str, ...]
    suggestions: tuple[str, ...]
    suggestion_names: tuple[str, ...]
    rationale: str
    reasons: tuple[Reason, ...] = ()


class EvidenceItem(AssessorModel):
    """An STP document to request, listed once, with everything that needs it."""

    title: str
    kind: str
    kind_label: str
    mmd_location: str
    restricted: bool
    self_attested: bool
    certifications: tuple[str, ...]
    frameworks: tuple[str, ...]


class EvidenceSection(AssessorModel):
    """The evidence documents found in one Service Trust Portal section."""

    key: str
    name: str
    path: str
    note: str | None
    stale: bool
    items: tuple[EvidenceItem, ...]


class EvidenceLine(AssessorModel):
    """An evidence document as listed under a framework."""

    title: str
    kind_label: str
    section: str
    restricted: bool
    self_attested: bool


class CertificationView(AssessorModel):
    """What a certification is, proves and does not prove."""

    id: str
    name: str
    standard: str
    assurance: str
    auditor: str
    cadence: str
    validity: str
    scope: str
    scope_note: str
    proves: str
    does_not_prove: str
    caveats: tuple[str, ...]
    number: str = ""
    anchor: str = ""
    evidence: tuple[EvidenceLine, ...] = ()
    frameworks: tuple[str, ...] = ()


class RequirementLine(AssessorModel):
    """A requirement as listed under its framework."""

    ref: str
    requirement: str
    location: str
    cell: str
    status: Status
    status_label: str
    status_mark: str
    responsibility_label: str
    shared: bool


class RationaleGroup(AssessorModel):
    """Why some requirements got their status (one engine rationale, the refs it applies to)."""

    refs: str
    status_label: str
    text: str


class CertRef(AssessorModel):
    """A link from a framework to the certification block it rests on."""

    number: str
    name: str
    anchor: str


class FrameworkDetail(AssessorModel):
    """Per-framework detail: certifications, evidence, duties, caveats."""

    key: str
    name: str
    full_name: str
    versions: tuple[str, ...]
    category: str
    relation: str
    rationale: str
    reasons: tuple[RationaleGroup, ...]
    requirements: tuple[RequirementLine, ...]
    certifications: tuple[CertificationView, ...]
    evidence: tuple[EvidenceLine, ...]
    customer_actions: tuple[str, ...]
    caveats: tuple[str, ...]
    suggestions: tuple[str, ...]
    # Said once elsewhere: the certification blocks this framework rests on (their proves,
    # evidence, caveats); below, only what is this framework's own.
    cert_refs: tuple[CertRef, ...] = ()
    own_actions: tuple[str, ...] = ()
    own_caveats: tuple[str, ...] = ()
    own_evidence: tuple[EvidenceLine, ...] = ()


class ChecklistGroup(AssessorModel):
    """What the organization must still evidence itself, for one framework."""

    name: str
    status_label: str
    items: tuple[str, ...]


class SourceView(AssessorModel):
    """A source the catalog rests on, with its checked date."""

    id: str
    title: str
    publisher: str
    url: str
    checked: str


class ReconciliationRow(AssessorModel):
    """One source row and what became of it."""

    location: str
    sheet: str
    row: int
    text: str
    outcome: Literal["assessed", "rejected"]
    results: tuple[str, ...]


class Definition(AssessorModel):
    """A term and its definition, with the mark it is shown with."""

    key: str
    label: str
    mark: str
    text: str


class CatalogInfo(AssessorModel):
    """Catalog identity printed on every report."""

    title: str
    as_of: date
    as_of_label: str
    schema_version: int
    sha256: str
    sha256_short: str


class SourceFile(AssessorModel):
    """The input workbook's identity."""

    file: str
    sha256: str
    sha256_short: str
    sheets: tuple[str, ...]
    data_rows: int


class ReportView(AssessorModel):
    """Everything the templates and the JSON/XLSX writers need for one business unit."""

    schema_version: int
    title: str
    subject: str
    organization: str
    business_unit: str
    header_organization: str
    header_unit: str
    unit_owner: str | None
    unit_auditor: str | None
    as_of: date
    as_of_label: str
    period_label: str
    period_basis: str
    service_name: str
    lifecycle_statement: str
    lifecycle_note: str
    lifecycle_source: str
    period_after_eol: bool
    successors: tuple[str, ...]
    catalog: CatalogInfo
    source: SourceFile
    tool_version: str
    single_sheet: str | None
    total: int
    status_counts: tuple[Count, ...]
    responsibility_counts: tuple[Count, ...]
    shared_count: int
    chart: Chart
    key_gaps: str
    findings: tuple[FindingView, ...]
    frameworks: tuple[FrameworkDetail, ...]
    certifications: tuple[CertificationView, ...] = ()
    unrecognized: tuple[FindingView, ...]
    checklist: tuple[ChecklistGroup, ...]
    evidence_sections: tuple[EvidenceSection, ...]
    evidence_count: int
    stp_home: str
    stp_note: str
    status_definitions: tuple[Definition, ...]
    responsibility_definitions: tuple[Definition, ...]
    methodology: tuple[str, ...]
    sources: tuple[SourceView, ...]
    reconciliation: tuple[ReconciliationRow, ...]
    rejected: tuple[RejectedRow, ...]
    warnings: tuple[str, ...]
    period: Period | None = None  # the period judged, typed (OSCAL start/end, the diff)


# ---------------------------------------------------------------------------
# Building


def _unique(values: Iterable[str]) -> tuple[str, ...]:
    """Values in first-seen order, each once."""
    return tuple(dict.fromkeys(v for v in values if v))


def _percent(count: int, total: int) -> int:
    """Whole-number share, 0 when there is nothing to share."""
    return round(100 * count / total) if total else 0


def _short_name(catalog: Catalog, ref: FrameworkRef) -> str:
    """The catalog's short name for a framework, else the name the finding carries."""
    try:
        return catalog.framework(ref.id).short_name or ref.name
    except KeyError:
        return ref.name


def _framework_label(ref: FrameworkRef | None, catalog: Catalog) -> str:
    """`ISO/IEC 27001:2022`, `SOX`: the short name with the version asked for, or a dash."""
    if ref is None:
        return "\u2014"
    short = _short_name(catalog, ref)
    if not ref.version:
        return short
    if short.casefold() in ref.version.casefold():
        return ref.version
    return f"{short} {ref.version}"


def _framework_name(catalog: Catalog, framework_id: str) -> str:
    """A framework's display name, or its id when the catalog lacks it."""
    try:
        return catalog.framework(framework_id).name
    except KeyError:
        return framework_id


def _certification(catalog: Catalog, cert_id: str) -> Certification | None:
    """The certification, or None when the catalog lacks it."""
    try:
        return catalog.certification(cert_id)
    except KeyError:
        return None


def _service(catalog: Catalog, name: str) -> ServiceProfile | None:
    """The service profile the assessment names (by id or name), else the default one."""
    for svc in catalog.services:
        if name in (svc.id, svc.name):
            return svc
    try:
        return catalog.service()
    except KeyError:
        return None


def _sort_key(ref: CellRef, sheets: tuple[str, ...]) -> tuple[int, str, int]:
    """Workbook order: sheets as read, then row."""
    index = sheets.index(ref.sheet) if ref.sheet in sheets else len(sheets)
    return (index, ref.sheet, ref.row)


def _finding_view(ref: str, finding: Finding, catalog: Catalog) -> FindingView:
    """Label one finding for display."""
    cert_names = []
    for cid in finding.certifications:
        cert = _certification(catalog, cid)
        cert_names.append(cert.name if cert else cid)
    return FindingView(
        ref=ref,
        source=finding.source,
        location=str(finding.source),
        cell=f"{finding.source.column or ''}{finding.source.row}",
        requirement=finding.requirement,
        requirement_display=clip(finding.requirement),
        framework=finding.framework,
        framework_label=_framework_label(finding.framework, catalog),
        framework_short=_short_name(catalog, finding.framework) if finding.framework else None,
        status=finding.status,
        status_label=STATUS_LABELS[finding.status],
        status_mark=STATUS_MARKS[finding.status],
        responsibility=finding.responsibility,
        responsibility_label=RESPONSIBILITY_LABELS[finding.responsibility],
        shared=finding.responsibility == "shared",
        certifications=finding.certifications,
        certification_names=tuple(cert_names),
        evidence=finding.evidence,
        customer_actions=finding.customer_actions,
        caveats=finding.caveats,
        suggestions=finding.suggestions,
        suggestion_names=tuple(_framework_name(catalog, s) for s in finding.suggestions),
        rationale=finding.rationale,
        reasons=finding.reasons,
    )


def _chart(counts: tuple[Count, ...]) -> Chart:
    """Bars scaled to the largest count; geometry here so templates do no arithmetic."""
    label_width, bar_area, bar_height, gap = 150, 300, 22, 10
    top = max((c.count for c in counts), default=0)
    bars = []
    for i, c in enumerate(counts):
        width = round(bar_area * c.count / top) if top else 0
        if c.count and width < 3:
            width = 3
        status: Status = c.key  # type: ignore[assignment]
        bars.append(
            ChartBar(
                status=status,
                label=c.label,
                mark=c.mark,
                count=c.count,
                y=i * (bar_height + gap),
                width=width,
                text_x=label_width + width + 8,
            )
        )
    height = len(counts) * (bar_height + gap) - gap
    return Chart(
        width=label_width + bar_area + 60,
        height=height,
        label_width=label_width,
        bar_height=bar_height,
        bars=tuple(bars),
    )


def _name_list(names: list[str]) -> str:
    """`A, B and C`, capped with `and N more`."""
    names = list(dict.fromkeys(names))
    if len(names) > _KEY_GAP_NAMES:
        rest = len(names) - (_KEY_GAP_NAMES - 1)
        names = [*names[: _KEY_GAP_NAMES - 1], f"{rest} more"]
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " and " + names[-1]


def _plural(count: int, one: str, many: str) -> str:
    """`1 requirement` / `3 requirements`."""
    return f"{count} {one if count == 1 else many}"


def _key_gaps(findings: tuple[FindingView, ...], service: str, after_eol: bool) -> str:
    """The most important gaps, in one paragraph."""
    gaps = [f for f in findings if f.status == "gap"]
    partial = [f for f in findings if f.status == "partial"]
    unknown = [f for f in findings if f.status == "unrecognized"]
    covered = [f for f in findings if f.status == "covered"]
    parts: list[str] = []
    if gaps:
        parts.append(
            f"{_plural(len(gaps), 'requirement has', 'requirements have')} no support in "
            f"{service}'s certifications and must be evidenced entirely by the organization: "
            f"{_name_list([f.framework_label for f in gaps])}."
        )
    if partial:
        parts.append(
            f"{_plural(len(partial), 'requirement is', 'requirements are')} only partly "
            f"supported ({_name_list([f.framework_label for f in partial])}); the caveats in "
            "the framework detail say what is missing."
        )
    if unknown:
        parts.append(
            f"{_plural(len(unknown), 'entry names', 'entries name')} no framework the catalog "
            f"knows ({_name_list([repr(clip(f.requirement, 80)) for f in unknown])}) and must be "
            "corrected before they can be assessed."
        )
    if after_eol:
        parts.append(
            f"The assessed period runs past {service}'s end of life, so none of its "
            "certifications can show coverage for it; assess the successor services instead."
        )
    shared = sum(1 for f in findings if f.shared)
    if shared:
        parts.append(
            f"{_plural(shared, 'item is', 'items are')} SHARED: Microsoft's evidence covers "
            "only its own part, and the organization must evidence the rest."
        )
    if not parts and covered:
        parts.append("Every requirement is covered; the organization's own duties remain.")
    if not parts:
        parts.append("The business unit lists no requirements.")
    return " ".join(parts)


def _lifecycle(
    service: ServiceProfile | None, name: str, assessment: Assessment
) -> tuple[str, bool, tuple[str, ...], str]:
    """The lifecycle stated plainly, whether the period runs past it, successors, the source."""
    if service is None:
        return (assessment.lifecycle_note, False, (), "")
    life = service.lifecycle
    quote = life.statement
    if life.status == "end-of-life" and life.end_of_life is not None:
        eol = life.end_of_life
        verb = "reached" if assessment.as_of >= eol else "is due to reach"
        text = f"{name} {verb} end of life on {long_date(eol)}."
        return (text, assessment.period.end > eol, service.successors, quote)
    return (life.statement, False, service.successors, "")


def _period_label(assessment: Assessment) -> tuple[str, str]:
    """`1 January 2024 – 30 June 2024` and how the period was chosen."""
    period = assessment.period
    if period.start is not None:
        label = f"{long_date(period.start)} \u2013 {long_date(period.end)}"
    else:
        label = f"up to {long_date(period.end)}"
    basis = (
        "the business unit's audit period, from the workbook"
        if period.basis == "audit-period"
        else "no audit period given: judged at the as-of date"
    )
    return label, basis


def _stp_places(catalog: Catalog) -> dict[str, StpSection]:
    """STP sections by every key a finding's evidence may name them with."""
    sections: dict[str, StpSection] = {}
    for stp_section in catalog.stp.sections:
        for key in (stp_section.path, stp_section.name, stp_section.id):
            sections.setdefault(key, stp_section)
    return sections


def _evidence_line(ev: EvidenceRef, sections: dict[str, StpSection]) -> EvidenceLine:
    """An evidence document labelled for a list."""
    stp = sections.get(ev.stp_section)
    return EvidenceLine(
        title=ev.title,
        kind_label=KIND_LABELS.get(ev.kind, ev.kind),
        section=stp.name if stp else ev.stp_section,
        restricted=ev.restricted,
        self_attested=ev.self_attested,
    )


def _anchor(prefix: str, key: str) -> str:
    """An id attribute built from a catalog id: only [a-z0-9-], never user text."""
    slug = re.sub(r"[^a-z0-9]+", "-", key.lower()).strip("-")
    return f"{prefix}-{slug or 'x'}"


def _certifications(
    views: tuple[FindingView, ...], catalog: Catalog, sections: dict[str, StpSection]
) -> tuple[CertificationView, ...]:
    """One numbered block per certification the findings rest on, in catalog order."""
    used = {c for f in views for c in f.certifications}
    evidence: dict[str, dict[str, EvidenceLine]] = {}
    frameworks: dict[str, list[str]] = {}
    for f in views:
        for ev in f.evidence:
            evidence.setdefault(ev.certification, {}).setdefault(
                ev.title, _evidence_line(ev, sections)
            )
        if f.framework is not None:
            for cid in f.certifications:
                frameworks.setdefault(cid, []).append(f.framework_short or f.framework_label)
    held = [c for c in catalog.certifications if c.id in used]
    width = max(2, len(str(len(held))))
    out: list[CertificationView] = []
    anchors: set[str] = set()
    for i, cert in enumerate(held, start=1):
        anchor = _anchor("cert", cert.id)
        if anchor in anchors:  # two ids that slug alike: the number keeps them apart
            anchor = f"{anchor}-{i}"
        anchors.add(anchor)
        out.append(
            CertificationView(
                id=cert.id,
                name=cert.name,
                standard=cert.standard_version,
                assurance=cert.assurance.replace("-", " "),
                auditor=cert.auditor,
                cadence=cert.cadence,
                validity=cert.validity,
                scope=cert.scope,
                scope_note=cert.scope_note,
                proves=cert.proves,
                does_not_prove=cert.does_not_prove,
                caveats=cert.caveats,
                number=f"C-{i:0{width}d}",
                anchor=anchor,
                evidence=tuple(evidence.get(cert.id, {}).values()),
                frameworks=tuple(sorted(set(frameworks.get(cert.id, [])), key=str.casefold)),
            )
        )
    return tuple(out)


def _frameworks(
    views: tuple[FindingView, ...],
    catalog: Catalog,
    sections: dict[str, StpSection],
    certs: tuple[CertificationView, ...],
) -> tuple[tuple[FrameworkDetail, ...], tuple[ChecklistGroup, ...]]:
    """Group findings by framework: the detail sections and the customer checklist."""
    blocks = {c.id: c for c in certs}
    groups: dict[str, list[FindingView]] = {}
    for fv in views:
        if fv.framework is not None:
            groups.setdefault(fv.framework.id, []).append(fv)
    details: list[FrameworkDetail] = []
    checklist: list[ChecklistGroup] = []
    for fid, items in sorted(
        groups.items(),
        key=lambda kv: (
            _short_name(catalog, kv[1][0].framework).casefold() if kv[1][0].framework else "",
            kv[0],
        ),
    ):
        try:
            fw = catalog.framework(fid)
            category, relation, rationale = fw.category, fw.relation, fw.rationale
        except KeyError:
            category, relation, rationale = "", "none", ""
        ref = items[0].framework
        full_name = ref.name if ref else fid
        name = _short_name(catalog, ref) if ref else fid
        cert_ids = _unique(c for f in items for c in f.certifications)
        mine = sorted((blocks[c] for c in cert_ids if c in blocks), key=lambda c: (c.number, c.id))
        cert_duties: set[str] = set()
        cert_caveats: set[str] = set()
        for cid in cert_ids:
            cert = _certification(catalog, cid)
            if cert is not None:
                cert_duties.update(d.text for d in cert.duties)
                cert_caveats.update(cert.caveats)
        evidence: dict[str, EvidenceLine] = {}
        own_evidence: dict[str, EvidenceLine] = {}
        for f in items:
            for ev in f.evidence:
                line = _evidence_line(ev, sections)
                evidence.setdefault(ev.title, line)
                if ev.certification not in blocks:  # no block lists it: say it here
                    own_evidence.setdefault(ev.title, line)
        by_reason: dict[str, list[FindingView]] = {}
        for f in items:
            if f.rationale:
                by_reason.setdefault(f.rationale, []).append(f)
        reasons = tuple(
            RationaleGroup(
                refs=", ".join(f.ref for f in fs),
                status_label=" / ".join(_unique(f.status_label for f in fs)),
                text=text,
            )
            for text, fs in by_reason.items()
        )
        actions = _unique(a for f in items for a in f.customer_actions)
        caveats = _unique(c for f in items for c in f.caveats)
        statuses = _unique(f.status_label for f in items)
        details.append(
            FrameworkDetail(
                key=fid,
                name=name,
                full_name=full_name,
                versions=_unique(f.framework.version or "" for f in items if f.framework),
                category=category,
                relation=relation,
                rationale=rationale,
                reasons=reasons,
                requirements=tuple(
                    RequirementLine(
                        ref=f.ref,
                        requirement=f.requirement_display,
                        location=f.location,
                        cell=f.cell,
                        status=f.status,
                        status_label=f.status_label,
                        status_mark=f.status_mark,
                        responsibility_label=f.responsibility_label,
                        shared=f.shared,
                    )
                    for f in items
                ),
                certifications=tuple(mine),
                evidence=tuple(evidence.values()),
                customer_actions=actions,
                caveats=caveats,
                suggestions=_unique(s for f in items for s in f.suggestion_names),
                cert_refs=tuple(
                    CertRef(number=c.number, name=c.name, anchor=c.anchor) for c in mine
                ),
                own_actions=tuple(a for a in actions if a not in cert_duties),
                own_caveats=tuple(c for c in caveats if c not in cert_caveats),
                own_evidence=tuple(own_evidence.values()),
            )
        )
        if actions:
            checklist.append(
                ChecklistGroup(name=name, status_label=" / ".join(statuses), items=actions)
            )
    return tuple(details), tuple(checklist)


def _evidence_sections(
    views: tuple[FindingView, ...], catalog: Catalog
) -> tuple[EvidenceSection, ...]:
    """STP documents grouped by section, each once, with the frameworks that need it."""
    sections: dict[str, dict[str, list[tuple[EvidenceRef, FindingView]]]] = {}
    for fv in views:
        for ev in fv.evidence:
            sections.setdefault(ev.stp_section, {}).setdefault(ev.title, []).append((ev, fv))
    known: dict[str, StpSection] = {}
    for stp_section in catalog.stp.sections:
        for key in (stp_section.path, stp_section.name, stp_section.id):
            known.setdefault(key, stp_section)
    out: list[EvidenceSection] = []
    for key, docs in sections.items():
        stp = known.get(key)
        items = []
        for title, uses in sorted(docs.items(), key=lambda kv: kv[0].casefold()):
            first = uses[0][0]
            items.append(
                EvidenceItem(
                    title=title,
                    kind=first.kind,
                    kind_label=KIND_LABELS.get(first.kind, first.kind),
                    mmd_location=first.mmd_location,
                    restricted=any(ev.restricted for ev, _ in uses),
                    self_attested=any(ev.self_attested for ev, _ in uses),
                    certifications=tuple(sorted({ev.certification for ev, _ in uses})),
                    frameworks=tuple(
                        sorted({fv.framework_label for _, fv in uses}, key=str.casefold)
                    ),
                )
            )
        out.append(
            EvidenceSection(
                key=key,
                name=stp.name if stp else key,
                path=stp.path if stp else "",
                note=stp.note if stp else None,
                stale=stp.stale if stp else False,
                items=tuple(items),
            )
        )
    order = {id(s): i for i, s in enumerate(catalog.stp.sections)}
    out.sort(
        key=lambda s: (
            order.get(id(known[s.key]), len(order)) if s.key in known else len(order),
            s.name.casefold(),
        )
    )
    return tuple(out)


def _reconciliation(
    assessment: Assessment,
    intake: IntakeResult,
    views: tuple[FindingView, ...],
    rejected: tuple[RejectedRow, ...],
) -> tuple[ReconciliationRow, ...]:
    """Every source row of this unit and what became of it."""
    unit = assessment.business_unit.name
    by_row: dict[tuple[str, int], list[FindingView]] = {}
    for fv in views:
        by_row.setdefault((fv.source.sheet, fv.source.row), []).append(fv)
    texts: dict[tuple[str, int], str] = {}
    for req in intake.requirements:
        if req.business_unit == unit:
            texts.setdefault((req.source.sheet, req.source.row), req.cell_text)
    rows: list[tuple[tuple[int, str, int], ReconciliationRow]] = []
    for (sheet, row), items in by_row.items():
        ref = items[0].source
        results = tuple(
            (
                f"{f.ref} {f.framework_label}: {f.status_label}" + (" (SHARED)" if f.shared else "")
                if f.framework is not None
                else f"{f.ref} {clip(f.requirement, 80)!r}: {f.status_label}"
            )
            for f in items
        )
        rows.append(
            (
                _sort_key(ref, intake.sheets_read),
                ReconciliationRow(
                    location=f"{sheet}!{row}",
                    sheet=sheet,
                    row=row,
                    text=clip(
                        texts.get((sheet, row), " / ".join(_unique(f.requirement for f in items)))
                    ),
                    outcome="assessed",
                    results=results,
                ),
            )
        )
    for rej in rejected:
        ref = CellRef(file=rej.file, sheet=rej.sheet, row=rej.row)
        rows.append(
            (
                _sort_key(ref, intake.sheets_read),
                ReconciliationRow(
                    location=f"{rej.sheet}!{rej.row}",
                    sheet=rej.sheet,
                    row=rej.row,
                    text="",
                    outcome="rejected",
                    results=(f"Rejected: {rej.reason}",),
                ),
            )
        )
    rows.sort(key=lambda kv: (kv[0], kv[1].outcome))
    return tuple(r for _, r in rows)


def _methodology(
    assessment: Assessment, service: ServiceProfile | None, catalog: Catalog, basis: str
) -> tuple[str, ...]:
    """How the assessment was made, in plain sentences."""
    name = service.name if service else assessment.service
    paras = [
        f"Each framework named in the organization's workbook was matched against the "
        f"assessor catalog ({catalog.meta.title}, as of {long_date(catalog.meta.as_of)}), "
        f"which records the certifications {name} held, what each proves and does not prove, "
        "the Service Trust Portal (STP) documents that evidence them, and the duties that stay "
        "with the customer. A cell naming several frameworks gives one finding per framework, "
        "each traced to the same source row.",
        f"The period judged is {basis}. A certification counts as covering a framework only "
        "when the service held it, in scope and in the version asked for, for a period inside "
        "the service's life; when unsure the finding is partial and the caveats say why.",
    ]
    if service is not None:
        paras.append(
            f"Microsoft publishes the evidence in documents named for "
            f"\u201c{service.document_name_pattern}\u201d; inside them {name} appears under "
            + " or ".join(f"\u201c{c}\u201d" for c in service.scope_categories)
            + ". "
            + service.responsibility_model
        )
    paras.append(
        "Microsoft's SOC 1 and SOC 2 reports are restricted: this report cites them by title "
        "and period and never quotes or attaches their content. Request them from the STP "
        "under its terms."
    )
    paras.append(catalog.responsibility.statement)
    return tuple(p for p in paras if p)


def build_view(
    assessment: Assessment, catalog: Catalog, *, intake: IntakeResult, tool_version: str
) -> ReportView:
    """Turn one unit's assessment into the sorted, labelled view every renderer reads."""
    sheets = intake.sheets_read
    ordered = sorted(
        enumerate(assessment.findings), key=lambda kv: (_sort_key(kv[1].source, sheets), kv[0])
    )
    width = max(3, len(str(len(ordered))))
    views = tuple(
        _finding_view(f"F-{i + 1:0{width}d}", f, catalog) for i, (_, f) in enumerate(ordered)
    )
    total = len(views)
    sheets_used = _unique(f.source.sheet for f in views)
    status_counts = tuple(
        Count(
            key=s,
            label=STATUS_LABELS[s],
            mark=STATUS_MARKS[s],
            count=(n := sum(1 for f in views if f.status == s)),
            percent=_percent(n, total),
        )
        for s in STATUSES
    )
    responsibility_counts = tuple(
        Count(
            key=r,
            label=RESPONSIBILITY_LABELS[r],
            mark="\u21c4" if r == "shared" else "",
            count=(n := sum(1 for f in views if f.responsibility == r)),
            percent=_percent(n, total),
        )
        for r in RESPONSIBILITIES
    )
    service = _service(catalog, assessment.service)
    service_name = service.name if service else assessment.service
    lifecycle, after_eol, successors, lifecycle_source = _lifecycle(
        service, service_name, assessment
    )
    lifecycle_note = assessment.lifecycle_note
    if lifecycle_note.startswith(lifecycle.rstrip(".")):
        lifecycle, lifecycle_note = lifecycle_note, ""  # the engine's sentence says it all
    period_label, basis = _period_label(assessment)
    places = _stp_places(catalog)
    certifications = _certifications(views, catalog, places)
    frameworks, checklist = _frameworks(views, catalog, places, certifications)
    sections = _evidence_sections(views, catalog)
    unit = assessment.business_unit
    rejected = _unique_rejected(
        [
            *assessment.rejected,
            *(r for r in intake.rejected if r.business_unit in (None, unit.name)),
        ]
    )
    used_sources = _used_sources(views, catalog, service)
    org = assessment.organization
    return ReportView(
        schema_version=SCHEMA_VERSION,
        title=f"{service_name} evidence gap report \u2014 {unit.name}",
        subject=(
            f"{org}, {unit.name}: framework requirements mapped onto {service_name}'s "
            f"certifications and Service Trust Portal evidence, as of {long_date(assessment.as_of)}"
        ),
        organization=org,
        business_unit=unit.name,
        header_organization=clip(org, HEADER_CHARS),
        header_unit=clip(unit.name, HEADER_CHARS),
        unit_owner=unit.owner,
        unit_auditor=unit.auditor,
        as_of=assessment.as_of,
        as_of_label=long_date(assessment.as_of),
        period_label=period_label,
        period_basis=basis,
        service_name=service_name,
        lifecycle_statement=lifecycle,
        lifecycle_note=lifecycle_note,
        lifecycle_source=lifecycle_source,
        period_after_eol=after_eol,
        successors=successors,
        catalog=CatalogInfo(
            title=catalog.meta.title,
            as_of=catalog.meta.as_of,
            as_of_label=long_date(catalog.meta.as_of),
            schema_version=catalog.meta.schema_version,
            sha256=catalog.meta.sha256,
            sha256_short=catalog.meta.sha256[:12],
        ),
        source=SourceFile(
            file=intake.file,
            sha256=intake.sha256,
            sha256_short=intake.sha256[:12],
            sheets=intake.sheets_read,
            data_rows=intake.data_rows,
        ),
        tool_version=tool_version,
        single_sheet=sheets_used[0] if len(sheets_used) == 1 else None,
        total=total,
        status_counts=status_counts,
        responsibility_counts=responsibility_counts,
        shared_count=sum(1 for f in views if f.shared),
        chart=_chart(status_counts),
        key_gaps=_key_gaps(views, service_name, after_eol),
        findings=views,
        frameworks=frameworks,
        certifications=certifications,
        unrecognized=tuple(f for f in views if f.framework is None),
        checklist=checklist,
        evidence_sections=sections,
        evidence_count=sum(len(s.items) for s in sections),
        stp_home=catalog.stp.home,
        stp_note=catalog.stp.availability_note,
        status_definitions=tuple(
            Definition(
                key=s, label=STATUS_LABELS[s], mark=STATUS_MARKS[s], text=STATUS_DEFINITIONS[s]
            )
            for s in STATUSES
        ),
        responsibility_definitions=tuple(
            Definition(
                key=r,
                label=RESPONSIBILITY_LABELS[r],
                mark="\u21c4" if r == "shared" else "",
                text=RESPONSIBILITY_DEFINITIONS[r],
            )
            for r in RESPONSIBILITIES
        ),
        methodology=_methodology(assessment, service, catalog, basis),
        sources=used_sources,
        reconciliation=_reconciliation(assessment, intake, views, rejected),
        rejected=rejected,
        warnings=intake.warnings,
        period=assessment.period,
    )


def _unique_rejected(rows: list[RejectedRow]) -> tuple[RejectedRow, ...]:
    """Rejected rows once each, in sheet and row order."""
    seen: dict[tuple[str, str, int], RejectedRow] = {}
    for r in rows:
        seen.setdefault((r.file, r.sheet, r.row), r)
    return tuple(sorted(seen.values(), key=lambda r: (r.sheet, r.row)))


def _used_sources(
    views: tuple[FindingView, ...], catalog: Catalog, service: ServiceProfile | None
) -> tuple[SourceView, ...]:
    """The catalog sources behind this report's findings, service and STP layout."""
    ids: list[str] = []
    if service is not None:
        ids += [*service.sources, *service.lifecycle.sources]
    for fv in views:
        if fv.framework is not None:
            with contextlib.suppress(KeyError):
                ids += catalog.framework(fv.framework.id).sources
        for cid in fv.certifications:
            cert = _certification(catalog, cid)
            if cert is not None:
                ids += cert.sources
    ids += catalog.stp.sources
    ids += catalog.responsibility.sources
    out = []
    for sid in sorted(set(ids)):
        try:
            src = catalog.source(sid)
        except KeyError:
            continue
        out.append(
            SourceView(
                id=src.id,
                title=src.title,
                publisher=src.publisher,
                url=src.url,
                checked=src.checked.isoformat(),
            )
        )
    return tuple(out)


# ---------------------------------------------------------------------------
# JSON contract (issue 4 §3)


def _evidence_json(ev: EvidenceRef) -> dict[str, Any]:
    """An evidence document: the contract's title/kind/stp_section plus provenance."""
    return {
        "title": ev.title,
        "kind": ev.kind,
        "stp_section": ev.stp_section,
        "mmd_location": ev.mmd_location,
        "certification": ev.certification,
        "restricted": ev.restricted,
        "self_attested": ev.self_attested,
    }


def _finding_json(fv: FindingView) -> dict[str, Any]:
    """One finding in the contract's shape (plus its reference and rationale)."""
    fw = fv.framework
    return {
        "id": fv.ref,
        "source": {"file": fv.source.file, "sheet": fv.source.sheet, "row": fv.source.row},
        "requirement": fv.requirement,
        "framework": None if fw is None else {"id": fw.id, "name": fw.name, "version": fw.version},
        "status": fv.status,
        "responsibility": fv.responsibility,
        "certifications": list(fv.certifications),
        "evidence": [_evidence_json(ev) for ev in fv.evidence],
        "customer_actions": list(fv.customer_actions),
        "caveats": list(fv.caveats),
        "suggestions": list(fv.suggestions),
        "rationale": fv.rationale,
        "reasons": [reason_json(r) for r in fv.reasons],
    }


def reason_json(reason: Reason) -> dict[str, Any]:
    """A typed reason as JSON: its code and effect beside its facts (lists for tuples)."""
    data: dict[str, Any] = {
        key: list(value) if isinstance(value, tuple) else value
        for key, value in reason.data.items()
    }
    return {**data, "code": reason.code, "effect": reason.effect}


def _period_json(period: Period) -> dict[str, Any]:
    """The period judged: its dates (start null when only the as-of date bounds it) and basis."""
    return {
        "start": None if period.start is None else period.start.isoformat(),
        "end": period.end.isoformat(),
        "basis": period.basis,
    }


def view_json(view: ReportView) -> dict[str, Any]:
    """The JSON contract of issue 4 §3: exactly these top-level names."""
    return {
        "schema_version": view.schema_version,
        "business_unit": view.business_unit,
        "organization": view.organization,
        "as_of": view.as_of.isoformat(),
        "catalog": {
            "as_of": view.catalog.as_of.isoformat(),
            "sha256": view.catalog.sha256,
            "schema_version": view.catalog.schema_version,
        },
        "source": {"file": view.source.file, "sha256": view.source.sha256},
        **({} if view.period is None else {"period": _period_json(view.period)}),
        "summary": {c.key: c.count for c in view.status_counts},
        "findings": [_finding_json(f) for f in view.findings],
        "rejected_rows": [
            {"sheet": r.sheet, "row": r.row, "reason": r.reason} for r in view.rejected
        ],
    }
