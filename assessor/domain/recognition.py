"""Recognition's answers: the frameworks a text names (Candidate), where (Mention), and how a
name resolves (Match). Frozen dataclasses, not pydantic models: recognition builds them from its
own values (never from input), and a lookup (`assessor match`) then runs without importing
pydantic at all. A pydantic model may still hold one (a Requirement's `match`): pydantic
validates and dumps dataclasses by their fields. All are importable from domain.models."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

MatchStatus = Literal["matched", "ambiguous", "review", "unrecognized"]
ReviewReason = Literal["negated", "doubtful"]
MentionStatus = Literal["matched", "ambiguous", "review"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Candidate:
    """One framework a text may name, with the edition it names if any."""

    framework: str
    edition: str | None = None
    score: float
    via: str  # "alias", "pattern", "group", "typo" (a near-miss read: confirm), "fuzzy"

    def __post_init__(self) -> None:
        """A score is a float from 0 to 100 (an int given is kept as its float)."""
        if not 0 <= self.score <= 100:
            raise ValueError(f"a candidate's score is from 0 to 100, not {self.score!r}")
        if type(self.score) is not float:
            object.__setattr__(self, "score", float(self.score))


@dataclass(frozen=True, slots=True, kw_only=True)
class Mention:
    """One framework name found inside a text: where, how it was read, and the words around it."""

    start: int  # character offsets into the text as given
    end: int
    matched_text: str  # text[start:end]
    status: MentionStatus
    frameworks: tuple[Candidate, ...]
    suggestions: tuple[str, ...] = ()
    via: str  # "alias", "pattern", "group", "typo"
    before: str = ""  # the words between the previous mention (or the start) and this one
    after: str = ""  # the words between this mention and the next one (or the end)
    review: ReviewReason | None = None  # negated ("no SOC 2 needed") or doubtful ("ISO 27001?")
    note: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Match:
    """How one framework name resolves against the catalog."""

    text: str
    status: MatchStatus
    frameworks: tuple[Candidate, ...] = ()  # all named (several for "CSA STAR Level 2")
    suggestions: tuple[str, ...] = ()  # framework ids, closest first
    note: str | None = None
    matched_text: str | None = None  # the substring that named it: 'ISO 27001' in 'Current ...'
    span: tuple[int, int] | None = None  # where matched_text is in text
    review: ReviewReason | None = None  # status "review": why the name is not taken as asked
