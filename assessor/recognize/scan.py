"""Scan a text's words for framework names, left to right and longest first: aliases, the
catalog's patterns, near misses, each with its edition or family worked out before the next word
is read, and the names refused (a near number, an unknown explicit edition, a variant "+").

Pure: no files, no clock. spans.py turns the finds into mentions.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from itertools import accumulate

from assessor.domain.recognition import Candidate, MentionStatus
from assessor.recognize.edition_read import (
    _Ed,
    _edition_after,
    _edition_before,
    edition_from,
)
from assessor.recognize.heads import first_words
from assessor.recognize.index import GroupView, Index, alias_prefixes, owner_ids
from assessor.recognize.near import may_near, near_miss_read
from assessor.recognize.norm import (
    FILLER,
    KEY_STOP,
    YEAR,
    Tok,
)

_CACHE_SIZE = 20_000  # near-miss reads kept per index, as spans.py bounds its per-text cache
_EDITION_WINDOW = 4
_GLUE = frozenset({"", "-", "."})
# Words that announce an edition: one the catalog does not know makes the name unsure.
_EDITION_MARKERS = frozenset({"type", "level", "lvl", "tier", "rev", "revision", "class"})
# A short all-letter alias inside a sentence counts only when written as an acronym.
_ACRONYM_MAX = 5


@functools.lru_cache(maxsize=1 << 12)
def candidate(framework: str, edition: str | None, score: float, via: str) -> Candidate:
    """A Candidate (frozen, so one per distinct value is shared by every mention naming it)."""
    return Candidate(framework=framework, edition=edition, score=score, via=via)


@functools.lru_cache(maxsize=1 << 12)
def _only(framework: str, edition: str | None, score: float, via: str) -> tuple[Candidate]:
    """A mention's one candidate, as the tuple a mention holds (shared as candidate() is)."""
    return (candidate(framework, edition, score, via),)


@dataclass(slots=True)
class Hit:
    """A raw find: token range, who it names, how it was read (spans.py makes it a mention)."""

    owners: tuple[str, ...]  # "fw:<id>" or one "group:<alias>"
    first: int
    last: int
    via: str
    edition: str | None = None
    notes: list[str] = field(default_factory=list)
    cands: tuple[Candidate, ...] = ()
    status: MentionStatus = "matched"
    suggestions: tuple[str, ...] = ()


# ---------------------------------------------------------------------------------------------
# Scanning


@dataclass(slots=True)
class Text:
    """One text as the scanner reads it (norm.lex_words): worked out once, read at every word."""

    text: str
    words: list[str]  # each token's text
    starts: list[int]  # where each word starts in the text
    ends: list[int]  # and where it ends
    repaired: list[bool] | None  # which words lex repaired ("27OO1"; None: none was)
    keyed: list[str]  # the words as alias keys join them: stop words ""
    heads: tuple[frozenset[str], tuple[str, ...]]  # the words a pattern may begin at (heads.py)
    line: str = ""  # the words joined by single spaces, as patterns read them (spelled on need)
    line_starts: Sequence[int] = ()  # where each word starts in line
    plain: bool | None = None  # one name and filler, or a slug: worked out when first asked


def _window(t: Text, i: int) -> list[Tok]:
    """Words i to i + 2 as Toks, as the near-miss reader takes them."""
    repaired = (t.repaired or [False] * len(t.words))[i : i + 3]
    cols = zip(t.words[i : i + 3], t.starts[i : i + 3], t.ends[i : i + 3], repaired, strict=True)
    return [Tok(*col) for col in cols]


def _plain(t: Text) -> bool:
    """One name and filler, or an identifier slug ("tisax-v6.0.2": lower case by convention)."""
    if t.plain is None:
        words = [w for w in t.words if w not in _FILLER_OR_STOP]
        t.plain = len(words) <= 1 or len(t.text.split(maxsplit=1)) <= 1
    return t.plain


def _alias_at(idx: Index, t: Text, i: int) -> Hit | None:
    reach = idx.first_reach.get(t.words[i])
    if reach is None:
        return None
    aliases, prefixes, keyed = idx.aliases, idx.prefixes or alias_prefixes(idx), t.keyed
    # the longest run of words from i that is an alias: grown a word at a time until no
    # alias key starts with it (compact(): stop words are "")
    owner: str | None = None
    found = 0
    joined = ""
    for k in range(i, i + reach if i + reach < len(keyed) else len(keyed)):
        joined += keyed[k]
        if joined not in prefixes:
            break
        if joined in aliases:
            owner, found = aliases[joined], k + 1 - i
    if owner is None:
        return None
    word = t.words[i]
    short = found == 1 and word.isalpha() and len(word) <= _ACRONYM_MAX
    if short and t.text[t.starts[i] : t.ends[i]].islower() and not _plain(t):
        return None  # "star" in "five star rating" is a word, "STAR" may be CSA STAR
    return Hit((owner,), i, i + found, "alias")


def _patterns_at(idx: Index, t: Text, i: int) -> Hit | None:
    """The longest pattern match at word i (the caller knows one of the patterns matches)."""
    line, starts = t.line, t.line_starts
    # where each word ends in the line -> how many words that is
    ends = {start + len(w): n for n, (start, w) in enumerate(zip(starts, t.words, strict=False), 1)}
    best: dict[str, tuple[int, _Ed]] = {}
    for fw_id, pattern in idx.patterns:
        m = pattern.match(line, starts[i])
        if m is None or m.end() not in ends:
            continue
        ed_text = m.groupdict().get("edition")
        ed = _Ed(None)
        if ed_text:
            found = edition_from(idx, fw_id, ed_text.split())
            if found is None:
                continue
            ed = found
        last = ends[m.end()]
        if fw_id not in best or last > best[fw_id][0]:
            best[fw_id] = (last, ed)
    if not best:
        return None
    top = max(last for last, _ in best.values())
    ids = [f for f, (last, _) in best.items() if last == top]
    ed = best[ids[0]][1]
    hit = Hit(tuple(f"fw:{f}" for f in ids), i, top, "pattern", ed.edition)
    if ed.note:
        hit.notes.append(ed.note)
    return hit


def _near_miss_at(idx: Index, t: Text, i: int) -> Hit | None:
    """A one-edit misspelling or a clipped last word of exactly one framework's alias."""
    text = t.text
    if not may_near(idx, t.words[i]):
        return None
    # all the read depends on: the words, and which of them a full stop follows
    key = (*t.words[i : i + 3], *[text[end : end + 1] == "." for end in t.ends[i : i + 3]])
    cache = idx.near_reads
    if key in cache:
        found = cache[key]
    else:
        found = near_miss_read(idx, text, _window(t, i))
        if len(cache) < _CACHE_SIZE:
            cache[key] = found
    if found is None:
        return None
    owner, w = found
    written = text[t.starts[i] : t.ends[i + w - 1]]
    name = idx.frameworks[owner[3:]].short_name
    hit = Hit((owner,), i, i + w, "typo")
    hit.notes.append(f"read '{written}' as {name}: confirm")
    return hit


def text_of(
    idx: Index, text: str, lexed: tuple[list[str], list[int], list[int], list[bool] | None]
) -> Text:
    """The text with its words (norm.lex_words) and their alias keys."""
    words = lexed[0]
    keyed = words if KEY_STOP.isdisjoint(words) else ["" if w in KEY_STOP else w for w in words]
    pattern = idx.any_pattern
    heads = _NO_HEADS if pattern is None else first_words(pattern.pattern, pattern.flags)
    return Text(text, *lexed, keyed, heads)


_NO_HEADS: tuple[frozenset[str], tuple[str, ...]] = (frozenset(), ())  # no patterns: no word


def _at_pattern(idx: Index, t: Text, i: int) -> bool:
    """Whether one of the catalog's patterns matches at word i (tried only where one may)."""
    word, (exact, begins) = t.words[i], t.heads
    if idx.any_pattern is None or (word not in exact and not word.startswith(begins)):
        return False
    if not t.line:  # patterns read the words joined by single spaces
        t.line = " ".join(t.words)
        t.line_starts = list(accumulate([len(w) + 1 for w in t.words], initial=0))
    return idx.any_pattern.match(t.line, t.line_starts[i]) is not None


def _find_at(idx: Index, t: Text, i: int, floor: int, at_pattern: bool) -> Hit | None:
    """The longest name starting at word i, edition included: alias or pattern, else a near miss."""
    alias = _alias_at(idx, t, i)
    pattern = _patterns_at(idx, t, i) if at_pattern else None
    if alias is not None and (pattern is None or not alias.owners[0].startswith("group:")):
        alias = _resolved(idx, t, alias, floor)
    hit = (
        alias if pattern is None or (alias is not None and alias.last >= pattern.last) else pattern
    )
    if hit is None or hit.owners[0].startswith("group:"):
        near = _near_miss_at(idx, t, i)  # "PCI-DDS" is more than the family "PCI"
        hit = near if near is not None and (hit is None or near.last > hit.last) else hit
    if hit is None or hit.cands:
        return hit
    return _resolved(idx, t, hit, floor)


def _resolved(idx: Index, t: Text, hit: Hit, floor: int) -> Hit:
    """A find with its edition or family members worked out."""
    if t.repaired is not None and True in t.repaired[hit.first : hit.last]:  # lex repaired one
        written = t.text[t.starts[hit.first] : t.ends[hit.last - 1]]
        hit.via = "typo"
        hit.notes.append(f"read '{written}' with the letter O as zero: confirm")
    if hit.owners[0].startswith("group:"):
        return _resolve_group(idx, t.words, hit, len(t.words))
    return _resolve_framework(idx, t.words, hit, floor, len(t.words))


_FILLER_OR_STOP = FILLER | KEY_STOP


def scan(idx: Index, t: Text) -> tuple[list[Hit], list[str]]:
    """Finds left to right, each resolved (edition, family) before the next word is read."""
    words = t.words
    hits: list[Hit] = []
    refused: list[str] = []
    reach, near_heads, (exact, begins) = idx.first_reach, idx.near_heads, t.heads
    i = 0
    while i < len(words):
        word = words[i]
        at_pattern = (word in exact or word.startswith(begins)) and _at_pattern(idx, t, i)
        if (
            word not in reach
            and not (near_heads[word] if word in near_heads else may_near(idx, word))
            and not at_pattern
        ):
            i += 1  # nothing can start at this word: no alias, no pattern, no near miss
            continue
        done = _find_at(idx, t, i, hits[-1].last if hits else 0, at_pattern)
        if done is None:
            i += 1
            continue
        j = done.last
        refused_here = _refusal(idx, t, done)
        if (
            refused_here
            and _find_at(idx, t, j, j, j < len(words) and _at_pattern(idx, t, j)) is None
        ):
            refused += [f for o in done.owners for f in owner_ids(idx, o) if f not in refused]
        else:
            hits.append(done)
        i = j if j > i else i + 1
    return _merge(t, hits), refused


# ---------------------------------------------------------------------------------------------
# Resolving: editions, families, refusals


def _group_cands(idx: Index, group: GroupView, left: Sequence[str]) -> Hit | None:
    """A family name, maybe with an edition that only some members have."""
    cands: list[Candidate] = []
    known: list[str] = []
    for fw_id in group.frameworks:
        edition: str | None = None
        if left:
            found = edition_from(idx, fw_id, left)
            if found is None:
                continue
            edition = found.edition
            if found.note is None:
                known.append(fw_id)
        score = 50.0 if group.ambiguous else 100.0
        cands.append(candidate(fw_id, edition, score, "group"))
    if known and len(known) < len(cands):  # an edition one member knows beats a guess
        cands = [c for c in cands if c.framework in known]
    if not cands:
        return None
    hit = Hit((f"group:{group.alias}",), 0, 0, "group")
    if left and len(cands) == 1 and cands[0].edition is not None:
        # "CIS v8": only one member of the family has that edition
        hit.cands = (candidate(cands[0].framework, cands[0].edition, 95.0, cands[0].via),)
        hit.notes.append(f"'{group.alias}' with this edition names only {cands[0].framework}")
        return hit
    ambiguous = group.ambiguous or len(cands) < len(group.frameworks)
    hit.cands = tuple(cands)
    hit.status = "ambiguous" if ambiguous else "matched"
    hit.suggestions = tuple(c.framework for c in cands) if ambiguous else ()
    hit.notes.append(group.note)
    return hit


def _resolve_group(idx: Index, words: Sequence[str], hit: Hit, limit: int) -> Hit:
    group = idx.groups[hit.owners[0][6:]]
    for w in range(min(_EDITION_WINDOW, limit - hit.last), -1, -1):
        left = [word for word in words[hit.last : hit.last + w] if word not in FILLER]
        if w and not left:
            continue
        found = _group_cands(idx, group, left)
        if found is not None:  # a new hit: placed in place
            found.first, found.last = hit.first, hit.last + w
            return found
    return replace(hit, status="ambiguous")  # unreachable: no edition always resolves


def _resolve_framework(idx: Index, words: Sequence[str], hit: Hit, floor: int, limit: int) -> Hit:
    """The find's edition, after the name or before it (the hit is this read's own, just found:
    completed in place)."""
    if len(hit.owners) > 1:
        ids = [o[3:] for o in hit.owners]
        cands = tuple(candidate(f, None, 60.0, hit.via) for f in ids)
        notes = [*hit.notes, "several frameworks fit this name"]
        return replace(hit, cands=cands, status="ambiguous", suggestions=tuple(ids), notes=notes)
    fw_id = hit.owners[0][3:]
    if hit.edition is None and hit.via != "pattern":
        after = _edition_after(idx, fw_id, words, hit.last, limit)
        if after is not None and (after[0].edition is not None or after[0].version):
            hit.edition, hit.last = after[0].edition, after[1]
            if after[0].note:
                hit.notes.append(after[0].note)
            if after[0].typo:
                hit.via = "typo"
        else:
            before = _edition_before(idx, fw_id, words, floor, hit.first)
            if before is not None:
                hit.edition, hit.first = before
    score = 85.0 if hit.via == "typo" else 100.0
    hit.cands = _only(fw_id, hit.edition, score, hit.via)
    return hit


def _refusal(idx: Index, t: Text, hit: Hit) -> str | None:
    """Why the words right after a name make it something else, or None when they do not."""
    j = hit.last
    if j >= len(t.words):
        return None
    prev, nxt = t.words[j - 1], t.words[j]
    gap = t.text[t.ends[j - 1] : t.starts[j]]
    glued = gap in _GLUE
    if glued and prev[-1].isdigit() and (nxt[0].isdigit() or len(nxt) == 1):
        years = any(idx.year_editions[c.framework] for c in hit.cands)
        if YEAR.match(nxt) and hit.cands and not years:
            return None  # "SOC2-2017": a criteria or report year, where no edition is a year
        return "the number goes on"  # "800-53A", "27001-1", "20000-2"
    if gap.strip():
        return None  # "HIPAA Security Rule (45 CFR ...)": a bracket or dash starts other words
    if nxt[0].isdigit() and not YEAR.match(nxt):
        return "a number follows that is not an edition"  # "ISO 27001 2"
    if nxt in _EDITION_MARKERS and j + 1 < len(t.words):
        return "an edition the catalog does not know"  # "SOC 2 Type 3"
    if nxt == "plus":
        return "a variant beyond the named framework"  # "SOC 2+"
    return None


def _merge(t: Text, hits: list[Hit]) -> list[Hit]:
    """Adjacent finds that name one thing become one mention."""
    out: list[Hit] = []
    for hit in hits:
        joined = _joined(t, out[-1], hit) if out and out[-1].last == hit.first else None
        if joined is None:
            out.append(hit)
        else:
            out[-1] = joined
    return out


def _joined(t: Text, prev: Hit, hit: Hit) -> Hit | None:
    """One name written twice ("... Act (HIPAA)"), a family and its member ("AICPA SOC 2",
    "... Framework (CSF)"), or a bracketed gloss ("CMMC Level 2 (NIST 800-171)")."""
    before, after = {c.framework for c in prev.cands}, {c.framework for c in hit.cands}
    if len(prev.cands) == 1 and before == after:
        cand = hit.cands[0] if hit.cands[0].edition is not None else prev.cands[0]
        if "typo" in (prev.via, hit.via):
            cand = candidate(cand.framework, cand.edition, 85.0, "typo")
        return replace(hit, first=prev.first, cands=(cand,), notes=[*prev.notes, *hit.notes])
    if prev.via == "group" and len(hit.cands) == 1 and after <= before:
        return replace(hit, first=prev.first)
    if hit.via == "group" and len(prev.cands) == 1 and before <= after:
        return replace(prev, last=hit.last)
    text = t.text
    gap = text[t.ends[prev.last - 1] : t.starts[hit.first]].strip()
    end = t.ends[hit.last - 1]
    if gap == "(" and text[end : end + 1] == ")" and prev.status == "matched":
        gloss = text[t.starts[hit.first] : end]
        note = f"'{gloss}' in brackets read as a gloss on the name before it, not assessed"
        return replace(prev, last=hit.last, notes=[*prev.notes, note])
    return None
