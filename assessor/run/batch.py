"""Batch runs: many workbooks and business units in a process pool, a portfolio and a manifest.

Two phases. First every workbook is read (cheap) to learn its business units, so that a unit
found in two inputs is caught (or merged) before anything is rendered. Then the units are
assessed and rendered in worker processes (each imports the heavy libraries once, in its
initializer); the rendered bytes come back to the parent, which alone writes files, atomically.
"""

from __future__ import annotations

import hashlib
import math
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Collection, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from types import FrameType
from typing import Any, Generic, Literal, TypeVar

from pydantic import Field

from assessor import __version__
from assessor.domain.errors import AssessorError, InputError, Issue, OutputError, UsageError
from assessor.domain.models import (
    Assessment,
    AssessorModel,
    BusinessUnit,
    Catalog,
    IntakeResult,
    RejectedRow,
    Requirement,
)
from assessor.domain.text import canonical_json
from assessor.render import registry
from assessor.render.options import RenderOptions
from assessor.run.files import unique_slugs, write_atomic
from assessor.run.pipeline import (
    RunOptions,
    parse_as_of,
    parse_formats,
    parse_pdf_variant,
    parse_services,
)
from assessor.run.progress import Progress

FailOn = Literal["gap", "partial"]
# Statuses that trip --fail-on: unrecognized counts as a gap (nothing shows it is met).
FAIL_STATUSES: dict[str, frozenset[str]] = {
    "gap": frozenset({"gap", "unrecognized"}),
    "partial": frozenset({"partial", "gap", "unrecognized"}),
}
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
PORTFOLIO_STEM = "portfolio"
MANIFEST_NAME = "manifest.json"
MANIFEST_SCHEMA = 1
MAX_ERROR_LINES = 20  # per input on stderr; manifest.json keeps every issue

EXIT_OK, EXIT_SOME_FAILED, EXIT_NOTHING, EXIT_FAIL_ON, EXIT_INTERRUPTED = 0, 1, 2, 3, 130


class BatchOptions(AssessorModel):
    """Everything a batch run needs besides its inputs, validated once."""

    out: Path
    run: RunOptions
    fail_on: FailOn | None = None
    workers: int = Field(default=1, ge=1)
    overwrite: bool = False
    merge_units: bool = False
    catalog_dir: Path | None = None  # None: the shipped catalog

    @classmethod
    def from_cli(
        cls,
        *,
        out: Path,
        formats: str,
        organization: str,
        as_of: str | None,
        pdf_variant: str | None,
        fail_on: str | None,
        workers: int | None,
        overwrite: bool,
        merge_units: bool,
        today: date | None = None,
        catalog_dir: Path | None = None,
        services: str | None = None,
        scope_window_months: int = 12,
    ) -> BatchOptions:
        """Validate the `assess` options; raise UsageError naming every bad one."""
        problems: list[str] = []
        parsed: dict[str, Any] = {}
        for key, parse in (
            ("formats", lambda: parse_formats(formats)),
            ("as_of", lambda: parse_as_of(as_of, today or date.today())),
            ("pdf_variant", lambda: parse_pdf_variant(pdf_variant)),
            ("services", lambda: parse_services(services, catalog_dir)),
        ):
            try:
                parsed[key] = parse()
            except UsageError as err:
                problems.append(err.message)
        fail: FailOn | None = None
        if fail_on is not None and fail_on.strip():
            value = fail_on.strip().lower()
            if value == "gap":
                fail = "gap"
            elif value == "partial":
                fail = "partial"
            else:
                problems.append(f"--fail-on {fail_on!r}: use gap or partial")
        if scope_window_months < 0:
            problems.append(f"--scope-window-months {scope_window_months}: must be 0 or more")
        count = workers if workers is not None else (os.cpu_count() or 1)
        if count < 1:
            problems.append(f"--workers {workers}: must be 1 or more")
        if problems:
            raise UsageError(
                problems[0] if len(problems) == 1 else "invalid options",
                issues=[] if len(problems) == 1 else [Issue("", p) for p in problems],
            )
        run = RunOptions(
            formats=parsed["formats"],
            organization=organization.strip(),
            as_of=parsed["as_of"],
            pdf_variant=parsed["pdf_variant"],
            services=parsed["services"],
            scope_window_months=scope_window_months,
        )
        return cls(
            out=out,
            run=run,
            fail_on=fail,
            workers=count,
            overwrite=overwrite,
            merge_units=merge_units,
            catalog_dir=catalog_dir,
        )


# ---------------------------------------------------------------------------
# Input discovery


def discover(
    inputs: Sequence[Path], *, exclude: Path | None = None
) -> tuple[list[Path], list[str]]:
    """Expand files and folders into workbook paths (sorted, deduplicated) and problems found."""
    found: list[Path] = []
    problems: list[str] = []
    seen: set[Path] = set()
    excluded = exclude.resolve() if exclude is not None else None

    def add(path: Path) -> None:
        real = path.resolve()
        if real not in seen:
            seen.add(real)
            found.append(path)

    for given in inputs:
        if given.is_dir():
            hits = sorted(
                p
                for p in given.rglob("*")
                if p.suffix.lower() in WORKBOOK_SUFFIXES
                and p.is_file()
                and not _hidden(p.relative_to(given))
                and not (excluded is not None and _inside(p.resolve(), excluded))
            )
            if not hits:
                problems.append(f"{given}: no .xlsx or .xlsm workbooks in this folder")
            for hit in hits:
                add(hit)
        elif given.exists():
            add(given)
        else:
            problems.append(f"{given}: no such file or folder")
    return found, problems


def _hidden(relative: Path) -> bool:
    """Hidden files and folders, and Excel's `~$` lock files, are never inputs."""
    return any(part.startswith((".", "~$")) for part in relative.parts)


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def check_output_dir(out: Path, inputs: Sequence[Path], *, overwrite: bool) -> None:
    """Refuse an output folder that is a file, an input folder, or already holds reports."""
    if out.exists() and not out.is_dir():
        raise OutputError(f"{out}: exists and is not a folder", hint="choose another --out")
    real_out = out.resolve()
    for given in inputs:
        if given.is_dir() and given.resolve() == real_out:
            raise OutputError(
                f"{out}: is also an input folder", hint="write reports to another --out"
            )
    if overwrite or not out.is_dir():
        return
    reports = sorted(
        p.name
        for p in out.iterdir()
        if p.is_file()
        and not p.name.startswith(".")
        and (p.name == MANIFEST_NAME or p.suffix.lower() in registry.suffixes())
    )
    if reports:
        shown = ", ".join(reports[:3]) + (
            f" and {len(reports) - 3} more" if len(reports) > 3 else ""
        )
        raise OutputError(
            f"{out}: already holds reports ({shown})",
            hint="pass --overwrite to replace them, or choose another --out",
        )


# ---------------------------------------------------------------------------
# What travels between the parent and the workers (all picklable, no exceptions)


@dataclass(frozen=True)
class Failure:
    """An error a worker caught, flattened so it pickles with every issue intact."""

    message: str
    issues: tuple[str, ...] = ()
    hint: str | None = None
    kind: str = "input"

    @classmethod
    def of(cls, err: BaseException) -> Failure:
        """Flatten any exception; our own keep their issues, others are marked internal."""
        if isinstance(err, AssessorError):
            return cls(
                message=err.message,
                issues=tuple(str(i) for i in err.issues),
                hint=err.hint,
                kind=type(err).__name__,
            )
        return cls(message=f"internal error: {type(err).__name__}: {err}", kind="internal")

    def lines(self) -> list[str]:
        """The message then each issue, as printed and kept in the manifest."""
        return [self.message, *self.issues]


@dataclass(frozen=True)
class ReadSummary:
    """What phase one learns from a workbook: its units and identity."""

    file: str
    sha256: str
    units: tuple[BusinessUnit, ...]


@dataclass(frozen=True)
class Source:
    """One input workbook as the user named it."""

    index: int
    path: Path

    @property
    def label(self) -> str:
        """How messages and the manifest name this input."""
        return str(self.path)


@dataclass(frozen=True)
class UnitTask:
    """Render these units of one workbook, or one unit merged from several workbooks."""

    task_id: int
    parts: tuple[tuple[Source, str, tuple[str, ...]], ...]  # (source, expected sha256, unit names)
    merged_name: str | None = None  # set when the parts are merged into one unit


@dataclass(frozen=True)
class UnitDone:
    """One business unit rendered: its assessment and its files' bytes."""

    unit: str
    assessment: Assessment
    files: dict[str, bytes]


@dataclass(frozen=True)
class TaskResult:
    """A worker's answer: rendered units, or the failure."""

    units: tuple[UnitDone, ...] = ()
    failure: Failure | None = None


# ---------------------------------------------------------------------------
# Worker side: state set once per process by the initializer

_WORKER: dict[str, Any] = {}


def _init_worker(catalog: Catalog, options: RunOptions, ignore_sigint: bool) -> None:
    """Pool initializer: keep the catalog and options, import the heavy libraries once."""
    if ignore_sigint:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C
        signal.signal(signal.SIGTERM, signal.SIG_DFL)  # abort() terminates workers
    _WORKER["catalog"] = catalog
    _WORKER["options"] = options
    from assessor.assess import engine  # noqa: F401
    from assessor.intake import workbook as intake  # noqa: F401
    from assessor.render import render  # noqa: F401
    from assessor.views import report  # noqa: F401

    if "pdf" in options.formats:
        from assessor.render import pdf  # noqa: F401


def _read_task(source: Source) -> ReadSummary | Failure:
    """Phase one: read a workbook and report its business units."""
    from assessor.intake import workbook as intake

    try:
        result = intake.read_workbook(source.path, _WORKER["catalog"])
    except Exception as err:
        return Failure.of(err)
    return ReadSummary(file=result.file, sha256=result.sha256, units=units_of(result))


def units_of(result: IntakeResult) -> tuple[BusinessUnit, ...]:
    """Every unit the engine will assess: listed ones, then those named only by rows."""
    units: dict[str, BusinessUnit] = {}
    for unit in result.units:
        units.setdefault(unit.name, unit)
    for req in result.requirements:
        units.setdefault(req.business_unit, BusinessUnit(name=req.business_unit, source=req.source))
    for row in result.rejected:
        if row.business_unit is not None:
            units.setdefault(row.business_unit, BusinessUnit(name=row.business_unit))
    return tuple(units[name] for name in sorted(units))


def _render_task(task: UnitTask) -> TaskResult:
    """Phase two: read, assess and render the task's units; never raise."""
    from assessor.intake import workbook as intake

    catalog: Catalog = _WORKER["catalog"]
    options: RunOptions = _WORKER["options"]
    try:
        results: list[IntakeResult] = []
        for source, sha, _names in task.parts:
            result = intake.read_workbook(source.path, catalog)
            if result.sha256 != sha:
                raise InputError(f"{source.label}: the file changed while the batch was running")
            results.append(result)
        if task.merged_name is None:
            source, _sha, names = task.parts[0]
            done = _assess_and_render(results[0], source.path, catalog, options, names)
        else:
            combined = merge_intakes(task.merged_name, results, [p[2] for p in task.parts])
            done = _assess_and_render(combined, None, catalog, options, (task.merged_name,))
    except Exception as err:
        return TaskResult(failure=Failure.of(err))
    return TaskResult(units=tuple(done))


def _assess_and_render(
    result: IntakeResult,
    path: Path | None,
    catalog: Catalog,
    options: RunOptions,
    names: Collection[str],
) -> list[UnitDone]:
    """Assess a workbook and render only the named units, so one workbook's units can spread."""
    from assessor.run import pipeline

    source_bytes = path.read_bytes() if options.pdf_variant == "a" and path is not None else None
    wanted = set(names)
    outputs = pipeline.assess_and_render(
        result, catalog, options, source_bytes=source_bytes, units=wanted
    )
    done = [UnitDone(unit=o.unit, assessment=o.assessment, files=o.files) for o in outputs]
    missing = wanted - {d.unit for d in done}
    if missing:
        raise InputError(
            f"{result.file}: no assessment for business unit(s) {', '.join(sorted(missing))}"
        )
    return done


def unit_key(name: str) -> str:
    """Two unit names denote the same unit when they differ only in case and spacing."""
    return " ".join(name.casefold().split())


def merge_intakes(
    name: str, results: Sequence[IntakeResult], names: Sequence[Sequence[str]]
) -> IntakeResult:
    """One intake holding a unit's requirements from several workbooks (for --merge-units).

    Each requirement keeps its own source cell; the audit periods must agree (a different
    period changes what counts as covered, so a conflict is an error, never a guess).
    """
    units: list[BusinessUnit] = []
    requirements: list[Requirement] = []
    rejected: list[RejectedRow] = []
    warnings: list[str] = []
    for result, unit_names in zip(results, names, strict=True):
        mine = set(unit_names)
        units.extend(u for u in units_of(result) if u.name in mine)
        requirements.extend(
            r.model_copy(update={"business_unit": name})
            for r in result.requirements
            if r.business_unit in mine
        )
        rejected.extend(
            r.model_copy(update={"business_unit": name}) if r.business_unit in mine else r
            for r in result.rejected
            if r.business_unit is None or r.business_unit in mine
        )
        warnings.extend(f"{result.file}: {w}" for w in result.warnings)
    periods = {(u.period_start, u.period_end) for u in units if u.period_start or u.period_end}
    if len(periods) > 1:
        places = "; ".join(
            f"{_place(u)}: {u.period_start or '?'} to {u.period_end or '?'}"
            for u in units
            if u.period_start or u.period_end
        )
        raise InputError(
            f"business unit {name!r}: the inputs give different audit periods ({places})",
            hint="make the audit periods agree before merging",
        )
    period = next(iter(periods), (None, None))
    merged_unit = BusinessUnit(
        name=name,
        owner=next((u.owner for u in units if u.owner), None),
        auditor=next((u.auditor for u in units if u.auditor), None),
        period_start=period[0],
        period_end=period[1],
        source=next((u.source for u in units if u.source), None),
    )
    owners = sorted({u.owner for u in units if u.owner})
    if len(owners) > 1:
        warnings.append(f"business unit {name!r}: owners differ ({', '.join(owners)}); first kept")
    files = " + ".join(r.file for r in results)
    warnings.insert(
        0,
        "merged from "
        + "; ".join(f"{r.file} (SHA-256 {r.sha256})" for r in results)
        + " with --merge-units",
    )
    digest = hashlib.sha256("\n".join(r.sha256 for r in results).encode()).hexdigest()
    return IntakeResult(
        file=files,
        path=" + ".join(r.path for r in results),
        sha256=digest,
        requirements=tuple(requirements),
        units=(merged_unit,),
        rejected=tuple(rejected),
        warnings=tuple(warnings),
        data_rows=sum(r.data_rows for r in results),
        sheets_read=tuple(f"{r.file}: {s}" for r in results for s in r.sheets_read),
    )


def _place(unit: BusinessUnit) -> str:
    return f"{unit.source.file} ({unit.source})" if unit.source else "(file name)"


# ---------------------------------------------------------------------------
# Running tasks: in-process (workers=1) or in a pool that survives a crashed worker

T = TypeVar("T")
R = TypeVar("R")


class Runner(Generic[T, R]):
    """Run tasks in-process or in a process pool, calling on_done in the parent for each."""

    def __init__(
        self, workers: int, catalog: Catalog, options: RunOptions, tick: Callable[[], None]
    ):
        self.workers = workers
        self.catalog = catalog
        self.options = options
        self.tick = tick
        self.pool: ProcessPoolExecutor | None = None
        self.size = 0
        self._local = False
        self._ignore_sigint = threading.current_thread() is threading.main_thread()

    def _ensure_pool(self, size: int) -> ProcessPoolExecutor:
        if self.pool is not None and self.size >= size:
            return self.pool
        self.close()
        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("fork" if "fork" in methods else None)
        self.size = size
        self.pool = ProcessPoolExecutor(
            max_workers=size,
            mp_context=context,
            initializer=_init_worker,
            initargs=(self.catalog, self.options, self._ignore_sigint),
        )
        return self.pool

    def run(
        self,
        tasks: Sequence[T],
        fn: Callable[[T], R],
        on_done: Callable[[T, R], None],
        on_crash: Callable[[T], R],
    ) -> None:
        """Run every task; a task whose worker dies is retried alone before it is failed."""
        size = min(self.workers, len(tasks))
        if size <= 1 and self.pool is None:
            if not self._local:
                _init_worker(self.catalog, self.options, ignore_sigint=False)
                self._local = True
            for task in tasks:
                on_done(task, fn(task))
            return
        pool = self._ensure_pool(size)
        pending = list(range(len(tasks)))
        suspects: set[int] = set()
        inflight: dict[Future[R], int] = {}
        isolated = False
        while pending or inflight:
            while pending and len(inflight) < self.size and not isolated:
                alone = pending[0] in suspects
                if alone and inflight:
                    break  # a suspect runs by itself, so a second crash names it for sure
                index = pending.pop(0)
                inflight[pool.submit(fn, tasks[index])] = index
                isolated = alone
            done, _ = wait(list(inflight), timeout=0.2, return_when=FIRST_COMPLETED)
            self.tick()
            broken = False
            for future in sorted(done, key=lambda f: inflight[f]):
                index = inflight.pop(future)
                try:
                    result = future.result()
                except BrokenProcessPool:
                    broken = True
                    if isolated:
                        on_done(tasks[index], on_crash(tasks[index]))
                    else:
                        suspects.add(index)
                        pending.insert(0, index)
                    continue
                on_done(tasks[index], result)
            if broken or not inflight:
                isolated = False
            if broken:
                for future in list(inflight):
                    index = inflight.pop(future)
                    suspects.add(index)
                    pending.insert(0, index)
                pending.sort()
                pool.shutdown(wait=False, cancel_futures=True)
                self.pool = None
                pool = self._ensure_pool(size)

    def close(self) -> None:
        """Shut the pool down normally."""
        if self.pool is not None:
            self.pool.shutdown(wait=True)
            self.pool = None

    def abort(self) -> None:
        """Ctrl-C: drop queued work and stop the workers now (they write nothing)."""
        if self.pool is None:
            return
        pool, self.pool = self.pool, None
        processes = dict(getattr(pool, "_processes", None) or {})
        pool.shutdown(wait=False, cancel_futures=True)
        for process in processes.values():
            if process.is_alive():
                process.terminate()
        for process in processes.values():
            process.join(timeout=5)


# ---------------------------------------------------------------------------
# Ctrl-C: stop between files, never in the middle of writing one


class InterruptGuard:
    """Ctrl-C (SIGINT) or SIGTERM raise KeyboardInterrupt, except inside `deferred()`."""

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self) -> None:
        self.pending = False
        self.depth = 0
        self.previous: dict[int, Any] = {}
        self.active = threading.current_thread() is threading.main_thread()

    def __enter__(self) -> InterruptGuard:
        if self.active:
            for sig in self.SIGNALS:
                self.previous[sig] = signal.signal(sig, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        for sig, handler in self.previous.items():
            signal.signal(sig, handler)
        self.previous = {}

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self.depth:
            self.pending = True
            return
        raise KeyboardInterrupt

    @contextmanager
    def deferred(self) -> Iterator[None]:
        """Finish the enclosed writes before acting on Ctrl-C."""
        self.depth += 1
        try:
            yield
        finally:
            self.depth -= 1
            if self.depth == 0 and self.pending:
                self.pending = False
                raise KeyboardInterrupt


# ---------------------------------------------------------------------------
# The batch itself


@dataclass
class InputRecord:
    """What happened to one input, as the manifest tells it."""

    source: Source
    sha256: str | None = None
    units: list[str] = field(default_factory=list)  # units found in it
    written: list[str] = field(default_factory=list)  # units whose reports were written
    outputs: list[dict[str, str]] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    tasks_left: int = 0
    status: Literal["ok", "failed", "cancelled"] = "cancelled"

    def entry(self) -> dict[str, Any]:
        """The manifest entry for this input."""
        lines = [line for f in self.failures for line in f.lines()]
        return {
            "path": self.source.label,
            "sha256": self.sha256,
            "status": self.status,
            "business_units": sorted(self.units),
            "written": sorted(self.written),
            "outputs": sorted(self.outputs, key=lambda o: o["path"]),
            "error": self.failures[0].message if self.failures else None,
            "issues": lines[1:] if self.failures else [],
        }


@dataclass
class BatchResult:
    """Everything a run produced, for the CLI, tests and benchmarks."""

    exit_code: int
    records: list[InputRecord]
    units: dict[str, UnitDone]  # unit name -> rendered unit
    slugs: dict[str, str]
    written: list[Path]
    problems: list[str]
    interrupted: bool = False


class Batch:
    """One batch run: discovery, the two phases, writing, portfolio and manifest."""

    def __init__(self, inputs: Sequence[Path], options: BatchOptions, progress: Progress | None):
        self.inputs = list(inputs)
        self.options = options
        self.progress = progress
        self.records: list[InputRecord] = []
        self.units: dict[str, UnitDone] = {}
        self.unit_sources: dict[str, list[int]] = {}
        self.slugs: dict[str, str] = {}
        self.written: list[Path] = []
        self.problems: list[str] = []
        self.guard = InterruptGuard()
        self.catalog: Catalog | None = None
        self.runner: Runner[Any, Any] | None = None

    # -- helpers -------------------------------------------------------------

    def _say(self, text: str) -> None:
        if self.progress is not None:
            self.progress.line(text)
        else:
            sys.stderr.write(text + "\n")

    def _error(self, label: str, failure: Failure) -> None:
        lines = [_strip_name(line, label) for line in failure.lines()]
        for line in lines[:MAX_ERROR_LINES]:
            self._say(f"error: {label}: {line}")
        if len(lines) > MAX_ERROR_LINES:
            self._say(
                f"error: {label}: ... and {len(lines) - MAX_ERROR_LINES} more (see manifest.json)"
            )

    def _tick(self) -> None:
        if self.progress is not None:
            self.progress.refresh()

    def _write(self, name: str, data: bytes) -> dict[str, str]:
        path = self.options.out / name
        with self.guard.deferred():
            try:
                write_atomic(path, data, overwrite=self.options.overwrite)
            except OSError as err:
                raise OutputError(
                    f"{path}: cannot write: {err.strerror or err}",
                    hint="reports already written are complete; no partial file was left",
                ) from None
            self.written.append(path)
        return {"path": name, "sha256": hashlib.sha256(data).hexdigest()}

    # -- the run -------------------------------------------------------------

    def run(self) -> BatchResult:
        """Run the batch; KeyboardInterrupt is turned into exit 130 with complete files only."""
        from assessor.catalog import load as catalog_module

        options = self.options
        paths, self.problems = discover(self.inputs, exclude=options.out)
        if not paths:
            raise UsageError(
                "no workbooks to assess"
                + (": " + "; ".join(self.problems) if self.problems else ""),
                hint="name .xlsx/.xlsm files or folders that hold them",
            )
        check_output_dir(options.out, self.inputs, overwrite=options.overwrite)
        real_inputs = {p.resolve() for p in paths}
        self.catalog = catalog_module.load_catalog(options.catalog_dir)
        self.records = [InputRecord(Source(i, p)) for i, p in enumerate(paths)]
        for problem in self.problems:
            self._say(f"error: {problem}")
        with self.guard:
            try:
                if self.progress is not None:
                    self.progress.total = len(self.records)
                return self._phases(real_inputs)
            except KeyboardInterrupt:
                if self.runner is not None:
                    self.runner.abort()
                return self._interrupted()
            except BaseException:
                if self.runner is not None:
                    self.runner.abort()
                raise
            finally:
                if self.runner is not None:
                    self.runner.close()
                if self.progress is not None:
                    self.progress.stop()

    def _phases(self, real_inputs: set[Path]) -> BatchResult:
        options = self.options
        assert self.catalog is not None
        self.runner = Runner(options.workers, self.catalog, options.run, self._tick)
        # Phase one: learn every workbook's units.
        summaries: dict[int, ReadSummary] = {}

        def read_done(source: Source, outcome: ReadSummary | Failure) -> None:
            record = self.records[source.index]
            if isinstance(outcome, Failure):
                self._fail(record, outcome)
                self._finish(record)
            else:
                summaries[source.index] = outcome
                record.sha256 = outcome.sha256
                record.units = [u.name for u in outcome.units]

        def read_crash(source: Source) -> ReadSummary | Failure:
            return Failure("a worker process died while reading this workbook", kind="crash")

        if self.progress is not None:
            self.progress.start()
        self.runner.run([r.source for r in self.records], _read_task, read_done, read_crash)
        tasks = self._plan(summaries)
        self.slugs = unique_slugs(sorted({name for t in tasks for name in _task_units(t)}))
        self._check_collisions(real_inputs)

        # Phase two: render, writing each unit's files as they arrive.
        def render_done(task: UnitTask, outcome: TaskResult) -> None:
            self._store(task, outcome)

        def render_crash(task: UnitTask) -> TaskResult:
            message = "a worker process died while rendering (out of memory?)"
            return TaskResult(failure=Failure(message, kind="crash"))

        self.runner.run(tasks, _render_task, render_done, render_crash)
        self.runner.close()
        return self._conclude()

    def _plan(self, summaries: dict[int, ReadSummary]) -> list[UnitTask]:
        """Group units into tasks; catch (or merge) a unit found in several inputs."""
        places: dict[str, list[tuple[int, BusinessUnit]]] = {}
        for index in sorted(summaries):
            for unit in summaries[index].units:
                places.setdefault(unit_key(unit.name), []).append((index, unit))
        shared = {key: where for key, where in places.items() if len({i for i, _ in where}) > 1}
        tasks: list[UnitTask] = []
        task_id = 0
        skipped: dict[int, set[str]] = {}
        for key in sorted(shared):
            where = shared[key]
            for index, unit in where:
                skipped.setdefault(index, set()).add(unit.name)
            name = where[0][1].name
            if self.options.merge_units:
                by_input: dict[int, list[str]] = {}
                for index, unit in where:
                    by_input.setdefault(index, []).append(unit.name)
                parts = tuple(
                    (self.records[i].source, summaries[i].sha256, tuple(names))
                    for i, names in sorted(by_input.items())
                )
                tasks.append(UnitTask(task_id, parts, merged_name=name))
                task_id += 1
                for i in by_input:
                    self.records[i].tasks_left += 1
            else:
                listing = " and ".join(
                    f"{self.records[i].source.label} ({unit.source})"
                    if unit.source
                    else self.records[i].source.label
                    for i, unit in where
                )
                failure = Failure(
                    f"business unit {name!r} is in more than one input: {listing}",
                    hint="pass --merge-units to assess it as one unit",
                    kind="duplicate",
                )
                for index in sorted({i for i, _ in where}):
                    self._fail(self.records[index], failure)
        # Spread a workbook's units over several tasks when there are few workbooks.
        per_input = max(1, math.ceil(2 * self.options.workers / max(1, len(summaries))))
        for index in sorted(summaries):
            names = sorted(
                u.name for u in summaries[index].units if u.name not in skipped.get(index, set())
            )
            if not names:
                continue
            chunks = min(per_input, len(names))
            size = math.ceil(len(names) / chunks)
            source = self.records[index].source
            for start in range(0, len(names), size):
                part = (source, summaries[index].sha256, tuple(names[start : start + size]))
                tasks.append(UnitTask(task_id, (part,)))
                task_id += 1
                self.records[index].tasks_left += 1
        for index in sorted(summaries):
            record = self.records[index]
            if record.tasks_left == 0:
                if not record.failures and not summaries[index].units:
                    self._fail(record, Failure(f"{record.source.label}: no business units found"))
                self._finish(record)
        return tasks

    def _check_collisions(self, real_inputs: set[Path]) -> None:
        """Never let a report overwrite an input workbook (possible with --overwrite)."""
        for slug in self.slugs.values():
            for fmt in self.options.run.formats:
                target = (self.options.out / f"{slug}{registry.get(fmt).suffix}").resolve()
                if target in real_inputs:
                    raise OutputError(f"{target}: a report would overwrite this input workbook")

    def _store(self, task: UnitTask, outcome: TaskResult) -> None:
        """Write a finished task's units; account for it on every input it came from."""
        indices = [part[0].index for part in task.parts]
        if outcome.failure is not None:
            for index in indices:
                self._fail(self.records[index], outcome.failure)
        for unit in outcome.units:
            slug = self.slugs[unit.unit]
            outputs = []
            for fmt in self.options.run.formats:
                entry = self._write(f"{slug}{registry.get(fmt).suffix}", unit.files[fmt])
                outputs.append({**entry, "business_unit": unit.unit, "format": fmt})
            self.units[unit.unit] = replace(unit, files={})  # keep the assessment, free the bytes
            self.unit_sources[unit.unit] = indices
            for index in indices:
                self.records[index].written.append(unit.unit)
                self.records[index].outputs.extend(outputs)
        for index in indices:
            record = self.records[index]
            record.tasks_left -= 1
            if record.tasks_left == 0:
                self._finish(record)

    def _fail(self, record: InputRecord, failure: Failure) -> None:
        if failure not in record.failures:
            record.failures.append(failure)
            self._error(record.source.label, failure)

    def _finish(self, record: InputRecord) -> None:
        record.status = "failed" if record.failures else "ok"
        if self.progress is None:
            return
        if record.failures and record.written:
            message = f"failed; {_units(len(record.written))} written"
        elif record.failures:
            message = "failed"
        else:
            message = f"{_units(len(record.written))} written"
        self.progress.advance(record.source.label, message)

    def _conclude(self) -> BatchResult:
        """Portfolio, manifest and the exit code."""
        failed = any(r.status != "ok" for r in self.records) or bool(self.problems)
        if not self.units:
            # Nothing could be assessed: write nothing at all (not even a manifest).
            return self._result(EXIT_NOTHING)
        portfolio_outputs: list[dict[str, str]] = []
        if len(self.units) > 1:
            portfolio_outputs = self._write_portfolio()
        self._write_manifest(portfolio_outputs, interrupted=False)
        if failed:
            code = EXIT_SOME_FAILED
        elif self.options.fail_on is not None and self._fail_on_hit(self.options.fail_on):
            code = EXIT_FAIL_ON
        else:
            code = EXIT_OK
        return self._result(code)

    def _fail_on_hit(self, threshold: FailOn) -> bool:
        statuses = FAIL_STATUSES[threshold]
        return any(f.status in statuses for u in self.units.values() for f in u.assessment.findings)

    def _write_portfolio(self) -> list[dict[str, str]]:
        from assessor.views import portfolio

        assert self.catalog is not None
        run = self.options.run
        view = portfolio.build_portfolio(
            [u.assessment for u in self.units.values()],
            self.catalog,
            slugs=self.slugs,
            organization=run.organization,
            as_of=run.as_of,
            tool_version=__version__,
        )
        formats = registry.portfolio_formats(run.formats)
        options = RenderOptions(pdf_variant=run.pdf_variant)
        outputs = []
        for fmt in formats:
            data = registry.render_portfolio(view, fmt, options)
            name = f"{PORTFOLIO_STEM}{registry.get(fmt).suffix}"
            outputs.append({**self._write(name, data), "format": fmt})
        if self.progress is not None:
            self.progress.line(f"portfolio: {', '.join(formats)} written")
        return outputs

    def _write_manifest(
        self, portfolio_outputs: list[dict[str, str]], *, interrupted: bool
    ) -> None:
        assert self.catalog is not None
        run = self.options.run
        failed = sum(1 for r in self.records if r.status != "ok")
        manifest = {
            "schema_version": MANIFEST_SCHEMA,
            "tool": {"name": "assessor", "version": __version__},
            "catalog": {
                "as_of": self.catalog.meta.as_of.isoformat(),
                "sha256": self.catalog.meta.sha256,
            },
            "as_of": run.as_of.isoformat(),
            "organization": run.organization,
            "formats": list(run.formats),
            "pdf_variant": run.pdf_variant,
            "merge_units": self.options.merge_units,
            "status": "interrupted" if interrupted else ("partial" if failed else "ok"),
            "summary": {
                "inputs": len(self.records),
                "inputs_failed": failed,
                "business_units_written": len(self.units),
            },
            "problems": list(self.problems),
            "inputs": [r.entry() for r in self.records],
            "business_units": [
                {
                    "name": name,
                    "slug": self.slugs[name],
                    "inputs": [self.records[i].source.label for i in self.unit_sources[name]],
                    "summary": _counts(self.units[name].assessment),
                }
                for name in sorted(self.units)
            ],
            "portfolio": sorted(portfolio_outputs, key=lambda o: o["path"]),
        }
        self._write(MANIFEST_NAME, canonical_json(manifest))

    def _interrupted(self) -> BatchResult:
        """After Ctrl-C: keep what is complete; describe it in the manifest if anything was."""
        with self.guard.deferred():
            if self.written:
                with suppress(KeyboardInterrupt, AssessorError, OSError):
                    self._write_manifest([], interrupted=True)
        return self._result(EXIT_INTERRUPTED, interrupted=True)

    def _result(self, code: int, *, interrupted: bool = False) -> BatchResult:
        return BatchResult(
            exit_code=code,
            records=self.records,
            units=self.units,
            slugs=self.slugs,
            written=self.written,
            problems=self.problems,
            interrupted=interrupted,
        )


def _strip_name(line: str, label: str) -> str:
    """`error: x/a.xlsx: a.xlsx: Sheet!B3: ...` reads better without the repeated file name."""
    for prefix in (f"{label}: ", f"{Path(label).name}: "):
        if line.startswith(prefix):
            return line[len(prefix) :]
    return line


def _task_units(task: UnitTask) -> list[str]:
    if task.merged_name is not None:
        return [task.merged_name]
    return list(task.parts[0][2])


def _counts(assessment: Assessment) -> dict[str, int]:
    counts = {"covered": 0, "partial": 0, "gap": 0, "unrecognized": 0}
    for finding in assessment.findings:
        counts[finding.status] += 1
    return counts


def _units(n: int) -> str:
    return f"{n} unit{'s' if n != 1 else ''}"


def run(
    inputs: Sequence[Path], options: BatchOptions, *, progress: Progress | None = None
) -> BatchResult:
    """Run a batch without printing a summary (tests, benchmarks, the CLI underneath)."""
    return Batch(inputs, options, progress).run()


def run_cli(inputs: list[Path], options: BatchOptions) -> int:
    """The `assess` command: run with progress on stderr, print a summary, return the exit code."""
    started = time.monotonic()
    progress = Progress(total=len(inputs))
    result = run(inputs, options, progress=progress)
    elapsed = time.monotonic() - started
    failed = sum(1 for r in result.records if r.status != "ok")
    out = options.out
    if result.interrupted:
        sys.stderr.write(
            f"interrupted: {len(result.units)} business unit(s) complete in {out}/; "
            "no partial files were left\n"
        )
    elif result.exit_code == EXIT_NOTHING:
        sys.stderr.write(f"nothing could be assessed ({failed} input(s) failed); nothing written\n")
    else:
        print(
            f"assessed {_units(len(result.units))} from {len(result.records)} input(s) "
            f"in {elapsed:.1f}s: reports in {out}/"
            + (f"; {failed} input(s) failed, see {out / MANIFEST_NAME}" if failed else "")
        )
        if result.exit_code == EXIT_FAIL_ON:
            sys.stderr.write(f"--fail-on {options.fail_on}: findings at or below that status\n")
    return result.exit_code
