"""The execution core: jobs run in child processes under one limits policy, with typed outcomes.

The batch and the upload page both run their work here. A `WorkerPool` keeps N child processes,
each running one job at a time, so a worker that dies, runs out of memory or overruns its time
is known by name and only its own job fails. Every child caps its address space (RLIMIT_AS)
before it does anything; the parent kills a job that passes its wall-time limit. What comes
back is always a frozen outcome, never a live exception:

    Done(value) | Failed(kind, message, issues, hint) | OutOfMemory() | TimedOut() | Crashed(code)
"""

from __future__ import annotations

import errno
import os
import select
import signal
import sys
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass
from multiprocessing import connection
from multiprocessing.connection import Connection
from multiprocessing.context import BaseContext
from multiprocessing.process import BaseProcess
from typing import Any, Generic, TypeAlias, TypeVar

from assessor.domain.errors import AssessorError

MIB = 1024 * 1024
DEFAULT_TIME_LIMIT = 120.0  # seconds of wall time per job
DEFAULT_MEMORY_LIMIT_MB = 4096  # address space per worker process
NEXT_CHECK = 0.2  # seconds between checks of deadlines (and progress redraws)

T = TypeVar("T")
R = TypeVar("R")
R_co = TypeVar("R_co", covariant=True)


@dataclass(frozen=True)
class Limits:
    """What one job may use: wall time (seconds) and its worker's address space (MB)."""

    seconds: float | None = DEFAULT_TIME_LIMIT
    memory_mb: int | None = DEFAULT_MEMORY_LIMIT_MB


# ---------------------------------------------------------------------------
# The outcomes (all frozen, all picklable)


@dataclass(frozen=True)
class Done(Generic[R_co]):
    """The job finished; here is its value."""

    value: R_co


@dataclass(frozen=True)
class Failed:
    """The job raised: our own errors keep their message, issues and hint; others are internal."""

    message: str
    issues: tuple[str, ...] = ()
    hint: str | None = None
    kind: str = "InputError"  # the AssessorError class name, or "internal"

    @classmethod
    def of(cls, err: BaseException) -> Failed:
        """Flatten an exception so it pickles with every issue intact."""
        if isinstance(err, AssessorError):
            return cls(
                message=err.message,
                issues=tuple(str(i) for i in err.issues),
                hint=err.hint,
                kind=type(err).__name__,
            )
        return cls(message=f"internal error: {type(err).__name__}: {err}", kind="internal")

    def lines(self) -> list[str]:
        """The message then each issue: what the batch prints and the manifest keeps."""
        return [self.message, *self.issues]

    def error_lines(self) -> list[str]:
        """As `AssessorError.lines()`: message, indented issues, then `hint: ...`."""
        out = [self.message, *(f"  {issue}" for issue in self.issues)]
        return [*out, f"hint: {self.hint}"] if self.hint else out


@dataclass(frozen=True)
class OutOfMemory:
    """The job hit its worker's memory cap (a MemoryError in Python code)."""


@dataclass(frozen=True)
class TimedOut:
    """The job passed its wall-time limit; its worker was killed."""


@dataclass(frozen=True)
class Crashed:
    """The worker died mid-job: a signal (negative code, e.g. an OOM kill) or an abrupt exit."""

    exitcode: int | None = None


Outcome: TypeAlias = Done[R] | Failed | OutOfMemory | TimedOut | Crashed

SPLIT_HINT = "split the workbook into smaller ones"


def as_failure(
    outcome: Failed | OutOfMemory | TimedOut | Crashed, subject: str, limits: Limits
) -> Failed:
    """One wording for every way a job can fail, for the batch's manifest and the web page."""
    if isinstance(outcome, Failed):
        return outcome
    if isinstance(outcome, OutOfMemory):
        message = (
            f"{subject}: processing needed more than {limits.memory_mb} MB of memory "
            "and was stopped"
        )
        return Failed(message, hint=SPLIT_HINT, kind="memory")
    if isinstance(outcome, TimedOut):
        message = (
            f"{subject}: processing took longer than {limits.seconds:g} s and was stopped; "
            "nothing was kept"
        )
        return Failed(message, hint=SPLIT_HINT, kind="timeout")
    code = outcome.exitcode
    how = f"signal {-code}" if code is not None and code < 0 else f"exit code {code}"
    cap = (
        f", most likely by running out of its {limits.memory_mb} MB memory cap"
        if limits.memory_mb and code is not None and code < 0
        else ""
    )
    message = f"{subject}: a worker process died ({how}){cap}; nothing was kept"
    return Failed(message, hint=SPLIT_HINT, kind="crash")


# ---------------------------------------------------------------------------
# The child side


def limit_memory(memory_mb: int | None) -> None:
    """Cap this process's address space (never above an existing hard limit)."""
    if memory_mb is None:
        return
    import resource

    limit = memory_mb * MIB
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def run_guarded(fn: Callable[[T], R], task: T) -> Outcome[R]:
    """Run one job and turn whatever happens into an outcome (in the worker)."""
    try:
        return Done(fn(task))
    except MemoryError:
        return OutOfMemory()
    except OSError as err:
        if err.errno == errno.ENOMEM:  # "Cannot allocate memory" from a C call under the cap
            return OutOfMemory()
        traceback.print_exc(file=sys.stderr)
        return Failed.of(err)
    except Exception as err:
        if not isinstance(err, AssessorError):
            traceback.print_exc(file=sys.stderr)  # the details stay in the log
        return Failed.of(err)


PR_SET_PDEATHSIG = 1  # linux/prctl.h


def die_with(owner: int) -> None:
    """Make this worker die when `owner` (the pool's process) dies, even by SIGKILL.

    On Linux the kernel kills the child when its parent dies (PR_SET_PDEATHSIG). A worker
    started by a fork server has the fork server as its parent, not the owner, so it also
    watches the owner itself (a pidfd, or polling where there is none) from a daemon thread.
    """
    if sys.platform.startswith("linux"):
        with suppress(OSError, AttributeError):
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    parent = os.getppid()
    if parent == owner:
        return  # the kernel takes care of it (and the owner was alive after prctl)
    if not _alive(owner):
        os.kill(os.getpid(), signal.SIGKILL)
    threading.Thread(target=_watch, args=(owner,), name="owner-watch", daemon=True).start()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _watch(owner: int) -> None:
    """Block until the owner exits, then kill this process at once (no cleanup to wait for)."""
    try:
        fd = os.pidfd_open(owner)
    except (AttributeError, OSError):
        while _alive(owner):
            time.sleep(1.0)
    else:
        select.select([fd], [], [])
    os.kill(os.getpid(), signal.SIGKILL)


def _serve(
    conn: Connection,
    limits: Limits,
    initializer: Callable[..., None] | None,
    initargs: tuple[Any, ...],
    owner: int | None = None,
) -> None:
    """A worker's life: cap memory, initialize once, then answer jobs until told to stop."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # abort() kills workers
    if owner is not None:
        die_with(owner)
    limit_memory(limits.memory_mb)
    broken: Outcome[Any] | None = None
    if initializer is not None:
        broken = run_guarded(lambda args: initializer(*args), initargs)
        broken = None if isinstance(broken, Done) else broken
    while True:
        try:
            job = conn.recv()
        except EOFError:
            return
        except MemoryError:
            job = ()
        if job is None:
            return
        outcome = broken or (run_guarded(job[0], job[1]) if job else OutOfMemory())
        try:
            conn.send(outcome)
        except MemoryError:
            conn.send(OutOfMemory())


# ---------------------------------------------------------------------------
# The parent side


@dataclass
class _Worker:
    process: BaseProcess
    conn: Connection
    job: int | None = None  # index of the task it runs
    deadline: float | None = None


class Cancelled(Exception):
    """`WorkerPool.run` was told to stop (its caller has gone): the busy workers were killed."""


class WorkerPool:
    """N worker processes, one job each at a time, under `limits`; reused across `run` calls.

    `deadline` (a `time.monotonic()` value) bounds every job of every `run` together, on top of
    each job's own limit: a job still running then is stopped (TimedOut), and a job not yet
    started gets TimedOut without starting. `stop` is polled while jobs run; when it returns
    True the busy workers are killed and `run` raises Cancelled.
    """

    def __init__(
        self,
        size: int,
        *,
        context: BaseContext,
        limits: Limits,
        initializer: Callable[..., None] | None = None,
        initargs: tuple[Any, ...] = (),
        tick: Callable[[], None] | None = None,
        deadline: float | None = None,
        stop: Callable[[], bool] | None = None,
    ) -> None:
        self.size = max(1, size)
        self.deadline = deadline
        self.stop = stop
        self.context = context
        self.limits = limits
        self.initializer = initializer
        self.initargs = initargs
        self.tick = tick
        self.workers: list[_Worker] = []

    def _start(self) -> _Worker:
        mine, theirs = self.context.Pipe(duplex=True)
        process = self.context.Process(  # type: ignore[attr-defined]
            target=_serve,
            args=(theirs, self.limits, self.initializer, self.initargs, os.getpid()),
            daemon=True,
        )
        process.start()
        theirs.close()
        worker = _Worker(process, mine)
        self.workers.append(worker)
        return worker

    def _retire(self, worker: _Worker, *, kill: bool) -> int | None:
        """Remove a worker (killing it first when asked) and return its exit code."""
        if kill and worker.process.is_alive():
            worker.process.kill()
        worker.process.join(timeout=5)
        worker.conn.close()
        self.workers.remove(worker)
        return worker.process.exitcode

    def run(
        self,
        tasks: Sequence[T],
        fn: Callable[[T], R],
        on_done: Callable[[T, Outcome[R]], None],
    ) -> None:
        """Run every task, calling on_done in this process as each finishes (in any order)."""
        pending = deque(range(len(tasks)))
        while pending or any(w.job is not None for w in self.workers):
            if self.stop is not None and self.stop():
                self._cancel()
            if self.deadline is not None and time.monotonic() >= self.deadline:
                while pending:
                    on_done(tasks[pending.popleft()], TimedOut())
            self._dispatch(tasks, fn, pending, on_done)
            busy = [w for w in self.workers if w.job is not None]
            if not busy:
                continue
            deadlines = [w.deadline for w in busy if w.deadline is not None]
            timeout = NEXT_CHECK
            if deadlines:
                timeout = max(0.0, min(timeout, min(deadlines) - time.monotonic()))
            waitables: list[Any] = [w.conn for w in busy] + [w.process.sentinel for w in busy]
            connection.wait(waitables, timeout=timeout)
            for worker in busy:
                self._collect(worker, tasks, on_done)
            if self.tick is not None:
                self.tick()

    def _dispatch(
        self,
        tasks: Sequence[T],
        fn: Callable[[T], R],
        pending: deque[int],
        on_done: Callable[[T, Outcome[R]], None],
    ) -> None:
        """Hand pending tasks to idle workers, starting workers up to the pool's size."""
        for worker in [w for w in self.workers if w.job is None and not w.process.is_alive()]:
            self._retire(worker, kill=False)
        while pending:
            idle = next((w for w in self.workers if w.job is None), None)
            if idle is None and len(self.workers) < self.size:
                idle = self._start()
            if idle is None:
                return
            index = pending.popleft()
            try:
                idle.conn.send((fn, tasks[index]))
            except (BrokenPipeError, EOFError, OSError):
                on_done(tasks[index], Crashed(self._retire(idle, kill=True)))
                continue
            idle.job = index
            seconds = self.limits.seconds
            idle.deadline = time.monotonic() + seconds if seconds is not None else None
            if self.deadline is not None:
                idle.deadline = min(idle.deadline or self.deadline, self.deadline)

    def _collect(
        self, worker: _Worker, tasks: Sequence[T], on_done: Callable[[T, Outcome[R]], None]
    ) -> None:
        """Take a busy worker's answer, or notice it died or overran its time."""
        index = worker.job
        assert index is not None
        outcome: Outcome[R] | None = None
        if worker.conn.poll():
            try:
                outcome = worker.conn.recv()
            except (EOFError, OSError):
                outcome = Crashed(self._retire(worker, kill=True))
        elif not worker.process.is_alive():
            outcome = Crashed(self._retire(worker, kill=False))
        elif worker.deadline is not None and time.monotonic() >= worker.deadline:
            self._retire(worker, kill=True)
            outcome = TimedOut()
        if outcome is None:
            return
        worker.job, worker.deadline = None, None
        on_done(tasks[index], outcome)

    def _cancel(self) -> None:
        """The caller has gone: kill the busy workers (idle ones stay for close) and say so."""
        for worker in [w for w in self.workers if w.job is not None]:
            self._retire(worker, kill=True)
        raise Cancelled

    def close(self) -> None:
        """Stop the workers normally (each finishes nothing new and exits)."""
        for worker in list(self.workers):
            with suppress(OSError):
                worker.conn.send(None)
            worker.process.join(timeout=5)
            self._retire(worker, kill=True)

    def abort(self) -> None:
        """Ctrl-C: stop every worker now (workers never write files, so nothing is half done)."""
        for worker in self.workers:
            if worker.process.is_alive():
                worker.process.terminate()
        for worker in list(self.workers):
            self._retire(worker, kill=True)
