"""The only module importing weasyprint: HTML to PDF, locked-down fetcher, same bytes each run."""

from __future__ import annotations

import hashlib
import io
import mimetypes
import os
import re
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path, PurePath
from typing import Any, Literal
from urllib.parse import unquote, urlsplit

import weasyprint
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

from assessor.catalog.resources import templates_dir
from assessor.domain.errors import RenderError
from assessor.views.report import ReportView

VARIANTS: dict[str, str] = {"ua": "pdf/ua-1", "a": "pdf/a-3b"}
RELATIONSHIPS = ("Source", "Data", "Alternative", "Supplement", "Unspecified")
# SOURCE_DATE_EPOCH is process-wide: renders in threads of one process take turns around it.
_ENV_LOCK = threading.Lock()


class SafeFetcher(URLFetcher):  # type: ignore[misc]
    """Serve data: URLs and files under the assets folder (realpath checked); refuse the rest.

    WeasyPrint 70 requires a URLFetcher subclass (a plain function crashes). Refusal raises
    FatalURLFetchingError so rendering stops instead of silently dropping the resource.
    """

    def __init__(self, root: Path) -> None:
        super().__init__(
            timeout=5,
            allowed_protocols={"data", "file"},
            allow_redirects=False,
            fail_on_errors=True,
        )
        self._root = root.resolve()

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> Any:
        """Return the packaged asset or data: payload; raise for anything else."""
        scheme = url.split(":", 1)[0].lower() if ":" in url else ""
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme == "file":
            parts = urlsplit(url)
            if parts.netloc in ("", "localhost"):
                path = Path(unquote(parts.path)).resolve()
                if path.is_relative_to(self._root) and path.is_file():
                    kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                    return URLFetcherResponse(
                        url, body=path.read_bytes(), headers={"Content-Type": kind}
                    )
        raise FatalURLFetchingError(
            f"refused to fetch {url[:200]!r}: reports load only their packaged assets"
        )


def _midnight(value: date) -> datetime:
    """The date as a UTC instant: every timestamp in the PDF derives from the data."""
    return datetime(value.year, value.month, value.day, tzinfo=UTC)


@contextmanager
def _source_date_epoch(stamp: datetime) -> Iterator[None]:
    """Pin fontTools' font `head.modified` (it reads SOURCE_DATE_EPOCH) for one render."""
    with _ENV_LOCK:
        old = os.environ.get("SOURCE_DATE_EPOCH")
        os.environ["SOURCE_DATE_EPOCH"] = str(int(stamp.timestamp()))
        try:
            yield
        finally:
            if old is None:
                os.environ.pop("SOURCE_DATE_EPOCH", None)
            else:
                os.environ["SOURCE_DATE_EPOCH"] = old


def html_to_pdf(
    html: str,
    *,
    title: str,
    subject: str,
    created: date,
    variant: Literal["ua", "a"] | None = None,
    attachments: Sequence[tuple[str, bytes, str]] = (),
) -> bytes:
    """Render trusted, already-escaped HTML to PDF bytes; same inputs give the same bytes.

    `attachments` are (file name, bytes, AFRelationship) triples, e.g. ("x.json", b"...", "Data").
    """
    root = templates_dir()
    fetcher = SafeFetcher(root)
    stamp = _midnight(created)
    digest = hashlib.sha256(html.encode("utf-8"))
    files = []
    for name, data, relationship in attachments:
        if relationship not in RELATIONSHIPS:
            raise RenderError(f"unknown attachment relationship {relationship!r}")
        safe_name = PurePath(name.replace("\\", "/")).name or "attachment"
        digest.update(safe_name.encode("utf-8") + hashlib.sha256(data).digest())
        files.append(
            weasyprint.Attachment(
                file_obj=io.BytesIO(data),
                name=safe_name,
                description=safe_name,
                created=stamp,
                modified=stamp,
                relationship=relationship,
                url_fetcher=fetcher,
            )
        )
    options: dict[str, Any] = {
        "pdf_identifier": digest.hexdigest()[:32].encode("ascii"),
        "attachments": files,
    }
    if variant is not None:
        if variant not in VARIANTS:
            raise RenderError(f"unknown PDF variant {variant!r}", hint="use ua or a")
        options["pdf_variant"] = VARIANTS[variant]
    iso = stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
    try:
        with _source_date_epoch(stamp):
            document = weasyprint.HTML(
                string=html, base_url=f"{root.resolve().as_uri()}/", url_fetcher=fetcher
            ).render(**options)
            document.metadata.title = title
            document.metadata.description = subject
            document.metadata.created = iso
            document.metadata.modified = iso
            pdf: bytes = document.write_pdf(**options)
    except FatalURLFetchingError as exc:
        raise RenderError(f"PDF rendering refused a resource: {exc}") from None
    except RenderError:
        raise
    except Exception as exc:  # WeasyPrint's own failures become one clear, reportable error
        raise RenderError(f"PDF rendering failed: {type(exc).__name__}: {exc}") from exc
    return pdf


def render_report_pdf(view: ReportView, options: Any) -> bytes:
    """One business unit's PDF; PDF/A-3b embeds the JSON result and the source workbook."""
    from assessor.render.html import render_report_html
    from assessor.render.json import render_json

    attachments: list[tuple[str, bytes, str]] = []
    if options.pdf_variant == "a":
        slug = re.sub(r"[^a-z0-9]+", "-", view.business_unit.lower()).strip("-")[:60] or "unit"
        attachments.append((f"{slug}-assessment.json", render_json(view), "Data"))
        if options.source_bytes is not None:
            attachments.append(
                (options.source_name or view.source.file, options.source_bytes, "Source")
            )
    summary = getattr(options, "pdf_detail", "full") == "summary"
    return html_to_pdf(
        render_report_html(view, "summary" if summary else "full"),
        title=f"{view.title} (summary)" if summary else view.title,
        subject=view.subject,
        created=view.as_of,
        variant=options.pdf_variant,
        attachments=attachments,
    )
