"""The assessment engine: each requirement becomes findings with a status and the reasons why.

Pure: no files, no clock (the as-of date is passed in), deterministic ordering everywhere.
The rule that matters most: a finding is `covered` only when every condition for it is proven
(relation held, certification listed for the service, scope confirmed, edition held and
confirmed, period inside the service's life). Anything short of that is at most `partial`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

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
    RejectedRow,
    Requirement,
    Responsibility,
    ServiceProfile,
    Status,
)
from assessor.domain.text import long_date
from assessor.recognize import match as recognize

NDA_CAVEAT = (
    "SOC 1 and SOC 2 reports are shared under a non-disclosure agreement and their "
    "redistribution is restricted: cite them by title and period; never quote or attach them."
)
SELF_ATTESTED_CAVEAT = (
    "Bridge letters are Microsoft's own self-attested statements, not an auditor's opinion: "
    "they do not extend the audited period."
)
CONTRACTUAL_CAVEAT = (
    "{name} has no certification: Microsoft's commitment is contractual{how}, and it does not by "
    "itself make the customer compliant."
)
BAA_TEXT = "the Business Associate Agreement, part of the Microsoft Product Terms"
BAA_CAVEAT = (
    "Microsoft's commitment is the Business Associate Agreement, part of the Microsoft Product "
    "Terms (no separate contract to sign); it does not by itself make the customer compliant."
)


def _join(items: Sequence[str], conj: str = "and") -> str:
    """`a`, `a and b`, `a, b and c`."""
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    return f"{', '.join(items[:-1])} {conj} {items[-1]}"


def _dedupe(items: Iterable[str]) -> tuple[str, ...]:
    """Drop empty and repeated strings, keeping the first occurrence's position."""
    seen: dict[str, None] = {}
    for item in items:
        text = item.strip()
        if text and text not in seen:
            seen[text] = None
    return tuple(seen)


def _sentence(text: str) -> str:
    """Trimmed, with a capital first letter and a final full stop."""
    text = _cap(text.strip())
    return text if text.endswith((".", "!", "?")) else f"{text}."


def _cap(text: str) -> str:
    """First letter upper case, the rest untouched (str.capitalize lowers the rest)."""
    return text[:1].upper() + text[1:]


def _before_end(period: Period) -> str:
    """`before the as-of date 1 May 2025` or `before the audit period ... ends`."""
    if period.basis == "as-of" and period.start is None:
        return f"before the as-of date {long_date(period.end)}"
    return f"before {_period_text(period)} ends"


def _period_text(period: Period) -> str:
    """`the audit period 1 January 2024 to 31 December 2024` or `the as-of date 1 May 2025`."""
    if period.basis == "as-of" and period.start is None:
        return f"the as-of date {long_date(period.end)}"
    if period.start is None:
        return f"the audit period ending {long_date(period.end)}"
    label = "audit period" if period.basis == "audit-period" else "period"
    return f"the {label} {long_date(period.start)} to {long_date(period.end)}"


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


def _successors_text(service: ServiceProfile) -> str:
    if not service.successors:
        return ""
    return f"; assess {_join(list(service.successors), 'or')} instead"


def eol_caveat(service: ServiceProfile, period: Period) -> str | None:
    """Why the period cannot rest on the service's certifications, or None when it can."""
    life = service.lifecycle
    if life.status != "end-of-life":
        return None
    if life.end_of_life is None:
        return (
            f"{service.name} is documented as end-of-life but without a date; no finding can be "
            f"covered until the date is known{_successors_text(service)}."
        )
    eol = life.end_of_life
    if period.end <= eol:
        return None
    head = f"{service.name} reached end of life on {long_date(eol)}; no audit after that date "
    head += f"covers {service.name}"
    if period.start is not None and period.start <= eol:
        head = (
            f"{_cap(_period_text(period))} runs past {service.name}'s end of life on "
            f"{long_date(eol)}: no audit after that date covers {service.name}, so its "
            "certifications cannot evidence the rest of the period"
        )
    return f"{head}{_successors_text(service)}."


def _holds(service: ServiceProfile) -> str:
    """`held` for a service past its end of life (its list is historical), else `holds`."""
    return "held" if service.lifecycle.status == "end-of-life" else "holds"


def _eol_reason(service: ServiceProfile, period: Period) -> str:
    """The end-of-life blocker in a few words, for the rationale."""
    eol = service.lifecycle.end_of_life
    if eol is None:
        return f"{service.name}'s end-of-life date is unknown"
    if period.start is not None and period.start <= eol:
        return f"the period runs past {service.name}'s end of life on {long_date(eol)}"
    return f"{service.name} reached end of life on {long_date(eol)}, before {_period_text(period)}"


def lifecycle_note(service: ServiceProfile, period: Period, as_of: date) -> str:
    """One plain sentence for the cover: the service's lifecycle relative to the period."""
    life = service.lifecycle
    what = _period_text(period)
    if life.status != "end-of-life":
        return (
            f"{service.name} is available; its certifications are those its documentation lists "
            f"as of {long_date(service.list_as_of)}, judged for {what}."
        )
    if life.end_of_life is None:
        return (
            f"{service.name} is documented as end-of-life without a date, so no finding for "
            f"{what} is marked covered."
        )
    eol = life.end_of_life
    verb = "reached" if as_of >= eol else "is due to reach"
    if period.end <= eol:
        return (
            f"{service.name} {verb} end of life on {long_date(eol)}; {what} lies inside "
            "the service's life, so its certifications can evidence it."
        )
    if period.start is not None and period.start <= eol:
        return (
            f"{service.name} {verb} end of life on {long_date(eol)}, during {what}, so its "
            "certifications cannot evidence the part after that date and no finding is covered"
            f"{_successors_text(service)}."
        )
    return (
        f"{service.name} {verb} end of life on {long_date(eol)}, before {what}, so no "
        f"finding is covered: no audit after that date covers {service.name}"
        f"{_successors_text(service)}."
    )


# ---------------------------------------------------------------------------
# Editions


def _norm_version(value: str) -> str:
    """Compare versions loosely: lower case, no spaces/punctuation, no leading `v`/`version`."""
    text = value.lower().strip()
    text = re.sub(r"^(version|revision|ver\.?|rev\.?|v)\s*", "", text)
    return re.sub(r"[^0-9a-z]", "", text)


def _edition(fw: Framework, edition_id: str) -> Edition | None:
    for ed in fw.editions:
        if ed.id == edition_id:
            return ed
    return None


def resolve_version(fw: Framework, version: str, catalog: Catalog | None = None) -> Edition | None:
    """The framework edition a typed version names (by id, label, alias or label suffix).

    With the catalog, a version the keys miss is read by the recognizer after the framework's
    short name ("SOC 2" + "Type II"), as a user would have typed it in one cell.
    """
    wanted = _norm_version(version)
    if not wanted:
        return None
    for ed in fw.editions:
        names = [ed.id, ed.label, *ed.aliases]
        if ":" in ed.label:
            names.append(ed.label.rsplit(":", 1)[1])
        if any(_norm_version(name) == wanted for name in names):
            return ed
    keys = recognize.edition_keys(version)
    for ed in fw.editions:
        if any(keys & recognize.edition_keys(name) for name in (ed.id, *ed.aliases)):
            return ed
    if catalog is not None and fw.editions:
        read = recognize.match_text(f"{fw.short_name} {version}", catalog)
        if read.status == "matched" and len(read.frameworks) == 1:
            cand = read.frameworks[0]
            if cand.framework == fw.id and cand.edition is not None:
                return _edition(fw, cand.edition)
    return None


def _edition_label(fw: Framework, edition_id: str) -> str:
    ed = _edition(fw, edition_id)
    return ed.label if ed is not None else edition_id


def _held_satisfies(fw: Framework, held_id: str, asked_id: str) -> bool:
    """True when holding `held_id` answers a request for `asked_id` (same, or also_satisfies)."""
    if held_id == asked_id:
        return True
    held = _edition(fw, held_id)
    return held is not None and asked_id in held.also_satisfies


# ---------------------------------------------------------------------------
# Findings


@dataclass
class _Work:
    """Accumulates one finding's reasons while the rules run."""

    blockers: list[str] = field(default_factory=list)  # why not covered (caveats)
    reasons: list[str] = field(default_factory=list)  # the same, in a few words (rationale)
    notes: list[str] = field(default_factory=list)  # informative caveats

    def block(self, reason: str, caveat: str, *, first: bool = False) -> None:
        """Record why the finding cannot be covered: a short reason and the full caveat."""
        at = 0 if first else len(self.blockers)
        self.blockers.insert(at, caveat)
        if reason:
            self.reasons.insert(0 if first else len(self.reasons), reason)


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
    return _dedupe(duty.text for duty in duties if duty.owner != "microsoft")


def _informative(
    catalog: Catalog, certs: Sequence[Certification], evidence: Sequence[EvidenceRef]
) -> list[str]:
    """Caveats that inform without changing the status; the catalog's own wording first."""
    notes = [caveat for cert in certs for caveat in cert.caveats]
    said = " ".join(notes).lower()
    for cert in certs:
        if cert.assurance != "contractual-commitment":
            continue
        baa = any(doc.kind == "baa-product-terms" for doc in cert.evidence)
        if "no certification" in said and baa:
            notes.append(BAA_CAVEAT)
        else:
            how = f" ({BAA_TEXT})" if baa else ""
            notes.append(CONTRACTUAL_CAVEAT.format(name=cert_label(catalog, cert), how=how))
    if any(ref.self_attested for ref in evidence) and "self-attest" not in said:
        notes.append(SELF_ATTESTED_CAVEAT)
    if any(ref.restricted for ref in evidence) and not re.search(r"restricted|\bnda\b", said):
        notes.append(NDA_CAVEAT)
    return notes


def cert_label(catalog: Catalog, cert: Certification) -> str:
    """A certification's short name for sentences: its framework's short name ("SOC 2")."""
    try:
        return catalog.framework(cert.framework).short_name
    except KeyError:
        return cert.name


def _check_scope(cert: Certification, label: str, service: ServiceProfile, work: _Work) -> None:
    if cert.scope == "confirmed":
        return
    state = "only claimed" if cert.scope == "claimed" else "unconfirmed"
    work.block(
        f"{service.name}'s scope for {label} is {state}",
        f"{service.name}'s scope for {label} is {state}: {_sentence(cert.scope_note)}",
    )


def _check_editions(
    fw: Framework,
    cert: Certification,
    label: str,
    asked: Edition | None,
    period: Period,
    work: _Work,
) -> None:
    """Edition rules for one held certification: asked edition held and confirmed, not retired."""
    confirmed = [h for h in cert.editions if h.confidence == "confirmed"]
    confirmed_text = _join([_edition_label(fw, h.edition) for h in confirmed]) or "no edition"
    documented = _join([_edition_label(fw, h.edition) for h in cert.editions]) or "no edition"
    if asked is None:
        if cert.editions and not confirmed:
            work.block(
                f"the edition of {label} is not confirmed",
                f"The edition of {label} is not confirmed: the sources name "
                f"{documented} without confirming it.",
            )
            return
        live = [
            h
            for h in confirmed
            if not (
                (ed := _edition(fw, h.edition)) is not None
                and ed.retired_on is not None
                and ed.retired_on < period.end
            )
        ]
        if confirmed and not live:
            retired = _join([_edition_label(fw, h.edition) for h in confirmed])
            work.block(
                f"{label} is documented only to {retired}, since retired",
                f"{label} is documented only to {retired}, retired {_before_end(period)}; "
                "a certificate to the current edition is not confirmed.",
            )
        for held in confirmed:
            ed = _edition(fw, held.edition)
            if ed is not None and ed.status == "superseded" and ed.superseded_by:
                work.notes.append(
                    f"{label} is documented to {ed.label}; a newer edition, "
                    f"{_edition_label(fw, ed.superseded_by)}, exists."
                )
        return
    holding = [h for h in cert.editions if _held_satisfies(fw, h.edition, asked.id)]
    if not cert.editions:
        work.block(
            f"the sources do not say which edition of {label} is held",
            f"{asked.label} was asked for, but the sources do not say which edition "
            f"{label} is held to.",
        )
    elif not holding:
        work.block(
            f"{asked.label} is not documented as held",
            f"{asked.label} was asked for, but the sources document {label} to {documented} only.",
        )
    elif not any(h.confidence == "confirmed" for h in holding):
        work.block(
            f"{asked.label} is not confirmed",
            f"{asked.label} was asked for, but the sources do not confirm that {label} is "
            f"held to it; they confirm {confirmed_text} only.",
        )


def _check_asked_edition(fw: Framework, asked: Edition, period: Period, work: _Work) -> None:
    """Lifecycle of the edition asked for, relative to the period."""
    if asked.status == "retired" or asked.retired_on is not None:
        successor = (
            f"; use {_edition_label(fw, asked.superseded_by)}" if asked.superseded_by else ""
        )
        if asked.retired_on is None:
            work.block(f"{asked.label} is retired", f"{asked.label} is retired{successor}.")
        elif asked.retired_on < period.end:
            work.block(
                f"{asked.label} was retired on {long_date(asked.retired_on)}",
                f"{asked.label} was retired on {long_date(asked.retired_on)}, "
                f"{_before_end(period)}{successor}.",
            )
        else:
            work.notes.append(
                f"{asked.label} is retired from {long_date(asked.retired_on)}{successor}."
            )
    elif asked.status == "superseded" and asked.superseded_by:
        work.notes.append(
            f"{asked.label} has been superseded: {_edition_label(fw, asked.superseded_by)} exists."
        )


def _ref(fw: Framework, asked: Edition | None, version_text: str | None) -> FrameworkRef:
    version = asked.label if asked is not None else version_text
    return FrameworkRef(id=fw.id, name=fw.name, version=version)


def _unrecognized(
    req: Requirement, match: Match, catalog: Catalog, caveats: Sequence[str]
) -> Finding:
    known = {fw.id: fw.short_name for fw in catalog.frameworks}
    ids = [*match.suggestions, *(c.framework for c in match.frameworks)]
    suggestions = _dedupe(known[i] for i in ids if i in known)
    # The recognizer's note explains an ambiguity; for a plain miss it only repeats the ids.
    notes = [match.note] if match.status == "ambiguous" and match.note else []
    if match.status == "ambiguous":
        choices = _join(list(suggestions), "or") or "a specific framework"
        rationale = (
            f"'{req.text}' names a family of frameworks, not one; the row must say which "
            f"({choices})."
        )
        lead = f"'{req.text}' is ambiguous: state which framework is meant ({choices})."
    else:
        rationale = f"'{req.text}' names no framework the catalog knows."
        lead = (
            f"Closest known frameworks: {_join(list(suggestions), 'or')}."
            if suggestions
            else "No close match in the catalog; check the spelling or add the framework."
        )
    return Finding(
        source=req.source,
        requirement=req.text,
        framework=None,
        status="unrecognized",
        responsibility="customer",
        certifications=(),
        evidence=(),
        customer_actions=(),
        caveats=_dedupe([lead, *notes, *caveats]),
        suggestions=suggestions,
        rationale=rationale,
    )


def _responsibility(status: Status, actions: Sequence[str]) -> Responsibility:
    if status in ("gap", "unrecognized"):
        return "customer"
    return "shared" if actions else "microsoft"


def finding_for(
    req: Requirement,
    candidate: Candidate,
    catalog: Catalog,
    *,
    period: Period,
    service: ServiceProfile,
    extra_caveats: Sequence[str] = (),
) -> Finding:
    """The finding for one recognized framework: apply every status rule and say why."""
    fw = catalog.framework(candidate.framework)
    work = _Work(blockers=[], notes=list(extra_caveats))

    # Which edition was asked for: by the recognizer, by the Version column, or both.
    asked: Edition | None = None
    asked_ids: list[str] = []
    if candidate.edition is not None:
        ed = _edition(fw, candidate.edition) or resolve_version(fw, candidate.edition, catalog)
        if ed is None:
            work.block(
                f"the edition '{candidate.edition}' is not one the catalog knows",
                f"The edition '{candidate.edition}' is not one the catalog knows for "
                f"{fw.short_name}.",
            )
        else:
            asked_ids.append(ed.id)
    if req.version:
        ed = resolve_version(fw, req.version, catalog)
        if ed is None:
            work.block(
                f"'{req.version}' is not an edition of {fw.short_name} the catalog knows",
                f"The version asked for, '{req.version}', is not an edition of {fw.short_name} the "
                "catalog knows; it cannot be confirmed as covered.",
            )
        elif ed.id not in asked_ids:
            asked_ids.append(ed.id)
    if len(asked_ids) > 1:
        labels = _join([_edition_label(fw, i) for i in asked_ids])
        work.block(
            "the row names conflicting editions",
            f"The row names conflicting editions ({labels}); state one.",
        )
    if asked_ids:
        asked = _edition(fw, asked_ids[0])

    if candidate.via == "fuzzy":
        work.block(
            "the name was recognized only by approximate match",
            f"'{req.text}' was read as {fw.short_name} by approximate match; confirm that this is "
            "the framework meant.",
        )

    cert_ids = [c for c in fw.certifications if c in service.certifications]
    missing = [c for c in fw.certifications if c not in service.certifications]
    certs = [catalog.certification(c) for c in cert_ids]
    actions = _customer_actions(fw, certs)
    # An edition nobody knows is still shown as asked, so the reader sees what was judged.
    version_text = (req.version or candidate.edition) if asked is None else None

    if fw.relation == "none" or not certs:
        # The framework's own rationale is shown with its detail; this says why it is a gap.
        why = (
            f"{service.name} {_holds(service)} no certification that supports "
            f"{fw.short_name}, so its evidence is the customer's to provide."
            if fw.relation == "none"
            else f"{service.name}'s documented certifications do not include those {fw.short_name} "
            f"rests on ({_join(list(fw.certifications))}), so its evidence is the customer's to "
            "provide."
        )
        return Finding(
            source=req.source,
            requirement=req.text,
            framework=_ref(fw, asked, version_text),
            status="gap",
            responsibility="customer",
            certifications=(),
            evidence=(),
            customer_actions=_customer_actions(fw, ()),
            caveats=_dedupe([*work.blockers, *work.notes]),
            suggestions=(),
            rationale=why,
        )

    evidence = _evidence(certs)
    cert_labels = {c.id: cert_label(catalog, c) for c in certs}
    cert_names = _join([cert_labels[c.id] for c in certs])
    if fw.relation == "supports":
        for cert in certs:
            work.block(
                "",
                f"{cert_labels[cert.id]} supports {fw.short_name} but is not a {fw.short_name} "
                "certification. "
                f"What it proves: {_sentence(cert.proves)} "
                f"What it does not prove: {_sentence(cert.does_not_prove)}",
            )
    else:  # held
        if missing:
            work.block(
                f"{service.name}'s documentation does not list {_join(missing)}",
                f"{fw.short_name} also rests on {_join(missing)}, which {service.name}'s "
                "documentation does not list.",
            )
        for cert in certs:
            _check_scope(cert, cert_labels[cert.id], service, work)
            _check_editions(fw, cert, cert_labels[cert.id], asked, period, work)
    if asked is not None:
        _check_asked_edition(fw, asked, period, work)
    eol = eol_caveat(service, period)
    if eol is not None:  # the first reason: it matters most
        work.block(_eol_reason(service, period), eol, first=True)
    if period.end < service.list_as_of:
        work.notes.append(
            f"{service.name}'s list of certifications is documented as of "
            f"{long_date(service.list_as_of)}; for an earlier period, confirm in that "
            f"period's report that {service.name} was in scope."
        )
    work.notes.extend(_informative(catalog, certs, evidence))

    status: Status = "covered" if not work.blockers and fw.relation == "held" else "partial"
    if status == "covered":
        rationale = (
            f"{service.name} {_holds(service)} {cert_names}, in confirmed scope"
            + (f" and to {asked.label}" if asked is not None else "")
            + f", for {_period_text(period)}."
        )
        if actions:
            rationale += " The customer must still evidence its own part."
    elif fw.relation == "supports":
        rationale = (
            f"{service.name} {_holds(service)} no {fw.short_name} certification; {cert_names} only "
            f"{'support' if len(certs) > 1 else 'supports'} {fw.short_name}, and the customer "
            "must evidence its own controls."
        )
        if work.reasons:
            rationale += f" Also, {'; '.join(work.reasons)}."
    else:
        rationale = (
            f"{service.name} {_holds(service)} {cert_names}, but it cannot count as "
            "covered: "
            f"{'; '.join(work.reasons)}."
        )
    return Finding(
        source=req.source,
        requirement=req.text,
        framework=_ref(fw, asked, version_text),
        status=status,
        responsibility=_responsibility(status, actions),
        certifications=tuple(cert_ids),
        evidence=evidence,
        customer_actions=actions,
        caveats=_dedupe([*work.blockers, *work.notes]),
        suggestions=(),
        rationale=rationale,
    )


def findings_for_match(
    req: Requirement,
    match: Match,
    catalog: Catalog,
    *,
    period: Period,
    service: ServiceProfile,
    extra_caveats: Sequence[str] = (),
) -> list[Finding]:
    """Findings for an already-recognized requirement: one per framework the match names."""
    known = {fw.id for fw in catalog.frameworks}
    candidates = [c for c in match.frameworks if c.framework in known]
    if match.status != "matched" or not candidates:
        return [_unrecognized(req, match, catalog, extra_caveats)]
    extra = [*extra_caveats, *([match.note] if match.note else [])]
    seen: dict[str, None] = {}
    out: list[Finding] = []
    for cand in candidates:
        if cand.framework in seen:
            continue
        seen[cand.framework] = None
        out.append(
            finding_for(req, cand, catalog, period=period, service=service, extra_caveats=extra)
        )
    return out


def assess_requirement(
    req: Requirement, catalog: Catalog, *, period: Period, service: ServiceProfile
) -> list[Finding]:
    """One requirement -> findings (several when the name denotes several frameworks)."""
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
    units: dict[str, BusinessUnit] = {}
    for unit in intake.units:
        units.setdefault(unit.name, unit)
    for req in intake.requirements:
        units.setdefault(req.business_unit, BusinessUnit(name=req.business_unit))
    for rej in intake.rejected:
        if rej.business_unit is not None:
            units.setdefault(rej.business_unit, BusinessUnit(name=rej.business_unit))

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
