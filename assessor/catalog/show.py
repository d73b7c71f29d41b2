"""The catalog for people and scripts: a plain-text overview and the whole catalog as JSON."""

from __future__ import annotations

from collections.abc import Sequence

from assessor.domain.models import Catalog, ServiceProfile
from assessor.domain.text import canonical_json


def canonical(data: object) -> str:
    """Any JSON-ready data as canonical JSON text (sorted keys)."""
    return canonical_json(data).decode("utf-8").rstrip("\n")


def catalog_json(catalog: Catalog) -> str:
    """The whole catalog as JSON: sorted keys, dates as ISO strings."""
    return canonical_json(catalog.model_dump(mode="json")).decode("utf-8").rstrip("\n")


def _table(headers: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> list[str]:
    """Left-aligned columns separated by two spaces; the last column is not padded."""
    widths = [max([len(h), *(len(r[i]) for r in rows)]) for i, h in enumerate(headers)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

    rule = [*("-" * w for w in widths[:-1]), "-" * len(headers[-1])]
    return [line(headers), line(rule), *(line(r) for r in rows)]


def _lifecycle(svc: ServiceProfile) -> str:
    life = svc.lifecycle
    return life.status + (f" {life.end_of_life.isoformat()}" if life.end_of_life else "")


def _confirmed(svc: ServiceProfile) -> int:
    return sum(1 for e in svc.scope if e.confidence == "confirmed")


def services_table(catalog: Catalog) -> str:
    """One line per service profile: id, name, lifecycle, confirmed certifications, aliases."""
    rows = [
        (
            svc.id + (" *" if svc.default else ""),
            svc.name,
            _lifecycle(svc),
            str(_confirmed(svc)),
            ", ".join(a.name for a in svc.aliases) or "-",
        )
        for svc in catalog.services
    ]
    out = _table(("id", "name", "lifecycle", "confirmed", "aliases"), rows)
    out.append(
        "(* = the default service; confirmed = certifications a dated source lists it in scope "
        "for, whatever the date)"
    )
    return "\n".join(out)


def service_table(catalog: Catalog, service_id: str) -> str:
    """One profile's scope matrix: each certification, confidence, last seen (date, source)."""
    svc = catalog.service(service_id)
    out = [
        f"{svc.name} [{svc.id}]  lifecycle: {_lifecycle(svc)}",
        svc.lifecycle.statement,
        f"Documents: {svc.document_name_pattern}",
    ]
    aliases = [a.name + (" (see note)" if a.note else "") for a in svc.aliases]
    if aliases:
        out.append("Names read as this service: " + ", ".join(aliases))
    out.append("")
    rows = []
    for cert in catalog.certifications:
        entry = svc.scope_for(cert.id)
        if entry is None:
            rows.append((cert.id, "none", "-", "-", "no source read lists it in scope"))
            continue
        latest = entry.latest()
        rows.append(
            (
                cert.id,
                entry.confidence,
                latest.date.isoformat() if latest else "-",
                latest.source if latest else "-",
                ", ".join(sorted({s.date.isoformat() for s in entry.last_seen})) or "-",
            )
        )
    out += _table(("certification", "scope", "last seen", "source", "all sightings"), rows)
    out.append(
        "(a confirmed scope counts for a period only when a sighting lies within the scope "
        "window: 12 months before its start to 12 months after its end, by default)"
    )
    for alias in svc.aliases:
        if alias.note:
            out.append(f"Note on {alias.name!r}: {alias.note}")
    return "\n".join(out)


def catalog_table(catalog: Catalog) -> str:
    """A readable plain-text overview: services, certifications, frameworks, counts."""
    out = [
        f"{catalog.meta.title}  (schema {catalog.meta.schema_version}, as of "
        f"{catalog.meta.as_of.isoformat()}, sha256 {catalog.meta.sha256[:16]}…)",
        "",
        f"Services ({len(catalog.services)}):",
        services_table(catalog),
        "",
        f"Certifications ({len(catalog.certifications)}):",
    ]
    confirmed_by = {
        c.id: ", ".join(
            svc.id
            for svc in catalog.services
            if (e := svc.scope_for(c.id)) is not None and e.confidence == "confirmed"
        )
        or "-"
        for c in catalog.certifications
    }
    cert_rows = [
        (
            c.id,
            confirmed_by[c.id],
            c.assurance,
            ", ".join(
                e.edition + ("?" if e.confidence == "unconfirmed" else "") for e in c.editions
            )
            or "-",
            c.name,
        )
        for c in catalog.certifications
    ]
    out += _table(("id", "confirmed for", "assurance", "editions", "name"), cert_rows)
    out.append("(? = edition not confirmed by any source read)")
    held = [f for f in catalog.frameworks if f.relation == "held"]
    others = sorted((f for f in catalog.frameworks if f.relation != "held"), key=lambda f: f.id)
    n_fw = len(catalog.frameworks)
    out += ["", f"Frameworks ({n_fw}: {len(held)} held, {len(others)} not held):"]
    fw_rows = [
        (
            f.id,
            f.relation,
            ", ".join(f.certifications) or "-",
            f.default_edition or "-",
            f.short_name,
        )
        for f in [*held, *others]
    ]
    out += _table(("id", "relation", "certifications", "default edition", "name"), fw_rows)
    n_alias = sum(len(f.aliases) for f in catalog.frameworks)
    n_pat = sum(len(f.patterns) for f in catalog.frameworks)
    out += [
        "",
        f"Recognition: {n_alias} aliases, {n_pat} patterns, {len(catalog.groups)} group names; "
        f"{len(catalog.sources)} sources; {len(catalog.open_questions)} open questions.",
    ]
    return "\n".join(out)


def catalog_summary(catalog: Catalog) -> str:
    """One line: which catalog, how much it knows, and its fingerprint (for `make demo`)."""
    meta = catalog.meta
    services = ", ".join(s.name for s in catalog.services) or "no service"
    return (
        f"catalog: {meta.title}, as of {meta.as_of.isoformat()}: {len(catalog.certifications)} "
        f"certifications, {len(catalog.frameworks)} frameworks, {len(catalog.services)} "
        f"service profile(s) ({services}); SHA-256 {meta.sha256[:12]}"
    )
