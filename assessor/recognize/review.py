"""Negation and doubt: a name may be in a cell only to say it is not asked for, or to doubt it."""

from __future__ import annotations

import re
from collections.abc import Sequence

from assessor.recognize.norm import FILLER

# A text's words as columns (norm.lex_words): the words, where each starts and where it ends.
Words = tuple[Sequence[str], Sequence[int], Sequence[int]]

# ---------------------------------------------------------------------------------------------
# Negation and doubt: a name may be there only to say it is not asked for

_NEGATION = re.compile(r"\b(?:no|not|non|without|excluding|except|exempt|excluded|none|n a)\b")
_DOUBT = re.compile(
    r"\b(?:tbc|tbd|maybe|possibly|perhaps|unsure|unclear|unconfirmed|potentially|probably"
    r"|planned|pending|in progress|roadmap|under consideration|(?:if|where|when) applicable"
    r"|to be (?:confirmed|determined|decided))\b"
)
# The first word of every cue above: a text holding none of them (and no "?") is never
# negated or doubtful, whatever the words around a name (tokens are whole words).
_CUE_FIRST_TEXT = """no not non without excluding except exempt excluded none n tbc tbd maybe
    possibly perhaps unsure unclear unconfirmed potentially probably planned pending in roadmap
    under if where when to"""
CUE_FIRST_WORDS = frozenset(_CUE_FIRST_TEXT.split())
# A question that starts like a questionnaire's ("Do you hold ...?") names what it asks about.
_QUESTION_TEXT = """do does did have has had is are was were can could will would should shall may
    which what how please provide describe list indicate confirm"""
_QUESTION_WORDS = frozenset(_QUESTION_TEXT.split())
_CLAUSE_BREAK = re.compile(r"[;,|\n?!]|\.(?:\s|$)")
_SENTENCE_BREAK = re.compile(r"[?!\n]|\.(?:\s|$)")
_CUE_WORDS = 3


def _clause(text: str, start: int, end: int, lo: int, hi: int) -> tuple[int, int]:
    """Where the clause around text[start:end] begins and ends, within lo..hi."""
    left = lo
    for m in _CLAUSE_BREAK.finditer(text, lo, start):
        left = m.end()
    found = _CLAUSE_BREAK.search(text, end, hi)
    return left, hi if found is None else found.start()


def _is_questionnaire(text: str, words: Words, start: int) -> bool:
    sentence = 0
    for m in _SENTENCE_BREAK.finditer(text, 0, start):
        sentence = m.end()
    first = next((w for w, s in zip(words[0], words[1], strict=True) if s >= sentence), None)
    return first is not None and first in _QUESTION_WORDS


def may_review(text: str, words: Sequence[str]) -> bool:
    """Whether review_reason may find anything in this text: a cue word, or a question mark."""
    return "?" in text or not CUE_FIRST_WORDS.isdisjoint(words)


def review_reason(
    text: str, words: Words, span: tuple[int, int], bounds: tuple[int, int]
) -> str | None:
    """'negated' or 'doubtful' when the words around a name say it is not (surely) asked for."""
    start, end = span
    left, right = _clause(text, start, end, *bounds)
    spans = list(zip(*words, strict=True))
    before = [w for w, s, e in spans if left <= s and e <= start][-_CUE_WORDS:]
    after_all = [w for w, s, e in spans if end <= s and e <= right]
    after = after_all[:_CUE_WORDS]
    near = " ".join(before) + " | " + " ".join(after)
    if _NEGATION.search(near):
        return "negated"
    if _DOUBT.search(near):
        return "doubtful"
    asked = right < len(text) and text[right] == "?" and all(t in FILLER for t in after_all)
    if asked and not _is_questionnaire(text, words, start):
        return "doubtful"
    return None


REVIEW_NOTE = {
    "negated": "the text around '{0}' says it is not required: review, not assessed",
    "doubtful": "the text around '{0}' leaves it in doubt: confirm before assessing",
}
