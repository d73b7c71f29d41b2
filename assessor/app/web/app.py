"""The Starlette app: routes, the form, and replies turned into responses (owns starlette).

An edge: it reads the clock (for the default as-of date) and stores uploads in a private
temporary folder for the length of one request; the work itself runs in a worker process
(`jobs`), under the same per-job limits as the batch.
"""

from __future__ import annotations

import sys
import threading
import time
import traceback
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import AbstractAsyncContextManager, ExitStack, asynccontextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import anyio
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from assessor.app.web import jobs, progress, scripts, sniff, uploads
from assessor.app.web.middleware import (
    BodyLimitMiddleware,
    HostAllowMiddleware,
    Receive,
    SecurityHeadersMiddleware,
    same_origin,
)
from assessor.app.web.pages import (
    Problem,
    Reply,
    attachment_reply,
    busy_reply,
    error_reply,
    expired_reply,
    problem_reply,
    redirect_reply,
    render_page,
)
from assessor.app.web.results import build_results
from assessor.app.web.settings import (
    DEFAULT_MAX_FILES,
    DEFAULT_MAX_UPLOAD_BYTES,
    DEFAULT_RENDER_TIMEOUT,
    DEFAULT_WORKERS,
    LOCAL_HOSTS,
    WebSettings,
    WebState,
    duration_label,
    size_label,
    web_formats,
)
from assessor.app.web.store import ResultStore
from assessor.domain.errors import AssessorError, UsageError
from assessor.domain.models import Catalog, EvidenceRecord
from assessor.intake.evidence import read_register
from assessor.render import registry
from assessor.render.options import PdfDetail
from assessor.run.pipeline import RunOptions
from assessor.run.worker import DEFAULT_MEMORY_LIMIT_MB, MIB, Cancelled


def _response(reply: Reply) -> Response:
    return Response(
        reply.body,
        status_code=reply.status,
        media_type=reply.media_type,
        headers=dict(reply.headers),
    )


def _state(request: Request) -> WebState:
    state: WebState = request.app.state.web
    return state


@dataclass(frozen=True)
class Form:
    """The upload form's fields, read and bounded."""

    organization: str
    as_of: date
    merge: bool
    uploads: tuple[UploadFile, ...]
    submission: str = ""  # the form's one-time id: a second click finds the first job
    pdf_detail: PdfDetail = "full"
    register: UploadFile | None = None  # an Evidence on file register of its own (optional)


# ---------------------------------------------------------------------------
# GET pages


async def upload_page(request: Request) -> Response:
    """GET /: the upload form."""
    state = _state(request)
    page = render_page(
        "upload.html.j2",
        today=state.today().isoformat(),
        max_upload=size_label(state.settings.max_upload_bytes),
        max_files=state.settings.max_files,
        organization="",
        submission=state.board.new_submission(),
        retention=duration_label(state.settings.store_ttl),
        script=scripts.SUBMIT_ONCE,
    )
    return _response(Reply(200, page.encode("utf-8")))


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
        return _response(problem_reply(Problem(500, tuple(err.lines()))))
    name = "assessor-requirements-template.xlsx"
    return _response(attachment_reply(data, name, registry.get("xlsx").media_type))


async def results_page(request: Request) -> Response:
    """GET /results/{token}: the stored results page."""
    item = _state(request).store.get(request.path_params["token"])
    if item is None:
        return _response(expired_reply())
    page = await run_in_threadpool(item.view, request.query_params.multi_items())
    return _response(Reply(200, page.encode("utf-8")))


async def progress_page(request: Request) -> Response:
    """GET /progress/{token}: what a running upload is doing, or its answer once it is over."""
    state = _state(request)
    token = request.path_params["token"]
    job = state.board.get(token)
    if job is None:
        if state.store.get(token) is not None:
            return _response(redirect_reply(f"/results/{token}"))
        return _response(expired_reply())
    return _response(progress.waiting_reply(state.board, job))


async def catalog_page(request: Request) -> Response:
    """GET /catalog: browse and search the frameworks, certifications and services."""
    from assessor.views.catalog_browse import browse

    state = _state(request)
    try:
        catalog = await run_in_threadpool(state.catalog)
    except AssessorError as err:
        return _response(problem_reply(Problem(500, tuple(err.lines()))))
    query = sniff.one_line(request.query_params.get("q", ""))[:100].strip()
    relation = request.query_params.get("relation", "")
    listing = await run_in_threadpool(browse, catalog, query, relation)
    page = render_page("catalog.html.j2", listing=listing)
    return _response(Reply(200, page.encode("utf-8")))


async def favicon(request: Request) -> Response:
    """GET /favicon.svg: the tab icon (a packaged file)."""
    from assessor.catalog.resources import templates_dir

    icon = (templates_dir() / "web" / "favicon.svg").read_bytes()
    return Response(icon, media_type="image/svg+xml")


async def download(request: Request) -> Response:
    """GET /download/{token}/{name}: one generated file, as an attachment."""
    item = _state(request).store.get(request.path_params["token"])
    if item is None:
        return _response(expired_reply())
    entry = item.files.get(request.path_params["name"])
    if entry is None:
        return _response(problem_reply(Problem(404, ("No such file in these results.",))))
    return _response(attachment_reply(entry.data, entry.name, entry.media_type))


# ---------------------------------------------------------------------------
# POST /assess


async def assess(request: Request) -> Response:
    """POST /assess: store uploads privately, assess them in a worker, show the results."""
    state = _state(request)
    settings = state.settings
    if not same_origin(request.headers):
        message = "This form can only be submitted from this server's own page."
        return _response(problem_reply(Problem(403, (message,))))
    try:
        form = await request.form(  # one more file part: the optional evidence register
            max_files=settings.max_files + 1, max_fields=8, max_part_size=64 * 1024
        )
    except HTTPException as exc:
        detail = str(exc.detail)
        if "Too many files" in detail:
            detail = (
                f"Too many files: at most {settings.max_files} workbooks can be uploaded at once."
            )
        return _response(problem_reply(Problem(400, (detail,))))
    try:
        fields = _read_form(form, state)
        if isinstance(fields, Problem):
            return _response(problem_reply(fields))
        earlier = state.board.for_submission(fields.submission)
        if earlier is not None:  # the same form sent twice: show the first upload's progress
            return _response(progress.redirect_to_progress(earlier))
        with ExitStack() as folder:
            workdir = folder.enter_context(uploads.private_folder(state.tmp_root))
            gone = threading.Event()  # set when the client goes away before the hand-off
            reply: Reply
            async with anyio.create_task_group() as watchers:
                watchers.start_soon(_watch_disconnect, request.receive, gone)
                try:
                    outcome = await _assess_uploads(state, fields, workdir, folder, gone)
                    if isinstance(outcome, Reply):
                        reply = outcome
                    else:  # the job owns the folder now; the client may leave after the redirect
                        reply = await _wait_for(state, outcome, gone)
                finally:
                    watchers.cancel_scope.cancel()
            return _response(reply)
    finally:
        await form.close()


async def _wait_for(state: WebState, job: progress.Job, gone: threading.Event) -> Reply:
    """The job's answer if it comes within progress_after, else a redirect to its progress;
    when the client goes first, the job is cancelled (its worker killed) and nobody is told."""
    wait = state.settings.progress_after
    deadline = None if wait is None else time.monotonic() + wait
    while not job.done.is_set():
        if gone.is_set():
            return busy_reply()  # the job sees `gone` too and stops
        if deadline is not None and time.monotonic() >= deadline:
            return progress.redirect_to_progress(job)
        await anyio.sleep(0.05)
    assert job.reply is not None
    return job.reply


def _read_form(form: FormData, state: WebState) -> Form | Problem:
    """The form's fields, or the problem with them."""
    organization = _form_text(form.get("organization"), state.settings.max_text_field)
    as_of_text = _form_text(form.get("as_of"), 40)
    try:
        as_of = date.fromisoformat(as_of_text) if as_of_text else state.today()
    except ValueError:
        return Problem(400, (f"As-of date {as_of_text!r}: expected a date as YYYY-MM-DD",))
    uploads = tuple(
        item
        for item in form.getlist("workbooks")
        if isinstance(item, UploadFile) and (item.filename or (item.size or 0) > 0)
    )
    if not uploads:
        return Problem(400, ("Choose at least one Excel workbook (.xlsx) to assess.",))
    if len(uploads) > state.settings.max_files:
        limit = state.settings.max_files
        message = f"Too many files: at most {limit} workbooks can be uploaded at once."
        return Problem(400, (message,))
    given = form.get("register")
    register = (
        given
        if isinstance(given, UploadFile) and (given.filename or (given.size or 0) > 0)
        else None
    )
    merge = _form_text(form.get("merge_units"), 10).lower() in ("on", "1", "true", "yes")
    detail: PdfDetail = "summary" if _form_text(form.get("pdf_detail"), 10) == "summary" else "full"
    return Form(
        organization=organization,
        as_of=as_of,
        merge=merge,
        uploads=uploads,
        submission=_form_text(form.get("submission"), 64),
        pdf_detail=detail,
        register=register,
    )


def _form_text(value: object, limit: int) -> str:
    text = value if isinstance(value, str) else ""
    return sniff.one_line(text)[:limit].strip()


async def _assess_uploads(
    state: WebState, form: Form, workdir: Path, folder: ExitStack, gone: threading.Event
) -> Reply | progress.Job:
    """Identify each upload, then start the workbooks' job in a worker slot (or say why not).

    While it waits for a slot the request listens for its client going away (`gone`): then the
    wait ends. The started job owns the upload folder (`folder` is handed to its thread) and
    is killed, its slot freed at once, if the client goes before the progress page takes over.
    """
    files: list[jobs.FileResult] = []
    pending: list[tuple[jobs.FileResult, Path]] = []
    for index, upload in enumerate(form.uploads, start=1):
        result = jobs.FileResult(file=sniff.display_name(upload.filename, index))
        stored = workdir / f"upload-{index:02d}.xlsx"
        data = await run_in_threadpool(sniff.save_upload, upload.file, stored)
        problem = await run_in_threadpool(sniff.identify, data, result.file)
        del data
        files.append(result)
        if problem is None:
            pending.append((result, stored))
        else:
            result.problems.append(problem)
    if not pending:
        return _publish(state, files, jobs.Assessed(), form, state.store.new_token())
    try:
        catalog = await run_in_threadpool(state.catalog)
    except AssessorError as err:
        return problem_reply(Problem(500, tuple(err.lines())))
    register: jobs.FileResult | None = None
    records: tuple[EvidenceRecord, ...] = ()
    if form.register is not None:
        name = sniff.display_name(form.register.filename, len(form.uploads) + 1)
        register = jobs.FileResult(file=name)
        records = await _read_register(form.register, workdir, catalog, register)
        if register.problems:
            token = state.store.new_token()
            return _publish(state, [*files, register], jobs.Assessed(), form, token)
    options = RunOptions(
        formats=web_formats(),
        organization=form.organization,
        as_of=form.as_of,
        pdf_detail=form.pdf_detail,
        evidence=records if register is not None else None,  # None: no register was given
    )
    if not await _acquire_slot(state, gone):
        return busy_reply()
    job = state.board.start(state.store.new_token(), form.submission)
    worker = threading.Thread(
        target=_run_job,
        args=(state, job, files, pending, catalog, options, form, folder.pop_all(), gone, register),
        name=f"assess-{job.token[:6]}",
        daemon=True,
    )
    worker.start()
    return job


async def _read_register(
    upload: UploadFile, workdir: Path, catalog: Catalog, register: jobs.FileResult
) -> tuple[EvidenceRecord, ...]:
    """The uploaded evidence register's rows (as `--evidence` reads one), or its problems put
    on `register` (every bad cell named, as for a workbook)."""
    stored = workdir / "register.xlsx"
    data = await run_in_threadpool(sniff.save_upload, upload.file, stored)
    problem = await run_in_threadpool(sniff.identify, data, register.file)
    del data
    if problem is not None:
        register.problems.append(problem)
        return ()
    try:
        return await run_in_threadpool(read_register, stored, catalog, display_name=register.file)
    except AssessorError as err:
        register.problems.append(Problem(400, tuple(err.lines()), register.file))
        return ()


def _run_job(
    state: WebState,
    job: progress.Job,
    files: list[jobs.FileResult],
    pending: list[tuple[jobs.FileResult, Path]],
    catalog: Catalog,
    options: RunOptions,
    form: Form,
    folder: ExitStack,
    gone: threading.Event,
    register: jobs.FileResult | None = None,
) -> None:
    """The job's thread: assess in a worker process, store the results, free slot and folder."""
    reply: Reply
    try:
        assessed = jobs.assess_files(
            state.settings,
            pending,
            catalog,
            options,
            merge=form.merge,
            gone=gone,
            progress=job.say,
            register=register,
        )
        job.say("Preparing the results page")
        shown = [*files, register] if register is not None and register.problems else files
        reply = _publish(state, shown, assessed, form, job.token)
    except Cancelled:
        reply = busy_reply()  # nobody is listening any more
    except Exception:  # never leave a waiting page hanging: the log has the details
        traceback.print_exc(file=sys.stderr)
        message = "An internal error stopped the assessment; the server log has the details."
        reply = problem_reply(Problem(500, (message,)))
    finally:
        state.slots.release()
        folder.close()
    job.finish(reply)


async def _watch_disconnect(receive: Receive, gone: threading.Event) -> None:
    """Set `gone` when the client disconnects (the body has been read: nothing else comes)."""
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            gone.set()
            return


def _publish(
    state: WebState, files: list[jobs.FileResult], assessed: jobs.Assessed, form: Form, token: str
) -> Reply:
    """Store the results page and downloads under the token, or show why nothing came out."""
    if not assessed.units:
        problems = jobs.unique_problems(files)
        return error_reply(
            problems,
            title="The upload could not be assessed",
            status=problems[0].status if problems else 400,
        )
    page, downloads = build_results(
        token,
        files,
        assessed,
        organization=form.organization,
        as_of=form.as_of,
        retention=duration_label(state.settings.store_ttl),
    )
    state.store.put(token, page.render(), downloads, render=page.render)
    return redirect_reply(f"/results/{token}")


async def _acquire_slot(state: WebState, gone: threading.Event | None = None) -> bool:
    """Wait up to queue_wait for a free worker slot, first come first served, polling without a
    thread (never leaks one); give up at once when the client has gone."""
    deadline = time.monotonic() + state.settings.queue_wait
    ticket = object()
    state.queue.append(ticket)
    try:
        while not (state.queue[0] is ticket and state.slots.acquire(blocking=False)):
            if time.monotonic() >= deadline or (gone is not None and gone.is_set()):
                return False
            await anyio.sleep(0.05)
        return True
    finally:
        state.queue.remove(ticket)


async def _http_error(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    detail = exc.detail if isinstance(exc, HTTPException) else "Internal error."
    return _response(problem_reply(Problem(status, (str(detail),))))


# ---------------------------------------------------------------------------
# The app


def _warm_up(state: WebState) -> None:
    """Start the worker fork server (heavy modules imported once) and load the catalog."""
    from multiprocessing import forkserver

    for folder in uploads.sweep(state.tmp_root):
        print(f"assessor: removed {folder.name}, left by a server that stopped", file=sys.stderr)
    jobs.mp_context()
    forkserver.ensure_running()
    try:
        state.catalog()
    except AssessorError as err:  # shown on the page of the first upload instead
        print("\n".join(err.lines()), file=sys.stderr)


def _finish_jobs(state: WebState) -> None:
    """On shutdown, let running uploads finish (each within its time limit) so that their
    private folders are removed and no worker is left behind."""
    deadline = time.monotonic() + state.settings.render_timeout + 5
    for job in state.board.running():
        job.done.wait(timeout=max(0.0, deadline - time.monotonic()))


def _lifespan(state: WebState) -> Callable[[Starlette], AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await run_in_threadpool(_warm_up, state)
        yield
        await run_in_threadpool(_finish_jobs, state)

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
    memory_limit_mb: int | None = DEFAULT_MEMORY_LIMIT_MB,
    today: Callable[[], date] = date.today,
    tmp_root: Path | None = None,
    catalog: Catalog | None = None,
    store_ttl: float = 3600.0,
    store_max_bytes: int = 256 * MIB,
    allowed_hosts: Iterable[str] = LOCAL_HOSTS,
    max_waiting: int | None = None,
    body_idle: float | None = None,
    progress_after: float | None = 1.5,
) -> Starlette:
    """Build the upload app; `today` is the only clock read, for the form's default as-of date.

    `allowed_hosts` are the Host names answered (`*`: any); `max_waiting` the uploads admitted
    beyond the workers (more get 503 at once; default 4 per worker).
    """
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
        allowed_hosts=frozenset(allowed_hosts),
        max_waiting=max_waiting,
        progress_after=progress_after,
    )
    body_limits: dict[str, float] = {} if body_idle is None else {"idle": body_idle}
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
            Middleware(HostAllowMiddleware, allowed=settings.allowed_hosts),
            Middleware(
                BodyLimitMiddleware,
                max_bytes=max_upload_bytes,
                admitted=settings.admitted,
                **body_limits,
            ),
        ],
        routes=[
            Route("/", upload_page, methods=["GET"]),
            Route("/static/web.css", stylesheet, methods=["GET"]),
            Route("/favicon.svg", favicon, methods=["GET"]),
            Route("/catalog", catalog_page, methods=["GET"]),
            Route("/progress/{token}", progress_page, methods=["GET"]),
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
