"""The services a requirement uses, judged for one framework: which certifications rest on them,
what blocks covered (lifecycle, dated scope, evidence on file lifting a scope blocker), and what
decides a gap. Also the certifications' evidence documents and short labels."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from assessor.assess import evidence as on_file
from assessor.assess import rules
from assessor.assess.evidence import EvidenceJudge
from assessor.domain.models import (
    Catalog,
    Certification,
    Edition,
    EvidenceRef,
    Framework,
    Period,
    Reason,
    ServiceProfile,
    ServiceScopeRef,
)


@dataclass
class ServiceJudgement:
    """The services' standing for one framework: what rests on them and what blocks it."""

    certs: list[Certification] = field(default_factory=list)  # in scope for some live service
    blocks: list[Reason] = field(default_factory=list)
    refs: tuple[ServiceScopeRef, ...] = ()
    retired: list[ServiceProfile] = field(default_factory=list)  # retired before the period


def evidence_refs(certs: Sequence[Certification]) -> tuple[EvidenceRef, ...]:
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
                scope_location=doc.scope_location,
                restricted=doc.restricted,
                self_attested=doc.self_attested,
                certification=cert.id,
            )
    return tuple(refs[key] for key in sorted(refs))


def cert_label(catalog: Catalog, cert: Certification) -> str:
    """A certification's short name for sentences: its framework's short name ("SOC 2")."""
    try:
        return catalog.framework(cert.framework).short_name
    except KeyError:
        return cert.name


def relevant_certs(fw: Framework, catalog: Catalog, asked: Edition | None) -> list[str]:
    """The framework's certifications a request rests on. Where several hold one edition each
    (DoD IL2, IL4, IL5), the one holding the edition asked for; else all of them."""
    ids = [c for c in fw.certifications if c in {x.id for x in catalog.certifications}]
    if asked is None or len(ids) < 2:
        return ids
    exact = [
        c for c in ids if any(h.edition == asked.id for h in catalog.certification(c).editions)
    ]
    return exact or ids


def judge_services(
    fw: Framework,
    catalog: Catalog,
    services: Sequence[ServiceProfile],
    period: Period,
    asked: Edition | None,
    window_months: int,
    judge: EvidenceJudge | None = None,
) -> ServiceJudgement:
    """Apply the lifecycle and scope-over-time rules for every service the requirement uses.

    Evidence on file (the one place it changes a status): a document on file that covers the
    period and lists the service lifts that service's scope blocker for the certification.
    """
    relevant = relevant_certs(fw, catalog, asked)
    window = rules.scope_window(period, window_months)
    titles = {src.id: src.title for src in catalog.sources}
    judged = ServiceJudgement(
        refs=tuple(rules.scope_ref(svc, c, window) for svc in services for c in relevant)
    )
    live = [svc for svc in services if not rules.retired_before(svc, period)]
    judged.retired = [svc for svc in services if svc not in live]
    in_scope = [c for c in relevant if any(rules.in_scope(svc, c) for svc in live)]
    judged.certs = [catalog.certification(c) for c in in_scope]
    checked = relevant if fw.relation == "held" else in_scope
    for svc in services:
        if svc not in live:
            judged.blocks.append(rules.retired(svc, "blocks"))
            continue
        judged.blocks += rules.lifecycle(svc, period)
        for cid in checked:
            cert = catalog.certification(cid)
            scope = rules.scope(
                cert,
                cert_label(catalog, cert),
                svc,
                period,
                window_months=window_months,
                titles=titles,
            )
            narrowed = judge.narrowed(svc) if judge is not None else None
            judged.blocks += on_file.lift_scope(scope, narrowed, cid, evidence_refs([cert]))
    return judged


def gap_decision(
    fw: Framework, catalog: Catalog, services: Sequence[ServiceProfile], judged: ServiceJudgement
) -> Reason:
    """What decides a gap: every service retired before the period, else none shows scope."""
    if fw.relation != "none" and judged.retired and len(judged.retired) == len(services):
        return rules.retired(judged.retired[0], "decides")
    labels = [
        cert_label(catalog, catalog.certification(c)) for c in relevant_certs(fw, catalog, None)
    ]
    return rules.gap(fw, services, labels)
