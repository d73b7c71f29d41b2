"""Caps on how many requirements a workbook may make: per cell and per business unit.

A small workbook can ask for a lot: one 14 KB cell naming "x0/x1/.../x5517" made 5,518
findings and a 479-page PDF. A cell may name at most MAX_FRAMEWORKS_PER_CELL frameworks, and a
business unit hold at most MAX_REQUIREMENTS_PER_UNIT requirements; past either the workbook is
refused, naming the cell.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from assessor.intake.ledger import RequirementRow
from assessor.intake.limits import fail

MAX_FRAMEWORKS_PER_CELL = 50
MAX_REQUIREMENTS_PER_UNIT = 25_000


def _cell(row: RequirementRow) -> str:
    source = row["source"]
    return f"{source['sheet']}!{source['column'] or ''}{source['row']}"


def check_caps(
    display: str,
    requirements: Sequence[RequirementRow],
    *,
    per_cell: int = MAX_FRAMEWORKS_PER_CELL,
    per_unit: int = MAX_REQUIREMENTS_PER_UNIT,
) -> None:
    """Raise InputError naming the first cell past either cap."""
    cells: Counter[tuple[str, int, str | None]] = Counter()
    units: Counter[str] = Counter()
    for row in requirements:
        source = row["source"]
        key = (source["sheet"], source["row"], source["column"])
        cells[key] += 1
        if cells[key] > per_cell:
            count = sum(
                1
                for r in requirements
                if (r["source"]["sheet"], r["source"]["row"], r["source"]["column"]) == key
            )
            raise fail(
                display,
                f"{_cell(row)}: the cell names {count:,} frameworks; at most {per_cell} are "
                "read from one cell",
                hint="put one framework (or a few) per row",
            )
        unit = row["business_unit"].casefold()
        units[unit] += 1
        if units[unit] > per_unit:
            raise fail(
                display,
                f"{_cell(row)}: business unit {row['business_unit']!r} has more than "
                f"{per_unit:,} requirements here; at most {per_unit:,} are assessed per unit",
                hint="split the business unit, or the workbook, into smaller ones",
            )
