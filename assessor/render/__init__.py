"""Rendering: one registry of output formats (registry.py), one module per format, all reading
the same prepared views."""

from __future__ import annotations

from assessor.render import registry
from assessor.render.options import PdfVariant, RenderOptions
from assessor.views.report import ReportView

__all__ = ["PdfVariant", "RenderOptions", "render"]


def render(view: ReportView, fmt: str, options: RenderOptions | None = None) -> bytes:
    """Render one unit's view in one registered format."""
    return registry.render_unit(view, fmt, options)
