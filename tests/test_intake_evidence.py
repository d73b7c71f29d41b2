"""The Evidence on file register: read with the requirements' tolerance and cell-precise errors."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from intake_fixtures import HEADERS, catalog, write_xlsx

from assessor.domain.errors import InputError
from assessor.intake import workbook as intake
from assessor.intake.evidence import read_kind, read_register, recognize_document
from assessor.render import blank_workbook

REG = list(blank_workbook.EVIDENCE_HEADERS)
REQ = [["Payments", "PCI DSS"], ["Payments", "SOC 2 Type 2"]]


def _book(tmp_path: Path, register: list[list[object]], headers: list[str] = REG) -> Path:
    return write_xlsx(
        tmp_path / "w.xlsx",
        {
            "Requirements": [HEADERS[:2], *REQ],
            "Evidence on file": [headers, *register],
        },
    )


def test_the_register_sheet_is_read_with_every_column(tmp_path: Path) -> None:
    row = [
        "Azure + Dynamics 365 SOC 2 Type 2 Report (Apr 2023 - Mar 2024)",
        "SOC report",
        dt.datetime(2023, 4, 1),
        "2024-03-31",
        None,
        None,
        "Microsoft Managed Desktop; Microsoft Intune",
        45400,  # an Excel serial: 2024-04-18
        "",
        "SOC/soc2-2024.pdf",
    ]
    result = intake.read_workbook(_book(tmp_path, [row]), catalog())
    assert len(result.requirements) == 2  # the register is no requirements table
    (rec,) = result.evidence
    assert rec.source.sheet == "Evidence on file" and rec.source.row == 2
    assert rec.kind == "soc-report"
    assert rec.period_start == dt.date(2023, 4, 1) and rec.period_end == dt.date(2024, 3, 31)
    assert rec.obtained_on == dt.date(2024, 4, 18)
    assert rec.services == ("Microsoft Managed Desktop", "Microsoft Intune")
    assert rec.business_unit is None
    assert rec.where_kept == "SOC/soc2-2024.pdf"
    assert rec.documents == ("soc-2-report",)


def test_synonym_headers_are_read(tmp_path: Path) -> None:
    headers = ["Title", "Type", "Issue date", "Expiry date", "In scope services", "BU", "Location"]
    row = ["Azure PCI DSS AoC 2023", "AoC", "2023-02-01", "2024-01-31", "MMD", "Payments", "x"]
    result = intake.read_workbook(_book(tmp_path, [row], headers), catalog())
    (rec,) = result.evidence
    assert rec.kind == "attestation-of-compliance"
    assert rec.issued == dt.date(2023, 2, 1) and rec.expires == dt.date(2024, 1, 31)
    assert rec.business_unit == "Payments"
    assert rec.documents == ("pci-dss-aoc",)


@pytest.mark.parametrize(
    ("row", "where", "what"),
    [
        (["SOC 2 report", "SOC report", "2024-03-31", "2023-04-01"], "Evidence on file!D2", "ends"),
        (
            ["ISO 27001 Certificate", "Certificate", None, None, "2024-01-01", "2023-01-01"],
            "Evidence on file!F2",
            "expires",
        ),
        (["SOC 2 report", "SOC report", "03/04/2024"], "Evidence on file!C2", "ambiguous"),
        (
            ["ISO 27001 Certificate", "Certificate", None, None, "TBD"],
            "Evidence on file!E2",
            "not a date",
        ),
        (
            ["ISO 27001 Certificate", *[None] * 7, "Atlantis"],
            "Evidence on file!2",
            "does not exist",
        ),
        (
            [None, "Certificate", None, None, "2023-01-01"],
            "Evidence on file!A2",
            "Document is empty",
        ),
    ],
)
def test_bad_cells_are_refused_with_their_place(
    tmp_path: Path, row: list[object], where: str, what: str
) -> None:
    with pytest.raises(InputError) as err:
        intake.read_workbook(_book(tmp_path, [row]), catalog())
    text = "\n".join(err.value.lines())
    assert where in text and what in text


def test_a_row_matching_no_document_is_kept(tmp_path: Path) -> None:
    row = ["Our own pen test summary", "Assessment report", "2023-01-01", "2023-12-31"]
    (rec,) = intake.read_workbook(_book(tmp_path, [row]), catalog()).evidence
    assert rec.documents == ()


def test_the_template_example_row_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    path.write_bytes(blank_workbook.template_bytes(catalog()))
    filled = write_xlsx(
        tmp_path / "f.xlsx",
        {
            "Requirements": [HEADERS[:2], ["Payments", "PCI DSS"]],
            "Evidence on file": [REG, list(blank_workbook.EVIDENCE_EXAMPLE_ROW)],
        },
    )
    result = intake.read_workbook(filled, catalog())
    assert result.evidence == ()
    assert not any("Evidence on file" in w for w in result.warnings)


def test_a_register_workbook_of_its_own(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "reg.xlsx",
        {
            "Register": [
                REG,
                [
                    "Azure ISO27018 Certificate",
                    "Certificate",
                    None,
                    None,
                    "2023-01-01",
                    "2025-12-31",
                    "MMD",
                ],
            ]
        },
    )
    (rec,) = read_register(path, catalog())
    assert rec.documents == ("iso-27018-certificate",)
    empty = write_xlsx(tmp_path / "none.xlsx", {"Sheet": [["a", "b"], [1, 2]]})
    with pytest.raises(InputError, match="no Evidence on file sheet"):
        read_register(empty, catalog())


@pytest.mark.parametrize(
    ("title", "kind", "ids"),
    [
        (
            "Azure, Dynamics 365, and Online Services: ISO27001 Certificate",
            None,
            ("iso-27001-certificate",),
        ),
        (
            "ISO 27001, 27018 and 27701 Audit Assessment Report 2024",
            "audit-report",
            ("iso-27001-audit-report", "iso-27701-audit-report"),
        ),
        ("Azure SOC 1 Type 2 report Oct-Sep", None, ("soc-1-report",)),
        ("Azure SOC Bridge Letter Q4 2023", None, ("soc-1-bridge-letter", "soc-2-bridge-letter")),
        (
            "Azure C5, SOC 2 Type 2, CSA STAR Attestation report",
            "soc-report",
            ("csa-star-attestation-report",),
        ),
        ("Azure HITRUST Letter of Certification 2023", None, ("hitrust-letter",)),
        ("Something else entirely", "certificate", ()),
        ("ISO 27001 certificate", "soc-report", ()),  # a kind that contradicts the title
    ],
)
def test_recognize_document(title: str, kind: str | None, ids: tuple[str, ...]) -> None:
    assert recognize_document(title, read_kind(kind) if kind else None, catalog()) == ids


def test_read_kind_synonyms() -> None:
    assert read_kind("AoC") == "attestation-of-compliance"
    assert read_kind("Statement of Applicability") == "statement-of-applicability"
    assert read_kind("bridge letter") == "bridge-letter"
    assert read_kind("widget") is None
