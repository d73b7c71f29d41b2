"""Labels, marks and definitions of statuses, responsibilities and evidence kinds (pure).

The one source of these words: README.md's status table must say the same as
STATUS_DEFINITIONS (tests/test_readme.py checks it).
"""

from __future__ import annotations

from assessor.domain.models import (
    RESPONSIBILITIES,
    STATUSES,
    AssessorModel,
    EvidenceKind,
    Responsibility,
    ScopeState,
    Status,
)

STATUS_LABELS: dict[Status, str] = {
    "covered": "Covered",
    "partial": "Partial",
    "gap": "Gap",
    "unrecognized": "Not recognized",
}
# A shape per status, so that status never rests on colour alone (grayscale print).
STATUS_MARKS: dict[Status, str] = {
    "covered": "\u25cf",  # ● filled circle
    "partial": "\u25d0",  # ◐ half-filled circle
    "gap": "\u25cb",  # ○ empty circle
    "unrecognized": "?",
}
STATUS_DEFINITIONS: dict[Status, str] = {
    "covered": (
        "Microsoft holds a certification for this framework, in the version asked for, and "
        "every service the requirement uses is in its confirmed scope: a source dated within "
        "the scope window of the period lists it, and the period lies inside the service's "
        "life. The organization still evidences its own part (see the customer "
        "responsibilities)."
    ),
    "partial": (
        "A held certification only supports the framework, covers another version or type than "
        "the one asked for, or a service's scope for it is claimed, unconfirmed or last shown "
        "by a source dated outside the scope window; or the period runs past a service's end "
        "of life. The caveats name the service that falls short and why."
    ),
    "gap": (
        "Nothing Microsoft holds supports this framework for the services used: no source read "
        "lists them in scope, or the service was retired before the period. The organization "
        "must evidence it entirely through its own controls and audits."
    ),
    "unrecognized": (
        "The text names no framework the catalog knows. The closest known frameworks are "
        "suggested; correct the entry and run the assessment again."
    ),
}
SCOPE_LABELS: dict[ScopeState, str] = {
    "confirmed": "Confirmed",
    "claimed": "Claimed",
    "unconfirmed": "Unconfirmed",
    "not-listed": "Not listed",
    "none": "No source",
}
# A shape per state (print in grayscale): confirmed and in the window is the only full mark.
SCOPE_MARKS: dict[str, str] = {
    "current": "\u25cf",  # ● confirmed, a sighting in the window
    "confirmed": "\u25d1",  # ◑ confirmed, but last shown outside the window
    "claimed": "\u25d0",  # ◐
    "unconfirmed": "?",
    "not-listed": "\u2013",  # –
    "none": "\u00b7",  # ·
}
SCOPE_DEFINITIONS: tuple[tuple[str, str, str], ...] = (
    (
        "current",
        "Confirmed",
        "An offering page or audit-scope table lists the service, dated within the scope window "
        "of the period: the only state that can make a finding covered.",
    ),
    (
        "confirmed",
        "Confirmed, dated outside the window",
        "Listed, but the last source showing it is too far from the period: confirm in the "
        "current document.",
    ),
    ("claimed", "Claimed", "Only the service's own page or a docs-feedback thread says so."),
    ("unconfirmed", "Unconfirmed", "No source read can carry the scope to this period."),
    (
        "not-listed",
        "Not listed",
        "An in-scope list was read (dated) and the service is not on it.",
    ),
    ("none", "No source", "No source read lists the service in scope."),
)


RESPONSIBILITY_LABELS: dict[Responsibility, str] = {
    "microsoft": "Microsoft",
    "shared": "Shared",
    "customer": "Customer",
}
SHARED_MARK = "\u21c4"  # ⇄ marks a shared responsibility
RESPONSIBILITY_DEFINITIONS: dict[Responsibility, str] = {
    "microsoft": "Microsoft's certification evidences the requirement with no customer duty.",
    "shared": (
        "Microsoft evidences its part of the service; the organization must evidence its own "
        "configuration, processes and people. Marked SHARED throughout this report."
    ),
    "customer": "The organization evidences the requirement itself; the service gives no support.",
}
KIND_LABELS: dict[EvidenceKind, str] = {
    "certificate": "Certificate",
    "audit-report": "Audit report",
    "assessment-report": "Assessment report",
    "statement-of-applicability": "Statement of applicability",
    "soc-report": "SOC report",
    "bridge-letter": "Bridge letter",
    "attestation-of-compliance": "Attestation of compliance",
    "letter-of-certification": "Letter of certification",
    "baa-product-terms": "BAA / product terms",
    "registry-entry": "Registry entry",
    "guide": "Guide",
}


def responsibility_mark(responsibility: Responsibility) -> str:
    """The shared mark for a shared responsibility, nothing for the others."""
    return SHARED_MARK if responsibility == "shared" else ""


def kind_label(kind: EvidenceKind) -> str:
    """An evidence kind's label, or the kind itself when it has none."""
    return KIND_LABELS.get(kind, kind)


class Definition(AssessorModel):
    """A term and its definition, with the mark it is shown with."""

    key: str
    label: str
    mark: str
    text: str


def status_definitions() -> tuple[Definition, ...]:
    """Every status, in order, with its label, mark and definition."""
    return tuple(
        Definition(key=s, label=STATUS_LABELS[s], mark=STATUS_MARKS[s], text=STATUS_DEFINITIONS[s])
        for s in STATUSES
    )


def responsibility_definitions() -> tuple[Definition, ...]:
    """Every responsibility, in order, with its label, mark and definition."""
    return tuple(
        Definition(
            key=r,
            label=RESPONSIBILITY_LABELS[r],
            mark=responsibility_mark(r),
            text=RESPONSIBILITY_DEFINITIONS[r],
        )
        for r in RESPONSIBILITIES
    )


def shared_sentence(shared: int, total: int) -> str:
    """The shared count as a count of items, never a fifth status: `8 of these 9 requirements
    are a shared responsibility: ...`."""
    if total == 0:
        return ""
    if shared == 0:
        return "None of these requirements is a shared responsibility."
    noun = "requirement" if total == 1 else "requirements"
    verb = "is" if shared == 1 else "are"
    return (
        f"{shared} of these {total} {noun} {verb} a shared responsibility "
        "(\u21c4 SHARED): Microsoft evidences its part, the organization must evidence its own."
    )
