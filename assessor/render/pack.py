"""The evidence pack (`--format pack`): per unit, `<unit-slug>.evidence.zip` holding the files
its findings rely on and a manifest, so an auditor receives the exact documents the report
judged. The files' bytes are read by the run layer from the evidence folder (run/pack.py) and
handed in through RenderOptions; this module only writes a deterministic zip."""

from __future__ import annotations

import io
import re
import zipfile
from typing import Any

from assessor.domain.errors import RenderError
from assessor.domain.text import canonical_json
from assessor.render.options import RenderOptions
from assessor.views.evidence_status import StatusItem
from assessor.views.report import ReportView

_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def _arcname(path: str, used: set[str]) -> str:
    """`documents/<name>` from a Where kept path: its last part, made safe and unique."""
    base = re.sub(r"[^A-Za-z0-9._ -]+", "_", path.replace("\\", "/").rsplit("/", 1)[-1]).strip()
    base = base.lstrip(".") or "document"
    name, n = f"documents/{base}", 2
    while name in used:
        stem, dot, ext = base.rpartition(".")
        name = f"documents/{stem or base}-{n}{dot}{ext if stem else ''}"
        n += 1
    used.add(name)
    return name


def manifest(view: ReportView, names: dict[str, str]) -> dict[str, Any]:
    """What the pack holds: per document its kind, period or validity, state, SHA-256 and the
    findings it supports."""
    status = view.evidence_status
    documents = [_document(item, names) for item in (status.items if status is not None else ())]
    return {
        "business_unit": view.business_unit,
        "organization": view.organization,
        "as_of": view.as_of.isoformat(),
        "period": view.period_label,
        "source": {"file": view.source.file, "sha256": view.source.sha256},
        "catalog_sha256": view.catalog.sha256,
        "documents": documents,
    }


def _document(item: StatusItem, names: dict[str, str]) -> dict[str, Any]:
    return {
        "document": item.title,
        "kind": item.kind_label,
        "state": item.state,
        "period_or_validity": item.valid_label,
        "register_row": item.register_row,
        "findings": list(item.findings),
        "frameworks": list(item.frameworks),
        "files": [
            {
                "role": held.role,
                "register_row": held.register_row,
                "title": held.title,
                "where_kept": held.file.path,
                "status": held.file.status,
                "sha256": held.file.sha256,
                "size": held.file.size,
                "in_pack": names.get(held.file.path),
            }
            for held in item.held_files
        ],
    }


def render_pack(view: ReportView, options: RenderOptions) -> bytes:
    """The unit's evidence pack as zip bytes (same inputs, same bytes)."""
    if options.evidence_files is None:
        raise RenderError(
            "--format pack needs --evidence-dir: the folder the register's files are kept in"
        )
    data = dict(options.evidence_files)
    used: set[str] = {"manifest.json"}
    names = {path: _arcname(path, used) for path in sorted(data)}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        entries = [("manifest.json", canonical_json(manifest(view, names)))]
        entries += [(names[path], data[path]) for path in sorted(data)]
        for name, payload in entries:
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, payload)
    return buffer.getvalue()
