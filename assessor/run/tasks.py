"""The jobs a worker runs, for the batch and the upload page alike: read, render, portfolio.

Phase one reads a workbook to learn its business units (`read_task`). Phase two reads it again,
assesses it and renders only the units of its task (`render_task`), one task per few units so
that the per-job time limit stays meaningful; a task may also be one unit merged from several
workbooks. `portfolio_task` renders the roll-up. Each worker keeps the catalog and the run's
options from its initializer (`init_worker`), and imports the heavy libraries once.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assessor.domain.errors import InputError
from assessor.domain.models import (
    Assessment,
    BusinessUnit,
    Catalog,
    IntakeResult,
    RejectedRow,
    Requirement,
)
from assessor.run.pipeline import RunOptions

if TYPE_CHECKING:
    from assessor.views.report import ReportView


@dataclass(frozen=True)
class InputFile:
    """One input workbook: where it is, and how messages name it (an upload's own name)."""

    index: int
    path: Path
    display_name: str | None = None  # None: the path as the user gave it

    @property
    def label(self) -> str:
        """How messages and the manifest name this input."""
        return self.display_name or str(self.path)


@dataclass(frozen=True)
class ReadSummary:
    """What phase one learns from a workbook: its identity and business units."""

    file: str
    sha256: str
    units: tuple[BusinessUnit, ...]
    rows: dict[str, int] = field(default_factory=dict)  # unit -> rows its report would list
    example_rows: int = 0  # rows skipped as the blank template's example row


@dataclass(frozen=True)
class TaskPart:
    """Units of one workbook that a task renders, and the SHA-256 phase one saw."""

    input: InputFile
    sha256: str
    units: tuple[str, ...]


@dataclass(frozen=True)
class UnitTask:
    """Render these units of one workbook, or one unit merged from several workbooks."""

    task_id: int
    parts: tuple[TaskPart, ...]
    merged_name: str | None = None  # set when the parts are merged into one unit

    def unit_names(self) -> list[str]:
        """The names of the units this task renders."""
        if self.merged_name is not None:
            return [self.merged_name]
        return list(self.parts[0].units)


@dataclass(frozen=True)
class UnitDone:
    """One business unit rendered: its assessment, its files' bytes, and its view if kept."""

    unit: str
    assessment: Assessment
    files: dict[str, bytes]
    view: ReportView | None = None


@dataclass(frozen=True)
class PortfolioJob:
    """The roll-up over several units, in the given formats."""

    assessments: tuple[Assessment, ...]
    slugs: dict[str, str]
    organization: str
    as_of: date
    formats: tuple[str, ...]


# ---------------------------------------------------------------------------
# Worker state, set once per process by the initializer

_WORKER: dict[str, Any] = {}


def init_worker(catalog: Catalog, options: RunOptions, keep_views: bool = False) -> None:
    """Keep the catalog and options, and import the heavy libraries once."""
    _WORKER["catalog"] = catalog
    _WORKER["options"] = options
    _WORKER["keep_views"] = keep_views
    from assessor.assess import engine  # noqa: F401
    from assessor.intake import workbook as intake  # noqa: F401
    from assessor.render import render  # noqa: F401
    from assessor.views import report  # noqa: F401

    if "pdf" in options.formats:
        from assessor.render import pdf  # noqa: F401


def read_task(source: InputFile) -> ReadSummary:
    """Phase one: read a workbook and report its business units (raises AssessorError)."""
    from assessor.assess.units import units_of
    from assessor.intake import workbook as intake
    from assessor.intake.template import TEMPLATE_EXAMPLE_REASON

    result = intake.read_workbook(source.path, _WORKER["catalog"], display_name=source.display_name)
    units = units_of(result)
    examples = sum(1 for r in result.rejected if r.reason == TEMPLATE_EXAMPLE_REASON)
    return ReadSummary(
        file=result.file,
        sha256=result.sha256,
        units=units,
        rows=report_rows(result, units),
        example_rows=examples,
    )


def report_rows(result: IntakeResult, units: Sequence[BusinessUnit]) -> dict[str, int]:
    """Per unit, the rows its report would list: its requirements and the rows rejected for it
    (or for no unit), as the findings table and the appendix show them."""
    requirements = Counter(r.business_unit for r in result.requirements)
    rejected = Counter(r.business_unit for r in result.rejected)
    shared = rejected.get(None, 0)
    return {u.name: requirements[u.name] + rejected[u.name] + shared for u in units}


def render_task(task: UnitTask) -> tuple[UnitDone, ...]:
    """Phase two: read, assess and render the task's units (raises AssessorError)."""
    from assessor.intake import workbook as intake

    catalog: Catalog = _WORKER["catalog"]
    results: list[IntakeResult] = []
    for part in task.parts:
        source = part.input
        result = intake.read_workbook(source.path, catalog, display_name=source.display_name)
        if result.sha256 != part.sha256:
            raise InputError(f"{source.label}: the file changed while it was being assessed")
        results.append(result)
    if task.merged_name is None:
        part = task.parts[0]
        return _assess_and_render(results[0], part.input.path, part.units)
    combined = merge_intakes(task.merged_name, results, [p.units for p in task.parts])
    return _assess_and_render(combined, None, (task.merged_name,))


def _assess_and_render(
    result: IntakeResult, path: Path | None, names: Collection[str]
) -> tuple[UnitDone, ...]:
    """Assess a workbook and render only the named units, so one workbook's units can spread."""
    from assessor.run import pipeline

    catalog: Catalog = _WORKER["catalog"]
    options: RunOptions = _WORKER["options"]
    keep_views: bool = _WORKER["keep_views"]
    source_bytes = path.read_bytes() if options.pdf_variant == "a" and path is not None else None
    wanted = set(names)
    outputs = pipeline.assess_and_render(
        result, catalog, options, source_bytes=source_bytes, units=wanted
    )
    done = tuple(
        UnitDone(
            unit=o.unit,
            assessment=o.assessment,
            files=o.files,
            view=o.view if keep_views else None,
        )
        for o in outputs
    )
    missing = wanted - {d.unit for d in done}
    if missing:
        raise InputError(
            f"{result.file}: no assessment for business unit(s) {', '.join(sorted(missing))}"
        )
    return done


def portfolio_task(job: PortfolioJob) -> dict[str, bytes]:
    """Render the portfolio roll-up: format name -> bytes."""
    from assessor import __version__
    from assessor.render import registry
    from assessor.render.options import RenderOptions
    from assessor.views import portfolio

    options: RunOptions = _WORKER["options"]
    view = portfolio.build_portfolio(
        list(job.assessments),
        _WORKER["catalog"],
        slugs=job.slugs,
        organization=job.organization,
        as_of=job.as_of,
        tool_version=__version__,
    )
    render_options = RenderOptions(pdf_variant=options.pdf_variant)
    return {fmt: registry.render_portfolio(view, fmt, render_options) for fmt in job.formats}


# ---------------------------------------------------------------------------
# --merge-units


def merge_intakes(
    name: str, results: Sequence[IntakeResult], names: Sequence[Sequence[str]]
) -> IntakeResult:
    """One intake holding a unit's requirements from several workbooks (for --merge-units).

    Each requirement keeps its own source cell; the audit periods must agree (a different
    period changes what counts as covered, so a conflict is an error, never a guess).
    """
    from assessor.assess.units import units_of

    units: list[BusinessUnit] = []
    requirements: list[Requirement] = []
    rejected: list[RejectedRow] = []
    warnings: list[str] = []
    for result, unit_names in zip(results, names, strict=True):
        mine = set(unit_names)
        units.extend(u for u in units_of(result) if u.name in mine)
        requirements.extend(
            r.model_copy(update={"business_unit": name})
            for r in result.requirements
            if r.business_unit in mine
        )
        rejected.extend(
            r.model_copy(update={"business_unit": name}) if r.business_unit in mine else r
            for r in result.rejected
            if r.business_unit is None or r.business_unit in mine
        )
        warnings.extend(f"{result.file}: {w}" for w in result.warnings)
    merged_unit = _merged_unit(name, units)
    owners = sorted({u.owner for u in units if u.owner})
    if len(owners) > 1:
        warnings.append(f"business unit {name!r}: owners differ ({', '.join(owners)}); first kept")
    warnings.insert(
        0,
        "merged from "
        + "; ".join(f"{r.file} (SHA-256 {r.sha256})" for r in results)
        + " with --merge-units",
    )
    digest = hashlib.sha256("\n".join(r.sha256 for r in results).encode()).hexdigest()
    return IntakeResult(
        file=" + ".join(r.file for r in results),
        path=" + ".join(r.path for r in results),
        sha256=digest,
        requirements=tuple(requirements),
        units=(merged_unit,),
        rejected=tuple(rejected),
        warnings=tuple(warnings),
        data_rows=sum(r.data_rows for r in results),
        sheets_read=tuple(f"{r.file}: {s}" for r in results for s in r.sheets_read),
    )


def _merged_unit(name: str, units: Sequence[BusinessUnit]) -> BusinessUnit:
    """The merged unit: the one audit period all agree on, the first owner, auditor and place."""
    periods = {(u.period_start, u.period_end) for u in units if u.period_start or u.period_end}
    if len(periods) > 1:
        places = "; ".join(
            f"{_place(u)}: {u.period_start or '?'} to {u.period_end or '?'}"
            for u in units
            if u.period_start or u.period_end
        )
        raise InputError(
            f"business unit {name!r}: the inputs give different audit periods ({places})",
            hint="make the audit periods agree before merging",
        )
    period = next(iter(periods), (None, None))
    return BusinessUnit(
        name=name,
        owner=next((u.owner for u in units if u.owner), None),
        auditor=next((u.auditor for u in units if u.auditor), None),
        period_start=period[0],
        period_end=period[1],
        source=next((u.source for u in units if u.source), None),
    )


def _place(unit: BusinessUnit) -> str:
    return f"{unit.source.file} ({unit.source})" if unit.source else "(file name)"
