"""The models' base and the small vocabularies every layer shares (statuses, owners)."""

from __future__ import annotations

from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict

# ---------------------------------------------------------------------------
# Base


class AssessorModel(BaseModel):
    """Frozen, strict base: unknown fields are errors, instances never change."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


_M = TypeVar("_M", bound=AssessorModel)
_TEMPLATES: dict[type[AssessorModel], dict[str, Any]] = {}
_set = object.__setattr__


def trusted(model: type[_M], **values: Any) -> _M:
    """A model from values its own code made, each already of its field's exact type (tuples,
    not lists; models, not dicts): what validation would build, without the validation pass.

    For hot loops only (recognition builds one per name found); `model(**values)` elsewhere.
    Every required field must be given; fields left out take their (immutable) defaults.
    """
    template = _TEMPLATES.get(model)
    if template is None:  # every field in declared order; the required ones given every time
        template = {name: info.default for name, info in model.model_fields.items()}
        _TEMPLATES[model] = template
    out = object.__new__(model)
    _set(out, "__dict__", {**template, **values})
    _set(out, "__pydantic_fields_set__", set(values))
    _set(out, "__pydantic_extra__", None)
    _set(out, "__pydantic_private__", None)
    return out


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
