"""What one requirement's findings are judged on: the catalog, the unit's period, the services it
uses, the scope window and the unit's evidence on file. `engine.assess` builds one per
requirement and `assess_requirement` passes it down the rules whole; `Basis.of` is the short
form for a caller naming one service (or none: the catalog's default)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from assessor.assess import rules
from assessor.assess.evidence import EvidenceJudge
from assessor.domain.models import Catalog, Period, ServiceProfile


@dataclass(frozen=True)
class Basis:
    """The catalog, period, services, scope window and evidence judge of one requirement."""

    catalog: Catalog
    period: Period
    services: tuple[ServiceProfile, ...]  # never empty: covered needs every one in scope
    window_months: int = rules.DEFAULT_WINDOW_MONTHS
    judge: EvidenceJudge | None = None  # None: documents are not judged against a register

    @classmethod
    def of(
        cls,
        catalog: Catalog,
        *,
        period: Period,
        service: ServiceProfile | None = None,
        services: Sequence[ServiceProfile] = (),
        window_months: int = rules.DEFAULT_WINDOW_MONTHS,
        judge: EvidenceJudge | None = None,
    ) -> Basis:
        """The basis for `services` (`service` alone: one; neither: the catalog's default)."""
        profiles = tuple(services) or ((service,) if service is not None else (catalog.service(),))
        return cls(catalog, period, profiles, window_months, judge)

    @property
    def service_ids(self) -> tuple[str, ...]:
        """The ids of the services judged, in order."""
        return tuple(s.id for s in self.services)
