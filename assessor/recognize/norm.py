"""How recognition reads text: folded to lower-case words and numbers, each with its place.

Pure: no files, no clock. Every token keeps its character span in the text as given, so a
framework found inside a sentence can be quoted exactly.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from itertools import accumulate
from typing import NamedTuple

_ISO_IEC = re.compile(r"\biso\s*[/\\\-]?\s*iec\b")
# A national adoption's prefix before "iso" (a bare "iso" is left as it is: nothing to fold).
_NATIONAL_ISO = re.compile(
    r"\b(?:(?:bs|din|nen|une|nf|sn|ds|ss|cen|onorm|sist|pn|csn)\s*-?\s*(?:en\s*-?\s*)?"
    r"|en\s*-?\s*)iso\b"
)
ROMAN = {"i": "1", "ii": "2", "iii": "3", "iv": "4"}
_SOC_ROMAN = re.compile(r"\b(soc|type|level|tier)\s*-?\s*(iv|iii|ii|i)\b")
_WORD_PLUS = re.compile(r"(?<=[a-z0-9])\+(?=\s|$)")
_AMP = re.compile(r"&")
# Slugs write versions with underscores: "pci_dss_v4_0" = "PCI DSS v4.0".
_DIGIT_UNDERSCORE = re.compile(r"(?<=\d)_(?=\d)")
# A number may carry the letter O for a zero ("27OO1"): read as digits, marked as a repair.
_TOKEN = re.compile(r"\d[\do]*o[\do]*\d|\d+(?:\.\d+)*|[a-z]+")
_INVISIBLE = frozenset("\u200b\u200c\u200d\u2060\ufeff\u00ad")
YEAR = re.compile(r"^(?:19[89]\d|20[0-4]\d)$")
# The words YEAR matches: a set test is the same for a token (no token holds a line break).
YEARS = frozenset(y for y in map(str, range(1000, 10000)) if YEAR.match(y))
# What separates one framework name from the next in a list: ; , / | + & bullets, "and" or a
# line break (spans.py keeps a part and its whole apart by it, match.py splits cells on it).
LIST_SEP = re.compile(r"[;,/|+&•·\n]|\band\b", re.IGNORECASE)

# Dropped from compact keys: "HIPAA and HITECH" = "HIPAA/HITECH", "The GDPR" = "GDPR".
KEY_STOP = frozenset({"and", "the"})

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


class Tok(NamedTuple):
    """One word or number: its folded text, its span in the original, whether it was repaired."""

    text: str
    start: int
    end: int
    repaired: bool


def _sub_mapped(
    pattern: re.Pattern[str],
    repl: Callable[[re.Match[str]], str],
    text: str,
    where: list[int],
) -> tuple[str, list[int]]:
    """re.sub that keeps, for every output character, the original index it came from."""
    out: list[str] = []
    pos_out: list[int] = []
    last = 0
    for m in pattern.finditer(text):
        out.append(text[last : m.start()])
        pos_out += where[last : m.start()]
        new = repl(m)
        out.append(new)
        if len(new) == m.end() - m.start():
            pos_out += where[m.start() : m.end()]
        elif new:
            pos_out += [where[m.start()]] * (len(new) - 1) + [where[m.end() - 1]]
        last = m.end()
    out.append(text[last:])
    pos_out += where[last:]
    return "".join(out), pos_out


def _fold_chars(text: str) -> tuple[str, list[int]]:
    """Lower case without accents; each folded character remembers its original index."""
    if text.isascii():
        return text.lower(), list(range(len(text)))
    out: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(text):
        if ch in _INVISIBLE:
            continue
        for c in unicodedata.normalize("NFKD", ch.casefold()):
            if not unicodedata.combining(c):
                out.append(c)
                where.append(i)
    return "".join(out), where


# Each substitution with the literals its pattern cannot match without (most texts hold none,
# and a literal test costs far less than the search).
_SUBS: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str], tuple[str, ...]], ...] = (
    (_AMP, lambda m: " and ", ("&",)),
    (_DIGIT_UNDERSCORE, lambda m: ".", ("_",)),
    (_WORD_PLUS, lambda m: " plus", ("+",)),  # "Cyber Essentials+" = "Cyber Essentials Plus"
    (_ISO_IEC, lambda m: "iso", ("iec",)),
    (_NATIONAL_ISO, lambda m: "iso", ("iso",)),
    (_SOC_ROMAN, lambda m: f"{m.group(1)} {ROMAN[m.group(2)]}", ("soc", "type", "level", "tier")),
)


def _applies(pattern: re.Pattern[str], literals: tuple[str, ...], folded: str) -> bool:
    for literal in literals:
        if literal in folded:
            return pattern.search(folded) is not None
    return False


# Any of those literals: a text holding none needs no substitution (one search, not a loop).
_ANY_LITERAL = re.compile("|".join(re.escape(lit) for _, _, lits in _SUBS for lit in lits))


def _changes(folded: str) -> bool:
    """Whether any substitution applies (if the first text holds none, no later one does)."""
    if _ANY_LITERAL.search(folded) is None:
        return False
    for pattern, _, literals in _SUBS:
        for literal in literals:
            if literal in folded:
                if pattern.search(folded) is not None:
                    return True
                break
    return False


def fold(text: str) -> tuple[str, list[int]]:
    """Folded text ("ISO/IEC" and national adoptions reduced to "iso") and its index map."""
    folded, where = _fold_chars(text)
    for pattern, repl, literals in _SUBS:
        if _applies(pattern, literals, folded):
            folded, where = _sub_mapped(pattern, repl, folded, where)
    return folded, where


def lex(text: str) -> list[Tok]:
    """The words and numbers of a text, each with its span in `text`."""
    if text.isascii():
        folded = text.lower()
        if not _changes(folded):  # positions are the text's own: no map to build
            if _DIGIT_O.search(folded) is None:  # no number written with the letter O
                return _plain_toks(folded)
            return [_tok(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(folded)]
    folded, where = fold(text)
    return [
        _tok(m.group(), where[m.start()], where[m.end() - 1] + 1) for m in _TOKEN.finditer(folded)
    ]


def lex_words(text: str) -> tuple[list[str], list[int], list[int], list[bool] | None]:
    """lex(text) as columns: the words, where each starts and ends in `text`, and which were
    repaired (None: none was). A plain text (the usual one) is read without a Tok per word."""
    if text.isascii():
        folded = text.lower()
        if not _changes(folded) and _DIGIT_O.search(folded) is None:
            parts = _TOKEN_SPLIT.split(folded)  # between, word, between, word, ..., between
            ends = list(accumulate(map(len, parts)))  # where each part ends
            return parts[1::2], ends[0:-1:2], ends[1::2], None
    toks = lex(text)
    repaired = [t.repaired for t in toks]
    starts, stops = [t.start for t in toks], [t.end for t in toks]
    return [t.text for t in toks], starts, stops, repaired if True in repaired else None


_new_tok = tuple.__new__
_TOKEN_SPLIT = re.compile(f"({_TOKEN.pattern})")  # the same words, found by one split


def _plain_toks(folded: str) -> list[Tok]:
    """The tokens of a folded text whose positions are its own and that needs no repair."""
    parts = _TOKEN_SPLIT.split(folded)  # between, word, between, word, ..., between
    out: list[Tok] = []
    pos = len(parts[0])
    for word, between in zip(parts[1::2], parts[2::2], strict=True):
        end = pos + len(word)
        out.append(_new_tok(Tok, (word, pos, end, False)))
        pos = end + len(between)
    return out


# A token repaired by _tok (a digit, then digits or O's, then an O) holds a digit right before
# an O: a text without one has no token to repair.
_DIGIT_O = re.compile(r"\do")


def _tok(word: str, start: int, end: int) -> Tok:
    """A token; a number written with the letter O for a zero is read as digits, marked."""
    if word[0].isdigit() and "o" in word:
        return _new_tok(Tok, (word.replace("o", "0"), start, end, True))
    return _new_tok(Tok, (word, start, end, False))


def tokens(text: str) -> list[str]:
    """Words and numbers of a name: letters and digits split, punctuation dropped."""
    return list(_tokens(text))


@functools.lru_cache(maxsize=1 << 16)
def _tokens(text: str) -> tuple[str, ...]:
    """The catalog's spellings are folded by its checks and by the index: once each."""
    return tuple(t.text for t in lex(text))


def compact(toks: Iterable[str]) -> str:
    """Tokens joined without the stop words: the alias comparison key."""
    return "".join(t for t in toks if t not in KEY_STOP)


def compact_key(text: str) -> str:
    """The key aliases are compared by: "ISO/IEC 27001" = "iso27001" = "ISO 27001"."""
    return compact(tokens(text))


def edition_canon(toks: Sequence[str]) -> str:
    """Edition tokens in one spelling: "Rev. 5" = "r5" = "rev5", "Type II" = "type2"."""
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
        elif tok in ROMAN and out and out[-1] in ("type", "level"):
            out.append(ROMAN[tok])
        else:
            out.append(tok)
        i += 1
    return "".join(out)


def edition_keys(text: str) -> set[str]:
    """Keys an edition spelling is compared by: as written, and canonical (Rev. 5 = r5 = rev5)."""
    toks = [t for t in tokens(text) if t not in KEY_STOP]
    if not toks:
        return set()
    return {"".join(toks), edition_canon(toks)}


def deletions(word: str) -> set[str]:
    """Every spelling with one character removed."""
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def one_edit(a: str, b: str) -> bool:
    """Whether a and b differ by one insertion, deletion, substitution or adjacent swap."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    if len(a) < len(b):
        return a[i:] == b[i + 1 :]
    if a[i + 1 :] == b[i + 1 :]:
        return True
    return i + 1 < len(a) and a[i] == b[i + 1] and a[i + 1] == b[i] and a[i + 2 :] == b[i + 2 :]


def letters(word: str) -> int:
    """How many letters a key has."""
    return sum(c.isalpha() for c in word)


def digits(word: str) -> str:
    """The digits of a key, in order."""
    return "".join(c for c in word if c.isdigit())
