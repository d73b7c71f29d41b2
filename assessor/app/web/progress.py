"""Uploads being assessed: a job per upload, what it is doing, and the page that waits for it.

The form's POST starts the job and waits a moment; a quick run answers with its results at
once, a longer one redirects to /progress/{token}, a page that says what is being done and
refreshes itself (the HTTP Refresh header: no script, within the strict CSP, and no meta
refresh in the page) until the results are ready. The form carries a one-time submission id,
so a second click on the same form finds the first job instead of starting another.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from assessor.app.web.pages import Reply, redirect_reply, render_page

REFRESH_SECONDS = 2


@dataclass
class Job:
    """One upload being assessed in a background thread."""

    token: str
    started: float
    doing: str = "Starting"
    reply: Reply | None = None  # set once, when the job is over
    done: threading.Event = field(default_factory=threading.Event)

    def say(self, text: str) -> None:
        """What the job is doing now, for the waiting page."""
        self.doing = text

    def finish(self, reply: Reply) -> None:
        """The job's answer: a redirect to its results, or the error page."""
        self.reply = reply
        self.done.set()


class JobBoard:
    """Jobs by token and by submission id; finished jobs are forgotten after `keep` seconds."""

    def __init__(self, *, keep: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._keep = keep
        self._clock = clock
        self._jobs: dict[str, Job] = {}
        self._by_submission: dict[str, str] = {}
        self._lock = threading.Lock()

    @staticmethod
    def new_submission() -> str:
        """A one-time id for the upload form."""
        return secrets.token_urlsafe(16)

    def start(self, token: str, submission: str) -> Job:
        """Register a new job (under its form's submission id, when it has one)."""
        job = Job(token=token, started=self._clock())
        with self._lock:
            self._forget_old()
            self._jobs[token] = job
            if submission:
                self._by_submission[submission] = token
        return job

    def for_submission(self, submission: str) -> Job | None:
        """The job a form submission already started, if any."""
        if not submission:
            return None
        with self._lock:
            token = self._by_submission.get(submission)
            return self._jobs.get(token) if token else None

    def get(self, token: str) -> Job | None:
        """The job of that token, if known."""
        with self._lock:
            return self._jobs.get(token)

    def running(self) -> list[Job]:
        """Jobs not over yet (the server waits for them before it stops)."""
        with self._lock:
            return [j for j in self._jobs.values() if not j.done.is_set()]

    def elapsed(self, job: Job) -> float:
        """Seconds since the job started."""
        return self._clock() - job.started

    def _forget_old(self) -> None:
        now = self._clock()
        old = [t for t, j in self._jobs.items() if j.done.is_set() and now - j.started > self._keep]
        for token in old:
            del self._jobs[token]
        self._by_submission = {s: t for s, t in self._by_submission.items() if t in self._jobs}


def progress_location(token: str) -> str:
    """Where a job's waiting page is."""
    return f"/progress/{token}"


def waiting_reply(board: JobBoard, job: Job) -> Reply:
    """The job's answer when it is over, else a page saying what it is doing (refreshing)."""
    if job.reply is not None:
        return job.reply
    seconds = int(board.elapsed(job))
    page = render_page(
        "working.html.j2",
        doing=job.doing,
        seconds=seconds,
        refresh=REFRESH_SECONDS,
        location=progress_location(job.token),
        slow=seconds >= 20,
    )
    refresh = f"{REFRESH_SECONDS}; url={progress_location(job.token)}"
    return Reply(200, page.encode("utf-8"), headers=(("refresh", refresh),))


def redirect_to_progress(job: Job) -> Reply:
    """303 to the job's waiting page."""
    return redirect_reply(progress_location(job.token))
