"""README.md says what the code says: its status table matches the labels the reports print."""

from __future__ import annotations

import re
from pathlib import Path

from assessor.domain.models import STATUSES
from assessor.views.labels import STATUS_DEFINITIONS, STATUS_LABELS

README = Path(__file__).resolve().parents[1] / "README.md"


def _plain(text: str) -> str:
    """Markdown emphasis and code marks dropped, whitespace collapsed."""
    return " ".join(re.sub(r"[`*_]{1,2}(\S(?:.*?\S)?)[`*_]{1,2}", r"\1", text).split())


def _status_table() -> dict[str, tuple[str, str]]:
    """The README's status table: status -> (label, meaning)."""
    lines = README.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if re.match(r"\|\s*status\s*\|", line))
    rows: dict[str, tuple[str, str]] = {}
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        key, label, meaning = (cell.strip() for cell in line.strip().strip("|").split("|"))
        rows[_plain(key)] = (_plain(label), _plain(meaning))
    return rows


def test_readme_status_table_says_what_the_reports_say() -> None:
    table = _status_table()
    assert list(table) == list(STATUSES)
    for status in STATUSES:
        label, meaning = table[status]
        assert label == STATUS_LABELS[status], status
        assert meaning == _plain(STATUS_DEFINITIONS[status]), status
