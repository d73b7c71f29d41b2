"""JSON renderer: the issue 4 contract, strict (no NaN), sorted keys, UTF-8."""

from __future__ import annotations

import json

from assessor.errors import RenderError
from assessor.report import ReportView, view_json


def dumps(data: object) -> bytes:
    """Canonical JSON bytes: sorted keys, no NaN/Infinity, UTF-8 kept, trailing newline."""
    text = json.dumps(data, allow_nan=False, sort_keys=True, ensure_ascii=False, indent=2)
    return (text + "\n").encode("utf-8")


def render_json(view: ReportView) -> bytes:
    """The report view as contract JSON bytes (same view, same bytes)."""
    try:
        return dumps(view_json(view))
    except ValueError as exc:  # NaN/Infinity would make invalid JSON
        raise RenderError(f"JSON report could not be written: {exc}") from exc
