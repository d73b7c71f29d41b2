"""Find every framework named inside a text: spans over words, longest first, with context.

scan.py finds the names; here each becomes a mention with its span, the words around it, its
notes and review, and a reading says whether the text is one name and nothing more. Pure: no
files, no clock. Words the finder does not know are context, never a reason to fail; what a
mention must not be read as (a near number, an unknown explicit edition, a variant "+") is
refused and kept only as a suggestion.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import NamedTuple

from assessor.domain.recognition import Candidate, Mention, MentionStatus, ReviewReason
from assessor.recognize.index import Index
from assessor.recognize.norm import (
    FILLER,
    KEY_STOP,
    LIST_SEP,
    YEARS,
    lex_words,
)
from assessor.recognize.review import REVIEW_NOTE, may_review, review_reason
from assessor.recognize.scan import Hit, Text, candidate, scan, text_of

__all__ = ["Found", "Reading", "candidate", "read"]

_MAX_TOKENS = 2000
_CACHE_SIZE = 20_000
_CLAUSE = frozenset(
    {"art", "article", "articles", "section", "sec", "clause", "annex", "appendix", "chapter"}
    | {"requirement", "req", "domain"}
)


class Found(NamedTuple):
    """A mention as the finder keeps it: a Mention's fields (a Mention is built only when one is
    asked for: most readings end as Matches)."""

    start: int
    end: int
    matched_text: str
    status: MentionStatus
    frameworks: tuple[Candidate, ...]
    suggestions: tuple[str, ...]
    via: str
    before: str
    after: str
    review: ReviewReason | None
    note: str | None


@dataclass(slots=True)
class Reading:
    """What the finder made of one text: mentions, and names it saw but would not read."""

    found: tuple[Found, ...]  # the mentions
    refused: tuple[str, ...]  # framework ids seen inside names that were refused
    whole: bool  # one mention and nothing else of weight: the old whole-cell reading of a name
    _mentions: tuple[Mention, ...] | None = None

    @property
    def mentions(self) -> tuple[Mention, ...]:
        """The mentions as models (built on first use, then kept with the reading)."""
        if self._mentions is None:
            self._mentions = tuple(Mention(**f._asdict()) for f in self.found)
        return self._mentions


# ---------------------------------------------------------------------------------------------
# Mentions

_AROUND = " \t\n-:;,.|/()[]"  # stripped from the words around a mention


def _context_notes(idx: Index, hit: Hit, words: Sequence[str]) -> list[str]:
    notes: list[str] = []
    if words and words[0] in _CLAUSE:
        ref = " ".join(words[:5])
        notes.append(f"clause reference '{ref}' kept as written: the whole framework is assessed")
    fw_id = hit.cands[0].framework if len(hit.cands) == 1 else None
    if fw_id is not None and not idx.year_editions[fw_id] and not YEARS.isdisjoint(words):
        year = next(w for w in words if w in YEARS)
        notes.append(f"'{year}' read as a period or report year, not an edition")
    return notes


_NARROW_WINDOW = 8
_new_found = tuple.__new__


def _narrowed(idx: Index, hit: Hit, inside: Sequence[str], after: Sequence[str]) -> Hit:
    """A family name followed by a word only one member's names use ("CIS Microsoft Azure
    Foundations Benchmark": CIS Benchmarks) names that member; read via "context", so it is to
    be confirmed and never covered on its own. A family written with a number no member has
    ("ISO 2001 QMS") is never narrowed: the number, not the word, says which was meant."""
    if hit.status != "ambiguous" or len(hit.cands) < 2 or not after:
        return hit
    if any(w[:1].isdigit() for w in inside):
        return hit
    words = set(after[:_NARROW_WINDOW]) - FILLER
    found: list[Candidate] = []
    for cand in hit.cands:
        others = set().union(*(idx.name_words[c.framework] for c in hit.cands if c is not cand))
        if words & (idx.name_words[cand.framework] - others):
            found.append(cand)
    if len(found) != 1:
        return hit
    cand = candidate(found[0].framework, found[0].edition, 80.0, "context")
    word = sorted(words & idx.name_words[cand.framework])[0]
    name = idx.frameworks[cand.framework].short_name
    note = f"read the family with '{word}' as {name}: confirm"
    return replace(hit, cands=(cand,), status="matched", suggestions=(), notes=[note])


def _found(idx: Index, t: Text, hits: list[Hit]) -> tuple[Found, ...]:
    """Each find as a mention: its span, the words around it, its notes and review."""
    text, words, starts, ends = t.text, t.words, t.starts, t.ends
    out: list[Found] = []
    cued = may_review(text, words)
    for n, hit in enumerate(hits):
        start, end = starts[hit.first], ends[hit.last - 1]
        if text[end : end + 1] == ")" and text.count("(", start, end) > text.count(")", start, end):
            end += 1  # "... Act (HIPAA)": the acronym's closing bracket belongs to the name
        lo = ends[hits[n - 1].last - 1] if n else 0
        upto = hits[n + 1].first if n + 1 < len(hits) else len(words)  # the next find's word
        hi = starts[upto] if upto < len(words) else len(text)
        after = words[hit.last : upto]
        if hit.status == "ambiguous":
            hit = _narrowed(idx, hit, words[hit.first : hit.last], after)
        notes = hit.notes + _context_notes(idx, hit, after) if after else hit.notes
        reason = (
            review_reason(text, (words, starts, ends), (start, end), (lo, hi)) if cued else None
        )
        status = hit.status
        if reason is not None:
            status = "review"
            notes = [*notes, REVIEW_NOTE[reason].format(text[start:end])]
        note = ("; ".join(dict.fromkeys(x for x in notes if x)) or None) if notes else None
        named = (start, end, text[start:end], status, hit.cands, hit.suggestions)
        via = hit.cands[0].via if hit.cands else hit.via
        around = (text[lo:start].strip(_AROUND), text[end:hi].strip(_AROUND), reason, note)
        out.append(_new_found(Found, (*named, via, *around)))  # a Mention's fields, in order
    return tuple(out)


def _sole(hit: Hit) -> str | None:
    """The one framework a matched hit names, if it names exactly one."""
    ids = {c.framework for c in hit.cands}
    return next(iter(ids)) if hit.status == "matched" and len(ids) == 1 else None


def _is_part(idx: Index, part: str, whole: str) -> bool:
    """Whether `part` lies within `whole` by the catalog's part_of (at any depth)."""
    seen: set[str] = set()
    while part not in seen:
        seen.add(part)
        parent = idx.frameworks[part].part_of if part in idx.frameworks else None
        if parent is None:
            return False
        if parent == whole:
            return True
        part = parent
    return False


def _parts_meant(idx: Index, t: Text, hits: list[Hit]) -> list[Hit]:
    """A framework named next to a part of itself ("NIS2 - Annex to the Implementing Regulation
    2024/2690", "annex-...-requirements-nis2") qualifies that part's name and is not a second
    requirement; a list separator between the two ("NIS2 and its Implementing Regulation")
    keeps both."""
    if len(hits) < 2:
        return hits
    drop: set[int] = set()
    for i, whole in enumerate(hits):
        parent = _sole(whole)
        if parent is None:
            continue
        for part in hits:
            child = _sole(part)
            if child is None or child == parent or not _is_part(idx, child, parent):
                continue
            a, b = (whole, part) if whole.first < part.first else (part, whole)
            if not LIST_SEP.search(t.text, t.ends[a.last - 1], t.starts[b.first]):
                drop.add(i)
                break
    return [h for i, h in enumerate(hits) if i not in drop]


def read(idx: Index, text: str) -> Reading:
    """Every framework mention in a text (cached per index), and the names refused."""
    cached = idx.cache.get(text)
    if isinstance(cached, Reading):
        return cached
    lexed = lex_words(text)
    if len(lexed[0]) > _MAX_TOKENS:
        words, starts, ends, repaired = lexed
        cut = slice(_MAX_TOKENS)
        lexed = words[cut], starts[cut], ends[cut], repaired[cut] if repaired else None
    t = text_of(idx, text, lexed)
    hits, refused = scan(idx, t)
    hits = _parts_meant(idx, t, hits)
    mentions = _found(idx, t, hits)
    whole = not refused and _is_whole(idx, mentions, hits, t.words)
    found = Reading(mentions, tuple(refused), whole)
    if len(idx.cache) < _CACHE_SIZE:
        idx.cache[text] = found
    return found


_LEADING = frozenset({"a", "an", "microsoft"})
_PLAIN_REST = FILLER | KEY_STOP | _LEADING


def _is_whole(idx: Index, found: tuple[Found, ...], hits: list[Hit], words: Sequence[str]) -> bool:
    """One mention (of the one find), and every other word plain or one of the words of a name
    it names."""
    if len(found) != 1:
        return False
    rest = {*words[: hits[0].first], *words[hits[0].last :]}
    if rest.issubset(_PLAIN_REST):
        return True
    rest -= _PLAIN_REST
    for cand in found[0].frameworks:
        rest -= idx.name_words[cand.framework]
    return not rest
