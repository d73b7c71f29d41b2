"""The portfolio view across business units: matrix, coverage, shared gaps, duties, evidence (pure).

Built from the units' assessments after a batch run; rendered to PDF (through the report's
template machinery), XLSX (xlsxio) and JSON. Same assessments, same bytes: everything sorted.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from assessor.assess import rules, wording
from assessor.domain.models import (
    STATUSES,
    Assessment,
    AssessorModel,
    Catalog,
    EvidenceKind,
    EvidenceRef,
    Finding,
    ServiceProfile,
    Status,
)
from assessor.domain.text import long_date
from assessor.views.common import (
    cert_name,
    default_service,
    framework_name,
    percent,
    period_at,
    services_of,
    short_name,
    sorted_unique,
)
from assessor.views.labels import STATUS_LABELS, STATUS_MARKS, kind_label

SCHEMA_VERSION = 2
MATRIX_COLUMNS = 11  # frameworks per matrix block on a landscape page
# Worst first: the matrix cell shows a unit's weakest finding for that framework.
_RANK: dict[Status, int] = {"gap": 0, "unrecognized": 1, "partial": 2, "covered": 3}


class UnitSummary(AssessorModel):
    """One business unit's line: period, counts, coverage, report file stem."""

    name: str
    slug: str
    period_label: str
    basis: Literal["audit-period", "as-of"]
    services: tuple[str, ...] = ()  # names of the services the unit was assessed against
    retired_services: tuple[str, ...] = ()  # those whose end of life falls before the period ends
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
    evidence_needed: int = 0  # documents its findings rely on, each once
    evidence_on_file: int = 0  # of those, on file for its period (issue 12)
    # findings resting on the organization's own catalog decisions (an overlay file or sheet)
    on_overlay: int = 0
    on_overlay_label: str = ""  # "2 findings on the organization's decisions" (its overlay)


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


class UnitStatusRow(AssessorModel):
    """One unit's row of the matrix: its status per framework column of one block."""

    unit: str
    cells: tuple[MatrixCell, ...]


class MatrixBlock(AssessorModel):
    """A page-wide slice of the matrix: some framework columns, every unit."""

    frameworks: tuple[FrameworkColumn, ...]
    rows: tuple[UnitStatusRow, ...]


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
    scope_location: str
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


# ---------------------------------------------------------------------------
# Gathering: one pass over every unit's findings


@dataclass
class _SharedDraft:
    """A gap or unrecognized entry while the units' findings are gathered."""

    framework_id: str | None
    label: str
    full_name: str | None
    status: Status
    units: set[str] = field(default_factory=set)
    requirements: set[str] = field(default_factory=set)
    suggestions: set[str] = field(default_factory=set)


@dataclass
class _DocumentDraft:
    """An evidence document while the units' findings are gathered."""

    ev: EvidenceRef
    certifications: set[str] = field(default_factory=set)
    frameworks: set[str] = field(default_factory=set)
    units: set[str] = field(default_factory=set)


@dataclass
class _Gathered:
    """Every unit's findings, regrouped by framework, gap, duty and document."""

    catalog: Catalog
    by_framework: dict[str, dict[str, list[Finding]]] = field(default_factory=dict)
    framework_names: dict[str, str] = field(default_factory=dict)
    gaps: dict[str, _SharedDraft] = field(default_factory=dict)
    unrecognized: dict[str, _SharedDraft] = field(default_factory=dict)
    duties: dict[str, dict[str, set[str]]] = field(default_factory=dict)
    evidence: dict[tuple[str, str], _DocumentDraft] = field(default_factory=dict)

    def add(self, unit: str, finding: Finding) -> None:
        """File one unit's finding under everything it counts towards."""
        ref = finding.framework
        if ref is not None:
            self.framework_names.setdefault(ref.id, ref.name)
            self.by_framework.setdefault(ref.id, {}).setdefault(unit, []).append(finding)
            for action in finding.customer_actions:
                self.duties.setdefault(ref.id, {}).setdefault(action, set()).add(unit)
        if finding.status == "gap" or (finding.status == "unrecognized" and ref is not None):
            self._add_gap(unit, finding)
        elif finding.status == "unrecognized":
            self._add_unrecognized(unit, finding)
        for ev in finding.evidence:
            if ev.status is not None and ev.status.state == "on-file":
                continue  # collected for this unit: the org-wide list holds what is missing
            doc = self.evidence.setdefault((ev.stp_section, ev.title), _DocumentDraft(ev=ev))
            doc.certifications.add(cert_name(self.catalog, ev.certification))
            if ref is not None:
                doc.frameworks.add(short_name(self.catalog, ref.id, ref.name))
            doc.units.add(unit)

    def _add_gap(self, unit: str, finding: Finding) -> None:
        """A gap (or a recognized framework left unrecognized), once per framework."""
        ref = finding.framework
        key = ref.id if ref is not None else finding.requirement.casefold()
        item = self.gaps.setdefault(
            key,
            _SharedDraft(
                framework_id=ref.id if ref else None,
                label=short_name(self.catalog, ref.id, ref.name) if ref else finding.requirement,
                full_name=ref.name if ref else None,
                status=finding.status,
            ),
        )
        if _RANK[finding.status] < _RANK[item.status]:
            item.status = finding.status
        item.units.add(unit)
        item.requirements.add(finding.requirement)

    def _add_unrecognized(self, unit: str, finding: Finding) -> None:
        """An entry naming no known framework, once per text (case and spacing ignored)."""
        key = " ".join(finding.requirement.casefold().split())
        item = self.unrecognized.setdefault(
            key,
            _SharedDraft(
                framework_id=None,
                label=finding.requirement,
                full_name=None,
                status="unrecognized",
            ),
        )
        item.units.add(unit)
        item.requirements.add(finding.requirement)
        item.suggestions.update(framework_name(self.catalog, s) for s in finding.suggestions)


# ---------------------------------------------------------------------------
# Building the parts


def _cell(findings: Sequence[Finding]) -> MatrixCell:
    """The weakest status among a unit's findings for one framework, or a dash."""
    if not findings:
        return MatrixCell(status=None, label="\u2014", mark="", findings=0)
    worst = min((f.status for f in findings), key=lambda s: _RANK[s])
    return MatrixCell(
        status=worst,
        label=STATUS_LABELS[worst],
        mark=STATUS_MARKS[worst],
        findings=len(findings),
    )


def _unit_summary(assessment: Assessment, catalog: Catalog, slug: str) -> UnitSummary:
    """One unit's counts and coverage."""
    counts = dict.fromkeys(STATUSES, 0)
    for finding in assessment.findings:
        counts[finding.status] += 1
    total = len(assessment.findings)
    services = services_of(catalog, assessment.services)
    retired = tuple(s.name for s in services if rules.after_end_of_life(s, assessment.period))
    on_overlay = sum(
        1 for f in assessment.findings if any(r.code == "overlay-decision" for r in f.reasons)
    )
    return UnitSummary(
        name=assessment.business_unit.name,
        slug=slug,
        period_label=period_at(assessment.period),
        basis=assessment.period.basis,
        services=tuple(s.name for s in services),
        retired_services=retired,
        after_end_of_life=bool(retired),
        covered=counts["covered"],
        partial=counts["partial"],
        gap=counts["gap"],
        unrecognized=counts["unrecognized"],
        total=total,
        shared=sum(1 for f in assessment.findings if f.responsibility == "shared"),
        coverage=percent(counts["covered"], total),
        supported=percent(counts["covered"] + counts["partial"], total),
        period_start=assessment.period.start,
        period_end=assessment.period.end,
        on_overlay=on_overlay,
        on_overlay_label=(
            f"{on_overlay} finding{'s' if on_overlay != 1 else ''} on the organization's decisions"
            if on_overlay
            else ""
        ),
        **_evidence_collected(assessment),
    )


def _evidence_collected(assessment: Assessment) -> dict[str, int]:
    """How many documents a unit's findings need, and how many are on file for its period."""
    states: dict[tuple[str, str], bool] = {}
    for finding in assessment.findings:
        for ev in finding.evidence:
            on_file = ev.status is not None and ev.status.state == "on-file"
            states[(ev.title, ev.kind)] = states.get((ev.title, ev.kind), False) or on_file
    return {"evidence_needed": len(states), "evidence_on_file": sum(states.values())}


def _columns(gathered: _Gathered, units: Sequence[UnitSummary]) -> list[FrameworkColumn]:
    """One column per framework some unit must meet, by name, with how the units stand."""
    names = gathered.framework_names
    columns: list[FrameworkColumn] = []
    for fid in sorted(gathered.by_framework, key=lambda f: (names[f].casefold(), f)):
        cells = [_cell(gathered.by_framework[fid].get(u.name, [])) for u in units]
        tally = {s: sum(1 for c in cells if c.status == s) for s in STATUSES}
        columns.append(
            FrameworkColumn(
                id=fid,
                name=names[fid],
                short_name=short_name(gathered.catalog, fid, names[fid]),
                units=sum(1 for c in cells if c.status is not None),
                covered=tally["covered"],
                partial=tally["partial"],
                gap=tally["gap"],
                unrecognized=tally["unrecognized"],
            )
        )
    return columns


def _matrix(
    columns: list[FrameworkColumn], gathered: _Gathered, units: Sequence[UnitSummary]
) -> tuple[MatrixBlock, ...]:
    """The unit x framework matrix, cut into blocks of about equal width that fit a page."""
    blocks: list[MatrixBlock] = []
    per_block = math.ceil(len(columns) / max(1, math.ceil(len(columns) / MATRIX_COLUMNS)))
    for start in range(0, len(columns), max(1, per_block)):
        block = columns[start : start + per_block]
        rows = tuple(
            UnitStatusRow(
                unit=u.name,
                cells=tuple(_cell(gathered.by_framework[c.id].get(u.name, [])) for c in block),
            )
            for u in units
        )
        blocks.append(MatrixBlock(frameworks=tuple(block), rows=rows))
    return tuple(blocks)


def _shared_items(drafts: dict[str, _SharedDraft]) -> tuple[SharedItem, ...]:
    """Gaps or unrecognized entries, those affecting the most units first."""
    items = [
        SharedItem(
            framework_id=d.framework_id,
            label=d.label,
            full_name=d.full_name if d.full_name != d.label else None,
            status=d.status,
            status_label=STATUS_LABELS[d.status],
            status_mark=STATUS_MARKS[d.status],
            units=sorted_unique(d.units),
            requirements=sorted_unique(d.requirements),
            suggestions=sorted_unique(d.suggestions),
        )
        for d in drafts.values()
    ]
    return tuple(sorted(items, key=lambda i: (-len(i.units), i.label.casefold(), i.label)))


def _duty_groups(gathered: _Gathered) -> tuple[DutyGroup, ...]:
    """The customer's duties per framework, each once, with the units that carry it."""
    names = gathered.framework_names
    return tuple(
        DutyGroup(
            framework_id=fid,
            framework=names[fid],
            duties=tuple(
                DutyLine(text=text, units=sorted_unique(unit_set))
                for text, unit_set in sorted(gathered.duties[fid].items(), key=lambda kv: kv[0])
            ),
        )
        for fid in sorted(gathered.duties, key=lambda f: (names[f].casefold(), f))
    )


def _evidence_groups(gathered: _Gathered) -> tuple[EvidenceGroup, ...]:
    """The documents to request, each once, grouped by STP section."""
    sections: dict[str, list[EvidenceRequest]] = {}
    for (section, _title), doc in sorted(gathered.evidence.items(), key=lambda kv: kv[0]):
        ev = doc.ev
        sections.setdefault(section, []).append(
            EvidenceRequest(
                title=ev.title,
                kind=ev.kind,
                kind_label=kind_label(ev.kind),
                stp_section=ev.stp_section,
                scope_location=ev.scope_location,
                restricted=ev.restricted,
                self_attested=ev.self_attested,
                certifications=sorted_unique(doc.certifications),
                frameworks=sorted_unique(doc.frameworks),
                units=sorted_unique(doc.units),
            )
        )
    stp = {section.id: section for section in gathered.catalog.stp.sections}
    return tuple(
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


def _portfolio_services(catalog: Catalog, ids: Sequence[str]) -> tuple[ServiceProfile, ...]:
    """The services the units name that the catalog knows (catalog order), else the default."""
    wanted = set(ids)
    found = tuple(svc for svc in catalog.services if svc.id in wanted)
    default = default_service(catalog)
    return found or ((default,) if default is not None else ())


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
    gathered = _Gathered(catalog=catalog)
    for assessment in ordered:
        for finding in assessment.findings:
            gathered.add(assessment.business_unit.name, finding)
    units = tuple(_unit_summary(a, catalog, slugs.get(a.business_unit.name, "")) for a in ordered)
    columns = _columns(gathered, units)
    gap_items = _shared_items(gathered.gaps)
    services = _portfolio_services(catalog, sorted({s for a in ordered for s in a.services}))
    names = [svc.name for svc in services]
    service_name = (
        "the service"
        if not names
        else names[0]
        if len(names) == 1
        else ", ".join(names[:-1]) + " and " + names[-1]
    )
    org = organization or (ordered[0].organization if ordered else "")
    return PortfolioView(
        title=f"Portfolio evidence gap report: {org}" if org else "Portfolio evidence gap report",
        subject=(
            f"{service_name} certifications mapped to {len(units)} business units' framework "
            f"requirements, as of {as_of.isoformat()}"
        ),
        organization=org,
        as_of=as_of,
        as_of_label=long_date(as_of),
        service=service_name,
        lifecycle_note=" ".join(wording.portfolio_lifecycle(svc) for svc in services),
        catalog_as_of=catalog.meta.as_of,
        catalog_sha256=catalog.meta.sha256,
        tool_version=tool_version,
        totals=Totals(
            units=len(units),
            findings=sum(u.total for u in units),
            covered=sum(u.covered for u in units),
            partial=sum(u.partial for u in units),
            gap=sum(u.gap for u in units),
            unrecognized=sum(u.unrecognized for u in units),
            shared=sum(u.shared for u in units),
            frameworks=len(columns),
            gaps_shared=sum(1 for g in gap_items if len(g.units) > 1),
            evidence_documents=len(gathered.evidence),
        ),
        units=units,
        units_after_end_of_life=tuple(u.name for u in units if u.after_end_of_life),
        frameworks=tuple(columns),
        matrix=_matrix(columns, gathered, units),
        gaps=gap_items,
        unrecognized=_shared_items(gathered.unrecognized),
        duties=_duty_groups(gathered),
        evidence=_evidence_groups(gathered),
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
