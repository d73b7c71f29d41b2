"""Page flow of the PDF: which chapters continue on the page before instead of starting a new
one, so that a short chapter does not leave a page mostly empty (pure; rough heights in mm)."""

from __future__ import annotations

from assessor.views.findings import FindingView
from assessor.views.frameworks import ChecklistGroup

PAGE_MM = 240  # the body height of an A4 page between the running header and footer
HALF_PAGE_MM = PAGE_MM // 2


def _findings_height(findings: tuple[FindingView, ...]) -> int:
    """Heading, intro and legend, then a row per finding (two lines when it carries an owner)."""
    return 45 + sum(
        11 if f.columns.label or len(f.requirement_display) > 40 else 7 for f in findings
    )


def _checklist_height(groups: tuple[ChecklistGroup, ...]) -> int:
    """Heading and intro, then each group's heading, owner line and duties."""
    return 30 + sum(14 + (5 if g.ownership.label else 0) + 9 * len(g.items) for g in groups)


def flowing_chapters(
    findings: tuple[FindingView, ...], checklist: tuple[ChecklistGroup, ...]
) -> tuple[str, ...]:
    """Chapter ids that follow on the same page: the framework detail after a findings table
    shorter than half a page, the evidence list after a checklist shorter than half a page."""
    flow: list[str] = []
    if _findings_height(findings) < HALF_PAGE_MM:
        flow.append("frameworks")
    if _checklist_height(checklist) < HALF_PAGE_MM:
        flow.append("evidence")
    return tuple(flow)
