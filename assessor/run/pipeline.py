"""Run options and their parsing, and one read workbook assessed and rendered (in a worker)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from assessor import __version__
from assessor.domain.errors import InputError, UsageError
from assessor.domain.models import (
    Assessment,
    AssessorModel,
    Catalog,
    EvidenceRecord,
    IntakeResult,
)
from assessor.render import registry
from assessor.render.options import PdfDetail, PdfVariant

if TYPE_CHECKING:
    from assessor.views.report import ReportView


class RunOptions(AssessorModel):
    """What to produce for each business unit."""

    formats: tuple[str, ...] = ("pdf", "json")
    organization: str = ""
    as_of: date
    pdf_variant: PdfVariant | None = None
    services: tuple[str, ...] = ()  # --service: units with no Service column (empty: default)
    scope_window_months: int = 12  # --scope-window-months
    evidence: tuple[EvidenceRecord, ...] | None = None  # --evidence FILE, read once (None: none)
    evidence_dir: Path | None = None  # --evidence-dir: where the register's files are kept
    pdf_detail: PdfDetail = "full"


def parse_formats(text: str) -> tuple[str, ...]:
    """Parse `pdf,json` into known formats, in canonical order, or raise UsageError."""
    wanted = [part.strip().lower() for part in text.split(",") if part.strip()]
    known = registry.names()
    unknown = sorted(set(wanted) - set(known))
    if unknown or not wanted:
        raise UsageError(
            f"--format {text!r}: unknown format(s) {', '.join(unknown) or '(none given)'}",
            hint=f"choose from {', '.join(known)}",
        )
    return tuple(fmt for fmt in known if fmt in wanted)


def parse_as_of(text: str | None, today: date) -> date:
    """Parse --as-of (YYYY-MM-DD), defaulting to the given today."""
    if text is None:
        return today
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(f"--as-of {text!r}: expected a date as YYYY-MM-DD") from None


def parse_pdf_detail(text: str | None) -> PdfDetail:
    """Parse --pdf-detail: full (the default pack) or summary (2-4 pages)."""
    value = (text or "full").strip().lower()
    if value == "full":
        return "full"
    if value == "summary":
        return "summary"
    raise UsageError(f"--pdf-detail {text!r}: use full (the whole report) or summary (2-4 pages)")


def parse_pdf_variant(text: str | None) -> PdfVariant | None:
    """Parse --pdf-variant: ua (PDF/UA-1), a (PDF/A-3b) or nothing."""
    if text is None or text.strip() == "":
        return None
    value = text.strip().lower().replace("pdf/", "").replace("-", "")
    if value in ("ua", "ua1"):
        return "ua"
    if value in ("a", "a3b"):
        return "a"
    raise UsageError(f"--pdf-variant {text!r}: use ua (tagged PDF/UA-1) or a (PDF/A-3b)")


def parse_services(text: str | None, catalog_dir: Path | None = None) -> tuple[str, ...]:
    """Parse --service (ids or names, comma-separated) into service ids, or raise UsageError."""
    if text is None or not text.strip():
        return ()
    from assessor.catalog import load
    from assessor.catalog.services import parse_service_option

    return parse_service_option(text, load.load_catalog(catalog_dir))


@dataclass
class UnitOutput:
    """Everything produced for one business unit: the assessment, its view, its files."""

    unit: str
    assessment: Assessment
    view: ReportView
    files: dict[str, bytes] = field(default_factory=dict)


def assess_and_render(
    result: IntakeResult,
    catalog: Catalog,
    options: RunOptions,
    *,
    source_bytes: bytes | None = None,
    units: Collection[str] | None = None,
) -> list[UnitOutput]:
    """Assess a read workbook and render its business units (all, or only those named)."""
    from assessor.assess import engine
    from assessor.catalog.overlay import for_unit
    from assessor.render import RenderOptions, render
    from assessor.views import report

    catalog = workbook_catalog(result, catalog)
    records, given = _register(result, options)
    assessments = engine.assess(
        _only(result, units).model_copy(update={"evidence": ()}),
        catalog,
        as_of=options.as_of,
        organization=options.organization,
        services=options.services,
        window_months=options.scope_window_months,
        evidence=records if given else None,
    )
    render_options = RenderOptions(
        pdf_variant=options.pdf_variant,
        pdf_detail=options.pdf_detail,
        source_bytes=source_bytes,
        source_name=result.file,
    )
    outputs: list[UnitOutput] = []
    for assessment in assessments:
        name = assessment.business_unit.name
        if units is not None and name not in units:
            continue
        view = report.build_view(
            assessment, for_unit(catalog, name), intake=result, tool_version=__version__
        )
        unit_options = render_options
        if "pack" in options.formats and options.evidence_dir is not None:
            unit_options = render_options.model_copy(
                update={"evidence_files": _pack_files(view, options.evidence_dir)}
            )
        files = {fmt: render(view, fmt, unit_options) for fmt in options.formats}
        outputs.append(UnitOutput(unit=name, assessment=assessment, view=view, files=files))
    return outputs


def workbook_catalog(result: IntakeResult, catalog: Catalog) -> Catalog:
    """The catalog a workbook's units are assessed on: the run's, with the workbook's own
    Overlay sheet merged when it has one (checked when it was read; the same object again)."""
    if result.overlay is None:
        return catalog
    from assessor.catalog import overlay

    merged, problems = overlay.check(catalog, result.overlay.overlay, result.overlay.origin)
    if merged is None:
        raise InputError(
            f"{result.file}: its Overlay sheet does not apply to this catalog",
            issues=overlay.located(problems, overlay.yaml_locator(result.overlay.origin.file, {})),
        )
    return merged


def _register(result: IntakeResult, options: RunOptions) -> tuple[tuple[EvidenceRecord, ...], bool]:
    """The workbook's own register rows and --evidence's, with their files' facts when an
    evidence folder is given; and whether any register was given at all."""
    records = (*result.evidence, *(options.evidence or ()))
    if options.evidence_dir is not None:
        from assessor.run import pack

        records = pack.inspect_records(records, options.evidence_dir)
    return records, options.evidence is not None or bool(result.evidence)


def _pack_files(view: ReportView, folder: Path) -> tuple[tuple[str, bytes], ...]:
    """The bytes of the files the unit's findings rely on, checked against what was judged."""
    from assessor.run import pack

    status = view.evidence_status
    held = [h.file for item in (status.items if status else ()) for h in item.held_files]
    return pack.read_files(folder, held)


def _only(result: IntakeResult, units: Collection[str] | None) -> IntakeResult:
    """The intake narrowed to the named units, so a job assesses only the units it renders
    (a workbook of ten 20,000-row units would otherwise be assessed whole by every job)."""
    if units is None:
        return result
    wanted = set(units)
    return result.model_copy(
        update={
            "units": tuple(u for u in result.units if u.name in wanted),
            "requirements": tuple(r for r in result.requirements if r.business_unit in wanted),
            "rejected": tuple(
                r for r in result.rejected if r.business_unit is None or r.business_unit in wanted
            ),
        }
    )
