"""recognize.heads: the words a pattern's matches can begin with may over-estimate, never miss
one (a word left out would never be tried, and a name written that way never found)."""

from __future__ import annotations

import random
import re

import pytest

from assessor.catalog.load import load_catalog
from assessor.recognize.heads import first_words
from assessor.recognize.index import index


def _may_begin(pattern: str, word: str) -> bool:
    exact, starts = first_words(pattern)
    return word in exact or word.startswith(starts)


def _begins(pattern: str, line: str) -> bool:
    """Whether a match at some word of the line is missed by the estimate."""
    rx = re.compile(pattern)
    pos = 0
    for word in line.split(" "):
        if rx.match(line, pos) and not _may_begin(pattern, word):
            return False
        pos += len(word) + 1
    return True


@pytest.mark.parametrize(
    ("pattern", "exact", "starts"),
    [
        ("iso 27001", {"iso"}, ()),
        ("(?:(bs |din )?iso 27001)(?= |$)", {"bs", "din", "iso"}, ()),
        ("fed ?ramp high", {"fed", "fedramp"}, ()),
        ("(?:c ?5)(?= |$)", {"c", "c5"}, ()),
        ("c ?5", {"c"}, ("c5",)),  # no lookahead: "c5x" may hold a match of "c5"
        ("x(?=y)", set(), ("x",)),
        ("swift 20\\d\\d|swift20\\d\\d", {"swift"}, ("swift20",)),
        ("[ab]c d", {"ac", "bc"}, ()),
        ("(?:pci dss)(?= |$)|(?:hipaa)(?= |$)", {"pci", "hipaa"}, ()),
    ],
)
def test_first_words(pattern: str, exact: set[str], starts: tuple[str, ...]) -> None:
    assert first_words(pattern) == (frozenset(exact), starts)


@pytest.mark.parametrize(
    "pattern",
    ["\\d+ x", "[^a]b", ".x", "(?i)iso", "(a)\\1", "x*", "(?:a|)", "\\w+", "a|", "(?P=x)"],
)
def test_anything_when_unsure(pattern: str) -> None:
    """Syntax it does not follow, or matches that may begin anyhow: every word may begin one."""
    assert first_words(pattern) == (frozenset(), ("",))


@pytest.mark.parametrize(
    ("pattern", "line"),
    [
        ("(?:a)+ b", "aaa b"),
        ("a{5} b", "aaaaa b"),
        ("a{2,} b", "aaaaaaaa b"),
        ("a{6,9}(?= |$)", "aaaaaaa"),
        ("(?:ab|c)* d", "abcab d"),
        ("(?:ab|c){1,3}? d", "cab d"),
        ("(?:x(?=y)|z)y w", "xy w"),
        ("(?=a)a\\.b c", "a.b c"),
        ("x[.-9]+", "x.99"),
        ("[a-c]x d", "bx d"),
        ("x[]a]y", "x]y"),
        ("a$", "q a"),
    ],
)
def test_a_match_begins_with_a_word_it_gives(pattern: str, line: str) -> None:
    assert re.compile(pattern).search(line)
    assert _begins(pattern, line)


def _sample(rng: random.Random, depth: int = 0) -> tuple[str, str]:
    """A small pattern and a text it matches."""
    pick = rng.random()
    if depth > 3 or pick < 0.4:
        ch = rng.choice("ab1 ")
        return (re.escape(ch) if ch != " " else " "), ch
    if pick < 0.6:
        parts = [_sample(rng, depth + 1) for _ in range(rng.randint(2, 3))]
        return "".join(p for p, _ in parts), "".join(s for _, s in parts)
    if pick < 0.75:
        parts = [_sample(rng, depth + 1) for _ in range(rng.randint(1, 3))]
        pattern, text = rng.choice(parts)
        return "(?:" + "|".join(p for p, _ in parts) + ")", text
    if pick < 0.85:
        return rng.choice([("[ab]", "a"), ("[a-b1]", "b"), ("\\d", "1"), ("\\w", "a"), (".", "b")])
    pattern, text = _sample(rng, depth + 1)
    low, high = rng.choice([(0, 1), (1, 1), (2, 2), (0, 3), (5, 5), (2, 7)])
    copies = rng.randint(low, high)
    more = rng.choice(["*", "+", ""]) if (low, high) in ((0, 1), (1, 1)) else ""
    quantifier = {"*": "*", "+": "+"}.get(more, f"{{{low},{high}}}")
    if more == "+":
        copies = max(copies, 1)
    return f"(?:{pattern}){quantifier}", text * copies


def test_never_misses_a_word_a_match_begins_with() -> None:
    rng = random.Random(5)
    checked = 0
    for _ in range(3000):
        pattern, text = _sample(rng)
        line = " ".join([text, *rng.sample(["a", "b1", "ab", "11"], 2)])
        if line.startswith(" ") or "  " in line:
            continue  # not words joined by single spaces
        for ending in ("", "(?= |$)"):
            assert re.compile(pattern + ending).match(line) or ending
            assert _begins(pattern + ending, line), (pattern + ending, line)
            checked += 1
    assert checked > 2000


def test_the_catalog_patterns_have_first_words() -> None:
    """Every pattern of the shipped catalog is read: only words that may begin one are tried."""
    idx = index(load_catalog())
    assert idx.any_pattern is not None
    exact, starts = first_words(idx.any_pattern.pattern, idx.any_pattern.flags)
    assert "iso" in exact
    assert "" not in starts
