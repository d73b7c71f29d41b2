"""Portfolio roll-up: matrix, shared gaps once, duties and evidence gathered, safe outputs."""

from __future__ import annotations

import io
import json
from datetime import date

import pytest
from report_fixtures import HOSTILE, make_case, make_catalog

from assessor.domain.models import Assessment, Catalog
from assessor.render import portfolio as portfolio_render
from assessor.render import registry
from assessor.run.files import unique_slugs
from assessor.views import portfolio

AS_OF = date(2026, 11, 29)
INSIDE = (date(2023, 7, 1), date(2024, 6, 30))
AFTER = (date(2025, 1, 1), date(2025, 12, 31))


def _units(
    catalog: Catalog,
    specs: list[tuple[str, tuple[date, date] | None, tuple[tuple[str, str | None], ...]]],
) -> list[Assessment]:
    out = []
    for name, period, rows in specs:
        assessment, _, _ = make_case(
            n=len(rows), rows=rows, unit=name, period=period, catalog=catalog
        )
        out.append(assessment)
    return out


def _view(assessments: list[Assessment], catalog: Catalog) -> portfolio.PortfolioView:
    return portfolio.build_portfolio(
        assessments,
        catalog,
        slugs=unique_slugs([a.business_unit.name for a in assessments]),
        organization="Contoso Group",
        as_of=AS_OF,
        tool_version="0.0.0-test",
    )


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return make_catalog()


def test_gap_shared_by_three_units_is_listed_once_naming_all_three(catalog: Catalog) -> None:
    rows = (("NIST SP 800-53", "nist-800-53"), ("ISO 27001", "iso-27001"))
    view = _view(
        _units(
            catalog,
            [
                ("Contoso Retail", INSIDE, rows),
                ("Contoso Health", INSIDE, rows),
                ("Fabrikam Finance", AFTER, (("NIST 800-53 rev5", "nist-800-53"),)),
            ],
        ),
        catalog,
    )
    nist = [g for g in view.gaps if g.framework_id == "nist-800-53"]
    assert len(nist) == 1
    assert nist[0].units == ("Contoso Health", "Contoso Retail", "Fabrikam Finance")
    assert set(nist[0].requirements) == {"NIST SP 800-53", "NIST 800-53 rev5"}
    assert view.totals.gaps_shared == 1


def test_matrix_cell_shows_the_weakest_status_and_a_dash_where_not_required(
    catalog: Catalog,
) -> None:
    view = _view(
        _units(
            catalog,
            [
                ("Inside", INSIDE, (("ISO 27001", "iso-27001"), ("PCI", "pci-dss"))),
                ("After", AFTER, (("ISO 27001", "iso-27001"),)),
            ],
        ),
        catalog,
    )
    cells = {
        (row.unit, fw.id): cell
        for block in view.matrix
        for row in block.rows
        for fw, cell in zip(block.frameworks, row.cells, strict=True)
    }
    assert cells[("Inside", "iso-27001")].status == "covered"
    # After MMD's end of life the held certification is never "covered".
    assert cells[("After", "iso-27001")].status == "partial"
    assert cells[("After", "pci-dss")].status is None
    assert view.units_after_end_of_life == ("After",)


def test_weakest_finding_wins_when_a_unit_lists_a_framework_twice(catalog: Catalog) -> None:
    rows = (("ISO 27001", "iso-27001"), ("NIST CSF", "nist-csf"), ("SOC 2", "soc-2"))
    (one,) = _units(catalog, [("Solo", INSIDE, rows)])
    gap = next(f for f in one.findings if f.status == "gap")
    covered = next(f for f in one.findings if f.status == "covered")
    # Same framework twice: once covered, once a gap -> the matrix says gap.
    twisted = one.model_copy(
        update={"findings": (covered, gap.model_copy(update={"framework": covered.framework}))}
    )
    (other,) = _units(catalog, [("Other", INSIDE, rows)])
    view = _view([twisted, other], catalog)
    row = next(r for b in view.matrix for r in b.rows if r.unit == "Solo")
    fw_ids = [fw.id for b in view.matrix for fw in b.frameworks]
    assert row.cells[fw_ids.index(covered.framework.id)].status == "gap"  # type: ignore[union-attr]


def test_each_stp_document_is_requested_once_for_the_organization(catalog: Catalog) -> None:
    rows = (("ISO 27001", "iso-27001"), ("ISO 27018", "iso-27018"))
    view = _view(
        _units(catalog, [("A", INSIDE, rows), ("B", INSIDE, rows), ("C", AFTER, rows)]), catalog
    )
    titles = [item.title for group in view.evidence for item in group.items]
    assert titles and len(titles) == len(set(titles))
    iso = next(i for g in view.evidence for i in g.items if "27001 audit" in i.title)
    assert iso.units == ("A", "B", "C")
    assert "ISO/IEC 27001" in iso.frameworks or "ISO 27001" in iso.frameworks
    assert view.totals.evidence_documents == len(titles)


def test_customer_duties_are_gathered_once_with_their_units(catalog: Catalog) -> None:
    rows = (("SOC 2", "soc-2"),)
    view = _view(_units(catalog, [("A", INSIDE, rows), ("B", INSIDE, rows)]), catalog)
    (group,) = [g for g in view.duties if g.framework_id == "soc-2"]
    texts = [d.text for d in group.duties]
    assert len(texts) == len(set(texts)) >= 1
    assert all(d.units == ("A", "B") for d in group.duties)


def test_unrecognized_entries_are_grouped_with_named_suggestions(catalog: Catalog) -> None:
    rows = (("Acme internal policy 7", None), ("SOC 2", "soc-2"))
    view = _view(_units(catalog, [("A", INSIDE, rows), ("B", INSIDE, rows)]), catalog)
    (item,) = view.unrecognized
    assert item.units == ("A", "B")
    assert "ISO/IEC 27001" in item.suggestions  # names, not ids


def test_coverage_counts_add_up_per_unit_and_overall(catalog: Catalog) -> None:
    rows = (("ISO 27001", "iso-27001"), ("NIST CSF", "nist-csf"), ("SOX", "sox"), ("x", None))
    view = _view(_units(catalog, [("A", INSIDE, rows), ("B", AFTER, rows)]), catalog)
    for unit in view.units:
        assert unit.covered + unit.partial + unit.gap + unit.unrecognized == unit.total == 4
    a = next(u for u in view.units if u.name == "A")
    assert (a.covered, a.coverage) == (1, 25)
    t = view.totals
    assert t.covered + t.partial + t.gap + t.unrecognized == t.findings == 8


def test_portfolio_json_is_strict_sorted_and_deterministic(catalog: Catalog) -> None:
    rows = (("ISO 27001", "iso-27001"), ("NIST CSF", "nist-csf"))
    units = _units(catalog, [("A", INSIDE, rows), ("B", AFTER, rows)])
    first = portfolio_render.render_json(_view(units, catalog))
    again = portfolio_render.render_json(_view(list(reversed(units)), catalog))
    assert first == again
    data = json.loads(first, parse_constant=lambda c: pytest.fail(f"non-JSON constant {c}"))
    assert data["schema_version"] == 2
    assert data["matrix"] == {
        "A": {"iso-27001": "covered", "nist-csf": "gap"},
        "B": {"iso-27001": "partial", "nist-csf": "gap"},
    }
    assert first.decode() == json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def test_hostile_unit_names_stay_text_in_html_and_xlsx(catalog: Catalog) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    rows = (("ISO 27001", "iso-27001"),)
    names = [h.replace("{port}", "9") for h in HOSTILE]
    view = _view(_units(catalog, [(n, INSIDE, rows) for n in names]), catalog)
    html = portfolio_render.render_html(view)
    assert "<script>" not in html and "<b>bold</b>" not in html
    assert "&lt;b&gt;bold&lt;/b&gt;" in html
    wb = openpyxl.load_workbook(io.BytesIO(portfolio_render.render_xlsx(view)))
    seen = set()
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{ws.title}!{cell.coordinate} is a formula"
                if isinstance(cell.value, str):
                    seen.add(cell.value)
    assert set(names) <= seen


def test_portfolio_formats_always_include_json_and_xlsx() -> None:
    assert registry.portfolio_formats(("pdf", "json")) == ("pdf", "json", "xlsx")
    assert registry.portfolio_formats(("json",)) == ("json", "xlsx")
    assert registry.portfolio_formats(("html", "xlsx")) == ("html", "json", "xlsx")


@pytest.mark.slow
def test_portfolio_pdf_names_units_statuses_and_pages(catalog: Catalog) -> None:
    pypdf = pytest.importorskip("pypdf")
    rows = (("ISO 27001", "iso-27001"), ("NIST CSF", "nist-csf"), ("PCI", "pci-dss"))
    view = _view(
        _units(catalog, [("Contoso Retail", INSIDE, rows), ("Fabrikam Payments", AFTER, rows)]),
        catalog,
    )
    reader = pypdf.PdfReader(io.BytesIO(portfolio_render.render_pdf(view)))
    text = "\n".join(page.extract_text() for page in reader.pages)
    pages = len(reader.pages)
    assert f"Page 1 of {pages}" in text
    for needle in (
        "Contoso Retail",
        "Fabrikam Payments",
        "Covered",
        "Partial",
        "Gap",
        "Evidence request list",
    ):
        assert needle in text
    assert reader.metadata is not None and reader.metadata.title == view.title


def test_undated_end_of_life_is_after_it_in_the_report_and_the_portfolio_alike() -> None:
    """Both views ask rules.after_end_of_life: an end of life without a date covers no period."""
    from assessor.views.report import build_view

    base = make_catalog()
    service = base.services[0]
    undated = service.model_copy(
        update={"lifecycle": service.lifecycle.model_copy(update={"end_of_life": None})}
    )
    catalog = base.model_copy(update={"services": (undated,)})
    assessment, _, intake = make_case(n=2, period=INSIDE, catalog=catalog)
    report = build_view(assessment, catalog, intake=intake, tool_version="x")
    view = _view([assessment], catalog)
    assert report.period_after_eol
    assert view.units_after_end_of_life == (assessment.business_unit.name,)
    assert report.lifecycle_statement == service.lifecycle.statement  # no date to state
    assert view.lifecycle_note == service.lifecycle.statement
