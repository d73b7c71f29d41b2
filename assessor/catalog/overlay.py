"""The organization's own words: an overlay of aliases, frameworks and relations on the catalog.

Each entry says who decided it and when. An overlay may add a spelling of a framework, a
framework of its own (relation none, or supports with named certifications) or a `supports`
relation its auditor accepted; it may never make a framework held (or covered). The merged
catalog is cross-checked with the same rules as the shipped one, and carries every entry as an
OverlayDecision so each finding resting on one says so (reason `overlay-decision`).

Reading the YAML is load.py's (the one module that imports yaml); this module validates and
merges the parsed data.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import date
from typing import Any, Literal

from pydantic import Field, ValidationError

from assessor.catalog.check import alias_key, cross_check
from assessor.domain.errors import Issue
from assessor.domain.models import (
    AssessorModel,
    Catalog,
    Framework,
    OverlayDecision,
)

FILE = "overlay"


class _Decided(AssessorModel):
    decided_by: str = Field(min_length=1)
    decided_on: date
    note: str | None = None


class OverlayAlias(_Decided):
    """A spelling the organization uses for a framework the catalog knows."""

    alias: str = Field(min_length=1)
    framework: str


class OverlayFramework(_Decided):
    """A framework the catalog lacks: relation none, or supports with named certifications."""

    id: str = Field(min_length=1)
    name: str
    short_name: str
    category: str = "Organization"
    relation: Literal["none", "supports"] = "none"
    certifications: tuple[str, ...] = ()
    rationale: str
    aliases: tuple[str, ...] = ()


class OverlayRelation(_Decided):
    """A framework the catalog knows that the organization's auditor accepts as supported."""

    framework: str
    relation: Literal["supports"] = "supports"
    certifications: tuple[str, ...] = Field(min_length=1)
    accepted_by: str = Field(min_length=1)  # the organization's auditor
    rationale: str


class Overlay(AssessorModel):
    """A whole overlay file."""

    organization: str | None = None
    aliases: tuple[OverlayAlias, ...] = ()
    frameworks: tuple[OverlayFramework, ...] = ()
    relations: tuple[OverlayRelation, ...] = ()


class _Issues:
    """Collects problems in the shape cross_check reports them."""

    def __init__(self) -> None:
        self.issues: list[Issue] = []
        self.invalid: set[str] = set()

    def error(self, location: str, message: str) -> None:
        self.issues.append(Issue(location, message))

    def warn(self, location: str, message: str) -> None:
        self.issues.append(Issue(location, message, severity="warning"))


def parse(raw: object) -> tuple[Overlay | None, list[Issue]]:
    """The overlay from parsed YAML (`overlay:` at the top), or the problems found."""
    if not isinstance(raw, Mapping) or set(raw) != {"overlay"}:
        return None, [Issue(FILE, "expected one top-level key 'overlay'")]
    try:
        return Overlay.model_validate(raw["overlay"]), []
    except ValidationError as err:
        issues = []
        for item in err.errors():
            path = ".".join(str(p) for p in item["loc"]) or "(entry)"
            issues.append(Issue(f"{FILE}: {path}", item["msg"]))
        return None, issues


def _held(catalog: Catalog) -> set[str]:
    """Certifications the default service holds: an overlay may name only these."""
    try:
        return set(catalog.service(None).certifications)
    except KeyError:
        return set()


def _rules(overlay: Overlay, catalog: Catalog, out: _Issues) -> None:
    """What an overlay may not do, beyond the catalog's own rules."""
    known = {f.id: f for f in catalog.frameworks}
    certs = {c.id for c in catalog.certifications}
    held = _held(catalog)
    for a in overlay.aliases:
        if a.framework not in known:
            out.error(f"{FILE}: alias {a.alias!r}", f"unknown framework {a.framework!r}")
    for f in overlay.frameworks:
        loc = f"{FILE}: framework {f.id}"
        if f.id in known:
            out.error(loc, "already in the catalog: add an alias or a relation instead")
        if f.relation == "supports" and not f.certifications:
            out.error(loc, "relation supports needs the certifications that support it")
        if f.relation == "none" and f.certifications:
            out.error(loc, "relation none must not list certifications")
        for cid in f.certifications:
            if cid not in certs or cid not in held:
                out.error(loc, f"certification {cid!r} is not one Microsoft holds for the service")
    for r in overlay.relations:
        loc = f"{FILE}: relation {r.framework}"
        fw = known.get(r.framework)
        if fw is None:
            out.error(loc, f"unknown framework {r.framework!r}")
        elif fw.relation == "held":
            out.error(loc, "the framework is already held: an overlay never changes that")
        for cid in r.certifications:
            if cid not in certs or cid not in held:
                out.error(loc, f"certification {cid!r} is not one Microsoft holds for the service")


def merge(catalog: Catalog, overlay: Overlay, digest: str) -> Catalog:
    """The catalog with the overlay's entries added, each recorded as a decision."""
    frameworks = {f.id: f for f in catalog.frameworks}
    decisions: list[OverlayDecision] = []
    for a in overlay.aliases:
        fw = frameworks.get(a.framework)
        if fw is None:
            continue
        frameworks[fw.id] = fw.model_copy(update={"aliases": (*fw.aliases, a.alias)})
        decisions.append(
            OverlayDecision(
                kind="alias",
                framework=fw.id,
                alias=a.alias,
                decided_by=a.decided_by,
                decided_on=a.decided_on,
                note=a.note,
            )
        )
    for r in overlay.relations:
        fw = frameworks.get(r.framework)
        if fw is None:
            continue
        certs = tuple(dict.fromkeys((*fw.certifications, *r.certifications)))
        frameworks[fw.id] = fw.model_copy(
            update={"relation": "supports", "certifications": certs, "rationale": r.rationale}
        )
        decisions.append(
            OverlayDecision(
                kind="relation",
                framework=fw.id,
                decided_by=r.decided_by,
                decided_on=r.decided_on,
                accepted_by=r.accepted_by,
                note=r.note,
            )
        )
    for f in overlay.frameworks:
        frameworks.setdefault(
            f.id,
            Framework(
                id=f.id,
                name=f.name,
                short_name=f.short_name,
                category=f.category,
                relation=f.relation,
                certifications=f.certifications,
                rationale=f.rationale,
                aliases=f.aliases,
            ),
        )
        decisions.append(
            OverlayDecision(
                kind="framework",
                framework=f.id,
                decided_by=f.decided_by,
                decided_on=f.decided_on,
                note=f.note,
            )
        )
    sha = hashlib.sha256(f"{catalog.meta.sha256}\0{digest}".encode()).hexdigest()
    who = f" + {overlay.organization}'s overlay" if overlay.organization else " + overlay"
    meta = catalog.meta.model_copy(update={"sha256": sha, "title": catalog.meta.title + who})
    return catalog.model_copy(
        update={
            "frameworks": tuple(frameworks.values()),
            "decisions": (*catalog.decisions, *decisions),
            "meta": meta,
        }
    )


def apply(catalog: Catalog, raw: Any, digest: str) -> tuple[Catalog | None, list[Issue]]:
    """Validate an overlay against a catalog and merge it: (merged, []) or (None, problems).

    The same cross-checks as the shipped catalog (aliases claimed once, references resolve),
    plus the overlay's own: nothing held, certifications only those Microsoft holds.
    """
    overlay, issues = parse(raw)
    if overlay is None:
        return None, issues
    out = _Issues()
    _rules(overlay, catalog, out)
    merged = merge(catalog, overlay, digest)
    checked = _Issues()
    cross_check(checked, merged)
    before = _Issues()
    cross_check(before, catalog)
    seen = {(i.location, i.message) for i in before.issues}
    out.issues += [i for i in checked.issues if (i.location, i.message) not in seen]
    keys = [alias_key(a.alias) for a in overlay.aliases]
    for key, a in zip(keys, overlay.aliases, strict=True):
        if not key:
            out.error(f"{FILE}: alias {a.alias!r}", "empty after normalization")
    errors = [i for i in out.issues if i.severity == "error"]
    return (None if errors else merged), out.issues
