"""The status rules: each looks at typed facts and returns typed reasons; none phrases them.

A rule returns `blocks` reasons (the finding cannot be covered), `informs` reasons (worth
knowing, status unchanged) or `decides` reasons (what made a finding a gap or unrecognized).
Pure: no files, no clock. Words live in wording.py.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

from assessor.domain.models import (
    Certification,
    Edition,
    EvidenceRef,
    Framework,
    Period,
    Reason,
    ReasonCode,
    ReasonEffect,
    ReasonValue,
    ServiceProfile,
)
from assessor.recognize.match import CONFIRM_VIAS


def reason(code: ReasonCode, effect: ReasonEffect, **data: ReasonValue) -> Reason:
    """A reason with its facts (dates as ISO strings, lists as tuples)."""
    return Reason(code=code, effect=effect, data=data)


def edition(fw: Framework, edition_id: str) -> Edition | None:
    """The framework's edition with that id, if the catalog has it."""
    for ed in fw.editions:
        if ed.id == edition_id:
            return ed
    return None


def current_edition(named: Sequence[Edition], period: Period | None) -> Edition:
    """Of the editions one spelling names, the one current during the period: the last
    published on or before its end (the first published when none was yet; the newest when no
    period is given). One edition is simply itself."""
    if len(named) == 1:
        return named[0]
    dated = sorted(named, key=lambda ed: ed.published or date.min)
    if period is None:
        return dated[-1]
    out = [ed for ed in dated if ed.published is not None and ed.published <= period.end]
    return out[-1] if out else dated[0]


def edition_label(fw: Framework, edition_id: str) -> str:
    """The edition's label (`ISO/IEC 27001:2022`), or the id when the catalog lacks it."""
    ed = edition(fw, edition_id)
    return ed.label if ed is not None else edition_id


def held_satisfies(fw: Framework, held_id: str, asked_id: str) -> bool:
    """True when holding `held_id` answers a request for `asked_id` (same, or also_satisfies)."""
    if held_id == asked_id:
        return True
    held = edition(fw, held_id)
    return held is not None and asked_id in held.also_satisfies


def service_retired(service: ServiceProfile) -> bool:
    """True for a service documented as end-of-life (its list of certifications is history)."""
    return service.lifecycle.status == "end-of-life"


def after_end_of_life(service: ServiceProfile, period: Period) -> bool:
    """True when the period runs past the service's end of life (or the date is unknown)."""
    eol = service.lifecycle.end_of_life
    return service_retired(service) and (eol is None or period.end > eol)


# ---------------------------------------------------------------------------
# Lifecycle


def lifecycle(service: ServiceProfile, period: Period) -> list[Reason]:
    """A period past the service's end of life cannot rest on its certifications."""
    if not after_end_of_life(service, period):
        return []
    successors = tuple(service.successors)
    eol = service.lifecycle.end_of_life
    if eol is None:
        return [reason("eol-undated", "blocks", service=service.name, successors=successors)]
    straddles = period.start is not None and period.start <= eol
    return [
        reason(
            "eol-period",
            "blocks",
            service=service.name,
            end_of_life=eol.isoformat(),
            straddles=straddles,
            successors=successors,
        )
    ]


def list_as_of(service: ServiceProfile, period: Period) -> list[Reason]:
    """A period before the date of the service's list: confirm it was in scope then."""
    if period.end >= service.list_as_of:
        return []
    return [
        reason(
            "list-as-of",
            "informs",
            service=service.name,
            list_as_of=service.list_as_of.isoformat(),
        )
    ]


# ---------------------------------------------------------------------------
# Scope and relation


def scope(cert: Certification, label: str, service: ServiceProfile) -> list[Reason]:
    """A certification whose scope for the service is only claimed or unconfirmed."""
    if cert.scope == "confirmed":
        return []
    code: ReasonCode = "scope-claimed" if cert.scope == "claimed" else "scope-unconfirmed"
    return [
        reason(
            code,
            "blocks",
            service=service.name,
            certification=cert.id,
            label=label,
            note=cert.scope_note,
        )
    ]


def missing_certifications(
    fw: Framework, missing: Sequence[str], service: ServiceProfile
) -> list[Reason]:
    """A held framework resting on certifications the service's documentation does not list."""
    if not missing:
        return []
    return [
        reason(
            "cert-not-listed",
            "blocks",
            service=service.name,
            framework=fw.short_name,
            missing=tuple(missing),
        )
    ]


def supports_only(fw: Framework, cert: Certification, label: str) -> list[Reason]:
    """A certification that supports the framework without being one."""
    return [
        reason(
            "supports-only",
            "blocks",
            certification=cert.id,
            label=label,
            framework=fw.short_name,
            proves=cert.proves,
            does_not_prove=cert.does_not_prove,
        )
    ]


def gap(fw: Framework, service: ServiceProfile) -> Reason:
    """What makes a recognized framework a gap: nothing held supports it, or none is listed."""
    if fw.relation == "none":
        return reason(
            "no-certification",
            "decides",
            service=service.name,
            framework=fw.short_name,
            service_retired=service_retired(service),
        )
    return reason(
        "certifications-not-listed",
        "decides",
        service=service.name,
        framework=fw.short_name,
        certifications=tuple(fw.certifications),
    )


# ---------------------------------------------------------------------------
# Editions


def held_editions(
    fw: Framework, cert: Certification, label: str, asked: Edition | None, period: Period
) -> list[Reason]:
    """Edition rules for one held certification: asked edition held and confirmed, not retired."""
    confirmed = [h for h in cert.editions if h.confidence == "confirmed"]
    documented = tuple(edition_label(fw, h.edition) for h in cert.editions)
    if asked is not None:
        return _asked_held(fw, cert, label, asked, documented, confirmed)
    if cert.editions and not confirmed:
        return [reason("edition-unconfirmed", "blocks", label=label, documented=documented)]
    out: list[Reason] = []
    live = [
        h
        for h in confirmed
        if not (
            (ed := edition(fw, h.edition)) is not None
            and ed.retired_on is not None
            and ed.retired_on < period.end
        )
    ]
    if confirmed and not live:
        retired = tuple(edition_label(fw, h.edition) for h in confirmed)
        out.append(reason("edition-retired-held", "blocks", label=label, retired=retired))
    for held in confirmed:
        ed = edition(fw, held.edition)
        if ed is not None and ed.status == "superseded" and ed.superseded_by:
            newer = edition_label(fw, ed.superseded_by)
            out.append(
                reason(
                    "edition-superseded-held", "informs", label=label, edition=ed.label, newer=newer
                )
            )
    return out


def _asked_held(
    fw: Framework,
    cert: Certification,
    label: str,
    asked: Edition,
    documented: tuple[str, ...],
    confirmed: Sequence[object],
) -> list[Reason]:
    """The edition asked for: documented as held, and confirmed."""
    holding = [h for h in cert.editions if held_satisfies(fw, h.edition, asked.id)]
    if not cert.editions:
        return [reason("edition-unstated", "blocks", asked=asked.label, label=label)]
    if not holding:
        return [
            reason(
                "edition-not-held", "blocks", asked=asked.label, label=label, documented=documented
            )
        ]
    if not any(h.confidence == "confirmed" for h in holding):
        labels = tuple(
            edition_label(fw, h.edition) for h in cert.editions if h.confidence == "confirmed"
        )
        return [
            reason(
                "edition-not-confirmed", "blocks", asked=asked.label, label=label, confirmed=labels
            )
        ]
    return []


def asked_edition(fw: Framework, asked: Edition, period: Period) -> list[Reason]:
    """Lifecycle of the edition asked for, relative to the period."""
    successor = edition_label(fw, asked.superseded_by) if asked.superseded_by else ""
    if asked.status == "retired" or asked.retired_on is not None:
        on = asked.retired_on
        if on is None or on < period.end:
            return [
                reason(
                    "asked-edition-retired",
                    "blocks",
                    asked=asked.label,
                    retired_on=on.isoformat() if on else "",
                    successor=successor,
                )
            ]
        return [
            reason(
                "asked-edition-retiring",
                "informs",
                asked=asked.label,
                retired_on=on.isoformat(),
                successor=successor,
            )
        ]
    if asked.status == "superseded" and asked.superseded_by:
        return [reason("asked-edition-superseded", "informs", asked=asked.label, newer=successor)]
    return []


# ---------------------------------------------------------------------------
# What was read


def confirm_read(text: str, fw: Framework, via: str) -> list[Reason]:
    """A name read by spelling similarity or as a misspelling must be confirmed: never covered."""
    if via == "fuzzy":
        return [reason("approximate-read", "blocks", text=text, framework=fw.short_name)]
    if via in CONFIRM_VIAS:
        return [reason("typo-read", "blocks", text=text, framework=fw.short_name)]
    return []


def review(text: str, names: Sequence[str], why: str) -> Reason:
    """A framework named only to be negated or doubted: listed for a person, never assessed."""
    return reason("needs-review", "decides", text=text, frameworks=tuple(names), why=why)


# ---------------------------------------------------------------------------
# Contractual commitments


def contractual_only(
    cert: Certification, label: str, evidenced_by: Sequence[str], commitment: str
) -> list[Reason]:
    """A commitment by contract (no certification exists): at most partial, and say what backs it
    and what the customer must do (its customer-owned and shared duties)."""
    if cert.assurance != "contractual-commitment":
        return []
    customer = tuple(d.text for d in cert.duties if d.owner != "microsoft")
    return [
        reason(
            "contractual-only",
            "blocks",
            label=label,
            commitment=commitment,
            evidenced_by=tuple(evidenced_by),
            customer=customer,
        )
    ]


def overlay_decision(decided_by: str, decided_on: str, what: str, note: str) -> Reason:
    """A finding resting on the organization's own catalog entry: its decision, never coverage."""
    return reason(
        "overlay-decision",
        "blocks",
        decided_by=decided_by,
        decided_on=decided_on,
        what=what,
        note=note,
    )


# ---------------------------------------------------------------------------
# Informative caveats


def informative(
    catalog_caveats: Sequence[tuple[str, str]], evidence: Sequence[EvidenceRef]
) -> list[Reason]:
    """Caveats that inform without changing the status; the catalog's own wording first.

    `catalog_caveats`: (certification id, caveat text). A contractual commitment is no longer
    only a note: `contractual_only` blocks it.
    """
    out = [
        reason("catalog-caveat", "informs", certification=cert, text=text)
        for cert, text in catalog_caveats
    ]
    said = " ".join(text for _, text in catalog_caveats).lower()
    if any(ref.self_attested for ref in evidence) and "self-attest" not in said:
        out.append(reason("self-attested", "informs"))
    if any(ref.restricted for ref in evidence) and not re.search(r"restricted|\bnda\b", said):
        out.append(reason("restricted", "informs"))
    return out


def recognizer_note(note: str | None) -> list[Reason]:
    """What the recognizer said about how it read the name."""
    return [reason("recognizer-note", "informs", text=note)] if note else []
