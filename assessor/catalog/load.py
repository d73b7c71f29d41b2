"""Load the knowledge catalog (requirements/*.yaml) into frozen models and cross-check it."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel, ValidationError

from assessor.catalog import cache
from assessor.catalog.resources import catalog_dir
from assessor.domain.catalog_models import (
    Catalog,
    CatalogMeta,
    Certification,
    EvidenceRules,
    Framework,
    GroupAlias,
    ServiceProfile,
    SharedResponsibility,
    Source,
    StpLayout,
)
from assessor.domain.errors import CatalogError, InputError, Issue

SCHEMA_VERSION = 2

# file name -> the top-level keys it may hold (all required)
FILES: dict[str, tuple[str, ...]] = {
    "catalog.yaml": ("schema_version", "as_of", "title", "open_questions"),
    "sources.yaml": ("sources",),
    "certifications.yaml": ("certifications",),
    "frameworks.yaml": ("frameworks",),
    "groups.yaml": ("groups",),
    "stp.yaml": ("stp",),
    "responsibility.yaml": ("responsibility",),
    "evidence.yaml": ("evidence",),
}
OPTIONAL_KEYS: dict[str, frozenset[str]] = {"catalog.yaml": frozenset({"open_questions"})}
# One service profile per file: adding a service is adding a file here (and its sources).
SERVICES_DIR = "services"

M = TypeVar("M", bound=BaseModel)

if TYPE_CHECKING:
    import yaml


def _safe_loader() -> type[yaml.SafeLoader]:
    """The C-accelerated safe loader when libyaml is present (same safety as yaml.safe_load:
    plain YAML tags only, no Python objects), else the pure-Python SafeLoader. PyYAML is
    imported only when YAML is read (a catalog served from the cache never is)."""
    import yaml

    loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return loader


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
        self.service_raw: list[tuple[str, Mapping[str, Any]]] = []  # (file, profile)
        self.digest = ""
        self.invalid: set[str] = set()  # ids of entries that failed validation

    def error(self, location: str, message: str) -> None:
        self.issues.append(Issue(location, message))

    def warn(self, location: str, message: str) -> None:
        self.issues.append(Issue(location, message, severity="warning"))

    # -- reading -----------------------------------------------------------------------------

    def _yaml(self, name: str, data: bytes) -> object | None:
        """One file's YAML with the safe loader; None (and an error) when it is not readable."""
        import yaml

        try:
            loaded: object = yaml.load(data.decode("utf-8"), Loader=_safe_loader())
            return loaded
        except UnicodeDecodeError as err:
            self.error(name, f"not UTF-8 text: {err}")
        except yaml.YAMLError as err:
            mark = getattr(err, "problem_mark", None)
            where = f"{name}:{mark.line + 1}" if mark is not None else name
            problem = getattr(err, "problem", None) or str(err)
            self.error(where, f"YAML syntax error: {problem}")
        return None

    def _mapping(self, name: str, path: Path, sha: Any, not_mapping: str) -> dict[str, Any] | None:
        """One catalog file read, hashed into `sha` (name and bytes) and parsed: its mapping,
        or None with the problem recorded."""
        data = path.read_bytes()
        sha.update(name.encode() + b"\0" + data + b"\0")
        loaded = self._yaml(name, data)
        if loaded is not None and not isinstance(loaded, dict):
            self.error(name, not_mapping)
            return None
        return loaded

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
            loaded = self._mapping(name, path, sha, "expected a mapping of top-level keys")
            if loaded is None:
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
        self._read_services(sha)
        if (self.folder / "services.yaml").is_file():
            self.error(
                "services.yaml",
                f"services are now one file per service in {SERVICES_DIR}/ (<id>.yaml)",
            )
        extra = sorted(
            p.name
            for p in self.folder.glob("*.y*ml")
            if p.name not in FILES and p.name != "services.yaml" and p.is_file()
        )
        for name in extra:
            self.warn(name, "not a catalog file: ignored")
        self.digest = sha.hexdigest()

    def _read_services(self, sha: Any) -> None:
        """Every services/*.yaml, in name order: one service profile each, hashed with the rest."""
        files = service_files(self.folder)
        if not files:
            self.error(f"{SERVICES_DIR}/", "no service profile (services/<id>.yaml) found")
        for path in files:
            name = f"{SERVICES_DIR}/{path.name}"
            loaded = self._mapping(name, path, sha, "expected one service profile (a mapping)")
            if loaded is not None:
                self.service_raw.append((name, loaded))

    def services(self) -> list[ServiceProfile]:
        """Each service file validated on its own; its id must be its file name."""
        out: list[ServiceProfile] = []
        for name, raw in self.service_raw:
            stem = name.rsplit("/", 1)[-1].rsplit(".", 1)[0]
            try:
                svc = ServiceProfile.model_validate(raw)
            except ValidationError as err:
                self.invalid.add(str(raw.get("id") or stem))
                for line in _format_validation(err):
                    self.error(name, line)
                continue
            if svc.id != stem:
                self.error(name, f"id {svc.id!r} must match the file name ({stem}.yaml)")
            out.append(svc)
        return out

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


def _build(folder: Path) -> tuple[Catalog | None, list[Issue]]:
    from assessor.catalog.check import cross_check

    ld = _Loader(folder)
    ld.read_files()
    if any(i.severity == "error" for i in ld.issues) and not ld.raw:
        return None, ld.issues
    meta = ld.meta()
    sources = ld.entries("sources.yaml", "sources", Source)
    services = ld.services()
    certs = ld.entries("certifications.yaml", "certifications", Certification)
    frameworks = ld.entries("frameworks.yaml", "frameworks", Framework)
    groups = ld.entries("groups.yaml", "groups", GroupAlias)
    stp = ld.single("stp.yaml", "stp", StpLayout)
    resp = ld.single("responsibility.yaml", "responsibility", SharedResponsibility)
    questions = ld.open_questions()
    evidence = ld.single("evidence.yaml", "evidence", EvidenceRules)
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
        evidence=evidence or EvidenceRules(),
    )
    cross_check(ld, catalog)
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
    key = cache.cache_key(folder)
    if key is not None:
        kept = cache.read_cache(key)
        if kept is not None:
            return kept
    catalog, issues = _build(folder)
    errors = [i for i in issues if i.severity == "error"]
    if catalog is None or errors:
        raise CatalogError(
            f"the catalog in {folder} has {len(errors)} problem(s)",
            issues=errors,
            hint="run `assessor catalog check` on the folder for details",
        )
    if key is not None:
        cache.write_cache(key, catalog)
    return catalog


def service_files(folder: Path) -> list[Path]:
    """The service profile files of a catalog folder, in name order."""
    return sorted(p for p in (folder / SERVICES_DIR).glob("*.y*ml") if p.is_file())


def _stamp(folder: Path) -> tuple[tuple[str, int, int], ...]:
    """Size and mtime of each catalog file, so an edited folder is re-read."""
    out: list[tuple[str, int, int]] = []
    paths = [folder / name for name in sorted(FILES)] + service_files(folder)
    for path in paths:
        name = path.relative_to(folder).as_posix()
        try:
            st = path.stat()
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
# The organization's overlay (catalog/overlay.py validates and merges; YAML is read here)


def _read_overlay(file: Path) -> tuple[object, str, list[Issue]]:
    """The parsed overlay file and its SHA-256, or the problems reading it."""
    import yaml

    try:
        data = file.read_bytes()
    except OSError as err:
        return None, "", [Issue(str(file), f"cannot read the overlay: {err.strerror or err}")]
    try:
        raw = yaml.load(data.decode("utf-8"), Loader=_safe_loader())
    except UnicodeDecodeError as err:
        return None, "", [Issue(str(file), f"not UTF-8 text: {err}")]
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"{file.name}:{mark.line + 1}" if mark is not None else file.name
        return None, "", [Issue(where, f"YAML syntax error: {getattr(err, 'problem', err)}")]
    return raw, hashlib.sha256(data).hexdigest(), []


def check_overlay(overlay: Path, path: Path | None = None) -> list[Issue]:
    """Every problem in an overlay file, checked against the catalog (default: the shipped one)."""
    from assessor.catalog import overlay as ov

    raw, digest, issues = _read_overlay(overlay)
    if issues:
        return issues
    _, found = ov.apply(load_catalog(path), raw, digest, overlay.name)
    return found


def load_with_overlay(overlay: Path, path: Path | None = None) -> Catalog:
    """The catalog with the organization's overlay merged. A problem in the overlay is bad input
    (InputError, exit 2, as the same entries on a workbook's Overlay sheet); one in the shipped
    catalog stays a CatalogError."""
    from assessor.catalog import overlay as ov

    raw, digest, issues = _read_overlay(overlay)
    merged = None
    if not issues:
        merged, issues = ov.apply(load_catalog(path), raw, digest, overlay.name)
    errors = [i for i in issues if i.severity == "error"]
    if merged is None or errors:
        raise InputError(
            f"the catalog overlay {overlay} has {len(errors)} problem(s)",
            issues=errors,
            hint="run `assessor catalog check --overlay FILE` for details",
        )
    return merged
