"""View building: ordering, counts, marks, grouping, reconciliation and the JSON contract."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import jsonschema
import pytest
from report_fixtures import make_case, real_case

from assessor.domain.errors import RenderError
from assessor.domain.models import CellRef, Finding
from assessor.domain.text import canonical_json, long_date
from assessor.render import RenderOptions, registry, render
from assessor.views.common import anchor as _anchor
from assessor.views.report import build_view
from assessor.views.report_json import view_json

SCHEMA = json.loads((Path(__file__).parent.parent / "docs" / "report-schema.json").read_text())
CONTRACT_KEYS = {
    "schema_version",
    "business_unit",
    "organization",
    "as_of",
    "catalog",
    "source",
    "services",
    "summary",
    "findings",
    "rejected_rows",
    "period",  # optional in the schema (reports written before it lack it); always written now
}


def _view(**kw: object):  # type: ignore[no-untyped-def]
    assessment, catalog, intake = make_case(**kw)  # type: ignore[arg-type]
    return build_view(assessment, catalog, intake=intake, tool_version="9.9.9")


def test_summary_counts_add_up_to_findings_and_match_statuses() -> None:
    view = _view()
    assert view.total == 15
    assert sum(c.count for c in view.status_counts) == view.total
    assert sum(c.count for c in view.responsibility_counts) == view.total
    by_key = {c.key: c.count for c in view.status_counts}
    assert by_key == {"covered": 7, "partial": 3, "gap": 3, "unrecognized": 2}
    assert view.shared_count == sum(1 for f in view.findings if f.responsibility == "shared")


def test_findings_follow_workbook_order_even_when_engine_order_differs() -> None:
    assessment, catalog, intake = make_case()
    shuffled = assessment.model_copy(update={"findings": tuple(reversed(assessment.findings))})
    view = build_view(shuffled, catalog, intake=intake, tool_version="x")
    assert [f.source.row for f in view.findings] == sorted(f.source.row for f in view.findings)
    assert [f.ref for f in view.findings][:3] == ["F-001", "F-002", "F-003"]


def test_every_shared_finding_is_marked_shared_and_no_other() -> None:
    view = _view()
    for f in view.findings:
        assert f.shared is (f.responsibility == "shared")


def test_evidence_document_listed_once_even_when_several_frameworks_need_it() -> None:
    view = _view()
    titles = [item.title for s in view.evidence_sections for item in s.items]
    assert len(titles) == len(set(titles))
    bridge = next(i for s in view.evidence_sections for i in s.items if "bridge" in i.title)
    assert len(bridge.frameworks) >= 2
    assert bridge.self_attested
    soc2 = next(i for s in view.evidence_sections for i in s.items if "SOC 2 Type 2" in i.title)
    assert soc2.restricted


def test_evidence_sections_follow_catalog_stp_order() -> None:
    view = _view()
    assert [s.key for s in view.evidence_sections] == ["iso", "soc", "pci", "legal"]


def test_reconciliation_accounts_for_every_source_row_of_the_unit() -> None:
    assessment, catalog, intake = make_case()
    view = build_view(assessment, catalog, intake=intake, tool_version="x")
    rows = {(r.sheet, r.row) for r in view.reconciliation}
    expected = {(q.source.sheet, q.source.row) for q in intake.requirements}
    expected |= {(r.sheet, r.row) for r in intake.rejected}
    assert rows == expected
    rejected = [r for r in view.reconciliation if r.outcome == "rejected"]
    assert {r.results[0] for r in rejected} == {
        "Rejected: no framework named in column B",
        "Rejected: blank framework cell",
    }


def test_cell_naming_several_frameworks_reconciles_to_one_row_with_several_findings() -> None:
    assessment, catalog, intake = make_case(n=2)
    first = assessment.findings[0]
    extra = first.model_copy(update={"requirement": "SOC 2"})
    two = assessment.model_copy(update={"findings": (first, extra, assessment.findings[1])})
    view = build_view(two, catalog, intake=intake, tool_version="x")
    row = next(r for r in view.reconciliation if r.row == first.source.row)
    assert len(row.results) == 2
    assert len(view_json(view)["findings"]) == 3


def test_period_after_end_of_life_is_stated_on_the_view() -> None:
    view = _view(period=(date(2024, 7, 1), date(2025, 6, 30)))
    assert view.period_after_eol
    assert "reached end of life on 31 July 2024" in view.lifecycle_statement
    assert "end of life" in view.key_gaps
    inside = _view()
    assert not inside.period_after_eol
    assert "reached end of life on 31 July 2024" in inside.lifecycle_statement


def test_key_gaps_names_gap_frameworks_and_unrecognized_entries() -> None:
    view = _view()
    assert "NIST SP 800-53" in view.key_gaps
    assert "FedRAMP" in view.key_gaps
    assert "'Acme internal policy 7'" in view.key_gaps
    assert "SHARED" in view.key_gaps


def test_empty_unit_builds_a_view_without_division_by_zero() -> None:
    view = _view(n=0)
    assert view.total == 0
    assert all(c.percent == 0 for c in view.status_counts)
    assert all(b.width == 0 for b in view.chart.bars)
    assert view.key_gaps == "The business unit lists no requirements."


def test_chart_bar_widths_scale_to_the_largest_count() -> None:
    view = _view()
    widths = {b.status: b.width for b in view.chart.bars}
    assert widths["covered"] == 300
    assert 0 < widths["unrecognized"] < widths["partial"] <= widths["covered"]


def test_long_date_is_locale_independent() -> None:
    assert long_date(date(2024, 7, 31)) == "31 July 2024"


def test_json_has_exactly_the_contract_top_level_names() -> None:
    data = view_json(_view())
    assert set(data) == CONTRACT_KEYS
    assert set(data["summary"]) == {"covered", "partial", "gap", "unrecognized", "evidence"}
    assert set(data["summary"]["evidence"]) == {
        "on-file",
        "period-gap",
        "expired",
        "service-not-listed",
        "to-request",
    }
    finding = data["findings"][0]
    for key in (
        "source",
        "requirement",
        "framework",
        "status",
        "responsibility",
        "certifications",
        "evidence",
        "customer_actions",
        "caveats",
        "suggestions",
    ):
        assert key in finding
    assert set(finding["source"]) == {"file", "sheet", "row"}
    assert {"title", "kind", "stp_section", "state", "on_file", "uncovered"} <= set(
        finding["evidence"][0]
    )
    assert set(data["rejected_rows"][0]) == {"sheet", "row", "reason"}


@pytest.mark.parametrize("n", [0, 1, 15, 40])
def test_json_output_validates_against_the_documented_schema(n: int) -> None:
    data = json.loads(render(_view(n=n), "json"))
    jsonschema.validate(data, SCHEMA)


def test_unrecognized_finding_serializes_framework_as_null() -> None:
    data = view_json(_view())
    unknown = [f for f in data["findings"] if f["status"] == "unrecognized"]
    assert unknown and all(f["framework"] is None and f["suggestions"] for f in unknown)


def test_json_refuses_nan_instead_of_writing_invalid_json() -> None:
    with pytest.raises(ValueError):
        canonical_json({"x": float("nan")})


def test_unknown_format_is_a_render_error() -> None:
    with pytest.raises(RenderError):
        render(_view(), "odt")
    assert registry.names() == ("pdf", "html", "json", "xlsx", "oscal", "pack", "docx")


def test_json_bytes_identical_for_identical_inputs() -> None:
    assert render(_view(), "json") == render(_view(), "json")


def test_finding_from_a_sheet_not_in_sheets_read_still_sorts_last() -> None:
    assessment, catalog, intake = make_case(n=3)
    stray = Finding(
        source=CellRef(file="f.xlsx", sheet="Zzz", row=1),
        requirement="SOC 2",
        framework=None,
        status="unrecognized",
        responsibility="customer",
        certifications=(),
        evidence=(),
        customer_actions=(),
        caveats=(),
        suggestions=(),
        rationale="",
    )
    moved = assessment.model_copy(update={"findings": (stray, *assessment.findings)})
    view = build_view(moved, catalog, intake=intake, tool_version="x")
    assert view.findings[-1].source.sheet == "Zzz"


def test_render_options_default_to_plain_pdf() -> None:
    assert RenderOptions().pdf_variant is None


# ---------------------------------------------------------------------------
# The shipped catalog and the real engine (no workbook needed)


def test_real_catalog_view_resolves_every_evidence_section_to_a_known_stp_place() -> None:
    from report_fixtures import real_case

    assessment, catalog, intake = real_case()
    view = build_view(assessment, catalog, intake=intake, tool_version="x")
    known = {s.name for s in catalog.stp.sections}
    assert view.evidence_sections
    assert {s.name for s in view.evidence_sections} <= known
    titles = [i.title for s in view.evidence_sections for i in s.items]
    assert len(titles) == len(set(titles))
    jsonschema.validate(json.loads(render(view, "json")), SCHEMA)


def test_real_catalog_labels_use_short_names_with_the_version_asked_for() -> None:
    from report_fixtures import real_case

    assessment, catalog, intake = real_case()
    view = build_view(assessment, catalog, intake=intake, tool_version="x")
    labels = {f.requirement: f.framework_label for f in view.findings}
    assert labels["ISO/IEC 27001:2022"] == "ISO/IEC 27001:2022"
    assert labels["SOX"] == "SOX"


def test_real_engine_after_end_of_life_never_shows_covered_in_any_output() -> None:
    from report_fixtures import real_case

    assessment, catalog, intake = real_case(period=(date(2024, 7, 1), date(2025, 6, 30)))
    view = build_view(assessment, catalog, intake=intake, tool_version="x")
    assert view.period_after_eol
    assert next(c for c in view.status_counts if c.key == "covered").count == 0
    assert json.loads(render(view, "json"))["summary"]["covered"] == 0
    assert "reached end of life on 31 July 2024" in view.lifecycle_statement


def test_documented_schema_is_itself_valid_and_pins_the_top_level_names() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    assert set(SCHEMA["required"]) == CONTRACT_KEYS - {"period"}
    assert set(SCHEMA["properties"]) == CONTRACT_KEYS
    assert SCHEMA["additionalProperties"] is False


def test_every_finding_rationale_appears_once_under_its_framework() -> None:
    view = _view()
    reasons = {r.text: r.refs for fw in view.frameworks for r in fw.reasons}
    for f in view.findings:
        if f.framework is not None and f.rationale:
            assert f.ref in reasons[f.rationale].split(", ")


@pytest.mark.parametrize("real", [False, True])
def test_each_certification_relied_on_gets_one_numbered_block_in_catalog_order(real: bool) -> None:
    assessment, catalog, intake = real_case() if real else make_case()
    view = build_view(assessment, catalog, intake=intake, tool_version="x")
    used = {c for f in view.findings for c in f.certifications}
    ids = [c.id for c in view.certifications]
    assert set(ids) == used and len(ids) == len(used)
    order = [c.id for c in catalog.certifications]
    assert ids == sorted(ids, key=order.index)
    assert [c.number for c in view.certifications] == [f"C-{i:02d}" for i in range(1, len(ids) + 1)]
    anchors = [c.anchor for c in view.certifications]
    assert len(set(anchors)) == len(anchors)
    assert all(re.fullmatch(r"cert-[a-z0-9-]+", a) for a in anchors)


@pytest.mark.parametrize("real", [False, True])
def test_no_caveat_or_duty_is_dropped_when_certification_text_moves_to_its_block(
    real: bool,
) -> None:
    assessment, catalog, intake = real_case() if real else make_case()
    view = build_view(assessment, catalog, intake=intake, tool_version="x")
    blocks = {c.id: c for c in view.certifications}
    for fw in view.frameworks:
        items = [f for f in view.findings if f.framework and f.framework.id == fw.key]
        rests_on = {c for f in items for c in f.certifications}
        assert {r.anchor for r in fw.cert_refs} == {blocks[c].anchor for c in rests_on}
        shown = set(fw.own_caveats) | {v for c in rests_on for v in blocks[c].caveats}
        assert {v for f in items for v in f.caveats} <= shown
        checklist = {i for g in view.checklist if g.name == fw.name for i in g.items}
        assert {a for f in items for a in f.customer_actions} <= checklist
        assert set(fw.own_actions) <= checklist
        listed = {e.title for e in fw.own_evidence} | {
            e.title for c in rests_on for e in blocks[c].evidence
        }
        assert {e.title for f in items for e in f.evidence} <= listed


def test_certification_anchor_is_built_from_the_catalog_id_never_raw() -> None:
    assert _anchor("cert", 'x"><script>alert(1)</script> url(http://e/)') == (
        "cert-x-script-alert-1-script-url-http-e"
    )
    assert _anchor("cert", "\"'<>") == "cert-x"


def test_the_schema_lists_exactly_the_reason_codes_the_rules_can_return() -> None:
    """docs/report-schema.json's reason code enum is ReasonCode, no more and no less."""
    from typing import get_args

    from assessor.domain.models import ReasonCode

    enum = SCHEMA["$defs"]["reason"]["properties"]["code"]["enum"]
    assert sorted(enum) == sorted(get_args(ReasonCode))
