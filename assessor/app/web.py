"""The upload page: an ASGI app that turns uploaded workbooks into on-screen findings and downloads.

The only module importing starlette, uvicorn and python-multipart. It is an edge: it reads the clock
(for the default as-of date), stores uploads in a private temporary folder for the length of one
request, and runs every workbook in a separate worker process with a time and memory limit.
"""

from __future__ import annotations

import html
import io
import multiprocessing
import os
import secrets
import shutil
import sys
import tempfile
import threading
import time
import traceback
import zipfile
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from datetime import date
from multiprocessing.connection import Connection
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any, Literal

import anyio
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assessor.domain.errors import AssessorError, InputError, UsageError
from assessor.domain.models import Catalog
from assessor.domain.text import normalize_text
from assessor.render import registry

MIB = 1024 * 1024
DEFAULT_MAX_UPLOAD_BYTES = 20 * MIB
DEFAULT_MAX_FILES = 10
DEFAULT_WORKERS = 2
DEFAULT_RENDER_TIMEOUT = 120.0
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})

CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"content-security-policy", CSP.encode()),
    # same-origin, not no-referrer: under no-referrer Chromium posts forms with `Origin: null`,
    # which the CSRF check must refuse; same-origin still sends nothing to other sites.
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
)
ZIP_MEDIA_TYPE = "application/zip"


def web_formats() -> tuple[str, ...]:
    """The formats offered for download (the registry's web formats)."""
    return tuple(fmt.name for fmt in registry.web_formats())


# ---------------------------------------------------------------------------
# Settings and state


@dataclass(frozen=True)
class WebSettings:
    """Limits of one app instance."""

    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES
    max_files: int = DEFAULT_MAX_FILES
    workers: int = DEFAULT_WORKERS
    render_timeout: float = DEFAULT_RENDER_TIMEOUT
    queue_wait: float = 10.0  # seconds a request waits for a free worker before 503
    memory_limit_mb: int | None = 4096  # address-space cap per worker process (None: no cap)
    store_ttl: float = 3600.0  # seconds results stay downloadable
    store_max_bytes: int = 256 * MIB
    store_max_entries: int = 100
    max_text_field: int = 200  # characters kept of the organization name


@dataclass
class Download:
    """One generated file held in memory for download."""

    name: str
    data: bytes
    media_type: str


@dataclass
class StoredResult:
    """The results page and files of one upload, kept in memory under a random token."""

    page: str
    files: dict[str, Download]
    created: float
    size: int


class ResultStore:
    """Generated results in memory (never on disk), dropped after a TTL or past a size cap."""

    def __init__(
        self,
        *,
        ttl: float,
        max_bytes: int,
        max_entries: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ttl = ttl
        self._max_bytes = max_bytes
        self._max_entries = max_entries
        self._clock = clock
        self._items: OrderedDict[str, StoredResult] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def new_token() -> str:
        """A random, unguessable token naming one stored result."""
        return secrets.token_urlsafe(24)

    def put(self, token: str, page: str, files: dict[str, Download]) -> None:
        """Store a result; evict expired, then the oldest, to stay within the caps."""
        size = len(page.encode()) + sum(len(d.data) for d in files.values())
        with self._lock:
            self._items[token] = StoredResult(
                page=page, files=files, created=self._clock(), size=size
            )
            self._evict()

    def get(self, token: str) -> StoredResult | None:
        """The stored result for a token, or None when unknown or expired."""
        with self._lock:
            self._evict()
            return self._items.get(token)

    def total_bytes(self) -> int:
        """Bytes held now (for tests and monitoring)."""
        with self._lock:
            return sum(item.size for item in self._items.values())

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    def _evict(self) -> None:
        now = self._clock()
        for token in [t for t, item in self._items.items() if now - item.created > self._ttl]:
            del self._items[token]
        while len(self._items) > 1 and (
            len(self._items) > self._max_entries
            or sum(item.size for item in self._items.values()) > self._max_bytes
        ):
            self._items.popitem(last=False)


@dataclass
class WebState:
    """Everything the request handlers share: settings, store, worker slots, the catalog."""

    settings: WebSettings
    today: Callable[[], date]
    tmp_root: Path | None
    store: ResultStore
    slots: threading.BoundedSemaphore
    catalog_loader: Callable[[], Catalog]
    _catalog: Catalog | None = None
    _catalog_lock: threading.Lock = field(default_factory=threading.Lock)

    def catalog(self) -> Catalog:
        """The catalog, loaded once on first use (raises CatalogError)."""
        with self._catalog_lock:
            if self._catalog is None:
                self._catalog = self.catalog_loader()
            return self._catalog


# ---------------------------------------------------------------------------
# Pages


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


def _render(name: str, **context: object) -> str:
    """Render a page template from templates/web/ (autoescaped, through render.html)."""
    from assessor.render.html import render_template

    return render_template(f"web/{name}", **context)


def _error_page(problems: Sequence[Problem], *, title: str, status: int) -> HTMLResponse:
    """A readable error page with the given status."""
    try:
        page = _render("error.html.j2", title=title, problems=list(problems), status=status)
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
    return HTMLResponse(page, status_code=status)


def _problem_response(problem: Problem) -> HTMLResponse:
    titles = {
        400: "The upload could not be assessed",
        403: "Request refused",
        404: "Not found",
        405: "Method not allowed",
        413: "Upload too large",
        415: "Not an Excel workbook",
        500: "Internal error",
        503: "Server busy",
    }
    return _error_page([problem], title=titles.get(problem.status, "Error"), status=problem.status)


def size_label(size: int) -> str:
    """A byte count for people: `20 MB`, `512 KB`."""
    if size >= MIB:
        return f"{size / MIB:.3g} MB"
    return f"{size / 1024:.3g} KB"


# ---------------------------------------------------------------------------
# Middleware


class SecurityHeadersMiddleware:
    """Adds nosniff, a strict CSP, Referrer-Policy and no-store to every HTTP response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = str(scope.get("path", ""))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {name for name, _ in SECURITY_HEADERS} | {b"cache-control"}
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() not in names]
                headers.extend(SECURITY_HEADERS)
                cache = b"public, max-age=3600" if path.startswith("/static/") else b"no-store"
                headers.append((b"cache-control", cache))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodyLimitMiddleware:
    """Reads the whole request body, refusing it with 413 past the limit, before anything parses it.

    The declared Content-Length is checked first (nothing is read when it is too large); a body
    without one is counted chunk by chunk. Only a body within the limit is replayed to the app, so
    the multipart parser never sees (or spools to disk) a byte of an oversized upload.
    """

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, status: int) -> None:
        if status == 413:
            problem = Problem(
                413,
                (
                    f"The upload is larger than the limit of {size_label(self.max_bytes)}; "
                    "nothing was stored.",
                    "hint: upload fewer or smaller workbooks at a time, or ask the operator to "
                    "raise --max-upload-mb",
                ),
            )
        else:
            problem = Problem(400, ("The request's Content-Length header is not a number.",))
        response = _problem_response(problem)
        response.headers["connection"] = "close"
        await response(scope, receive, send)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        declared: int | None = None
        for name, value in scope.get("headers", []):
            if name.lower() == b"content-length":
                if not value.strip().isdigit():
                    await self._refuse(scope, receive, send, 400)
                    return
                declared = int(value)
        if declared is not None and declared > self.max_bytes:
            await self._refuse(scope, receive, send, 413)
            return
        chunks: list[bytes] = []
        total = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body = message.get("body", b"")
            total += len(body)
            if total > self.max_bytes:
                chunks.clear()
                await self._refuse(scope, receive, send, 413)
                return
            chunks.append(body)
            if not message.get("more_body", False):
                break
        whole = b"".join(chunks)
        chunks.clear()
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": whole, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


# ---------------------------------------------------------------------------
# Worker processes

JobKind = Literal["workbook", "portfolio"]
_PRELOAD = [
    "assessor.app.web",
    "assessor.run.pipeline",
    "assessor.catalog.load",
    "assessor.recognize.match",
    "assessor.intake.workbook",
    "assessor.assess.engine",
    "assessor.views.report",
    "assessor.render",
    "assessor.render.html",
    "assessor.render.pdf",
    "assessor.render.json",
    "assessor.render.xlsx",
    "assessor.views.portfolio",
]


def _mp_context() -> multiprocessing.context.BaseContext:
    """A forkserver context (safe beside threads) with the heavy modules imported once."""
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(_PRELOAD)
    return ctx


def _limit_memory(memory_limit_mb: int | None) -> None:
    if memory_limit_mb is None:
        return
    import resource

    limit = memory_limit_mb * MIB
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _job_workbook(payload: dict[str, Any]) -> tuple[Any, ...]:
    from assessor.run import pipeline

    intake, outputs = pipeline.process_workbook(
        Path(payload["path"]),
        payload["catalog"],
        payload["options"],
        display_name=payload["display_name"],
    )
    return ("ok", intake, outputs)


def _job_portfolio(payload: dict[str, Any]) -> tuple[Any, ...]:
    files = _portfolio_files(payload)
    return ("ok", files)


def _portfolio_files(payload: dict[str, Any]) -> dict[str, bytes]:
    """Render the portfolio roll-up over several units, in the formats it supports."""
    from assessor import __version__
    from assessor.views import portfolio

    view = portfolio.build_portfolio(
        payload["assessments"],
        payload["catalog"],
        slugs=payload["slugs"],
        organization=payload["organization"],
        as_of=payload["as_of"],
        tool_version=__version__,
    )
    return {
        f"portfolio{registry.get(fmt).suffix}": registry.render_portfolio(view, fmt)
        for fmt in registry.portfolio_formats(web_formats())
    }


def _child_main(conn: Connection, kind: JobKind, payload: dict[str, Any], mem: int | None) -> None:
    """Worker process entry: run one job, send back plain data (never a live exception)."""
    try:
        _limit_memory(mem)
        result = _job_workbook(payload) if kind == "workbook" else _job_portfolio(payload)
    except AssessorError as err:
        result = ("error", type(err).__name__, tuple(err.lines()))
    except MemoryError:
        result = ("memory",)
    except BaseException:
        traceback.print_exc(file=sys.stderr)
        result = ("crash",)
    try:
        conn.send(result)
    except MemoryError:
        conn.send(("memory",))
    finally:
        conn.close()


def _wait_for(conn: Connection, proc: Any, timeout: float) -> tuple[Any, ...] | None:
    """Block (in a thread) until the worker answers, dies, or the time limit passes."""
    if not conn.poll(timeout):
        return None
    try:
        result: tuple[Any, ...] = conn.recv()
    except (EOFError, OSError):
        return ("crash",)
    return result


async def _run_job(
    settings: WebSettings, kind: JobKind, payload: dict[str, Any]
) -> tuple[Any, ...] | None:
    """Run one job in a fresh worker process; None when it ran out of time (it is killed)."""
    ctx = _mp_context()
    receiver, sender = ctx.Pipe(duplex=False)
    proc = ctx.Process(  # type: ignore[attr-defined]
        target=_child_main, args=(sender, kind, payload, settings.memory_limit_mb), daemon=True
    )
    try:
        await run_in_threadpool(proc.start)
    except Exception:
        traceback.print_exc(file=sys.stderr)
        receiver.close()
        sender.close()
        return ("crash",)
    try:
        sender.close()
        result = await run_in_threadpool(_wait_for, receiver, proc, settings.render_timeout)
    finally:
        receiver.close()
        if proc.is_alive():
            proc.kill()
        await run_in_threadpool(proc.join, 5)
    if result is not None and result[0] == "crash" and (proc.exitcode or 0) < 0:
        return ("died", -int(proc.exitcode or 0))  # killed by a signal (abort, segfault)
    return result


def _job_problem(result: tuple[Any, ...] | None, file: str, settings: WebSettings) -> Problem:
    """Turn a failed job's answer into the problem shown on the page."""
    if result is None:
        return Problem(
            503,
            (
                f"{file}: processing took longer than {settings.render_timeout:g} s and was "
                "stopped; nothing was kept.",
                "hint: split the workbook, or run `assessor assess` on the command line",
            ),
            file,
        )
    if result[0] == "error":
        kind, lines = result[1], tuple(result[2])
        status = 400 if kind in ("InputError", "UsageError") else 500
        return Problem(status, lines, file)
    if result[0] == "memory":
        return Problem(
            400,
            (
                f"{file}: processing needed more than {settings.memory_limit_mb} MB of memory "
                "and was stopped.",
                "hint: split the workbook, or run `assessor assess` on the command line",
            ),
            file,
        )
    if result[0] == "died":
        cap = (
            f", most likely by running out of its {settings.memory_limit_mb} MB memory cap"
            if settings.memory_limit_mb
            else ""
        )
        return Problem(
            500,
            (
                f"{file}: the worker processing it stopped abnormally (signal {result[1]}){cap}; "
                "nothing was kept.",
                "hint: split the workbook, or run `assessor assess` on the command line",
            ),
            file,
        )
    return Problem(
        500,
        (f"{file}: an internal error stopped processing; the server log has the details.",),
        file,
    )


# ---------------------------------------------------------------------------
# Uploads


def _one_line(text: str) -> str:
    """Normalized text on one line: no control characters, single spaces."""
    return " ".join(normalize_text(text).split())


def display_name(client_name: str | None, index: int) -> str:
    """The client's file name reduced to its last part, for display only (never for storage)."""
    raw = client_name or ""
    base = PureWindowsPath(PurePosixPath(raw.replace("\x00", "")).name).name
    base = _one_line(base)[:120].strip()
    return base or f"workbook {index}"


MAX_PARENT_ZIP_ENTRIES = 2000  # more than this: leave the zip to the memory-capped worker


def zip_entry_count(data: bytes) -> int | None:
    """Entries declared by the zip's end-of-central-directory record; None if absent or zip64."""
    end = data.rfind(b"PK\x05\x06", max(0, len(data) - 65_557))
    if end < 0 or end + 22 > len(data):
        return None
    count = int.from_bytes(data[end + 10 : end + 12], "little")
    return None if count == 0xFFFF else count


def identify(data: bytes, file: str) -> Problem | None:
    """Identify an upload from its bytes (never its name or MIME type): 415 unless a workbook.

    Uses the intake's zip pre-check: its magic-byte sniff, and for a zip without the workbook
    parts, its explanation of what the zip is instead. The web process lists a zip's members only
    when it declares few; the full pre-check (sizes, ratios, XML prologs, sheet extents) runs
    inside the memory-capped worker, where intake reads the file.
    """
    from assessor.intake import zipcheck

    try:
        zipcheck.sniff(data, file)
        count = zip_entry_count(data)
        if count is None or count > MAX_PARENT_ZIP_ENTRIES:
            return None  # the worker's pre-check decides, under its memory cap
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
        if not {"xl/workbook.xml", "[Content_Types].xml"} <= names:
            zipcheck.check_package(data, file)  # raises, naming what the zip is instead
    except InputError as err:
        # "— rejected" marks a hostile archive (a bad workbook, 400); else it is another format.
        status = 400 if "rejected" in err.message else 415
        return Problem(status, tuple(err.lines()), file)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as err:
        return Problem(
            400,
            (
                f"{file}: not a valid .xlsx: the zip archive is truncated or corrupt ({err})",
                "hint: the file may be incomplete: download or copy it again",
            ),
            file,
        )
    return None


def _save_upload(upload: UploadFile, dest: Path) -> bytes:
    """Copy an upload to a server-named file (0600, must not exist); return its bytes."""
    upload.file.seek(0)
    data = upload.file.read()
    fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    return data


# ---------------------------------------------------------------------------
# Results


@dataclass
class FileResult:
    """What one uploaded workbook produced: units, or a problem."""

    file: str
    intake: Any = None
    outputs: list[Any] = field(default_factory=list)
    problem: Problem | None = None


def _zip_bytes(entries: Sequence[tuple[str, bytes]], stamp: date) -> bytes:
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


def _unit_names(results: Sequence[FileResult]) -> list[tuple[FileResult, Any, str]]:
    """(file, unit output, download stem): stems unique across every uploaded workbook."""
    from assessor.run.files import unique_slugs

    pairs = [(fr, out) for fr in results for out in fr.outputs]
    units = [out.unit for _, out in pairs]
    if len(set(units)) == len(units):
        slugs = unique_slugs(units)
        return [(fr, out, slugs[out.unit]) for fr, out in pairs]
    keys = [f"{Path(fr.file).stem} {out.unit}" for fr, out in pairs]
    slugs = unique_slugs(keys)
    return [(fr, out, slugs[key]) for (fr, out), key in zip(pairs, keys, strict=True)]


# ---------------------------------------------------------------------------
# Handlers


def _state(request: Request) -> WebState:
    state: WebState = request.app.state.web
    return state


def _upload_context(state: WebState, **extra: object) -> dict[str, object]:
    settings = state.settings
    return {
        "today": state.today().isoformat(),
        "max_upload": size_label(settings.max_upload_bytes),
        "max_files": settings.max_files,
        "organization": "",
        **extra,
    }


async def upload_page(request: Request) -> Response:
    """GET /: the upload form."""
    return HTMLResponse(_render("upload.html.j2", **_upload_context(_state(request))))


async def stylesheet(request: Request) -> Response:
    """GET /static/web.css: the page style (a file of the package; no inline styles under CSP)."""
    from assessor.catalog.resources import templates_dir

    css = (templates_dir() / "web" / "web.css").read_bytes()
    return Response(css, media_type="text/css; charset=utf-8")


async def template_download(request: Request) -> Response:
    """GET /template.xlsx: the blank requirements workbook."""
    from assessor.render import blank_workbook as template

    state = _state(request)
    try:
        catalog = await run_in_threadpool(state.catalog)
        data = await run_in_threadpool(template.template_bytes, catalog)
    except AssessorError as err:
        return _problem_response(Problem(500, tuple(err.lines())))
    return _attachment(data, "assessor-requirements-template.xlsx", registry.get("xlsx").media_type)


def _attachment(data: bytes, name: str, media_type: str) -> Response:
    return Response(
        data,
        media_type=media_type,
        headers={"content-disposition": f'attachment; filename="{name}"'},
    )


def _same_origin(request: Request) -> bool:
    """False when a browser says the form was posted from another site (CSRF defence)."""
    if request.headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
        return False
    origin = request.headers.get("origin")
    if origin is None:
        return True  # not a browser form post (curl, scripts): nothing to forge
    host = request.headers.get("host", "")
    return origin in (f"http://{host}", f"https://{host}")


def _form_text(value: object, limit: int) -> str:
    text = value if isinstance(value, str) else ""
    return _one_line(text)[:limit].strip()


async def assess(request: Request) -> Response:
    """POST /assess: store uploads privately, assess each in a worker, show the results."""
    state = _state(request)
    settings = state.settings
    if not _same_origin(request):
        return _problem_response(
            Problem(403, ("This form can only be submitted from this server's own page.",))
        )
    try:
        form = await request.form(
            max_files=settings.max_files, max_fields=8, max_part_size=64 * 1024
        )
    except HTTPException as exc:
        detail = str(exc.detail)
        if "Too many files" in detail:
            detail = (
                f"Too many files: at most {settings.max_files} workbooks can be uploaded at once."
            )
        return _problem_response(Problem(400, (detail,)))
    try:
        organization = _form_text(form.get("organization"), settings.max_text_field)
        as_of_text = _form_text(form.get("as_of"), 40)
        try:
            as_of = date.fromisoformat(as_of_text) if as_of_text else state.today()
        except ValueError:
            return _problem_response(
                Problem(400, (f"As-of date {as_of_text!r}: expected a date as YYYY-MM-DD",))
            )
        uploads = [
            item
            for item in form.getlist("workbooks")
            if isinstance(item, UploadFile) and (item.filename or (item.size or 0) > 0)
        ]
        if not uploads:
            return _problem_response(
                Problem(400, ("Choose at least one Excel workbook (.xlsx) to assess.",))
            )
        workdir = Path(tempfile.mkdtemp(prefix="assessor-web-", dir=state.tmp_root))
        try:
            return await _assess_uploads(state, uploads, workdir, organization, as_of)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
    finally:
        await form.close()


async def _assess_uploads(
    state: WebState,
    uploads: Sequence[UploadFile],
    workdir: Path,
    organization: str,
    as_of: date,
) -> Response:
    from assessor.run.pipeline import RunOptions

    settings = state.settings
    results: list[FileResult] = []
    pending: list[tuple[FileResult, Path]] = []
    for index, upload in enumerate(uploads, start=1):
        name = display_name(upload.filename, index)
        stored = workdir / f"upload-{index:02d}.xlsx"
        data = await run_in_threadpool(_save_upload, upload, stored)
        problem = await run_in_threadpool(identify, data, name)
        del data
        result = FileResult(file=name, problem=problem)
        results.append(result)
        if problem is None:
            pending.append((result, stored))

    if pending:
        try:
            catalog = await run_in_threadpool(state.catalog)
        except AssessorError as err:
            return _problem_response(Problem(500, tuple(err.lines())))
        options = RunOptions(formats=web_formats(), organization=organization, as_of=as_of)
        if not await _acquire_slot(state):
            return _busy()
        try:
            for result, stored in pending:
                payload = {
                    "path": str(stored),
                    "catalog": catalog,
                    "options": options,
                    "display_name": result.file,
                }
                answer = await _run_job(settings, "workbook", payload)
                if answer is not None and answer[0] == "ok":
                    result.intake, result.outputs = answer[1], list(answer[2])
                else:
                    result.problem = _job_problem(answer, result.file, settings)
            units = _unit_names(results)
            portfolio: dict[str, bytes] = {}
            portfolio_problem: Problem | None = None
            if len(units) > 1:
                portfolio, portfolio_problem = await _portfolio(
                    state, units, organization, as_of, catalog
                )
        finally:
            state.slots.release()
    else:
        units, portfolio, portfolio_problem = [], {}, None

    problems = [r.problem for r in results if r.problem is not None]
    if not units:
        return _error_page(
            problems,
            title="The upload could not be assessed",
            status=problems[0].status if problems else 400,
        )
    token = state.store.new_token()
    files: dict[str, Download] = {}
    unit_rows: list[dict[str, object]] = []
    for result, output, stem in units:
        links = []
        for fmt in web_formats():
            if fmt in output.files:
                spec = registry.get(fmt)
                fname = f"{stem}{spec.suffix}"
                files[fname] = Download(fname, output.files[fmt], spec.media_type)
                links.append(
                    {
                        "href": f"/download/{token}/{fname}",
                        "label": spec.label,
                        "fmt": fmt.upper(),
                        "name": fname,
                    }
                )
        unit_rows.append(
            {
                "file": result.file,
                "unit": output.unit,
                "anchor": f"unit-{stem}",
                "view": output.view,
                "links": links,
                "sections": {s.key: s.name for s in output.view.evidence_sections},
            }
        )
    extra_links = []
    by_name = {f"portfolio{fmt.suffix}": fmt for fmt in registry.web_formats()}
    order = list(by_name)
    for fname, data in sorted(portfolio.items(), key=lambda kv: (order.index(kv[0]), kv[0])):
        spec = by_name[fname]
        files[fname] = Download(fname, data, spec.media_type)
        extra_links.append(
            {
                "href": f"/download/{token}/{fname}",
                "name": fname,
                "label": f"Portfolio {spec.label}",
                "fmt": spec.name.upper(),
            }
        )
    if len(units) > 1:
        entries = [(name, d.data) for name, d in files.items()]
        zname = "assessor-reports.zip"
        files[zname] = Download(zname, _zip_bytes(entries, as_of), ZIP_MEDIA_TYPE)
        extra_links.append(
            {
                "href": f"/download/{token}/{zname}",
                "name": zname,
                "label": "Every report (zip)",
                "fmt": "ZIP",
            }
        )
    if portfolio_problem is not None:
        problems.append(portfolio_problem)
    page = _render(
        "results.html.j2",
        organization=organization,
        as_of=as_of.isoformat(),
        units=unit_rows,
        extra_links=extra_links,
        problems=problems,
        files=[r.file for r in results],
    )
    state.store.put(token, page, files)
    return RedirectResponse(f"/results/{token}", status_code=303)


async def _portfolio(
    state: WebState,
    units: Sequence[tuple[FileResult, Any, str]],
    organization: str,
    as_of: date,
    catalog: Catalog,
) -> tuple[dict[str, bytes], Problem | None]:
    """The portfolio files for several units, rendered in a worker like any report."""
    slugs: dict[str, str] = {}
    for _, out, stem in units:
        slugs.setdefault(out.unit, stem)
    payload = {
        "assessments": [out.assessment for _, out, _ in units],
        "catalog": catalog,
        "slugs": slugs,
        "organization": organization,
        "as_of": as_of,
    }
    answer = await _run_job(state.settings, "portfolio", payload)
    if answer is not None and answer[0] == "ok":
        return dict(answer[1]), None
    return {}, _job_problem(answer, "portfolio", state.settings)


async def _acquire_slot(state: WebState) -> bool:
    """Wait up to queue_wait for a free worker slot, polling without a thread (never leaks one)."""
    deadline = time.monotonic() + state.settings.queue_wait
    while not state.slots.acquire(blocking=False):
        if time.monotonic() >= deadline:
            return False
        await anyio.sleep(0.05)
    return True


def _busy() -> Response:
    response = _problem_response(
        Problem(
            503,
            (
                "The server is busy assessing other uploads; nothing was stored.",
                "hint: try again in a minute",
            ),
        )
    )
    response.headers["retry-after"] = "30"
    return response


async def results_page(request: Request) -> Response:
    """GET /results/{token}: the stored results page."""
    item = _state(request).store.get(request.path_params["token"])
    if item is None:
        return _expired()
    return HTMLResponse(item.page)


async def download(request: Request) -> Response:
    """GET /download/{token}/{name}: one generated file, as an attachment."""
    item = _state(request).store.get(request.path_params["token"])
    if item is None:
        return _expired()
    entry = item.files.get(request.path_params["name"])
    if entry is None:
        return _problem_response(Problem(404, ("No such file in these results.",)))
    return _attachment(entry.data, entry.name, entry.media_type)


def _expired() -> Response:
    return _problem_response(
        Problem(
            404,
            (
                "These results are no longer available (they are kept in memory for a limited "
                "time and never written to disk).",
                "hint: upload the workbook again",
            ),
        )
    )


async def _http_error(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    detail = exc.detail if isinstance(exc, HTTPException) else "Internal error."
    return _problem_response(Problem(status, (str(detail),)))


# ---------------------------------------------------------------------------
# App and server


def _warm_up(state: WebState) -> None:
    """Start the worker fork server (heavy modules imported once) and load the catalog."""
    from multiprocessing import forkserver

    _mp_context()
    forkserver.ensure_running()
    try:
        state.catalog()
    except AssessorError as err:  # shown on the page of the first upload instead
        print("\n".join(err.lines()), file=sys.stderr)


def _lifespan(state: WebState) -> Callable[[Starlette], AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await run_in_threadpool(_warm_up, state)
        yield

    return lifespan


def _default_catalog() -> Catalog:
    from assessor.catalog.load import load_catalog

    return load_catalog()


def create_app(
    *,
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES,
    max_files: int = DEFAULT_MAX_FILES,
    workers: int = DEFAULT_WORKERS,
    render_timeout: float = DEFAULT_RENDER_TIMEOUT,
    queue_wait: float = 10.0,
    memory_limit_mb: int | None = 4096,
    today: Callable[[], date] = date.today,
    tmp_root: Path | None = None,
    catalog: Catalog | None = None,
    store_ttl: float = 3600.0,
    store_max_bytes: int = 256 * MIB,
) -> Starlette:
    """Build the upload app; `today` is the only clock read, for the form's default as-of date."""
    if max_upload_bytes < 1 or max_files < 1 or workers < 1 or render_timeout <= 0:
        raise UsageError("upload limit, file count, workers and time limit must be positive")
    settings = WebSettings(
        max_upload_bytes=max_upload_bytes,
        max_files=max_files,
        workers=workers,
        render_timeout=render_timeout,
        queue_wait=queue_wait,
        memory_limit_mb=memory_limit_mb,
        store_ttl=store_ttl,
        store_max_bytes=store_max_bytes,
    )
    state = WebState(
        settings=settings,
        today=today,
        tmp_root=tmp_root,
        store=ResultStore(ttl=store_ttl, max_bytes=store_max_bytes, max_entries=100),
        slots=threading.BoundedSemaphore(workers),
        catalog_loader=(lambda: catalog) if catalog is not None else _default_catalog,
    )
    app = Starlette(
        middleware=[
            Middleware(SecurityHeadersMiddleware),
            Middleware(BodyLimitMiddleware, max_bytes=max_upload_bytes),
        ],
        routes=[
            Route("/", upload_page, methods=["GET"]),
            Route("/static/web.css", stylesheet, methods=["GET"]),
            Route("/template.xlsx", template_download, methods=["GET"]),
            Route("/assess", assess, methods=["POST"]),
            Route("/results/{token}", results_page, methods=["GET"]),
            Route("/download/{token}/{name}", download, methods=["GET"]),
        ],
        exception_handlers={HTTPException: _http_error, Exception: _http_error},
        lifespan=_lifespan(state),
    )
    app.state.web = state
    return app


def serve(*, host: str, port: int, max_upload_mb: int, workers: int) -> None:
    """Run the upload page with uvicorn; warn when it is reachable beyond this machine."""
    import uvicorn

    if max_upload_mb < 1:
        raise UsageError(f"--max-upload-mb {max_upload_mb}: must be at least 1")
    if workers < 1:
        raise UsageError(f"--workers {workers}: must be at least 1")
    if not 0 < port < 65536:
        raise UsageError(f"--port {port}: must be between 1 and 65535")
    app = create_app(max_upload_bytes=max_upload_mb * MIB, workers=workers)
    if host not in LOCAL_HOSTS:
        print(
            f"warning: binding to {host}: the upload page has no login, so anyone who can reach "
            "this address can upload workbooks and download the reports. Put it behind an "
            "authenticating reverse proxy with its own body-size limit.",
            file=sys.stderr,
        )
    shown = f"[{host}]" if ":" in host else host
    print(f"assessor: serving the upload page on http://{shown}:{port}/ (Ctrl+C to stop)")
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level="info",
        server_header=False,
        proxy_headers=False,
        limit_concurrency=max(16, workers * 8),
        timeout_keep_alive=5,
    )
