"""What the upload page answers, as plain data: problems, error pages, downloads, redirects.

A `Reply` is framework-free (status, body, media type, headers); `app` turns it into a Starlette
response and `middleware` sends it as raw ASGI messages.
"""

from __future__ import annotations

import html
import sys
import traceback
from collections.abc import Sequence
from dataclasses import dataclass

HTML = "text/html; charset=utf-8"
TEMPLATE_HINT = "start from `assessor template`"  # the CLI's hint; the page links the download
TITLES = {
    400: "The upload could not be assessed",
    403: "Request refused",
    404: "Not found",
    405: "Method not allowed",
    413: "Upload too large",
    415: "Not an Excel workbook",
    500: "Internal error",
    503: "Server busy",
}


@dataclass(frozen=True)
class Problem:
    """An error shown on a page: which upload, the CLI's message lines, and the HTTP status."""

    status: int
    lines: tuple[str, ...]
    file: str | None = None

    @property
    def message(self) -> str:
        """The first line: what went wrong."""
        return self.lines[0] if self.lines else "Something went wrong."

    @property
    def details(self) -> tuple[str, ...]:
        """The issue lines (indentation removed), without the hint."""
        return tuple(ln.strip() for ln in self.lines[1:] if not ln.startswith("hint: "))

    @property
    def hint(self) -> str | None:
        """The hint line's text, if any."""
        for ln in self.lines[1:]:
            if ln.startswith("hint: "):
                return ln[len("hint: ") :]
        return None

    @property
    def template_hint(self) -> bool:
        """The hint points at `assessor template`: the page links the template download."""
        return self.hint is not None and TEMPLATE_HINT in self.hint

    @property
    def web_hint(self) -> str:
        """The hint as the page words it: the command-line template hint becomes a link."""
        text = self.hint or ""
        if TEMPLATE_HINT in text:
            text = text.replace(f"(or {TEMPLATE_HINT})", "").replace(TEMPLATE_HINT, "")
            text = " ".join(text.split()).rstrip(" ,;(")
        return text


@dataclass(frozen=True)
class Reply:
    """One HTTP answer, independent of the web framework."""

    status: int
    body: bytes
    media_type: str = HTML
    headers: tuple[tuple[str, str], ...] = ()

    def with_header(self, name: str, value: str) -> Reply:
        """The same reply with one more header."""
        return Reply(self.status, self.body, self.media_type, (*self.headers, (name, value)))


def render_page(name: str, **context: object) -> str:
    """Render a page template from templates/web/ (autoescaped, through render.html)."""
    from assessor.render.html import render_template

    return render_template(f"web/{name}", **context)


def error_reply(problems: Sequence[Problem], *, title: str, status: int) -> Reply:
    """A readable error page with the given status."""
    try:
        page = render_page("error.html.j2", title=title, problems=list(problems), status=status)
    except Exception:  # the error page must never fail: fall back to escaped plain markup
        traceback.print_exc(file=sys.stderr)
        items = "".join(
            f"<li>{html.escape(str(p.file or ''))} {html.escape(' '.join(p.lines))}</li>"
            for p in problems
        )
        page = (
            '<!doctype html><html lang="en"><head><meta charset="utf-8">'
            f"<title>{html.escape(title)}</title></head><body><main><h1>{html.escape(title)}"
            f'</h1><ul>{items}</ul><p><a href="/">Back to the upload page</a></p></main>'
            "</body></html>"
        )
    return Reply(status, page.encode("utf-8"))


def problem_reply(problem: Problem) -> Reply:
    """The error page for one problem, titled by its status."""
    return error_reply([problem], title=TITLES.get(problem.status, "Error"), status=problem.status)


def busy_reply() -> Reply:
    """503 with Retry-After: every worker slot stayed taken while the request waited."""
    problem = Problem(
        503,
        (
            "The server is busy assessing other uploads; nothing was stored.",
            "hint: try again in a minute",
        ),
    )
    return problem_reply(problem).with_header("retry-after", "30")


def expired_reply() -> Reply:
    """404 for a token that is unknown or whose results were dropped."""
    return problem_reply(
        Problem(
            404,
            (
                "These results are no longer available (they are kept in memory for a limited "
                "time and never written to disk).",
                "hint: upload the workbook again",
            ),
        )
    )


def attachment_reply(data: bytes, name: str, media_type: str) -> Reply:
    """A download: always an attachment, never shown inline."""
    return Reply(
        200, data, media_type, (("content-disposition", f'attachment; filename="{name}"'),)
    )


def redirect_reply(location: str) -> Reply:
    """303 See Other (after a POST)."""
    return Reply(303, b"", "text/plain; charset=utf-8", (("location", location),))
