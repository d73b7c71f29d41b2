"""OSCAL 1.2.1 assessment-results: a unit's (or the portfolio's) view as an OSCAL document (pure).

Same view, same bytes: every UUID is a version-5 UUID made from content, and every timestamp
comes from the as-of date or the audit period, never the clock. Statuses and reasons are
mapped from their codes (`Finding.reasons`), never from sentences.

UUIDs:
- a finding is named by its subject (unit, source cell, framework), so the same requirement
  keeps its UUID across reruns and revisions, as OSCAL asks of findings;
- a result and an observation by the unit, the as-of date and what was examined;
- the document by the SHA-256 of its own canonical content, so it changes whenever any byte of
  the assessment does (OSCAL: a new document UUID for each revision).
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any
from urllib.parse import quote

from assessor.domain.errors import RenderError
from assessor.domain.models import EvidenceRef, Period, Status
from assessor.domain.text import canonical_json
from assessor.views.findings import FindingView
from assessor.views.frameworks import CertificationView
from assessor.views.portfolio import PortfolioView, UnitSummary
from assessor.views.provenance import OverlayInfo
from assessor.views.report import ReportView

OSCAL_VERSION = "1.2.1"  # what compliance-trestle 5.x targets
NS = "https://assessor.invalid/ns/oscal"  # our props' namespace (an absolute URI we own)
_ROOT = uuid.uuid5(uuid.NAMESPACE_URL, NS)
_TOKEN = re.compile(r"^[A-Za-z_][A-Za-z0-9._-]*$")  # ASCII subset of OSCAL's token (NCName)
_NO_PLAN = (
    "There is no separate OSCAL assessment plan: the plan is the organization's requirements "
    "workbook described by this back-matter resource (file name and SHA-256), whose rows name "
    "the frameworks each business unit must meet."
)


def _uuid(*parts: str) -> str:
    """A version-5 UUID from the parts (joined with a separator no part contains)."""
    return str(uuid.uuid5(_ROOT, "\x1f".join(parts)))


def _start(day: date) -> str:
    """The first second of a day, in UTC (OSCAL date-times must carry a timezone)."""
    return f"{day.isoformat()}T00:00:00+00:00"


def _end(day: date) -> str:
    """The last second of a day, in UTC."""
    return f"{day.isoformat()}T23:59:59+00:00"


def token(framework_id: str) -> str:
    """A framework id as an OSCAL token: kept as is when valid, else prefixed with `_`."""
    return framework_id if _TOKEN.match(framework_id) else f"_{framework_id}"


def _prop(name: str, value: object, cls: str | None = None) -> dict[str, str] | None:
    """One prop in our namespace; None when the value is empty (OSCAL forbids blank values)."""
    text = " ".join(str(value).split()) if not isinstance(value, bool) else str(value).lower()
    if not text:
        return None
    prop = {"name": name, "ns": NS, "value": text}
    if cls:
        prop["class"] = cls
    return prop


def _props(*items: dict[str, str] | None) -> list[dict[str, str]]:
    """The props that have a value."""
    return [p for p in items if p is not None]


def _state(status: Status) -> str:
    """OSCAL's objective state: satisfied only when covered."""
    return "satisfied" if status == "covered" else "not-satisfied"


def _with(key: str, values: Sequence[Any]) -> dict[str, Any]:
    """`{key: values}`, or nothing when empty: OSCAL arrays, where present, are non-empty."""
    return {key: list(values)} if values else {}


def _selections(targets: Iterable[str], what: str) -> list[dict[str, Any]]:
    """reviewed-controls' control-selections: every target id once, in first-seen order."""
    ids = list(dict.fromkeys(targets))
    if not ids:
        return [
            {
                "include-all": {},
                "remarks": f"{what} lists no requirements: nothing was assessed and no findings "
                "follow.",
            }
        ]
    return [{"include-controls": [{"control-id": i} for i in ids]}]


def _document(
    *,
    title: str,
    as_of: date,
    version: str,
    metadata_props: list[dict[str, str]],
    results: list[dict[str, Any]],
    plan: dict[str, Any],
) -> bytes:
    """Wrap results in an assessment-results document whose UUID is its content's hash."""
    body: dict[str, Any] = {
        "metadata": {
            "title": title,
            "last-modified": _start(as_of),
            "version": version,
            "oscal-version": OSCAL_VERSION,
            **_with("props", metadata_props),
        },
        "import-ap": {"href": f"#{plan['uuid']}", "remarks": _NO_PLAN},
        "results": results,
        "back-matter": {"resources": [plan]},
    }
    digest = hashlib.sha256(canonical_json(body)).hexdigest()
    doc = {"assessment-results": {"uuid": _uuid("document", digest), **body}}
    try:
        return canonical_json(doc)
    except ValueError as exc:
        raise RenderError(f"OSCAL document could not be written: {exc}") from exc


def _period_bounds(period: Period | None, as_of: date) -> tuple[str, str]:
    """Result start and end: the audit period, else the as-of date (one day)."""
    if period is None:
        return _start(as_of), _end(as_of)
    return _start(period.start or period.end), _end(period.end)


# ---------------------------------------------------------------------------
# One business unit


def _finding_target(fv: FindingView) -> str:
    """What a finding is about: the framework's token, or the unrecognized entry's reference."""
    return token(fv.framework.id) if fv.framework is not None else f"unrecognized-{fv.ref}"


def _observations(
    view: ReportView, result_key: str
) -> tuple[list[dict[str, Any]], dict[tuple[str, str], str]]:
    """One observation per evidence document; and each document's observation UUID."""
    certs: dict[str, CertificationView] = {c.id: c for c in view.certifications}
    seen: dict[tuple[str, str], str] = {}
    out: list[dict[str, Any]] = []
    for fv in view.findings:
        for ev in fv.evidence:
            key = (ev.stp_section, ev.title)
            if key in seen:
                continue
            seen[key] = _uuid("observation", result_key, ev.stp_section, ev.title)
            out.append(_observation(seen[key], ev, certs.get(ev.certification), view))
    return out, seen


def _observation(
    obs_uuid: str, ev: EvidenceRef, cert: CertificationView | None, view: ReportView
) -> dict[str, Any]:
    """An evidence document examined: its STP title, kind, certification and, when known,
    its expiry and its state in the evidence register."""
    cert_name = cert.name if cert is not None else ev.certification
    # the document's state against the evidence register, and the last day what is on file counts
    expires = ev.status.valid_to if ev.status is not None else None
    state = ev.status.state if ev.status is not None else None
    evidence: dict[str, Any] = {"description": ev.title}
    if view.stp_home.startswith(("https://", "http://")):
        evidence["href"] = view.stp_home
    return {
        "uuid": obs_uuid,
        "title": ev.title,
        "description": f"{ev.title}: Service Trust Portal evidence for {cert_name}.",
        "methods": ["EXAMINE"],
        "types": ["control-objective"],
        "collected": _start(view.as_of),
        **({"expires": _end(expires)} if isinstance(expires, date) else {}),
        "relevant-evidence": [evidence],
        "props": _props(
            _prop("evidence-kind", ev.kind),
            _prop("certification", ev.certification),
            _prop("stp-section", ev.stp_section),
            _prop("restricted", ev.restricted),
            _prop("self-attested", ev.self_attested),
            _prop("validity", cert.validity if cert is not None else ""),
            _prop("evidence-state", state) if state is not None else None,
        ),
    }


def _finding(
    fv: FindingView, view: ReportView, observations: dict[tuple[str, str], str]
) -> dict[str, Any]:
    """One requirement's finding: target, state, and its facts as props in our namespace."""
    fw = fv.framework
    target: dict[str, Any] = {
        "type": "objective-id",
        "target-id": _finding_target(fv),
        "status": {"state": _state(fv.status)},
    }
    if fw is not None:
        target["title"] = fw.name
    related = list(dict.fromkeys(observations[(ev.stp_section, ev.title)] for ev in fv.evidence))
    subject = (
        view.business_unit,
        fv.source.file,
        fv.source.sheet,
        str(fv.source.row),
        fw.id if fw else fv.requirement,
    )
    return {
        "uuid": _uuid("finding", *subject),
        "title": f"{fv.ref} {fv.framework_label}" if fw else f"{fv.ref} unrecognized entry",
        "description": fv.requirement or fv.framework_label,
        "target": target,
        "props": _props(
            _prop("finding-ref", fv.ref),
            _prop("status", fv.status),
            _prop("responsibility", fv.responsibility),
            _prop("service", view.service_name),
            _prop("framework-id", fw.id if fw else ""),
            _prop("framework-version", (fw.version or "") if fw else ""),
            _prop("source-file", fv.source.file),
            _prop("source-cell", fv.location),
            *(_prop("reason", r.code, r.effect) for r in fv.reasons),
            *(_prop("certification", c) for c in fv.certifications),
        ),
        **_with("related-observations", [{"observation-uuid": u} for u in related]),
    }


def _workbook_resource(view: ReportView) -> dict[str, Any]:
    """The requirements workbook: the back-matter resource import-ap points at."""
    return {
        "uuid": _uuid("workbook", view.source.file, view.source.sha256),
        "title": f"Requirements workbook {view.source.file}",
        "description": (
            "The organization's requirements workbook: each row names frameworks a business "
            "unit must meet. It stands in for an assessment plan."
        ),
        "props": _props(
            _prop("file-name", view.source.file),
            _prop("sha256", view.source.sha256),
            _prop("sheets", ", ".join(view.source.sheets)),
        ),
        "rlinks": [
            {
                "href": quote(view.source.file),
                "hashes": [{"algorithm": "SHA-256", "value": view.source.sha256}],
            }
        ],
    }


def unit_result(view: ReportView) -> dict[str, Any]:
    """One business unit's result: reviewed frameworks, evidence observations, findings."""
    result_key = "\x1f".join(
        (view.business_unit, view.as_of.isoformat(), view.source.sha256, view.catalog.sha256)
    )
    observations, by_doc = _observations(view, result_key)
    findings = [_finding(fv, view, by_doc) for fv in view.findings]
    start, end = _period_bounds(view.period, view.as_of)
    basis = view.period.basis if view.period is not None else "as-of"
    return {
        "uuid": _uuid("result", result_key),
        "title": f"{view.business_unit}: evidence gap assessment",
        "description": view.subject,
        "start": start,
        "end": end,
        "props": _props(
            _prop("business-unit", view.business_unit),
            _prop("organization", view.organization),
            _prop("service", view.service_name),
            _prop("period-basis", basis),
            _prop("as-of", view.as_of.isoformat()),
        ),
        "reviewed-controls": {
            "description": "The frameworks the business unit's requirements name.",
            "control-selections": _selections(
                (_finding_target(fv) for fv in view.findings), view.business_unit
            ),
        },
        **_with("observations", observations),
        **_with("findings", findings),
    }


def _catalog_props(
    sha256: str, as_of: date, tool_version: str, overlays: Sequence[OverlayInfo] = ()
) -> list[dict[str, str]]:
    return _props(
        _prop("tool", "assessor"),
        _prop("tool-version", tool_version),
        _prop("catalog-sha256", sha256),
        _prop("catalog-as-of", as_of.isoformat()),
        *(_prop("catalog-overlay", f"{o.file} sha256:{o.sha256}") for o in overlays),
    )


def render_unit_oscal(view: ReportView) -> bytes:
    """One business unit's view as an OSCAL assessment-results document (canonical bytes)."""
    return _document(
        title=view.title,
        as_of=view.as_of,
        version=f"{view.as_of.isoformat()}+{view.source.sha256[:12]}",
        metadata_props=_catalog_props(
            view.catalog.sha256, view.catalog.as_of, view.tool_version, view.catalog.overlays
        ),
        results=[unit_result(view)],
        plan=_workbook_resource(view),
    )


# ---------------------------------------------------------------------------
# The portfolio: one result per unit, one finding per framework the unit is bound by


def _portfolio_result(view: PortfolioView, unit: UnitSummary) -> dict[str, Any]:
    """A unit's result from the portfolio: its weakest status per framework, its documents."""
    result_key = "\x1f".join(("portfolio", unit.name, view.as_of.isoformat(), view.catalog_sha256))
    observations: list[dict[str, Any]] = []
    by_framework: dict[str, list[str]] = {}
    for group in view.evidence:
        for item in group.items:
            if unit.name not in item.units:
                continue
            obs_uuid = _uuid("observation", result_key, item.stp_section, item.title)
            observations.append(
                {
                    "uuid": obs_uuid,
                    "title": item.title,
                    "description": f"{item.title}: Service Trust Portal evidence for "
                    f"{', '.join(item.certifications)}.",
                    "methods": ["EXAMINE"],
                    "types": ["control-objective"],
                    "collected": _start(view.as_of),
                    "relevant-evidence": [{"description": item.title}],
                    "props": _props(
                        _prop("evidence-kind", item.kind),
                        _prop("stp-section", item.stp_section),
                        _prop("restricted", item.restricted),
                        _prop("self-attested", item.self_attested),
                    ),
                }
            )
            for label in item.frameworks:
                by_framework.setdefault(label, []).append(obs_uuid)
    findings: list[dict[str, Any]] = []
    for block in view.matrix:
        for row in block.rows:
            if row.unit != unit.name:
                continue
            for fw, cell in zip(block.frameworks, row.cells, strict=True):
                if cell.status is None:
                    continue
                related = by_framework.get(fw.short_name, [])
                findings.append(
                    {
                        "uuid": _uuid("portfolio-finding", unit.name, fw.id),
                        "title": f"{unit.name}: {fw.short_name}",
                        "description": f"{fw.name}: the unit's weakest status over "
                        f"{cell.findings} requirement(s).",
                        "target": {
                            "type": "objective-id",
                            "target-id": token(fw.id),
                            "title": fw.name,
                            "status": {"state": _state(cell.status)},
                        },
                        "props": _props(
                            _prop("status", cell.status),
                            _prop("service", view.service),
                            _prop("framework-id", fw.id),
                            _prop("requirements", cell.findings),
                        ),
                        **_with("related-observations", [{"observation-uuid": u} for u in related]),
                    }
                )
    for n, entry in enumerate(view.unrecognized, start=1):
        if unit.name in entry.units:
            findings.append(
                {
                    "uuid": _uuid("portfolio-finding", unit.name, "unrecognized", entry.label),
                    "title": f"{unit.name}: unrecognized entry",
                    "description": entry.label,
                    "target": {
                        "type": "objective-id",
                        "target-id": f"unrecognized-{n}",
                        "status": {"state": "not-satisfied"},
                    },
                    "props": _props(_prop("status", "unrecognized")),
                }
            )
    start = _start(unit.period_start or unit.period_end or view.as_of)
    end = _end(unit.period_end or view.as_of)
    return {
        "uuid": _uuid("result", result_key),
        "title": f"{unit.name}: evidence gap assessment",
        "description": f"{unit.name}: {unit.total} requirement(s) mapped onto {view.service}'s "
        f"certifications, as of {view.as_of.isoformat()}; per framework, the weakest status of "
        "the unit's requirements. The unit's own document lists each requirement.",
        "start": start,
        "end": end,
        "props": _props(
            _prop("business-unit", unit.name),
            _prop("period-basis", unit.basis),
            _prop("report", f"{unit.slug}.oscal.json" if unit.slug else ""),
        ),
        "reviewed-controls": {
            "description": "The frameworks the business unit's requirements name.",
            "control-selections": _selections(
                (f["target"]["target-id"] for f in findings), unit.name
            ),
        },
        **_with("observations", observations),
        **_with("findings", findings),
    }


def render_portfolio_oscal(view: PortfolioView) -> bytes:
    """The portfolio as one OSCAL assessment-results document with a result per unit."""
    plan = {
        "uuid": _uuid("workbooks", view.organization, view.as_of.isoformat()),
        "title": "Requirements workbooks",
        "description": (
            "The organization's requirements workbooks, listed with their SHA-256 in the batch's "
            "manifest.json; each unit's own OSCAL document names its workbook and SHA-256."
        ),
        "props": _props(_prop("manifest", "manifest.json")),
        "rlinks": [{"href": "manifest.json", "media-type": "application/json"}],
    }
    results = [_portfolio_result(view, unit) for unit in view.units]
    if not results:
        raise RenderError("the portfolio has no business units to export as OSCAL")
    return _document(
        title=view.title,
        as_of=view.as_of,
        version=view.as_of.isoformat(),
        metadata_props=_catalog_props(view.catalog_sha256, view.catalog_as_of, view.tool_version),
        results=results,
        plan=plan,
    )
