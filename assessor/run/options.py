"""The batch's options: what `assessor assess` was asked for, validated once into BatchOptions."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from assessor.domain.errors import Issue, UsageError
from assessor.domain.models import AssessorModel
from assessor.run.pipeline import (
    RunOptions,
    parse_as_of,
    parse_formats,
    parse_pdf_detail,
    parse_pdf_variant,
    parse_services,
)
from assessor.run.worker import Limits

FailOn = Literal["gap", "partial"]
# Statuses that trip --fail-on: unrecognized counts as a gap (nothing shows it is met).
FAIL_STATUSES: dict[str, frozenset[str]] = {
    "gap": frozenset({"gap", "unrecognized"}),
    "partial": frozenset({"partial", "gap", "unrecognized"}),
}


class BatchOptions(AssessorModel):
    """Everything a batch run needs besides its inputs, validated once."""

    out: Path
    run: RunOptions
    fail_on: FailOn | None = None
    workers: int = Field(default=1, ge=1)
    overwrite: bool = False
    merge_units: bool = False
    catalog_dir: Path | None = None  # None: the shipped catalog
    catalog_overlay: Path | None = None  # --catalog-overlay: the organization's own words
    evidence_file: Path | None = None  # --evidence: a register workbook of its own
    limits: Limits = Limits()  # per job, as on the upload page

    @classmethod
    def from_cli(
        cls,
        *,
        out: Path | str,
        formats: str,
        organization: str,
        as_of: str | None,
        pdf_variant: str | None,
        fail_on: str | None,
        pdf_detail: str | None = None,
        workers: int | None,
        overwrite: bool,
        merge_units: bool,
        today: date | None = None,
        catalog_dir: Path | None = None,
        services: str | None = None,
        scope_window_months: int = 12,
        evidence: Path | None = None,
        evidence_dir: Path | None = None,
        catalog_overlay: Path | None = None,
    ) -> BatchOptions:
        """Validate the `assess` options; raise UsageError naming every bad one."""
        problems: list[str] = []
        parsed: dict[str, Any] = {}
        if not str(out).strip():
            problems.append("--out is empty: name the folder for the reports")
        for key, parse in (
            ("formats", lambda: parse_formats(formats)),
            ("as_of", lambda: parse_as_of(as_of, today or date.today())),
            ("pdf_variant", lambda: parse_pdf_variant(pdf_variant)),
            ("services", lambda: parse_services(services, catalog_dir)),
            ("pdf_detail", lambda: parse_pdf_detail(pdf_detail)),
        ):
            try:
                parsed[key] = parse()
            except UsageError as err:
                problems.append(err.message)
        fail = _fail_on(fail_on, problems)
        if scope_window_months < 0:
            problems.append(f"--scope-window-months {scope_window_months}: must be 0 or more")
        count = workers if workers is not None else (os.cpu_count() or 1)
        if count < 1:
            problems.append(f"--workers {workers}: must be 1 or more")
        problems += _evidence_problems(evidence, evidence_dir, parsed.get("formats", ()))
        if catalog_overlay is not None and not catalog_overlay.is_file():
            problems.append(f"--catalog-overlay {catalog_overlay}: not a file")
        if problems:
            raise UsageError(
                problems[0] if len(problems) == 1 else "invalid options",
                issues=[] if len(problems) == 1 else [Issue("", p) for p in problems],
            )
        run = RunOptions(
            formats=parsed["formats"],
            organization=organization.strip(),
            as_of=parsed["as_of"],
            pdf_variant=parsed["pdf_variant"],
            services=parsed["services"],
            scope_window_months=scope_window_months,
            evidence_dir=evidence_dir,
            pdf_detail=parsed["pdf_detail"],
        )
        return cls(
            out=Path(out),
            run=run,
            fail_on=fail,
            workers=count,
            overwrite=overwrite,
            merge_units=merge_units,
            catalog_dir=catalog_dir,
            catalog_overlay=catalog_overlay,
            evidence_file=evidence,
        )


def _fail_on(text: str | None, problems: list[str]) -> FailOn | None:
    """Parse --fail-on (gap or partial), noting a bad value in problems."""
    if text is None or not text.strip():
        return None
    value = text.strip().lower()
    if value == "gap":
        return "gap"
    if value == "partial":
        return "partial"
    problems.append(f"--fail-on {text!r}: use gap or partial")
    return None


def _evidence_problems(
    evidence: Path | None, evidence_dir: Path | None, formats: tuple[str, ...]
) -> list[str]:
    """--evidence must be a file, --evidence-dir a folder; --format pack needs the folder."""
    problems: list[str] = []
    if evidence is not None and not evidence.is_file():
        problems.append(f"--evidence {evidence}: not a file")
    if evidence_dir is not None and not evidence_dir.is_dir():
        problems.append(f"--evidence-dir {evidence_dir}: not a folder")
    if "pack" in formats and evidence_dir is None:
        problems.append("--format pack needs --evidence-dir (the folder the documents are kept in)")
    return problems
