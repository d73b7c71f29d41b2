"""The blank intake workbook (`assessor template OUT.xlsx`): fill it in; intake reads it back."""

from __future__ import annotations

from datetime import date

from assessor.domain.models import Catalog
from assessor.intake.evidence import REGISTER_HEADERS
from assessor.intake.template import TEMPLATE_EXAMPLE_UNIT, TEMPLATE_LIST_SHEET
from assessor.render import xlsxio

REQUIREMENTS_SHEET = "Requirements"
UNITS_SHEET = "Business units"
INSTRUCTIONS_SHEET = "Instructions"
EVIDENCE_SHEET = "Evidence on file"
LIST_SHEET = TEMPLATE_LIST_SHEET  # hidden; intake ignores it without a warning
MAX_ROWS = 1000  # rows covered by the dropdown and date validation

REQUIREMENT_HEADERS = (
    "Business unit",
    "Framework",
    "Version",
    "Scope / notes",
    "Evidence needed",
    "Owner",
    "Due date",
    "Priority",
    "Service",
)
UNIT_HEADERS = (
    "Business unit",
    "Owner",
    "Auditor",
    "Audit period start",
    "Audit period end",
    "Service",
)
# The example row; intake rejects a row equal to it ("template example row") so it never
# becomes a requirement by accident.
EXAMPLE_ROW: tuple[str | date, ...] = (
    TEMPLATE_EXAMPLE_UNIT,
    "ISO/IEC 27001:2022",
    "2022",
    "Desktops managed by MMD",
    "Certificate and statement of applicability",
    "Compliance lead",
    date(2025, 12, 31),
    "High",
    "Microsoft Intune; Windows Autopatch",
)
_WIDTHS = (24, 34, 10, 36, 34, 20, 12, 10, 34)
EVIDENCE_HEADERS = tuple(REGISTER_HEADERS.values())
EVIDENCE_KINDS = (
    "Certificate",
    "Audit report",
    "Assessment report",
    "SOC report",
    "Bridge letter",
    "Attestation of compliance",
    "Statement of applicability",
    "Letter of certification",
    "Business associate agreement",
    "Registry entry",
    "Guide",
)
# The register's example row: the template's example unit, so intake ignores it.
EVIDENCE_EXAMPLE_ROW: tuple[str | date | None, ...] = (
    "Azure + Dynamics 365 SOC 2 Type 2 Report",
    "SOC report",
    date(2024, 4, 1),
    date(2025, 3, 31),
    None,
    None,
    "Microsoft Managed Desktop; Microsoft Intune",
    date(2025, 5, 15),
    TEMPLATE_EXAMPLE_UNIT,
    "SOC/2025-03 Azure SOC 2 Type 2.pdf",
)
_EVIDENCE_WIDTHS = (46, 22, 13, 13, 13, 13, 40, 13, 24, 40)
_UNIT_WIDTHS = (28, 22, 26, 18, 18, 34)

INSTRUCTIONS = (
    "How to fill in this workbook",
    "",
    "1. On the Requirements sheet, add one row per framework a business unit must meet.",
    "2. Pick the framework from the dropdown or type it as you know it (SOC 2 Type II, "
    "ISO/IEC 27001:2022, HIPAA / HITRUST). Several in one cell are read one by one.",
    "3. Version, scope, evidence, owner, due date and priority are optional.",
    "4. Delete the example row.",
    "5. On the Business units sheet, give each unit's owner, auditor and the audit period "
    "(start and end dates): evidence is judged against that period.",
    "6. Service: the Microsoft services the unit runs on (Microsoft Intune, Windows Autopatch, "
    "Windows 365, Microsoft Managed Desktop), several separated by ';'. A Service on a "
    "Requirements row overrides its unit's for that row. Empty: the run's --service, else "
    "Microsoft Managed Desktop.",
    "7. Leave the business unit empty to use the file name as the unit.",
    "8. Optional: on the Evidence on file sheet, list the Service Trust Portal documents you "
    "already hold (title as downloaded, kind, report period or issue/expiry dates, the services "
    "the document lists, where it is kept). Leave Business unit empty for a document every unit "
    "relies on. Each is checked against the unit's audit period.",
    "8. Save as .xlsx and run: assessor assess THIS-FILE.xlsx",
    "",
    "Dates: use date cells or write them as YYYY-MM-DD; 03/04/2025 is ambiguous and refused.",
    "Hidden sheets are ignored. Macros are never run.",
)


def _framework_names(catalog: Catalog) -> list[str]:
    """Catalog framework names for the dropdown, sorted case-insensitively."""
    return sorted({fw.name for fw in catalog.frameworks}, key=lambda n: (n.casefold(), n))


def _service_names(catalog: Catalog) -> list[str]:
    """Service profile names for the dropdown: the default first, then by name."""
    return [
        svc.name
        for svc in sorted(catalog.services, key=lambda s: (not s.default, s.name.casefold()))
    ]


def template_bytes(catalog: Catalog) -> bytes:
    """The template workbook as deterministic .xlsx bytes."""
    wb = xlsxio.new_workbook()
    xlsxio.write_table(
        wb,
        INSTRUCTIONS_SHEET,
        [INSTRUCTIONS[0]],
        [[line] for line in INSTRUCTIONS[1:]],
        widths=[110],
        freeze=False,
        autofilter=False,
    )
    xlsxio.write_table(
        wb, REQUIREMENTS_SHEET, REQUIREMENT_HEADERS, [list(EXAMPLE_ROW)], widths=_WIDTHS
    )
    xlsxio.write_table(wb, UNITS_SHEET, UNIT_HEADERS, [], widths=_UNIT_WIDTHS)
    xlsxio.write_table(
        wb, EVIDENCE_SHEET, EVIDENCE_HEADERS, [list(EVIDENCE_EXAMPLE_ROW)], widths=_EVIDENCE_WIDTHS
    )
    names = _framework_names(catalog)
    services = _service_names(catalog)
    xlsxio.write_table(
        wb,
        LIST_SHEET,
        ["Frameworks the catalog knows", "Services the catalog knows"],
        [[n, services[i] if i < len(services) else None] for i, n in enumerate(names)],
        widths=[60, 34],
    )
    wb[LIST_SHEET].sheet_state = "hidden"

    req = wb[REQUIREMENTS_SHEET]
    units = wb[UNITS_SHEET]
    service_source = f"'{LIST_SHEET}'!$B$2:$B${len(services) + 1}"
    service_prompt = (
        "Pick a service, or type several separated by ';' (Microsoft Intune; Windows "
        "Autopatch). Empty: the run's default service."
    )
    service_col = xlsxio.column_letter(len(REQUIREMENT_HEADERS))
    xlsxio.add_list_validation(
        req, f"{service_col}2:{service_col}{MAX_ROWS}", service_source, prompt=service_prompt
    )
    unit_col = xlsxio.column_letter(len(UNIT_HEADERS))
    xlsxio.add_list_validation(
        units, f"{unit_col}2:{unit_col}{MAX_ROWS}", service_source, prompt=service_prompt
    )
    source = f"'{LIST_SHEET}'!$A$2:$A${len(names) + 1}"
    xlsxio.add_list_validation(
        req,
        f"B2:B{MAX_ROWS}",
        source,
        prompt="Pick a framework, or type any name (free text is accepted).",
    )
    xlsxio.add_date_validation(req, f"G2:G{MAX_ROWS}")
    xlsxio.add_date_validation(units, f"D2:E{MAX_ROWS}")
    register = wb[EVIDENCE_SHEET]
    xlsxio.add_list_validation(
        register,
        f"B2:B{MAX_ROWS}",
        '"' + ",".join(EVIDENCE_KINDS) + '"',
        prompt="Pick the kind of document, or type it.",
    )
    xlsxio.add_date_validation(register, f"C2:F{MAX_ROWS}")
    xlsxio.add_date_validation(register, f"H2:H{MAX_ROWS}")
    wb.active = 1
    return xlsxio.workbook_bytes(wb)
