"""Recognize framework names as people type them: aliases, editions, groups; fuzzy only to suggest.

Pure: no files, no clock. The only module that imports rapidfuzz.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from assessor.domain.models import Candidate, Catalog, Framework, GroupAlias, Match
from assessor.domain.text import normalize_text

# ---------------------------------------------------------------------------------------------
# Normalization

_ISO_IEC = re.compile(r"\biso\s*[/\\\-]?\s*iec\b")
_NATIONAL_ISO = re.compile(
    r"\b(?:(?:bs|din|nen|une|nf|sn|ds|ss|cen|onorm|sist|pn|csn)\s*-?\s*)?(?:en\s*-?\s*)?iso\b"
)
_ROMAN = {"i": "1", "ii": "2", "iii": "3", "iv": "4"}
_SOC_ROMAN = re.compile(r"\b(soc|type|level|tier)\s*-?\s*(iv|iii|ii|i)\b")
_WORD_PLUS = re.compile(r"(?<=[a-z0-9])\+(?=\s|$)")
_TOKEN = re.compile(r"\d+(?:\.\d+)*|[a-z]+")
_YEAR = re.compile(r"^(?:19[89]\d|20[0-4]\d)$")
_DOTTED = re.compile(r"^\d+(?:\.\d+)+$")
_REV = re.compile(r"^rev\d+$")
_DIGITS = re.compile(r"\d+")

# Dropped from compact keys: "HIPAA and HITECH" = "HIPAA/HITECH", "The GDPR" = "GDPR".
_KEY_STOP = frozenset({"and", "the"})

# Words that may follow (or precede) a framework name without changing what it names.
_FILLER_WORDS = """
    certification certifications certificate certificates certified cert certs compliance
    compliant conformance conformity report reports audit audits audited attestation
    attestations attested assessment assessments assessed standard standards framework
    frameworks requirement requirements control controls program programme regulation
    regulations act law rule rules of for with to per the letter evidence information validated
    security management system systems baseline authorization authorisation authorized
    authorised ato required requires mandatory latest current version edition mapping
    mappings crosswalk
"""
FILLER = frozenset(_FILLER_WORDS.split())
_LEADING_FILLER = frozenset(
    {"the", "compliance", "compliant", "with", "to", "per", "a", "an", "microsoft", "microsoft's"}
)
# A clause reference after a name ("GDPR Art. 28", "ISO 27001 Annex A", "PCI DSS Requirement 8")
# still names the framework; it is kept in the note.
_CLAUSE = frozenset(
    {"art", "article", "articles", "section", "sec", "clause", "annex", "appendix", "chapter"}
    | {"requirement", "req", "domain"}
)
_CLAUSE_MAX_TOKENS = 4
# A framework name is short: longer texts are never matched, only scanned for suggestions.
_MAX_NAME_CHARS = 200
_MAX_FUZZY_CHARS = 80
_MAX_SCAN_TOKENS = 2000
_EXACT_CACHE_SIZE = 20_000


def _fold(text: str) -> str:
    """Lower case without accents, with "ISO/IEC" and national adoptions reduced to "iso"."""
    text = normalize_text(text).casefold()
    if not text.isascii():
        decomposed = unicodedata.normalize("NFKD", text)
        text = "".join(c for c in decomposed if not unicodedata.combining(c))
    text = text.replace("&", " and ").replace("ß", "ss")
    # "Cyber Essentials+" = "Cyber Essentials Plus"; "SOC 2+" is not plain SOC 2
    text = _WORD_PLUS.sub(" plus", text)
    text = _ISO_IEC.sub("iso", text)
    text = _NATIONAL_ISO.sub("iso", text)
    return _SOC_ROMAN.sub(lambda m: f"{m.group(1)} {_ROMAN[m.group(2)]}", text)


def tokens(text: str) -> list[str]:
    """Words and numbers of a name: letters and digits split, punctuation dropped."""
    return _TOKEN.findall(_fold(text))


def _compact(toks: Iterable[str]) -> str:
    return "".join(t for t in toks if t not in _KEY_STOP)


def compact_key(text: str) -> str:
    """The key aliases are compared by: "ISO/IEC 27001" = "iso27001" = "ISO 27001"."""
    return _compact(tokens(text))


def _edition_canon(toks: Sequence[str]) -> str:
    out: list[str] = []
    i = 0
    while i < len(toks):
        tok = toks[i]
        nxt = toks[i + 1] if i + 1 < len(toks) else ""
        if tok in ("revision", "rev", "r"):
            out.append("rev")
        elif tok in ("version", "ver", "v"):
            pass
        elif tok in ("level", "lvl"):
            out.append("level")
        elif tok == "impact" and nxt == "level":
            out.append("il")
            i += 1
        elif tok in _ROMAN and out and out[-1] in ("type", "level"):
            out.append(_ROMAN[tok])
        else:
            out.append(tok)
        i += 1
    return "".join(out)


def edition_keys(text: str) -> set[str]:
    """Keys an edition spelling is compared by: as written, and canonical (Rev. 5 = r5 = rev5)."""
    toks = [t for t in tokens(text) if t not in _KEY_STOP]
    if not toks:
        return set()
    return {"".join(toks), _edition_canon(toks)}


# ---------------------------------------------------------------------------------------------
# The per-catalog index


@dataclass
class _Index:
    aliases: dict[str, str] = field(default_factory=dict)  # key -> "fw:<id>" | "group:<alias>"
    frameworks: dict[str, Framework] = field(default_factory=dict)
    groups: dict[str, GroupAlias] = field(default_factory=dict)
    editions: dict[str, dict[str, str]] = field(default_factory=dict)  # fw -> key -> edition
    year_editions: dict[str, bool] = field(default_factory=dict)
    name_words: dict[str, frozenset[str]] = field(default_factory=dict)
    patterns: list[tuple[str, re.Pattern[str]]] = field(default_factory=list)
    choices: list[str] = field(default_factory=list)
    choice_owner: list[str] = field(default_factory=list)
    max_alias_tokens: int = 1
    exact_cache: dict[str, Match | None] = field(default_factory=dict)


_CACHE: list[tuple[Catalog, _Index]] = []


def _index(catalog: Catalog) -> _Index:
    for cached, idx in _CACHE:
        if cached is catalog:
            return idx
    idx = _build_index(catalog)
    _CACHE.insert(0, (catalog, idx))
    del _CACHE[8:]
    return idx


def _build_index(catalog: Catalog) -> _Index:
    idx = _Index()
    for fw in catalog.frameworks:
        idx.frameworks[fw.id] = fw
        owner = f"fw:{fw.id}"
        for spelling in (fw.id, fw.short_name, fw.name, *fw.aliases):
            key = compact_key(spelling)
            if key:
                idx.aliases.setdefault(key, owner)
                idx.max_alias_tokens = max(idx.max_alias_tokens, len(tokens(spelling)))
        eds: dict[str, str] = {}
        for ed in fw.editions:
            for spelling in (ed.id, *ed.aliases):
                for key in edition_keys(spelling):
                    eds.setdefault(key, ed.id)
        idx.editions[fw.id] = eds
        idx.year_editions[fw.id] = any(_YEAR.match(e.id) for e in fw.editions)
        words = {
            t
            for spelling in (fw.name, fw.short_name, *fw.aliases)
            for t in tokens(spelling)
            if t.isalpha() and len(t) >= 3
        }
        idx.name_words[fw.id] = frozenset(words - set(eds))
        for pattern in fw.patterns:
            idx.patterns.append((fw.id, re.compile(pattern)))
    # a word that is a name by itself ("iso", "soc", "gdpr") never counts as filler
    all_keys = {compact_key(a) for f in catalog.frameworks for a in (f.short_name, *f.aliases)}
    all_keys |= {compact_key(g.alias) for g in catalog.groups}
    for fw_id, kept in idx.name_words.items():
        idx.name_words[fw_id] = frozenset(kept - all_keys)
    for group in catalog.groups:
        key = compact_key(group.alias)
        idx.groups[group.alias] = group
        idx.aliases.setdefault(key, f"group:{group.alias}")
        idx.max_alias_tokens = max(idx.max_alias_tokens, len(tokens(group.alias)))
    for key, owner in sorted(idx.aliases.items()):
        idx.choices.append(key)
        idx.choice_owner.append(owner)
    return idx


# ---------------------------------------------------------------------------------------------
# Matching one name


@dataclass(frozen=True)
class _Hit:
    framework: str
    edition: str | None
    exact: bool
    note: str | None = None


def _parse_edition(idx: _Index, fw_id: str, rest: Sequence[str]) -> _Hit | None:
    """What follows a framework name: filler, the framework's own name words, and an edition."""
    clause = next((i for i, t in enumerate(rest) if t in _CLAUSE), None)
    if clause is not None and 0 < len(rest) - clause <= _CLAUSE_MAX_TOKENS + 1:
        hit = _parse_edition(idx, fw_id, rest[:clause])
        if hit is None:
            return None
        ref = " ".join(rest[clause:])
        note = f"clause reference '{ref}' kept as written: the whole framework is assessed"
        return _Hit(hit.framework, hit.edition, False, _join(hit.note, note))
    words = idx.name_words[fw_id]
    left = [t for t in rest if t not in FILLER and t not in words and t not in _KEY_STOP]
    exact = len(left) == len(rest)  # nothing dropped: the alias, maybe an edition
    if not left:
        return _Hit(fw_id, None, exact)
    found = _edition_from(idx, fw_id, left)
    if found is not None:
        return _Hit(found.framework, found.edition, exact and found.note is None, found.note)
    if len(left) > 1 and _YEAR.match(left[-1]):  # "SOC 2 Type II 2023": a report year
        found = _edition_from(idx, fw_id, left[:-1])
        if found is not None and found.edition is not None and not _YEAR.match(found.edition):
            note = f"'{left[-1]}' read as a period or report year, not an edition"
            return _Hit(found.framework, found.edition, False, _join(found.note, note))
    return None


def _join(*notes: str | None) -> str | None:
    kept = [n for n in notes if n]
    return "; ".join(kept) or None


def _edition_from(idx: _Index, fw_id: str, left: Sequence[str]) -> _Hit | None:
    eds = idx.editions[fw_id]
    raw = "".join(left)
    canon = _edition_canon(left)
    for key in (raw, canon):
        if key in eds:
            return _Hit(fw_id, eds[key], False)
    if _YEAR.match(canon):
        if idx.year_editions[fw_id]:
            return _Hit(
                fw_id, canon, False, f"edition {canon} is not one the catalog knows for {fw_id}"
            )
        return _Hit(fw_id, None, False, f"'{canon}' read as a year, not an edition")
    explicit_version = (
        left[0] in ("v", "ver", "version") and len(left) == 2 and left[1][0].isdigit()
    )
    if _REV.match(canon) or (_DOTTED.match(canon) and eds) or explicit_version:
        return _Hit(
            fw_id, canon, False, f"edition {canon!r} is not one the catalog knows for {fw_id}"
        )
    return None


def _strip_leading(toks: list[str]) -> list[str]:
    i = 0
    while i < len(toks) - 1 and toks[i] in _LEADING_FILLER:
        i += 1
    return toks[i:]


def _by_alias(idx: _Index, toks: list[str]) -> Match | None:
    """Longest alias at the start of the text, then an edition and filler words."""
    limit = min(len(toks), idx.max_alias_tokens + 2)
    for k in range(limit, 0, -1):
        owner = idx.aliases.get(_compact(toks[:k]))
        if owner is None:
            continue
        rest = toks[k:]
        if owner.startswith("group:"):
            found = _group_match(idx, idx.groups[owner[6:]], rest)
        else:
            hit = _parse_edition(idx, owner[3:], rest)
            found = None if hit is None else _single(hit, "alias")
        if found is not None:
            return found
    return None


def _single(hit: _Hit, via: str) -> Match:
    score = 100.0 if hit.exact else 95.0
    return Match(
        text="",
        status="matched",
        frameworks=(Candidate(framework=hit.framework, edition=hit.edition, score=score, via=via),),
        note=hit.note,
    )


def _group_match(idx: _Index, group: GroupAlias, rest: Sequence[str]) -> Match | None:
    left = [t for t in rest if t not in FILLER and t not in _KEY_STOP]
    cands: list[Candidate] = []
    known: list[str] = []
    for fw_id in group.frameworks:
        edition: str | None = None
        if left:
            hit = _edition_from(idx, fw_id, left)
            if hit is None:
                continue
            edition = hit.edition
            if hit.note is None:
                known.append(fw_id)
        cands.append(
            Candidate(
                framework=fw_id,
                edition=edition,
                score=50.0 if group.ambiguous else 100.0,
                via="group",
            )
        )
    if known and len(known) < len(cands):  # an edition one member knows beats a guess
        cands = [c for c in cands if c.framework in known]
    if not cands:
        return None
    if left and len(cands) == 1 and cands[0].edition is not None:
        # "CIS v8": only one member of the family has that edition
        only = cands[0].model_copy(update={"score": 95.0})
        note = f"'{group.alias}' with this edition names only {only.framework}"
        return Match(text="", status="matched", frameworks=(only,), note=note)
    ambiguous = group.ambiguous or len(cands) < len(group.frameworks)
    return Match(
        text="",
        status="ambiguous" if ambiguous else "matched",
        frameworks=tuple(cands),
        suggestions=tuple(c.framework for c in cands) if ambiguous else (),
        note=group.note,
    )


def _by_pattern(idx: _Index, toks: list[str]) -> Match | None:
    spaced = " ".join(toks)
    hits: dict[str, _Hit] = {}
    for fw_id, pattern in idx.patterns:
        m = pattern.fullmatch(spaced)
        if m is None or fw_id in hits:
            continue
        ed_text = m.groupdict().get("edition")
        if ed_text:
            hit = _edition_from(idx, fw_id, tokens(ed_text))
            if hit is None:
                continue
            hits[fw_id] = _Hit(fw_id, hit.edition, False, hit.note)
        else:
            hits[fw_id] = _Hit(fw_id, None, False)
    if not hits:
        return None
    if len(hits) == 1:
        return _single(next(iter(hits.values())), "pattern")
    return Match(
        text="",
        status="ambiguous",
        frameworks=tuple(
            Candidate(framework=h.framework, edition=h.edition, score=60.0, via="pattern")
            for h in hits.values()
        ),
        suggestions=tuple(hits),
        note="several frameworks fit this name",
    )


def _one(idx: _Index, text: str) -> Match | None:
    toks = _strip_leading(tokens(text))
    if not toks:
        return None
    found = _by_alias(idx, toks) or _by_pattern(idx, toks)
    if found is None:
        stripped = [t for t in toks if t not in FILLER] or toks
        if stripped != toks:
            found = _by_pattern(idx, stripped)
    return found


def _exact(idx: _Index, text: str) -> Match | None:
    """Alias or pattern match of the text; a parenthesized part may spell out or abbreviate it."""
    if len(text) > _MAX_NAME_CHARS:
        return None
    key = text
    if key in idx.exact_cache:
        return idx.exact_cache[key]
    found = _exact_uncached(idx, text)
    if len(idx.exact_cache) < _EXACT_CACHE_SIZE:
        idx.exact_cache[key] = found
    return found


def _exact_uncached(idx: _Index, text: str) -> Match | None:
    found = _one(idx, text)
    if found is not None or "(" not in text or ")" not in text:
        return found
    outer = re.sub(r"\([^()]*\)", " ", text)
    found = _one(idx, outer)
    if found is not None:
        return found
    inner = _one(idx, " ".join(re.findall(r"\(([^()]*)\)", text)))
    if inner is None or inner.status != "matched" or len(inner.frameworks) != 1:
        return None
    # "Payment Card Industry (PCI DSS)": the words outside must all belong to that framework
    words = idx.name_words[inner.frameworks[0].framework]
    if all(t in words or t in FILLER or t in _KEY_STOP for t in tokens(outer)):
        return inner
    return None


def _contained(idx: _Index, toks: Sequence[str]) -> list[str]:
    """Frameworks whose alias appears somewhere inside the text (for suggestions only)."""
    out: list[str] = []
    width = idx.max_alias_tokens
    for i in range(len(toks)):
        for j in range(min(len(toks), i + width), i, -1):
            owner = idx.aliases.get(_compact(toks[i:j]))
            if owner is None:
                continue
            ids = idx.groups[owner[6:]].frameworks if owner.startswith("group:") else (owner[3:],)
            out += [f for f in ids if f not in out]
            break
    return out


def _fuzzy(idx: _Index, text: str) -> tuple[Match | None, list[str]]:
    """Closest framework ids; a match only when very close, unique and free of numbers."""
    toks = tokens(text)
    query = _compact(toks)
    suggestions = _contained(idx, toks[:_MAX_SCAN_TOKENS])
    if not query or len(query) > _MAX_FUZZY_CHARS:
        return None, suggestions[:5]
    results = process.extract(query, idx.choices, scorer=fuzz.ratio, limit=12)
    best: dict[str, tuple[float, str]] = {}
    for choice, score, pos in results:
        owner = idx.choice_owner[pos]
        ids = idx.groups[owner[6:]].frameworks if owner.startswith("group:") else (owner[3:],)
        for fw_id in ids:
            if fw_id not in best or score > best[fw_id][0]:
                best[fw_id] = (float(score), choice if not owner.startswith("group:") else "")
    ranked = sorted(best.items(), key=lambda kv: (-kv[1][0], kv[0]))
    for fw_id, (score, _) in ranked:
        if score >= 60 and fw_id not in suggestions:
            suggestions.append(fw_id)
    if ranked:
        fw_id, (score, choice) = ranked[0]
        runner_up = ranked[1][1][0] if len(ranked) > 1 else 0.0
        if (
            choice
            and score >= 92
            and len(query) >= 10
            and len([t for t in toks if t not in _KEY_STOP]) >= 2  # one word: too easy to hit
            and query not in choice  # "protected" is not "Protected B", "800-53" not "800-53A"
            and choice not in query
            and runner_up < score - 10
            and not _DIGITS.search(query)  # numbered names are identifiers: never guessed
            and not _DIGITS.search(choice)
        ):
            cand = Candidate(framework=fw_id, edition=None, score=round(score, 1), via="fuzzy")
            note = f"matched by spelling similarity ({score:.0f}/100) to a known name; check it"
            return Match(text="", status="matched", frameworks=(cand,), note=note), suggestions
    return None, suggestions[:5]


def match_text(text: str, catalog: Catalog) -> Match:
    """How one framework name resolves: matched, ambiguous (say which), or unrecognized."""
    shown = normalize_text(text).replace("\n", " ")
    idx = _index(catalog)
    if not tokens(shown):
        return Match(text=shown, status="unrecognized", note="no framework name in this text")
    found = _exact(idx, shown)
    if found is not None:
        return found.model_copy(update={"text": shown})
    fuzzy, suggestions = _fuzzy(idx, shown)
    if fuzzy is not None:
        return fuzzy.model_copy(update={"text": shown, "suggestions": tuple(suggestions[:5])})
    note = "not a framework name the catalog knows"
    if suggestions:
        note += "; closest: " + ", ".join(suggestions[:5])
    return Match(text=shown, status="unrecognized", suggestions=tuple(suggestions[:5]), note=note)


# ---------------------------------------------------------------------------------------------
# Splitting a cell into framework names

_SEP = re.compile(r"\s*(?:;|,|/|\||\+|&|•|·|\band\b)\s*", re.IGNORECASE)
_HARD_SEP = re.compile(r"[;,|•·]")
_BARE_NUMBER = re.compile(r"^\d+(?:-\d+)?$")
_BARE_TYPE = re.compile(r"^type\s*-?\s*(?:iii|ii|i|\d)$", re.IGNORECASE)
_NUMBER_UNIT = re.compile(r"\d+(?:[-.]\d+)*")
_IEC_AFTER = re.compile(r"iec\b", re.IGNORECASE)


def _known(text: str, catalog: Catalog) -> bool:
    found = _exact(_index(catalog), normalize_text(text))
    return found is not None


def _iso_before(line: str, pos: int) -> bool:
    """Whether the word just before `pos` is "ISO" (so "ISO/IEC" is not split)."""
    j = pos
    while j > 0 and line[j - 1].isspace():
        j -= 1
    return line[max(0, j - 3) : j].casefold() == "iso" and (j < 4 or not line[j - 4].isalnum())


def _atoms(line: str) -> list[tuple[str, str]]:
    """Pieces between separators outside parentheses, each with the separator that follows it."""
    out: list[tuple[str, str]] = []
    depth = 0
    start = 0
    pos = 0
    while pos < len(line):
        ch = line[pos]
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth = max(0, depth - 1)
        elif depth == 0:
            m = _SEP.match(line, pos)
            if (
                m
                and m.end() > pos
                and m.group().strip()
                and not (_iso_before(line, pos) and _IEC_AFTER.match(line, m.end()))
            ):
                out.append((line[start:pos], m.group()))
                start = pos = m.end()
                continue
        pos += 1
    out.append((line[start:], ""))
    return [(a.strip(), s) for a, s in out]


def _continue(prev: str, bare: str) -> str | None:
    """'27017' after 'ISO 27001:2022' -> 'ISO 27017'; '2' after 'SOC 1' -> 'SOC 2'."""
    if _BARE_TYPE.match(bare):
        base = re.sub(r"\s*type\s*-?\s*(?:iii|ii|i|\d)\s*$", "", prev, flags=re.IGNORECASE)
        return f"{base} {bare}"
    units = list(_NUMBER_UNIT.finditer(prev))
    if not units:
        return None
    if _YEAR.match(bare):
        years = [u for u in units if _YEAR.match(u.group())]
        if years:
            last = years[-1]
            return prev[: last.start()] + bare + prev[last.end() :]
        return None
    non_years = [u for u in units if not _YEAR.match(u.group())]
    if not non_years:
        return None
    unit = non_years[-1]
    value = unit.group()
    new = value.rsplit("-", 1)[0] + "-" + bare if "-" in value and "-" not in bare else bare
    return (prev[: unit.start()] + new).rstrip(" :-")


def split_frameworks(text: str, catalog: Catalog) -> list[str]:
    """One name per framework in a cell (lines, ; , / & + 'and'), never splitting a known name."""
    out: list[str] = []
    for line in normalize_text(text).split("\n"):
        if not line.strip():
            continue
        if _known(line, catalog):
            out.append(line.strip())
            continue
        atoms = [(a, s) for a, s in _atoms(line)]
        parts: list[str] = []
        i = 0
        while i < len(atoms):
            taken = 1
            reach = i + 1  # a name may span '/', '&', '+' or 'and', never ',', ';' or '|'
            while reach < min(len(atoms), i + 6) and not _HARD_SEP.search(atoms[reach - 1][1]):
                reach += 1
            for j in range(reach, i + 1, -1):
                joined = "".join(a + s for a, s in atoms[i : j - 1]) + atoms[j - 1][0]
                if _known(joined, catalog):
                    taken = j - i
                    break
            piece = (
                "".join(a + s for a, s in atoms[i : i + taken - 1]) + atoms[i + taken - 1][0]
            ).strip()
            if taken == 1 and parts and (_BARE_NUMBER.match(piece) or _BARE_TYPE.match(piece)):
                expanded = _continue(parts[-1], piece)
                if expanded and _known(expanded, catalog):
                    piece = expanded
            if piece:
                parts.append(piece)
            i += taken
        out += parts
    return out


def match_cell(text: str, catalog: Catalog) -> list[Match]:
    """Split a cell into framework names and match each."""
    return [match_text(part, catalog) for part in split_frameworks(text, catalog)]


# ---------------------------------------------------------------------------------------------
# Output for the CLI


def _flatten(matches: Sequence[Match] | Sequence[Sequence[Match]]) -> list[Match]:
    out: list[Match] = []
    for item in matches:
        if isinstance(item, Match):
            out.append(item)
        else:
            out.extend(item)
    return out


def matches_json(matches: Sequence[Match] | Sequence[Sequence[Match]]) -> str:
    """Matches as JSON: a list of Match objects (a list of lists when given per input text)."""
    data: list[object] = []
    for item in matches:
        if isinstance(item, Match):
            data.append(item.model_dump(mode="json"))
        else:
            data.append([m.model_dump(mode="json") for m in item])
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False)


def _describe(cand: Candidate, catalog: Catalog) -> str:
    try:
        fw = catalog.framework(cand.framework)
    except KeyError:
        return cand.framework
    label = fw.short_name
    if cand.edition:
        ed = next((e for e in fw.editions if e.id == cand.edition), None)
        label = ed.label if ed is not None else f"{label} ({cand.edition})"
    held = {
        "held": "held by the service",
        "supports": "not held; supported by " + ", ".join(fw.certifications),
        "none": "not held",
    }[fw.relation]
    return f"{fw.id} [{label}] {held}"


def matches_table(matches: Sequence[Match] | Sequence[Sequence[Match]], catalog: Catalog) -> str:
    """A readable listing: one block per name with its resolution or the closest suggestions."""
    lines: list[str] = []
    for m in _flatten(matches):
        lines.append(f"{m.text!r}: {m.status}")
        lines += [
            f"    -> {_describe(c, catalog)} (via {c.via}, score {c.score:g})" for c in m.frameworks
        ]
        if m.status != "matched" and m.suggestions:
            lines.append(f"    suggestions: {', '.join(m.suggestions)}")
        if m.note:
            lines.append(f"    note: {m.note}")
    return "\n".join(lines)
