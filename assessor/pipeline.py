"""One workbook end to end: read, assess, build views, render; plus safe file writing."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Literal

from assessor import __version__
from assessor.errors import OutputError, UsageError
from assessor.model import Assessment, AssessorModel, Catalog, IntakeResult

FORMATS: tuple[str, ...] = ("pdf", "html", "json", "xlsx")
PdfVariant = Literal["ua", "a"]


class RunOptions(AssessorModel):
    """What to produce for each business unit."""

    formats: tuple[str, ...] = ("pdf", "json")
    organization: str = ""
    as_of: date
    pdf_variant: PdfVariant | None = None


def parse_formats(text: str) -> tuple[str, ...]:
    """Parse `pdf,json` into known formats, in canonical order, or raise UsageError."""
    wanted = [part.strip().lower() for part in text.split(",") if part.strip()]
    unknown = sorted(set(wanted) - set(FORMATS))
    if unknown or not wanted:
        raise UsageError(
            f"--format {text!r}: unknown format(s) {', '.join(unknown) or '(none given)'}",
            hint=f"choose from {', '.join(FORMATS)}",
        )
    return tuple(fmt for fmt in FORMATS if fmt in wanted)


def parse_as_of(text: str | None, today: date) -> date:
    """Parse --as-of (YYYY-MM-DD), defaulting to the given today."""
    if text is None:
        return today
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(f"--as-of {text!r}: expected a date as YYYY-MM-DD") from None


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


@dataclass
class UnitOutput:
    """Everything produced for one business unit: the assessment, its view, its files."""

    unit: str
    slug: str
    assessment: Assessment
    view: object  # report.ReportView (kept loose so this module imports no renderer at load)
    files: dict[str, bytes] = field(default_factory=dict)


def slugify(name: str) -> str:
    """A safe, readable file stem for a unit name: [a-z0-9-], capped, never empty or reserved."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:60].strip("-")
    if not slug or slug in {"con", "prn", "aux", "nul", "portfolio", "manifest"}:
        digest = hashlib.sha256(name.encode()).hexdigest()[:8]
        slug = f"{slug or 'unit'}-{digest}"
    return slug


def unique_slugs(names: list[str]) -> dict[str, str]:
    """Map unit names to slugs, adding a short hash where two names slugify alike."""
    by_slug: dict[str, list[str]] = {}
    for name in sorted(set(names)):
        by_slug.setdefault(slugify(name), []).append(name)
    out: dict[str, str] = {}
    for slug, group in by_slug.items():
        for name in group:
            out[name] = (
                slug
                if len(group) == 1
                else f"{slug}-{hashlib.sha256(name.encode()).hexdigest()[:6]}"
            )
    return out


def assess_and_render(
    result: IntakeResult,
    catalog: Catalog,
    options: RunOptions,
    *,
    source_bytes: bytes | None = None,
    units: Collection[str] | None = None,
) -> list[UnitOutput]:
    """Assess a read workbook and render its business units (all, or only those named)."""
    from assessor import engine, report
    from assessor.render import RenderOptions, render

    assessments = engine.assess(
        result, catalog, as_of=options.as_of, organization=options.organization
    )
    slugs = unique_slugs([a.business_unit.name for a in assessments])
    render_options = RenderOptions(
        pdf_variant=options.pdf_variant, source_bytes=source_bytes, source_name=result.file
    )
    outputs: list[UnitOutput] = []
    for assessment in assessments:
        name = assessment.business_unit.name
        if units is not None and name not in units:
            continue
        view = report.build_view(assessment, catalog, intake=result, tool_version=__version__)
        files = {fmt: render(view, fmt, render_options) for fmt in options.formats}
        outputs.append(
            UnitOutput(unit=name, slug=slugs[name], assessment=assessment, view=view, files=files)
        )
    return outputs


def process_workbook(
    path: Path,
    catalog: Catalog,
    options: RunOptions,
    *,
    display_name: str | None = None,
) -> tuple[IntakeResult, list[UnitOutput]]:
    """Read one workbook and render every business unit in it; raise InputError/RenderError."""
    from assessor import intake

    result = intake.read_workbook(path, catalog, display_name=display_name)
    source_bytes = path.read_bytes() if options.pdf_variant == "a" else None
    return result, assess_and_render(result, catalog, options, source_bytes=source_bytes)


def _umask() -> int:
    """The process umask (read by setting it and putting it back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_atomic(path: Path, data: bytes, *, overwrite: bool) -> None:
    """Write via a temp file in the same folder, fsync, then rename: never a half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; reports are for sharing
        if overwrite:
            os.replace(tmp, path)
        else:
            try:
                os.link(tmp, path)  # fails if the target exists: create-only
            except FileExistsError:
                raise OutputError(
                    f"{path}: already exists", hint="pass --overwrite to replace reports"
                ) from None
            os.unlink(tmp)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
