"""Typed domain models shared by every layer: catalog, intake, findings. No I/O here."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

# ---------------------------------------------------------------------------
# Base


class AssessorModel(BaseModel):
    """Frozen, strict base: unknown fields are errors, instances never change."""

    model_config = ConfigDict(extra="forbid", frozen=True)


Responsibility = Literal["microsoft", "shared", "customer"]
ScopeConfidence = Literal["confirmed", "claimed", "unconfirmed"]
Confidence = Literal["confirmed", "unconfirmed"]
AssuranceKind = Literal[
    "certification", "attestation-report", "assessment", "contractual-commitment"
]
EvidenceKind = Literal[
    "certificate",
    "audit-report",
    "assessment-report",
    "statement-of-applicability",
    "soc-report",
    "bridge-letter",
    "attestation-of-compliance",
    "letter-of-certification",
    "baa-product-terms",
    "registry-entry",
    "guide",
]
Relation = Literal["held", "supports", "none"]
EditionStatus = Literal["current", "superseded", "retired"]
Status = Literal["covered", "partial", "gap", "unrecognized"]
STATUSES: tuple[Status, ...] = ("covered", "partial", "gap", "unrecognized")
RESPONSIBILITIES: tuple[Responsibility, ...] = ("microsoft", "shared", "customer")

# ---------------------------------------------------------------------------
# Catalog (loaded from requirements/*.yaml by catalog.py)


class Source(AssessorModel):
    """A document the catalog's facts rest on, with the date it was checked."""

    id: str
    title: str
    url: str
    checked: date
    publisher: str = "Microsoft"
    note: str | None = None


class Duty(AssessorModel):
    """One obligation around a certification, and whose it is."""

    text: str
    owner: Responsibility
    sources: tuple[str, ...] = ()


class EvidenceDoc(AssessorModel):
    """A Service Trust Portal document (or public artefact) that evidences a certification."""

    id: str
    title_pattern: str
    kind: EvidenceKind
    stp_section: str
    mmd_location: str
    restricted: bool = False  # redistribution restricted (SOC 1/2): cite, never quote or attach
    self_attested: bool = False  # e.g. bridge letters: Microsoft's own statement, no auditor
    note: str | None = None
    sources: tuple[str, ...] = ()


class HeldEdition(AssessorModel):
    """An edition (or variant) of a standard that the certification is documented to."""

    edition: str
    confidence: Confidence
    note: str | None = None
    sources: tuple[str, ...] = ()


class Certification(AssessorModel):
    """One of the certifications the service holds, with its evidence and duties."""

    id: str
    name: str
    framework: str
    standard_version: str
    editions: tuple[HeldEdition, ...] = ()
    assurance: AssuranceKind
    auditor: str
    cadence: str
    validity: str
    scope: ScopeConfidence
    scope_note: str
    proves: str
    does_not_prove: str
    evidence: tuple[EvidenceDoc, ...]
    duties: tuple[Duty, ...]
    caveats: tuple[str, ...] = ()
    # For a contractual commitment: the certifications whose audits evidence the safeguards it
    # promises (HIPAA's BAA: ISO/IEC 27001, SOC 2, HITRUST). They back it; they do not make it one.
    evidenced_by: tuple[str, ...] = ()
    sources: tuple[str, ...]


class Edition(AssessorModel):
    """A version of a framework, with its lifecycle, for recognition and warnings."""

    id: str
    label: str
    aliases: tuple[str, ...] = ()
    published: date | None = None
    status: EditionStatus = "current"
    retired_on: date | None = None
    superseded_by: str | None = None
    also_satisfies: tuple[str, ...] = ()  # e.g. SOC 2 Type 2 also answers a Type 1 request
    note: str | None = None
    sources: tuple[str, ...] = ()


class Framework(AssessorModel):
    """A framework, law or standard an organization may be bound by."""

    id: str
    name: str
    short_name: str
    category: str
    relation: Relation
    certifications: tuple[str, ...] = ()
    rationale: str
    customer_duties: tuple[Duty, ...] = ()
    aliases: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()
    editions: tuple[Edition, ...] = ()
    default_edition: str | None = None
    sources: tuple[str, ...] = ()


class GroupAlias(AssessorModel):
    """A name that denotes several frameworks at once ("CSA STAR Level 2") or a bare family."""

    alias: str
    frameworks: tuple[str, ...]
    ambiguous: bool = False  # True: a bare family ("SOC"): ask which, resolve to none
    note: str


class Lifecycle(AssessorModel):
    """When a service was available, per the vendor's own documentation."""

    status: Literal["available", "end-of-life"]
    end_of_life: date | None = None
    notice_added: date | None = None
    statement: str
    sources: tuple[str, ...]


class ServiceProfile(AssessorModel):
    """A Microsoft service audited inside Microsoft's shared reports (MMD is the default)."""

    id: str
    name: str
    default: bool = False
    description: str
    lifecycle: Lifecycle
    compliance_page: str
    list_as_of: date
    document_name_pattern: str
    scope_categories: tuple[str, ...]
    successors: tuple[str, ...] = ()
    certifications: tuple[str, ...]
    responsibility_model: str
    sources: tuple[str, ...]


class StpSection(AssessorModel):
    """A place in the Service Trust Portal, current or stale."""

    id: str
    name: str
    path: str
    url: str | None = None
    stale: bool = False
    note: str | None = None
    sources: tuple[str, ...] = ()


class StpLayout(AssessorModel):
    """The STP navigation as it is now, and what it used to be."""

    home: str
    menu: tuple[str, ...]
    categories: tuple[str, ...]
    availability_note: str
    sections: tuple[StpSection, ...]
    sources: tuple[str, ...]


class MatrixRow(AssessorModel):
    """One row of the shared-responsibility matrix across deployment models."""

    area: str
    on_premises: Responsibility
    iaas: Responsibility
    paas: Responsibility
    saas: Responsibility
    mmd: Responsibility
    note: str | None = None


class SharedResponsibility(AssessorModel):
    """The shared-responsibility model and where the managed desktop service sits in it."""

    statement: str
    matrix: tuple[MatrixRow, ...]
    always_customer: tuple[str, ...]
    service_position: str
    sources: tuple[str, ...]


class OverlayDecision(AssessorModel):
    """An entry the organization added to the catalog (an overlay): what, who decided, when.

    kind: "alias" (a spelling of an existing framework), "framework" (a framework of its own,
    relation none or supports), "relation" (a supports relation its auditor accepted).
    """

    kind: Literal["alias", "framework", "relation"]
    framework: str
    alias: str | None = None
    decided_by: str
    decided_on: date
    accepted_by: str | None = None  # relation: the organization's auditor
    note: str | None = None


class CatalogMeta(AssessorModel):
    """Catalog identity printed on every report."""

    schema_version: int
    as_of: date
    title: str
    sha256: str


class Catalog(AssessorModel):
    """The whole knowledge catalog, cross-referenced and validated."""

    meta: CatalogMeta
    sources: tuple[Source, ...]
    services: tuple[ServiceProfile, ...]
    certifications: tuple[Certification, ...]
    frameworks: tuple[Framework, ...]
    groups: tuple[GroupAlias, ...]
    stp: StpLayout
    responsibility: SharedResponsibility
    open_questions: tuple[str, ...] = ()
    decisions: tuple[OverlayDecision, ...] = ()  # the organization's own entries (an overlay)

    def framework(self, framework_id: str) -> Framework:
        """The framework with this id (KeyError when absent)."""
        for fw in self.frameworks:
            if fw.id == framework_id:
                return fw
        raise KeyError(framework_id)

    def certification(self, cert_id: str) -> Certification:
        """The certification with this id (KeyError when absent)."""
        for cert in self.certifications:
            if cert.id == cert_id:
                return cert
        raise KeyError(cert_id)

    def source(self, source_id: str) -> Source:
        """The source with this id (KeyError when absent)."""
        for src in self.sources:
            if src.id == source_id:
                return src
        raise KeyError(source_id)

    def service(self, service_id: str | None = None) -> ServiceProfile:
        """The named service profile, or the default one."""
        for svc in self.services:
            if (service_id is None and svc.default) or svc.id == service_id:
                return svc
        raise KeyError(service_id or "<default>")


# ---------------------------------------------------------------------------
# Recognition (recognize.py)


class Candidate(AssessorModel):
    """One framework a text may name, with the edition it names if any."""

    framework: str
    edition: str | None = None
    score: float = Field(ge=0, le=100)
    via: str  # "alias", "pattern", "group", "typo" (a near-miss read: confirm), "fuzzy"


MatchStatus = Literal["matched", "ambiguous", "review", "unrecognized"]
ReviewReason = Literal["negated", "doubtful"]


class Mention(AssessorModel):
    """One framework name found inside a text: where, how it was read, and the words around it."""

    start: int  # character offsets into the text as given
    end: int
    matched_text: str  # text[start:end]
    status: Literal["matched", "ambiguous", "review"]
    frameworks: tuple[Candidate, ...]
    suggestions: tuple[str, ...] = ()
    via: str  # "alias", "pattern", "group", "typo"
    before: str = ""  # the words between the previous mention (or the start) and this one
    after: str = ""  # the words between this mention and the next one (or the end)
    review: ReviewReason | None = None  # negated ("no SOC 2 needed") or doubtful ("ISO 27001?")
    note: str | None = None


class Match(AssessorModel):
    """How one framework name resolves against the catalog."""

    text: str
    status: MatchStatus
    frameworks: tuple[Candidate, ...] = ()  # all named (several for "CSA STAR Level 2")
    suggestions: tuple[str, ...] = ()  # framework ids, closest first
    note: str | None = None
    matched_text: str | None = None  # the substring that named it: 'ISO 27001' in 'Current ...'
    span: tuple[int, int] | None = None  # where matched_text is in text
    review: ReviewReason | None = None  # status "review": why the name is not taken as asked


# ---------------------------------------------------------------------------
# Intake (intake.py)


class CellRef(AssessorModel):
    """Where a value came from: file, sheet, 1-based row, column letter."""

    file: str
    sheet: str
    row: int
    column: str | None = None

    def __str__(self) -> str:
        col = self.column or ""
        return f"{self.sheet}!{col}{self.row}"


class BusinessUnit(AssessorModel):
    """A business unit and the audit period its evidence is judged against."""

    name: str
    owner: str | None = None
    auditor: str | None = None
    period_start: date | None = None
    period_end: date | None = None
    source: CellRef | None = None


class Requirement(AssessorModel):
    """One framework a business unit must meet, from one source row."""

    source: CellRef
    business_unit: str
    text: str  # this framework's part of the cell, as typed (after text normalization)
    cell_text: str  # the whole cell as typed
    version: str | None = None
    scope_notes: str | None = None
    evidence_needed: str | None = None
    owner: str | None = None
    due_date: date | None = None
    priority: str | None = None
    extra: tuple[tuple[str, str], ...] = ()  # unrecognized columns kept as (header, value)
    # How `text` was recognized when the cell was read (once per cell, by the intake): the
    # engine assesses this Match instead of reading the name again. None when built without it.
    match: Match | None = None


class RejectedRow(AssessorModel):
    """A data row that became no requirement, and why."""

    file: str
    sheet: str
    row: int
    reason: str
    business_unit: str | None = None  # when the row names one; else it belongs to every unit


class IntakeResult(AssessorModel):
    """Everything read from one workbook, with every row accounted for."""

    file: str
    path: str
    sha256: str
    requirements: tuple[Requirement, ...]
    units: tuple[BusinessUnit, ...]
    rejected: tuple[RejectedRow, ...]
    warnings: tuple[str, ...]
    data_rows: int  # rows with content below the header, in all sheets read
    sheets_read: tuple[str, ...]


# ---------------------------------------------------------------------------
# Findings (engine.py)


class FrameworkRef(AssessorModel):
    """The framework a finding is about, in the JSON contract's shape."""

    id: str
    name: str
    version: str | None = None


class EvidenceRef(AssessorModel):
    """An STP document to request, in the JSON contract's shape plus how MMD appears."""

    title: str
    kind: EvidenceKind
    stp_section: str
    mmd_location: str
    restricted: bool = False
    self_attested: bool = False
    certification: str


ReasonCode = Literal[
    # why a finding cannot be covered ("blocks")
    "eol-period",
    "eol-undated",
    "scope-claimed",
    "scope-unconfirmed",
    "cert-not-listed",
    "supports-only",
    "edition-unconfirmed",
    "edition-retired-held",
    "edition-unstated",
    "edition-not-held",
    "edition-not-confirmed",
    "asked-edition-retired",
    "edition-unknown",
    "version-unknown",
    "editions-conflict",
    "approximate-read",
    "typo-read",
    "contractual-only",
    "overlay-decision",
    # what the reader should know, without changing the status ("informs")
    "edition-superseded-held",
    "asked-edition-retiring",
    "asked-edition-superseded",
    "list-as-of",
    "contractual",
    "baa",
    "self-attested",
    "restricted",
    "catalog-caveat",
    "recognizer-note",
    # what decided a gap or an unrecognized finding ("decides")
    "no-certification",
    "certifications-not-listed",
    "unrecognized",
    "ambiguous",
    "needs-review",
]
ReasonEffect = Literal["blocks", "informs", "decides"]
ReasonValue = str | bool | tuple[str, ...]


class Reason(AssessorModel):
    """Why a finding has its status, as a code plus the facts behind it (worded elsewhere)."""

    code: ReasonCode
    effect: ReasonEffect
    data: dict[str, ReasonValue] = Field(default_factory=dict)


class Finding(AssessorModel):
    """The assessment of one requirement."""

    source: CellRef
    requirement: str
    framework: FrameworkRef | None
    status: Status
    responsibility: Responsibility
    certifications: tuple[str, ...]
    evidence: tuple[EvidenceRef, ...]
    customer_actions: tuple[str, ...]
    caveats: tuple[str, ...]
    suggestions: tuple[str, ...]
    rationale: str
    reasons: tuple[Reason, ...] = ()


class Period(AssessorModel):
    """The period an assessment judges evidence against."""

    start: date | None
    end: date
    basis: Literal["audit-period", "as-of"]


class Assessment(AssessorModel):
    """All findings for one business unit."""

    organization: str
    business_unit: BusinessUnit
    as_of: date
    period: Period
    service: str
    findings: tuple[Finding, ...]
    rejected: tuple[RejectedRow, ...]
    lifecycle_note: str
