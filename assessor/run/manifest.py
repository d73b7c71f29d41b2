"""The run manifest: every input with its status, outputs (with SHA-256) or error, and the units.

Everything the batch writes is recorded here in the same uninterrupted step as its rename, so a
manifest (even an interrupted run's) lists every report file in the folder.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from assessor import __version__
from assessor.domain.models import Assessment, Catalog
from assessor.run.options import BatchOptions
from assessor.run.tasks import InputFile
from assessor.run.worker import Failed

MANIFEST_NAME = "manifest.json"
MANIFEST_SCHEMA = 1


@dataclass
class InputRecord:
    """What happened to one input, as the manifest tells it."""

    input: InputFile
    sha256: str | None = None
    units: list[str] = field(default_factory=list)  # units found in it
    written: list[str] = field(default_factory=list)  # units whose reports were written
    outputs: list[dict[str, str]] = field(default_factory=list)
    failures: list[Failed] = field(default_factory=list)
    tasks_left: int = 0
    status: Literal["ok", "failed", "cancelled"] = "cancelled"

    def entry(self) -> dict[str, Any]:
        """The manifest entry for this input."""
        lines = [line for f in self.failures for line in f.lines()]
        return {
            "path": self.input.label,
            "sha256": self.sha256,
            "status": self.status,
            "business_units": sorted(self.units),
            "written": sorted(self.written),
            "outputs": sorted(self.outputs, key=lambda o: o["path"]),
            "error": self.failures[0].message if self.failures else None,
            "issues": lines[1:] if self.failures else [],
        }


@dataclass(frozen=True)
class UnitEntry:
    """One written business unit, as the manifest lists it."""

    name: str
    slug: str
    inputs: tuple[str, ...]
    assessment: Assessment


def manifest_data(
    *,
    options: BatchOptions,
    catalog: Catalog,
    records: Sequence[InputRecord],
    problems: Sequence[str],
    units: Mapping[str, UnitEntry],
    portfolio: Sequence[dict[str, str]],
    interrupted: bool,
    stopped: str | None = None,
) -> dict[str, Any]:
    """The manifest as data (the batch writes it as canonical JSON)."""
    run = options.run
    failed = sum(1 for r in records if r.status != "ok")
    return {
        "schema_version": MANIFEST_SCHEMA,
        "tool": {"name": "assessor", "version": __version__},
        "catalog": {
            "as_of": catalog.meta.as_of.isoformat(),
            "sha256": catalog.meta.sha256,
            **(
                {"overlays": [o.model_dump(mode="json") for o in catalog.overlays]}
                if catalog.overlays
                else {}
            ),
        },
        "as_of": run.as_of.isoformat(),
        "organization": run.organization,
        "formats": list(run.formats),
        "pdf_variant": run.pdf_variant,
        "merge_units": options.merge_units,
        "status": (
            "interrupted"
            if interrupted
            else "stopped"
            if stopped
            else ("partial" if failed else "ok")
        ),
        "summary": {
            "inputs": len(records),
            "inputs_failed": failed,
            "business_units_written": len(units),
        },
        "problems": [*problems, *([stopped] if stopped else [])],
        "inputs": [r.entry() for r in records],
        "business_units": [
            {
                "name": name,
                "slug": units[name].slug,
                "inputs": list(units[name].inputs),
                "summary": counts(units[name].assessment),
            }
            for name in sorted(units)
        ],
        "portfolio": sorted(portfolio, key=lambda o: o["path"]),
    }


def counts(assessment: Assessment) -> dict[str, int]:
    """Findings per status."""
    found = {"covered": 0, "partial": 0, "gap": 0, "unrecognized": 0}
    for finding in assessment.findings:
        found[finding.status] += 1
    return found
