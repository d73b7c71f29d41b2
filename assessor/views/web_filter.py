"""Findings filtered and sorted for the results page, from its query parameters (pure).

The page works without JavaScript: a GET form sets `status`, `resp` (each repeatable),
`framework`, `shared=1` and `sort`; unknown values are ignored, never an error.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Literal
from urllib.parse import urlencode

from assessor.domain.models import RESPONSIBILITIES, STATUSES, AssessorModel, Responsibility, Status
from assessor.views.findings import FindingView
from assessor.views.labels import RESPONSIBILITY_LABELS, STATUS_LABELS, STATUS_MARKS

SortKey = Literal["ref", "status", "framework", "responsibility", "due"]
SORTS: dict[SortKey, str] = {
    "ref": "Workbook order",
    "status": "Status (gaps first)",
    "framework": "Framework",
    "responsibility": "Responsibility",
    "due": "Due date (earliest first)",
}
# Worst first: what needs attention leads.
_STATUS_RANK: dict[str, int] = {"unrecognized": 0, "gap": 1, "partial": 2, "covered": 3}
_RESP_RANK: dict[str, int] = {"customer": 0, "shared": 1, "microsoft": 2}


class Choice(AssessorModel):
    """One option of the filter form, and whether it is chosen now."""

    value: str
    label: str
    mark: str = ""
    chosen: bool = False


class FindingFilter(AssessorModel):
    """What the analyst asked the results page to show."""

    statuses: tuple[Status, ...] = ()  # empty: every status
    responsibilities: tuple[Responsibility, ...] = ()  # empty: every responsibility
    framework: str = ""  # a framework id, "none" (not recognized), or empty: every framework
    shared_only: bool = False
    sort: SortKey = "ref"

    @property
    def active(self) -> bool:
        """Whether anything is filtered or sorted away from the workbook order."""
        return bool(
            self.statuses
            or self.responsibilities
            or self.framework
            or self.shared_only
            or self.sort != "ref"
        )

    def query(self, **changes: object) -> str:
        """This filter (with changes) as a query string, for links that keep it."""
        flt = self.model_copy(update=changes)
        pairs: list[tuple[str, str]] = [("status", s) for s in flt.statuses]
        pairs += [("resp", r) for r in flt.responsibilities]
        if flt.framework:
            pairs.append(("framework", flt.framework))
        if flt.shared_only:
            pairs.append(("shared", "1"))
        if flt.sort != "ref":
            pairs.append(("sort", flt.sort))
        return urlencode(pairs)


def parse_filter(params: Iterable[tuple[str, str]]) -> FindingFilter:
    """The filter from query parameters; anything unknown is dropped."""
    statuses: list[Status] = []
    resps: list[Responsibility] = []
    framework = ""
    shared = False
    sort: SortKey = "ref"
    for key, raw in params:
        value = raw.strip()[:120]
        if key == "status":
            statuses += [s for s in STATUSES if s == value and s not in statuses]
        elif key == "resp":
            resps += [r for r in RESPONSIBILITIES if r == value and r not in resps]
        elif key == "framework":
            framework = value
        elif key == "shared":
            shared = value.lower() in ("1", "on", "true", "yes")
        elif key == "sort":
            sort = next((k for k in SORTS if k == value), "ref")
    return FindingFilter(
        statuses=tuple(s for s in STATUSES if s in statuses),
        responsibilities=tuple(r for r in RESPONSIBILITIES if r in resps),
        framework=framework,
        shared_only=shared,
        sort=sort,
    )


def _framework_key(f: FindingView) -> str:
    return f.framework.id if f.framework is not None else "none"


def _keep(f: FindingView, flt: FindingFilter) -> bool:
    if flt.statuses and f.status not in flt.statuses:
        return False
    if flt.responsibilities and f.responsibility not in flt.responsibilities:
        return False
    if flt.framework and _framework_key(f) != flt.framework:
        return False
    return not (flt.shared_only and not f.shared)


def apply_filter(findings: Sequence[FindingView], flt: FindingFilter) -> tuple[FindingView, ...]:
    """The findings the filter keeps, in the order it asks for (ties in workbook order)."""
    kept = [(i, f) for i, f in enumerate(findings) if _keep(f, flt)]
    if flt.sort == "status":
        kept.sort(key=lambda p: (_STATUS_RANK[p[1].status], p[0]))
    elif flt.sort == "framework":
        kept.sort(key=lambda p: (p[1].framework_label.casefold(), p[0]))
    elif flt.sort == "responsibility":
        kept.sort(key=lambda p: (_RESP_RANK[p[1].responsibility], p[0]))
    elif flt.sort == "due":
        kept.sort(key=lambda p: (p[1].columns.due or date.max, p[0]))
    return tuple(f for _, f in kept)


class FilterForm(AssessorModel):
    """The choices the results page's filter form offers, with what is chosen now."""

    statuses: tuple[Choice, ...]
    responsibilities: tuple[Choice, ...]
    frameworks: tuple[Choice, ...]
    sorts: tuple[Choice, ...]
    shared_only: bool
    active: bool
    query: str


def filter_form(findings: Iterable[FindingView], flt: FindingFilter) -> FilterForm:
    """The form's options: every status and responsibility, the frameworks the findings name."""
    names: dict[str, str] = {}
    for f in findings:
        key = _framework_key(f)
        names.setdefault(key, f.framework_short or f.framework_label if key != "none" else "")
    frameworks = sorted(((k, v) for k, v in names.items() if k != "none"), key=lambda kv: kv[1])
    if "none" in names:
        frameworks.append(("none", "Not recognized"))
    return FilterForm(
        statuses=tuple(
            Choice(value=s, label=STATUS_LABELS[s], mark=STATUS_MARKS[s], chosen=s in flt.statuses)
            for s in STATUSES
        ),
        responsibilities=tuple(
            Choice(value=r, label=RESPONSIBILITY_LABELS[r], chosen=r in flt.responsibilities)
            for r in RESPONSIBILITIES
        ),
        frameworks=tuple(
            Choice(value=k, label=label, chosen=k == flt.framework) for k, label in frameworks
        ),
        sorts=tuple(Choice(value=k, label=v, chosen=k == flt.sort) for k, v in SORTS.items()),
        shared_only=flt.shared_only,
        active=flt.active,
        query=flt.query(),
    )
