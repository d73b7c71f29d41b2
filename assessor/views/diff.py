"""What changed between two runs, per unit and requirement, and why (pure).

Reads two report sets already loaded as JSON (`parse_report`), matches requirements, and names
each change's causes from typed data only: reason codes and their facts, certifications,
evidence, the period, services and the catalog's SHA-256; never from the reports' sentences.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from assessor.domain.errors import InputError, Issue
from assessor.domain.models import AssessorModel, Status
from assessor.domain.text import long_date
from assessor.views.labels import STATUS_LABELS, STATUS_MARKS

SCHEMA_VERSION = 1  # docs/diff-schema.json
CauseKind = Literal["requirement", "period", "service", "catalog", "evidence", "unexplained"]
CAUSES: tuple[CauseKind, ...] = (
    "requirement",
    "period",
    "service",
    "catalog",
    "evidence",
    "unexplained",
)
RANK: dict[Status, int] = {"covered": 3, "partial": 2, "gap": 1, "unrecognized": 1}
# Reasons that follow the period judged: they appear or go when the period or as-of date moves.
PERIOD_CODES = frozenset(
    {
        "eol-period",
        "eol-undated",
        "asked-edition-retired",
        "asked-edition-retiring",
        "edition-retired-held",
        "list-as-of",
    }
)
# Reasons that follow the service assessed.
SERVICE_CODES = frozenset(
    {"cert-not-listed", "certifications-not-listed", "no-certification", "eol-period"}
)
SCOPE_CODES = {
    "scope-claimed": "claimed",
    "scope-unconfirmed": "unconfirmed",
    "scope-last-seen": "last seen outside the period's window",
    "scope-not-listed": "not listed",
    "cert-not-listed": "not listed by any source",
}

# ---------------------------------------------------------------------------
# The report JSON as read (tolerant of names added later: services, evidence state)


class _Loose(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class SourceIn(_Loose):
    """Where a finding's requirement was read."""

    file: str = ""
    sheet: str
    row: int


class FrameworkIn(_Loose):
    """The framework a finding is about."""

    id: str
    name: str = ""
    version: str | None = None


class EvidenceIn(_Loose):
    """An evidence document; `state` once an evidence register is on file."""

    title: str
    certification: str = ""
    state: str | None = None


class ReasonIn(_Loose):
    """A typed reason: its code, effect and facts (flat in the report JSON)."""

    code: str
    effect: str = ""
    data: dict[str, Any] = {}

    @model_validator(mode="before")
    @classmethod
    def _nest(cls, value: Any) -> Any:
        if isinstance(value, dict) and "data" not in value:
            data = {k: v for k, v in value.items() if k not in ("code", "effect")}
            return {"code": value.get("code"), "effect": value.get("effect", ""), "data": data}
        return value


class FindingIn(_Loose):
    """One finding as the report JSON has it."""

    source: SourceIn
    requirement: str
    framework: FrameworkIn | None
    status: Status
    certifications: tuple[str, ...] = ()
    evidence: tuple[EvidenceIn, ...] = ()
    reasons: tuple[ReasonIn, ...] = ()


class PeriodIn(_Loose):
    """The period judged."""

    start: date | None = None
    end: date
    basis: str = ""


class CatalogIn(_Loose):
    """The catalog's identity."""

    sha256: str
    as_of: date | None = None


class ReportIn(_Loose):
    """One unit's report JSON, as far as the diff reads it."""

    schema_version: int
    business_unit: str
    as_of: date
    catalog: CatalogIn
    period: PeriodIn | None = None
    services: Any = None  # report-level services, once reports carry them
    findings: tuple[FindingIn, ...]


def parse_report(data: object, label: str) -> ReportIn:
    """A report JSON document, or InputError naming the file and what is wrong."""
    if not isinstance(data, dict) or not {"business_unit", "findings"} <= set(data):
        raise InputError(
            f"{label}: not an assessor report JSON",
            hint="give a unit report (<unit>.json) or a folder with manifest.json",
        )
    try:
        return ReportIn.model_validate(data)
    except ValidationError as err:
        issues = [Issue(".".join(str(p) for p in e["loc"]), e["msg"]) for e in err.errors()[:10]]
        raise InputError(f"{label}: not a valid assessor report JSON", issues) from None


class Snapshot(AssessorModel):
    """One side of the diff: where it came from and its unit reports by name."""

    file: str
    as_of: date
    catalog_sha256: str
    reports: dict[str, ReportIn]


# ---------------------------------------------------------------------------
# The diff view


class Cause(AssessorModel):
    """One reason a requirement's result changed."""

    cause: CauseKind
    detail: str


class Change(AssessorModel):
    """One requirement whose status or reasons changed (or that was added or removed)."""

    requirement: str
    framework_id: str | None
    location: str
    old_status: Status | None
    new_status: Status | None
    causes: tuple[Cause, ...]
    regression: bool
    old_label: str = "\u2014"  # for people: "Partial", or a dash when added
    new_label: str = "\u2014"
    old_mark: str = ""
    new_mark: str = ""


class UnitDiff(AssessorModel):
    """A unit present in both runs and what changed in it."""

    business_unit: str
    changes: tuple[Change, ...]


class Side(AssessorModel):
    """A run's identity as the diff names it."""

    file: str
    as_of: date
    catalog_sha256: str


class DiffView(AssessorModel):
    """Everything the diff's table, JSON, HTML and PDF show."""

    schema_version: int = SCHEMA_VERSION
    old: Side
    new: Side
    units: tuple[UnitDiff, ...]
    added_units: tuple[str, ...]
    removed_units: tuple[str, ...]
    regressions: int
    title: str
    since_label: str
    new_label: str = ""
    changes: int = 0


# ---------------------------------------------------------------------------
# Matching


def _fw(f: FindingIn) -> str:
    return f.framework.id if f.framework is not None else f"?{' '.join(f.requirement.split())}"


def _cell(f: FindingIn) -> str:
    return f"{f.source.sheet}!{f.source.row}"


def match(
    old: Iterable[FindingIn], new: Iterable[FindingIn]
) -> tuple[list[tuple[FindingIn, FindingIn]], list[FindingIn], list[FindingIn]]:
    """Pairs of the same requirement, then those only in the old run and only in the new.

    Same cell and framework first; then the same framework on another row (row moved); then
    the same cell with another framework (the entry was changed).
    """
    left, right = list(old), list(new)
    pairs: list[tuple[FindingIn, FindingIn]] = []
    for key in (
        lambda f: (f.source.sheet, f.source.row, _fw(f)),
        lambda f: (_fw(f),),
        lambda f: (f.source.sheet, f.source.row),
    ):
        waiting: dict[tuple[object, ...], list[FindingIn]] = {}
        for f in left:
            waiting.setdefault(key(f), []).append(f)
        rest: list[FindingIn] = []
        for f in right:
            bucket = waiting.get(key(f))
            if bucket:
                pairs.append((bucket.pop(0), f))
            else:
                rest.append(f)
        left = [f for bucket in waiting.values() for f in bucket]
        right = rest
        left.sort(key=lambda f: (f.source.sheet, f.source.row))
    return pairs, left, right


# ---------------------------------------------------------------------------
# Facts behind a finding, from its reasons (codes and data, never sentences)


def _subject(reason: ReasonIn) -> str:
    for key in ("certification", "label", "asked", "framework", "service"):
        value = reason.data.get(key)
        if isinstance(value, str) and value:
            return value
    return ""


def facts(f: FindingIn) -> dict[tuple[str, str], Any]:
    """The finding's facts: scope per certification, then each other reason by code and subject."""
    out: dict[tuple[str, str], Any] = {}
    by_cert: dict[str, list[ReasonIn]] = {}
    scoped: list[ReasonIn] = []
    for r in f.reasons:
        cert = str(r.data.get("certification", ""))
        if r.code in SCOPE_CODES and cert in f.certifications:
            by_cert.setdefault(cert, []).append(r)
            scoped.append(r)
    scopes: dict[str, tuple[str, Any]] = {}
    for cert, found in by_cert.items():
        if len(found) == 1:
            scopes[cert] = (SCOPE_CODES[found[0].code], found[0].data)
        else:  # several services fall short: say each one's state
            states = sorted(f"{r.data.get('service', '?')}: {SCOPE_CODES[r.code]}" for r in found)
            scopes[cert] = ("; ".join(states), {})
    for cert in f.certifications:
        out[("scope", cert)] = scopes.get(cert, ("confirmed", {}))
    for r in f.reasons:
        if any(r is seen for seen in scoped):
            continue
        key = (r.code, _subject(r))
        if r.code in ("catalog-caveat", "recognizer-note"):
            key = (r.code, f"{_subject(r)}#{json.dumps(r.data, sort_keys=True)}")
        out[key] = r.data
    return out


def _show(value: object) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value) or "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value) if value not in (None, "") else "none"


def _fact_text(key: tuple[str, str], old: Any, new: Any, service: str) -> str:
    """`scope of pci-dss for Microsoft Managed Desktop: claimed → confirmed`, and the like."""
    code, subject = key
    if code == "scope":
        where = service
        for side in (old, new):
            if side is not None and isinstance(side[1].get("service"), str):
                where = side[1]["service"]
        was = old[0] if old is not None else "not held"
        now = new[0] if new is not None else "not held"
        return f"scope of {subject} for {where}: {was} \u2192 {now}"
    name = subject.split("#")[0]
    label = f"{code} ({name})" if name else code
    if old is None:
        return f"{label}: added"
    if new is None:
        return f"{label}: no longer applies"
    fields = [
        f"{k} {_show(old.get(k))} \u2192 {_show(new.get(k))}"
        for k in sorted(set(old) | set(new))
        if old.get(k) != new.get(k)
    ]
    return f"{label}: " + "; ".join(fields)


def _services(report: ReportIn) -> tuple[str, ...] | None:
    """The report's services as names, when the report lists them."""
    if report.services is None:
        return None
    items = report.services if isinstance(report.services, list) else [report.services]
    names = []
    for item in items:
        if isinstance(item, dict):
            names.append(
                str(item.get("name") or item.get("id") or json.dumps(item, sort_keys=True))
            )
        else:
            names.append(str(item))
    return tuple(sorted(names))


def _period_text(report: ReportIn) -> str:
    p = report.period
    if p is None:
        return f"as of {report.as_of.isoformat()}"
    if p.start is None:
        return f"up to {p.end.isoformat()}"
    return f"{p.start.isoformat()} to {p.end.isoformat()}"


class _Context(AssessorModel):
    """What moved at the unit and run level, with how to say it."""

    catalog: bool
    period: str | None  # what moved: "audit period A → B; as-of X → Y", or None
    service: str | None
    service_name: str


def _context(old: ReportIn, new: ReportIn, catalog_changed: bool) -> _Context:
    moves = []
    if old.period is not None and new.period is not None and old.period != new.period:
        moves.append(f"audit period {_period_text(old)} \u2192 {_period_text(new)}")
    if old.as_of != new.as_of:
        moves.append(f"as-of {old.as_of.isoformat()} \u2192 {new.as_of.isoformat()}")
    old_services, new_services = _services(old), _services(new)
    service = None
    if old_services is not None and new_services is not None and old_services != new_services:
        service = f"services {_show(old_services)} \u2192 {_show(new_services)}"
    name = ""
    for f in (*new.findings, *old.findings):
        for r in f.reasons:
            if isinstance(r.data.get("service"), str):
                name = r.data["service"]
                break
        if name:
            break
    return _Context(
        catalog=catalog_changed,
        period="; ".join(moves) or None,
        service=service,
        service_name=name or "the service",
    )


PERIOD_FIELDS = frozenset(
    {"straddles"}
)  # facts of a reason that follow the period, not the catalog


def _fact_cause(code: str, old: Any, new: Any, ctx: _Context) -> CauseKind:
    """Which moved input explains one changed fact."""
    both = old is not None and new is not None
    if both and ctx.period is not None and code in PERIOD_CODES and code != "scope":
        moved = {k for k in set(old) | set(new) if old.get(k) != new.get(k)}
        if moved <= PERIOD_FIELDS:
            return "period"
    if ctx.service is not None and code in SERVICE_CODES and not both:
        return "service"
    if ctx.period is not None and code in PERIOD_CODES and not both:
        return "period"
    if ctx.catalog:
        return "catalog"
    if ctx.period is not None and code in PERIOD_CODES:
        return "period"
    if ctx.service is not None:
        return "service"
    return "unexplained"


def _causes(old: FindingIn, new: FindingIn, ctx: _Context) -> dict[CauseKind, list[str]]:
    """Every cause of the difference between the same requirement's two findings."""
    causes: dict[CauseKind, list[str]] = {}

    def add(kind: CauseKind, text: str) -> None:
        causes.setdefault(kind, []).append(text)

    if _fw(old) != _fw(new):
        add("requirement", f"framework {_fw(old)} \u2192 {_fw(new)}")
        return causes  # another framework: its facts are not comparable
    if old.requirement != new.requirement:
        add(
            "requirement",
            f"text \u201c{old.requirement}\u201d \u2192 \u201c{new.requirement}\u201d",
        )
    old_version = old.framework.version if old.framework else None
    new_version = new.framework.version if new.framework else None
    if old_version != new_version:
        add("requirement", f"version {_show(old_version)} \u2192 {_show(new_version)}")
    if _cell(old) != _cell(new):
        add("requirement", f"row {_cell(old)} \u2192 {_cell(new)}")
    if "requirement" in causes and (
        old_version != new_version or old.requirement != new.requirement
    ):
        return causes  # another request: the facts follow from it
    before, after = facts(old), facts(new)
    for key in sorted(set(before) | set(after)):
        a, b = before.get(key), after.get(key)
        if a == b:
            continue
        add(_fact_cause(key[0], a, b, ctx), _fact_text(key, a, b, ctx.service_name))
    moves: tuple[tuple[CauseKind, str | None], ...] = (
        ("period", ctx.period),
        ("service", ctx.service),
    )
    for kind, moved in moves:
        if moved and kind in causes:
            causes[kind] = [f"{moved}: " + "; ".join(causes[kind])]
    certs = _delta(old.certifications, new.certifications)
    if certs:
        add("catalog" if ctx.catalog else "unexplained", f"certifications {certs}")
    titles = _delta([e.title for e in old.evidence], [e.title for e in new.evidence])
    if titles:
        add("catalog" if ctx.catalog else "unexplained", f"evidence documents {titles}")
    old_state = {e.title: e.state for e in old.evidence}
    for ev in new.evidence:
        if ev.title in old_state and ev.state != old_state[ev.title]:
            add(
                "evidence",
                f"state of {ev.title}: {_show(old_state[ev.title])} \u2192 {_show(ev.state)}",
            )
    if not causes and old.status != new.status:
        kind = "catalog" if ctx.catalog else ("period" if ctx.period else "unexplained")
        add(kind, "the status follows from the changed " + ("catalog" if ctx.catalog else "inputs"))
    return causes


def _delta(old: Iterable[str], new: Iterable[str]) -> str:
    a, b = list(dict.fromkeys(old)), list(dict.fromkeys(new))
    parts = [f"+ {x}" for x in b if x not in a] + [f"\u2212 {x}" for x in a if x not in b]
    return ", ".join(parts)


def _change(
    old: FindingIn | None, new: FindingIn | None, causes: Mapping[CauseKind, list[str]]
) -> Change:
    either = new or old
    assert either is not None
    regression = old is not None and new is not None and RANK[new.status] < RANK[old.status]
    return Change(
        requirement=either.requirement,
        framework_id=either.framework.id if either.framework else None,
        location=_cell(either),
        old_status=old.status if old else None,
        new_status=new.status if new else None,
        causes=tuple(
            Cause(cause=kind, detail="; ".join(dict.fromkeys(causes[kind])))
            for kind in CAUSES
            if kind in causes
        ),
        regression=regression,
        old_label=STATUS_LABELS[old.status] if old else "\u2014",
        new_label=STATUS_LABELS[new.status] if new else "\u2014",
        old_mark=STATUS_MARKS[old.status] if old else "",
        new_mark=STATUS_MARKS[new.status] if new else "",
    )


_REMOVED: dict[CauseKind, list[str]] = {"requirement": ["removed"]}
_ADDED: dict[CauseKind, list[str]] = {"requirement": ["added"]}


def unit_changes(old: ReportIn, new: ReportIn, *, catalog_changed: bool) -> tuple[Change, ...]:
    """Every requirement of one unit whose status or reasons changed, added or removed."""
    ctx = _context(old, new, catalog_changed)
    pairs, removed, added = match(old.findings, new.findings)
    out: list[tuple[tuple[str, int], Change]] = []
    for a, b in pairs:
        same_facts = (
            a.status == b.status
            and facts(a) == facts(b)
            and a.certifications == b.certifications
            and [(e.title, e.state) for e in a.evidence] == [(e.title, e.state) for e in b.evidence]
        )
        if same_facts and _fw(a) == _fw(b):
            continue
        causes = _causes(a, b, ctx)
        if not causes:
            continue
        out.append(((b.source.sheet, b.source.row), _change(a, b, causes)))
    out += [((f.source.sheet, f.source.row), _change(f, None, _REMOVED)) for f in removed]
    out += [((f.source.sheet, f.source.row), _change(None, f, _ADDED)) for f in added]
    out.sort(key=lambda kv: kv[0])
    return tuple(c for _, c in out)


def compute_diff(old: Snapshot, new: Snapshot) -> DiffView:
    """The diff between two runs: per unit in both, its changes; units added and removed."""
    units = []
    for name in sorted(set(old.reports) & set(new.reports), key=lambda n: (n.casefold(), n)):
        a, b = old.reports[name], new.reports[name]
        changes = unit_changes(a, b, catalog_changed=a.catalog.sha256 != b.catalog.sha256)
        if changes:
            units.append(UnitDiff(business_unit=name, changes=changes))
    return DiffView(
        old=Side(file=old.file, as_of=old.as_of, catalog_sha256=old.catalog_sha256),
        new=Side(file=new.file, as_of=new.as_of, catalog_sha256=new.catalog_sha256),
        units=tuple(units),
        added_units=tuple(sorted(set(new.reports) - set(old.reports))),
        removed_units=tuple(sorted(set(old.reports) - set(new.reports))),
        regressions=sum(1 for u in units for c in u.changes if c.regression),
        title=f"Changes since {long_date(old.as_of)}",
        since_label=long_date(old.as_of),
        new_label=long_date(new.as_of),
        changes=sum(len(u.changes) for u in units),
    )


def diff_json(view: DiffView) -> dict[str, Any]:
    """The diff's JSON contract (docs/diff-schema.json)."""
    return {
        "schema_version": view.schema_version,
        "old": _side_json(view.old),
        "new": _side_json(view.new),
        "units": [
            {
                "business_unit": u.business_unit,
                "changes": [
                    {
                        "requirement": c.requirement,
                        "framework_id": c.framework_id,
                        "location": c.location,
                        "old_status": c.old_status,
                        "new_status": c.new_status,
                        "regression": c.regression,
                        "causes": [{"cause": k.cause, "detail": k.detail} for k in c.causes],
                    }
                    for c in u.changes
                ],
            }
            for u in view.units
        ],
        "added_units": list(view.added_units),
        "removed_units": list(view.removed_units),
    }


def _side_json(side: Side) -> dict[str, str]:
    return {
        "file": side.file,
        "as_of": side.as_of.isoformat(),
        "catalog_sha256": side.catalog_sha256,
    }
