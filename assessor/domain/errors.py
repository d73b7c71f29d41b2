"""Errors the user can fix, each carrying every problem found with its location."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar, Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Issue:
    """One problem at one place: `Requirements!C14: expected a date, got 'TBD'`."""

    location: str
    message: str
    severity: Severity = "error"

    def __str__(self) -> str:
        return f"{self.location}: {self.message}" if self.location else self.message


@dataclass
class AssessorError(Exception):
    """A problem the user can fix; the CLI prints it and exits with `exit_code`."""

    message: str
    issues: list[Issue] = field(default_factory=list)
    hint: str | None = None
    exit_code: ClassVar[int] = 1

    def __post_init__(self) -> None:
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message

    def lines(self) -> list[str]:
        """The message, one line per issue, then the hint: what the CLI prints."""
        out = [self.message, *(f"  {issue}" for issue in self.issues)]
        if self.hint:
            out.append(f"hint: {self.hint}")
        return out


class InputError(AssessorError):
    """A workbook (or other input) could not be read or holds no usable table."""

    exit_code: ClassVar[int] = 2


class CatalogError(AssessorError):
    """The knowledge catalog in requirements/ is invalid."""

    exit_code: ClassVar[int] = 1


class RenderError(AssessorError):
    """A report could not be rendered in one of the requested formats."""

    exit_code: ClassVar[int] = 1


class OutputError(AssessorError):
    """An output location cannot be written (exists without --overwrite, not a folder, ...)."""

    exit_code: ClassVar[int] = 2


class UsageError(AssessorError):
    """Arguments that cannot work together, found after parsing."""

    exit_code: ClassVar[int] = 2
