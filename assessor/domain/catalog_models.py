"""The knowledge catalog's models: sources, certifications, frameworks, service profiles,
evidence rules, the STP layout and the shared-responsibility matrix (loaded by catalog/)."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field, field_validator

from assessor.domain.base import (
    IN_SCOPE,
    AssessorModel,
    AssuranceKind,
    Confidence,
    EditionStatus,
    EvidenceKind,
    Relation,
    Responsibility,
    ScopeConfidence,
)
from assessor.domain.overlay_models import OverlayOrigin

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
    # The framework this one is a part of (an implementing act of its directive, a rule of its
    # act): where both are named in one name ("NIS2 - Implementing Regulation"), the part is meant.
    part_of: str | None = None


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
    certifications: tuple[str, ...] = ()  # relation: the certifications accepted as support
    rationale: str | None = None  # relation: why
    units: tuple[str, ...] = ()  # relation: the units it is for (empty: every unit)
    source: str | None = None  # the overlay it came from (OverlayOrigin.file)


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
    overlays: tuple[OverlayOrigin, ...] = ()  # the overlays merged, in the order applied
    # evidence.yaml: how documents on file count (a factory: a default instance would build
    # the model's validator at import)
    evidence: EvidenceRules = Field(default_factory=EvidenceRules)

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
