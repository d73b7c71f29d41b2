"""The committed examples: regenerate byte-for-byte and turn into unit reports plus a portfolio."""

from __future__ import annotations

import hashlib
import importlib.util
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from assessor.run import batch, summary
from assessor.run.options import BatchOptions

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
UNITS = {
    "Contoso Retail",
    "Contoso Health",
    "Contoso Health Labs",
    "Fabrikam Finance",
    "Fabrikam Payments",
    "Fabrikam Insurance",
    "Northwind Logistics",
    "Northwind Travel",
    "Woodgrove Research",
}


def _generator() -> Any:
    spec = importlib.util.spec_from_file_location("make_examples", EXAMPLES / "make_examples.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _run(out: Path, formats: str) -> int:
    options = BatchOptions.from_cli(
        out=out,
        formats=formats,
        organization="Contoso Group",
        as_of="2026-11-29",
        pdf_variant=None,
        fail_on=None,
        workers=2,
        overwrite=False,
        merge_units=False,
    )
    return summary.run_cli([EXAMPLES], options)


def _report(out: Path, data: dict[str, Any], unit: str) -> dict[str, Any]:
    slug = next(u["slug"] for u in data["business_units"] if u["name"] == unit)
    report: dict[str, Any] = json.loads((out / f"{slug}.json").read_text(encoding="utf-8"))
    return report


def test_committed_examples_match_their_generator(tmp_path: Path) -> None:
    # openpyxl serializes XML with lxml when it is installed and with ElementTree otherwise
    # (different bytes); the committed examples use ElementTree, fixed by OPENPYXL_LXML=False,
    # which must be set before openpyxl is imported: hence a process of its own.
    generator = _generator()
    env = {**os.environ, "OPENPYXL_LXML": "False", "PYTHONPATH": str(EXAMPLES.parent)}
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / "make_examples.py"), str(tmp_path)],
        env=env,
        capture_output=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    for name in generator.EXAMPLES:
        assert (tmp_path / name).read_bytes() == (EXAMPLES / name).read_bytes(), (
            f"examples/{name} is stale: run OPENPYXL_LXML=False python examples/make_examples.py"
        )
    for rel, data in generator.EVIDENCE_FILES.items():
        assert (tmp_path / "evidence" / rel).read_bytes() == data
        assert (EXAMPLES / "evidence" / rel).read_bytes() == data


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    out = tmp_path_factory.mktemp("demo") / "out"
    assert _run(out, "json,xlsx") == batch.EXIT_OK
    return out, json.loads((out / "manifest.json").read_text(encoding="utf-8"))


def test_examples_give_every_unit_a_report_and_a_portfolio(
    demo: tuple[Path, dict[str, Any]],
) -> None:
    out, data = demo
    assert {u["name"] for u in data["business_units"]} == UNITS
    assert all(i["status"] == "ok" for i in data["inputs"])
    assert len(data["inputs"]) >= 4
    for unit in data["business_units"]:
        assert (out / f"{unit['slug']}.json").is_file()
        assert (out / f"{unit['slug']}.xlsx").is_file()
    portfolio = json.loads((out / "portfolio.json").read_text(encoding="utf-8"))
    assert {u["name"] for u in portfolio["units"]} == UNITS


def test_unit_audited_inside_the_service_life_has_covered_findings(
    demo: tuple[Path, dict[str, Any]],
) -> None:
    out, data = demo
    retail = _report(out, data, "Contoso Retail")
    assert retail["summary"]["covered"] >= 1
    assert retail["summary"]["gap"] >= 1  # CCPA/CPRA: nothing MMD holds supports it


def test_units_judged_after_end_of_life_have_nothing_covered(
    demo: tuple[Path, dict[str, Any]],
) -> None:
    out, data = demo
    # Fabrikam Payments: audited 2025; the unlisted units are judged at the 2026 as-of date.
    for unit in ("Fabrikam Payments", "Contoso Health", "Northwind Travel"):
        report = _report(out, data, unit)
        assert report["summary"]["covered"] == 0, unit
        assert report["summary"]["partial"] >= 1, unit


def test_messy_register_splits_cells_keeps_merged_units_and_skips_hidden_sheet(
    demo: tuple[Path, dict[str, Any]],
) -> None:
    out, data = demo
    health = _report(out, data, "Contoso Health")
    by_row: dict[int, set[str]] = {}
    for finding in health["findings"]:
        framework = finding["framework"]["id"] if finding["framework"] else None
        by_row.setdefault(finding["source"]["row"], set()).add(framework or "?")
    assert len(by_row[7]) == 3  # "SOC 1/2/3" -> three frameworks from one row
    assert len(by_row[8]) == 3  # "ISO 27001, 27017 and 27018"
    assert len(by_row[6]) == 2  # "HIPAA / HITRUST"
    assert 10 not in by_row  # the duplicate of row 6 is rejected, not assessed twice
    assert health["summary"]["unrecognized"] >= 1  # the in-house standard
    sheets = {f["source"]["sheet"] for f in health["findings"]}
    assert sheets == {"FY24 register"}  # nothing from the hidden sheet of old data
    labs = _report(out, data, "Contoso Health Labs")
    assert {f["source"]["row"] for f in labs["findings"]} >= {12, 13, 14, 15}


GOLD = Path(__file__).resolve().parent / "gold" / "examples"
UPDATE_GOLD = os.environ.get("ASSESSOR_UPDATE_GOLD") == "1"


def _pdf_hashes(out: Path) -> str:
    return "".join(
        f"{hashlib.sha256(pdf.read_bytes()).hexdigest()}  {pdf.name}\n"
        for pdf in sorted(out.glob("*.pdf"))
    )


@pytest.mark.slow
def test_demo_renders_unit_pdfs_and_portfolio_pdf_byte_for_byte_as_the_golden_files(
    tmp_path: Path,
) -> None:
    """Every example's JSON and PDF equal tests/gold/examples (ASSESSOR_UPDATE_GOLD=1 rewrites)."""
    pypdf = pytest.importorskip("pypdf")
    out = tmp_path / "out"
    assert _run(out, "pdf,json") == batch.EXIT_OK
    assert (out / "portfolio.pdf").is_file()
    pdfs = sorted(out.glob("*.pdf"))
    assert len(pdfs) == len(UNITS) + 1
    reader = pypdf.PdfReader(io.BytesIO((out / "portfolio.pdf").read_bytes()))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert f"Page 1 of {len(reader.pages)}" in text
    for unit in UNITS:
        assert unit in text
    produced = sorted(p.name for p in out.glob("*.json") if p.name != "manifest.json")
    if UPDATE_GOLD:
        for old in GOLD.glob("*.json"):
            old.unlink()
        for name in produced:
            (GOLD / name).write_bytes((out / name).read_bytes())
        (GOLD / "pdf.sha256").write_text(_pdf_hashes(out), encoding="utf-8")
    assert produced == sorted(p.name for p in GOLD.glob("*.json"))
    for name in produced:
        assert (out / name).read_bytes() == (GOLD / name).read_bytes(), f"{name} differs"
    assert _pdf_hashes(out) == (GOLD / "pdf.sha256").read_text(encoding="utf-8")
