"""The assessment engine: each requirement becomes findings with a status and the reasons why.

Pure: no files, no clock (the as-of date is passed in), deterministic ordering everywhere.
The rule that matters most: a finding is `covered` only when every condition for it is proven
(relation held, certification listed for the service, scope confirmed, edition held and
confirmed, period inside the service's life). Anything short of that is at most `partial`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

from assessor.assess import evidence as on_file
from assessor.assess import rules, wording
from assessor.assess.basis import Basis
from assessor.assess.editions import asked_edition
from assessor.assess.scope import (
    ServiceJudgement,
    cert_label,
    evidence_refs,
    gap_decision,
    judge_services,
)
from assessor.assess.units import Judges, profiles_for, units_of
from assessor.assess.wording import dedupe
from assessor.catalog.overlay import for_unit
from assessor.domain.errors import UsageError
from assessor.domain.models import (
    Assessment,
    BusinessUnit,
    Candidate,
    Catalog,
    Certification,
    Edition,
    EvidenceRecord,
    EvidenceRef,
    Finding,
    Framework,
    FrameworkRef,
    IntakeResult,
    Match,
    Period,
    Reason,
    ReasonCode,
    RejectedRow,
    Requirement,
    Responsibility,
    ServiceProfile,
    Status,
)
from assessor.recognize import match as recognize

# ---------------------------------------------------------------------------
# Period and lifecycle


def period_for(unit: BusinessUnit, as_of: date) -> Period:
    """The period a unit is judged against: its audit period when given, else the as-of date."""
    if unit.period_end is not None:
        return Period(start=unit.period_start, end=unit.period_end, basis="audit-period")
    if unit.period_start is not None and unit.period_start <= as_of:
        # An open-ended audit period (start given, no end): judged up to the as-of date.
        return Period(start=unit.period_start, end=as_of, basis="audit-period")
    return Period(start=None, end=as_of, basis="as-of")


lifecycle_note = wording.lifecycle_note


# ---------------------------------------------------------------------------
# Findings


def _customer_actions(
    fw: Framework, certs: Sequence[Certification], services: Sequence[ServiceProfile] = ()
) -> tuple[str, ...]:
    """Duties left to the customer (owner customer or shared): framework's first, then certs',
    then those of the services used that concern these certifications."""
    duties = [*fw.customer_duties, *(duty for cert in certs for duty in cert.duties)]
    texts = [duty.text for duty in duties if duty.owner != "microsoft"]
    ids = {cert.id for cert in certs}
    if ids:
        texts += [
            duty.text
            for svc in services
            for duty in svc.duties
            if duty.owner != "microsoft"
            and (not duty.certifications or ids & set(duty.certifications))
        ]
    return dedupe(texts)


def _informative(
    catalog: Catalog, certs: Sequence[Certification], evidence: Sequence[EvidenceRef]
) -> list[Reason]:
    """The informative rule, fed with the certifications' own caveats. A contractual
    commitment's caveat is left out: `contractual_only` says it in full (what stands behind
    it, what the customer must do), and saying it twice reads as two findings."""
    caveats = [
        (cert.id, text)
        for cert in certs
        if cert.assurance != "contractual-commitment"
        for text in cert.caveats
    ]
    return rules.informative(caveats, evidence)


def _cert_names(catalog: Catalog, ids: Sequence[str]) -> str:
    names = []
    for cid in ids:
        try:
            names.append(cert_label(catalog, catalog.certification(cid)))
        except KeyError:
            names.append(cid)
    return wording.join(names)


def _overlay(catalog: Catalog, fw: Framework, typed: str) -> list[Reason]:
    """The organization's own catalog entries this finding rests on (never Microsoft's).

    `catalog` is the unit's (catalog.overlay.for_unit): a decision for other units is not in it.
    """
    out: list[Reason] = []
    key = recognize.compact_key(typed)
    for d in catalog.decisions:
        if d.framework != fw.id:
            continue
        if d.kind == "alias":
            if not d.alias or recognize.compact_key(d.alias) not in key:
                continue
            what = f"reading '{typed}' as {fw.short_name}"
        elif d.kind == "framework":
            what = f"adding {fw.short_name} to the catalog as the organization's own framework"
        else:
            only = f" in {wording.join(list(d.units))}" if d.units else ""
            by = f" (accepted by {d.accepted_by})" if d.accepted_by else ""
            certs = _cert_names(catalog, d.certifications or fw.certifications)
            what = f"accepting {certs} as partial evidence for {fw.short_name}{only}{by}"
        out.append(
            rules.overlay_decision(d.decided_by, d.decided_on.isoformat(), what, d.note or "")
        )
    return out


def _contractual(catalog: Catalog, cert: Certification, label: str) -> list[Reason]:
    """What stands behind a contractual commitment: its document, the audits backing it."""
    if cert.assurance != "contractual-commitment":
        return []
    commitment = next(
        (d.title_pattern for d in cert.evidence if d.kind == "baa-product-terms"),
        cert.evidence[0].title_pattern if cert.evidence else cert.name,
    )
    backing = []
    for other in cert.evidenced_by:
        try:
            backing.append(cert_label(catalog, catalog.certification(other)))
        except KeyError:
            continue
    return rules.contractual_only(cert, label, backing, commitment)


def _ref(fw: Framework, asked: Edition | None, version_text: str | None) -> FrameworkRef:
    version = asked.label if asked is not None else version_text
    return FrameworkRef(id=fw.id, name=fw.name, version=version)


def _ordered(reasons: Sequence[Reason]) -> tuple[Reason, ...]:
    """End of life first (it matters most), then the other blockers, notes, what decided."""
    rank = {"blocks": 1, "informs": 2, "decides": 3}
    first = ("service-retired", "eol-period", "eol-undated")
    return tuple(sorted(reasons, key=lambda r: 0 if r.code in first else rank[r.effect]))


def _unrecognized(
    req: Requirement, match: Match, catalog: Catalog, extra: Sequence[Reason], period: Period
) -> Finding:
    known = {fw.id: fw.short_name for fw in catalog.frameworks}
    ids = [*match.suggestions, *(c.framework for c in match.frameworks)]
    suggestions = dedupe(known[i] for i in ids if i in known)
    code: ReasonCode = "ambiguous" if match.status == "ambiguous" else "unrecognized"
    decided = rules.reason(code, "decides", text=req.text, suggestions=suggestions)
    rationale, lead = wording.unrecognized_wording(decided)
    # The recognizer's note explains an ambiguity; for a plain miss it only repeats the ids.
    notes = rules.recognizer_note(match.note) if match.status == "ambiguous" else []
    reasons = (*notes, *extra, decided)
    return Finding(
        source=req.source,
        requirement=req.text,
        framework=None,
        status="unrecognized",
        responsibility="customer",
        certifications=(),
        evidence=(),
        customer_actions=(),
        caveats=dedupe([lead, *(wording.caveat(r, period) for r in (*notes, *extra))]),
        suggestions=suggestions,
        rationale=rationale,
        reasons=reasons,
    )


def _responsibility(status: Status, actions: Sequence[str]) -> Responsibility:
    if status in ("gap", "unrecognized"):
        return "customer"
    return "shared" if actions else "microsoft"


# ---------------------------------------------------------------------------
# One recognized framework: every status rule applied, and why (service scope: scope.py)


def finding_for(
    req: Requirement,
    candidate: Candidate,
    basis: Basis,
    *,
    extra: Sequence[Reason] = (),
    typed: str | None = None,
) -> Finding:
    """The finding for one recognized framework: apply every status rule and say why.

    Covered needs every service of the basis in confirmed scope for its period. `typed`: the
    words that named it, as typed (the requirement's text when not given).
    """
    catalog, period, profiles, judge = basis.catalog, basis.period, basis.services, basis.judge
    fw = catalog.framework(candidate.framework)
    asked, found = asked_edition(req, candidate, fw, catalog, period)
    found += rules.confirm_read(typed or req.text, fw, candidate.via)
    found += _overlay(catalog, fw, typed or req.text)
    judged = judge_services(fw, catalog, profiles, period, asked, basis.window_months, judge)
    certs = judged.certs
    # An edition nobody knows is still shown as asked, so the reader sees what was judged.
    version_text = (req.version or candidate.edition) if asked is None else None
    common = {
        "source": req.source,
        "requirement": req.text,
        "suggestions": (),
        "services": basis.service_ids,
        "service_scope": judged.refs,
    }
    if fw.relation == "none" or not certs:
        decided = gap_decision(fw, catalog, profiles, judged)
        blockers = [] if fw.relation == "none" else judged.blocks
        reasons = _ordered([*found, *extra, *blockers, decided])
        if decided.code == "service-retired":  # said once, as what decided the gap
            same = decided.data.get("service_id")
            reasons = tuple(
                r
                for r in reasons
                if r is decided
                or not (r.code == "service-retired" and r.data.get("service_id") == same)
            )
        return Finding(
            **common,
            framework=_ref(fw, asked, version_text),
            status="gap",
            responsibility="customer",
            certifications=(),
            evidence=(),
            customer_actions=_customer_actions(fw, ()),
            caveats=wording.caveats(reasons, period),
            rationale=wording.gap_rationale(decided, period),
            reasons=reasons,
        )
    labels = [cert_label(catalog, c) for c in certs]
    found += judged.blocks
    if fw.relation == "supports":
        for cert, label in zip(certs, labels, strict=True):
            found += rules.supports_only(fw, cert, label)
    else:
        for cert, label in zip(certs, labels, strict=True):
            found += rules.held_editions(fw, cert, label, asked, period)
    for cert, label in zip(certs, labels, strict=True):
        found += _contractual(catalog, cert, label)
    if asked is not None:
        found += rules.asked_edition(fw, asked, period)
    evidence = evidence_refs(certs)
    reasons = _ordered([*extra, *found, *_informative(catalog, certs, evidence)])
    if judge is not None:
        evidence = tuple(judge.judged(ref) for ref in evidence)
    return _held_or_supported(
        req,
        fw,
        asked,
        version_text,
        certs,
        labels,
        evidence,
        reasons,
        period=period,
        services=profiles,
        judged=judged,
    )


def _held_or_supported(
    req: Requirement,
    fw: Framework,
    asked: Edition | None,
    version_text: str | None,
    certs: Sequence[Certification],
    labels: Sequence[str],
    evidence: tuple[EvidenceRef, ...],
    reasons: tuple[Reason, ...],
    *,
    period: Period,
    services: Sequence[ServiceProfile],
    judged: ServiceJudgement,
) -> Finding:
    """Covered when nothing blocks a held framework; else partial, with the blockers said."""
    actions = _customer_actions(fw, certs, services)
    blocked = any(r.effect == "blocks" for r in reasons)
    status: Status = "covered" if not blocked and fw.relation == "held" else "partial"
    names = [svc.name for svc in services]
    retired = all(rules.service_retired(svc) for svc in services)
    contractual = [r for r in reasons if r.code == "contractual-only"]
    if contractual:
        others = [r for r in reasons if r.code != "contractual-only"]
        rationale = wording.contractual_rationale(
            wording.join(names), contractual[0], wording.shorts(others, period)
        )
    elif status == "covered":
        rationale = wording.covered_rationale(
            names,
            retired,
            labels,
            asked.label if asked is not None else None,
            period,
            customer_part=bool(actions),
        )
    elif fw.relation == "supports":
        rationale = wording.supports_rationale(
            names, retired, fw.short_name, labels, wording.shorts(reasons, period)
        )
    else:
        rationale = wording.partial_rationale(
            names, retired, labels, wording.shorts(reasons, period)
        )
    return Finding(
        source=req.source,
        requirement=req.text,
        framework=_ref(fw, asked, version_text),
        status=status,
        responsibility=_responsibility(status, actions),
        certifications=tuple(c.id for c in certs),
        evidence=evidence,
        customer_actions=actions,
        caveats=wording.caveats(reasons, period),
        suggestions=(),
        rationale=rationale,
        reasons=reasons,
        services=tuple(s.id for s in services),
        service_scope=judged.refs,
    )


def findings_for_match(
    req: Requirement, match: Match, basis: Basis, *, extra: Sequence[Reason] = ()
) -> list[Finding]:
    """Findings for an already-recognized requirement: one per framework the match names."""
    catalog, period = basis.catalog, basis.period
    known = {fw.id for fw in catalog.frameworks}
    candidates = [c for c in match.frameworks if c.framework in known]
    ids = basis.service_ids
    named = {"services": ids, "matched_text": match.matched_text}
    if match.status == "review" and candidates:
        return [_review(req, match, catalog, extra, period).model_copy(update=named)]
    if match.status != "matched" or not candidates:
        found = _unrecognized(req, match, catalog, extra, period)
        return [found.model_copy(update={"services": ids})]
    typed = match.matched_text or req.text
    note = match.note
    if note and any(c.via in recognize.CONFIRM_VIAS for c in candidates):
        # the typo-read reason says "read 'X' as Y: confirm"; the note need not repeat it
        kept = [n for n in note.split("; ") if not _TYPO_NOTE.match(n)]
        note = "; ".join(kept) or None
    extra = [*extra, *rules.recognizer_note(note)]
    seen: dict[str, None] = {}
    out: list[Finding] = []
    for cand in candidates:
        if cand.framework in seen:
            continue
        seen[cand.framework] = None
        out.append(
            finding_for(req, cand, basis, extra=extra, typed=typed).model_copy(
                update={"matched_text": match.matched_text}
            )
        )
    return out


_TYPO_NOTE = re.compile(r"^read '.*' as .*: confirm$")


def _review(
    req: Requirement, match: Match, catalog: Catalog, extra: Sequence[Reason], period: Period
) -> Finding:
    """A name the words around it negate or doubt: listed for review, assessed as nothing.

    Status `unrecognized` so it counts toward nothing covered (and no gap either); the reason
    names the framework found and why it was not taken as a requirement.
    """
    names = dedupe(catalog.framework(c.framework).short_name for c in match.frameworks)
    decided = rules.review(req.text, names, match.review or "doubtful")
    rationale, lead = wording.review_wording(decided)
    return Finding(
        source=req.source,
        requirement=req.text,
        framework=None,
        status="unrecognized",
        responsibility="customer",
        certifications=(),
        evidence=(),
        customer_actions=(),
        caveats=dedupe([lead, *(wording.caveat(r, period) for r in extra)]),
        suggestions=names,
        rationale=rationale,
        reasons=(*extra, decided),
    )


def assess_requirement(req: Requirement, basis: Basis) -> list[Finding]:
    """One requirement -> findings (several when the name denotes several frameworks).

    The intake recognized the name once when it read the cell (`req.match`); a requirement
    built without one (or whose text no longer is the one matched) is read here.
    """
    catalog = basis.catalog
    match = req.match
    if match is None or match.text != req.text:
        match = recognize.match_text(req.text, catalog)
    if req.version and match.status != "matched":
        # "PCI" + Version "3.2.1": the two together may name what the name alone does not.
        with_version = recognize.match_text(f"{req.text} {req.version}", catalog)
        if with_version.status == "matched":
            match = with_version
    return findings_for_match(req, match, basis)


# ---------------------------------------------------------------------------
# Whole workbook


def _finding_key(f: Finding) -> tuple[str, int, str]:
    return (f.source.sheet, f.source.row, f.framework.id if f.framework else "")


def _rejected_key(r: RejectedRow) -> tuple[str, str, int, str]:
    return (r.file, r.sheet, r.row, r.reason)


def assess(
    intake: IntakeResult,
    catalog: Catalog,
    *,
    as_of: date,
    organization: str,
    service: str | None = None,
    services: Sequence[str] = (),
    window_months: int = rules.DEFAULT_WINDOW_MONTHS,
    evidence: Sequence[EvidenceRecord] | None = None,
) -> list[Assessment]:
    """One Assessment per business unit, sorted by name; every requirement and row placed.

    Each unit is judged against the services its Service column names, else `services` (the
    run's --service), else the catalog's default; a requirement row's Service overrides its
    unit's. `service` (one id) is kept for callers that name a single service.

    `evidence`: a register given apart from the workbook (--evidence); the workbook's own
    Evidence on file sheet is added to it. Each unit is judged against the rows naming it or
    none; without any register every document is to be requested.
    """
    run_ids = tuple(services) or ((service,) if service else (catalog.service().id,))
    run_profiles = profiles_for(catalog, run_ids)
    if window_months < 0:
        raise UsageError(f"scope window of {window_months} months: must be 0 or more")
    units = {unit.name: unit for unit in units_of(intake)}
    by_unit: dict[str, list[Requirement]] = {name: [] for name in units}
    for req in intake.requirements:
        by_unit[req.business_unit].append(req)
    everyone = [r for r in intake.rejected if r.business_unit is None]
    register = (*intake.evidence, *(evidence or ()))
    has_register = evidence is not None or bool(intake.evidence)

    out: list[Assessment] = []
    base = catalog
    for name in sorted(units):
        unit = units[name]
        catalog = for_unit(base, name)  # an overlay's decisions for this unit (else the same)
        period = period_for(unit, as_of)
        records = on_file.for_unit(register, name)
        judge_for = Judges(catalog, records, period, as_of, unit.next_period_end)
        unit_profiles = profiles_for(catalog, unit.services) if unit.services else run_profiles
        used: dict[str, ServiceProfile] = {svc.id: svc for svc in unit_profiles}
        findings: list[Finding] = []
        for req in by_unit[name]:
            row_profiles = profiles_for(catalog, req.services) if req.services else unit_profiles
            for svc in row_profiles:
                used.setdefault(svc.id, svc)
            basis = Basis(catalog, period, row_profiles, window_months, judge_for(row_profiles))
            findings += assess_requirement(req, basis)
        findings.sort(key=_finding_key)
        rejected = sorted(
            [*everyone, *(r for r in intake.rejected if r.business_unit == name)],
            key=_rejected_key,
        )
        out.append(
            Assessment(
                organization=organization,
                business_unit=unit,
                as_of=as_of,
                period=period,
                services=tuple(used),
                findings=tuple(findings),
                rejected=tuple(rejected),
                lifecycle_note=wording.lifecycle_notes(
                    tuple(used.values()), period, as_of, window_months
                ),
                scope_window_months=window_months,
                evidence=records,
                has_register=has_register,
            )
        )
    return out
