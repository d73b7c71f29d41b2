"""The catalog for people and scripts: a plain-text overview and the whole catalog as JSON."""

from __future__ import annotations

from collections.abc import Sequence

from assessor.domain.models import Catalog
from assessor.domain.text import canonical_json


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


def catalog_table(catalog: Catalog) -> str:
    """A readable plain-text overview: service, certifications, frameworks, counts."""
    svc = catalog.service()
    out = [
        f"{catalog.meta.title}  (schema {catalog.meta.schema_version}, as of "
        f"{catalog.meta.as_of.isoformat()}, sha256 {catalog.meta.sha256[:16]}…)",
        "",
        f"Service: {svc.name} [{svc.id}], list as of {svc.list_as_of.isoformat()}; "
        f"lifecycle: {svc.lifecycle.status}"
        + (f" on {svc.lifecycle.end_of_life.isoformat()}" if svc.lifecycle.end_of_life else ""),
        "",
        f"Certifications ({len(catalog.certifications)}):",
    ]
    cert_rows = [
        (
            c.id,
            c.scope,
            c.assurance,
            ", ".join(
                e.edition + ("?" if e.confidence == "unconfirmed" else "") for e in c.editions
            )
            or "-",
            c.name,
        )
        for c in catalog.certifications
    ]
    out += _table(("id", "scope", "assurance", "editions", "name"), cert_rows)
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
