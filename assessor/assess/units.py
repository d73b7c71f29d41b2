"""The business units an intake names, the services they use, and one evidence judge per set of
services."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from assessor.assess.evidence import EvidenceJudge
from assessor.domain.errors import UsageError
from assessor.domain.models import (
    BusinessUnit,
    Catalog,
    EvidenceRecord,
    IntakeResult,
    Period,
    ServiceProfile,
)


def units_of(intake: IntakeResult) -> tuple[BusinessUnit, ...]:
    """Every unit an intake names, sorted: listed ones, then those named only by rows.

    A unit named only by requirements takes its place from the first of them; one named only by
    rejected rows has none. The batch and the web use this to find a unit in two inputs.
    """
    units: dict[str, BusinessUnit] = {}
    for unit in intake.units:
        units.setdefault(unit.name, unit)
    for req in intake.requirements:
        units.setdefault(req.business_unit, BusinessUnit(name=req.business_unit, source=req.source))
    for rej in intake.rejected:
        if rej.business_unit is not None:
            units.setdefault(rej.business_unit, BusinessUnit(name=rej.business_unit))
    return tuple(units[name] for name in sorted(units))


class Judges:
    """One evidence judge per set of services a unit's requirements use (built once each)."""

    def __init__(
        self,
        catalog: Catalog,
        records: Sequence[EvidenceRecord],
        period: Period,
        as_of: date,
        next_period_end: date | None,
    ) -> None:
        self.args = (catalog, tuple(records), period, as_of, next_period_end)
        self.built: dict[tuple[str, ...], EvidenceJudge] = {}

    def __call__(self, profiles: tuple[ServiceProfile, ...]) -> EvidenceJudge:
        """The judge for these services."""
        key = tuple(svc.id for svc in profiles)
        if key not in self.built:
            catalog, records, period, as_of, next_end = self.args
            self.built[key] = EvidenceJudge(
                catalog,
                records,
                services=profiles,
                period=period,
                as_of=as_of,
                next_period_end=next_end,
            )
        return self.built[key]


def profiles_for(catalog: Catalog, ids: Sequence[str]) -> tuple[ServiceProfile, ...]:
    """The profiles for these service ids (UsageError naming an unknown one)."""
    out: list[ServiceProfile] = []
    for sid in ids:
        try:
            out.append(catalog.service(sid))
        except KeyError:
            known = ", ".join(sorted(svc.id for svc in catalog.services))
            raise UsageError(
                f"unknown service {sid!r}", hint=f"the catalog knows: {known}"
            ) from None
    return tuple(out)
