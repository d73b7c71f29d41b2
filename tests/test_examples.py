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
    "Tailspin Devices FY2024",
    "Tailspin Devices FY2025",
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


def test_units_on_mmd_after_its_retirement_are_gaps_that_name_the_retirement(
    demo: tuple[Path, dict[str, Any]],
) -> None:
    out, data = demo
    # Fabrikam Payments: audited 2025; the unlisted units are judged at the 2026 as-of date.
    for unit in ("Fabrikam Payments", "Contoso Health", "Northwind Travel"):
        report = _report(out, data, unit)
        assert report["summary"]["covered"] == report["summary"]["partial"] == 0, unit
        for finding in report["findings"]:
            if finding["framework"] is not None:
                assert finding["status"] == "gap", (unit, finding["id"])
                codes = [r["code"] for r in finding["reasons"]]
                assert "service-retired" in codes or "no-certification" in codes, codes
    payments = _report(out, data, "Fabrikam Payments")
    assert "retired on 31 July 2024" in payments["findings"][0]["rationale"]


def test_tailspin_before_and_after_mmd(demo: tuple[Path, dict[str, Any]]) -> None:
    """FY2024 on MMD keeps its covered findings; FY2025 on Intune + Autopatch is covered only
    where a dated source shows every service in scope (FedRAMP High, on Intune alone)."""
    out, data = demo
    fy24 = _report(out, data, "Tailspin Devices FY2024")
    fy25 = _report(out, data, "Tailspin Devices FY2025")
    assert [s["id"] for s in fy24["services"]] == ["mmd"]
    assert [s["id"] for s in fy25["services"]] == ["intune", "windows-autopatch"]

    def by_text(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
        return {f["requirement"]: f for f in report["findings"]}

    before, after = by_text(fy24), by_text(fy25)
    assert before["ISO/IEC 27001"]["status"] == "covered"
    iso = after["ISO/IEC 27001"]
    assert iso["status"] == "partial"
    codes = {(r["code"], r.get("service_id")) for r in iso["reasons"] if r["effect"] == "blocks"}
    assert ("scope-last-seen", "intune") in codes
    assert ("scope-unconfirmed", "windows-autopatch") in codes
    assert "last shown in scope for ISO/IEC 27001 on 11 July 2022" in iso["rationale"]
    fedramp = after["FedRAMP High"]  # the row's own Service: Intune alone
    assert fedramp["status"] == "covered"
    assert [s["service"] for s in fedramp["service_scope"]] == ["intune"]
    # the unit's services: IL5 is on the Azure Government table only (not commercial Intune),
    # and Windows Autopatch is on neither table: nothing the unit uses is in scope
    dod = after["DoD IL5"]
    assert dod["status"] == "gap"
    not_listed = {r.get("service_id") for r in dod["reasons"] if r["code"] == "scope-not-listed"}
    assert not_listed == {"intune", "windows-autopatch"}
    assert fy25["summary"]["covered"] == 1


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
