"""The results page of one upload and its downloads: each unit's reports, the portfolio, a zip."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from assessor.app.web.jobs import Assessed, FileResult, UnitResult, unique_problems
from assessor.app.web.pages import Problem, render_page
from assessor.app.web.settings import web_formats
from assessor.app.web.store import Download
from assessor.render import registry
from assessor.views.report import ReportView
from assessor.views.web_filter import apply_filter, filter_form, parse_filter

ZIP_NAME = "assessor-reports.zip"
ZIP_MEDIA_TYPE = "application/zip"


@dataclass(frozen=True)
class ResultsPage:
    """One upload's results page, rendered again for each filter the analyst asks for."""

    organization: str
    as_of: date
    units: tuple[dict[str, object], ...]
    extra_links: tuple[dict[str, str], ...]
    problems: tuple[Problem, ...]
    files: tuple[str, ...]
    retention: str

    def render(self, params: Iterable[tuple[str, str]] = ()) -> str:
        """The page with the findings filtered and sorted as the query parameters ask."""
        flt = parse_filter(params)
        every = [f for unit in self.units for f in _view(unit).findings]
        shown = [apply_filter(_view(unit).findings, flt) for unit in self.units]
        units = [{**unit, "shown": kept} for unit, kept in zip(self.units, shown, strict=True)]
        return render_page(
            "results.html.j2",
            organization=self.organization,
            as_of=self.as_of.isoformat(),
            units=units,
            extra_links=list(self.extra_links),
            problems=list(self.problems),
            files=list(self.files),
            form=filter_form(every, flt),
            shown=sum(len(kept) for kept in shown),
            total=len(every),
            retention=self.retention,
        )


def _view(unit: dict[str, object]) -> ReportView:
    view = unit["view"]
    assert isinstance(view, ReportView)
    return view


def build_results(
    token: str,
    files: list[FileResult],
    assessed: Assessed,
    *,
    organization: str,
    as_of: date,
    retention: str = "a limited time",
) -> tuple[ResultsPage, dict[str, Download]]:
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
    page = ResultsPage(
        organization=organization,
        as_of=as_of,
        units=tuple(unit_rows),
        extra_links=tuple(extra_links),
        problems=tuple(problems),
        files=tuple(f.file for f in files),
        retention=retention,
    )
    return page, downloads


def results_page(
    token: str,
    files: list[FileResult],
    assessed: Assessed,
    *,
    organization: str,
    as_of: date,
) -> tuple[str, dict[str, Download]]:
    """The unfiltered page and the downloads of one upload's results."""
    page, downloads = build_results(token, files, assessed, organization=organization, as_of=as_of)
    return page.render(), downloads


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
