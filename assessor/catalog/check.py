"""Cross-checks over a validated catalog: references resolve, ids and aliases are unique."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from typing import Protocol

from assessor.catalog.services import service_key
from assessor.domain.models import Catalog, Framework, ServiceProfile
from assessor.recognize.match import compact_key, edition_keys

# Scope confidences that rest on a dated source (the date of the listing, or of the list checked).
DATED = frozenset({"confirmed", "claimed", "not-listed"})


class Reporter(Protocol):
    """Where problems go: error and warning by location, and the ids that failed validation."""

    invalid: set[str]

    def error(self, location: str, message: str) -> None: ...

    def warn(self, location: str, message: str) -> None: ...


def alias_key(text: str) -> str:
    """The comparison key for alias collisions: the recognizer's own compact key."""
    return compact_key(text)


class _Citations:
    """Checks source references and remembers which sources were cited."""

    def __init__(self, ld: Reporter, known: set[str]) -> None:
        self.ld, self.known, self.cited = ld, known, set[str]()

    def __call__(self, location: str, ids: Iterable[str]) -> None:
        for sid in ids:
            self.cited.add(sid)
            if sid not in self.known and sid not in self.ld.invalid:
                self.ld.error(location, f"unknown source {sid!r} (not in sources.yaml)")


def _duplicates(values: Iterable[str]) -> list[str]:
    return sorted(v for v, n in Counter(values).items() if n > 1)


def cross_check(ld: Reporter, cat: Catalog) -> None:
    """Every reference resolves, ids are unique, aliases are claimed once, patterns compile."""
    _check_ids(ld, cat)
    refs = _Citations(ld, {s.id for s in cat.sources})
    _check_services(ld, cat, refs)
    _check_certifications(ld, cat, refs)
    for fw in cat.frameworks:
        _check_framework(ld, cat, fw, refs)
        _check_patterns(ld, fw)
        _check_edition_keys(ld, fw)
    _check_groups(ld, cat)
    _check_aliases(ld, cat)
    for section in cat.stp.sections:
        refs(f"stp.yaml: {section.id}", section.sources)
    refs("stp.yaml: stp", cat.stp.sources)
    _check_evidence_rules(ld, cat, refs)
    refs("responsibility.yaml: responsibility", cat.responsibility.sources)
    for src in cat.sources:
        if src.id not in refs.cited:
            ld.warn(f"sources.yaml: {src.id}", "never cited by any entry")


def _check_ids(ld: Reporter, cat: Catalog) -> None:
    """No id is used twice within its kind."""
    for what, file, ids in (
        ("source", "sources.yaml", [s.id for s in cat.sources]),
        ("service", "services/", [s.id for s in cat.services]),
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


def service_file(service_id: str) -> str:
    """Where a service profile lives, for messages."""
    return f"services/{service_id}.yaml"


def _check_services(ld: Reporter, cat: Catalog, refs: _Citations) -> None:
    """One default; names claimed once; scope entries name known certifications and sources,
    each dated where a dated source is required, none after the catalog's own date."""
    defaults = [s.id for s in cat.services if s.default]
    if len(defaults) != 1:
        ld.error(
            "services/",
            f"exactly one service must be default: true (found {len(defaults)}: "
            f"{', '.join(defaults) or 'none'})",
        )
    owners: dict[str, str] = {}
    for svc in cat.services:
        loc = service_file(svc.id)
        for spelling in (svc.id, svc.name, *(a.name for a in svc.aliases)):
            key = service_key(spelling)
            prev = owners.setdefault(key, svc.id)
            if not key:
                ld.error(loc, f"alias {spelling!r} is empty after normalization")
            elif prev != svc.id:
                ld.error(loc, f"name {spelling!r} is also a name of service {prev!r}")
        _check_one_service(ld, cat, refs, svc)


def _check_one_service(ld: Reporter, cat: Catalog, refs: _Citations, svc: ServiceProfile) -> None:
    cert_ids = {c.id for c in cat.certifications}
    loc = service_file(svc.id)
    refs(loc, svc.sources)
    refs(f"{loc}: lifecycle", svc.lifecycle.sources)
    if svc.lifecycle.status == "end-of-life" and svc.lifecycle.end_of_life is None:
        ld.error(f"{loc}: lifecycle", "end-of-life status needs an end_of_life date")
    for dup in _duplicates(e.certification for e in svc.scope):
        ld.error(f"{loc}: scope", f"certification {dup!r} listed twice")
    for entry in svc.scope:
        eloc = f"{loc}: scope {entry.certification}"
        if entry.certification not in cert_ids and entry.certification not in ld.invalid:
            ld.error(eloc, f"unknown certification {entry.certification!r}")
        if entry.confidence in DATED and not entry.last_seen:
            ld.error(eloc, f"{entry.confidence} scope needs at least one dated last_seen source")
        for seen in entry.last_seen:
            refs(eloc, (seen.source,))
            if seen.date > cat.meta.as_of:
                ld.error(eloc, f"last_seen {seen.date.isoformat()} is after the catalog's as_of")
    for duty in svc.duties:
        refs(f"{loc}: duty", duty.sources)
        for cid in duty.certifications:
            if cid not in cert_ids and cid not in ld.invalid:
                ld.error(f"{loc}: duty", f"unknown certification {cid!r}")


def _check_certifications(ld: Reporter, cat: Catalog, refs: _Citations) -> None:
    """Sources, evidence, the held framework and its editions, current STP sections."""
    fw_by_id = {f.id: f for f in cat.frameworks}
    stp_paths = {s.path: s for s in cat.stp.sections}
    for cert in cat.certifications:
        loc = f"certifications.yaml: {cert.id}"
        refs(loc, cert.sources)
        if not cert.sources:
            ld.error(loc, "a certification needs at least one source")
        if not cert.evidence:
            ld.error(loc, "a certification needs at least one evidence document")
        cert_ids = {c.id for c in cat.certifications}
        for other in cert.evidenced_by:
            if other not in cert_ids and other not in ld.invalid:
                ld.error(loc, f"evidenced_by names unknown certification {other!r}")
        if cert.evidenced_by and cert.assurance != "contractual-commitment":
            ld.error(loc, "evidenced_by is for a contractual commitment only")
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


def _check_part_of(ld: Reporter, cat: Catalog, fw: Framework, loc: str) -> None:
    """part_of names another framework, and following it never comes back (no cycle)."""
    known = {f.id: f for f in cat.frameworks}
    seen = {fw.id}
    parent = fw.part_of
    while parent is not None:
        if parent not in known:
            ld.error(loc, f"part_of {parent!r} is not a framework")
            return
        if parent in seen:
            ld.error(loc, f"part_of {fw.part_of!r} leads back to {parent!r}")
            return
        seen.add(parent)
        parent = known[parent].part_of


def _check_framework(ld: Reporter, cat: Catalog, fw: Framework, refs: _Citations) -> None:
    """Relation and certifications agree; editions reference each other correctly."""
    cert_ids = {c.id for c in cat.certifications}
    loc = f"frameworks.yaml: {fw.id}"
    refs(loc, fw.sources)
    own = {
        d.framework for d in cat.decisions if d.kind == "framework"
    }  # an overlay's: its decision
    if not fw.sources and fw.id not in own:
        ld.error(loc, "cites no source: every framework names where it comes from (sources.yaml)")
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
    _check_part_of(ld, cat, fw, loc)
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


def _check_patterns(ld: Reporter, fw: Framework) -> None:
    """Patterns compile and name no group but `edition`."""
    loc = f"frameworks.yaml: {fw.id}"
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
                f"only the named group 'edition' is allowed (found {', '.join(sorted(unknown))})",
            )


def _check_groups(ld: Reporter, cat: Catalog) -> None:
    """Groups name known frameworks; an ambiguous group names at least two."""
    fw_by_id = {f.id for f in cat.frameworks}
    for group in cat.groups:
        loc = f"groups.yaml: {group.alias}"
        for fid in group.frameworks:
            if fid not in fw_by_id and fid not in ld.invalid:
                ld.error(loc, f"unknown framework {fid!r} (not in frameworks.yaml)")
        if len(group.frameworks) < 2 and group.ambiguous:
            ld.error(loc, "an ambiguous group needs at least two frameworks")


def _check_edition_keys(ld: Reporter, fw: Framework) -> None:
    """Within one framework, an edition spelling names one edition, or a line of editions
    ("v4": 4.0 and 4.0.1) each with a `published` date, so the period can choose; an edition's
    own id is never shared."""
    owner: dict[str, list[str]] = {}
    ids = {key for ed in fw.editions for key in edition_keys(ed.id)}
    dated = {ed.id for ed in fw.editions if ed.published is not None}
    for ed in fw.editions:
        for spelling in (ed.id, *ed.aliases):
            for key in edition_keys(spelling):
                prev = owner.setdefault(key, [])
                if ed.id in prev:
                    continue
                if prev and (key in ids or not {ed.id, *prev} <= dated):
                    ld.error(
                        f"frameworks.yaml: {fw.id}",
                        f"edition spelling {spelling!r} names both {prev[0]!r} and {ed.id!r}"
                        + ("" if key in ids else " (a shared spelling needs published dates)"),
                    )
                prev.append(ed.id)


def _check_aliases(ld: Reporter, cat: Catalog) -> None:
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


_MONTH_DAY = re.compile(r"^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$")


def _check_evidence_rules(ld: Reporter, cat: Catalog, refs: _Citations) -> None:
    """evidence.yaml: every kind and certification known and listed once, every rule sourced,
    report period ends real days, hard-end title patterns that compile."""
    rules = cat.evidence
    where = "evidence.yaml"
    refs(f"{where}: bridge_max_days", rules.bridge_sources)
    if not rules.bridge_sources:
        ld.error(f"{where}: bridge_max_days", "the bridge-letter limit cites no source")
    for kind in _duplicates(k.kind for k in rules.kinds):
        ld.error(f"{where}: kinds", f"kind {kind!r} listed twice")
    for k in rules.kinds:
        refs(f"{where}: kind {k.kind}", k.sources)
        if not k.sources:
            ld.error(f"{where}: kind {k.kind}", "no sources")
        if k.basis == "validity" and k.validity_months is None:
            ld.error(f"{where}: kind {k.kind}", "a validity kind needs validity_months")
    certs = {c.id for c in cat.certifications}
    for cid in _duplicates(c.certification for c in rules.certifications):
        ld.error(f"{where}: certifications", f"certification {cid!r} listed twice")
    for c in rules.certifications:
        loc = f"{where}: certification {c.certification}"
        if c.certification not in certs and c.certification not in ld.invalid:
            ld.error(loc, f"unknown certification {c.certification!r}")
        refs(loc, c.sources)
        if not c.sources:
            ld.error(loc, "the cadence cites no source")
        for end in c.period_ends:
            if not _MONTH_DAY.match(end):
                ld.error(loc, f"period end {end!r} is not MM-DD")
        if c.period_ends and c.period_months is None:
            ld.error(loc, "period_ends without period_months")
        for hard in c.hard_ends:
            refs(loc, hard.sources)
            try:
                re.compile(hard.unless_title)
            except re.error as err:
                ld.error(loc, f"unless_title {hard.unless_title!r} does not compile: {err}")
