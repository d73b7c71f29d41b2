"""Load the knowledge catalog (requirements/*.yaml) into frozen models and cross-check it."""

from __future__ import annotations

import functools
import hashlib
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from assessor.catalog.resources import catalog_dir
from assessor.domain.errors import CatalogError, Issue
from assessor.domain.models import (
    Catalog,
    CatalogMeta,
    Certification,
    Framework,
    GroupAlias,
    ServiceProfile,
    SharedResponsibility,
    Source,
    StpLayout,
)
from assessor.domain.text import canonical_json

SCHEMA_VERSION = 1

# file name -> the top-level keys it may hold (all required)
FILES: dict[str, tuple[str, ...]] = {
    "catalog.yaml": ("schema_version", "as_of", "title", "open_questions"),
    "sources.yaml": ("sources",),
    "services.yaml": ("services",),
    "certifications.yaml": ("certifications",),
    "frameworks.yaml": ("frameworks",),
    "groups.yaml": ("groups",),
    "stp.yaml": ("stp",),
    "responsibility.yaml": ("responsibility",),
}
OPTIONAL_KEYS: dict[str, frozenset[str]] = {"catalog.yaml": frozenset({"open_questions"})}

M = TypeVar("M", bound=BaseModel)

# The C-accelerated safe loader when libyaml is present (same safety as yaml.safe_load: plain
# YAML tags only, no Python objects), else the pure-Python SafeLoader.
_SAFE_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def alias_key(text: str) -> str:
    """The comparison key for alias collisions: the recognizer's own compact key."""
    from assessor.recognize.match import compact_key

    return compact_key(text)


def _format_validation(err: ValidationError) -> list[str]:
    """One line per pydantic error: `field.path: message`."""
    out: list[str] = []
    for item in err.errors():
        path = ".".join(str(p) for p in item["loc"]) or "(entry)"
        out.append(f"{path}: {item['msg']}")
    return out


class _Loader:
    """Collects issues while reading and validating one catalog folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.issues: list[Issue] = []
        self.raw: dict[str, Mapping[str, Any]] = {}
        self.digest = ""
        self.invalid: set[str] = set()  # ids of entries that failed validation

    def error(self, location: str, message: str) -> None:
        self.issues.append(Issue(location, message))

    def warn(self, location: str, message: str) -> None:
        self.issues.append(Issue(location, message, severity="warning"))

    # -- reading -----------------------------------------------------------------------------

    def read_files(self) -> None:
        """Read every catalog file with the safe YAML loader; hash their bytes in name order."""
        if not self.folder.is_dir():
            self.error(str(self.folder), "catalog folder not found")
            return
        sha = hashlib.sha256()
        for name in sorted(FILES):
            path = self.folder / name
            if not path.is_file():
                self.error(name, "file missing from the catalog folder")
                continue
            data = path.read_bytes()
            sha.update(name.encode() + b"\0" + data + b"\0")
            try:
                loaded = yaml.load(data.decode("utf-8"), Loader=_SAFE_LOADER)
            except UnicodeDecodeError as err:
                self.error(name, f"not UTF-8 text: {err}")
                continue
            except yaml.YAMLError as err:
                mark = getattr(err, "problem_mark", None)
                where = f"{name}:{mark.line + 1}" if mark is not None else name
                problem = getattr(err, "problem", None) or str(err)
                self.error(where, f"YAML syntax error: {problem}")
                continue
            if not isinstance(loaded, dict):
                self.error(name, "expected a mapping of top-level keys")
                continue
            expected = FILES[name]
            for key in loaded:
                if key not in expected:
                    wanted = ", ".join(expected)
                    self.error(name, f"unknown top-level key {key!r} (expected {wanted})")
            for key in expected:
                if key not in loaded and key not in OPTIONAL_KEYS.get(name, frozenset()):
                    self.error(name, f"missing top-level key {key!r}")
            self.raw[name] = loaded
        extra = sorted(
            p.name for p in self.folder.glob("*.y*ml") if p.name not in FILES and p.is_file()
        )
        for name in extra:
            self.warn(name, "not a catalog file: ignored")
        self.digest = sha.hexdigest()

    def entries(self, name: str, key: str, model: type[M]) -> list[M]:
        """Validate each list entry on its own so every error names its entry."""
        value = self.raw.get(name, {}).get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            self.error(f"{name}: {key}", "expected a list")
            return []
        out: list[M] = []
        for index, item in enumerate(value):
            label = _entry_label(item, index)
            try:
                out.append(model.model_validate(item))
            except ValidationError as err:
                self.invalid.add(label)
                for line in _format_validation(err):
                    self.error(f"{name}: {label}", line)
        return out

    def single(self, name: str, key: str, model: type[M]) -> M | None:
        value = self.raw.get(name, {}).get(key)
        if value is None:
            return None
        try:
            return model.model_validate(value)
        except ValidationError as err:
            for line in _format_validation(err):
                self.error(f"{name}: {key}", line)
            return None

    def meta(self) -> CatalogMeta | None:
        raw = self.raw.get("catalog.yaml")
        if raw is None:
            return None
        try:
            meta = CatalogMeta.model_validate(
                {
                    "schema_version": raw.get("schema_version"),
                    "as_of": raw.get("as_of"),
                    "title": raw.get("title"),
                    "sha256": self.digest,
                }
            )
        except ValidationError as err:
            for line in _format_validation(err):
                self.error("catalog.yaml", line)
            return None
        if meta.schema_version != SCHEMA_VERSION:
            self.error(
                "catalog.yaml",
                f"schema_version {meta.schema_version} is not supported "
                f"(expected {SCHEMA_VERSION})",
            )
        return meta

    def open_questions(self) -> tuple[str, ...]:
        raw = self.raw.get("catalog.yaml", {}).get("open_questions") or []
        if not isinstance(raw, list) or not all(isinstance(q, str) for q in raw):
            self.error("catalog.yaml: open_questions", "expected a list of strings")
            return ()
        return tuple(raw)


def _entry_label(item: object, index: int) -> str:
    if isinstance(item, dict):
        for field in ("id", "alias", "area"):
            value = item.get(field)
            if isinstance(value, str) and value:
                return value
    return f"entry {index + 1}"


def _duplicates(values: Iterable[str]) -> list[str]:
    return sorted(v for v, n in Counter(values).items() if n > 1)


def _cross_check(ld: _Loader, cat: Catalog) -> None:
    """Every reference resolves, ids are unique, aliases are claimed once, patterns compile."""
    src_ids = {s.id for s in cat.sources}
    fw_by_id = {f.id: f for f in cat.frameworks}
    cert_ids = {c.id for c in cat.certifications}
    stp_paths = {s.path: s for s in cat.stp.sections}

    for what, file, ids in (
        ("source", "sources.yaml", [s.id for s in cat.sources]),
        ("service", "services.yaml", [s.id for s in cat.services]),
        ("certification", "certifications.yaml", [c.id for c in cat.certifications]),
        ("framework", "frameworks.yaml", [f.id for f in cat.frameworks]),
        ("STP section", "stp.yaml", [s.id for s in cat.stp.sections]),
        ("matrix area", "responsibility.yaml", [r.area for r in cat.responsibility.matrix]),
        (
            "evidence document",
            "certifications.yaml",
            [e.id for c in cat.certifications for e in c.evidence],
        ),
    ):
        for dup in _duplicates(ids):
            ld.error(f"{file}: {dup}", f"duplicate {what} id {dup!r}")

    cited: set[str] = set()

    def refs(location: str, ids: Iterable[str]) -> None:
        for sid in ids:
            cited.add(sid)
            if sid not in src_ids and sid not in ld.invalid:
                ld.error(location, f"unknown source {sid!r} (not in sources.yaml)")

    # services
    defaults = [s.id for s in cat.services if s.default]
    if len(defaults) != 1:
        ld.error(
            "services.yaml",
            f"exactly one service must be default: true (found {len(defaults)}: "
            f"{', '.join(defaults) or 'none'})",
        )
    for svc in cat.services:
        loc = f"services.yaml: {svc.id}"
        refs(loc, svc.sources)
        refs(f"{loc}: lifecycle", svc.lifecycle.sources)
        for cid in svc.certifications:
            if cid not in cert_ids and cid not in ld.invalid:
                ld.error(loc, f"unknown certification {cid!r} (not in certifications.yaml)")
        for dup in _duplicates(svc.certifications):
            ld.error(loc, f"certification {dup!r} listed twice")
        if svc.lifecycle.status == "end-of-life" and svc.lifecycle.end_of_life is None:
            ld.error(f"{loc}: lifecycle", "end-of-life status needs an end_of_life date")

    # certifications
    for cert in cat.certifications:
        loc = f"certifications.yaml: {cert.id}"
        refs(loc, cert.sources)
        if not cert.sources:
            ld.error(loc, "a certification needs at least one source")
        if not cert.evidence:
            ld.error(loc, "a certification needs at least one evidence document")
        fw = fw_by_id.get(cert.framework)
        if fw is None:
            if cert.framework not in ld.invalid:
                ld.error(loc, f"unknown framework {cert.framework!r} (not in frameworks.yaml)")
        else:
            if fw.relation != "held" or cert.id not in fw.certifications:
                ld.error(
                    loc,
                    f"framework {fw.id!r} must have relation: held and list {cert.id!r} "
                    "in its certifications",
                )
            edition_ids = {e.id for e in fw.editions}
            for held in cert.editions:
                if held.edition not in edition_ids:
                    ld.error(
                        loc,
                        f"held edition {held.edition!r} is not an edition of framework {fw.id!r}",
                    )
        for held in cert.editions:
            refs(f"{loc}: edition {held.edition}", held.sources)
        for doc in cert.evidence:
            dloc = f"{loc}: evidence {doc.id}"
            refs(dloc, doc.sources)
            section = stp_paths.get(doc.stp_section)
            if section is None:
                ld.error(dloc, f"stp_section {doc.stp_section!r} is not a section path in stp.yaml")
            elif section.stale:
                ld.error(dloc, f"stp_section {doc.stp_section!r} is marked stale in stp.yaml")
        for duty in cert.duties:
            refs(f"{loc}: duty", duty.sources)

    # frameworks
    for fw in cat.frameworks:
        loc = f"frameworks.yaml: {fw.id}"
        refs(loc, fw.sources)
        for cid in fw.certifications:
            if cid not in cert_ids and cid not in ld.invalid:
                ld.error(loc, f"unknown certification {cid!r} (not in certifications.yaml)")
        if fw.relation in ("held", "supports") and not fw.certifications:
            ld.error(loc, f"relation {fw.relation} needs at least one certification")
        if fw.relation == "none" and fw.certifications:
            ld.error(loc, "relation none must not list certifications")
        if fw.relation == "held":
            for cid in fw.certifications:
                if cid in cert_ids and cat.certification(cid).framework != fw.id:
                    ld.error(loc, f"held certification {cid!r} names another framework")
        ed_ids = [e.id for e in fw.editions]
        for dup in _duplicates(ed_ids):
            ld.error(loc, f"duplicate edition id {dup!r}")
        if fw.default_edition is not None and fw.default_edition not in ed_ids:
            ld.error(loc, f"default_edition {fw.default_edition!r} is not one of its editions")
        for ed in fw.editions:
            eloc = f"{loc}: edition {ed.id}"
            refs(eloc, ed.sources)
            if ed.superseded_by is not None and ed.superseded_by not in ed_ids:
                ld.error(eloc, f"superseded_by {ed.superseded_by!r} is not an edition")
            for other in ed.also_satisfies:
                if other not in ed_ids or other == ed.id:
                    ld.error(eloc, f"also_satisfies {other!r} is not another edition")
            if ed.status == "current" and (ed.retired_on or ed.superseded_by):
                ld.error(eloc, "a current edition cannot be retired or superseded")
        for duty in fw.customer_duties:
            refs(f"{loc}: duty", duty.sources)
        for index, pattern in enumerate(fw.patterns, start=1):
            try:
                compiled = re.compile(pattern)
            except re.error as err:
                ld.error(f"{loc}: pattern {index}", f"does not compile: {err}")
                continue
            unknown = set(compiled.groupindex) - {"edition"}
            if unknown:
                ld.error(
                    f"{loc}: pattern {index}",
                    "only the named group 'edition' is allowed "
                    f"(found {', '.join(sorted(unknown))})",
                )
        _check_edition_keys(ld, fw)

    # groups
    for group in cat.groups:
        loc = f"groups.yaml: {group.alias}"
        for fid in group.frameworks:
            if fid not in fw_by_id and fid not in ld.invalid:
                ld.error(loc, f"unknown framework {fid!r} (not in frameworks.yaml)")
        if len(group.frameworks) < 2 and group.ambiguous:
            ld.error(loc, "an ambiguous group needs at least two frameworks")

    _check_aliases(ld, cat)

    # STP and responsibility
    for section in cat.stp.sections:
        refs(f"stp.yaml: {section.id}", section.sources)
    refs("stp.yaml: stp", cat.stp.sources)
    refs("responsibility.yaml: responsibility", cat.responsibility.sources)
    for src in cat.sources:
        if src.id not in cited:
            ld.warn(f"sources.yaml: {src.id}", "never cited by any entry")


def _check_edition_keys(ld: _Loader, fw: Framework) -> None:
    """Within one framework, an edition spelling may name only one edition."""
    from assessor.recognize.match import edition_keys

    owner: dict[str, str] = {}
    for ed in fw.editions:
        for spelling in (ed.id, *ed.aliases):
            for key in edition_keys(spelling):
                prev = owner.setdefault(key, ed.id)
                if prev != ed.id:
                    ld.error(
                        f"frameworks.yaml: {fw.id}",
                        f"edition spelling {spelling!r} names both {prev!r} and {ed.id!r}",
                    )


def _check_aliases(ld: _Loader, cat: Catalog) -> None:
    """After normalization, one alias may belong to one framework or one group only."""
    owners: dict[str, str] = {}
    owners_of: dict[str, str] = {}
    for f in cat.frameworks:
        for a in (f.short_name, *f.aliases):
            owners_of.setdefault(alias_key(a), f"framework {f.id!r}")
    for g in cat.groups:
        owners_of.setdefault(alias_key(g.alias), f"group {g.alias!r}")

    def claim(key: str, who: str, spelling: str, location: str) -> None:
        if not key:
            ld.error(location, f"alias {spelling!r} is empty after normalization")
            return
        prev = owners.setdefault(key, who)
        if prev != who:
            ld.error(location, f"alias {spelling!r} is also claimed by {prev}")

    for fw in cat.frameworks:
        names = {alias_key(a) for a in (fw.short_name, *fw.aliases)}
        for ed in fw.editions:
            for spelling in (ed.id, *ed.aliases):
                for name in sorted(names):
                    shadow = owners_of.get(name + alias_key(spelling))
                    if shadow is not None:
                        ld.error(
                            f"frameworks.yaml: {fw.id}: edition {ed.id}",
                            f"edition spelling {spelling!r} after the name is itself an alias "
                            f"of {shadow}: it would never name the edition",
                        )
                        break
        for spelling in (fw.id, *fw.aliases):
            claim(
                alias_key(spelling), f"framework {fw.id!r}", spelling, f"frameworks.yaml: {fw.id}"
            )
    for group in cat.groups:
        claim(
            alias_key(group.alias),
            f"group {group.alias!r}",
            group.alias,
            f"groups.yaml: {group.alias}",
        )


def _build(folder: Path) -> tuple[Catalog | None, list[Issue]]:
    ld = _Loader(folder)
    ld.read_files()
    if any(i.severity == "error" for i in ld.issues) and not ld.raw:
        return None, ld.issues
    meta = ld.meta()
    sources = ld.entries("sources.yaml", "sources", Source)
    services = ld.entries("services.yaml", "services", ServiceProfile)
    certs = ld.entries("certifications.yaml", "certifications", Certification)
    frameworks = ld.entries("frameworks.yaml", "frameworks", Framework)
    groups = ld.entries("groups.yaml", "groups", GroupAlias)
    stp = ld.single("stp.yaml", "stp", StpLayout)
    resp = ld.single("responsibility.yaml", "responsibility", SharedResponsibility)
    questions = ld.open_questions()
    if stp is None or resp is None:
        return None, ld.issues
    # Cross-check what did validate, so every problem is reported at once; references to
    # entries that failed validation are not reported a second time.
    catalog = Catalog(
        meta=meta
        or CatalogMeta(schema_version=SCHEMA_VERSION, as_of=date.min, title="", sha256=""),
        sources=tuple(sources),
        services=tuple(services),
        certifications=tuple(certs),
        frameworks=tuple(frameworks),
        groups=tuple(groups),
        stp=stp,
        responsibility=resp,
        open_questions=questions,
    )
    _cross_check(ld, catalog)
    if meta is None or any(i.severity == "error" for i in ld.issues):
        return None, ld.issues
    return catalog, ld.issues


def _resolve(path: Path | None) -> Path:
    return (path if path is not None else catalog_dir()).resolve()


def check_catalog(path: Path | None = None) -> list[Issue]:
    """Every problem in a catalog folder (errors and warnings), each named by file and entry."""
    _, issues = _build(_resolve(path))
    return issues


@functools.lru_cache(maxsize=8)
def _load_cached(folder: Path, stamp: tuple[tuple[str, int, int], ...]) -> Catalog:
    catalog, issues = _build(folder)
    errors = [i for i in issues if i.severity == "error"]
    if catalog is None or errors:
        raise CatalogError(
            f"the catalog in {folder} has {len(errors)} problem(s)",
            issues=errors,
            hint="run `assessor catalog check` on the folder for details",
        )
    return catalog


def _stamp(folder: Path) -> tuple[tuple[str, int, int], ...]:
    """Size and mtime of each catalog file, so an edited folder is re-read."""
    out: list[tuple[str, int, int]] = []
    for name in sorted(FILES):
        try:
            st = (folder / name).stat()
        except OSError:
            out.append((name, -1, -1))
        else:
            out.append((name, st.st_size, st.st_mtime_ns))
    return tuple(out)


def load_catalog(path: Path | None = None) -> Catalog:
    """Load and validate a catalog folder (default: the shipped one); CatalogError on any error."""
    folder = _resolve(path)
    return _load_cached(folder, _stamp(folder))


# ---------------------------------------------------------------------------------------------
# Presentation for the CLI


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
