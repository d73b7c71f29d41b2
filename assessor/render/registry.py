"""The one registry of output formats: name, suffix, media type, label and renderers.

Adding a format is one `register` call: the CLI's --format, the batch's file names and
"already holds reports" check, the portfolio and the web page's downloads all read from here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from assessor.domain.errors import RenderError
from assessor.render.options import RenderOptions
from assessor.views.portfolio import PortfolioView
from assessor.views.report import ReportView

UnitRenderer = Callable[[ReportView, RenderOptions], bytes]
PortfolioRenderer = Callable[[PortfolioView, RenderOptions], bytes]


@dataclass(frozen=True)
class OutputFormat:
    """One output format and how each kind of view is rendered in it."""

    name: str  # what --format takes
    suffix: str  # file name ending, with the dot
    media_type: str
    label: str  # for people: "PDF report"
    render_unit: UnitRenderer
    render_portfolio: PortfolioRenderer | None = None  # None: no portfolio in this format
    portfolio_always: bool = False  # written for every portfolio, whatever --format asks
    web: bool = False  # offered as a download on the upload page


_REGISTRY: dict[str, OutputFormat] = {}


def register(fmt: OutputFormat) -> None:
    """Add a format (or replace one of the same name); order of first registration is kept."""
    _REGISTRY[fmt.name] = fmt


def unregister(name: str) -> None:
    """Remove a format (tests add and remove their own)."""
    _REGISTRY.pop(name, None)


def formats() -> tuple[OutputFormat, ...]:
    """Every registered format, in registration order."""
    return tuple(_REGISTRY.values())


def names() -> tuple[str, ...]:
    """The names --format accepts, in canonical order."""
    return tuple(_REGISTRY)


def get(name: str) -> OutputFormat:
    """The format of that name, or RenderError listing the known ones."""
    try:
        return _REGISTRY[name]
    except KeyError:
        raise RenderError(
            f"unknown report format {name!r}", hint=f"choose from {', '.join(names())}"
        ) from None


def suffixes() -> tuple[str, ...]:
    """Every file ending a report set may have (for the "already holds reports" check)."""
    return tuple(dict.fromkeys(fmt.suffix for fmt in _REGISTRY.values()))


def web_formats() -> tuple[OutputFormat, ...]:
    """The formats the upload page offers, in canonical order."""
    return tuple(fmt for fmt in _REGISTRY.values() if fmt.web)


def portfolio_formats(unit_formats: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """The portfolio's formats: those always written plus those asked for that it supports."""
    return tuple(
        fmt.name
        for fmt in _REGISTRY.values()
        if fmt.render_portfolio is not None and (fmt.portfolio_always or fmt.name in unit_formats)
    )


def render_unit(view: ReportView, name: str, options: RenderOptions | None = None) -> bytes:
    """Render one unit's view in one format."""
    return get(name).render_unit(view, options or RenderOptions())


def render_portfolio(view: PortfolioView, name: str, options: RenderOptions | None = None) -> bytes:
    """Render the portfolio in one format (RenderError when the format has no portfolio)."""
    fmt = get(name)
    if fmt.render_portfolio is None:
        raise RenderError(f"the portfolio has no {name} format")
    return fmt.render_portfolio(view, options or RenderOptions())


# ---------------------------------------------------------------------------
# The shipped formats. Heavy libraries are imported only when a format is rendered.


def _unit_pdf(view: ReportView, options: RenderOptions) -> bytes:
    from assessor.render.pdf import render_report_pdf

    return render_report_pdf(view, options)


def _unit_html(view: ReportView, options: RenderOptions) -> bytes:
    from assessor.render.html import render_report_html

    return render_report_html(view).encode("utf-8")


def _unit_json(view: ReportView, options: RenderOptions) -> bytes:
    from assessor.render.json import render_json

    return render_json(view)


def _unit_xlsx(view: ReportView, options: RenderOptions) -> bytes:
    from assessor.render.xlsx import render_xlsx

    return render_xlsx(view)


def _portfolio_pdf(view: PortfolioView, options: RenderOptions) -> bytes:
    from assessor.render import portfolio

    return portfolio.render_pdf(view, pdf_variant=options.pdf_variant)


def _portfolio_html(view: PortfolioView, options: RenderOptions) -> bytes:
    from assessor.render import portfolio

    return portfolio.render_html(view).encode("utf-8")


def _portfolio_json(view: PortfolioView, options: RenderOptions) -> bytes:
    from assessor.render import portfolio

    return portfolio.render_json(view)


def _portfolio_xlsx(view: PortfolioView, options: RenderOptions) -> bytes:
    from assessor.render import portfolio

    return portfolio.render_xlsx(view)


register(
    OutputFormat(
        "pdf", ".pdf", "application/pdf", "PDF report", _unit_pdf, _portfolio_pdf, web=True
    )
)
register(
    OutputFormat(
        "html", ".html", "text/html; charset=utf-8", "HTML report", _unit_html, _portfolio_html
    )
)
register(
    OutputFormat(
        "json",
        ".json",
        "application/json",
        "JSON data",
        _unit_json,
        _portfolio_json,
        portfolio_always=True,
        web=True,
    )
)
register(
    OutputFormat(
        "xlsx",
        ".xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "Excel workbook",
        _unit_xlsx,
        _portfolio_xlsx,
        portfolio_always=True,
        web=True,
    )
)


def _unit_oscal(view: ReportView, options: RenderOptions) -> bytes:
    from assessor.render.oscal import render_unit_oscal

    return render_unit_oscal(view)


def _portfolio_oscal(view: PortfolioView, options: RenderOptions) -> bytes:
    from assessor.render.oscal import render_portfolio_oscal

    return render_portfolio_oscal(view)


register(
    OutputFormat(
        "oscal",
        ".oscal.json",
        "application/json",
        "OSCAL assessment results",
        _unit_oscal,
        _portfolio_oscal,
    )
)


def _unit_pack(view: ReportView, options: RenderOptions) -> bytes:
    from assessor.render.pack import render_pack

    return render_pack(view, options)


def _unit_docx(view: ReportView, options: RenderOptions) -> bytes:
    from assessor.render.docx import render_docx

    return render_docx(view)


register(
    OutputFormat(
        "pack",
        ".evidence.zip",
        "application/zip",
        "Evidence pack (documents on file and manifest)",
        _unit_pack,
    )
)


register(
    OutputFormat(
        "docx",
        ".docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "Word report",
        _unit_docx,
        web=True,
    )
)
