"""Typed domain models shared by every layer: catalog, intake, findings. No I/O here."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field

from assessor.domain.base import (
    IN_SCOPE,
    RESPONSIBILITIES,
    STATUSES,
    AssessorModel,
    AssuranceKind,
    Confidence,
    EditionStatus,
    EvidenceKind,
    Relation,
    Responsibility,
    ScopeConfidence,
    Status,
)
from assessor.domain.catalog_models import (
    Catalog,
    CatalogMeta,
    CertEvidenceRule,
    Certification,
    Duty,
    Edition,
    EvidenceBasis,
    EvidenceDoc,
    EvidenceRules,
    Framework,
    GroupAlias,
    HardEnd,
    HeldEdition,
    KindRule,
    Lifecycle,
    MatrixRow,
    OverlayDecision,
    ScopeEntry,
    ServiceAlias,
    ServiceDuty,
    ServiceProfile,
    SharedResponsibility,
    Sighting,
    Source,
    StpLayout,
    StpSection,
)
from assessor.domain.overlay_models import (
    Overlay,
    OverlayAlias,
    OverlayFramework,
    OverlayOrigin,
    OverlayRelation,
    WorkbookOverlay,
)
from assessor.domain.recognition import Candidate, Match, MatchStatus, Mention, ReviewReason

# The models of every layer, importable from here: the shared base and vocabularies
# (base.py), the catalog's entries (catalog_models.py), recognition's answers (recognition.py)
# and those defined below.
__all__ = [
    "EVIDENCE_STATES",
    "IN_SCOPE",
    "RESPONSIBILITIES",
    "STATUSES",
    "Assessment",
    "AssessorModel",
    "AssuranceKind",
    "BusinessUnit",
    "Candidate",
    "Catalog",
    "CatalogMeta",
    "CellRef",
    "CertEvidenceRule",
    "Certification",
    "Confidence",
    "DateRange",
    "Duty",
    "Edition",
    "EditionStatus",
    "EvidenceBasis",
    "EvidenceDoc",
    "EvidenceFile",
    "EvidenceKind",
    "EvidenceRecord",
    "EvidenceRef",
    "EvidenceRules",
    "EvidenceState",
    "EvidenceStatus",
    "Finding",
    "Framework",
    "FrameworkRef",
    "GroupAlias",
    "HardEnd",
    "HeldEdition",
    "IntakeResult",
    "KindRule",
    "Lifecycle",
    "Match",
    "MatchStatus",
    "MatrixRow",
    "Mention",
    "Overlay",
    "OverlayAlias",
    "OverlayDecision",
    "OverlayFramework",
    "OverlayOrigin",
    "OverlayRelation",
    "Period",
    "Reason",
    "ReasonCode",
    "ReasonEffect",
    "ReasonValue",
    "RegisterRef",
    "RejectedRow",
    "Relation",
    "Requirement",
    "Responsibility",
    "ReviewReason",
    "ScopeConfidence",
    "ScopeEntry",
    "ScopeState",
    "ServiceAlias",
    "ServiceDuty",
    "ServiceProfile",
    "ServiceScopeRef",
    "SharedResponsibility",
    "Sighting",
    "Source",
    "Status",
    "StpLayout",
    "StpSection",
    "WorkbookOverlay",
]

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
    overlay: WorkbookOverlay | None = None  # the workbook's Overlay sheet, if any


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
    # The words that named the framework inside the requirement ('ISO 27001' in 'Current ISO
    # 27001 certificate'); None when nothing was recognized.
    matched_text: str | None = None
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
