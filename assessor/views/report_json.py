"""The report's JSON contract, documented in docs/report-schema.json (pure)."""

from __future__ import annotations

from typing import Any

from assessor.domain.models import (
    EVIDENCE_STATES,
    DateRange,
    EvidenceRef,
    EvidenceStatus,
    Period,
    Reason,
    ServiceScopeRef,
)
from assessor.views.findings import FindingView
from assessor.views.report import ReportView


def _ranges(spans: tuple[DateRange, ...]) -> list[dict[str, str]]:
    return [{"start": s.start.isoformat(), "end": s.end.isoformat()} for s in spans]


def _day(value: Any) -> str | None:
    return None if value is None else str(value.isoformat())


def _state_json(status: EvidenceStatus | None) -> dict[str, Any]:
    """The document's state against the register (issue 12): to-request when not judged."""
    st = status or EvidenceStatus(state="to-request")
    on_file = st.on_file
    return {
        "state": st.state,
        "on_file": None
        if on_file is None
        else {
            "file": on_file.file,
            "sheet": on_file.sheet,
            "row": on_file.row,
            "title": on_file.title,
        },
        "uncovered": _ranges(st.uncovered),
        "bridged": _ranges(st.bridged),
        "long_gap": st.long_gap,
        "valid_to": _day(st.valid_to),
        "expiring": _day(st.expiring),
        "next_refresh": _day(st.next_refresh),
        "request": _ranges(st.request),
        "sha256": on_file.sha256 if on_file is not None else None,
    }


def _evidence_json(ev: EvidenceRef) -> dict[str, Any]:
    """An evidence document: the contract's title/kind/stp_section plus provenance and state."""
    return {
        **_state_json(ev.status),
        "title": ev.title,
        "kind": ev.kind,
        "stp_section": ev.stp_section,
        "scope_location": ev.scope_location,
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
        "matched_text": fv.matched_text,
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
        "service_scope": [_scope_json(r) for r in fv.service_scope],
        **_columns_json(fv),
    }


def _scope_json(ref: ServiceScopeRef) -> dict[str, Any]:
    """How one service stood in scope for one certification, for the finding's period."""
    return {
        "service": ref.service,
        "certification": ref.certification,
        "scope": ref.scope,
        "last_seen": ref.last_seen.isoformat() if ref.last_seen else None,
        "source": ref.source,
        "in_window": ref.in_window,
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


def _evidence_counts(view: ReportView) -> dict[str, int]:
    """Documents the findings need, each once, per evidence state."""
    counts: dict[str, int] = dict.fromkeys(EVIDENCE_STATES, 0)
    if view.evidence_status is not None:
        counts.update({c.key: c.count for c in view.evidence_status.counts})
    return counts


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
            **(
                {
                    "overlays": [
                        {
                            "file": o.file,
                            "sha256": o.sha256,
                            "organization": o.organization,
                            "entries": o.entries,
                        }
                        for o in view.catalog.overlays
                    ]
                }
                if view.catalog.overlays
                else {}
            ),
        },
        "source": {"file": view.source.file, "sha256": view.source.sha256},
        **({} if view.period is None else {"period": _period_json(view.period)}),
        "services": [
            {
                "id": s.id,
                "name": s.name,
                "lifecycle": {
                    "status": s.status,
                    "end_of_life": s.end_of_life.isoformat() if s.end_of_life else None,
                },
            }
            for s in view.services
        ],
        "summary": {
            **{c.key: c.count for c in view.status_counts},
            "evidence": _evidence_counts(view),
        },
        "findings": [_finding_json(f) for f in view.findings],
        "rejected_rows": [
            {"sheet": r.sheet, "row": r.row, "reason": r.reason} for r in view.rejected
        ],
    }
