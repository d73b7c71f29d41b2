"""The models' base and the small vocabularies every layer shares (statuses, owners)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

# ---------------------------------------------------------------------------
# Base


class AssessorModel(BaseModel):
    """Frozen, strict base: unknown fields are errors, instances never change."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


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
