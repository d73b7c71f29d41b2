"""Near misses of one alias: a one-edit misspelling inside one word ("HIPPAA", "PCI-DDS") or a
last word cut short with a full stop ("Cyber Ess."). Read only when exactly one framework is
that close, never by changing a digit (SOC 2 is one edit from SOC 3); scan.py marks such a
read "typo" (to be confirmed, never covered).

Pure: no files, no clock. Reads are memoized per index (bounded).
"""

from __future__ import annotations

from collections.abc import Sequence

from assessor.recognize.index import TYPO_MIN_LETTERS, Index, typo_keys
from assessor.recognize.norm import FILLER, KEY_STOP, Tok, compact, deletions, letters, one_edit

_CACHE_SIZE = 20_000  # per index, as spans.py bounds its per-text cache


def near_miss_read(idx: Index, text: str, toks: Sequence[Tok]) -> tuple[str, int] | None:
    """The owner and the number of words of the longest near miss at the first of these words."""
    for w in range(len(toks), 0, -1):
        window = toks[:w]
        if window[-1].text in FILLER:
            continue
        found = _typo_owner(idx, [t.text for t in window]) or _clipped_owner(idx, text, window)
        if found is not None:
            return found, w
    return None


def may_near(idx: Index, head: str) -> bool:
    """Whether a near miss may start with this word (cached per index)."""
    near = idx.near_heads.get(head)
    if near is None:
        near = _near_head(idx, head)
        if len(idx.near_heads) < _CACHE_SIZE:
            idx.near_heads[head] = near
    return near


def _near_head(idx: Index, head: str) -> bool:
    """Whether a near miss may start with this word (worked out once per word and index)."""
    if not head.isalpha() or head in FILLER or head in KEY_STOP:
        return False
    return head in idx.typo_first or any(d in idx.typo_first for d in deletions(head))


def _typo_owner(idx: Index, words: Sequence[str]) -> str | None:
    """The one framework whose alias these words misspell by one edit inside one word."""
    key = tuple(words)
    cache = idx.typo_reads
    if key in cache:
        return cache[key]
    found = _typo_owner_read(idx, words)
    if len(cache) < _CACHE_SIZE:
        cache[key] = found
    return found


def _typo_owner_read(idx: Index, words: Sequence[str]) -> str | None:
    query = compact(words)
    if letters(query) < TYPO_MIN_LETTERS:
        return None
    near = typo_keys(idx)
    keys: set[str] = set()
    for variant in {query} | deletions(query):
        keys |= near.get(variant, set())
    owners = {idx.aliases[k] for k in keys if _one_word_off(query, words, k, idx.alias_words[k])}
    return owners.pop() if len(owners) == 1 else None


def _one_word_off(query: str, words: Sequence[str], key: str, alias: tuple[str, ...]) -> bool:
    """Same words but one, and that one a single letter edit away ("HIPPAA", "PCI-DDS")."""
    kept = [w for w in words if w not in KEY_STOP]
    if len(kept) != len(alias) or not one_edit(query, key):
        return False
    pairs = [(q, a) for q, a in zip(kept, alias, strict=True) if q != a]
    if len(pairs) != 1:
        return False
    q, a = pairs[0]
    return (
        q.isalpha()
        and a.isalpha()  # a digit is never changed, added or removed: SOC 2 is not SOC 3
        and len(a) >= 3
        and q[0] == a[0]  # the first letter is kept
        and (len(q) >= len(a) or letters(query) > TYPO_MIN_LETTERS)  # "HIPA" is a code
        and (len(q) != len(a) or len(a) > _SHORT_WORD or _slip(q, a))
    )


# In a word this short a changed letter is more likely another acronym (PDPA, PDPO; FINMA,
# FISMA) than a slip: only a doubled key ("DDS" for "DSS") or two letters swapped are read.
_SHORT_WORD = 5


def _slip(q: str, a: str) -> bool:
    """Same length, one place differs: the typed letter repeats a neighbour, or a swap."""
    diff = [i for i in range(len(q)) if q[i] != a[i]]
    if len(diff) == 2:
        i, j = diff
        return j == i + 1 and q[i] == a[j] and q[j] == a[i]
    (i,) = diff
    return (i > 0 and q[i] == q[i - 1]) or (i + 1 < len(q) and q[i] == q[i + 1])


def _clipped_owner(idx: Index, text: str, window: Sequence[Tok]) -> str | None:
    """'Cyber Ess.': a last word cut short and marked with a full stop."""
    last = window[-1]
    if len(window) < 2 or len(last.text) < 3 or text[last.end : last.end + 1] != ".":
        return None
    entries = idx.clipped.get(" ".join(t.text for t in window[:-1]), [])
    owners = {o for full, o in entries if full.startswith(last.text) and full != last.text}
    return owners.pop() if len(owners) == 1 else None
