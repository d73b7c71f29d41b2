"""Editions read around a framework name: after it, before it, by a typo or as a version number
the catalog does not track."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

from assessor.recognize.index import TYPO_MIN_LETTERS, Index
from assessor.recognize.norm import (
    FILLER,
    YEAR,
    edition_canon,
    one_edit,
)

_DOTTED = re.compile(r"^\d+(?:\.\d+)+$")
_REV = re.compile(r"^rev\d+$")
_MAX_TOKENS = 2000
_CACHE_SIZE = 20_000
_EDITION_WINDOW = 4
_GLUE = frozenset({"", "-", "."})
# Words that announce an edition: one the catalog does not know makes the name unsure.
_EDITION_MARKERS = frozenset({"type", "level", "lvl", "tier", "rev", "revision", "class"})
# A short all-letter alias inside a sentence counts only when written as an acronym.
_ACRONYM_MAX = 5


@dataclass(frozen=True)
class _Ed:
    edition: str | None
    note: str | None = None
    version: bool = False  # a version number the catalog does not track: part of the name
    typo: bool = False


# ---------------------------------------------------------------------------------------------
# Editions


def edition_from(idx: Index, fw_id: str, left: Sequence[str]) -> _Ed | None:
    """The edition these words name for this framework, or None when they name none.

    Worked out once per framework and words (the same few words follow names everywhere)."""
    key = (fw_id, *left)
    cache = idx.edition_reads
    if key in cache:
        return cast("_Ed | None", cache[key])
    found = _edition_from(idx, fw_id, left)
    if len(cache) < _CACHE_SIZE:
        cache[key] = found
    return found


def _edition_from(idx: Index, fw_id: str, left: Sequence[str]) -> _Ed | None:
    eds = idx.editions[fw_id]
    canon = edition_canon(left)
    for key in ("".join(left), canon):
        if key in eds:
            line = idx.edition_lines[fw_id].get(key)
            if line:
                names = ", ".join(line)
                return _Ed(eds[key], f"'{eds[key]}' names editions {names}: the period decides")
            return _Ed(eds[key])
    if YEAR.match(canon):
        if idx.year_editions[fw_id]:
            return _Ed(canon, f"edition {canon} is not one the catalog knows for {fw_id}")
        return _Ed(None, f"'{canon}' read as a year, not an edition")
    explicit = left[0] in ("v", "ver", "version") and len(left) == 2 and left[1][0].isdigit()
    if _REV.match(canon) or (_DOTTED.match(canon) and eds) or explicit:
        return _Ed(canon, f"edition {canon!r} is not one the catalog knows for {fw_id}")
    if _DOTTED.match(canon) and len(left) == 1:
        # "NIST AI RMF 1.0", "OWASP ASVS 4.0.3": a version number where the catalog tracks none
        return _Ed(None, f"version {canon} kept as written: the catalog tracks no editions", True)
    return None


def _edition_typo(idx: Index, fw_id: str, word: str) -> _Ed | None:
    """A one-edit misspelling of an all-letter edition name, when only one edition is that near."""
    if not word.isalpha() or len(word) < TYPO_MIN_LETTERS:
        return None
    key = ("~typo", fw_id, word)  # worked out once per framework and word, as edition_from
    cache = idx.edition_reads
    if key in cache:
        return cast("_Ed | None", cache[key])
    found = _edition_typo_read(idx, fw_id, word)
    if len(cache) < _CACHE_SIZE:
        cache[key] = found
    return found


def _edition_typo_read(idx: Index, fw_id: str, word: str) -> _Ed | None:
    eds = idx.editions[fw_id]
    near = {ed for key, ed in eds.items() if key.isalpha() and one_edit(word, key)}
    if len(near) != 1:
        return None
    ed = near.pop()
    return _Ed(ed, f"read '{word}' as edition {ed}: confirm", typo=True)


def _edition_after(
    idx: Index, fw_id: str, words: Sequence[str], j: int, limit: int
) -> tuple[_Ed, int] | None:
    """An edition right after a name (past at most two filler words): what, and where it ends.

    Worked out once per framework and the (at most six) words it reads."""
    stop = j + 2 + _EDITION_WINDOW
    key = ("~after", fw_id, *words[j : stop if stop < limit else limit])
    cache = idx.edition_reads
    if key in cache:
        kept = cast("tuple[_Ed, int] | None", cache[key])
    else:
        kept = _edition_after_read(idx, fw_id, words[j:limit], 0, limit - j)
        if len(cache) < _CACHE_SIZE:
            cache[key] = kept
    return None if kept is None else (kept[0], j + kept[1])


def _edition_after_read(
    idx: Index, fw_id: str, words: Sequence[str], j: int, limit: int
) -> tuple[_Ed, int] | None:
    k = j
    while k < limit and k - j < 2 and words[k] in FILLER:
        k += 1
    for w in range(min(_EDITION_WINDOW, limit - k), 0, -1):
        found = edition_from(idx, fw_id, words[k : k + w])
        if found is not None:
            return found, k + w
    if j < limit:
        typo = _edition_typo(idx, fw_id, words[j])
        if typo is not None:
            return typo, j + 1
    return None


def _edition_before(
    idx: Index, fw_id: str, words: Sequence[str], floor: int, i: int
) -> tuple[str, int] | None:
    """A known edition written before the name ("Type II SOC 2"): which, and where it starts."""
    key = ("~before", fw_id, *words[floor if floor > i - 3 else i - 3 : i])
    cache = idx.edition_reads
    if key in cache:
        kept = cast("tuple[str, int] | None", cache[key])
    else:
        kept = None
        for w in range(min(3, i - floor), 0, -1):
            found = edition_from(idx, fw_id, words[i - w : i])
            if found is not None and found.edition is not None and found.note is None:
                kept = found.edition, w
                break
        if len(cache) < _CACHE_SIZE:
            cache[key] = kept
    return None if kept is None else (kept[0], i - kept[1])
