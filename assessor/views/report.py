"""The report view: everything one business unit's templates and files need (pure).

build_view orchestrates; the pieces are built by job in the sibling modules (findings, summary,
frameworks, evidence, provenance). The JSON contract is in report_json.
"""

from __future__ import annotations

from datetime import date
from typing import NamedTuple

from assessor.assess import rules, wording
from assessor.domain.models import (
    Assessment,
    AssessorModel,
    Catalog,
    IntakeResult,
    Period,
    RejectedRow,
    ServiceProfile,
)
from assessor.domain.text import long_date
from assessor.views.common import (
    HEADER_CHARS,
    clip,
    in_order,
    period_basis,
    period_up_to,
    service_names,
    services_of,
)
from assessor.views.evidence import EvidenceSection, evidence_sections, still_missing, stp_places
from assessor.views.evidence_status import EvidenceStatusView, evidence_status
from assessor.views.findings import FindingView, finding_views
from assessor.views.frameworks import (
    CertificationView,
    ChecklistGroup,
    FrameworkDetail,
    certifications,
    frameworks,
)
from assessor.views.labels import (
    Definition,
    responsibility_definitions,
    shared_sentence,
    status_definitions,
)
from assessor.views.layout import flowing_chapters
from assessor.views.provenance import (
    CatalogInfo,
    ReconciliationRow,
    SourceFile,
    SourceView,
    catalog_info,
    methodology,
    reconciliation,
    source_file,
    unit_rejected,
    used_sources,
)
from assessor.views.services import ServiceLine, ServiceMatrix, service_matrix
from assessor.views.summary import (
    Chart,
    Count,
    chart,
    key_gaps,
    responsibility_counts,
    status_counts,
)
from assessor.views.workbook_columns import workbook_columns

SCHEMA_VERSION = 2  # version of the JSON report contract (docs/report-schema.json)


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
    services: tuple[ServiceLine, ...] = ()
    service_matrix: ServiceMatrix | None = None
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
    shared_label: str = ""  # the shared count as a sentence about items (labels.shared_sentence)
    chart: Chart
    key_gaps: str
    findings: tuple[FindingView, ...]
    frameworks: tuple[FrameworkDetail, ...]
    certifications: tuple[CertificationView, ...] = ()
    unrecognized: tuple[FindingView, ...]
    checklist: tuple[ChecklistGroup, ...]
    evidence_sections: tuple[EvidenceSection, ...]  # every document needed, with its state
    evidence_count: int  # documents still to request (the request list)
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
    request_sections: tuple[EvidenceSection, ...] = ()  # the request list: still missing only
    evidence_status: EvidenceStatusView | None = None  # the Evidence status chapter
    flow: tuple[str, ...] = ()  # chapter ids that continue on the page before (views.layout)


class _Lifecycle(NamedTuple):
    """The cover's lifecycle notice."""

    statement: str  # the headline: when the service reached (or reaches) end of life
    note: str  # the engine's sentence relating the lifecycle to the period, unless said above
    after_eol: bool  # the period runs past the end of life
    successors: tuple[str, ...]
    source: str  # the catalog's own lifecycle statement, quoted when the headline rephrases it


def _lifecycle(services: tuple[ServiceProfile, ...], assessment: Assessment) -> _Lifecycle:
    """The lifecycle as the assess layer words and judges it, each sentence said once.

    With several services, the one past its end of life leads (it matters most)."""
    note = assessment.lifecycle_note
    successors: tuple[str, ...] = ()
    retired = [s for s in services if rules.after_end_of_life(s, assessment.period)]
    service = retired[0] if retired else (services[0] if services else None)
    if service is None:
        headline, after_eol, source = note, False, ""
    else:
        headline = wording.lifecycle_headline(service, assessment.as_of)
        after_eol = bool(retired)
        successors = service.successors
        statement = service.lifecycle.statement
        source = "" if headline == statement else statement
    if not retired and len(services) > 1:  # several available services: each one's statement
        headline = " ".join(s.lifecycle.statement for s in services)
        source = ""
    if note.startswith(headline.rstrip(".")):
        headline, note = note, ""  # the engine's sentence says it all
    return _Lifecycle(headline, note, after_eol, successors, source)


def _matrix_certs(views: tuple[FindingView, ...], catalog: Catalog) -> list[str]:
    """The certifications the matrix shows: those some finding's services were judged on, in
    catalog order; every certification when no finding rests on one."""
    judged = {r.certification for f in views for r in f.service_scope}
    ids = [c.id for c in catalog.certifications]
    return [c for c in ids if c in judged] or ids


def build_view(
    assessment: Assessment, catalog: Catalog, *, intake: IntakeResult, tool_version: str
) -> ReportView:
    """Turn one unit's assessment into the sorted, labelled view every renderer reads."""
    columns = workbook_columns(intake.requirements, assessment.as_of)
    views = finding_views(assessment, catalog, intake.sheets_read, columns)
    sheets_used = in_order(f.source.sheet for f in views)
    by_status = status_counts(views)
    services = services_of(catalog, assessment.services)
    service_name = service_names(catalog, assessment.services)
    life = _lifecycle(services, assessment)
    matrix = service_matrix(
        catalog,
        services,
        assessment.period,
        assessment.as_of,
        assessment.scope_window_months,
        certs=_matrix_certs(views, catalog),
    )
    basis = period_basis(assessment.period)
    places = stp_places(catalog)
    certs = certifications(views, catalog, places)
    details, checklist = frameworks(views, catalog, places, certs)
    sections = evidence_sections(views, catalog)
    requests = still_missing(sections)
    rejected = unit_rejected(assessment, intake)
    org, unit = assessment.organization, assessment.business_unit
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
        period_label=period_up_to(assessment.period),
        period_basis=basis,
        service_name=service_name,
        services=matrix.services,
        service_matrix=matrix,
        lifecycle_statement=life.statement,
        lifecycle_note=life.note,
        lifecycle_source=life.source,
        period_after_eol=life.after_eol,
        successors=life.successors,
        catalog=catalog_info(catalog.meta, catalog),
        source=source_file(intake),
        tool_version=tool_version,
        single_sheet=sheets_used[0] if len(sheets_used) == 1 else None,
        total=len(views),
        status_counts=by_status,
        responsibility_counts=responsibility_counts(views),
        shared_count=sum(1 for f in views if f.shared),
        shared_label=shared_sentence(sum(1 for f in views if f.shared), len(views)),
        chart=chart(by_status),
        key_gaps=key_gaps(views, service_name, life.after_eol),
        findings=views,
        frameworks=details,
        certifications=certs,
        unrecognized=tuple(f for f in views if f.framework is None),
        checklist=checklist,
        evidence_sections=sections,
        evidence_count=sum(len(s.items) for s in requests),
        stp_home=catalog.stp.home,
        stp_note=catalog.stp.availability_note,
        status_definitions=status_definitions(),
        responsibility_definitions=responsibility_definitions(),
        methodology=methodology(assessment, services, catalog, basis),
        sources=used_sources(views, catalog, services),
        reconciliation=reconciliation(assessment, intake, views, rejected),
        rejected=rejected,
        warnings=intake.warnings,
        period=assessment.period,
        request_sections=requests,
        evidence_status=evidence_status(views, assessment, catalog, service_name),
        flow=flowing_chapters(views, checklist),
    )
