"""Recognize framework names as people type them: aliases, editions, groups; fuzzy only to suggest.

A cell is read as text with framework names inside it (recognize_spans.find_mentions): words
around a name are context. Pure: no files, no clock. The only module that imports rapidfuzz.
Each function takes the catalog, or an index read back without it (a lookup: no pydantic).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import asdict, replace
from itertools import pairwise
from typing import TYPE_CHECKING

from assessor.domain.recognition import Candidate, Match, Mention
from assessor.domain.text import normalize_text
from assessor.recognize.index import Index, index, owner_ids
from assessor.recognize.norm import (
    FILLER,
    KEY_STOP,
    LIST_SEP,
    YEAR,
    compact,
    compact_key,
    edition_keys,
    tokens,
)
from assessor.recognize.spans import Found, Reading, candidate, read

if TYPE_CHECKING:
    from assessor.domain.catalog_models import Catalog

__all__ = [
    "CONFIRM_VIAS",
    "FILLER",
    "compact_key",
    "edition_keys",
    "find_mentions",
    "match_cell",
    "match_text",
    "matches_json",
    "matches_table",
    "recognize_cell",
    "recognize_parts",
    "split_frameworks",
    "tokens",
]

# How a name was read when a person should confirm it: at most a partial answer.
CONFIRM_VIAS = frozenset({"typo", "fuzzy", "context"})
_MAX_FUZZY_CHARS = 80
_DIGITS = re.compile(r"\d+")


def find_mentions(text: str, catalog: Catalog | Index) -> tuple[Mention, ...]:
    """Every framework named inside a text, with its span, edition, how it was read, context."""
    return read(index(catalog), text).mentions


# ---------------------------------------------------------------------------------------------
# One name


def _seen(reading: Reading) -> list[str]:
    """Framework ids the text names or nearly names, in order of appearance."""
    out: list[str] = []
    for m in reading.found:
        out += [c.framework for c in m.frameworks if c.framework not in out]
        out += [s for s in m.suggestions if s not in out]
    return out + [f for f in reading.refused if f not in out]


def _to_match(text: str, m: Found, reading: Reading) -> Match:
    """A Match from one mention: what it names and exactly which words named it."""
    score_drop = not reading.whole
    cands = m.frameworks
    if score_drop and m.status == "matched" and cands and cands[0].score == 100.0:
        cands = tuple(candidate(c.framework, c.edition, 95.0, c.via) for c in cands)
    return Match(
        text=text,
        status=m.status,
        frameworks=cands,
        suggestions=m.suggestions,
        note=m.note,
        matched_text=m.matched_text,
        span=(m.start, m.end),
        review=m.review,
    )


def match_text(text: str, catalog: Catalog | Index) -> Match:
    """How one framework name resolves: matched, ambiguous (say which), review, or unrecognized."""
    shown = normalize_text(text).replace("\n", " ")
    if not tokens(shown):
        return Match(text=shown, status="unrecognized", note="no framework name in this text")
    idx = index(catalog)
    reading = read(idx, shown)
    seen = _seen(reading)
    named = {tuple(sorted(c.framework for c in m.frameworks)) for m in reading.found}
    if len(named) == 1 and not reading.refused:
        best = max(reading.found, key=lambda m: m.frameworks[0].edition is not None)
        return _to_match(shown, best, reading)
    if reading.found:
        note = "several framework names in one text: " + ", ".join(seen[:5])
        return Match(text=shown, status="unrecognized", suggestions=tuple(seen[:5]), note=note)
    fuzzy, suggestions = _fuzzy(idx, shown, seen)
    if fuzzy is not None:
        return replace(fuzzy, text=shown, suggestions=tuple(suggestions[:5]))
    note = "not a framework name the catalog knows"
    if suggestions:
        note += "; closest: " + ", ".join(suggestions[:5])
    return Match(text=shown, status="unrecognized", suggestions=tuple(suggestions[:5]), note=note)


def _fuzzy(idx: Index, text: str, seen: list[str]) -> tuple[Match | None, list[str]]:
    """Closest framework ids; a match only when very close, unique and free of numbers."""
    toks = tokens(text)
    query = compact(toks)
    suggestions = list(seen)
    if not query or len(query) > _MAX_FUZZY_CHARS:
        return None, suggestions[:5]
    from rapidfuzz import fuzz, process  # only a name nothing else read pays for it

    results = process.extract(query, idx.choices, scorer=fuzz.ratio, limit=12)
    best: dict[str, tuple[float, str]] = {}
    for choice, score, pos in results:
        owner = idx.choice_owner[pos]
        ids = owner_ids(idx, owner)
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
            and len([t for t in toks if t not in KEY_STOP]) >= 2  # one word: too easy to hit
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


# ---------------------------------------------------------------------------------------------
# Splitting a cell into framework names

_SEP = re.compile(r"\s*(?:;|,|/|\||\+|&|•|·|\band\b)\s*", re.IGNORECASE)
_HARD_SEP = re.compile(r"[;,|•·]")
_BARE_NUMBER = re.compile(r"^\d+(?:-\d+)?$")
_BARE_TYPE = re.compile(r"^type\s*-?\s*(?:iii|ii|i|\d)$", re.IGNORECASE)
_NUMBER_UNIT = re.compile(r"\d+(?:[-.]\d+)*")
_IEC_AFTER = re.compile(r"iec\b", re.IGNORECASE)


class _Reads(dict[str, Reading]):
    """The readings of one cell's pieces, each text read once (whatever the index cache holds)."""

    __slots__ = ("idx",)
    idx: Index

    def __missing__(self, text: str) -> Reading:
        found = read(self.idx, text)
        self[text] = found
        return found


def _reads(idx: Index) -> _Reads:
    """A cell's readings, none yet (made without a Python __init__: one per cell)."""
    reads = _Reads()
    reads.idx = idx
    return reads


def _known(text: str, reads: _Reads) -> bool:
    """Whether the text (normalized: a piece of a normalized line) is one framework name and
    nothing more (so it is never split)."""
    return reads[text].whole


def _iso_before(line: str, pos: int) -> bool:
    """Whether the word just before `pos` is "ISO" (so "ISO/IEC" is not split)."""
    j = pos
    while j > 0 and line[j - 1].isspace():
        j -= 1
    return line[max(0, j - 3) : j].casefold() == "iso" and (j < 4 or not line[j - 4].isalnum())


_YEAR_BEFORE = re.compile(r"(?<!\d)(?:19|20)\d\d$")
_NUMBER_AFTER = re.compile(r"\d{1,4}(?!\d)")


def _document_number(line: str, pos: int, sep: re.Match[str]) -> bool:
    """'2016/679', '2023/01': a year, a slash and a number that is no year number a document
    (an EU regulation, a circular), not two names; '2013/2022' stays two editions."""
    if sep.group() != "/":
        return False
    after = _NUMBER_AFTER.match(line, sep.end())
    return (
        after is not None
        and _YEAR_BEFORE.search(line, 0, pos) is not None
        and not YEAR.match(after.group())
    )


def _atoms(line: str) -> list[tuple[str, str]]:
    """Pieces between separators outside parentheses, each with the separator that follows it."""
    out: list[tuple[str, str]] = []
    depth = 0
    start = 0
    pos = _next_stop(line, 0, depth)
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
                and not _document_number(line, pos, m)
            ):
                out.append((line[start:pos], m.group()))
                start = pos = m.end()
                pos = _next_stop(line, pos, depth)
                continue
        pos = _next_stop(line, pos + 1, depth)
    out.append((line[start:], ""))
    if len(out) > 1 and not out[-1][0].strip() and out[-2][1].strip() == "+":
        out[-2:] = [(out[-2][0] + "+", "")]  # "SOC 2+": a variant's mark, not a separator
    return [(a.strip(), s) for a, s in out]


def _rejoin(atoms: Sequence[tuple[str, str]], i: int, j: int) -> str:
    """Atoms i to j-1 written back together with the separators between them."""
    return "".join(a + s for a, s in atoms[i : j - 1]) + atoms[j - 1][0]


def _bridged(atoms: Sequence[tuple[str, str]], i: int, reach: int, reads: _Reads) -> int:
    """How many atoms from `i` one name written across a soft separator spans, words around it
    and all ("Current Health Insurance Portability and Accountability Act obligations"): a
    separator inside a name never splits it. 1 when no name crosses the first separator."""
    if reach <= i + 1:
        return 1
    joined = _rejoin(atoms, i, reach)
    ends, pos = [], 0  # where each atom ends, and where the next one starts
    for a, sep in atoms[i:reach]:
        ends.append((pos + len(a), pos + len(a) + len(sep)))
        pos += len(a) + len(sep)
    first_end, next_start = ends[0]
    crossing = [m.end for m in reads[joined].mentions if m.start < first_end < next_start < m.end]
    if not crossing:
        return 1
    last = max(crossing)
    return next(n for n, (end, _) in enumerate(ends, start=1) if end >= last)


_BRACKET = re.compile(r"[()\[\]]")


def _next_stop(line: str, pos: int, depth: int) -> int:
    """The first place from `pos` where _atoms has work: a bracket, or outside brackets a
    place a separator starts (every place before it would only be stepped over)."""
    found = _BRACKET.search(line, pos)
    stop = len(line) if found is None else found.start()
    if depth == 0:
        sep = _SEP.search(line, pos)
        if sep is not None and sep.start() < stop:
            stop = sep.start()
    return stop


def _continue(prev: str, bare: str) -> str | None:
    """'27017' after 'ISO 27001:2022' -> 'ISO 27017'; '2' after 'SOC 1' -> 'SOC 2'."""
    if _BARE_TYPE.match(bare):
        base = re.sub(r"\s*type\s*-?\s*(?:iii|ii|i|\d)\s*$", "", prev, flags=re.IGNORECASE)
        return f"{base} {bare}"
    units = list(_NUMBER_UNIT.finditer(prev))
    if not units:
        return None
    if YEAR.match(bare):
        years = [u for u in units if YEAR.match(u.group())]
        if years:
            last = years[-1]
            return prev[: last.start()] + bare + prev[last.end() :]
        return None
    non_years = [u for u in units if not YEAR.match(u.group())]
    if not non_years:
        return None
    unit = non_years[-1]
    value = unit.group()
    new = value.rsplit("-", 1)[0] + "-" + bare if "-" in value and "-" not in bare else bare
    return (prev[: unit.start()] + new).rstrip(" :-")


def _is_context(piece: str, reads: _Reads) -> bool:
    """A lower-case piece without numbers or names ("provider side") only describes a name."""
    if any(c.isdigit() or c.isupper() for c in piece):
        return False
    reading = reads[piece]
    return not reading.found and not reading.refused


def _apart(piece: str, reads: _Reads) -> list[str]:
    """Names written one after another without a separator ("SOC1 SOC2") become parts."""
    mentions = reads[piece].found
    if len(mentions) < 2:
        return [piece]
    cuts = [0, *(m.start for m in mentions[1:]), len(piece)]
    return [p for a, b in pairwise(cuts) if (p := piece[a:b].strip())]


def _line_parts(line: str, reads: _Reads) -> list[str]:
    """The parts of one line: atoms between separators, rejoined where they form one name."""
    if LIST_SEP.search(line) is None:  # a line without any has one atom, itself
        piece = line.strip()
        return _apart(piece, reads) if piece else []
    atoms = _atoms(line)
    parts: list[str] = []
    i = 0
    while i < len(atoms):
        taken = 1
        reach = i + 1  # a name may span '/', '&', '+' or 'and', never ',', ';' or '|'
        while reach < min(len(atoms), i + 6) and not _HARD_SEP.search(atoms[reach - 1][1]):
            reach += 1
        for j in range(reach, i + 1, -1):
            joined = _rejoin(atoms, i, j)
            if _known(joined, reads):
                taken = j - i
                break
        else:
            taken = _bridged(atoms, i, reach, reads)
        piece = _rejoin(atoms, i, i + taken).strip()
        if taken == 1 and parts and (_BARE_NUMBER.match(piece) or _BARE_TYPE.match(piece)):
            expanded = _continue(parts[-1], piece)
            if expanded and _known(normalize_text(expanded), reads):
                piece = expanded
        if piece and parts and reads[parts[-1]].found and _is_context(piece, reads):
            parts[-1] = parts[-1] + atoms[i - 1][1] + piece
        elif piece:
            parts.append(piece)
        i += taken
    return [p for part in parts for p in _apart(part, reads)]


def _split(text: str, reads: _Reads) -> list[str]:
    out: list[str] = []
    for line in normalize_text(text).split("\n"):
        if not line.strip():
            continue
        if _known(line, reads):
            out.append(line.strip())
        else:
            out += _line_parts(line, reads)
    return out


def split_frameworks(text: str, catalog: Catalog | Index) -> list[str]:
    """One name per framework in a cell (lines, ; , / & + 'and', or none), never splitting one."""
    return _split(text, _reads(index(catalog)))


def match_cell(text: str, catalog: Catalog | Index) -> list[Match]:
    """Split a cell into framework names and match each."""
    return [match_text(part, catalog) for part in split_frameworks(text, catalog)]


def recognize_parts(text: str, catalog: Catalog | Index) -> list[tuple[str, Match]]:
    """A cell read once: each framework part with its Match (the one match_text(part) gives).

    The intake keeps the Match on each requirement, so the engine need not read it again.
    """
    reads = _reads(index(catalog))
    out: list[tuple[str, Match]] = []
    for part in _split(text, reads):
        reading = reads[part]
        if len(reading.found) == 1 and not reading.refused:
            out.append((part, _to_match(part, reading.found[0], reading)))
        else:
            out.append((part, match_text(part, catalog)))
    return out


def recognize_cell(text: str, catalog: Catalog | Index) -> list[Match]:
    """A cell read once: one Match per framework mention (review items included), or per part."""
    return [found for _, found in recognize_parts(text, catalog)]


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
            data.append(asdict(item))
        else:
            data.append([asdict(m) for m in item])
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False)


def _describe(cand: Candidate, idx: Index) -> str:
    fw = idx.frameworks.get(cand.framework)
    if fw is None:
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


def matches_table(
    matches: Sequence[Match] | Sequence[Sequence[Match]], catalog: Catalog | Index
) -> str:
    """A readable listing: one block per name with its resolution or the closest suggestions."""
    idx = index(catalog)
    lines: list[str] = []
    for m in _flatten(matches):
        lines.append(f"{m.text!r}: {m.status}")
        lines += [
            f"    -> {_describe(c, idx)} (via {c.via}, score {c.score:g})" for c in m.frameworks
        ]
        if m.status != "matched" and m.suggestions:
            lines.append(f"    suggestions: {', '.join(m.suggestions)}")
        if m.note:
            lines.append(f"    note: {m.note}")
    return "\n".join(lines)
