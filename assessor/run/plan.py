"""From what phase one read to the render tasks: the one policy for a unit found in two inputs.

The same business unit (names compared ignoring case and spacing) in two inputs is an error naming
both places, given to every input it is in; its other units are still rendered. With merging
asked for (`--merge-units`, or the upload page's checkbox) the unit's requirements from every
input are assessed together as one unit instead. The batch and the upload page both plan here.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from assessor.domain.models import BusinessUnit
from assessor.run.tasks import InputFile, ReadSummary, TaskPart, UnitTask
from assessor.run.worker import Failed

MAX_UNITS_PER_TASK = 10  # keeps one job well inside the per-job time limit
MAX_ROWS_PER_TASK = 20_000  # requirements and rejected rows rendered by one job (same reason)
MERGE_HINT = "pass --merge-units to assess it as one unit"


@dataclass(frozen=True)
class Plan:
    """The render tasks, and the failures found while planning (input index, failure)."""

    tasks: tuple[UnitTask, ...]
    failures: tuple[tuple[int, Failed], ...]

    def tasks_of(self, index: int) -> int:
        """How many tasks render units of this input."""
        return sum(1 for t in self.tasks if any(p.input.index == index for p in t.parts))


def unit_key(name: str) -> str:
    """Two unit names denote the same unit when they differ only in case and spacing."""
    return " ".join(name.casefold().split())


def plan(
    inputs: Sequence[InputFile],
    summaries: Mapping[int, ReadSummary],
    *,
    merge: bool,
    spread: int = 1,
    merge_hint: str = MERGE_HINT,
    exclude: Mapping[int, Collection[str]] | None = None,
) -> Plan:
    """Group units into tasks; catch (or merge) a unit found in several inputs.

    `spread` is how many tasks one workbook's units may be cut into (so a few workbooks still
    keep every worker busy); no task holds more than MAX_UNITS_PER_TASK units.
    """
    places: dict[str, list[tuple[int, BusinessUnit]]] = {}
    for index in sorted(summaries):
        for unit in summaries[index].units:
            places.setdefault(unit_key(unit.name), []).append((index, unit))
    shared = {key: where for key, where in places.items() if len({i for i, _ in where}) > 1}
    tasks: list[UnitTask] = []
    failures: list[tuple[int, Failed]] = []
    skipped: dict[int, set[str]] = {i: set(names) for i, names in (exclude or {}).items()}
    for key in sorted(shared):
        where = shared[key]
        for index, unit in where:
            skipped.setdefault(index, set()).add(unit.name)
        if merge:
            tasks.append(_merged_task(len(tasks), inputs, summaries, where))
        else:
            failure = _duplicate(inputs, where, merge_hint)
            failures.extend((index, failure) for index in sorted({i for i, _ in where}))
    for index in sorted(summaries):
        summary = summaries[index]
        names = sorted(u.name for u in summary.units if u.name not in skipped.get(index, set()))
        if not summary.units:
            failures.append((index, _no_units(inputs[index].label, summary)))
        if not names:
            continue
        chunks = max(min(spread, len(names)), math.ceil(len(names) / MAX_UNITS_PER_TASK))
        size = math.ceil(len(names) / chunks)
        for group in _groups(names, size, summary.rows):
            part = TaskPart(inputs[index], summary.sha256, group)
            tasks.append(UnitTask(len(tasks), (part,)))
    return Plan(tasks=tuple(tasks), failures=tuple(failures))


def _groups(names: list[str], size: int, rows: Mapping[str, int]) -> list[tuple[str, ...]]:
    """Consecutive groups of at most `size` units and (unless one unit alone is more) at most
    MAX_ROWS_PER_TASK rows, so a workbook of a few very large units still gives jobs that fit
    the per-job time limit."""
    groups: list[tuple[str, ...]] = []
    current: list[str] = []
    load = 0
    for name in names:
        weight = rows.get(name, 0)
        if current and (len(current) >= size or load + weight > MAX_ROWS_PER_TASK):
            groups.append(tuple(current))
            current, load = [], 0
        current.append(name)
        load += weight
    if current:
        groups.append(tuple(current))
    return groups


def _no_units(label: str, summary: ReadSummary) -> Failed:
    """No business unit: say so, and when only the blank template's example row was there,
    that it was skipped and what to do instead."""
    if summary.example_rows:
        return Failed(
            f"{label}: no business units found: the only row is the template's example row, "
            "which is skipped",
            hint="on the Requirements sheet, add one row per framework a business unit must "
            "meet (Business unit, Framework), delete the example row, save and assess again",
        )
    return Failed(f"{label}: no business units found")


def _merged_task(
    task_id: int,
    inputs: Sequence[InputFile],
    summaries: Mapping[int, ReadSummary],
    where: list[tuple[int, BusinessUnit]],
) -> UnitTask:
    by_input: dict[int, list[str]] = {}
    for index, unit in where:
        by_input.setdefault(index, []).append(unit.name)
    parts = tuple(
        TaskPart(inputs[i], summaries[i].sha256, tuple(names))
        for i, names in sorted(by_input.items())
    )
    return UnitTask(task_id, parts, merged_name=where[0][1].name)


def _duplicate(
    inputs: Sequence[InputFile], where: list[tuple[int, BusinessUnit]], hint: str
) -> Failed:
    listing = " and ".join(
        f"{inputs[i].label} ({unit.source})" if unit.source else inputs[i].label
        for i, unit in where
    )
    return Failed(
        f"business unit {where[0][1].name!r} is in more than one input: {listing}",
        hint=hint,
        kind="duplicate",
    )
