"""The diff in each format: a terminal table, JSON, and the "changes since" HTML and PDF."""

from __future__ import annotations

import textwrap

from assessor.domain.errors import RenderError
from assessor.domain.text import canonical_json
from assessor.views.diff import DiffView, diff_json

DIFF_TEMPLATE = "diff.html.j2"
FORMATS = ("json", "html", "pdf")  # what `assessor diff --format` writes besides the table
_WIDTHS = (24, 34, 25)  # unit, requirement (cell), old -> new; causes take the rest


def render_json(view: DiffView) -> bytes:
    """The diff's JSON contract (docs/diff-schema.json), canonical bytes."""
    try:
        return canonical_json(diff_json(view))
    except ValueError as exc:
        raise RenderError(f"diff JSON could not be written: {exc}") from exc


def render_html(view: DiffView) -> str:
    """The "changes since" document as standalone HTML (the reports' CSS, inlined)."""
    from assessor.render.html import render_template

    return render_template(DIFF_TEMPLATE, view=view)


def render_pdf(view: DiffView) -> bytes:
    """The "changes since" document as PDF, for an auditor to attach."""
    from assessor.render.pdf import html_to_pdf

    return html_to_pdf(
        render_html(view),
        title=view.title,
        subject=f"Changes in the evidence gap reports from {view.since_label} to {view.new_label}",
        created=view.new.as_of,
    )


def render(view: DiffView, fmt: str) -> bytes:
    """One of FORMATS as bytes."""
    if fmt == "json":
        return render_json(view)
    if fmt == "html":
        return render_html(view).encode("utf-8")
    if fmt == "pdf":
        return render_pdf(view)
    raise RenderError(f"unknown diff format {fmt!r}", hint=f"choose from {', '.join(FORMATS)}")


def _cell(text: str, width: int) -> list[str]:
    return textwrap.wrap(text, width, break_on_hyphens=False) or [""]


def render_table(view: DiffView, width: int = 140) -> str:
    """A plain-text table for the terminal: unit, requirement, old → new, causes."""
    causes_width = max(30, width - sum(_WIDTHS) - 3 * 3)
    widths = (*_WIDTHS, causes_width)
    lines = [
        f"{view.title} (as of {view.old.as_of.isoformat()} \u2192 {view.new.as_of.isoformat()})",
        f"old: {view.old.file}  catalog {view.old.catalog_sha256[:12]}",
        f"new: {view.new.file}  catalog {view.new.catalog_sha256[:12]}",
        "",
    ]
    header = ("Unit", "Requirement", "Status", "Causes")
    rule = "-+-".join("-" * w for w in widths)
    lines += [" | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip(), rule]
    for unit in view.units:
        for change in unit.changes:
            old = change.old_status or "(added)"
            new = change.new_status or "(removed)"
            status = f"{old} \u2192 {new}" + (" (worse)" if change.regression else "")
            if change.old_status == change.new_status:
                status += " (reasons changed)"
            req = f"{change.location} {change.requirement}"
            causes = [f"{c.cause}: {c.detail}" for c in change.causes]
            columns = [
                _cell(unit.business_unit, widths[0]),
                _cell(req, widths[1]),
                _cell(status, widths[2]),
                [line for c in causes for line in _cell(c, widths[3])],
            ]
            for i in range(max(len(c) for c in columns)):
                row = [(col[i] if i < len(col) else "") for col in columns]
                lines.append(
                    " | ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip()
                )
    if not view.units:
        lines.append("no requirement changed its status or reasons")
    lines.append("")
    lines.append(f"units added: {', '.join(view.added_units) or 'none'}")
    lines.append(f"units removed: {', '.join(view.removed_units) or 'none'}")
    changes = sum(len(u.changes) for u in view.units)
    lines.append(f"{changes} change(s), {view.regressions} got worse")
    return "\n".join(lines) + "\n"
