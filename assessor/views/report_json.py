"""The report's JSON contract, documented in docs/report-schema.json (pure)."""

from __future__ import annotations

from typing import Any

from assessor.domain.models import EvidenceRef, Period, Reason
from assessor.views.findings import FindingView
from assessor.views.report import ReportView


def _evidence_json(ev: EvidenceRef) -> dict[str, Any]:
    """An evidence document: the contract's title/kind/stp_section plus provenance."""
    return {
        "title": ev.title,
        "kind": ev.kind,
        "stp_section": ev.stp_section,
        "mmd_location": ev.mmd_location,
        "certification": ev.certification,
        "restricted": ev.restricted,
        "self_attested": ev.self_attested,
    }


def reason_json(reason: Reason) -> dict[str, Any]:
    """A typed reason as JSON: its code and effect beside its facts (lists for tuples)."""
    data: dict[str, Any] = {
        key: list(value) if isinstance(value, tuple) else value
        for key, value in reason.data.items()
    }
    return {**data, "code": reason.code, "effect": reason.effect}


def _finding_json(fv: FindingView) -> dict[str, Any]:
    """One finding in the contract's shape (plus its reference and rationale)."""
    fw = fv.framework
    return {
        "id": fv.ref,
        "source": {"file": fv.source.file, "sheet": fv.source.sheet, "row": fv.source.row},
        "requirement": fv.requirement,
        "framework": None if fw is None else {"id": fw.id, "name": fw.name, "version": fw.version},
        "status": fv.status,
        "responsibility": fv.responsibility,
        "certifications": list(fv.certifications),
        "evidence": [_evidence_json(ev) for ev in fv.evidence],
        "customer_actions": list(fv.customer_actions),
        "caveats": list(fv.caveats),
        "suggestions": list(fv.suggestions),
        "rationale": fv.rationale,
        "reasons": [reason_json(r) for r in fv.reasons],
        **_columns_json(fv),
    }


def _columns_json(fv: FindingView) -> dict[str, Any]:
    """The workbook's own columns for the finding's row, as typed (null when empty)."""
    cols = fv.columns
    return {
        "owner": cols.owner,
        "due": None if cols.due is None else cols.due.isoformat(),
        "overdue": cols.overdue,
        "priority": cols.priority,
        "notes": cols.notes,
        "evidence_needed": cols.evidence_needed,
    }


def _period_json(period: Period) -> dict[str, Any]:
    """The period judged: its dates (start null when only the as-of date bounds it) and basis."""
    return {
        "start": None if period.start is None else period.start.isoformat(),
        "end": period.end.isoformat(),
        "basis": period.basis,
    }


def view_json(view: ReportView) -> dict[str, Any]:
    """The report as the JSON contract of docs/report-schema.json: exactly these top-level names."""
    return {
        "schema_version": view.schema_version,
        "business_unit": view.business_unit,
        "organization": view.organization,
        "as_of": view.as_of.isoformat(),
        "catalog": {
            "as_of": view.catalog.as_of.isoformat(),
            "sha256": view.catalog.sha256,
            "schema_version": view.catalog.schema_version,
        },
        "source": {"file": view.source.file, "sha256": view.source.sha256},
        **({} if view.period is None else {"period": _period_json(view.period)}),
        "summary": {c.key: c.count for c in view.status_counts},
        "findings": [_finding_json(f) for f in view.findings],
        "rejected_rows": [
            {"sheet": r.sheet, "row": r.row, "reason": r.reason} for r in view.rejected
        ],
    }
