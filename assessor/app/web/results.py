"""The results page of one upload and its downloads: each unit's reports, the portfolio, a zip."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from datetime import date

from assessor.app.web.jobs import Assessed, FileResult, UnitResult, unique_problems
from assessor.app.web.pages import render_page
from assessor.app.web.settings import web_formats
from assessor.app.web.store import Download
from assessor.render import registry

ZIP_NAME = "assessor-reports.zip"
ZIP_MEDIA_TYPE = "application/zip"


def results_page(
    token: str,
    files: list[FileResult],
    assessed: Assessed,
    *,
    organization: str,
    as_of: date,
) -> tuple[str, dict[str, Download]]:
    """The page and the downloads (by file name) of one upload's results."""
    downloads: dict[str, Download] = {}
    unit_rows = [_unit_row(token, unit, downloads) for unit in assessed.units]
    extra_links = _portfolio_links(token, assessed.portfolio, downloads)
    if len(assessed.units) > 1:
        entries = [(name, d.data) for name, d in downloads.items()]
        downloads[ZIP_NAME] = Download(ZIP_NAME, zip_bytes(entries, as_of), ZIP_MEDIA_TYPE)
        extra_links.append(_link(token, ZIP_NAME, "Every report (zip)", "ZIP"))
    problems = unique_problems(files)
    if assessed.portfolio_problem is not None:
        problems.append(assessed.portfolio_problem)
    page = render_page(
        "results.html.j2",
        organization=organization,
        as_of=as_of.isoformat(),
        units=unit_rows,
        extra_links=extra_links,
        problems=problems,
        files=[f.file for f in files],
    )
    return page, downloads


def _link(token: str, name: str, label: str, fmt: str) -> dict[str, str]:
    return {"href": f"/download/{token}/{name}", "name": name, "label": label, "fmt": fmt}


def _unit_row(token: str, unit: UnitResult, downloads: dict[str, Download]) -> dict[str, object]:
    view = unit.done.view
    assert view is not None
    links = []
    for fmt in web_formats():
        if fmt in unit.done.files:
            spec = registry.get(fmt)
            name = f"{unit.stem}{spec.suffix}"
            downloads[name] = Download(name, unit.done.files[fmt], spec.media_type)
            links.append(_link(token, name, spec.label, fmt.upper()))
    return {
        "file": unit.file,
        "unit": unit.done.unit,
        "anchor": f"unit-{unit.stem}",
        "view": view,
        "links": links,
        "sections": {s.key: s.name for s in view.evidence_sections},
    }


def _portfolio_links(
    token: str, portfolio: dict[str, bytes], downloads: dict[str, Download]
) -> list[dict[str, str]]:
    links = []
    for spec in registry.web_formats():
        if spec.name in portfolio:
            name = f"portfolio{spec.suffix}"
            downloads[name] = Download(name, portfolio[spec.name], spec.media_type)
            links.append(_link(token, name, f"Portfolio {spec.label}", spec.name.upper()))
    return links


def zip_bytes(entries: Sequence[tuple[str, bytes]], stamp: date) -> bytes:
    """A zip of reports with fixed timestamps: same reports, same bytes."""
    when = (max(stamp.year, 1980), stamp.month, stamp.day, 0, 0, 0)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in sorted(entries):
            info = zipfile.ZipInfo(name, date_time=when)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return buffer.getvalue()
