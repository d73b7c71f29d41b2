"""The output-format registry: adding a format is one entry, read by every face."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from intake_fixtures import write_xlsx

from assessor.domain.errors import OutputError, RenderError
from assessor.render import registry
from assessor.render.options import RenderOptions
from assessor.run import batch, summary
from assessor.run.options import BatchOptions
from assessor.run.pipeline import parse_formats
from assessor.views.portfolio import PortfolioView
from assessor.views.report import ReportView


def _unit_txt(view: ReportView, options: RenderOptions) -> bytes:
    return f"{view.business_unit}: {len(view.findings)} findings\n".encode()


def _portfolio_txt(view: PortfolioView, options: RenderOptions) -> bytes:
    return f"{len(view.units)} units\n".encode()


@pytest.fixture
def txt_format() -> Iterator[None]:
    registry.register(
        registry.OutputFormat(
            "txt", ".txt", "text/plain", "Text summary", _unit_txt, _portfolio_txt
        )
    )
    try:
        yield
    finally:
        registry.unregister("txt")


def test_shipped_formats_in_canonical_order() -> None:
    assert registry.names() == ("pdf", "html", "json", "xlsx", "oscal", "pack", "docx")
    assert registry.suffixes() == (
        ".pdf",
        ".html",
        ".json",
        ".xlsx",
        ".oscal.json",
        ".evidence.zip",
        ".docx",
    )
    assert [f.name for f in registry.web_formats()] == ["pdf", "json", "xlsx", "docx"]


def test_portfolio_always_gets_json_and_xlsx_and_what_units_get() -> None:
    assert registry.portfolio_formats(("pdf", "json")) == ("pdf", "json", "xlsx")
    assert registry.portfolio_formats(("html",)) == ("html", "json", "xlsx")


def test_unknown_format_names_the_known_ones() -> None:
    with pytest.raises(RenderError) as err:
        registry.get("odt")
    assert "pdf, html, json, xlsx" in " ".join(err.value.lines())


def test_a_format_registered_once_is_accepted_written_and_checked_by_the_batch(
    tmp_path: Path, txt_format: None
) -> None:
    assert parse_formats("txt,json") == ("json", "txt")
    assert ".txt" in registry.suffixes()
    folder = tmp_path / "in"
    folder.mkdir()
    write_xlsx(
        folder / "a.xlsx",
        {
            "Requirements": [
                ["Business unit", "Framework"],
                ["Retail", "SOC 2"],
                ["Ops", "ISO 27001"],
            ]
        },
    )
    out = tmp_path / "out"
    options = BatchOptions.from_cli(
        out=out,
        formats="txt,json",
        organization="",
        as_of="2026-11-29",
        pdf_variant=None,
        fail_on=None,
        workers=1,
        overwrite=False,
        merge_units=False,
    )
    assert summary.run_cli([folder], options) == batch.EXIT_OK
    assert (out / "retail.txt").read_text() == "Retail: 1 findings\n"
    assert (out / "portfolio.txt").read_text() == "2 units\n"
    manifest = json.loads((out / "manifest.json").read_text())
    assert any(o["path"] == "ops.txt" for i in manifest["inputs"] for o in i["outputs"])
    for other in out.iterdir():  # leave only the new format's files
        if other.suffix != ".txt":
            other.unlink()
    with pytest.raises(OutputError, match="already holds reports"):
        summary.run_cli([folder], options)
