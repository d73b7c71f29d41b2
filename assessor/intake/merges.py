"""Merged cell ranges: a blank cell inside a merge reads as the range's top-left value."""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from typing import Any


class Merges:
    """Merged ranges, looked up per cell: (row, col) -> the range's top-left (row, col).

    Memory is one entry per range (never per covered cell), so a sheet declaring huge merged
    ranges costs nothing; lookups bisect the ranges that start in the cell's column.
    """

    def __init__(self, ranges: Sequence[Any], nrows: int, ncols: int) -> None:
        by_col: dict[int, list[tuple[int, int]]] = {}
        for (r0, c0), (r1, _c1) in ranges:
            if 0 <= r0 < nrows and 0 <= c0 < ncols and r1 > r0:
                by_col.setdefault(c0, []).append((r0, min(r1, nrows - 1)))
        self._starts: dict[int, list[int]] = {}
        self._spans: dict[int, list[tuple[int, int]]] = {}
        for col, spans in by_col.items():
            spans.sort()
            self._spans[col] = spans
            self._starts[col] = [r0 for r0, _ in spans]

    def __bool__(self) -> bool:
        return bool(self._spans)

    def __contains__(self, cell: tuple[int, int]) -> bool:
        return self._top_left(cell) is not None

    def __getitem__(self, cell: tuple[int, int]) -> tuple[int, int]:
        found = self._top_left(cell)
        if found is None:
            raise KeyError(cell)
        return found

    def _top_left(self, cell: tuple[int, int]) -> tuple[int, int] | None:
        row, col = cell
        starts = self._starts.get(col)
        if not starts:
            return None
        at = bisect.bisect_right(starts, row) - 1
        if at < 0:
            return None
        r0, r1 = self._spans[col][at]
        return (r0, col) if r0 < row <= r1 else None

    def value(self, rows: Sequence[Sequence[Any]], r: int, c: int) -> Any:
        """The cell's own value, or its merge's top-left value when the cell is blank."""
        row = rows[r]
        value = row[c] if c < len(row) else ""
        if (value == "" or value is None) and (r, c) in self:
            tr, tc = self[(r, c)]
            value = rows[tr][tc] if tc < len(rows[tr]) else ""
        return value
