"""Recognition's answers: the frameworks a text names (Candidate), where (Mention), and how a
name resolves (Match). Kept apart from the models of intake and findings, so a lookup (`assessor
match`) imports the catalog's models and these alone; all are importable from domain.models."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from assessor.domain.base import AssessorModel


class Candidate(AssessorModel):
    """One framework a text may name, with the edition it names if any."""

    framework: str
    edition: str | None = None
    score: float = Field(ge=0, le=100)
    via: str  # "alias", "pattern", "group", "typo" (a near-miss read: confirm), "fuzzy"


MatchStatus = Literal["matched", "ambiguous", "review", "unrecognized"]
ReviewReason = Literal["negated", "doubtful"]


class Mention(AssessorModel):
    """One framework name found inside a text: where, how it was read, and the words around it."""

    start: int  # character offsets into the text as given
    end: int
    matched_text: str  # text[start:end]
    status: Literal["matched", "ambiguous", "review"]
    frameworks: tuple[Candidate, ...]
    suggestions: tuple[str, ...] = ()
    via: str  # "alias", "pattern", "group", "typo"
    before: str = ""  # the words between the previous mention (or the start) and this one
    after: str = ""  # the words between this mention and the next one (or the end)
    review: ReviewReason | None = None  # negated ("no SOC 2 needed") or doubtful ("ISO 27001?")
    note: str | None = None


class Match(AssessorModel):
    """How one framework name resolves against the catalog."""

    text: str
    status: MatchStatus
    frameworks: tuple[Candidate, ...] = ()  # all named (several for "CSA STAR Level 2")
    suggestions: tuple[str, ...] = ()  # framework ids, closest first
    note: str | None = None
    matched_text: str | None = None  # the substring that named it: 'ISO 27001' in 'Current ...'
    span: tuple[int, int] | None = None  # where matched_text is in text
    review: ReviewReason | None = None  # status "review": why the name is not taken as asked
