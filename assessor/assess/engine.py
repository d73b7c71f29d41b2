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

from assessor.assess import rules, wording
from assessor.assess.wording import dedupe
from assessor.domain.errors import UsageError
from assessor.domain.models import (
    Assessment,
    BusinessUnit,
    Candidate,
    Catalog,
    Certification,
    Edition,
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


def eol_caveat(service: ServiceProfile, period: Period) -> str | None:
    """Why the period cannot rest on the service's certifications, or None when it can."""
    found = rules.lifecycle(service, period)
    return wording.caveat(found[0], period) if found else None


lifecycle_note = wording.lifecycle_note


# ---------------------------------------------------------------------------
# Editions


def _norm_version(value: str) -> str:
    """Compare versions loosely: lower case, no spaces/punctuation, no leading `v`/`version`."""
    text = value.lower().strip()
    text = re.sub(r"^(version|revision|ver\.?|rev\.?|v)\s*", "", text)
    return re.sub(r"[^0-9a-z]", "", text)


def resolve_version(
    fw: Framework, version: str, catalog: Catalog | None = None, period: Period | None = None
) -> Edition | None:
    """The framework edition a typed version names (by id, label, alias or label suffix).

    A spelling several editions share ("v4": PCI DSS 4.0 and 4.0.1) names the edition current
    during the period (the last published by its end). With the catalog, a version the keys
    miss is read by the recognizer after the framework's short name ("SOC 2" + "Type II").
    """
    wanted = _norm_version(version)
    if not wanted:
        return None
    for ed in fw.editions:
        if _norm_version(ed.id) == wanted or _norm_version(ed.label) == wanted:
            return ed
    named: list[Edition] = []
    for ed in fw.editions:
        names = [*ed.aliases]
        if ":" in ed.label:
            names.append(ed.label.rsplit(":", 1)[1])
        if any(_norm_version(name) == wanted for name in names):
            named.append(ed)
    if not named:
        keys = recognize.edition_keys(version)
        named = [
            ed
            for ed in fw.editions
            if any(keys & recognize.edition_keys(name) for name in (ed.id, *ed.aliases))
        ]
    if named:
        return rules.current_edition(named, period)
    if catalog is not None and fw.editions:
        read = recognize.match_text(f"{fw.short_name} {version}", catalog)
        if read.status == "matched" and len(read.frameworks) == 1:
            cand = read.frameworks[0]
            if cand.framework == fw.id and cand.edition is not None:
                found = rules.edition(fw, cand.edition)
                if found is None and _norm_version(cand.edition) != wanted:
                    return resolve_version(fw, cand.edition, None, period)
                return found
    return None


# ---------------------------------------------------------------------------
# Findings


def _evidence(certs: Sequence[Certification]) -> tuple[EvidenceRef, ...]:
    """The certifications' STP documents, each once, sorted by section then title."""
    refs: dict[tuple[str, str, str], EvidenceRef] = {}
    for cert in certs:
        for doc in cert.evidence:
            key = (doc.stp_section, doc.title_pattern, doc.kind)
            if key in refs:
                continue
            refs[key] = EvidenceRef(
                title=doc.title_pattern,
                kind=doc.kind,
                stp_section=doc.stp_section,
                mmd_location=doc.mmd_location,
                restricted=doc.restricted,
                self_attested=doc.self_attested,
                certification=cert.id,
            )
    return tuple(refs[key] for key in sorted(refs))


def _customer_actions(fw: Framework, certs: Sequence[Certification]) -> tuple[str, ...]:
    """Duties left to the customer (owner customer or shared): framework's first, then certs'."""
    duties = [*fw.customer_duties, *(duty for cert in certs for duty in cert.duties)]
    return dedupe(duty.text for duty in duties if duty.owner != "microsoft")


def _informative(
    catalog: Catalog, certs: Sequence[Certification], evidence: Sequence[EvidenceRef]
) -> list[Reason]:
    """The informative rule, fed with the certifications' own caveats and commitments."""
    return rules.informative([(cert.id, text) for cert in certs for text in cert.caveats], evidence)


def _overlay(catalog: Catalog, fw: Framework, typed: str) -> list[Reason]:
    """The organization's own catalog entries this finding rests on (never Microsoft's)."""
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
            what = f"{fw.short_name}, a framework the organization added to the catalog"
        else:
            by = f", accepted by {d.accepted_by}" if d.accepted_by else ""
            what = f"{fw.short_name} supported by {', '.join(fw.certifications)}{by}"
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


def cert_label(catalog: Catalog, cert: Certification) -> str:
    """A certification's short name for sentences: its framework's short name ("SOC 2")."""
    try:
        return catalog.framework(cert.framework).short_name
    except KeyError:
        return cert.name


def _ref(fw: Framework, asked: Edition | None, version_text: str | None) -> FrameworkRef:
    version = asked.label if asked is not None else version_text
    return FrameworkRef(id=fw.id, name=fw.name, version=version)


def _ordered(reasons: Sequence[Reason]) -> tuple[Reason, ...]:
    """End of life first (it matters most), then the other blockers, notes, what decided."""
    rank = {"blocks": 1, "informs": 2, "decides": 3}
    return tuple(
        sorted(
            reasons,
            key=lambda r: 0 if r.code in ("eol-period", "eol-undated") else rank[r.effect],
        )
    )


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


def _asked_edition(
    req: Requirement, candidate: Candidate, fw: Framework, catalog: Catalog, period: Period
) -> tuple[Edition | None, list[Reason]]:
    """Which edition was asked for, by the recognizer, the Version column or both."""
    found: list[Reason] = []
    asked_ids: list[str] = []
    if candidate.edition is not None:
        ed = rules.edition(fw, candidate.edition) or resolve_version(
            fw, candidate.edition, catalog, period
        )
        if ed is None:
            found.append(
                rules.reason(
                    "edition-unknown", "blocks", edition=candidate.edition, framework=fw.short_name
                )
            )
        else:
            asked_ids.append(ed.id)
    if req.version:
        ed = resolve_version(fw, req.version, catalog, period)
        if ed is None:
            found.append(
                rules.reason(
                    "version-unknown", "blocks", version=req.version, framework=fw.short_name
                )
            )
        elif ed.id not in asked_ids:
            asked_ids.append(ed.id)
    if len(asked_ids) > 1:
        labels = tuple(rules.edition_label(fw, i) for i in asked_ids)
        found.append(rules.reason("editions-conflict", "blocks", editions=labels))
    return (rules.edition(fw, asked_ids[0]) if asked_ids else None), found


def finding_for(
    req: Requirement,
    candidate: Candidate,
    catalog: Catalog,
    *,
    period: Period,
    service: ServiceProfile,
    extra: Sequence[Reason] = (),
    typed: str | None = None,
) -> Finding:
    """The finding for one recognized framework: apply every status rule and say why.

    `typed`: the words that named it, as typed (the requirement's text when not given).
    """
    fw = catalog.framework(candidate.framework)
    asked, found = _asked_edition(req, candidate, fw, catalog, period)
    found += rules.confirm_read(typed or req.text, fw, candidate.via)
    found += _overlay(catalog, fw, typed or req.text)
    cert_ids = [c for c in fw.certifications if c in service.certifications]
    missing = [c for c in fw.certifications if c not in service.certifications]
    certs = [catalog.certification(c) for c in cert_ids]
    # An edition nobody knows is still shown as asked, so the reader sees what was judged.
    version_text = (req.version or candidate.edition) if asked is None else None
    common = {"source": req.source, "requirement": req.text, "suggestions": ()}
    if fw.relation == "none" or not certs:
        decided = rules.gap(fw, service)
        reasons = _ordered([*found, *extra, decided])
        return Finding(
            **common,
            framework=_ref(fw, asked, version_text),
            status="gap",
            responsibility="customer",
            certifications=(),
            evidence=(),
            customer_actions=_customer_actions(fw, ()),
            caveats=wording.caveats(reasons, period),
            rationale=wording.gap_rationale(decided),
            reasons=reasons,
        )
    labels = [cert_label(catalog, c) for c in certs]
    if fw.relation == "supports":
        for cert, label in zip(certs, labels, strict=True):
            found += rules.supports_only(fw, cert, label)
    else:
        found += rules.missing_certifications(fw, missing, service)
        for cert, label in zip(certs, labels, strict=True):
            found += rules.scope(cert, label, service)
            found += rules.held_editions(fw, cert, label, asked, period)
    for cert, label in zip(certs, labels, strict=True):
        found += _contractual(catalog, cert, label)
    if asked is not None:
        found += rules.asked_edition(fw, asked, period)
    found += rules.lifecycle(service, period)
    found += rules.list_as_of(service, period)
    evidence = _evidence(certs)
    reasons = _ordered([*extra, *found, *_informative(catalog, certs, evidence)])
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
        service=service,
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
    service: ServiceProfile,
) -> Finding:
    """Covered when nothing blocks a held framework; else partial, with the blockers said."""
    actions = _customer_actions(fw, certs)
    blocked = any(r.effect == "blocks" for r in reasons)
    status: Status = "covered" if not blocked and fw.relation == "held" else "partial"
    retired = rules.service_retired(service)
    contractual = [r for r in reasons if r.code == "contractual-only"]
    if contractual:
        others = [r for r in reasons if r.code != "contractual-only"]
        rationale = wording.contractual_rationale(
            service.name, contractual[0], wording.shorts(others, period)
        )
    elif status == "covered":
        rationale = wording.covered_rationale(
            service.name,
            retired,
            labels,
            asked.label if asked is not None else None,
            period,
            customer_part=bool(actions),
        )
    elif fw.relation == "supports":
        rationale = wording.supports_rationale(
            service.name, retired, fw.short_name, labels, wording.shorts(reasons, period)
        )
    else:
        rationale = wording.partial_rationale(
            service.name, retired, labels, wording.shorts(reasons, period)
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
    )


def findings_for_match(
    req: Requirement,
    match: Match,
    catalog: Catalog,
    *,
    period: Period,
    service: ServiceProfile,
    extra: Sequence[Reason] = (),
) -> list[Finding]:
    """Findings for an already-recognized requirement: one per framework the match names."""
    known = {fw.id for fw in catalog.frameworks}
    candidates = [c for c in match.frameworks if c.framework in known]
    if match.status == "review" and candidates:
        return [_review(req, match, catalog, extra, period)]
    if match.status != "matched" or not candidates:
        return [_unrecognized(req, match, catalog, extra, period)]
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
            finding_for(
                req, cand, catalog, period=period, service=service, extra=extra, typed=typed
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


def assess_requirement(
    req: Requirement, catalog: Catalog, *, period: Period, service: ServiceProfile
) -> list[Finding]:
    """One requirement -> findings (several when the name denotes several frameworks).

    The intake recognized the name once when it read the cell (`req.match`); a requirement
    built without one (or whose text no longer is the one matched) is read here.
    """
    match = req.match
    if match is None or match.text != req.text:
        match = recognize.match_text(req.text, catalog)
    if req.version and match.status != "matched":
        # "PCI" + Version "3.2.1": the two together may name what the name alone does not.
        with_version = recognize.match_text(f"{req.text} {req.version}", catalog)
        if with_version.status == "matched":
            match = with_version
    return findings_for_match(req, match, catalog, period=period, service=service)


# ---------------------------------------------------------------------------
# Whole workbook


def _finding_key(f: Finding) -> tuple[str, int, str]:
    return (f.source.sheet, f.source.row, f.framework.id if f.framework else "")


def _rejected_key(r: RejectedRow) -> tuple[str, str, int, str]:
    return (r.file, r.sheet, r.row, r.reason)


def units_of(intake: IntakeResult) -> tuple[BusinessUnit, ...]:
    """Every unit an intake names, sorted: listed ones, then those named only by rows.

    A unit named only by requirements takes its place from the first of them; one named only by
    rejected rows has none. The batch and the web use this to find a unit in two inputs.
    """
    units: dict[str, BusinessUnit] = {}
    for unit in intake.units:
        units.setdefault(unit.name, unit)
    for req in intake.requirements:
        units.setdefault(req.business_unit, BusinessUnit(name=req.business_unit, source=req.source))
    for rej in intake.rejected:
        if rej.business_unit is not None:
            units.setdefault(rej.business_unit, BusinessUnit(name=rej.business_unit))
    return tuple(units[name] for name in sorted(units))


def assess(
    intake: IntakeResult,
    catalog: Catalog,
    *,
    as_of: date,
    organization: str,
    service: str | None = None,
) -> list[Assessment]:
    """One Assessment per business unit, sorted by name; every requirement and row placed."""
    try:
        profile = catalog.service(service)
    except KeyError:
        known = ", ".join(sorted(svc.id for svc in catalog.services))
        raise UsageError(
            f"unknown service {service!r}", hint=f"the catalog knows: {known}"
        ) from None
    units = {unit.name: unit for unit in units_of(intake)}
    by_unit: dict[str, list[Requirement]] = {name: [] for name in units}
    for req in intake.requirements:
        by_unit[req.business_unit].append(req)
    everyone = [r for r in intake.rejected if r.business_unit is None]

    out: list[Assessment] = []
    for name in sorted(units):
        unit = units[name]
        period = period_for(unit, as_of)
        findings = [
            finding
            for req in by_unit[name]
            for finding in assess_requirement(req, catalog, period=period, service=profile)
        ]
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
                service=profile.name,
                findings=tuple(findings),
                rejected=tuple(rejected),
                lifecycle_note=lifecycle_note(profile, period, as_of),
            )
        )
    return out
