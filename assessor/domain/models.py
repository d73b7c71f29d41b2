"""Typed domain models shared by every layer: catalog, intake, findings. No I/O here."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

# ---------------------------------------------------------------------------
# Base


class AssessorModel(BaseModel):
    """Frozen, strict base: unknown fields are errors, instances never change."""

    model_config = ConfigDict(extra="forbid", frozen=True)


Responsibility = Literal["microsoft", "shared", "customer"]
# How a source shows a service in scope for a certification: confirmed (an offering page or
# audit-scope table lists it), claimed (only the service's own page says so), unconfirmed (no
# source read can carry it forward), not-listed (an in-scope list was read and it is not on it).
ScopeConfidence = Literal["confirmed", "claimed", "unconfirmed", "not-listed"]
IN_SCOPE: frozenset[str] = frozenset({"confirmed", "claimed", "unconfirmed"})
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
    scope_location: str  # where in the document the in-scope services are listed (any service)
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
    """An attestation Microsoft holds, with its evidence and duties; which services it covers,
    and when a source last showed them in scope, is in each service profile."""

    id: str
    name: str
    framework: str
    standard_version: str
    editions: tuple[HeldEdition, ...] = ()
    assurance: AssuranceKind
    auditor: str
    cadence: str
    validity: str
    proves: str
    does_not_prove: str
    evidence: tuple[EvidenceDoc, ...]
    duties: tuple[Duty, ...]
    caveats: tuple[str, ...] = ()
    # For a contractual commitment: the certifications whose audits evidence the safeguards it
    # promises (HIPAA's BAA: ISO/IEC 27001, SOC 2, HITRUST). They back it; they do not make it one.
    evidenced_by: tuple[str, ...] = ()
    sources: tuple[str, ...]


# ---------------------------------------------------------------------------
# Evidence on file: how long each kind of document counts (requirements/evidence.yaml)

EvidenceBasis = Literal["period", "validity", "bridge", "undated"]


class KindRule(AssessorModel):
    """How a kind of evidence document counts: over its period, or from issue to expiry."""

    kind: EvidenceKind
    basis: EvidenceBasis
    validity_months: int | None = Field(default=None, ge=1)  # from issue (signature) date
    lists_services: bool = True  # the document names the services in its scope
    confirms_scope: bool = False  # on file, it can confirm a service's scope for the period
    note: str
    sources: tuple[str, ...] = ()


class HardEnd(AssessorModel):
    """A date after which certificates to an edition are invalid whatever they say."""

    date: date
    edition: str  # "ISO/IEC 27001:2013"
    unless_title: str  # a regex: a title naming a later edition is not subject ("27001:2022")
    sources: tuple[str, ...]


class CertEvidenceRule(AssessorModel):
    """A certification's evidence rhythm: how often its documents are refreshed, how long they
    count, report periods and transition dates."""

    certification: str
    cadence_months: int = Field(ge=1)
    period_months: int | None = Field(default=None, ge=1)  # a report's period (rolling 12)
    period_ends: tuple[str, ...] = ()  # "MM-DD": the days report periods end on
    validity_months: int | None = Field(default=None, ge=1)  # overrides the kind's
    hard_ends: tuple[HardEnd, ...] = ()
    note: str
    sources: tuple[str, ...]  # the cadence's sources; the first one's `checked` dates it


class EvidenceRules(AssessorModel):
    """The freshness rules the register is judged by, each with its sources."""

    bridge_max_days: int = Field(default=92, ge=1)  # a gap a bridge letter may close
    bridge_sources: tuple[str, ...] = ()
    lookahead_days: int = Field(default=90, ge=0)  # `expiring` within this many days
    lookahead_note: str = ""
    kinds: tuple[KindRule, ...] = ()
    certifications: tuple[CertEvidenceRule, ...] = ()

    def kind(self, kind: str) -> KindRule | None:
        """The rule for a kind of document, if the catalog has one."""
        return next((k for k in self.kinds if k.kind == kind), None)

    def certification(self, cert_id: str) -> CertEvidenceRule | None:
        """The rhythm of a certification's documents, if the catalog has one."""
        return next((c for c in self.certifications if c.certification == cert_id), None)


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


_Date = date  # a field named `date` below would shadow the type inside its class


class Sighting(AssessorModel):
    """One dated source that showed a service in scope (or, for not-listed, its checked list)."""

    date: _Date  # the date the source carries (ms.date, table date, last change of the page)
    source: str
    note: str | None = None


class ScopeEntry(AssessorModel):
    """What the sources read say about one service in scope for one certification."""

    certification: str
    confidence: ScopeConfidence
    last_seen: tuple[Sighting, ...] = ()
    location: str | None = None  # where the service appears inside the evidence documents
    note: str

    def latest(self) -> Sighting | None:
        """The most recent dated sighting, if any (ties: the first listed)."""
        best: Sighting | None = None
        for sighting in self.last_seen:
            if best is None or sighting.date > best.date:
                best = sighting
        return best


class ServiceAlias(AssessorModel):
    """A name people type for a service, with a note when the name is wider or older."""

    name: str
    note: str | None = None


class ServiceDuty(AssessorModel):
    """A duty that comes with using this service (for some certifications, or for all)."""

    text: str
    owner: Responsibility
    certifications: tuple[str, ...] = ()  # empty: every finding resting on the service
    sources: tuple[str, ...] = ()


class ServiceProfile(AssessorModel):
    """A Microsoft service audited inside Microsoft's shared reports (MMD is the default).

    One YAML file per service in requirements/services/: its names, lifecycle, duties, and its
    dated scope per certification. A certification absent from `scope` has no source showing
    the service in scope for it.
    """

    id: str
    name: str
    aliases: tuple[ServiceAlias, ...] = ()
    default: bool = False
    description: str
    lifecycle: Lifecycle
    compliance_page: str | None = None
    document_name_pattern: str
    responsibility_model: str
    successors: tuple[str, ...] = ()
    duties: tuple[ServiceDuty, ...] = ()
    scope: tuple[ScopeEntry, ...] = ()
    sources: tuple[str, ...]

    @field_validator("aliases", mode="before")
    @classmethod
    def _plain_aliases(cls, value: object) -> object:
        """A plain string in YAML is an alias without a note."""
        if isinstance(value, list | tuple):
            return [{"name": v} if isinstance(v, str) else v for v in value]
        return value

    def scope_for(self, cert_id: str) -> ScopeEntry | None:
        """The scope entry for a certification, or None when no source shows it."""
        return next((e for e in self.scope if e.certification == cert_id), None)

    @property
    def certifications(self) -> tuple[str, ...]:
        """The certifications some source shows the service in scope for (any confidence but
        not-listed), in scope order."""
        return tuple(e.certification for e in self.scope if e.confidence in IN_SCOPE)


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
    evidence: EvidenceRules = EvidenceRules()  # evidence.yaml: how documents on file count

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
    services: tuple[str, ...] = ()  # service ids from the Service column; empty: the run's default
    source: CellRef | None = None
    next_period_end: date | None = None  # the next audit period's end, when the sheet gives it


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
    services: tuple[str, ...] = ()  # service ids from the row's Service cell; overrides the unit's
    extra: tuple[tuple[str, str], ...] = ()  # unrecognized columns kept as (header, value)


class RejectedRow(AssessorModel):
    """A data row that became no requirement, and why."""

    file: str
    sheet: str
    row: int
    reason: str
    business_unit: str | None = None  # when the row names one; else it belongs to every unit


class EvidenceFile(AssessorModel):
    """A register row's file in the evidence folder: found (hashed) or why not."""

    path: str  # as the Where kept column names it, relative to the evidence folder
    status: Literal["found", "missing", "refused"]
    sha256: str | None = None
    size: int | None = None
    note: str | None = None  # why missing or refused


class EvidenceRecord(AssessorModel):
    """One row of the Evidence on file register: a document the organization holds."""

    source: CellRef
    title: str  # the Document column, as downloaded
    kind: EvidenceKind | None = None  # the Kind column read (None: blank or not a known kind)
    kind_text: str | None = None  # the Kind column as typed
    period_start: date | None = None
    period_end: date | None = None
    issued: date | None = None
    expires: date | None = None
    services: tuple[str, ...] = ()  # the in-scope services as the document names them
    obtained_on: date | None = None
    business_unit: str | None = None  # None: every unit
    where_kept: str | None = None  # shown literally; never opened unless --evidence-dir
    documents: tuple[str, ...] = ()  # catalog evidence document ids it was recognized as
    file: EvidenceFile | None = None


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
    evidence: tuple[EvidenceRecord, ...] = ()  # the workbook's Evidence on file sheet, if any


# ---------------------------------------------------------------------------
# Findings (engine.py)


class FrameworkRef(AssessorModel):
    """The framework a finding is about, in the JSON contract's shape."""

    id: str
    name: str
    version: str | None = None


EvidenceState = Literal["on-file", "period-gap", "expired", "service-not-listed", "to-request"]
EVIDENCE_STATES: tuple[EvidenceState, ...] = (
    "on-file",
    "period-gap",
    "expired",
    "service-not-listed",
    "to-request",
)


class DateRange(AssessorModel):
    """Days from start to end, both included."""

    start: date
    end: date


class RegisterRef(AssessorModel):
    """A row of the evidence register, in the JSON contract's shape plus its file."""

    file: str
    sheet: str
    row: int
    title: str
    sha256: str | None = None  # the file's, when the evidence folder was read


class EvidenceStatus(AssessorModel):
    """What the organization holds of one document a finding needs, against the period."""

    state: EvidenceState
    on_file: RegisterRef | None = None  # the register row judged (the latest coverage)
    considered: tuple[RegisterRef, ...] = ()  # every row recognized as this document
    covered: tuple[DateRange, ...] = ()  # what the rows on file cover (for the timeline)
    uncovered: tuple[DateRange, ...] = ()  # days of the period nothing on file covers
    bridged: tuple[DateRange, ...] = ()  # closed only by a bridge letter (self-attested)
    bridge: RegisterRef | None = None
    long_gap: bool = False  # a gap longer than common practice accepts for a bridge letter
    valid_to: date | None = None  # the last day the document on file counts
    limit: str | None = None  # what ended it early: "validity", "hard-end", "expires"
    limit_edition: str | None = None  # the edition a hard end applies to
    expiring: date | None = None  # lapses within the look-ahead (or the next audit period)
    next_refresh: date | None = None  # the next document expected, from the cadence
    cadence_months: int | None = None
    cadence_source: str | None = None
    cadence_checked: date | None = None
    request: tuple[DateRange, ...] = ()  # report periods (or spans) still to ask for


class EvidenceRef(AssessorModel):
    """An STP document to request, in the JSON contract's shape plus where services appear."""

    title: str
    kind: EvidenceKind
    stp_section: str
    scope_location: str
    restricted: bool = False
    self_attested: bool = False
    certification: str
    status: EvidenceStatus | None = None  # against the register (None: not judged)


ReasonCode = Literal[
    # why a finding cannot be covered ("blocks")
    "eol-period",
    "eol-undated",
    "service-retired",
    "scope-last-seen",
    "scope-not-listed",
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
    "evidence-falls-short",
    # what the reader should know, without changing the status ("informs")
    "edition-superseded-held",
    "asked-edition-retiring",
    "asked-edition-superseded",
    "contractual",
    "baa",
    "self-attested",
    "restricted",
    "catalog-caveat",
    "recognizer-note",
    "evidence-on-file",
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


ScopeState = Literal["confirmed", "claimed", "unconfirmed", "not-listed", "none"]


class ServiceScopeRef(AssessorModel):
    """How one service stood in scope for one certification, for the finding's period."""

    service: str  # service id
    certification: str
    scope: ScopeState  # the profile's confidence, or none when no source shows it
    last_seen: date | None = None  # latest dated sighting
    source: str | None = None  # the source of that sighting
    in_window: bool = False  # a sighting lies within the period's window (confirmed scope counts)


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
    services: tuple[str, ...] = ()  # ids of the services the requirement was judged against
    service_scope: tuple[ServiceScopeRef, ...] = ()


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
    services: tuple[str, ...]  # ids: the unit's services, then any a requirement row added
    findings: tuple[Finding, ...]
    rejected: tuple[RejectedRow, ...]
    lifecycle_note: str
    scope_window_months: int = 12  # a scope sighting counts within this many months of the period
    evidence: tuple[EvidenceRecord, ...] = ()  # the register rows for this unit (all units')
    has_register: bool = False  # a register was given (else every document is to be requested)
