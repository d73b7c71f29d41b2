"""Write the example requirement workbooks in examples/: several shapes, several business units.

Run `python examples/make_examples.py` to regenerate them; the bytes are deterministic (fixed zip
timestamps and document dates), so re-running changes nothing in git unless this script changed.
openpyxl is used directly here (merged cells, hidden sheets and a title block need its full API);
this script is a fixture generator, not part of the library.
"""

from __future__ import annotations

import io
import re
import sys
import zipfile
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.worksheet import Worksheet

from assessor.render.blank_workbook import (
    REQUIREMENT_HEADERS,
    UNIT_HEADERS,
)  # the template's own columns

HERE = Path(__file__).resolve().parent
FIXED = datetime(2026, 11, 1, 9, 0, 0)
ZIP_TIME = (2026, 11, 1, 9, 0, 0)
BOLD = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDE3EA")

Cell = str | int | float | date | None


def _table(
    ws: Worksheet, headers: Sequence[str], rows: Sequence[Sequence[Cell]], top: int = 1
) -> None:
    """Write a header row at `top` and the rows below it, with readable widths."""
    for col, header in enumerate(headers, start=1):
        cell = ws.cell(row=top, column=col, value=header)
        cell.font = BOLD
        cell.fill = HEADER_FILL
    for r, row in enumerate(rows, start=top + 1):
        for col, value in enumerate(row, start=1):
            cell = ws.cell(row=r, column=col, value=value)
            if isinstance(value, date):
                cell.number_format = "yyyy-mm-dd"
    for col, header in enumerate(headers, start=1):
        longest = max(
            [len(str(header))] + [len(str(row[col - 1] or "")) for row in rows if len(row) >= col]
        )
        ws.column_dimensions[ws.cell(row=top, column=col).column_letter].width = min(
            48, longest + 3
        )


def _deterministic_bytes(wb: Workbook) -> bytes:
    """Save the workbook with fixed document dates and zip timestamps: same script, same bytes."""
    wb.properties.creator = "assessor examples"
    wb.properties.created = FIXED
    raw = io.BytesIO()
    wb.save(raw)
    stamp = FIXED.strftime("%Y-%m-%dT%H:%M:%SZ")
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                text = data.decode()
                text = re.sub(
                    r"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                    rf"\g<1>{stamp}\g<2>",
                    text,
                )
                data = text.encode()
            member = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            member.compress_type = zipfile.ZIP_DEFLATED
            member.external_attr = 0o644 << 16
            dst.writestr(member, data)
    return out.getvalue()


def tidy_template() -> Workbook:
    """One unit, template-shaped, audited inside MMD's service life (so covered appears)."""
    wb = Workbook()
    info = wb.active
    assert info is not None
    info.title = "Instructions"
    info["A1"] = "Contoso Retail: frameworks the unit must meet (assessor intake template)"
    info["A1"].font = Font(bold=True, size=13)
    info["A3"] = "One framework per row on the Requirements sheet; audit periods on Business units."
    info.column_dimensions["A"].width = 90

    req = wb.create_sheet("Requirements")
    unit = "Contoso Retail"
    rows: list[list[Cell]] = [
        [
            unit,
            "ISO/IEC 27001",
            "2013",
            "Store and e-commerce endpoints",
            "Certificate + SoA",
            "Dana Whitfield",
            date(2024, 3, 31),
            "High",
        ],
        [
            unit,
            "ISO/IEC 27018",
            None,
            "Customer PII in loyalty programme",
            "Certificate",
            "Dana Whitfield",
            date(2024, 3, 31),
            "High",
        ],
        [
            unit,
            "SOC 2 Type 2",
            None,
            "Managed desktop fleet",
            "SOC 2 report",
            "Ivan Petrov",
            date(2024, 4, 30),
            "High",
        ],
        [
            unit,
            "PCI DSS",
            "4.0",
            "Point-of-sale back office desktops",
            "AoC",
            "Ivan Petrov",
            date(2024, 5, 31),
            "High",
        ],
        [
            unit,
            "ISO 22301",
            None,
            "Business continuity of store operations",
            "Certificate",
            "Mei Tanaka",
            date(2024, 6, 30),
            "Medium",
        ],
        [unit, "ISO 9001", None, None, "Certificate", "Mei Tanaka", date(2024, 6, 30), "Low"],
        [unit, "GDPR", None, "EU customers", "DPA, ROPA", "Legal", date(2024, 6, 30), "High"],
        [unit, "CCPA/CPRA", None, "California loyalty members", "DSAR log", "Legal", None, "High"],
        [
            unit,
            "NIST CSF",
            "2.0",
            "Group security baseline",
            None,
            "Dana Whitfield",
            None,
            "Medium",
        ],
    ]
    _table(req, REQUIREMENT_HEADERS, rows)
    req.freeze_panes = "A2"

    units = wb.create_sheet("Business units")
    _table(
        units,
        UNIT_HEADERS,
        [[unit, "Dana Whitfield", "Northwind Assurance LLP", date(2023, 7, 1), date(2024, 6, 30)]],
    )
    return wb


def messy_register() -> Workbook:
    """Two units in merged cells under a title block, own header words, multi-framework cells."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "FY24 register"
    ws["A1"] = "Contoso Health \u2014 compliance obligations register"
    ws["A1"].font = Font(bold=True, size=14)
    ws.merge_cells("A1:G1")
    ws["A2"] = "Prepared by the Risk & Compliance Office. Confidential."
    ws["A3"] = "Last reviewed"
    ws["B3"] = date(2024, 3, 14)
    ws["B3"].number_format = "d mmm yyyy"
    headers = (
        "Business Area",
        "Standard / Regulation",
        "Edition",
        "Comments",
        "Evidence owner",
        "Target date",
        "Control ref",
    )
    health = "Contoso Health"
    labs = "Contoso Health Labs"
    rows: list[list[Cell]] = [
        [
            health,
            "HIPAA / HITRUST",
            None,
            "Clinician laptops handle ePHI",
            "Privacy officer",
            date(2024, 9, 30),
            "CH-01",
        ],
        [
            None,
            "SOC 1/2/3",
            "Type II",
            "Claims processing desktops",
            "\u201cFinance IT\u201d",
            date(2024, 9, 30),
            "CH-02",
        ],
        [
            None,
            "ISO 27001, 27017 and 27018",
            None,
            "Cloud-hosted patient portal",
            "CISO office",
            "2024-10-31",
            "CH-03",
        ],
        [None, None, None, None, None, None, None],
        [
            None,
            "HIPAA / HITRUST",
            None,
            "Clinician laptops handle ePHI",
            "Privacy officer",
            date(2024, 9, 30),
            "CH-01",
        ],
        [
            None,
            "Contoso Clinical Safety Standard v3",
            None,
            "Internal standard",
            "Clinical safety",
            None,
            "CH-05",
        ],
        [
            labs,
            "ISO\u00a09001",
            None,
            "Lab quality system",
            "Lab manager",
            date(2024, 12, 31),
            "CL-01",
        ],
        [
            None,
            "CSA STAR Level 2",
            None,
            "Research data in the cloud",
            "Research IT",
            date(2024, 12, 31),
            "CL-02",
        ],
        [
            None,
            "FedRAMP Moderate",
            None,
            "US federal research grants",
            "Research IT",
            None,
            "CL-03",
        ],
        [None, "ISO/IEC 27701", None, "Study participant data", "DPO", date(2024, 12, 31), "CL-04"],
    ]
    _table(ws, headers, rows, top=5)
    ws.column_dimensions["A"].width = 22
    # Merged business-unit cells, as people keep them: each block names its unit once.
    ws.merge_cells("A6:A11")
    ws.merge_cells("A12:A15")
    for ref in ("A6", "A12"):
        ws[ref].alignment = Alignment(vertical="top")

    old = wb.create_sheet("Old 2021 register")
    _table(
        old,
        ("Business Area", "Standard / Regulation", "Comments"),
        [
            [health, "ISO/IEC 27001:2005", "superseded"],
            [health, "PCI DSS 3.2", "dropped in 2022"],
        ],
    )
    old.sheet_state = "hidden"
    return wb


def three_units() -> Workbook:
    """Three units, one sheet each, audited before, across and after MMD's end of life."""
    wb = Workbook()
    first = wb.active
    assert first is not None
    wb.remove(first)
    plans: dict[str, list[list[Cell]]] = {
        "Fabrikam Finance": [
            ["SOC 1 Type 2", None, "General ledger desktops", "SOC 1 report", date(2024, 5, 31)],
            [
                "SOX",
                None,
                "ICFR for financial close",
                "SOC 1 report + bridge letter",
                date(2024, 5, 31),
            ],
            [
                "ISO/IEC 27001:2022",
                "2022",
                "Finance shared services",
                "Certificate",
                date(2024, 6, 30),
            ],
            ["PCI DSS 3.2.1", "3.2.1", "Card refunds desk", "AoC", date(2024, 6, 30)],
        ],
        "Fabrikam Payments": [
            ["PCI DSS v4.0", "4.0", "Payment operations desktops", "AoC", date(2025, 6, 30)],
            ["SOC 2 Type II", None, "Merchant onboarding", "SOC 2 report", date(2025, 6, 30)],
            ["ISO/IEC 27001", None, None, "Certificate", date(2025, 9, 30)],
            ["ISO/IEC 27701", None, "Cardholder personal data", "Certificate", date(2025, 9, 30)],
        ],
        "Fabrikam Insurance": [
            ["ISO 27001", None, "Underwriting desktops", "Certificate", date(2024, 9, 30)],
            ["SOC 2", "Type 2", None, "SOC 2 report", date(2024, 9, 30)],
            ["HIPAA/HITECH", None, "Health insurance claims", "BAA", date(2024, 9, 30)],
            ["GDPR", None, "EU policyholders", "DPA", date(2024, 9, 30)],
        ],
    }
    headers = ("Framework", "Version", "Scope / notes", "Evidence needed", "Due date")
    for unit, rows in plans.items():
        _table(wb.create_sheet(unit), headers, rows)
    units = wb.create_sheet("Business units")
    _table(
        units,
        UNIT_HEADERS,
        [
            [
                "Fabrikam Finance",
                "Ana Souza",
                "Northwind Assurance LLP",
                date(2024, 1, 1),
                date(2024, 6, 30),
            ],
            [
                "Fabrikam Payments",
                "Luis Ortega",
                "Woodgrove Audit Partners",
                date(2025, 1, 1),
                date(2025, 12, 31),
            ],
            [
                "Fabrikam Insurance",
                "Grace Kim",
                "Northwind Assurance LLP",
                date(2023, 10, 1),
                date(2024, 9, 30),
            ],
        ],
    )
    return wb


def applicability_matrix() -> Workbook:
    """Units by frameworks with marks in the cells, as many teams keep their obligations."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Applicability"
    headers = (
        "Business unit",
        "ISO 27001",
        "SOC 2",
        "PCI DSS",
        "HIPAA",
        "GDPR",
        "ISO 22301",
        "CSA STAR",
    )
    rows: list[list[Cell]] = [
        ["Northwind Logistics", "Y", "X", None, "N", "\u2713", "Yes", None],
        ["Northwind Travel", "X", "Y", "Required", None, "Y", None, "N"],
        ["Woodgrove Research", "\u2713", "1", None, "Y", "X", None, "Y"],
    ]
    _table(ws, headers, rows)
    ws.freeze_panes = "B2"
    return wb


def tailspin_successors() -> Workbook:
    """One business unit before and after MMD: FY2024 on MMD, FY2025 on Intune with Autopatch.

    Two units so the reports side by side show what changes and why: the same frameworks, the
    service named in the Business units sheet's Service column, and one Requirements row whose
    own Service (Intune alone) overrides its unit's.
    """
    wb = Workbook()
    req = wb.active
    assert req is not None
    req.title = "Requirements"
    fy24, fy25 = "Tailspin Devices FY2024", "Tailspin Devices FY2025"
    asked: list[tuple[str, str | None, str, str | None]] = [
        ("ISO/IEC 27001", "2013", "Certificate + SoA", None),
        ("SOC 2 Type 2", None, "SOC 2 report + bridge letter", None),
        ("ISO 22301", None, "Certificate", None),
        ("HIPAA", None, "BAA", None),
        ("PCI DSS", "4.0", "AoC", None),
        ("GDPR", None, "DPA", None),
    ]
    rows: list[list[Cell]] = []
    for unit in (fy24, fy25):
        for framework, version, evidence, service in asked:
            rows.append(
                [
                    unit,
                    framework,
                    version,
                    "Managed device fleet",
                    evidence,
                    "Priya Nair",
                    None,
                    None,
                    service,
                ]
            )
    rows.append(
        [
            fy25,
            "FedRAMP High",
            None,
            "Federal programme devices (managed in Intune only; Autopatch not used there)",
            "Audit-scope table + package",
            "Priya Nair",
            None,
            "High",
            "Microsoft Intune",
        ]
    )
    rows.append(
        [
            fy25,
            "DoD IL5",
            None,
            "DoD contract devices",
            "Audit-scope table",
            "Priya Nair",
            None,
            "High",
            None,
        ]
    )
    _table(req, REQUIREMENT_HEADERS, rows)
    req.freeze_panes = "A2"
    units = wb.create_sheet("Business units")
    _table(
        units,
        UNIT_HEADERS,
        [
            [
                fy24,
                "Priya Nair",
                "Northwind Assurance LLP",
                date(2023, 7, 1),
                date(2024, 6, 30),
                "Microsoft Managed Desktop",
            ],
            [
                fy25,
                "Priya Nair",
                "Northwind Assurance LLP",
                date(2024, 7, 1),
                date(2025, 6, 30),
                "Intune + Autopatch",
            ],
        ],
    )
    return wb


EXAMPLES = {
    "contoso-retail.xlsx": tidy_template,
    "contoso-health-register.xlsx": messy_register,
    "fabrikam-group.xlsx": three_units,
    "northwind-applicability.xlsx": applicability_matrix,
    "tailspin-devices.xlsx": tailspin_successors,
}


def main(argv: Sequence[str] = ()) -> int:
    """Write every example workbook into the given folder (default: this folder)."""
    target = Path(argv[0]) if argv else HERE
    target.mkdir(parents=True, exist_ok=True)
    for name, build in EXAMPLES.items():
        (target / name).write_bytes(_deterministic_bytes(build()))
        print(f"wrote {target / name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
