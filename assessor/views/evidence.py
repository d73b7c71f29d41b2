"""Service Trust Portal evidence: documents labelled, listed once, grouped by STP section (pure)."""

from __future__ import annotations

from assessor.domain.models import AssessorModel, Catalog, EvidenceRef, EvidenceState, StpSection
from assessor.views.evidence_status import STATE_LABELS, STATE_MARKS
from assessor.views.findings import FindingView
from assessor.views.labels import kind_label


class EvidenceItem(AssessorModel):
    """An STP document to request, listed once, with everything that needs it."""

    title: str
    kind: str
    kind_label: str
    scope_location: str  # where the document lists its in-scope services
    service_locations: tuple[str, ...] = ()  # `Microsoft Intune: listed as "Intune"`
    restricted: bool
    self_attested: bool
    certifications: tuple[str, ...]
    frameworks: tuple[str, ...]
    state: EvidenceState = "to-request"  # against the register (issue 12)
    state_label: str = "To request"
    state_mark: str = "\u2610"
    register_row: str | None = None  # "Evidence on file row 4"
    register_title: str | None = None


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


def stp_places(catalog: Catalog) -> dict[str, StpSection]:
    """STP sections by every key a finding's evidence may name them with (path, name, id)."""
    sections: dict[str, StpSection] = {}
    for stp_section in catalog.stp.sections:
        for key in (stp_section.path, stp_section.name, stp_section.id):
            sections.setdefault(key, stp_section)
    return sections


def evidence_line(ev: EvidenceRef, sections: dict[str, StpSection]) -> EvidenceLine:
    """An evidence document labelled for a list."""
    stp = sections.get(ev.stp_section)
    return EvidenceLine(
        title=ev.title,
        kind_label=kind_label(ev.kind),
        section=stp.name if stp else ev.stp_section,
        restricted=ev.restricted,
        self_attested=ev.self_attested,
    )


def service_locations(
    catalog: Catalog, cert_ids: set[str], service_ids: set[str]
) -> tuple[str, ...]:
    """Where each service appears in a document, as its profile records it."""
    out: list[str] = []
    for svc in catalog.services:
        if svc.id not in service_ids:
            continue
        for cid in sorted(cert_ids):
            entry = svc.scope_for(cid)
            if entry is not None and entry.location:
                out.append(f"{svc.name}: {entry.location}")
                break
    return tuple(out)


def _item(
    title: str, uses: list[tuple[EvidenceRef, FindingView]], catalog: Catalog
) -> EvidenceItem:
    """One document, with every certification and framework that needs it."""
    first = uses[0][0]
    services = {s for _, fv in uses for s in (r.service for r in fv.service_scope)}
    status = first.status
    state: EvidenceState = status.state if status is not None else "to-request"
    on_file = status.on_file if status is not None else None
    return EvidenceItem(
        title=title,
        kind=first.kind,
        kind_label=kind_label(first.kind),
        scope_location=first.scope_location,
        service_locations=service_locations(
            catalog, {ev.certification for ev, _ in uses}, services
        ),
        restricted=any(ev.restricted for ev, _ in uses),
        self_attested=any(ev.self_attested for ev, _ in uses),
        certifications=tuple(sorted({ev.certification for ev, _ in uses})),
        frameworks=tuple(sorted({fv.framework_label for _, fv in uses}, key=str.casefold)),
        state=state,
        state_label=STATE_LABELS[state],
        state_mark=STATE_MARKS[state],
        register_row=f"{on_file.sheet} row {on_file.row}" if on_file else None,
        register_title=on_file.title if on_file else None,
    )


def evidence_sections(
    views: tuple[FindingView, ...], catalog: Catalog
) -> tuple[EvidenceSection, ...]:
    """STP documents grouped by section, each once, with the frameworks that need it."""
    sections: dict[str, dict[str, list[tuple[EvidenceRef, FindingView]]]] = {}
    for fv in views:
        for ev in fv.evidence:
            sections.setdefault(ev.stp_section, {}).setdefault(ev.title, []).append((ev, fv))
    known = stp_places(catalog)
    out: list[EvidenceSection] = []
    for key, docs in sections.items():
        stp = known.get(key)
        out.append(
            EvidenceSection(
                key=key,
                name=stp.name if stp else key,
                path=stp.path if stp else "",
                note=stp.note if stp else None,
                stale=stp.stale if stp else False,
                items=tuple(
                    _item(title, uses, catalog)
                    for title, uses in sorted(docs.items(), key=lambda kv: kv[0].casefold())
                ),
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


def still_missing(sections: tuple[EvidenceSection, ...]) -> tuple[EvidenceSection, ...]:
    """The request list: each section's documents that are not on file (empty sections go)."""
    out: list[EvidenceSection] = []
    for section in sections:
        items = tuple(i for i in section.items if i.state != "on-file")
        if items:
            out.append(section.model_copy(update={"items": items}))
    return tuple(out)
