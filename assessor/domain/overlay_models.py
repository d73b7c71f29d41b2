"""The organization's overlay as data: its aliases, frameworks and relations, each with who
decided it and when, and where the overlay came from (a YAML file or a workbook's Overlay sheet).

catalog/overlay.py validates an Overlay against a catalog and merges it; the intake builds one
from an Overlay sheet; the IntakeResult keeps it so the workbook's units are assessed on it.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field

from assessor.domain.base import AssessorModel


class _Decided(AssessorModel):
    decided_by: str = Field(min_length=1)
    decided_on: date
    note: str | None = None


class OverlayAlias(_Decided):
    """A spelling the organization uses for a framework the catalog knows."""

    alias: str = Field(min_length=1)
    framework: str


class OverlayFramework(_Decided):
    """A framework the catalog lacks: relation none, or supports with named certifications."""

    id: str = Field(min_length=1)
    name: str
    short_name: str
    category: str = "Organization"
    relation: Literal["none", "supports"] = "none"
    certifications: tuple[str, ...] = ()
    rationale: str
    aliases: tuple[str, ...] = ()


class OverlayRelation(_Decided):
    """A framework the catalog knows that the organization's auditor accepts as supported.

    `units`: the business units the decision is for (empty: every unit); a finding of another
    unit is assessed without it.
    """

    framework: str
    relation: Literal["supports"] = "supports"
    certifications: tuple[str, ...] = Field(min_length=1)
    accepted_by: str = Field(min_length=1)  # the organization's auditor
    rationale: str
    units: tuple[str, ...] = ()


class Overlay(AssessorModel):
    """A whole overlay: a file's `overlay:` mapping, or the rows of an Overlay sheet."""

    organization: str | None = None
    aliases: tuple[OverlayAlias, ...] = ()
    frameworks: tuple[OverlayFramework, ...] = ()
    relations: tuple[OverlayRelation, ...] = ()


class OverlayOrigin(AssessorModel):
    """Where an overlay came from, printed on every report resting on it."""

    file: str  # the YAML file's name, or "book.xlsx, sheet Overlay"
    sha256: str  # of the file's bytes, or of the sheet's rows as read (canonical JSON)
    organization: str | None = None
    aliases: int = 0
    frameworks: int = 0
    relations: int = 0


class WorkbookOverlay(AssessorModel):
    """A workbook's own Overlay sheet, read and checked: merged on the catalog for its units."""

    origin: OverlayOrigin
    overlay: Overlay
