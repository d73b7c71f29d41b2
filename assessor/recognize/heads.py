"""The words a regular expression's matches can begin with, worked out from its source.

Recognition tries the catalog's patterns at every word of a text, and a failed try costs far
more than a set lookup; a word no match can begin with need not be tried. The answer is an
over-estimate: syntax this does not follow, or matches that may begin with anything, give
"any word" (every word is tried), so it can only spare tries that would fail. Pure: no files,
no clock.
"""

from __future__ import annotations

import functools
import re

# A match's first word so far: it goes on (_OPEN), it ended at a space or at the end of the
# text (_CLOSED: the word is exactly this), or anything may follow (_ANY: the word starts so).
_OPEN, _CLOSED, _ANY = 0, 1, 2
_Heads = frozenset[tuple[str, int]]
_EMPTY: _Heads = frozenset({("", _OPEN)})
_WILD: _Heads = frozenset({("", _ANY)})
_END: _Heads = frozenset({("", _CLOSED)})  # a space, "$": the word so far is all of it
_MAX_HEADS = 2000  # more first words than this: not worth a set (any word)
_MAX_COPIES = 4  # a repeat's copies followed one by one; past them anything may follow
_MAX_CLASS = 64  # a wider set of characters: anything may follow
_QUANTIFIER = re.compile(r"\?|\*|\+|\{(\d*)(?:(,)(\d*))?\}")
_WILD_ESCAPES = frozenset("dDwWsS")
_EMPTY_ESCAPES = frozenset("bBA")
_CHAR_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "f": "\f", "v": "\v"}


class _Unknown(ValueError):
    """Syntax this reading does not follow."""


@functools.lru_cache(maxsize=8)
def first_words(pattern: str, flags: int = re.UNICODE) -> tuple[frozenset[str], tuple[str, ...]]:
    """For matches at a word of words joined by single spaces: the words a match's first word
    may be, and the beginnings it may have instead (("",): any word may begin one)."""
    anything: tuple[frozenset[str], tuple[str, ...]] = (frozenset(), ("",))
    if flags != re.UNICODE:
        return anything
    try:
        heads, end = _alternation(pattern, 0)
    except (_Unknown, IndexError):
        return anything
    starts = tuple(sorted({s for s, state in heads if state != _CLOSED}))
    if end != len(pattern) or "" in starts:
        return anything
    return frozenset(s for s, state in heads if state == _CLOSED), starts


def _then(first: _Heads, second: _Heads) -> _Heads:
    """The heads of one part followed by another."""
    out = {h for h in first if h[1] != _OPEN}
    for s, state in first:
        if state == _OPEN:
            out |= {(s + t, after) for t, after in second}
            if len(out) > _MAX_HEADS:
                raise _Unknown("too many first words")
    return frozenset(out)


def _anything_after(heads: _Heads) -> _Heads:
    """The same beginnings, but anything may follow those that go on."""
    return frozenset((s, _ANY if state == _OPEN else state) for s, state in heads)


def _alternation(pattern: str, pos: int) -> tuple[_Heads, int]:
    """Branches separated by '|', up to a ')' or the end."""
    heads, pos = _sequence(pattern, pos)
    while pos < len(pattern) and pattern[pos] == "|":
        more, pos = _sequence(pattern, pos + 1)
        heads |= more
    return heads, pos


def _sequence(pattern: str, pos: int) -> tuple[_Heads, int]:
    """Items one after another, each maybe repeated."""
    heads = _EMPTY
    while pos < len(pattern) and pattern[pos] not in "|)":
        item, pos = _atom(pattern, pos)
        quantifier = _QUANTIFIER.match(pattern, pos)
        if quantifier is not None:
            item = _repeat(item, quantifier)
            pos = quantifier.end()
            if pos < len(pattern) and pattern[pos] in "?+":  # lazy or possessive: same words
                pos += 1
        heads = _then(heads, item)
    return heads, pos


def _repeat(item: _Heads, quantifier: re.Match[str]) -> _Heads:
    """An item repeated as the quantifier says."""
    low, high = _bounds(quantifier)
    heads = _EMPTY
    for _ in range(min(low, _MAX_COPIES)):
        heads = _then(heads, item)
    if low > _MAX_COPIES:
        return _anything_after(heads)
    out = more = heads
    for _ in range(low, _MAX_COPIES if high is None else min(high, _MAX_COPIES)):
        more = _then(more, item)
        out |= more
    if high is None or high > _MAX_COPIES:
        out |= _anything_after(_then(more, item))
    return out


def _bounds(quantifier: re.Match[str]) -> tuple[int, int | None]:
    """How many copies at least and at most (None: no limit)."""
    text = quantifier.group()
    if text == "?":
        return 0, 1
    if text in "*+":
        return (0 if text == "*" else 1), None
    low, comma, high = quantifier.groups()
    if not low and not comma:
        raise _Unknown("'{}'")
    if comma is None:
        return int(low), int(low)
    return int(low or 0), int(high) if high else None


def _atom(pattern: str, pos: int) -> tuple[_Heads, int]:
    """One character, class, escape, group or assertion."""
    ch = pattern[pos]
    if ch == "(":
        return _group(pattern, pos)
    if ch == "[":
        return _char_class(pattern, pos)
    if ch == "\\":
        return _escape(pattern[pos + 1]), pos + 2
    if ch == ".":
        return _WILD, pos + 1
    if ch == "^":
        return _EMPTY, pos + 1
    if ch == "$":
        return _END, pos + 1
    if ch in "*+?{" and _QUANTIFIER.match(pattern, pos):
        raise _Unknown("a quantifier with nothing to repeat")
    return _char(ch), pos + 1


def _char(ch: str) -> _Heads:
    """One character: a space ends the first word."""
    return _END if ch == " " else frozenset({(ch, _OPEN)})


def _escape(ch: str) -> _Heads:
    """An escaped character: a class (anything may follow), an assertion, or a character."""
    if ch in _WILD_ESCAPES:
        return _WILD
    if ch in _EMPTY_ESCAPES:
        return _EMPTY
    if ch == "Z":
        return _END
    if ch in _CHAR_ESCAPES:
        return _char(_CHAR_ESCAPES[ch])
    if ch.isalnum():
        raise _Unknown(f"escape \\{ch}")
    return _char(ch)


def _group(pattern: str, pos: int) -> tuple[_Heads, int]:
    """A group, plain or named, or a lookaround (which only ever narrows a match)."""
    kind = ""
    for prefix in ("(?:", "(?P<", "(?=", "(?!", "(?<=", "(?<!", "(?"):
        if pattern.startswith(prefix, pos):
            kind = prefix
            break
    start = pos + max(1, len(kind))
    if kind == "(?P<":
        start = pattern.index(">", start) + 1
    elif kind == "(?":
        raise _Unknown("flags, comments, conditionals or back references")
    heads, end = _alternation(pattern, start)
    if pattern[end] != ")":
        raise _Unknown("an unclosed group")
    if kind == "(?=" and heads == _END:  # (?= |$): the word so far is all of it
        return _END, end + 1
    if kind in ("(?=", "(?!", "(?<=", "(?<!"):
        return _EMPTY, end + 1
    return heads, end + 1


def _char_class(pattern: str, pos: int) -> tuple[_Heads, int]:
    """A set of characters: each a first character, or anything for a negated or wide set."""
    end = pos + 1
    wild = pattern[end] == "^"
    end += wild
    chars: set[str] = set()
    while pattern[end] != "]" or end == pos + 1 + wild:  # a ']' first is a character
        ch, end = _class_char(pattern, end)
        if ch is None:
            wild = True
        elif pattern[end] == "-" and pattern[end + 1] != "]":
            high, end = _class_char(pattern, end + 1)
            if high is None:
                raise _Unknown("a range to a class")
            chars |= {chr(c) for c in range(ord(ch), ord(high) + 1)}
        else:
            chars.add(ch)
    if wild or len(chars) > _MAX_CLASS:
        return _WILD, end + 1
    return frozenset().union(*(_char(c) for c in chars)), end + 1


def _class_char(pattern: str, pos: int) -> tuple[str | None, int]:
    """One character of a set (None: a class such as \\d), and where the next one starts."""
    ch = pattern[pos]
    if ch != "\\":
        return ch, pos + 1
    escaped = pattern[pos + 1]
    if escaped in _WILD_ESCAPES:
        return None, pos + 2
    if escaped in _CHAR_ESCAPES:
        return _CHAR_ESCAPES[escaped], pos + 2
    if escaped.isalnum():
        raise _Unknown(f"escape \\{escaped} in a set")
    return escaped, pos + 2
