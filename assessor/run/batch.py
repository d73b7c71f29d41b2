"""Batch runs: many workbooks and business units in a worker pool, a portfolio and a manifest.

Two phases. First every workbook is read (cheap) to learn its business units, so that a unit
found in two inputs is caught (or merged) before anything is rendered (`plan`). Then the units
are assessed and rendered in worker processes under the per-job limits (`worker`); the rendered
bytes come back to the parent, which alone writes files, atomically, recording each in the
manifest in the same uninterrupted step.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import sys
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass, replace
from pathlib import Path

from assessor.domain.errors import (
    AssessorError,
    InputError,
    Issue,
    OutputError,
    RenderError,
    UsageError,
)
from assessor.domain.models import Catalog
from assessor.domain.text import canonical_json
from assessor.render import registry
from assessor.run import plan as planner
from assessor.run import scale
from assessor.run.files import unique_slugs, write_set
from assessor.run.inputs import check_output_dir, discover
from assessor.run.interrupt import InterruptGuard
from assessor.run.manifest import MANIFEST_NAME, InputRecord, UnitEntry, manifest_data
from assessor.run.options import FAIL_STATUSES, BatchOptions, FailOn
from assessor.run.outdir import OutputLock, check_out_path
from assessor.run.progress import Progress
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
from assessor.run.terminal import escape
from assessor.run.worker import Done, Failed, Outcome, WorkerPool, as_failure

PORTFOLIO_STEM = "portfolio"
MAX_ERROR_LINES = 20  # per input on stderr; manifest.json keeps every issue

EXIT_OK, EXIT_SOME_FAILED, EXIT_NOTHING, EXIT_FAIL_ON, EXIT_INTERRUPTED = 0, 1, 2, 3, 130


@dataclass
class BatchResult:
    """Everything a run produced, for the CLI, tests and benchmarks."""

    exit_code: int
    records: list[InputRecord]
    units: dict[str, UnitDone]  # unit name -> rendered unit (its bytes dropped once written)
    slugs: dict[str, str]
    written: list[Path]
    problems: list[str]
    interrupted: bool = False
    stopped: str | None = None  # why writing stopped part-way (complete files were kept)
    out_note: str | None = None  # where reports went, when --out is a link


def _pool_context() -> multiprocessing.context.BaseContext:
    """fork where there is one (fast, and the batch's parent runs no threads)."""
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else None)


class Batch:
    """One batch run: discovery, the two phases, writing, portfolio and manifest."""

    def __init__(self, inputs: Sequence[Path], options: BatchOptions, progress: Progress | None):
        self.inputs = list(inputs)
        self.options = options
        self.progress = progress
        self.records: list[InputRecord] = []
        self.units: dict[str, UnitDone] = {}
        self.unit_entries: dict[str, UnitEntry] = {}
        self.portfolio: list[dict[str, str]] = []
        self.slugs: dict[str, str] = {}
        self.written: list[Path] = []
        self.problems: list[str] = []
        self.guard = InterruptGuard()
        self.catalog: Catalog | None = None
        self.pool: WorkerPool | None = None
        self.stopped: str | None = None
        self.out_note: str | None = None

    # -- helpers -------------------------------------------------------------

    def _say(self, text: str) -> None:
        text = escape(text)  # a file name may hold a newline or a terminal escape
        if self.progress is not None:
            self.progress.line(text)
        else:
            sys.stderr.write(text + "\n")

    def _error(self, label: str, failure: Failed) -> None:
        lines = [_strip_name(line, label) for line in failure.lines()]
        for line in lines[:MAX_ERROR_LINES]:
            self._say(f"error: {label}: {line}")
        if len(lines) > MAX_ERROR_LINES:
            self._say(
                f"error: {label}: ... and {len(lines) - MAX_ERROR_LINES} more (see manifest.json)"
            )
        if failure.hint:
            self._say(f"hint: {failure.hint}")

    def _tick(self) -> None:
        if self.progress is not None:
            self.progress.refresh()

    def _write(self, name: str, data: bytes) -> dict[str, str]:
        """Write one file atomically; call inside `guard.deferred()` with its bookkeeping."""
        return self._write_set([(name, data)])[0]

    def _write_set(self, files: list[tuple[str, bytes]]) -> list[dict[str, str]]:
        """Write files as one set (all or none), atomically; call inside `guard.deferred()`."""
        paths = [(self.options.out / name, data) for name, data in files]
        try:
            write_set(paths, overwrite=self.options.overwrite)
        except OSError as err:
            failed = getattr(err, "filename", None) or paths[0][0]
            raise OutputError(
                f"{escape(str(failed))}: cannot write: {err.strerror or err}",
                hint="reports already written are complete; no partial file was left",
            ) from None
        self.written.extend(path for path, _ in paths)
        return [{"path": name, "sha256": hashlib.sha256(data).hexdigest()} for name, data in files]

    # -- the run -------------------------------------------------------------

    def run(self) -> BatchResult:
        """Run the batch; KeyboardInterrupt is turned into exit 130 with complete files only."""
        from assessor.catalog import load as catalog_module

        options = self.options
        self.out_note = check_out_path(options.out)
        paths, self.problems = discover(self.inputs, exclude=options.out)
        if not paths:
            raise UsageError(
                "no workbooks to assess"
                + (": " + "; ".join(self.problems) if self.problems else ""),
                hint="name .xlsx/.xlsm files or folders that hold them",
            )
        # The catalog (and the organization's overlay) first: a bad overlay writes nothing.
        if options.catalog_overlay is not None:
            catalog = catalog_module.load_with_overlay(options.catalog_overlay, options.catalog_dir)
        else:
            catalog = catalog_module.load_catalog(options.catalog_dir)
        with OutputLock(options.out):  # the folder is this run's until it ends
            check_output_dir(options.out, self.inputs, overwrite=options.overwrite)
            return self._run(paths, catalog)

    def _run(self, paths: list[Path], catalog: Catalog) -> BatchResult:
        real_inputs = {p.resolve() for p in paths}
        self.catalog = catalog
        options = self.options
        if options.evidence_file is not None:
            from assessor.intake.evidence import read_register

            register = read_register(options.evidence_file, self.catalog)
            run_options = options.run.model_copy(update={"evidence": register})
            self.options = options = options.model_copy(update={"run": run_options})
        self.records = [InputRecord(InputFile(i, p)) for i, p in enumerate(paths)]
        if self.out_note is not None:
            self._say(f"note: {self.out_note}")
        for problem in self.problems:
            self._say(f"error: {problem}")
        with self.guard:
            try:
                if self.progress is not None:
                    self.progress.total = len(self.records)
                return self._phases(real_inputs)
            except KeyboardInterrupt:
                if self.pool is not None:
                    self.pool.abort()
                return self._interrupted()
            except OutputError as err:
                if self.pool is not None:
                    self.pool.abort()
                if not self.written:
                    raise  # nothing was written: exit 2 holds
                return self._stopped(err)
            except BaseException:
                if self.pool is not None:
                    self.pool.abort()
                raise
            finally:
                if self.pool is not None:
                    self.pool.close()
                if self.progress is not None:
                    self.progress.stop()

    def _phases(self, real_inputs: set[Path]) -> BatchResult:
        options = self.options
        assert self.catalog is not None
        inputs = [r.input for r in self.records]
        self.pool = WorkerPool(
            options.workers,
            context=_pool_context(),
            limits=options.limits,
            initializer=init_worker,
            initargs=(self.catalog, options.run),
            tick=self._tick,
        )
        # Phase one: learn every workbook's units.
        summaries: dict[int, ReadSummary] = {}

        def read_done(source: InputFile, outcome: Outcome[ReadSummary]) -> None:
            record = self.records[source.index]
            if isinstance(outcome, Done):
                summaries[source.index] = outcome.value
                record.sha256 = outcome.value.sha256
                record.units = [u.name for u in outcome.value.units]
            else:
                self._fail(record, as_failure(outcome, source.label, options.limits))
                self._finish(record)

        if self.progress is not None:
            self.progress.start()
        self.pool.run(inputs, read_task, read_done)
        self._check_register_units(summaries)
        self._check_overlay_units(summaries)
        tasks = self._plan(inputs, summaries)
        self.slugs = unique_slugs(sorted({name for t in tasks for name in t.unit_names()}))
        self._check_collisions(real_inputs)
        # Phase two: render, writing each unit's files as they arrive.
        self.pool.run(tasks, render_task, self._store)
        if len(self.units) > 1:
            self._write_portfolio()
        self.pool.close()
        return self._conclude()

    def _plan(self, inputs: list[InputFile], summaries: dict[int, ReadSummary]) -> list[UnitTask]:
        """Plan the render tasks; fail inputs with a shared unit (unless merging)."""
        spread = max(1, -(-2 * self.options.workers // max(1, len(summaries))))
        too_large, refusals = scale.oversize_units(inputs, summaries, self.options.run.formats)
        plan = planner.plan(
            inputs, summaries, merge=self.options.merge_units, spread=spread, exclude=too_large
        )
        for index, failure in [*refusals, *plan.failures]:
            self._fail(self.records[index], failure)
        for index in sorted(summaries):
            record = self.records[index]
            record.tasks_left = plan.tasks_of(index)
            if record.tasks_left == 0:
                self._finish(record)
        return list(plan.tasks)

    def _check_register_units(self, summaries: dict[int, ReadSummary]) -> None:
        """Every unit the --evidence register names exists in some input (else an error)."""
        register = self.options.run.evidence
        if not register or not summaries:
            return
        from assessor.intake.evidence import check_units

        names = {u.name for summary in summaries.values() for u in summary.units}
        file = str(self.options.evidence_file)
        _, issues = check_units(register, names, file)
        if issues:
            raise InputError(
                f"{file}: the evidence register names business units no input has",
                issues=issues,
            )

    def _check_overlay_units(self, summaries: dict[int, ReadSummary]) -> None:
        """Every unit a --catalog-overlay decision is limited to exists in some input."""
        assert self.catalog is not None
        scoped = [d for d in self.catalog.decisions if d.units]
        if not scoped or not summaries:
            return
        names = {u.name.casefold(): u.name for s in summaries.values() for u in s.units}
        listed = ", ".join(sorted(names.values()))
        issues = [
            Issue(
                f"{d.source}: relation {d.framework}: units",
                f"business unit {unit!r} is in no input (units: {listed})",
            )
            for d in scoped
            for unit in d.units
            if unit.casefold() not in names
        ]
        if issues:
            raise InputError(
                f"{self.options.catalog_overlay}: the catalog overlay names business units "
                "no input has",
                issues=issues,
                hint="name the units as the workbooks do, or leave units out for every unit",
            )

    def _check_collisions(self, real_inputs: set[Path]) -> None:
        """Never let a report overwrite an input workbook (possible with --overwrite)."""
        for slug in self.slugs.values():
            for fmt in self.options.run.formats:
                target = (self.options.out / f"{slug}{registry.get(fmt).suffix}").resolve()
                if target in real_inputs:
                    raise OutputError(f"{target}: a report would overwrite this input workbook")

    def _store(self, task: UnitTask, outcome: Outcome[tuple[UnitDone, ...]]) -> None:
        """Write a finished task's units; account for it on every input it came from."""
        indices = [part.input.index for part in task.parts]
        if not isinstance(outcome, Done):
            subject = " + ".join(part.input.label for part in task.parts)
            failure = as_failure(outcome, subject, self.options.limits)
            for index in indices:
                self._fail(self.records[index], failure)
        for unit in outcome.value if isinstance(outcome, Done) else ():
            self._store_unit(unit, indices)
        for index in indices:
            record = self.records[index]
            record.tasks_left -= 1
            if record.tasks_left == 0:
                self._finish(record)

    def _store_unit(self, unit: UnitDone, indices: list[int]) -> None:
        """Write one unit's files and record them, with Ctrl-C held until both are done."""
        slug = self.slugs[unit.unit]
        formats = self.options.run.formats
        with self.guard.deferred():
            entries = self._write_set(
                [(f"{slug}{registry.get(fmt).suffix}", unit.files[fmt]) for fmt in formats]
            )
            for fmt, entry in zip(formats, entries, strict=True):
                output = {**entry, "business_unit": unit.unit, "format": fmt}
                for index in indices:
                    self.records[index].outputs.append(output)
            self.units[unit.unit] = replace(unit, files={})  # keep the assessment, free the bytes
            labels = tuple(self.records[i].input.label for i in indices)
            self.unit_entries[unit.unit] = UnitEntry(unit.unit, slug, labels, unit.assessment)
            for index in indices:
                self.records[index].written.append(unit.unit)

    def _fail(self, record: InputRecord, failure: Failed) -> None:
        if failure not in record.failures:
            record.failures.append(failure)
            self._error(record.input.label, failure)

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
        self.progress.advance(record.input.label, message)

    def _write_portfolio(self) -> None:
        """Render the roll-up in a worker like any report, then write and record each file."""
        assert self.pool is not None
        run = self.options.run
        formats = registry.portfolio_formats(run.formats)
        job = PortfolioJob(
            assessments=tuple(u.assessment for u in self.units.values()),
            slugs=self.slugs,
            organization=run.organization,
            as_of=run.as_of,
            formats=formats,
        )
        outcomes: list[Outcome[dict[str, bytes]]] = []
        self.pool.run([job], portfolio_task, lambda _job, outcome: outcomes.append(outcome))
        outcome = outcomes[0]
        if not isinstance(outcome, Done):
            failure = as_failure(outcome, PORTFOLIO_STEM, self.options.limits)
            raise RenderError(failure.message, hint=failure.hint)
        for fmt in formats:
            name = f"{PORTFOLIO_STEM}{registry.get(fmt).suffix}"
            with self.guard.deferred():
                self.portfolio.append({**self._write(name, outcome.value[fmt]), "format": fmt})
        if self.progress is not None:
            self.progress.line(f"portfolio: {', '.join(formats)} written")

    def _conclude(self) -> BatchResult:
        """Manifest and the exit code (nothing at all is written when nothing was assessed)."""
        failed = any(r.status != "ok" for r in self.records) or bool(self.problems)
        if not self.units:
            return self._result(EXIT_NOTHING)
        with self.guard.deferred():
            self._write_manifest(interrupted=False)
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

    def _stopped(self, err: OutputError) -> BatchResult:
        """A write failed after other files were written: keep them, list them, exit 1."""
        self.stopped = err.message
        for line in err.lines():
            self._say(f"error: {line}")
        with self.guard.deferred():
            try:
                self._write_manifest(interrupted=False)
            except (AssessorError, OSError):
                kept = ", ".join(sorted(p.name for p in self.written))
                self._say(f"error: the manifest could not be written either; complete: {kept}")
        return self._result(EXIT_SOME_FAILED)

    def _write_manifest(self, *, interrupted: bool) -> None:
        assert self.catalog is not None
        data = manifest_data(
            options=self.options,
            catalog=self.catalog,
            records=self.records,
            problems=self.problems,
            units=self.unit_entries,
            portfolio=self.portfolio,
            interrupted=interrupted,
            stopped=self.stopped,
        )
        self._write(MANIFEST_NAME, canonical_json(data))

    def _interrupted(self) -> BatchResult:
        """After Ctrl-C: keep what is complete; describe it in the manifest if anything was."""
        with self.guard.deferred():
            if self.written:
                with suppress(KeyboardInterrupt, AssessorError, OSError):
                    self._write_manifest(interrupted=True)
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
            stopped=self.stopped,
            out_note=self.out_note,
        )


def _strip_name(line: str, label: str) -> str:
    """`error: x/a.xlsx: a.xlsx: Sheet!B3: ...` reads better without the repeated file name."""
    for prefix in (f"{label}: ", f"{Path(label).name}: "):
        if line.startswith(prefix):
            return line[len(prefix) :]
    return line


def _units(n: int) -> str:
    return f"{n} unit{'s' if n != 1 else ''}"


def run(
    inputs: Sequence[Path], options: BatchOptions, *, progress: Progress | None = None
) -> BatchResult:
    """Run a batch without printing a summary (tests, benchmarks, the CLI underneath)."""
    return Batch(inputs, options, progress).run()
