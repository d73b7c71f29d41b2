"""The only module importing jinja2: one sandboxed-by-design environment over packaged templates."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from jinja2 import (
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PrefixLoader,
    StrictUndefined,
    TemplateError,
)
from markupsafe import Markup

from assessor.catalog.resources import templates_dir
from assessor.domain.errors import RenderError
from assessor.views.report import ReportView

REPORT_TEMPLATE = "report.html.j2"
SUMMARY_TEMPLATE = "report_summary.html.j2"  # --pdf-detail summary: 2-4 pages


def _trusted_asset(name: str) -> Path:
    """A file inside the templates folder (realpath checked); never a user-supplied path."""
    root = templates_dir().resolve()
    path = (root / name).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        raise RenderError(f"template asset {name!r} is not a packaged file")
    return path


def inline_css(name: str) -> Markup:
    """A packaged stylesheet's text, marked safe: trusted file, never user data.

    Autoescaping `{{ css }}` would turn quotes into entities and WeasyPrint would drop
    those declarations (page numbers vanish), so trusted CSS is inlined this way only.
    """
    path = _trusted_asset(name)
    if path.suffix != ".css":
        raise RenderError(f"template asset {name!r} is not a stylesheet")
    return Markup(path.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def environment() -> Environment:
    """The one Jinja environment: packaged templates, autoescape on, StrictUndefined."""
    base = FileSystemLoader(str(templates_dir()))
    env = Environment(
        loader=ChoiceLoader([base, PrefixLoader({"default": base}, delimiter=":")]),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
    )
    env.globals["inline_css"] = inline_css
    return env


def render_template(name: str, **context: object) -> str:
    """Render a packaged template (report, portfolio, web pages) with autoescaping."""
    try:
        return environment().get_template(name).render(**context)
    except TemplateError as exc:
        raise RenderError(f"template {name} failed: {exc}") from exc


def render_report_html(view: ReportView, detail: str = "full") -> str:
    """One business unit's report as a standalone HTML document (CSS inlined): the full pack,
    or (detail "summary") the cover, executive summary, findings and what to request."""
    template = SUMMARY_TEMPLATE if detail == "summary" else REPORT_TEMPLATE
    return render_template(template, view=view, detail=detail)
