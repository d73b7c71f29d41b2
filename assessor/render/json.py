"""JSON renderer: the report contract (docs/report-schema.json), canonical bytes."""

from __future__ import annotations

from assessor.domain.errors import RenderError
from assessor.domain.text import canonical_json
from assessor.views.report import ReportView
from assessor.views.report_json import view_json


def render_json(view: ReportView) -> bytes:
    """The report view as contract JSON bytes (same view, same bytes)."""
    try:
        return canonical_json(view_json(view))
    except ValueError as exc:  # NaN/Infinity would make invalid JSON
        raise RenderError(f"JSON report could not be written: {exc}") from exc
