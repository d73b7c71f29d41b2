"""Findings labelled for display: numbered in workbook order, with names and marks (pure)."""

from __future__ import annotations

from collections.abc import Mapping

from assessor.domain.models import (
    Assessment,
    AssessorModel,
    Catalog,
    CellRef,
    EvidenceRef,
    Finding,
    FrameworkRef,
    Reason,
    Responsibility,
    ServiceScopeRef,
    Status,
)
from assessor.views.common import (
    cert_name,
    clip,
    framework_name,
    named_service,
    short_name,
    workbook_order,
)
from assessor.views.labels import RESPONSIBILITY_LABELS, STATUS_LABELS, STATUS_MARKS
from assessor.views.workbook_columns import NO_COLUMNS, RowKey, WorkbookColumns, columns_for


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
    services: tuple[str, ...] = ()  # service names the finding was judged against
    service_scope: tuple[ServiceScopeRef, ...] = ()
    short_services: tuple[str, ...] = ()  # the services that fall short, named in the reasons
    columns: WorkbookColumns = NO_COLUMNS  # owner, due date, priority... as the workbook says
    matched_text: str | None = None  # the words that named the framework
    found_in: str = ""  # "found 'ISO 27001' in 'Current ISO 27001 certificate'", or ""


# Reasons that name a service falling short (its `service` datum is a service's name).
SERVICE_REASONS = frozenset(
    {
        "service-retired",
        "eol-period",
        "eol-undated",
        "scope-last-seen",
        "scope-not-listed",
        "scope-claimed",
        "scope-unconfirmed",
        "cert-not-listed",
    }
)


def short_services(reasons: tuple[Reason, ...]) -> tuple[str, ...]:
    """The services whose scope or lifecycle keeps the finding from being covered."""
    names = (
        r.data.get("service")
        for r in reasons
        if r.code in SERVICE_REASONS and r.effect in ("blocks", "decides")
    )
    return tuple(dict.fromkeys(n for n in names if isinstance(n, str) and n))


def framework_label(ref: FrameworkRef | None, catalog: Catalog) -> str:
    """`ISO/IEC 27001:2022`, `SOX`: the short name with the version asked for, or a dash."""
    if ref is None:
        return "\u2014"
    short = short_name(catalog, ref.id, ref.name)
    if not ref.version:
        return short
    if short.casefold() in ref.version.casefold():
        return ref.version
    return f"{short} {ref.version}"


def service_name(catalog: Catalog, service_id: str) -> str:
    """A service's name, or its id when the catalog lacks it."""
    svc = named_service(catalog, service_id)
    return svc.name if svc is not None else service_id


def found_in(finding: Finding) -> str:
    """Where in the requirement the framework was found, when the name is only part of it."""
    found = finding.matched_text
    if not found or found.casefold() == " ".join(finding.requirement.split()).casefold():
        return ""
    return f"found '{found}' in '{clip(finding.requirement)}'"


def finding_view(
    ref: str, finding: Finding, catalog: Catalog, columns: WorkbookColumns = NO_COLUMNS
) -> FindingView:
    """Label one finding for display."""
    framework = finding.framework
    return FindingView(
        ref=ref,
        source=finding.source,
        location=str(finding.source),
        cell=f"{finding.source.column or ''}{finding.source.row}",
        requirement=finding.requirement,
        requirement_display=clip(finding.requirement),
        framework=framework,
        framework_label=framework_label(framework, catalog),
        framework_short=short_name(catalog, framework.id, framework.name) if framework else None,
        status=finding.status,
        status_label=STATUS_LABELS[finding.status],
        status_mark=STATUS_MARKS[finding.status],
        responsibility=finding.responsibility,
        responsibility_label=RESPONSIBILITY_LABELS[finding.responsibility],
        shared=finding.responsibility == "shared",
        certifications=finding.certifications,
        certification_names=tuple(cert_name(catalog, c) for c in finding.certifications),
        evidence=finding.evidence,
        customer_actions=finding.customer_actions,
        caveats=finding.caveats,
        suggestions=finding.suggestions,
        suggestion_names=tuple(framework_name(catalog, s) for s in finding.suggestions),
        rationale=finding.rationale,
        reasons=finding.reasons,
        services=tuple(service_name(catalog, s) for s in finding.services),
        service_scope=finding.service_scope,
        short_services=short_services(finding.reasons) if finding.status != "covered" else (),
        matched_text=finding.matched_text,
        found_in=found_in(finding),
        columns=columns,
    )


def finding_views(
    assessment: Assessment,
    catalog: Catalog,
    sheets: tuple[str, ...],
    columns: Mapping[RowKey, WorkbookColumns] | None = None,
) -> tuple[FindingView, ...]:
    """Every finding in workbook order, numbered F-001, F-002… (wider when there are more)."""
    ordered = sorted(
        enumerate(assessment.findings),
        key=lambda kv: (workbook_order(kv[1].source, sheets), kv[0]),
    )
    width = max(3, len(str(len(ordered))))
    return tuple(
        finding_view(f"F-{i + 1:0{width}d}", f, catalog, columns_for(f.source, columns or {}))
        for i, (_, f) in enumerate(ordered)
    )
