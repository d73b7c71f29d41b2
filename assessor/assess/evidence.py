"""Evidence on file against a unit's audit period: the period arithmetic and the five states.

Pure: no files, no clock (the as-of date is passed in). Every rule comes from the catalog's
evidence.yaml, with its sources; nothing here writes English (the views word the states).

- `on-file`: documents on file cover every day of the period and list the unit's service
  (a bridge letter may close a gap after a report of at most `bridge_max_days`);
- `period-gap`: some days are covered, others are not (named in `uncovered`);
- `expired`: a certificate, AoC or letter lapsed before the period ends;
- `service-not-listed`: the documents on file do not list the unit's service;
- `to-request`: nothing on file.

The one place evidence changes a status is `lift_scope` (the service-profile hook, §3).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from assessor.domain.models import (
    Catalog,
    CertEvidenceRule,
    DateRange,
    EvidenceRecord,
    EvidenceRef,
    EvidenceState,
    EvidenceStatus,
    KindRule,
    Period,
    Reason,
    RegisterRef,
    ServiceProfile,
)

ONE_DAY = timedelta(days=1)
# Scope blockers a document on file can lift (scope-last-seen arrives with the service profiles).
LIFTABLE_SCOPE = frozenset({"scope-claimed", "scope-unconfirmed", "scope-last-seen"})
SHORT_STATES = frozenset({"period-gap", "expired", "service-not-listed"})

# ---------------------------------------------------------------------------
# Date arithmetic (inclusive ranges)


def add_months(day: date, months: int) -> date:
    """`day` moved by whole months, clamped to the month's last day (31 Jan + 1 = 28/29 Feb)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def days(span: DateRange) -> int:
    """How many days a range holds, both ends included."""
    return (span.end - span.start).days + 1


def merge(spans: Iterable[DateRange]) -> list[DateRange]:
    """Overlapping or touching ranges joined, sorted."""
    out: list[DateRange] = []
    for span in sorted(spans, key=lambda s: (s.start, s.end)):
        if out and span.start <= out[-1].end + ONE_DAY:
            if span.end > out[-1].end:
                out[-1] = DateRange(start=out[-1].start, end=span.end)
        else:
            out.append(span)
    return out


def uncovered(target: DateRange, covers: Iterable[DateRange]) -> list[DateRange]:
    """The days of `target` no range in `covers` holds, as maximal ranges in order."""
    out: list[DateRange] = []
    cursor = target.start
    for span in merge(covers):
        if span.end < cursor:
            continue
        if span.start > target.end:
            break
        if span.start > cursor:
            out.append(DateRange(start=cursor, end=span.start - ONE_DAY))
        if span.end >= target.end:
            return out
        cursor = span.end + ONE_DAY
    out.append(DateRange(start=cursor, end=target.end))
    return out


def audit_range(period: Period) -> DateRange:
    """The days judged: the audit period, or the as-of day alone when there is none."""
    return DateRange(start=period.start or period.end, end=period.end)


def _anchor_on_or_after(day: date, ends: Sequence[str]) -> date:
    """The first day on or after `day` that is one of the `MM-DD` report period ends."""
    found: list[date] = []
    for year in (day.year, day.year + 1):
        for end in ends:
            month, dom = (int(part) for part in end.split("-"))
            last = calendar.monthrange(year, month)[1]
            candidate = date(year, month, min(dom, last))
            if candidate >= day:
                found.append(candidate)
    return min(found)


def report_periods(gap: DateRange, rule: CertEvidenceRule) -> list[DateRange]:
    """The report periods (ending on the rule's days, `period_months` long) that cover a gap."""
    if not rule.period_ends or rule.period_months is None:
        return [gap]
    out: list[DateRange] = []
    end = gap.end
    for _ in range(64):  # a period of at least one month: 64 steps cover any real gap
        stop = _anchor_on_or_after(end, rule.period_ends)
        start = add_months(stop, -rule.period_months) + ONE_DAY
        out.append(DateRange(start=start, end=stop))
        if start <= gap.start:
            break
        end = start - ONE_DAY
    return sorted(out, key=lambda s: s.start)


# ---------------------------------------------------------------------------
# One register row


def _key(text: str) -> str:
    return re.sub(r"[^0-9a-z]+", "", text.casefold())


def lists_service(record: EvidenceRecord, service: ServiceProfile) -> bool:
    """The row's Services listed names the service (by name, or by its id as a word)."""
    name, ident = _key(service.name), service.id.casefold()
    for entry in record.services:
        if name and name in _key(entry):
            return True
        if re.search(rf"(?<![0-9a-z]){re.escape(ident)}(?![0-9a-z])", entry.casefold()):
            return True
    return False


def effective_basis(kind: KindRule | None, cert: CertEvidenceRule | None) -> str:
    """How a document counts: its kind's basis, except that a certification with a validity of
    its own makes its reports count from their date (IRAP: 24 months from the assessment)."""
    basis = kind.basis if kind is not None else "period"
    if basis == "period" and cert is not None and cert.validity_months is not None:
        return "validity"
    return basis


@dataclass(frozen=True)
class Coverage:
    """The days one row counts for, and what ended it."""

    span: DateRange | None  # None: the row gives no dates to count from
    limit: str | None  # "period", "expires", "validity", "cadence", "hard-end"
    edition: str | None = None  # the edition a hard end applies to


def coverage(
    record: EvidenceRecord, kind: KindRule | None, cert: CertEvidenceRule | None
) -> Coverage:
    """What one row on file counts for.

    Reports count over their period (or, given only an issue date, until the next document the
    cadence expects). Certificates, AoCs and letters count from issue to the earliest of their
    expiry, their validity (kind's or certification's) and any hard end of their edition.
    """
    basis = effective_basis(kind, cert)
    validity = (cert.validity_months if cert is not None else None) or (
        kind.validity_months if kind is not None else None
    )
    ends: list[tuple[date, str, str | None]] = []
    if basis == "validity":
        start = record.issued or record.period_start
        if start is None:
            return Coverage(None, None)
        if record.expires is not None:
            ends.append((record.expires, "expires", None))
        elif record.period_end is not None:
            ends.append((record.period_end, "period", None))
        if validity is not None:
            ends.append((add_months(start, validity) - ONE_DAY, "validity", None))
        ends.extend(
            (hard.date, "hard-end", hard.edition)
            for hard in (cert.hard_ends if cert is not None else ())
            if not re.search(hard.unless_title, record.title, re.IGNORECASE)
        )
    else:
        start = record.period_start or record.issued
        if start is None:
            return Coverage(None, None)
        if record.period_end is not None:
            ends.append((record.period_end, "period", None))
        elif record.expires is not None:
            ends.append((record.expires, "expires", None))
        elif record.issued is not None and cert is not None:
            ends.append((add_months(record.issued, cert.cadence_months) - ONE_DAY, "cadence", None))
    if not ends:
        return Coverage(None, None)
    end, limit, edition = min(ends, key=lambda e: e[0])
    if end < start:
        return Coverage(None, limit, edition)
    return Coverage(DateRange(start=start, end=end), limit, edition)


def register_ref(record: EvidenceRecord) -> RegisterRef:
    """A row as the JSON contract names it, with its file's SHA-256 when it was found."""
    found = record.file
    return RegisterRef(
        file=record.source.file,
        sheet=record.source.sheet,
        row=record.source.row,
        title=record.title,
        sha256=found.sha256 if found is not None and found.status == "found" else None,
    )


def for_unit(records: Iterable[EvidenceRecord], unit: str) -> tuple[EvidenceRecord, ...]:
    """The rows that apply to a unit: those naming it, and those naming none."""
    key = unit.casefold()
    return tuple(r for r in records if r.business_unit is None or r.business_unit.casefold() == key)


# ---------------------------------------------------------------------------
# The judge: one unit, one period


class EvidenceJudge:
    """The state of each document a unit's findings need, against its register and period."""

    def __init__(
        self,
        catalog: Catalog,
        records: Sequence[EvidenceRecord],
        *,
        services: Sequence[ServiceProfile],
        period: Period,
        as_of: date,
        next_period_end: date | None = None,
    ) -> None:
        self.catalog = catalog
        self.rules = catalog.evidence
        self.records = tuple(records)
        self.services = tuple(services)  # a document must list every one of them
        self.period = period
        self.as_of = as_of
        self.next_period_end = next_period_end
        self.audit = audit_range(period)
        self._keys: dict[str, tuple[str, str]] = {}
        self._bridges: dict[str, set[str]] = {}  # certification -> its bridge-letter doc ids
        for cert in catalog.certifications:
            for doc in cert.evidence:
                self._keys[doc.id] = (doc.title_pattern, doc.kind)
                if doc.kind == "bridge-letter":
                    self._bridges.setdefault(cert.id, set()).add(doc.id)
        self._cache: dict[tuple[str, str, str], EvidenceStatus] = {}

    @property
    def service_names(self) -> str:
        """The services judged, for reasons: `Microsoft Intune and Windows Autopatch`."""
        names = [svc.name for svc in self.services]
        return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"

    def lists(self, record: EvidenceRecord) -> bool:
        """The row lists every service judged."""
        return all(lists_service(record, svc) for svc in self.services)

    def narrowed(self, service: ServiceProfile) -> EvidenceJudge:
        """The same register and period judged for one service (the scope lift is per service)."""
        if self.services == (service,):
            return self
        return EvidenceJudge(
            self.catalog,
            self.records,
            services=(service,),
            period=self.period,
            as_of=self.as_of,
            next_period_end=self.next_period_end,
        )

    def rows_for(self, title: str, kind: str) -> list[EvidenceRecord]:
        """The register rows recognized as the document with this title pattern and kind."""
        return [
            r
            for r in self.records
            if any(self._keys.get(doc) == (title, kind) for doc in r.documents)
        ]

    def status(self, ref: EvidenceRef) -> EvidenceStatus:
        """The state of one document a finding needs (cached per document and certification)."""
        key = (ref.title, ref.kind, ref.certification)
        found = self._cache.get(key)
        if found is None:
            found = self._judge(ref.title, ref.kind, ref.certification)
            self._cache[key] = found
        return found

    def judged(self, ref: EvidenceRef) -> EvidenceRef:
        """The reference with its state attached."""
        return ref.model_copy(update={"status": self.status(ref)})

    # -- the rules -------------------------------------------------------------------------

    def _cadence(self, cert: CertEvidenceRule | None) -> dict[str, object]:
        if cert is None:
            return {}
        source = cert.sources[0]
        try:
            checked: date | None = self.catalog.source(source).checked
        except KeyError:
            checked = None
        return {
            "cadence_months": cert.cadence_months,
            "cadence_source": source,
            "cadence_checked": checked,
        }

    def _request(
        self, cert: CertEvidenceRule | None, gaps: Sequence[DateRange]
    ) -> tuple[DateRange, ...]:
        spans: list[DateRange] = []
        for gap in gaps:
            spans += report_periods(gap, cert) if cert is not None else [gap]
        unique = {(s.start, s.end): s for s in spans}
        return tuple(unique[k] for k in sorted(unique))

    def _judge(self, title: str, kind: str, cert_id: str) -> EvidenceStatus:
        kind_rule = self.rules.kind(kind)
        cert_rule = self.rules.certification(cert_id)
        cadence = self._cadence(cert_rule)
        basis = effective_basis(kind_rule, cert_rule)
        mine = self.rows_for(title, kind)
        considered = tuple(register_ref(r) for r in mine)
        wanted = () if basis in ("undated", "bridge") else (self.audit,)
        if not mine:
            return EvidenceStatus(
                state="to-request", request=self._request(cert_rule, wanted)
            ).model_copy(update=cadence)
        needs_service = kind_rule is None or kind_rule.lists_services
        listing = [r for r in mine if not needs_service or self.lists(r)]
        spans = {id(r): coverage(r, kind_rule, cert_rule) for r in mine}
        covered = tuple(merge(c.span for c in spans.values() if c.span is not None))
        if not listing:
            best = max(mine, key=lambda r: _end(spans[id(r)]))
            return EvidenceStatus(
                state="service-not-listed",
                on_file=register_ref(best),
                considered=considered,
                covered=covered,
                request=self._request(cert_rule, wanted),
            ).model_copy(update=cadence)
        if basis in ("undated", "bridge"):
            return EvidenceStatus(
                state="on-file",
                on_file=register_ref(listing[0]),
                considered=considered,
                covered=covered,
            ).model_copy(update=cadence)
        return self._dated(listing, spans, considered, cert_id, basis, cert_rule, cadence)

    def _dated(
        self,
        listing: Sequence[EvidenceRecord],
        spans: Mapping[int, Coverage],
        considered: tuple[RegisterRef, ...],
        cert_id: str,
        basis: str,
        cert_rule: CertEvidenceRule | None,
        cadence: dict[str, object],
    ) -> EvidenceStatus:
        own = [spans[id(r)].span for r in listing]
        covered = tuple(merge(s for s in own if s is not None))
        gaps = uncovered(self.audit, covered)
        long_gap = any(days(g) > self.rules.bridge_max_days for g in gaps)
        bridged: list[DateRange] = []
        bridge: RegisterRef | None = None
        if basis == "period" and gaps:
            gaps, bridged, bridge = self._bridge(gaps, covered, cert_id)
        best = max(listing, key=lambda r: _end(spans[id(r)]))
        last = spans[id(best)]
        valid_to = last.span.end if last.span is not None else None
        state: EvidenceState
        if not gaps:
            state = "on-file"
        elif basis == "validity" and (valid_to is None or valid_to < self.audit.end):
            state = "expired"
        else:
            state = "period-gap"
        expiring = None
        if basis == "validity" and valid_to is not None and valid_to >= self.as_of:
            soon = valid_to <= self.as_of + timedelta(days=self.rules.lookahead_days)
            before_next = self.next_period_end is not None and valid_to < self.next_period_end
            if soon or before_next:
                expiring = valid_to
        next_refresh = None
        if cert_rule is not None:
            anchor = best.period_end if basis == "period" else (best.issued or best.period_start)
            if anchor is not None:
                next_refresh = add_months(anchor, cert_rule.cadence_months)
        return EvidenceStatus(
            state=state,
            on_file=register_ref(best),
            considered=considered,
            covered=covered,
            uncovered=tuple(gaps),
            bridged=tuple(bridged),
            bridge=bridge,
            long_gap=long_gap and bool(gaps),
            valid_to=valid_to,
            limit=last.limit,
            limit_edition=last.edition,
            expiring=expiring,
            next_refresh=next_refresh,
            request=self._request(cert_rule, gaps),
        ).model_copy(update=cadence)

    def _bridge(
        self, gaps: Sequence[DateRange], covered: Sequence[DateRange], cert_id: str
    ) -> tuple[list[DateRange], list[DateRange], RegisterRef | None]:
        """Close gaps that follow a report with a bridge letter on file (three months at most).

        A letter speaks for the days after the report before it, up to its own date: it closes a
        gap from the gap's first day to the letter's end, never a gap at the period's start.
        """
        letters = self._bridges.get(cert_id, set())
        rows = [r for r in self.records if letters & set(r.documents) and self.lists(r)]
        ends = {s.end for s in covered}
        left: list[DateRange] = []
        bridged: list[DateRange] = []
        used: RegisterRef | None = None
        for gap in gaps:
            follows = gap.start - ONE_DAY in ends
            if not follows or days(gap) > self.rules.bridge_max_days:
                left.append(gap)
                continue
            best: tuple[date, EvidenceRecord] | None = None
            for row in rows:
                start = row.period_start or gap.start
                stop = row.period_end or row.issued
                if stop is None or start > gap.start or stop < gap.start:
                    continue
                if best is None or stop > best[0]:
                    best = (stop, row)
            if best is None:
                left.append(gap)
                continue
            stop = min(best[0], gap.end)
            bridged.append(DateRange(start=gap.start, end=stop))
            used = used or register_ref(best[1])
            if stop < gap.end:
                left.append(DateRange(start=stop + ONE_DAY, end=gap.end))
        return left, bridged, used


def _end(found: Coverage) -> date:
    return found.span.end if found.span is not None else date.min


# ---------------------------------------------------------------------------
# §3: evidence on file lifts a scope blocker (the one place evidence changes a status)


def evidence_confirms(status: EvidenceStatus, kind: KindRule | None) -> bool:
    """A document on file confirms scope for the period: a kind that names its scope, on file
    for every day of the period, listing the unit's service."""
    return kind is not None and kind.confirms_scope and status.state == "on-file"


def lift_scope(
    reasons: Sequence[Reason],
    judge: EvidenceJudge | None,
    certification: str,
    refs: Sequence[EvidenceRef],
) -> list[Reason]:
    """A certification's scope reasons, with a scope blocker lifted by a document on file.

    `reasons`: what the scope rule returned for `certification`; `refs`: that certification's
    evidence documents. A document on file that covers the period and lists the service
    replaces exactly the `scope-claimed` / `scope-unconfirmed` / `scope-last-seen` blocker with
    `evidence-on-file` (informs), naming the register row. One that falls short (a gap, expired,
    another service) keeps the blocker and adds `evidence-falls-short`, naming why.
    """
    if judge is None:
        return list(reasons)
    out: list[Reason] = []
    for found in reasons:
        if found.code not in LIFTABLE_SCOPE:
            out.append(found)
            continue
        statuses = [
            (ref, judge.status(ref))
            for ref in refs
            if (rule := judge.rules.kind(ref.kind)) is not None and rule.confirms_scope
        ]
        confirming = [
            (ref, s) for ref, s in statuses if evidence_confirms(s, judge.rules.kind(ref.kind))
        ]
        if confirming:
            ref, status = confirming[0]
            assert status.on_file is not None
            out.append(_on_file_reason(found, ref, status, judge))
            continue
        out.append(found)
        short = [(ref, s) for ref, s in statuses if s.state in SHORT_STATES and s.on_file]
        if short:
            ref, status = short[0]
            out.append(_short_reason(found, ref, status, judge))
    return out


def _row(status: EvidenceStatus) -> dict[str, str]:
    on_file = status.on_file
    assert on_file is not None
    return {
        "title": on_file.title,
        "register_file": on_file.file,
        "sheet": on_file.sheet,
        "row": str(on_file.row),
    }


def _on_file_reason(
    lifted: Reason, ref: EvidenceRef, status: EvidenceStatus, judge: EvidenceJudge
) -> Reason:
    return Reason(
        code="evidence-on-file",
        effect="informs",
        data={
            "lifted": lifted.code,
            "service": judge.service_names,
            "certification": ref.certification,
            "label": str(lifted.data.get("label", ref.certification)),
            "document": ref.title,
            **_row(status),
            "bridged": bool(status.bridged),
        },
    )


def _short_reason(
    kept: Reason, ref: EvidenceRef, status: EvidenceStatus, judge: EvidenceJudge
) -> Reason:
    return Reason(
        code="evidence-falls-short",
        effect="blocks",
        data={
            "state": status.state,
            "scope": kept.code,
            "service": judge.service_names,
            "certification": ref.certification,
            "label": str(kept.data.get("label", ref.certification)),
            "document": ref.title,
            **_row(status),
            "uncovered": tuple(
                f"{g.start.isoformat()}/{g.end.isoformat()}" for g in status.uncovered
            ),
            "valid_to": status.valid_to.isoformat() if status.valid_to else "",
        },
    )
