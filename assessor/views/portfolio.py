"""The portfolio view across business units: matrix, coverage, shared gaps, duties, evidence (pure).

Built from the units' assessments after a batch run; rendered to PDF (through the report's
template machinery), XLSX (xlsxio) and JSON. Same assessments, same bytes: everything sorted.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any, Literal

from assessor.domain.models import (
    STATUSES,
    Assessment,
    AssessorModel,
    Catalog,
    EvidenceKind,
    Finding,
    Status,
)
from assessor.domain.text import long_date
from assessor.views.report import KIND_LABELS, STATUS_LABELS, STATUS_MARKS

SCHEMA_VERSION = 1
MATRIX_COLUMNS = 11  # frameworks per matrix block on a landscape page
# Worst first: the matrix cell shows a unit's weakest finding for that framework.
_RANK: dict[Status, int] = {"gap": 0, "unrecognized": 1, "partial": 2, "covered": 3}


class UnitSummary(AssessorModel):
    """One business unit's line: period, counts, coverage, report file stem."""

    name: str
    slug: str
    period_label: str
    basis: Literal["audit-period", "as-of"]
    after_end_of_life: bool
    covered: int
    partial: int
    gap: int
    unrecognized: int
    total: int
    shared: int
    coverage: int  # percent of findings covered
    supported: int  # percent covered or partial
    period_start: date | None = None  # the period judged, typed (OSCAL start/end)
    period_end: date | None = None


class FrameworkColumn(AssessorModel):
    """A framework some unit must meet, with how the units stand on it."""

    id: str
    name: str
    short_name: str
    units: int
    covered: int
    partial: int
    gap: int
    unrecognized: int


class MatrixCell(AssessorModel):
    """A unit's (weakest) status for one framework, or None when the unit is not bound by it."""

    status: Status | None
    label: str
    mark: str
    findings: int


class MatrixRow(AssessorModel):
    """One unit's row of the matrix (one block of framework columns)."""

    unit: str
    cells: tuple[MatrixCell, ...]


class MatrixBlock(AssessorModel):
    """A page-wide slice of the matrix: some framework columns, every unit."""

    frameworks: tuple[FrameworkColumn, ...]
    rows: tuple[MatrixRow, ...]


class SharedItem(AssessorModel):
    """A gap (or unrecognized entry) counted once, with every unit it affects."""

    framework_id: str | None
    label: str
    full_name: str | None = None  # the framework's full name when the label is its short name
    status: Status
    status_label: str
    status_mark: str
    units: tuple[str, ...]
    requirements: tuple[str, ...]  # the texts as typed, each once
    suggestions: tuple[str, ...] = ()


class DutyLine(AssessorModel):
    """One customer duty, once, with the units that carry it."""

    text: str
    units: tuple[str, ...]


class DutyGroup(AssessorModel):
    """The customer's duties for one framework."""

    framework_id: str
    framework: str
    duties: tuple[DutyLine, ...]


class EvidenceRequest(AssessorModel):
    """One STP document to request for the whole organization."""

    title: str
    kind: EvidenceKind
    kind_label: str
    stp_section: str
    mmd_location: str
    restricted: bool
    self_attested: bool
    certifications: tuple[str, ...]
    frameworks: tuple[str, ...]
    units: tuple[str, ...]


class EvidenceGroup(AssessorModel):
    """The documents found in one STP section."""

    section: str
    path: str | None = None
    note: str | None = None
    items: tuple[EvidenceRequest, ...]


class Totals(AssessorModel):
    """Counts over every unit's findings."""

    units: int
    findings: int
    covered: int
    partial: int
    gap: int
    unrecognized: int
    shared: int
    frameworks: int
    gaps_shared: int  # gaps affecting two or more units
    evidence_documents: int


class PortfolioView(AssessorModel):
    """Everything the portfolio templates and files need, sorted and counted."""

    schema_version: int = SCHEMA_VERSION
    title: str
    subject: str
    organization: str
    as_of: date
    as_of_label: str
    service: str
    lifecycle_note: str
    catalog_as_of: date
    catalog_sha256: str
    tool_version: str
    totals: Totals
    units: tuple[UnitSummary, ...]
    units_after_end_of_life: tuple[str, ...]
    frameworks: tuple[FrameworkColumn, ...]
    matrix: tuple[MatrixBlock, ...]
    gaps: tuple[SharedItem, ...]
    unrecognized: tuple[SharedItem, ...]
    duties: tuple[DutyGroup, ...]
    evidence: tuple[EvidenceGroup, ...]


def _percent(part: int, whole: int) -> int:
    return round(100 * part / whole) if whole else 0


def _unique(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted(set(values), key=lambda v: (v.casefold(), v)))


def _cell(findings: Sequence[Finding]) -> MatrixCell:
    if not findings:
        return MatrixCell(status=None, label="\u2014", mark="", findings=0)
    worst = min((f.status for f in findings), key=lambda s: _RANK[s])
    return MatrixCell(
        status=worst,
        label=STATUS_LABELS[worst],
        mark=STATUS_MARKS[worst],
        findings=len(findings),
    )


def _short_name(catalog: Catalog, framework_id: str, fallback: str) -> str:
    try:
        return catalog.framework(framework_id).short_name
    except KeyError:
        return fallback


def _framework_name(catalog: Catalog, framework_id: str) -> str:
    try:
        return catalog.framework(framework_id).name
    except KeyError:
        return framework_id


def _cert_name(catalog: Catalog, cert_id: str) -> str:
    try:
        return catalog.certification(cert_id).name
    except KeyError:
        return cert_id


def _after_eol(catalog: Catalog, assessment: Assessment) -> bool:
    try:
        service = catalog.service(assessment.service)
    except KeyError:
        try:
            service = catalog.service(None)
        except KeyError:
            return False
    eol = service.lifecycle.end_of_life
    return service.lifecycle.status == "end-of-life" and (
        eol is None or assessment.period.end > eol
    )


def _service_name(catalog: Catalog, assessments: Sequence[Assessment]) -> tuple[str, str]:
    """The service's display name and its lifecycle statement."""
    ids = sorted({a.service for a in assessments})
    for candidate in [*ids, None]:
        try:
            service = catalog.service(candidate)
        except KeyError:
            continue
        life = service.lifecycle
        if life.status == "end-of-life" and life.end_of_life is not None:
            note = (
                f"{service.name} reached end of life on {long_date(life.end_of_life)}. Its "
                "certifications can support audits of periods that ended on or before that "
                f"date; no audit after it covers {service.name}, so later periods are at most "
                "partial."
            )
            if service.successors:
                note += " Successor services to assess instead: " + ", ".join(service.successors)
                note += "."
        else:
            note = life.statement
        return service.name, note
    return (ids[0] if ids else "the service"), ""


def _period_label(assessment: Assessment) -> str:
    period = assessment.period
    if period.start is not None:
        return f"{long_date(period.start)} \u2013 {long_date(period.end)}"
    return f"at {long_date(period.end)}"


def build_portfolio(
    assessments: Sequence[Assessment],
    catalog: Catalog,
    *,
    slugs: Mapping[str, str],
    organization: str,
    as_of: date,
    tool_version: str,
) -> PortfolioView:
    """Roll the units' assessments up into one organization-wide view."""
    ordered = sorted(
        assessments, key=lambda a: (a.business_unit.name.casefold(), a.business_unit.name)
    )
    units: list[UnitSummary] = []
    by_framework: dict[str, dict[str, list[Finding]]] = {}
    framework_names: dict[str, str] = {}
    gaps: dict[str, dict[str, Any]] = {}
    unrecognized: dict[str, dict[str, Any]] = {}
    duties: dict[str, dict[str, set[str]]] = {}
    evidence: dict[tuple[str, str], dict[str, Any]] = {}
    totals = dict.fromkeys(STATUSES, 0)
    shared_total = 0
    for assessment in ordered:
        name = assessment.business_unit.name
        counts = dict.fromkeys(STATUSES, 0)
        shared = 0
        for finding in assessment.findings:
            counts[finding.status] += 1
            shared += finding.responsibility == "shared"
            ref = finding.framework
            if ref is not None:
                framework_names.setdefault(ref.id, ref.name)
                by_framework.setdefault(ref.id, {}).setdefault(name, []).append(finding)
                for action in finding.customer_actions:
                    duties.setdefault(ref.id, {}).setdefault(action, set()).add(name)
            if finding.status == "gap" or (finding.status == "unrecognized" and ref is not None):
                key = ref.id if ref is not None else finding.requirement.casefold()
                item = gaps.setdefault(
                    key,
                    {
                        "framework_id": ref.id if ref else None,
                        "label": _short_name(catalog, ref.id, ref.name)
                        if ref
                        else finding.requirement,
                        "full_name": ref.name if ref else None,
                        "status": finding.status,
                        "units": set(),
                        "requirements": set(),
                        "suggestions": set(),
                    },
                )
                if _RANK[finding.status] < _RANK[item["status"]]:
                    item["status"] = finding.status
                item["units"].add(name)
                item["requirements"].add(finding.requirement)
            elif finding.status == "unrecognized":
                key = " ".join(finding.requirement.casefold().split())
                item = unrecognized.setdefault(
                    key,
                    {
                        "framework_id": None,
                        "label": finding.requirement,
                        "full_name": None,
                        "status": "unrecognized",
                        "units": set(),
                        "requirements": set(),
                        "suggestions": set(),
                    },
                )
                item["units"].add(name)
                item["requirements"].add(finding.requirement)
                item["suggestions"].update(_framework_name(catalog, s) for s in finding.suggestions)
            for ev in finding.evidence:
                doc = evidence.setdefault(
                    (ev.stp_section, ev.title),
                    {"ev": ev, "certifications": set(), "frameworks": set(), "units": set()},
                )
                doc["certifications"].add(_cert_name(catalog, ev.certification))
                if ref is not None:
                    doc["frameworks"].add(_short_name(catalog, ref.id, ref.name))
                doc["units"].add(name)
        total = len(assessment.findings)
        for status in STATUSES:
            totals[status] += counts[status]
        shared_total += shared
        units.append(
            UnitSummary(
                name=name,
                slug=slugs.get(name, ""),
                period_label=_period_label(assessment),
                basis=assessment.period.basis,
                after_end_of_life=_after_eol(catalog, assessment),
                covered=counts["covered"],
                partial=counts["partial"],
                gap=counts["gap"],
                unrecognized=counts["unrecognized"],
                total=total,
                shared=shared,
                coverage=_percent(counts["covered"], total),
                supported=_percent(counts["covered"] + counts["partial"], total),
                period_start=assessment.period.start,
                period_end=assessment.period.end,
            )
        )

    columns: list[FrameworkColumn] = []
    for fid in sorted(by_framework, key=lambda f: (framework_names[f].casefold(), f)):
        cells = [_cell(by_framework[fid].get(u.name, [])) for u in units]
        tally = {s: sum(1 for c in cells if c.status == s) for s in STATUSES}
        columns.append(
            FrameworkColumn(
                id=fid,
                name=framework_names[fid],
                short_name=_short_name(catalog, fid, framework_names[fid]),
                units=sum(1 for c in cells if c.status is not None),
                covered=tally["covered"],
                partial=tally["partial"],
                gap=tally["gap"],
                unrecognized=tally["unrecognized"],
            )
        )
    blocks: list[MatrixBlock] = []
    per_block = math.ceil(len(columns) / max(1, math.ceil(len(columns) / MATRIX_COLUMNS)))
    for start in range(0, len(columns), max(1, per_block)):
        block = columns[start : start + per_block]
        rows = tuple(
            MatrixRow(
                unit=u.name,
                cells=tuple(_cell(by_framework[c.id].get(u.name, [])) for c in block),
            )
            for u in units
        )
        blocks.append(MatrixBlock(frameworks=tuple(block), rows=rows))

    def shared_items(source: dict[str, dict[str, Any]]) -> tuple[SharedItem, ...]:
        items = [
            SharedItem(
                framework_id=v["framework_id"],
                label=v["label"],
                full_name=v["full_name"] if v["full_name"] != v["label"] else None,
                status=v["status"],
                status_label=STATUS_LABELS[v["status"]],
                status_mark=STATUS_MARKS[v["status"]],
                units=_unique(v["units"]),
                requirements=_unique(v["requirements"]),
                suggestions=_unique(v["suggestions"]),
            )
            for v in source.values()
        ]
        return tuple(sorted(items, key=lambda i: (-len(i.units), i.label.casefold(), i.label)))

    duty_groups = tuple(
        DutyGroup(
            framework_id=fid,
            framework=framework_names[fid],
            duties=tuple(
                DutyLine(text=text, units=_unique(unit_set))
                for text, unit_set in sorted(duties[fid].items(), key=lambda kv: kv[0])
            ),
        )
        for fid in sorted(duties, key=lambda f: (framework_names[f].casefold(), f))
    )
    sections: dict[str, list[EvidenceRequest]] = {}
    for (section, _title), doc in sorted(evidence.items(), key=lambda kv: kv[0]):
        ev = doc["ev"]
        sections.setdefault(section, []).append(
            EvidenceRequest(
                title=ev.title,
                kind=ev.kind,
                kind_label=KIND_LABELS.get(ev.kind, ev.kind),
                stp_section=ev.stp_section,
                mmd_location=ev.mmd_location,
                restricted=ev.restricted,
                self_attested=ev.self_attested,
                certifications=_unique(doc["certifications"]),
                frameworks=_unique(doc["frameworks"]),
                units=_unique(doc["units"]),
            )
        )
    stp = {section.id: section for section in catalog.stp.sections}
    evidence_groups = tuple(
        EvidenceGroup(
            section=stp[sid].name if sid in stp else sid,
            path=stp[sid].path if sid in stp else None,
            note=stp[sid].note if sid in stp else None,
            items=tuple(items),
        )
        for sid, items in sorted(
            sections.items(), key=lambda kv: stp[kv[0]].name if kv[0] in stp else kv[0]
        )
    )
    gap_items = shared_items(gaps)
    unrec_items = shared_items(unrecognized)
    service, note = _service_name(catalog, ordered)
    org = organization or (ordered[0].organization if ordered else "")
    after = tuple(u.name for u in units if u.after_end_of_life)
    return PortfolioView(
        title=f"Portfolio evidence gap report: {org}" if org else "Portfolio evidence gap report",
        subject=(
            f"{service} certifications mapped to {len(units)} business units' framework "
            f"requirements, as of {as_of.isoformat()}"
        ),
        organization=org,
        as_of=as_of,
        as_of_label=long_date(as_of),
        service=service,
        lifecycle_note=note,
        catalog_as_of=catalog.meta.as_of,
        catalog_sha256=catalog.meta.sha256,
        tool_version=tool_version,
        totals=Totals(
            units=len(units),
            findings=sum(u.total for u in units),
            covered=totals["covered"],
            partial=totals["partial"],
            gap=totals["gap"],
            unrecognized=totals["unrecognized"],
            shared=shared_total,
            frameworks=len(columns),
            gaps_shared=sum(1 for g in gap_items if len(g.units) > 1),
            evidence_documents=len(evidence),
        ),
        units=tuple(units),
        units_after_end_of_life=after,
        frameworks=tuple(columns),
        matrix=tuple(blocks),
        gaps=gap_items,
        unrecognized=unrec_items,
        duties=duty_groups,
        evidence=evidence_groups,
    )


def portfolio_json(view: PortfolioView) -> dict[str, Any]:
    """The portfolio's JSON document: the whole view plus a flat unit x framework matrix."""
    data = view.model_dump(mode="json", exclude={"matrix"})
    merged: dict[str, dict[str, str]] = {}
    for block in view.matrix:
        for row in block.rows:
            merged.setdefault(row.unit, {}).update(
                {
                    fw.id: cell.status
                    for fw, cell in zip(block.frameworks, row.cells, strict=True)
                    if cell.status is not None
                }
            )
    data["matrix"] = merged
    return data
