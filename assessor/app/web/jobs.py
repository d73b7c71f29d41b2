"""One upload's workbooks through the shared worker core, as the batch runs them.

The same two phases, jobs, limits and same-unit policy as `assessor assess`: read each workbook
to learn its units, plan (a unit in two uploads is an error naming both files, unless the form
asked to merge), render the units, then the portfolio. The request's jobs run one after another
in one worker process of its own, started by a fork server (safe beside the server's threads)
that has the heavy modules imported already. Blocking: call it from a worker thread.
"""

from __future__ import annotations

import multiprocessing
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from assessor.app.web.pages import Problem
from assessor.app.web.settings import WebSettings, web_formats
from assessor.domain.models import Catalog
from assessor.intake.evidence import check_units
from assessor.render import registry
from assessor.run import plan as planner
from assessor.run import scale
from assessor.run.files import unique_slugs
from assessor.run.pipeline import RunOptions
from assessor.run.tasks import (
    InputFile,
    PortfolioJob,
    ReadSummary,
    UnitDone,
    UnitTask,
    init_worker,
    portfolio_task,
    read_task,
    render_task,
)
from assessor.run.worker import Done, Outcome, WorkerPool, as_failure

MERGE_HINT = "tick 'merge a business unit found in several workbooks' to assess it as one unit"
SCALE_HINT = (
    "assess it from the command line with --format json,xlsx (every row), or split the "
    "business unit into smaller ones"
)
_PRELOAD = [
    "assessor.run.tasks",
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


def mp_context() -> multiprocessing.context.BaseContext:
    """A forkserver context (safe beside threads) with the heavy modules imported once."""
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(_PRELOAD)
    return ctx


@dataclass
class FileResult:
    """One uploaded workbook: its problems (identification, reading, rendering, a shared unit)."""

    file: str
    problems: list[Problem] = field(default_factory=list)


def unique_problems(files: list[FileResult] | tuple[FileResult, ...]) -> list[Problem]:
    """Every file's problems in upload order, each once (a shared unit is named by both files)."""
    unique: dict[tuple[int, tuple[str, ...]], Problem] = {}
    for problem in (p for f in files for p in f.problems):
        unique.setdefault((problem.status, problem.lines), problem)
    return list(unique.values())


@dataclass(frozen=True)
class UnitResult:
    """One rendered unit, the upload(s) it came from and its download stem."""

    file: str
    done: UnitDone
    stem: str


@dataclass
class Assessed:
    """Everything one upload's jobs produced."""

    units: list[UnitResult] = field(default_factory=list)
    portfolio: dict[str, bytes] = field(default_factory=dict)  # format -> bytes
    portfolio_problem: Problem | None = None


def job_problem(outcome: Outcome[object], file: str, settings: WebSettings) -> Problem:
    """How a job that did not finish is shown: the core's wording, a status by outcome."""
    assert not isinstance(outcome, Done)
    failure = as_failure(outcome, file, settings.limits)
    status = {"memory": 400, "timeout": 503, "crash": 500, "duplicate": 400, "too-large": 400}.get(
        failure.kind
    )
    if failure.kind in ("InputError", "UsageError"):
        status = 400
    if status is None:
        if failure.kind == "internal":  # details stay in the server log
            message = (
                f"{file}: an internal error stopped processing; the server log has the details."
            )
            return Problem(500, (message,), file)
        status = 500
    return Problem(status, tuple(failure.error_lines()), file)


def assess_files(
    settings: WebSettings,
    files: list[tuple[FileResult, Path]],
    catalog: Catalog,
    options: RunOptions,
    *,
    merge: bool,
    gone: threading.Event | None = None,
    progress: Callable[[str], None] | None = None,
    register: FileResult | None = None,
) -> Assessed:
    """Read, plan, render and roll up the stored uploads in one worker process of this request;
    `progress` hears what is being done, in words for the waiting page.

    The whole request shares one deadline (`render_timeout` from now), not one per file, and
    `gone` (set when the client disconnects) stops the worker at once: raises Cancelled.
    """
    say = progress or (lambda _text: None)
    inputs = [InputFile(i, path, display_name=fr.file) for i, (fr, path) in enumerate(files)]
    results = [fr for fr, _ in files]
    pool = WorkerPool(
        1,
        context=mp_context(),
        limits=settings.limits,
        initializer=init_worker,
        initargs=(catalog, options, True),
        deadline=time.monotonic() + settings.render_timeout,
        stop=gone.is_set if gone is not None else None,
    )
    try:
        summaries: dict[int, ReadSummary] = {}

        def read_done(source: InputFile, outcome: Outcome[ReadSummary]) -> None:
            if isinstance(outcome, Done):
                summaries[source.index] = outcome.value
            else:
                results[source.index].problems.append(job_problem(outcome, source.label, settings))

        say(f"Reading {_count(len(inputs), 'workbook')}")
        pool.run(inputs, read_task, read_done)
        if register is not None and _register_units_missing(register, options, summaries):
            return Assessed()  # as on the command line: nothing is written
        too_large, refusals = scale.oversize_units(
            inputs, summaries, options.formats, hint=SCALE_HINT
        )
        plan = planner.plan(
            inputs, summaries, merge=merge, merge_hint=MERGE_HINT, exclude=too_large
        )
        for index, failure in [*refusals, *plan.failures]:
            lines = tuple(failure.error_lines())
            results[index].problems.append(Problem(400, lines, inputs[index].label))
        done: list[tuple[str, UnitDone]] = []
        total = sum(len(part.units) for task in plan.tasks for part in task.parts[:1])
        say(f"Writing the reports of {_count(total, 'business unit')}")

        def render_done(task: UnitTask, outcome: Outcome[tuple[UnitDone, ...]]) -> None:
            label = " + ".join(part.input.label for part in task.parts)
            if isinstance(outcome, Done):
                done.extend((label, unit) for unit in outcome.value)
                say(f"Writing the reports: {len(done)} of {_count(total, 'business unit')} done")
            else:
                problem = job_problem(outcome, label, settings)
                results[task.parts[0].input.index].problems.append(problem)

        pool.run(plan.tasks, render_task, render_done)
        slugs = unique_slugs([unit.unit for _, unit in done])
        assessed = Assessed(units=[UnitResult(f, u, slugs[u.unit]) for f, u in done])
        if len(assessed.units) > 1:
            say(f"Writing the portfolio of {_count(len(assessed.units), 'business unit')}")
            _portfolio(pool, assessed, slugs, options, settings)
        return assessed
    finally:
        pool.close()


def _register_units_missing(
    register: FileResult, options: RunOptions, summaries: dict[int, ReadSummary]
) -> bool:
    """Whether the uploaded register names a business unit no workbook has (put on it)."""
    names = {u.name for summary in summaries.values() for u in summary.units}
    _, issues = check_units(options.evidence or (), names, register.file)
    if not issues or not summaries:
        return False
    head = f"{register.file}: the evidence register names business units no workbook has"
    lines = (head, *(f"{i.location}: {i.message}" for i in issues))
    register.problems.append(Problem(400, lines, register.file))
    return True


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _portfolio(
    pool: WorkerPool,
    assessed: Assessed,
    slugs: dict[str, str],
    options: RunOptions,
    settings: WebSettings,
) -> None:
    """The portfolio files for several units, rendered in the worker like any report."""
    job = PortfolioJob(
        assessments=tuple(u.done.assessment for u in assessed.units),
        slugs=slugs,
        organization=options.organization,
        as_of=options.as_of,
        formats=registry.portfolio_formats(web_formats()),
    )

    def portfolio_done(_job: PortfolioJob, outcome: Outcome[dict[str, bytes]]) -> None:
        if isinstance(outcome, Done):
            assessed.portfolio = outcome.value
        else:
            assessed.portfolio_problem = job_problem(outcome, "portfolio", settings)

    pool.run([job], portfolio_task, portfolio_done)
