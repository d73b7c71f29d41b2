"""The catalog as the upload page's catalog page shows it: services, certifications and the
frameworks people name, searchable by name or alias (pure)."""

from __future__ import annotations

from assessor.domain.models import AssessorModel, Catalog, ServiceProfile
from assessor.domain.text import long_date, normalize_text
from assessor.views.common import cert_name

RELATIONS = {
    "held": "Held by the service",
    "supports": "Supported by a certification",
    "none": "Not held: all the customer's",
}
RELATION_SHORT = {"held": "Held", "supports": "Supported", "none": "Not held"}
ASSURANCE = {
    "certification": "Certification",
    "attestation-report": "Attestation report",
    "assessment": "Assessment",
    "contractual-commitment": "Contractual commitment",
}
MAX_ALIASES = 6


class ServiceRow(AssessorModel):
    """A service profile: its lifecycle and how many certifications it lists."""

    name: str
    description: str
    lifecycle: str
    certifications: int
    list_as_of: str  # the latest date a source shows it in scope ("" when none)


class CertificationRow(AssessorModel):
    """A certification the service holds (or held)."""

    id: str
    name: str
    standard_version: str
    assurance: str
    scope: str  # the services a dated source confirms in scope
    validity: str
    documents: int


class FrameworkRow(AssessorModel):
    """A framework people name in their workbooks, and what the service holds for it."""

    id: str
    name: str
    short_name: str
    category: str
    relation: str
    relation_label: str
    certifications: tuple[str, ...]
    aliases: tuple[str, ...]
    more_aliases: int
    editions: tuple[str, ...]


class CategoryGroup(AssessorModel):
    """Frameworks of one category."""

    name: str
    frameworks: tuple[FrameworkRow, ...]


class CatalogListing(AssessorModel):
    """Everything the catalog page shows for one search."""

    title: str
    as_of: str
    query: str
    relation: str
    relations: tuple[tuple[str, str], ...]
    services: tuple[ServiceRow, ...]
    certifications: tuple[CertificationRow, ...]
    groups: tuple[CategoryGroup, ...]
    found: int
    total: int


def _fold(text: str) -> str:
    return " ".join(normalize_text(text).casefold().replace("-", " ").split())


def _matches(row: FrameworkRow, query: str) -> bool:
    if not query:
        return True
    needle = _fold(query)
    return any(
        needle in _fold(text)
        for text in (row.name, row.short_name, row.id, row.category, *row.aliases, *row.editions)
    )


def browse(catalog: Catalog, query: str = "", relation: str = "") -> CatalogListing:
    """The catalog page for a search text (name, alias, id or category) and a relation."""
    relation = relation if relation in RELATIONS else ""
    rows = []
    for fw in catalog.frameworks:
        aliases = tuple(sorted(set(fw.aliases), key=str.casefold))
        rows.append(
            FrameworkRow(
                id=fw.id,
                name=fw.name,
                short_name=fw.short_name,
                category=fw.category or "Other",
                relation=fw.relation,
                relation_label=RELATION_SHORT.get(fw.relation, fw.relation),
                certifications=tuple(cert_name(catalog, c) for c in fw.certifications),
                aliases=aliases,
                more_aliases=max(0, len(aliases) - MAX_ALIASES),
                editions=tuple(e.label for e in fw.editions),
            )
        )
    kept = [r for r in rows if _matches(r, query) and (not relation or r.relation == relation)]
    groups: dict[str, list[FrameworkRow]] = {}
    for row in sorted(kept, key=lambda r: (r.category.casefold(), r.short_name.casefold())):
        groups.setdefault(row.category, []).append(row)
    return CatalogListing(
        title=catalog.meta.title,
        as_of=long_date(catalog.meta.as_of),
        query=query,
        relation=relation,
        relations=tuple(RELATIONS.items()),
        services=tuple(
            ServiceRow(
                name=s.name,
                description=s.description,
                lifecycle=s.lifecycle.statement,
                certifications=len(s.certifications),
                list_as_of=_latest_source(s),
            )
            for s in catalog.services
        ),
        certifications=tuple(
            CertificationRow(
                id=c.id,
                name=c.name,
                standard_version=c.standard_version,
                assurance=ASSURANCE.get(c.assurance, c.assurance),
                scope=", ".join(
                    s.name
                    for s in catalog.services
                    if (e := s.scope_for(c.id)) is not None and e.confidence == "confirmed"
                )
                or "none confirmed",
                validity=c.validity,
                documents=len(c.evidence),
            )
            for c in catalog.certifications
        ),
        groups=tuple(CategoryGroup(name=k, frameworks=tuple(v)) for k, v in groups.items()),
        found=len(kept),
        total=len(rows),
    )


def _latest_source(service: ServiceProfile) -> str:
    """The latest date a source shows the service in scope for any certification."""
    dates = [x.date for e in service.scope if (x := e.latest()) is not None]
    return long_date(max(dates)) if dates else ""
