"""The organization's own words: an overlay of aliases, frameworks and relations on the catalog.

Each entry says who decided it and when. An overlay may add a spelling of a framework, a
framework of its own (relation none, or supports with named certifications) or a `supports`
relation its auditor accepted, for every unit or only the units it names; it may never make a
framework held (or covered). The merged catalog is cross-checked with the same rules as the
shipped one, and carries every entry as an OverlayDecision so each finding resting on one says
so (reason `overlay-decision`), and the overlay's origin so each report names it.

One code path for both forms: a YAML file (`--catalog-overlay`, read by load.py, the one module
that imports yaml) and a workbook's Overlay sheet (turned into the same raw mapping by the
intake) are parsed, checked and merged here. A problem is found as an `Entry` (which list,
which item, which field) and located by the caller: `contoso.yaml: relation nist-csf: units`
for a file, `Overlay!J5` for a sheet.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import ValidationError

from assessor.catalog.check import alias_key, cross_check
from assessor.domain.errors import Issue
from assessor.domain.models import (
    Catalog,
    Framework,
    Overlay,
    OverlayAlias,
    OverlayDecision,
    OverlayFramework,
    OverlayOrigin,
    OverlayRelation,
)

__all__ = [
    "MISSING",
    "Entry",
    "Overlay",
    "OverlayAlias",
    "OverlayFramework",
    "OverlayRelation",
    "Parsed",
    "Problem",
    "apply",
    "check",
    "check_units",
    "for_unit",
    "located",
    "parse",
    "yaml_locator",
]

Kind = Literal["aliases", "frameworks", "relations", ""]
_SINGULAR = {"aliases": "alias", "frameworks": "framework", "relations": "relation"}


@dataclass(frozen=True)
class Entry:
    """Where in an overlay a problem is: the list, the item's index, the field (if known)."""

    kind: Kind = ""
    index: int | None = None
    field: str | None = None


@dataclass(frozen=True)
class Problem:
    """A problem found in an overlay, before it is given a location."""

    entry: Entry
    message: str
    severity: Literal["error", "warning"] = "error"


Locate = Callable[[Entry], str]


# ---------------------------------------------------------------------------------------------
# Parsing


MISSING = "missing"  # how a missing field's message starts: "missing (who decided this entry)"
# What a missing field should hold, said when it is missing.
_WANTED = {
    "decided_by": "who decided this entry",
    "decided_on": "the date it was decided (YYYY-MM-DD)",
    "accepted_by": "the auditor who accepted the relation",
    "rationale": "why it was decided",
    "framework": "the framework id it is about",
    "certifications": "the certifications accepted as evidence",
    "alias": "the name as the organization writes it",
    "id": "an id for the framework (lower-case words joined by '-')",
    "name": "the framework's full name",
    "short_name": "the framework's short name",
}


def _message(item: Mapping[str, Any]) -> str:
    """A validation error in the user's terms."""
    loc = item["loc"]
    if item.get("type") == "extra_forbidden" and loc and loc[-1] == "units":
        return (
            "only a relation can be limited to units: an alias or a framework changes how "
            "every cell of the workbook is read"
        )
    if item.get("type") == "missing" and loc and str(loc[-1]) in _WANTED:
        return f"{MISSING} ({_WANTED[str(loc[-1])]})"
    return str(item["msg"])


_MODELS: dict[str, type[OverlayAlias | OverlayFramework | OverlayRelation]] = {
    "aliases": OverlayAlias,
    "frameworks": OverlayFramework,
    "relations": OverlayRelation,
}


def _validation(err: ValidationError, kind: Kind, index: int | None) -> list[Problem]:
    out = []
    for item in err.errors():
        loc = [str(p) for p in item["loc"]]
        field = loc[0] if loc else None
        out.append(Problem(Entry(kind, index, field), _message(item)))
    return out


# Fields no rule reads, only the decision records: an entry whose only problems are here is still
# checked against the catalog with a stand-in value, so its other problems are found in the same
# pass (the user fixes the row once). Its own problems keep the overlay from being merged.
_STAND_INS: dict[str, object] = {
    "decided_by": "?",
    "decided_on": "2000-01-01",
    "accepted_by": "?",
    "rationale": "?",
    "note": None,
}


def _stand_in(
    model: type[OverlayAlias | OverlayFramework | OverlayRelation],
    item: object,
    err: ValidationError,
) -> OverlayAlias | OverlayFramework | OverlayRelation | None:
    """The entry with a stand-in for each decision field that failed, or None when another
    field failed (or the item is no mapping)."""
    failed = {str(e["loc"][0]) for e in err.errors() if e["loc"]}
    if not isinstance(item, Mapping) or not failed or not failed <= set(_STAND_INS):
        return None
    try:
        return model.model_validate({**item, **{f: _STAND_INS[f] for f in failed}})
    except ValidationError:
        return None


@dataclass(frozen=True)
class Parsed:
    """An overlay's entries that validated, the problems of those that did not, and where
    each kept entry sat (kind -> original index of each), so later problems name it."""

    overlay: Overlay | None
    problems: list[Problem]
    positions: dict[str, list[int]]

    def place(self, problems: Iterable[Problem]) -> list[Problem]:
        """Problems found on the kept entries, given their original index."""
        out = []
        for p in problems:
            e = p.entry
            if e.kind and e.index is not None:
                e = Entry(e.kind, self.positions[e.kind][e.index], e.field)
            out.append(Problem(e, p.message, p.severity))
        return out


def parse(raw: object) -> Parsed:
    """The overlay from parsed data (`overlay:` at the top): each entry validated on its own, so
    every entry's problems are found at once and the valid ones can still be checked."""
    if not isinstance(raw, Mapping) or set(raw) != {"overlay"}:
        return Parsed(None, [Problem(Entry(), "expected one top-level key 'overlay'")], {})
    body = raw["overlay"]
    if not isinstance(body, Mapping):
        return Parsed(None, [Problem(Entry(), "'overlay' must be a mapping")], {})
    problems: list[Problem] = []
    unknown = sorted(str(k) for k in body if k not in (*_MODELS, "organization"))
    if unknown:
        problems.append(Problem(Entry(), f"unknown key(s) {', '.join(unknown)}"))
    organization = body.get("organization")
    if organization is not None and not isinstance(organization, str):
        problems.append(Problem(Entry(), "organization must be text"))
        organization = None
    kept: dict[str, list[Any]] = {}
    positions: dict[str, list[int]] = {}
    for kind, model in _MODELS.items():
        items = body.get(kind) or []
        kept[kind], positions[kind] = [], []
        if not isinstance(items, list):
            problems.append(Problem(Entry(kind), "expected a list"))  # type: ignore[arg-type]
            continue
        for index, item in enumerate(items):
            try:
                kept[kind].append(model.model_validate(item))
                positions[kind].append(index)
            except ValidationError as err:
                problems += _validation(err, kind, index)  # type: ignore[arg-type]
                stood_in = _stand_in(model, item, err)
                if stood_in is not None:  # checked too; never merged: its problems stop it
                    kept[kind].append(stood_in)
                    positions[kind].append(index)
    overlay = Overlay(
        organization=organization,
        aliases=tuple(kept["aliases"]),
        frameworks=tuple(kept["frameworks"]),
        relations=tuple(kept["relations"]),
    )
    return Parsed(overlay, problems, positions)


def yaml_locator(file: str, raw: object) -> Locate:
    """Locations in a YAML overlay: `contoso.yaml: relation nist-csf: units`."""
    body = raw.get("overlay") if isinstance(raw, Mapping) else None

    def label(kind: str, index: int) -> str:
        items = body.get(kind) if isinstance(body, Mapping) else None
        item = items[index] if isinstance(items, list) and index < len(items) else None
        if isinstance(item, Mapping):
            for key in ("alias", "id", "framework"):
                value = item.get(key)
                if isinstance(value, str) and value:
                    return value
        return f"entry {index + 1}"

    def locate(entry: Entry) -> str:
        where = file
        if entry.kind:
            where += f": {_SINGULAR[entry.kind]}"
            if entry.index is not None:
                where += f" {label(entry.kind, entry.index)}"
        if entry.field:
            where += f": {entry.field}"
        return where

    return locate


def located(problems: Iterable[Problem], locate: Locate) -> list[Issue]:
    """The problems as Issues, each located by the caller's locator."""
    return [Issue(locate(p.entry), p.message, severity=p.severity) for p in problems]


# ---------------------------------------------------------------------------------------------
# What an overlay may not do, beyond the catalog's own rules


def _held(catalog: Catalog) -> set[str]:
    """Certifications the default service holds: an overlay may name only these."""
    try:
        return set(catalog.service(None).certifications)
    except KeyError:
        return set()


def _certs(
    ids: Sequence[str], catalog: Catalog, held: set[str], entry: Entry, out: list[Problem]
) -> None:
    known = {c.id for c in catalog.certifications}
    out.extend(
        Problem(
            Entry(entry.kind, entry.index, "certifications"),
            f"certification {cid!r} is not one Microsoft holds for the service",
        )
        for cid in ids
        if cid not in known or cid not in held
    )


def _rules(overlay: Overlay, catalog: Catalog) -> list[Problem]:
    out: list[Problem] = []
    known = {f.id: f for f in catalog.frameworks}
    own = {f.id for f in overlay.frameworks}
    held = _held(catalog)
    for i, f in enumerate(overlay.frameworks):
        entry = Entry("frameworks", i)
        if f.id in known:
            added = next(
                (
                    d.source
                    for d in catalog.decisions
                    if d.kind == "framework" and d.framework == f.id
                ),
                None,
            )
            whence = f" (added by {added})" if added else ""
            out.append(
                Problem(
                    Entry("frameworks", i, "id"),
                    f"{f.id!r} is already in the catalog{whence}: add an alias or a relation "
                    "instead",
                )
            )
        if f.relation == "supports" and not f.certifications:
            out.append(
                Problem(
                    Entry("frameworks", i, "certifications"),
                    "relation supports needs the certifications that support it",
                )
            )
        if f.relation == "none" and f.certifications:
            out.append(
                Problem(
                    Entry("frameworks", i, "certifications"),
                    "relation none must not list certifications",
                )
            )
        _certs(f.certifications, catalog, held, entry, out)
    for i, a in enumerate(overlay.aliases):
        if a.framework not in known and a.framework not in own:
            out.append(
                Problem(Entry("aliases", i, "framework"), f"unknown framework {a.framework!r}")
            )
        if not alias_key(a.alias):
            out.append(Problem(Entry("aliases", i, "alias"), "empty after normalization"))
    for i, r in enumerate(overlay.relations):
        fw = known.get(r.framework)
        if fw is None and r.framework not in own:
            out.append(
                Problem(Entry("relations", i, "framework"), f"unknown framework {r.framework!r}")
            )
        elif fw is not None and fw.relation == "held":
            out.append(
                Problem(
                    Entry("relations", i, "framework"),
                    f"{r.framework!r} is already held: an overlay never changes that",
                )
            )
        _certs(r.certifications, catalog, held, Entry("relations", i), out)
    return out


def check_units(overlay: Overlay, units: Iterable[str]) -> list[Problem]:
    """Every unit a relation names exists (compared without case), else a problem at its entry."""
    known = {u.casefold(): u for u in units}
    listed = ", ".join(sorted(known.values())) or "none"
    return [
        Problem(
            Entry("relations", i, "units"),
            f"business unit {unit!r} does not exist (units: {listed})",
        )
        for i, r in enumerate(overlay.relations)
        for unit in r.units
        if unit.casefold() not in known
    ]


# ---------------------------------------------------------------------------------------------
# Merging


def _supported(fw: Framework, certifications: Sequence[str], rationale: str) -> Framework:
    """The framework with a supports relation the organization accepted added to it."""
    certs = tuple(dict.fromkeys((*fw.certifications, *certifications)))
    why = rationale if fw.relation == "none" else fw.rationale
    return fw.model_copy(update={"relation": "supports", "certifications": certs, "rationale": why})


def _decision(
    kind: Literal["alias", "framework", "relation"],
    framework: str,
    entry: OverlayAlias | OverlayFramework | OverlayRelation,
    source: str,
    **facts: Any,
) -> OverlayDecision:
    """An overlay entry recorded on the catalog: what, who decided it and when, from where."""
    return OverlayDecision(
        kind=kind,
        framework=framework,
        decided_by=entry.decided_by,
        decided_on=entry.decided_on,
        note=entry.note,
        source=source,
        **facts,
    )


def merge(catalog: Catalog, overlay: Overlay, origin: OverlayOrigin) -> Catalog:
    """The catalog with the overlay's entries added, each recorded as a decision.

    A relation limited to units is recorded but not applied here: `for_unit` applies it to
    the catalog a finding of one of those units is assessed on.
    """
    frameworks = {f.id: f for f in catalog.frameworks}
    decisions: list[OverlayDecision] = []
    src = origin.file
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
        decisions.append(_decision("framework", f.id, f, src, certifications=f.certifications))
    for a in overlay.aliases:
        fw = frameworks.get(a.framework)
        if fw is None:
            continue
        frameworks[fw.id] = fw.model_copy(update={"aliases": (*fw.aliases, a.alias)})
        decisions.append(_decision("alias", fw.id, a, src, alias=a.alias))
    for r in overlay.relations:
        fw = frameworks.get(r.framework)
        if fw is None:
            continue
        if not r.units:
            frameworks[fw.id] = _supported(fw, r.certifications, r.rationale)
        decisions.append(
            _decision(
                "relation",
                fw.id,
                r,
                src,
                accepted_by=r.accepted_by,
                certifications=r.certifications,
                rationale=r.rationale,
                units=r.units,
            )
        )
    sha = hashlib.sha256(f"{catalog.meta.sha256}\0{origin.sha256}".encode()).hexdigest()
    who = f" + {overlay.organization}'s overlay" if overlay.organization else " + overlay"
    meta = catalog.meta.model_copy(update={"sha256": sha, "title": catalog.meta.title + who})
    return catalog.model_copy(
        update={
            "frameworks": tuple(frameworks.values()),
            "decisions": (*catalog.decisions, *decisions),
            "overlays": (*catalog.overlays, origin),
            "meta": meta,
        }
    )


def _every_unit(catalog: Catalog) -> Catalog:
    """The catalog with every unit's relations applied at once (what the cross-check sees)."""
    frameworks = {f.id: f for f in catalog.frameworks}
    for d in catalog.decisions:
        if d.kind == "relation" and d.units and d.framework in frameworks:
            fw = frameworks[d.framework]
            frameworks[fw.id] = _supported(fw, d.certifications, d.rationale or "")
    return catalog.model_copy(update={"frameworks": tuple(frameworks.values())})


_UNIT_CACHE: list[tuple[Catalog, str, Catalog]] = []


def for_unit(catalog: Catalog, unit: str) -> Catalog:
    """The catalog one unit's findings are assessed on: the relations limited to this unit
    applied, those limited to other units left out (with their decisions). Pure; the same
    object for the same catalog and unit."""
    if not any(d.units for d in catalog.decisions):
        return catalog
    key = unit.casefold()
    for base, name, done in _UNIT_CACHE:
        if base is catalog and name == key:
            return done
    frameworks = {f.id: f for f in catalog.frameworks}
    kept: list[OverlayDecision] = []
    for d in catalog.decisions:
        if not d.units:
            kept.append(d)
        elif key in {u.casefold() for u in d.units}:
            kept.append(d)
            fw = frameworks.get(d.framework)
            if fw is not None:
                frameworks[fw.id] = _supported(fw, d.certifications, d.rationale or "")
    done = catalog.model_copy(
        update={"frameworks": tuple(frameworks.values()), "decisions": tuple(kept)}
    )
    _UNIT_CACHE.insert(0, (catalog, key, done))
    del _UNIT_CACHE[32:]
    return done


# ---------------------------------------------------------------------------------------------
# Checking and merging in one step


_QUOTED = re.compile(r"'([^']*)'")


def _blame(issue: Issue, overlay: Overlay) -> Entry:
    """The overlay entry a cross-check issue on the merged catalog is about (best effort)."""
    text = f"{issue.location} {issue.message}"
    keys = {alias_key(q) for q in _QUOTED.findall(text)}
    for i, a in enumerate(overlay.aliases):
        if alias_key(a.alias) in keys:
            return Entry("aliases", i, "alias")
    for i, f in enumerate(overlay.frameworks):
        if any(alias_key(n) in keys for n in f.aliases):
            return Entry("frameworks", i, "aliases")
        if alias_key(f.short_name) in keys:
            return Entry("frameworks", i, "short_name")
        if f.id in text:
            return Entry("frameworks", i)
    for i, r in enumerate(overlay.relations):
        if r.framework in issue.location:
            return Entry("relations", i)
    return Entry()


_MERGED: list[tuple[Catalog, str, Catalog]] = []


def check(
    catalog: Catalog, overlay: Overlay, origin: OverlayOrigin
) -> tuple[Catalog | None, list[Problem]]:
    """Validate a parsed overlay against a catalog and merge it: (merged, []) or (None, problems).

    The same cross-checks as the shipped catalog (aliases claimed once, references resolve),
    plus the overlay's own: nothing held, certifications only those Microsoft holds. The same
    catalog and overlay give the same merged object (so its recognizer index is built once).
    """
    key = origin.model_dump_json() + overlay.model_dump_json()
    for base, seen, merged in _MERGED:
        if base is catalog and seen == key:
            return merged, []
    problems = _rules(overlay, catalog)
    merged = merge(catalog, overlay, origin)
    checked: list[Issue] = []
    before: list[Issue] = []
    cross_check(_Collect(checked), _every_unit(merged))
    cross_check(_Collect(before), catalog)
    seen_before = {(i.location, i.message) for i in before}
    ruled = {(p.entry.kind, p.entry.index) for p in problems}
    typed = [repr(a.alias) for a in overlay.aliases]
    checked.sort(key=lambda i: not any(t in i.message for t in typed))  # their words first
    for issue in checked:
        if (issue.location, issue.message) not in seen_before:
            entry = _blame(issue, overlay)
            if entry.kind and (entry.kind, entry.index) in ruled:
                continue  # said already, in the overlay's own words
            where = "" if entry.kind else f"{issue.location}: "
            problems.append(Problem(entry, where + issue.message, issue.severity))
    if any(p.severity == "error" for p in problems):
        return None, problems
    _MERGED.insert(0, (catalog, key, merged))
    del _MERGED[8:]
    return merged, problems


class _Collect:
    """The reporter cross_check writes to."""

    def __init__(self, into: list[Issue]) -> None:
        self.issues = into
        self.invalid: set[str] = set()

    def error(self, location: str, message: str) -> None:
        self.issues.append(Issue(location, message))

    def warn(self, location: str, message: str) -> None:
        self.issues.append(Issue(location, message, severity="warning"))


def origin_of(overlay: Overlay, file: str, sha256: str) -> OverlayOrigin:
    """Where an overlay came from and what it holds, as reports print it."""
    return OverlayOrigin(
        file=file,
        sha256=sha256,
        organization=overlay.organization,
        aliases=len(overlay.aliases),
        frameworks=len(overlay.frameworks),
        relations=len(overlay.relations),
    )


def apply(
    catalog: Catalog, raw: Any, digest: str, file: str = "overlay"
) -> tuple[Catalog | None, list[Issue]]:
    """A YAML overlay checked and merged: (merged, warnings) or (None, problems), each problem
    named by file and entry."""
    locate = yaml_locator(file, raw)
    parsed = parse(raw)
    if parsed.overlay is None:
        return None, located(parsed.problems, locate)
    merged, found = check(catalog, parsed.overlay, origin_of(parsed.overlay, file, digest))
    problems = [*parsed.problems, *parsed.place(found)]
    if any(p.severity == "error" for p in problems):
        merged = None
    return merged, located(problems, locate)
