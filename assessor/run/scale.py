"""How big a unit's PDF or HTML report may get, decided before anything is rendered.

A unit report lists every requirement in the findings table and every rejected row in the
appendix, about 40 rows a page. WeasyPrint lays such tables out in time and memory that grow
with the page count (2,000 rows: about 100 pages, 25-70 s and 320 MB on two shared cores;
20,000 rows did not finish in 180 s and took 4.6 GB). A document past MAX_DOCUMENT_ROWS rows
is no longer one an auditor reads either, so such a unit is refused at once in PDF and HTML,
naming the unit and the --format that works: JSON and XLSX carry every row (a 200,000-row
workbook of ten 20,000-row units, mostly repeated entries: 230 s and 450 MB on two loaded
cores).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from assessor.run.tasks import InputFile, ReadSummary
from assessor.run.worker import Failed

MAX_DOCUMENT_ROWS = 2_000  # findings plus appendix rows in one unit's PDF or HTML report
DOCUMENT_FORMATS = ("pdf", "html")
ROWS_PER_PAGE = 40


def oversize_units(
    inputs: Sequence[InputFile],
    summaries: Mapping[int, ReadSummary],
    formats: Sequence[str],
    *,
    limit: int = MAX_DOCUMENT_ROWS,
    hint: str | None = None,
) -> tuple[dict[int, set[str]], list[tuple[int, Failed]]]:
    """The units too big for the document formats asked for (by input), and their failures."""
    documents = [f for f in formats if f in DOCUMENT_FORMATS]
    if not documents:
        return {}, []
    others = ",".join(f for f in formats if f not in DOCUMENT_FORMATS) or "json,xlsx"
    refused: dict[int, set[str]] = {}
    failures: list[tuple[int, Failed]] = []
    for index in sorted(summaries):
        summary = summaries[index]
        for unit in summary.units:
            rows = summary.rows.get(unit.name, 0)
            if rows <= limit:
                continue
            refused.setdefault(index, set()).add(unit.name)
            message = (
                f"{inputs[index].label}: business unit {unit.name!r} has {rows:,} rows to report "
                f"(requirements and rejected rows); a {' or '.join(d.upper() for d in documents)} "
                f"report holds at most {limit:,} per unit (about {limit // ROWS_PER_PAGE} pages), "
                "so none of its reports was written"
            )
            advice = hint or (
                f"use --format {others} for this workbook (every row), "
                "or split the business unit into smaller ones"
            )
            failures.append((index, Failed(message, hint=advice, kind="too-large")))
    return refused, failures
