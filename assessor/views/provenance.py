"""Where a report comes from and how it was made: the workbook and catalog identities, the
sources cited, every source row accounted for, and the methodology (pure)."""

from __future__ import annotations

import contextlib
from datetime import date
from typing import Literal

from assessor.assess.scope import cert_label
from assessor.domain.models import (
    Assessment,
    AssessorModel,
    Catalog,
    CatalogMeta,
    CellRef,
    IntakeResult,
    OverlayDecision,
    OverlayOrigin,
    RejectedRow,
    ServiceProfile,
)
from assessor.domain.text import long_date
from assessor.views.common import certification, clip, in_order, workbook_order
from assessor.views.findings import FindingView


class OverlayInfo(AssessorModel):
    """An overlay the catalog was amended with: the file (or sheet), its hash, whose it is."""

    file: str
    sha256: str
    sha256_short: str
    organization: str | None
    entries: str  # "1 alias, 1 framework, 1 relation"
    label: str  # one line for the cover and the integrity block


class DecisionView(AssessorModel):
    """One entry of an overlay, as the appendix lists it: what, for whom, who, when."""

    kind: str
    framework: str
    what: str
    units: str  # "every unit" or the units named
    decided_by: str
    decided_on: str
    source: str


class CatalogInfo(AssessorModel):
    """Catalog identity printed on every report, with the organization's overlays if any."""

    title: str
    as_of: date
    as_of_label: str
    schema_version: int
    sha256: str
    sha256_short: str
    overlays: tuple[OverlayInfo, ...] = ()
    decisions: tuple[DecisionView, ...] = ()


class SourceFile(AssessorModel):
    """The input workbook's identity."""

    file: str
    sha256: str
    sha256_short: str
    sheets: tuple[str, ...]
    data_rows: int


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


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 'es' if word.endswith('s') else 's'}"


def _overlay_info(o: OverlayOrigin) -> OverlayInfo:
    counts = [(o.aliases, "alias"), (o.frameworks, "framework"), (o.relations, "relation")]
    entries = ", ".join(_plural(n, w) for n, w in counts if n) or "no entries"
    whose = f"{o.organization}'s overlay" if o.organization else "the organization's overlay"
    return OverlayInfo(
        file=o.file,
        sha256=o.sha256,
        sha256_short=o.sha256[:12],
        organization=o.organization,
        entries=entries,
        label=f"amended by {whose} {o.file} ({entries}) · SHA-256 {o.sha256[:12]}",
    )


def _decision_view(catalog: Catalog, d: OverlayDecision) -> DecisionView:
    try:
        name = catalog.framework(d.framework).short_name
    except KeyError:
        name = d.framework
    certs = []
    for cid in d.certifications:
        try:
            certs.append(cert_label(catalog, catalog.certification(cid)))
        except KeyError:
            certs.append(cid)
    if d.kind == "alias":
        what = f"'{d.alias}' read as {name}"
    elif d.kind == "framework":
        what = f"{name} added" + (
            f", supported by {', '.join(certs)}" if certs else ", no relation"
        )
    else:
        by = f", accepted by {d.accepted_by}" if d.accepted_by else ""
        what = f"{name} supported by {', '.join(certs)}{by}"
    return DecisionView(
        kind=d.kind,
        framework=d.framework,
        what=what + (f" ({d.note})" if d.note else ""),
        units=", ".join(d.units) if d.units else "every unit",
        decided_by=d.decided_by,
        decided_on=long_date(d.decided_on),
        source=d.source or "",
    )


def catalog_info(meta: CatalogMeta, catalog: Catalog | None = None) -> CatalogInfo:
    """The catalog's title, date, schema and hash; the overlays it was amended with and their
    decisions (those that apply to this report's unit: the catalog is the unit's)."""
    return CatalogInfo(
        title=meta.title,
        as_of=meta.as_of,
        as_of_label=long_date(meta.as_of),
        schema_version=meta.schema_version,
        sha256=meta.sha256,
        sha256_short=meta.sha256[:12],
        overlays=tuple(_overlay_info(o) for o in catalog.overlays) if catalog else (),
        decisions=tuple(_decision_view(catalog, d) for d in catalog.decisions) if catalog else (),
    )


def source_file(intake: IntakeResult) -> SourceFile:
    """The workbook's name, hash, sheets read and row count."""
    return SourceFile(
        file=intake.file,
        sha256=intake.sha256,
        sha256_short=intake.sha256[:12],
        sheets=intake.sheets_read,
        data_rows=intake.data_rows,
    )


def unit_rejected(assessment: Assessment, intake: IntakeResult) -> tuple[RejectedRow, ...]:
    """The rows rejected for this unit (or for no unit), once each, in sheet and row order."""
    unit = assessment.business_unit.name
    rows = [
        *assessment.rejected,
        *(r for r in intake.rejected if r.business_unit in (None, unit)),
    ]
    seen: dict[tuple[str, str, int], RejectedRow] = {}
    for r in rows:
        seen.setdefault((r.file, r.sheet, r.row), r)
    return tuple(sorted(seen.values(), key=lambda r: (r.sheet, r.row)))


def used_sources(
    views: tuple[FindingView, ...],
    catalog: Catalog,
    services: ServiceProfile | tuple[ServiceProfile, ...] | None,
) -> tuple[SourceView, ...]:
    """The catalog sources behind this report's findings, services and STP layout."""
    ids: list[str] = []
    profiles = (services,) if isinstance(services, ServiceProfile) else (services or ())
    for service in profiles:
        ids += [*service.sources, *service.lifecycle.sources]
    ids += [r.source for fv in views for r in fv.service_scope if r.source]
    for fv in views:
        if fv.framework is not None:
            with contextlib.suppress(KeyError):
                ids += catalog.framework(fv.framework.id).sources
        for cid in fv.certifications:
            cert = certification(catalog, cid)
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


def _result(f: FindingView) -> str:
    """What became of one finding, in a few words."""
    if f.framework is None:
        return f"{f.ref} {clip(f.requirement, 80)!r}: {f.status_label}"
    return f"{f.ref} {f.framework_label}: {f.status_label}" + (" (SHARED)" if f.shared else "")


def reconciliation(
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
        text = texts.get((sheet, row), " / ".join(in_order(f.requirement for f in items)))
        rows.append(
            (
                workbook_order(items[0].source, intake.sheets_read),
                ReconciliationRow(
                    location=f"{sheet}!{row}",
                    sheet=sheet,
                    row=row,
                    text=clip(text),
                    outcome="assessed",
                    results=tuple(_result(f) for f in items),
                ),
            )
        )
    for rej in rejected:
        ref = CellRef(file=rej.file, sheet=rej.sheet, row=rej.row)
        rows.append(
            (
                workbook_order(ref, intake.sheets_read),
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


def methodology(
    assessment: Assessment,
    services: ServiceProfile | tuple[ServiceProfile, ...] | None,
    catalog: Catalog,
    basis: str,
) -> tuple[str, ...]:
    """How the assessment was made, in plain sentences."""
    profiles = (services,) if isinstance(services, ServiceProfile) else (services or ())
    names = [svc.name for svc in profiles] or list(assessment.services)
    name = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    window = assessment.scope_window_months
    paras = [
        f"Each framework named in the organization's workbook was matched against the "
        f"assessor catalog ({catalog.meta.title}, as of {long_date(catalog.meta.as_of)}), "
        f"which records the certifications Microsoft holds, what each proves and does not prove, "
        "the Service Trust Portal (STP) documents that evidence them, and the duties that stay "
        "with the customer. A cell naming several frameworks gives one finding per framework, "
        "each traced to the same source row.",
        f"The period judged is {basis}. A certification counts as covering a framework only "
        "when it is held in the version asked for and every service the requirement uses "
        f"({name}) is in its confirmed scope for the period: a source dated within {window} "
        "months of the period (before its start or after its end) lists the service, and the "
        "period lies inside the service's life. A certification whose scope for a service is "
        "claimed, unconfirmed or last shown outside that window makes the finding partial; one "
        "no source shows in scope for any service used, or a service retired before the "
        "period, makes it a gap. The caveats say which.",
    ]
    paras.extend(
        f"{service.name}: Microsoft publishes its evidence in documents named for "
        f"\u201c{service.document_name_pattern}\u201d. {service.responsibility_model}"
        for service in profiles
    )
    paras.append(
        "Microsoft's SOC 1 and SOC 2 reports are restricted: this report cites them by title "
        "and period and never quotes or attaches their content. Request them from the STP "
        "under its terms."
    )
    paras.append(catalog.responsibility.statement)
    return tuple(p for p in paras if p)
