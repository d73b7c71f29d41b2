"""Helpers the report and portfolio views share: catalog look-ups, periods, lists (pure)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from assessor.domain.models import Catalog, CellRef, Certification, Period, ServiceProfile
from assessor.domain.text import long_date

DISPLAY_CHARS = 400  # longest user text shown in the PDF/HTML per field (JSON keeps it whole)
HEADER_CHARS = 60  # longest name in the running header


def clip(text: str, limit: int = DISPLAY_CHARS) -> str:
    """User text cut to `limit` characters with a visible marker (layout stays bounded)."""
    if len(text) <= limit:
        return text
    return f"{text[:limit].rstrip()}\u2026 [{len(text) - limit} more characters]"


# ---------------------------------------------------------------------------
# Lists and numbers


def in_order(values: Iterable[str]) -> tuple[str, ...]:
    """Non-empty values in first-seen order, each once."""
    return tuple(dict.fromkeys(v for v in values if v))


def sorted_unique(values: Iterable[str]) -> tuple[str, ...]:
    """Values each once, sorted case-insensitively (ties broken by the exact text)."""
    return tuple(sorted(set(values), key=lambda v: (v.casefold(), v)))


def percent(part: int, whole: int) -> int:
    """Whole-number share, 0 when there is nothing to share."""
    return round(100 * part / whole) if whole else 0


def anchor(prefix: str, key: str) -> str:
    """An id attribute built from a catalog id: only [a-z0-9-], never user text."""
    slug = re.sub(r"[^a-z0-9]+", "-", key.lower()).strip("-")
    return f"{prefix}-{slug or 'x'}"


def workbook_order(ref: CellRef, sheets: tuple[str, ...]) -> tuple[int, str, int]:
    """Sort key in workbook order: sheets as read, then row."""
    index = sheets.index(ref.sheet) if ref.sheet in sheets else len(sheets)
    return (index, ref.sheet, ref.row)


# ---------------------------------------------------------------------------
# Catalog look-ups that fall back instead of failing


def short_name(catalog: Catalog, framework_id: str, fallback: str) -> str:
    """The catalog's short name for a framework, else `fallback` (the name a finding carries)."""
    try:
        return catalog.framework(framework_id).short_name or fallback
    except KeyError:
        return fallback


def framework_name(catalog: Catalog, framework_id: str) -> str:
    """A framework's display name, or its id when the catalog lacks it."""
    try:
        return catalog.framework(framework_id).name
    except KeyError:
        return framework_id


def certification(catalog: Catalog, cert_id: str) -> Certification | None:
    """The certification, or None when the catalog lacks it."""
    try:
        return catalog.certification(cert_id)
    except KeyError:
        return None


def cert_name(catalog: Catalog, cert_id: str) -> str:
    """A certification's display name, or its id when the catalog lacks it."""
    cert = certification(catalog, cert_id)
    return cert.name if cert is not None else cert_id


def cert_short(catalog: Catalog, cert_id: str) -> str:
    """A certification's short label: its one held edition's label (`FedRAMP High`, `SOC 2
    Type 2`), else its framework's short name, else its id."""
    cert = certification(catalog, cert_id)
    if cert is None:
        return cert_id
    try:
        fw = catalog.framework(cert.framework)
    except KeyError:
        return cert.name
    if len(cert.editions) == 1:
        label = next((e.label for e in fw.editions if e.id == cert.editions[0].edition), None)
        if label:
            return label
    return fw.short_name


def named_service(catalog: Catalog, name: str) -> ServiceProfile | None:
    """The service profile an assessment names (by id or by name), or None."""
    return next((svc for svc in catalog.services if name in (svc.id, svc.name)), None)


def default_service(catalog: Catalog) -> ServiceProfile | None:
    """The catalog's default service profile, or None when it has none."""
    try:
        return catalog.service()
    except KeyError:
        return None


def service_profile(catalog: Catalog, name: str) -> ServiceProfile | None:
    """The service profile an assessment names, else the default one."""
    return named_service(catalog, name) or default_service(catalog)


def services_of(catalog: Catalog, ids: Iterable[str]) -> tuple[ServiceProfile, ...]:
    """The profiles for these ids (unknown ones skipped), else the default one."""
    found = tuple(svc for svc in (named_service(catalog, i) for i in ids) if svc is not None)
    if found:
        return found
    default = default_service(catalog)
    return (default,) if default is not None else ()


def service_names(catalog: Catalog, ids: Iterable[str]) -> str:
    """`Microsoft Intune and Windows Autopatch`: the services' names, joined."""
    names = [svc.name for svc in services_of(catalog, ids)] or list(ids)
    if len(names) <= 1:
        return names[0] if names else "the service"
    return f"{', '.join(names[:-1])} and {names[-1]}"


# ---------------------------------------------------------------------------
# Periods (the report and the portfolio label an open-ended period differently on purpose)


def _date_range(period: Period) -> str | None:
    """`1 January 2024 – 30 June 2024`, or None for a period with no start."""
    if period.start is None:
        return None
    return f"{long_date(period.start)} \u2013 {long_date(period.end)}"


def period_up_to(period: Period) -> str:
    """The report's label: the date range, or `up to 30 June 2024` (judged up to that date)."""
    return _date_range(period) or f"up to {long_date(period.end)}"


def period_at(period: Period) -> str:
    """The portfolio's label: the date range, or `at 30 June 2024` (judged at that date)."""
    return _date_range(period) or f"at {long_date(period.end)}"


def period_basis(period: Period) -> str:
    """How the period was chosen, in words."""
    if period.basis == "audit-period":
        return "the business unit's audit period, from the workbook"
    return "no audit period given: judged at the as-of date"
