"""Service names as people type them ("Intune + Autopatch", "MEM"), resolved to profiles (pure).

Used by intake (the Service column), the command line (--service) and the catalog check (names
claimed once across services).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from assessor.domain.errors import UsageError
from assessor.domain.models import Catalog, ServiceProfile
from assessor.domain.text import normalize_text

# Between two service names in one cell: ; , + / & | a line break, or the word "and".
_SEPARATORS = re.compile(r"\s*(?:[;,+/&|\n]|\band\b)\s*", re.IGNORECASE)


def service_key(text: str) -> str:
    """The comparison key of a service name: case, spaces and punctuation ignored."""
    return re.sub(r"[^0-9a-z]", "", normalize_text(text).casefold())


def split_services(text: str) -> list[str]:
    """The service names in one cell, in order, blanks dropped."""
    return [part for part in _SEPARATORS.split(normalize_text(text)) if part.strip()]


def _names(svc: ServiceProfile) -> list[tuple[str, str | None]]:
    """Every name of a service, with the note an alias carries."""
    return [(svc.id, None), (svc.name, None), *((a.name, a.note) for a in svc.aliases)]


def find_service(catalog: Catalog, name: str) -> tuple[ServiceProfile, str | None] | None:
    """The profile a name denotes (by id, name or alias) and the alias's note, or None."""
    key = service_key(name)
    if not key:
        return None
    for svc in catalog.services:
        for spelling, note in _names(svc):
            if service_key(spelling) == key:
                return svc, note
    return None


def suggestion(catalog: Catalog, name: str) -> str | None:
    """The service name closest to a misspelt one, if any is close."""
    spellings: dict[str, str] = {}
    for svc in catalog.services:
        for spelling, _ in _names(svc):
            spellings.setdefault(service_key(spelling), svc.name)
    close = difflib.get_close_matches(service_key(name), list(spellings), n=1, cutoff=0.6)
    return spellings[close[0]] if close else None


def known_services(catalog: Catalog) -> str:
    """`Microsoft Intune (intune), Windows 365 (windows-365), ...` for messages."""
    return ", ".join(f"{svc.name} ({svc.id})" for svc in catalog.services)


def unknown_message(catalog: Catalog, name: str) -> str:
    """`unknown service 'Intnue': known services are ...; did you mean 'Microsoft Intune'?`."""
    close = suggestion(catalog, name)
    hint = f"; did you mean {close!r}?" if close else ""
    return f"unknown service {name!r}: known services are {known_services(catalog)}{hint}"


@dataclass
class ResolvedServices:
    """What one cell or option names: service ids in order, names not known, alias notes."""

    ids: tuple[str, ...] = ()
    unknown: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def resolve_services(text: str, catalog: Catalog) -> ResolvedServices:
    """Every service a cell names ("Intune; Windows 365"), each once, in order."""
    out = ResolvedServices()
    ids: dict[str, None] = {}
    for name in split_services(text):
        found = find_service(catalog, name)
        if found is None:
            out.unknown.append(name)
            continue
        svc, note = found
        ids.setdefault(svc.id, None)
        if note and note not in out.notes:
            out.notes.append(note)
    out.ids = tuple(ids)
    return out


def parse_service_option(text: str | None, catalog: Catalog) -> tuple[str, ...]:
    """`--service intune,windows-autopatch` as service ids; UsageError naming any unknown one."""
    if text is None or not text.strip():
        return ()
    found = resolve_services(text, catalog)
    if found.unknown:
        raise UsageError(f"--service: {unknown_message(catalog, found.unknown[0])}")
    return found.ids


def profiles(catalog: Catalog, ids: Sequence[str]) -> tuple[ServiceProfile, ...]:
    """The profiles for these ids (KeyError for an unknown one), or the default when none."""
    if not ids:
        return (catalog.service(),)
    return tuple(catalog.service(i) for i in ids)
