"""The per-catalog recognition index: aliases, editions, patterns, near-miss keys. Built once.

Pure: no files, no clock. Imports no pydantic: an index kept as plain data (`to_plain`) is read
back without the catalog (`standalone`), so a one-name lookup never builds the catalog's models.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from assessor.recognize.norm import (
    KEY_STOP,
    YEAR,
    compact,
    compact_key,
    deletions,
    edition_keys,
    letters,
    tokens,
)

if TYPE_CHECKING:
    from assessor.domain.catalog_models import Catalog, Framework

# A near-miss is read only against keys with enough letters to make one edit telling.
TYPO_MIN_LETTERS = 4
_TYPO_MAX_KEY = 40
_EDITION_GROUP = re.compile(r"\(\?P<edition>")


class EditionView(Protocol):
    """What recognition reads of an edition once the index is built."""

    @property
    def id(self) -> str: ...
    @property
    def label(self) -> str: ...


class FrameworkView(Protocol):
    """What recognition reads of a framework once the index is built: the catalog's Framework,
    or the FrameworkFacts of an index read back without the catalog."""

    @property
    def id(self) -> str: ...
    @property
    def short_name(self) -> str: ...
    @property
    def relation(self) -> str: ...
    @property
    def certifications(self) -> tuple[str, ...]: ...
    @property
    def editions(self) -> Sequence[EditionView]: ...
    @property
    def part_of(self) -> str | None: ...


class GroupView(Protocol):
    """What recognition reads of a group alias (a family, or several frameworks at once)."""

    @property
    def alias(self) -> str: ...
    @property
    def frameworks(self) -> tuple[str, ...]: ...
    @property
    def ambiguous(self) -> bool: ...
    @property
    def note(self) -> str: ...


@dataclass(frozen=True, slots=True)
class EditionFacts:
    """An edition as a kept index holds it."""

    id: str
    label: str


@dataclass(frozen=True, slots=True)
class FrameworkFacts:
    """A framework as a kept index holds it: what FrameworkView reads, nothing more."""

    id: str
    short_name: str
    relation: str
    certifications: tuple[str, ...]
    editions: tuple[EditionFacts, ...]
    part_of: str | None


@dataclass(frozen=True, slots=True)
class GroupFacts:
    """A group alias as a kept index holds it."""

    alias: str
    frameworks: tuple[str, ...]
    ambiguous: bool
    note: str


@dataclass
class Index:
    """Everything recognition looks up, keyed the way texts are folded."""

    aliases: dict[str, str] = field(default_factory=dict)  # key -> "fw:<id>" | "group:<alias>"
    alias_words: dict[str, tuple[str, ...]] = field(default_factory=dict)  # key -> its words
    frameworks: dict[str, FrameworkView] = field(default_factory=dict)
    groups: dict[str, GroupView] = field(default_factory=dict)
    editions: dict[str, dict[str, str]] = field(default_factory=dict)  # fw -> key -> edition
    edition_lines: dict[str, dict[str, tuple[str, ...]]] = field(default_factory=dict)  # shared
    year_editions: dict[str, bool] = field(default_factory=dict)
    name_words: dict[str, frozenset[str]] = field(default_factory=dict)
    patterns: list[tuple[str, re.Pattern[str]]] = field(default_factory=list)
    any_pattern: re.Pattern[str] | None = None
    first_reach: dict[str, int] = field(default_factory=dict)  # first token -> longest window
    typo_keys: dict[str, set[str]] = field(default_factory=dict)  # key or deletion -> keys
    typo_built: bool = False  # typo_keys is filled on first use (see typo_keys())
    prefixes: set[str] = field(default_factory=set)  # every alias key's every prefix
    typo_first: set[str] = field(default_factory=set)  # their first tokens, and one letter less
    clipped: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # head -> (last, owner)
    choices: list[str] = field(default_factory=list)
    choice_owner: list[str] = field(default_factory=list)
    cache: dict[str, object] = field(default_factory=dict)
    near_heads: dict[str, bool] = field(default_factory=dict)  # word -> may start a near miss
    edition_reads: dict[tuple[str, ...], object] = field(default_factory=dict)  # (fw, *words)
    typo_reads: dict[tuple[str, ...], str | None] = field(default_factory=dict)  # words -> owner
    near_reads: dict[tuple[object, ...], tuple[str, int] | None] = field(default_factory=dict)


_CACHE: list[tuple[Catalog, Index]] = []
# Catalogs whose index a loader can give without building it (the catalog's disk cache).
_OFFERS: list[tuple[Catalog, Callable[[], Index | None]]] = []


def index(catalog: Catalog | Index) -> Index:
    """The index of this catalog, built on first use and kept for the next calls (an index
    given, read back without its catalog, is its own)."""
    if isinstance(catalog, Index):
        return catalog
    for cached, idx in _CACHE:
        if cached is catalog:
            return idx
    found: Index | None = None
    for offered, load in _OFFERS:
        if offered is catalog:
            found = load()
            break
    idx = found if found is not None else _build(catalog)
    _CACHE.insert(0, (catalog, idx))
    del _CACHE[8:]
    return idx


def offer(catalog: Catalog, load: Callable[[], Index | None]) -> None:
    """Say how this catalog's index may be had without building it (None: build it after all)."""
    _OFFERS.insert(0, (catalog, load))
    del _OFFERS[8:]


# ---------------------------------------------------------------------------------------------
# The index as plain data (JSON-able), so a catalog cache can keep it: no code, no pickle


def to_plain(idx: Index) -> dict[str, Any]:
    """Everything the index holds but the per-text caches, with what recognition reads of each
    framework and group (so `standalone` needs no catalog)."""
    return {
        "aliases": idx.aliases,
        "alias_words": idx.alias_words,
        "editions": idx.editions,
        "edition_lines": idx.edition_lines,
        "year_editions": idx.year_editions,
        "name_words": {k: sorted(v) for k, v in idx.name_words.items()},
        "patterns": [[fw_id, p.pattern] for fw_id, p in idx.patterns],
        "any_pattern": idx.any_pattern.pattern if idx.any_pattern is not None else None,
        "first_reach": idx.first_reach,
        "typo_first": sorted(idx.typo_first),
        "clipped": idx.clipped,
        "choices": idx.choices,
        "choice_owner": idx.choice_owner,
        "frameworks": [_framework_plain(fw) for fw in idx.frameworks.values()],
        "groups": [[g.alias, list(g.frameworks), g.ambiguous, g.note] for g in idx.groups.values()],
    }


def _framework_plain(fw: FrameworkView) -> list[object]:
    editions = [[e.id, e.label] for e in fw.editions]
    return [fw.id, fw.short_name, fw.relation, list(fw.certifications), editions, fw.part_of]


def from_plain(catalog: Catalog, data: dict[str, Any]) -> Index:
    """The index to_plain kept, for this catalog (KeyError, TypeError or ValueError if not)."""
    frameworks: dict[str, FrameworkView] = {fw.id: fw for fw in catalog.frameworks}
    kept = [row[0] for row in data["frameworks"]]
    if kept != list(frameworks):
        raise ValueError("the kept index is not this catalog's")
    return _from_plain(data, frameworks, {g.alias: g for g in catalog.groups})


def standalone(data: dict[str, Any]) -> Index:
    """The index to_plain kept, read back without its catalog: each framework and group as the
    plain facts recognition reads (KeyError, TypeError or ValueError when the data is not an
    index's)."""
    frameworks: dict[str, FrameworkView] = {}
    for fw_id, short, relation, certs, editions, part_of in data["frameworks"]:
        eds = tuple(EditionFacts(_text(e), _text(label)) for e, label in editions)
        part = None if part_of is None else _text(part_of)
        facts = FrameworkFacts(
            _text(fw_id), _text(short), _text(relation), _texts(certs), eds, part
        )
        frameworks[facts.id] = facts
    groups: dict[str, GroupView] = {}
    for alias, members, ambiguous, note in data["groups"]:
        if type(ambiguous) is not bool:
            raise TypeError("a group's 'ambiguous' is true or false")
        groups[_text(alias)] = GroupFacts(alias, _texts(members), ambiguous, _text(note))
    return _from_plain(data, frameworks, groups)


def _text(value: object) -> str:
    if type(value) is not str:
        raise TypeError("expected a string")
    return value


def _texts(values: object) -> tuple[str, ...]:
    if type(values) is not list:
        raise TypeError("expected a list")
    return tuple(map(_text, values))


def _from_plain(
    data: dict[str, Any], frameworks: dict[str, FrameworkView], groups: dict[str, GroupView]
) -> Index:
    idx = Index(
        aliases=dict(data["aliases"]),
        alias_words={k: tuple(v) for k, v in data["alias_words"].items()},
        frameworks=frameworks,
        groups=groups,
        editions={k: dict(v) for k, v in data["editions"].items()},
        edition_lines={
            fw: {k: tuple(v) for k, v in lines.items()}
            for fw, lines in data["edition_lines"].items()
        },
        year_editions=dict(data["year_editions"]),
        name_words={k: frozenset(v) for k, v in data["name_words"].items()},
        patterns=[(fw_id, re.compile(p)) for fw_id, p in data["patterns"]],
        any_pattern=re.compile(data["any_pattern"]) if data["any_pattern"] else None,
        first_reach=dict(data["first_reach"]),
        typo_first=set(data["typo_first"]),
        clipped={k: [(a, b) for a, b in v] for k, v in data["clipped"].items()},
        choices=list(data["choices"]),
        choice_owner=list(data["choice_owner"]),
    )
    if set(idx.frameworks) != set(idx.editions) or len(idx.choices) != len(idx.choice_owner):
        raise ValueError("the kept index is not this catalog's")
    if not {o[6:] for o in idx.aliases.values() if o.startswith("group:")} <= set(idx.groups):
        raise ValueError("the kept index's groups are not its aliases'")
    return idx


def _add_alias(idx: Index, spelling: str, owner: str) -> None:
    toks = tokens(spelling)
    key = compact(toks)
    if not key:
        return
    idx.aliases.setdefault(key, owner)
    idx.alias_words.setdefault(key, tuple(t for t in toks if t not in KEY_STOP))
    head = next((t for t in toks if t not in KEY_STOP), toks[0])
    idx.first_reach[head] = max(idx.first_reach.get(head, 0), len(toks) + 2)


def _add_framework(idx: Index, fw: Framework) -> None:
    idx.frameworks[fw.id] = fw
    owner = f"fw:{fw.id}"
    for spelling in (fw.id, fw.short_name, fw.name, *fw.aliases):
        _add_alias(idx, spelling, owner)
    named: dict[str, dict[str, str]] = {}  # key -> edition id -> the spelling that named it
    for ed in fw.editions:
        for spelling in (ed.id, *ed.aliases):
            for key in edition_keys(spelling):
                named.setdefault(key, {}).setdefault(ed.id, spelling)
    # A spelling several editions share ("v4": 4.0 and 4.0.1) names the line, not one edition:
    # it is kept as written and the assessment picks the edition current in the period.
    eds = {
        key: next(iter(by_ed)) if len(by_ed) == 1 else next(iter(by_ed.values()))
        for key, by_ed in named.items()
    }
    idx.editions[fw.id] = eds
    idx.edition_lines[fw.id] = {key: tuple(by_ed) for key, by_ed in named.items() if len(by_ed) > 1}
    idx.year_editions[fw.id] = any(YEAR.match(e.id) for e in fw.editions)
    words = {
        t
        for spelling in (fw.name, fw.short_name, *fw.aliases)
        for t in tokens(spelling)
        if t.isalpha() and len(t) >= 3
    }
    idx.name_words[fw.id] = frozenset(words - set(eds))
    for pattern in fw.patterns:
        # a pattern may now match a window of words: it must end where a word ends
        idx.patterns.append((fw.id, re.compile(f"(?:{pattern})(?= |$)")))


def typo_keys(idx: Index) -> dict[str, set[str]]:
    """Every alias key and each of its one-letter deletions -> the keys: built on the first
    near-miss read (most texts, and a one-name lookup, never need it)."""
    if not idx.typo_built:
        for key, owner in idx.aliases.items():
            if (
                owner.startswith("group:")
                or letters(key) < TYPO_MIN_LETTERS
                or len(key) > _TYPO_MAX_KEY
            ):
                continue
            for variant in {key} | deletions(key):
                idx.typo_keys.setdefault(variant, set()).add(key)
        idx.typo_built = True
    return idx.typo_keys


def alias_prefixes(idx: Index) -> set[str]:
    """Every beginning of every alias key ("i", "is", "iso", ..., "iso27001"): built on first
    use, so a run of words that no alias key starts with ends the search for a longer one."""
    if not idx.prefixes:
        idx.prefixes = {key[:n] for key in idx.aliases for n in range(1, len(key) + 1)}
    return idx.prefixes


def _add_near_miss_keys(idx: Index, catalog: Catalog) -> None:
    for fw in catalog.frameworks:
        for spelling in (fw.short_name, *fw.aliases):
            toks = [t for t in tokens(spelling) if t not in KEY_STOP]
            if not toks or letters(compact(toks)) < TYPO_MIN_LETTERS:
                continue
            idx.typo_first |= {toks[0]} | deletions(toks[0])
            if len(toks) >= 2 and toks[-1].isalpha() and len(toks[-1]) > 3:
                entry = (toks[-1], f"fw:{fw.id}")
                idx.clipped.setdefault(" ".join(toks[:-1]), []).append(entry)


def _build(catalog: Catalog) -> Index:
    idx = Index()
    for fw in catalog.frameworks:
        _add_framework(idx, fw)
    # a word that is a name by itself ("iso", "soc", "gdpr") never counts as the name's filler
    all_keys = {compact_key(a) for f in catalog.frameworks for a in (f.short_name, *f.aliases)}
    all_keys |= {compact_key(g.alias) for g in catalog.groups}
    for fw_id, kept in idx.name_words.items():
        idx.name_words[fw_id] = frozenset(kept - all_keys)
    for group in catalog.groups:
        idx.groups[group.alias] = group
        _add_alias(idx, group.alias, f"group:{group.alias}")
    _add_near_miss_keys(idx, catalog)
    if idx.patterns:
        joined = "|".join(_EDITION_GROUP.sub("(?:", p.pattern) for _, p in idx.patterns)
        idx.any_pattern = re.compile(joined)
    for key, owner in sorted(idx.aliases.items()):
        idx.choices.append(key)
        idx.choice_owner.append(owner)
    return idx


def owner_ids(idx: Index, owner: str) -> tuple[str, ...]:
    """The framework ids an alias owner stands for (a group stands for several)."""
    if owner.startswith("group:"):
        return idx.groups[owner[6:]].frameworks
    return (owner[3:],)
