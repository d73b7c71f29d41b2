"""The services a report rests on: their lifecycle and the service x certification matrix (pure).

Each cell says how a source last showed the service in scope for the certification (confirmed,
claimed, unconfirmed, not listed, or no source), with the date that source carries, and whether
that date counts for the report's period (the scope window).
"""

from __future__ import annotations

from datetime import date

from assessor.assess import rules
from assessor.domain.models import (
    AssessorModel,
    Catalog,
    Period,
    ScopeState,
    ServiceProfile,
)
from assessor.domain.text import long_date
from assessor.views.common import cert_short, certification
from assessor.views.labels import SCOPE_DEFINITIONS, SCOPE_LABELS, SCOPE_MARKS


class ServiceLine(AssessorModel):
    """One service a unit uses: its name, lifecycle and how it stands for the period."""

    id: str
    name: str
    status: str  # available / end-of-life
    end_of_life: date | None
    end_of_life_label: str | None
    lifecycle: str  # one sentence
    retired_before_period: bool
    after_end_of_life: bool
    successors: tuple[str, ...]
    confirmed: int  # certifications in confirmed scope with a sighting in the window


class ScopeCell(AssessorModel):
    """One service x certification cell of the matrix."""

    state: ScopeState
    label: str
    mark: str
    css: str  # current / confirmed / claimed / unconfirmed / not-listed / none
    last_seen: date | None
    last_seen_label: str
    source: str | None
    in_window: bool


class MatrixRow(AssessorModel):
    """One certification across the services."""

    certification: str
    name: str
    short: str
    cells: tuple[ScopeCell, ...]


class ServiceMatrix(AssessorModel):
    """The service x certification matrix for a report's period."""

    services: tuple[ServiceLine, ...]
    rows: tuple[MatrixRow, ...]
    window_months: int
    window_label: str
    legend: tuple[tuple[str, str, str, str], ...]  # (css, mark, label, definition)


def _short_date(day: date | None) -> str:
    return long_date(day) if day is not None else ""


def scope_cell(svc: ServiceProfile, cert_id: str, window: tuple[date, date]) -> ScopeCell:
    """How a service stands for a certification within a window."""
    ref = rules.scope_ref(svc, cert_id, window)
    css = "current" if ref.scope == "confirmed" and ref.in_window else ref.scope
    return ScopeCell(
        state=ref.scope,
        label=SCOPE_LABELS[ref.scope],
        mark=SCOPE_MARKS[css],
        css=css,
        last_seen=ref.last_seen,
        last_seen_label=_short_date(ref.last_seen),
        source=ref.source,
        in_window=ref.in_window,
    )


def service_line(
    svc: ServiceProfile, period: Period, as_of: date, window: tuple[date, date], certs: list[str]
) -> ServiceLine:
    """A service's line on the cover and in the matrix."""
    from assessor.assess import wording

    eol = svc.lifecycle.end_of_life
    confirmed = sum(
        1
        for c in certs
        if (r := rules.scope_ref(svc, c, window)).scope == "confirmed" and r.in_window
    )
    return ServiceLine(
        id=svc.id,
        name=svc.name,
        status=svc.lifecycle.status,
        end_of_life=eol,
        end_of_life_label=long_date(eol) if eol else None,
        lifecycle=wording.lifecycle_headline(svc, as_of),
        retired_before_period=rules.retired_before(svc, period),
        after_end_of_life=rules.after_end_of_life(svc, period),
        successors=svc.successors,
        confirmed=confirmed,
    )


def service_matrix(
    catalog: Catalog,
    services: tuple[ServiceProfile, ...],
    period: Period,
    as_of: date,
    window_months: int = rules.DEFAULT_WINDOW_MONTHS,
    certs: list[str] | None = None,
) -> ServiceMatrix:
    """Every catalogued certification (or those given) against the services, for the period."""
    window = rules.scope_window(period, window_months)
    ids = certs if certs is not None else [c.id for c in catalog.certifications]
    rows = []
    for cid in ids:
        cert = certification(catalog, cid)
        if cert is None:
            continue
        rows.append(
            MatrixRow(
                certification=cid,
                name=cert.name,
                short=cert_short(catalog, cid),
                cells=tuple(scope_cell(svc, cid, window) for svc in services),
            )
        )
    return ServiceMatrix(
        services=tuple(service_line(svc, period, as_of, window, ids) for svc in services),
        rows=tuple(rows),
        window_months=window_months,
        window_label=f"{long_date(window[0])} \u2013 {long_date(window[1])}",
        legend=tuple(
            (css, SCOPE_MARKS[css], label, text) for css, label, text in SCOPE_DEFINITIONS
        ),
    )
