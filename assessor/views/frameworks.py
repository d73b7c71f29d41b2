"""Per-framework detail and the certification blocks frameworks rest on (pure).

A certification is described once, in its numbered block; a framework's detail points to the
blocks and adds only what is the framework's own (duties, caveats and evidence no block lists).
"""

from __future__ import annotations

from assessor.domain.models import AssessorModel, Catalog, Certification, Status, StpSection
from assessor.domain.text import long_date
from assessor.views.common import anchor, certification, in_order, named_service, short_name
from assessor.views.evidence import EvidenceLine, evidence_line
from assessor.views.findings import FindingView
from assessor.views.labels import SCOPE_LABELS
from assessor.views.workbook_columns import Ownership, ownership


class ScopeLine(AssessorModel):
    """How one service stands in scope for a certification, in words."""

    service: str
    state: str  # confirmed / claimed / unconfirmed / not-listed / none
    label: str
    last_seen: str  # `11 July 2022` or ""
    note: str


class CertificationView(AssessorModel):
    """What a certification is, proves and does not prove."""

    id: str
    name: str
    standard: str
    assurance: str
    auditor: str
    cadence: str
    validity: str
    scope: tuple[ScopeLine, ...]  # one line per service the findings were judged against
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
    ownership: Ownership = Ownership()  # who owns these duties and when they are due


# ---------------------------------------------------------------------------
# Certification blocks


def scope_lines(
    catalog: Catalog, cert: Certification, service_ids: tuple[str, ...]
) -> tuple[ScopeLine, ...]:
    """How each service stands for the certification, per its profile."""
    out: list[ScopeLine] = []
    for sid in service_ids:
        svc = named_service(catalog, sid)
        if svc is None:
            continue
        entry = svc.scope_for(cert.id)
        latest = entry.latest() if entry is not None else None
        out.append(
            ScopeLine(
                service=svc.name,
                state=entry.confidence if entry is not None else "none",
                label=SCOPE_LABELS[entry.confidence if entry is not None else "none"],
                last_seen=long_date(latest.date) if latest is not None else "",
                note=entry.note if entry is not None else "No source read lists it in scope.",
            )
        )
    return tuple(out)


def _certification_view(
    cert: Certification,
    number: str,
    anchor_id: str,
    evidence: tuple[EvidenceLine, ...],
    frameworks: tuple[str, ...],
    scope: tuple[ScopeLine, ...] = (),
) -> CertificationView:
    """One certification block."""
    return CertificationView(
        id=cert.id,
        name=cert.name,
        standard=cert.standard_version,
        assurance=cert.assurance.replace("-", " "),
        auditor=cert.auditor,
        cadence=cert.cadence,
        validity=cert.validity,
        scope=scope,
        proves=cert.proves,
        does_not_prove=cert.does_not_prove,
        caveats=cert.caveats,
        number=number,
        anchor=anchor_id,
        evidence=evidence,
        frameworks=frameworks,
    )


def certifications(
    views: tuple[FindingView, ...], catalog: Catalog, sections: dict[str, StpSection]
) -> tuple[CertificationView, ...]:
    """One numbered block per certification the findings rest on, in catalog order."""
    used = {c for f in views for c in f.certifications}
    service_ids = tuple(dict.fromkeys(r.service for f in views for r in f.service_scope))
    evidence: dict[str, dict[str, EvidenceLine]] = {}
    frameworks: dict[str, list[str]] = {}
    for f in views:
        for ev in f.evidence:
            evidence.setdefault(ev.certification, {}).setdefault(
                ev.title, evidence_line(ev, sections)
            )
        if f.framework is not None:
            for cid in f.certifications:
                frameworks.setdefault(cid, []).append(f.framework_short or f.framework_label)
    held = [c for c in catalog.certifications if c.id in used]
    width = max(2, len(str(len(held))))
    out: list[CertificationView] = []
    anchors: set[str] = set()
    for i, cert in enumerate(held, start=1):
        anchor_id = anchor("cert", cert.id)
        if anchor_id in anchors:  # two ids that slug alike: the number keeps them apart
            anchor_id = f"{anchor_id}-{i}"
        anchors.add(anchor_id)
        out.append(
            _certification_view(
                cert,
                number=f"C-{i:0{width}d}",
                anchor_id=anchor_id,
                evidence=tuple(evidence.get(cert.id, {}).values()),
                frameworks=tuple(sorted(set(frameworks.get(cert.id, [])), key=str.casefold)),
                scope=scope_lines(catalog, cert, service_ids),
            )
        )
    return tuple(out)


# ---------------------------------------------------------------------------
# Framework detail and the customer checklist


def _requirement_line(f: FindingView) -> RequirementLine:
    """A finding as listed under its framework."""
    return RequirementLine(
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


def _rationale_groups(items: list[FindingView]) -> tuple[RationaleGroup, ...]:
    """The engine's rationales, each once, with the findings they apply to."""
    by_reason: dict[str, list[FindingView]] = {}
    for f in items:
        if f.rationale:
            by_reason.setdefault(f.rationale, []).append(f)
    return tuple(
        RationaleGroup(
            refs=", ".join(f.ref for f in fs),
            status_label=" / ".join(in_order(f.status_label for f in fs)),
            text=text,
        )
        for text, fs in by_reason.items()
    )


def _detail(
    fid: str,
    items: list[FindingView],
    catalog: Catalog,
    sections: dict[str, StpSection],
    blocks: dict[str, CertificationView],
) -> FrameworkDetail:
    """One framework's detail: its requirements, the blocks it rests on, what is its own."""
    try:
        fw = catalog.framework(fid)
        category, relation, rationale = fw.category, fw.relation, fw.rationale
    except KeyError:
        category, relation, rationale = "", "none", ""
    ref = items[0].framework
    cert_ids = in_order(c for f in items for c in f.certifications)
    mine = sorted((blocks[c] for c in cert_ids if c in blocks), key=lambda c: (c.number, c.id))
    cert_duties: set[str] = set()
    cert_caveats: set[str] = set()
    for cid in cert_ids:
        cert = certification(catalog, cid)
        if cert is not None:
            cert_duties.update(d.text for d in cert.duties)
            cert_caveats.update(cert.caveats)
    evidence: dict[str, EvidenceLine] = {}
    own_evidence: dict[str, EvidenceLine] = {}
    for f in items:
        for ev in f.evidence:
            line = evidence_line(ev, sections)
            evidence.setdefault(ev.title, line)
            if ev.certification not in blocks:  # no block lists it: say it here
                own_evidence.setdefault(ev.title, line)
    actions = in_order(a for f in items for a in f.customer_actions)
    caveats = in_order(c for f in items for c in f.caveats)
    return FrameworkDetail(
        key=fid,
        name=short_name(catalog, ref.id, ref.name) if ref else fid,
        full_name=ref.name if ref else fid,
        versions=in_order(f.framework.version or "" for f in items if f.framework),
        category=category,
        relation=relation,
        rationale=rationale,
        reasons=_rationale_groups(items),
        requirements=tuple(_requirement_line(f) for f in items),
        certifications=tuple(mine),
        evidence=tuple(evidence.values()),
        customer_actions=actions,
        caveats=caveats,
        suggestions=in_order(s for f in items for s in f.suggestion_names),
        cert_refs=tuple(CertRef(number=c.number, name=c.name, anchor=c.anchor) for c in mine),
        own_actions=tuple(a for a in actions if a not in cert_duties),
        own_caveats=tuple(c for c in caveats if c not in cert_caveats),
        own_evidence=tuple(own_evidence.values()),
    )


def frameworks(
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

    def by_short_name(kv: tuple[str, list[FindingView]]) -> tuple[str, str]:
        ref = kv[1][0].framework
        return (short_name(catalog, ref.id, ref.name).casefold() if ref else "", kv[0])

    details: list[FrameworkDetail] = []
    checklist: list[ChecklistGroup] = []
    for fid, items in sorted(groups.items(), key=by_short_name):
        detail = _detail(fid, items, catalog, sections, blocks)
        details.append(detail)
        if detail.customer_actions:
            checklist.append(
                ChecklistGroup(
                    name=detail.name,
                    status_label=" / ".join(in_order(f.status_label for f in items)),
                    items=detail.customer_actions,
                    ownership=ownership(f.columns for f in items),
                )
            )
    return tuple(details), tuple(checklist)
