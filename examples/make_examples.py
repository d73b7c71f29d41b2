"""Write the example requirement workbooks in examples/: several shapes, several business units.

Run `OPENPYXL_LXML=False python examples/make_examples.py` to regenerate them; the bytes are
deterministic (fixed zip timestamps and document dates, and openpyxl's ElementTree serializer:
with lxml installed it writes other bytes), so re-running changes nothing in git unless this
script changed. It also writes examples/evidence/, stand-ins for the documents on file.
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

from assessor.render.blank_workbook import (  # the template's own columns
    EVIDENCE_HEADERS,
    REQUIREMENT_HEADERS,
    UNIT_HEADERS,
)

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
    register = wb.create_sheet("Evidence on file")
    _table(register, EVIDENCE_HEADERS, EVIDENCE_ROWS)
    register.freeze_panes = "A2"
    return wb


MMD_AND_INTUNE = "Microsoft Managed Desktop; Microsoft Intune"
# Contoso Retail's register (audit period 1 July 2023 to 30 June 2024): one row per state.
EVIDENCE_ROWS: list[list[Cell]] = [
    # on-file: a certificate covering the whole period and listing MMD
    [
        "Azure, Dynamics 365, and Online Services: ISO27001 Certificate",
        "Certificate",
        None,
        None,
        date(2022, 11, 1),
        date(2025, 10, 31),
        MMD_AND_INTUNE,
        date(2024, 7, 15),
        None,
        "stp/iso-27001-certificate-2022.pdf",
    ],
    # period-gap, longer than three months: the audit report ends 30 September 2023
    [
        "Azure, Dynamics 365, and Online Services: ISO 27001, 27018 and 27701 Audit Assessment Report",
        "Audit report",
        date(2022, 10, 1),
        date(2023, 9, 30),
        None,
        None,
        MMD_AND_INTUNE,
        date(2023, 12, 1),
        None,
        "stp/iso-27001-audit-report-2023.pdf",
    ],
    # on-file through a bridge letter: the SOC 2 report ends 31 March 2024, the letter closes
    # April to June (91 days, Microsoft's own statement)
    [
        "Azure + Dynamics 365 SOC 2 Type 2 Report (April 2023 - March 2024)",
        "SOC report",
        date(2023, 4, 1),
        date(2024, 3, 31),
        None,
        None,
        MMD_AND_INTUNE,
        date(2024, 5, 20),
        None,
        "stp/soc-2-type-2-2024-03.pdf",
    ],
    [
        "Azure SOC Bridge Letter Q2 2024",
        "Bridge letter",
        date(2024, 4, 1),
        date(2024, 6, 30),
        date(2024, 7, 10),
        None,
        MMD_AND_INTUNE,
        date(2024, 7, 12),
        None,
        "stp/soc-bridge-letter-2024-q2.pdf",
    ],
    # expired: an AoC counts 12 months from signature (to 14 May 2024), the period runs to June
    [
        "Azure PCI DSS Attestation of Compliance (AoC) 2023",
        "AoC",
        None,
        None,
        date(2023, 5, 15),
        None,
        "Microsoft Managed Desktop; Microsoft Intune; Microsoft Azure",
        date(2023, 6, 1),
        "Contoso Retail",
        "stp/pci-dss-aoc-2023.pdf",
    ],
    # service-not-listed: the ISO 22301 certificate names Azure and Dynamics 365 only
    [
        "Azure, Dynamics 365, and Online Services: ISO22301 Certificate",
        "Certificate",
        None,
        None,
        date(2023, 5, 2),
        date(2026, 5, 1),
        "Microsoft Azure; Dynamics 365",
        date(2024, 1, 9),
        None,
        "stp/iso-22301-certificate-2023.pdf",
    ],
    # on-file, and it confirms MMD's scope for ISO 9001, which the catalog shows unconfirmed
    [
        "Azure, Dynamics 365, and Online Services: ISO9001 Certificate",
        "Certificate",
        None,
        None,
        date(2023, 1, 15),
        date(2026, 1, 14),
        MMD_AND_INTUNE,
        date(2023, 8, 30),
        None,
        "stp/iso-9001-certificate-2023.pdf",
    ],
    # a row that matches no catalog document: kept and reported, never dropped
    [
        "Contoso penetration test summary 2024",
        "Assessment report",
        date(2024, 1, 1),
        date(2024, 3, 31),
        None,
        None,
        "Contoso store endpoints",
        date(2024, 4, 15),
        None,
        "internal/pentest-2024.pdf",
    ],
]
# Stand-ins for the documents the register names (examples/evidence): the demo hashes them and
# packs them (--evidence-dir examples/evidence --format pack). The AoC is left out on purpose:
# the report flags a register row whose file is missing.
EVIDENCE_FILES = {
    str(row[9]): (
        f"Placeholder for the Service Trust Portal download: {row[0]}\n"
        "Replace with the document as downloaded; assessor hashes and packs the file it finds.\n"
    ).encode()
    for row in EVIDENCE_ROWS
    if row[9] and not str(row[9]).startswith("internal/") and "pci" not in str(row[9])
}


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
        [
            None,
            "Current ISO/IEC 27701 certificate (as processor)",
            None,
            "Study participant data",
            "DPO",
            date(2024, 12, 31),
            "CL-04",
        ],
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
            [
                "Fabrikam Security Baseline v3",
                None,
                "Finance desktops",
                "Baseline attestation",
                date(2024, 6, 30),
            ],
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
            ["FSB v3", None, "Underwriting desktops", "Baseline attestation", date(2024, 9, 30)],
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
    _table(wb.create_sheet("Overlay"), OVERLAY_HEADERS, FABRIKAM_OVERLAY)
    return wb


# The organization's own words (README: "Your own names and decisions"): its internal baseline,
# the abbreviation its people use, and its auditor's decision for one unit only.
OVERLAY_HEADERS = (
    "Kind",
    "Name or alias",
    "Framework id",
    "Certifications",
    "Accepted by",
    "Rationale",
    "Decided by",
    "Decided on",
    "Note",
    "Units",
)
FABRIKAM_OVERLAY: list[list[Cell]] = [
    ["Organization", "Fabrikam", None, None, None, None, None, None, None, None],
    [
        "Framework",
        "Fabrikam Security Baseline v3",
        "fabrikam-baseline",
        None,
        None,
        "Fabrikam's own endpoint baseline; no Microsoft certification is made for it.",
        "Ana Souza, CISO",
        date(2024, 2, 12),
        "Security policy SP-01, section 3",
        None,
    ],
    [
        "Alias",
        "FSB v3",
        "fabrikam-baseline",
        None,
        None,
        None,
        "Ana Souza, CISO",
        date(2024, 2, 12),
        "What the underwriting teams call it",
        None,
    ],
    [
        "Relation",
        None,
        "fabrikam-baseline",
        "SOC 2",
        "Northwind Assurance LLP",
        "For the Finance unit, the auditor accepts the SOC 2 report as partial evidence for the "
        "baseline's logging and access controls.",
        "Risk committee",
        date(2024, 3, 5),
        "Minutes RC-2024-03",
        "Fabrikam Finance",
    ],
]


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
    for rel, data in EVIDENCE_FILES.items():
        path = target / "evidence" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
