"""The executive summary: counts by status and responsibility, the chart, the key gaps (pure)."""

from __future__ import annotations

from assessor.domain.models import RESPONSIBILITIES, STATUSES, AssessorModel, Status
from assessor.views.common import clip, percent
from assessor.views.findings import FindingView
from assessor.views.labels import (
    RESPONSIBILITY_LABELS,
    STATUS_LABELS,
    STATUS_MARKS,
    responsibility_mark,
)

KEY_GAP_NAMES = 8  # names listed per kind in the key gaps paragraph


class Count(AssessorModel):
    """One count in the summary, with its label, share and mark."""

    key: str
    label: str
    mark: str
    count: int
    percent: int


class ChartBar(AssessorModel):
    """One bar of the summary chart, with its geometry precomputed (SVG user units)."""

    status: Status
    label: str
    mark: str
    count: int
    y: int
    width: int
    text_x: int


class Chart(AssessorModel):
    """The inline SVG bar chart of findings by status."""

    width: int
    height: int
    label_width: int
    bar_height: int
    bars: tuple[ChartBar, ...]


def status_counts(views: tuple[FindingView, ...]) -> tuple[Count, ...]:
    """Findings per status, every status listed."""
    total = len(views)
    return tuple(
        Count(
            key=s,
            label=STATUS_LABELS[s],
            mark=STATUS_MARKS[s],
            count=(n := sum(1 for f in views if f.status == s)),
            percent=percent(n, total),
        )
        for s in STATUSES
    )


def responsibility_counts(views: tuple[FindingView, ...]) -> tuple[Count, ...]:
    """Findings per responsibility, every responsibility listed."""
    total = len(views)
    return tuple(
        Count(
            key=r,
            label=RESPONSIBILITY_LABELS[r],
            mark=responsibility_mark(r),
            count=(n := sum(1 for f in views if f.responsibility == r)),
            percent=percent(n, total),
        )
        for r in RESPONSIBILITIES
    )


def chart(counts: tuple[Count, ...]) -> Chart:
    """Bars scaled to the largest count; geometry here so templates do no arithmetic."""
    label_width, bar_area, bar_height, gap = 150, 300, 22, 10
    top = max((c.count for c in counts), default=0)
    bars = []
    for i, c in enumerate(counts):
        width = round(bar_area * c.count / top) if top else 0
        if c.count and width < 3:
            width = 3
        status: Status = c.key  # type: ignore[assignment]
        bars.append(
            ChartBar(
                status=status,
                label=c.label,
                mark=c.mark,
                count=c.count,
                y=i * (bar_height + gap),
                width=width,
                text_x=label_width + width + 8,
            )
        )
    height = len(counts) * (bar_height + gap) - gap
    return Chart(
        width=label_width + bar_area + 60,
        height=height,
        label_width=label_width,
        bar_height=bar_height,
        bars=tuple(bars),
    )


def _name_list(names: list[str]) -> str:
    """`A, B and C`, capped with `and N more`."""
    names = list(dict.fromkeys(names))
    if len(names) > KEY_GAP_NAMES:
        rest = len(names) - (KEY_GAP_NAMES - 1)
        names = [*names[: KEY_GAP_NAMES - 1], f"{rest} more"]
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " and " + names[-1]


def _plural(count: int, one: str, many: str) -> str:
    """`1 requirement` / `3 requirements`."""
    return f"{count} {one if count == 1 else many}"


def key_gaps(findings: tuple[FindingView, ...], service: str, after_eol: bool) -> str:
    """The most important gaps, in one paragraph."""
    gaps = [f for f in findings if f.status == "gap"]
    partial = [f for f in findings if f.status == "partial"]
    unknown = [f for f in findings if f.status == "unrecognized"]
    covered = [f for f in findings if f.status == "covered"]
    parts: list[str] = []
    if gaps:
        parts.append(
            f"{_plural(len(gaps), 'requirement has', 'requirements have')} no support in "
            f"{service}'s certifications and must be evidenced entirely by the organization: "
            f"{_name_list([f.framework_label for f in gaps])}."
        )
    if partial:
        parts.append(
            f"{_plural(len(partial), 'requirement is', 'requirements are')} only partly "
            f"supported ({_name_list([f.framework_label for f in partial])}); the caveats in "
            "the framework detail say what is missing."
        )
    if unknown:
        parts.append(
            f"{_plural(len(unknown), 'entry names', 'entries name')} no framework the catalog "
            f"knows ({_name_list([repr(clip(f.requirement, 80)) for f in unknown])}) and must be "
            "corrected before they can be assessed."
        )
    if after_eol:
        parts.append(
            f"The assessed period runs past {service}'s end of life, so none of its "
            "certifications can show coverage for it; assess the successor services instead."
        )
    shared = sum(1 for f in findings if f.shared)
    if shared:
        parts.append(
            f"{_plural(shared, 'item is', 'items are')} SHARED: Microsoft's evidence covers "
            "only its own part, and the organization must evidence the rest."
        )
    if not parts and covered:
        parts.append("Every requirement is covered; the organization's own duties remain.")
    if not parts:
        parts.append("The business unit lists no requirements.")
    return " ".join(parts)
