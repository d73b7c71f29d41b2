"""Catalog, intake and assessment factories for report tests, built in code (no engine needed)."""

from __future__ import annotations

import difflib
import hashlib
from datetime import date
from pathlib import Path

from assessor.domain.models import (
    Assessment,
    BusinessUnit,
    Catalog,
    CatalogMeta,
    CellRef,
    Certification,
    Duty,
    Edition,
    EvidenceDoc,
    EvidenceRef,
    Finding,
    Framework,
    FrameworkRef,
    HeldEdition,
    IntakeResult,
    Lifecycle,
    MatrixRow,
    Period,
    RejectedRow,
    Requirement,
    ScopeEntry,
    ServiceProfile,
    SharedResponsibility,
    Sighting,
    Source,
    StpLayout,
    StpSection,
)

EOL = date(2024, 7, 31)
HOSTILE = (
    "<b>bold</b><script>alert(1)</script>",
    "red; background:url(http://127.0.0.1:{port}/css)",
    "url(http://127.0.0.1:{port}/x)",
    '<link rel=attachment href="file:///etc/hostname">',
    '<img src="http://127.0.0.1:{port}/img">',
    '=HYPERLINK("http://127.0.0.1:{port}/f","x")',
    "+1+2",
    "-2+3",
    "@SUM(A1:A2)",
    "\"quoted\" & 'single' {{ 7*7 }} {% raw %}",
)


def _src(sid: str, title: str) -> Source:
    return Source(
        id=sid,
        title=title,
        url=f"https://learn.microsoft.com/{sid}",
        checked=date(2026, 11, 1),
    )


def _evidence(
    eid: str,
    title: str,
    kind: str,
    section: str,
    *,
    restricted: bool = False,
    self_attested: bool = False,
) -> EvidenceDoc:
    return EvidenceDoc(
        id=eid,
        title_pattern=title,
        kind=kind,  # type: ignore[arg-type]
        stp_section=section,
        scope_location="In-scope services list",
        restricted=restricted,
        self_attested=self_attested,
    )


def _cert(
    cid: str, name: str, framework: str, version: str, evidence: tuple[EvidenceDoc, ...], **kw: str
) -> Certification:
    return Certification(
        id=cid,
        name=name,
        framework=framework,
        standard_version=version,
        editions=(HeldEdition(edition=version, confidence="confirmed"),),
        assurance=kw.get("assurance", "certification"),  # type: ignore[arg-type]
        auditor=kw.get("auditor", "Independent certification body"),
        cadence="Annual surveillance audit",
        validity="Three years, with annual surveillance",
        proves=f"Microsoft operates the in-scope services to {framework}.",
        does_not_prove=(
            "That the customer's own configuration, processes and people meet the framework."
        ),
        evidence=evidence,
        duties=(Duty(text=f"Operate your own {framework} controls.", owner="customer"),),
        caveats=tuple(x for x in (kw.get("caveat"),) if x),
        sources=("mmd-compliance",),
    )


def make_catalog() -> Catalog:
    """A small catalog with held, supporting and unsupported frameworks."""
    iso_cert = _evidence(
        "iso27001-cert",
        "Azure, Dynamics 365, and Online Services: ISO/IEC 27001 certificate",
        "certificate",
        "iso",
    )
    iso_report = _evidence(
        "iso27001-report",
        "Azure, Dynamics 365, and Online Services: ISO/IEC 27001 audit report",
        "audit-report",
        "iso",
    )
    soc2 = _evidence(
        "soc2-report",
        "Azure, Dynamics 365, and Online Services: SOC 2 Type 2 report",
        "soc-report",
        "soc",
        restricted=True,
    )
    bridge = _evidence(
        "soc-bridge",
        "Azure, Dynamics 365, and Online Services: SOC bridge letter",
        "bridge-letter",
        "soc",
        self_attested=True,
    )
    soc1 = _evidence(
        "soc1-report",
        "Azure, Dynamics 365, and Online Services: SOC 1 Type 2 report",
        "soc-report",
        "soc",
        restricted=True,
    )
    pci = _evidence(
        "pci-aoc",
        "Azure PCI DSS Attestation of Compliance (AOC)",
        "attestation-of-compliance",
        "pci",
    )
    hipaa = _evidence(
        "hipaa-baa",
        "Microsoft Products and Services Data Protection Addendum",
        "baa-product-terms",
        "legal",
    )
    certs = (
        _cert("iso-27001", "ISO/IEC 27001", "ISO/IEC 27001", "2022", (iso_cert, iso_report)),
        _cert("iso-27018", "ISO/IEC 27018", "ISO/IEC 27018", "2019", (iso_cert, iso_report)),
        _cert(
            "soc-2",
            "SOC 2 Type 2",
            "SOC 2",
            "Type 2",
            (soc2, bridge),
            assurance="attestation-report",
            auditor="Deloitte & Touche LLP",
        ),
        _cert(
            "soc-1",
            "SOC 1 Type 2",
            "SOC 1",
            "Type 2",
            (soc1, bridge),
            assurance="attestation-report",
            auditor="Deloitte & Touche LLP",
        ),
        _cert(
            "pci-dss",
            "PCI DSS",
            "PCI DSS",
            "4.0",
            (pci,),
            assurance="assessment",
            caveat="MMD's PCI DSS scope is claimed by the MMD page only.",
        ),
        _cert(
            "hipaa",
            "HIPAA/HITECH",
            "HIPAA",
            "BAA",
            (hipaa,),
            assurance="contractual-commitment",
        ),
    )

    def fw(
        fid: str, name: str, relation: str, certs_: tuple[str, ...], aliases: tuple[str, ...]
    ) -> Framework:
        return Framework(
            id=fid,
            name=name,
            short_name=name,
            category="Security",
            relation=relation,  # type: ignore[arg-type]
            certifications=certs_,
            rationale=f"{name}: relation {relation}.",
            customer_duties=(
                Duty(text=f"Evidence your own {name} controls for the tenant.", owner="customer"),
            ),
            aliases=aliases,
            editions=(Edition(id=f"{fid}-current", label="current"),),
            sources=("mmd-compliance",),
        )

    frameworks = (
        fw("iso-27001", "ISO/IEC 27001", "held", ("iso-27001",), ("ISO 27001",)),
        fw("iso-27018", "ISO/IEC 27018", "held", ("iso-27018",), ("ISO 27018",)),
        fw("soc-2", "SOC 2", "held", ("soc-2",), ("SOC2",)),
        fw("soc-1", "SOC 1", "held", ("soc-1",), ("SOC1",)),
        fw("pci-dss", "PCI DSS", "held", ("pci-dss",), ("PCI",)),
        fw("hipaa", "HIPAA", "held", ("hipaa",), ("HIPAA",)),
        fw("sox", "Sarbanes-Oxley Act (SOX)", "supports", ("soc-1",), ("SOX",)),
        fw("nist-800-53", "NIST SP 800-53", "none", (), ("NIST 800-53",)),
        fw("fedramp", "FedRAMP", "none", (), ("FedRAMP",)),
        fw("nist-csf", "NIST Cybersecurity Framework", "none", (), ("NIST CSF",)),
    )
    service = ServiceProfile(
        id="mmd",
        name="Microsoft Managed Desktop",
        default=True,
        description="Managed Windows desktops operated by Microsoft.",
        lifecycle=Lifecycle(
            status="end-of-life",
            end_of_life=EOL,
            notice_added=date(2023, 7, 27),
            statement="Microsoft Managed Desktop will transition to end-of-life on July 31, 2024.",
            sources=("mmd-eol",),
        ),
        compliance_page="https://learn.microsoft.com/managed-desktop/overview/compliance",
        document_name_pattern="Microsoft Azure, Dynamics 365, and other Online Services",
        successors=(
            "Microsoft Intune",
            "Windows Autopatch",
            "Windows 365",
            "Microsoft Entra ID",
            "Microsoft Defender for Endpoint",
        ),
        scope=tuple(
            ScopeEntry(
                certification=c.id,
                confidence="unconfirmed" if c.id == "pci-dss" else "confirmed",
                last_seen=(Sighting(date=date(2023, 3, 10), source="mmd-compliance"),),
                location='Listed under "Microsoft Online Services" / "Monitoring + Management"',
                note=(
                    "MMD is not named in any PCI DSS service list Microsoft publishes."
                    if c.id == "pci-dss"
                    else "MMD listed in the in-scope services of the report."
                ),
            )
            for c in certs
        ),
        responsibility_model="Microsoft runs the service; the customer owns its data and tenant.",
        sources=("mmd-compliance",),
    )
    stp = StpLayout(
        home="https://servicetrust.microsoft.com",
        menu=("Service Trust Portal", "My Library", "All Documents"),
        categories=("Certifications, Regulations, and Standards",),
        availability_note="Documents stay available for at least 12 months.",
        sections=(
            StpSection(
                id="iso",
                name="ISO/IEC",
                path="Certifications, Regulations, and Standards > ISO/IEC",
            ),
            StpSection(
                id="soc",
                name="SOC Reports",
                path="Certifications, Regulations, and Standards > SOC",
            ),
            StpSection(
                id="pci",
                name="PCI DSS",
                path="Certifications, Regulations, and Standards > PCI DSS",
            ),
            StpSection(
                id="legal", name="Data Protection Addendum", path="Microsoft licensing terms"
            ),
        ),
        sources=("stp",),
    )
    responsibility = SharedResponsibility(
        statement="A Microsoft certificate never covers the customer's own part of the service.",
        matrix=(
            MatrixRow(
                area="Information and data",
                on_premises="customer",
                iaas="customer",
                paas="customer",
                saas="customer",
                mmd="customer",
            ),
        ),
        always_customer=("Information and data", "Accounts and identities"),
        service_position="SaaS-like managed service",
        sources=("shared-resp",),
    )
    return Catalog(
        meta=CatalogMeta(
            schema_version=1,
            as_of=date(2026, 11, 1),
            title="assessor test catalog",
            sha256=hashlib.sha256(b"test-catalog").hexdigest(),
        ),
        sources=(
            _src("mmd-compliance", "Microsoft Managed Desktop: Compliance and security controls"),
            _src("mmd-eol", "What is Microsoft Managed Desktop? (end-of-life notice)"),
            _src("stp", "Get started with the Service Trust Portal"),
            _src("shared-resp", "Shared responsibility in the cloud"),
        ),
        services=(service,),
        certifications=certs,
        frameworks=frameworks,
        groups=(),
        stp=stp,
        responsibility=responsibility,
    )


# (text as typed, framework id or None)
DEFAULT_ROWS: tuple[tuple[str, str | None], ...] = (
    ("ISO/IEC 27001:2022", "iso-27001"),
    ("SOC2 Type II", "soc-2"),
    ("SOX", "sox"),
    ("PCI DSS v4.0.1", "pci-dss"),
    ("NIST SP 800-53 Rev 5", "nist-800-53"),
    ("HIPAA", "hipaa"),
    ("ISO 27018", "iso-27018"),
    ("FedRAMP Moderate", "fedramp"),
    ("Acme internal policy 7", None),
    ("SOC 1 Type 2", "soc-1"),
    ("NIST CSF 2.0", "nist-csf"),
    ("ISO 27001", "iso-27001"),
    ("SOC 2", "soc-2"),
    ("GDPR-ish thing", None),
    ("PCI", "pci-dss"),
)


def _finding(
    catalog: Catalog, ref: CellRef, text: str, fid: str | None, period_end: date
) -> Finding:
    """A miniature engine, good enough to exercise every status and responsibility."""
    if fid is None:
        return Finding(
            source=ref,
            requirement=text,
            framework=None,
            status="unrecognized",
            responsibility="customer",
            certifications=(),
            evidence=(),
            customer_actions=(f"Correct the entry {text!r}: name a framework the catalog knows.",),
            caveats=(),
            suggestions=("iso-27001", "soc-2"),
            rationale="The text names no framework the catalog knows.",
        )
    fw = catalog.framework(fid)
    evidence = tuple(
        EvidenceRef(
            title=doc.title_pattern,
            kind=doc.kind,
            stp_section=doc.stp_section,
            scope_location=doc.scope_location,
            restricted=doc.restricted,
            self_attested=doc.self_attested,
            certification=cid,
        )
        for cid in fw.certifications
        for doc in catalog.certification(cid).evidence
    )
    caveats: list[str] = []
    if fw.relation == "held":
        status = "covered"
        if fid == "pci-dss":
            status = "partial"
            caveats.append("MMD's PCI DSS scope is not confirmed by any Microsoft service list.")
        if period_end > EOL:
            status = "partial"
            caveats.append(
                "The period runs past 31 July 2024, when MMD reached end of life: no audit "
                "after that date covers it."
            )
        responsibility = "shared"
    elif fw.relation == "supports":
        status, responsibility = "partial", "shared"
        caveats.append(f"{fw.name} is only supported by {', '.join(fw.certifications)}.")
    else:
        status, responsibility = "gap", "customer"
    if any(e.self_attested for e in evidence):
        caveats.append("Bridge letters are Microsoft's own statement, not an auditor's.")
    return Finding(
        source=ref,
        requirement=text,
        framework=FrameworkRef(id=fw.id, name=fw.name, version=None),
        status=status,  # type: ignore[arg-type]
        responsibility=responsibility,  # type: ignore[arg-type]
        certifications=fw.certifications,
        evidence=evidence,
        customer_actions=tuple(d.text for d in fw.customer_duties),
        caveats=tuple(caveats),
        suggestions=(),
        rationale=fw.rationale,
    )


def make_case(
    *,
    n: int = 15,
    rows: tuple[tuple[str, str | None], ...] = DEFAULT_ROWS,
    organization: str = "Contoso Group",
    unit: str = "Retail Banking",
    file: str = "contoso-frameworks.xlsx",
    sheet: str = "Requirements",
    as_of: date = date(2026, 11, 29),
    period: tuple[date, date] | None = (date(2024, 1, 1), date(2024, 6, 30)),
    rejected_reason: str = "no framework named in column B",
    owner: str | None = "Jane Doe",
    auditor: str | None = "Fabrikam Audit LLP",
    warnings: tuple[str, ...] = (),
    catalog: Catalog | None = None,
    due: date | None = None,
    priority: str | None = None,
) -> tuple[Assessment, Catalog, IntakeResult]:
    """An assessment of `n` requirements (cycling `rows`), with two rejected rows."""
    catalog = catalog or make_catalog()
    bu = BusinessUnit(
        name=unit,
        owner=owner,
        auditor=auditor,
        period_start=period[0] if period else None,
        period_end=period[1] if period else None,
    )
    period_model = (
        Period(start=period[0], end=period[1], basis="audit-period")
        if period
        else Period(start=None, end=as_of, basis="as-of")
    )
    reqs = []
    findings = []
    for i in range(n):
        text, fid = rows[i % len(rows)]
        ref = CellRef(file=file, sheet=sheet, row=i + 2, column="B")
        reqs.append(
            Requirement(
                source=ref,
                business_unit=unit,
                text=text,
                cell_text=text,
                owner=owner,
                due_date=due,
                priority=priority,
            )
        )
        findings.append(_finding(catalog, ref, text, fid, period_model.end))
    rejected = (
        RejectedRow(file=file, sheet=sheet, row=n + 2, reason=rejected_reason, business_unit=unit),
        RejectedRow(file=file, sheet=sheet, row=n + 3, reason="blank framework cell"),
    )
    intake = IntakeResult(
        file=file,
        path=f"/data/{file}",
        sha256=hashlib.sha256(file.encode()).hexdigest(),
        requirements=tuple(reqs),
        units=(bu,),
        rejected=rejected,
        warnings=warnings,
        data_rows=n + 2,
        sheets_read=(sheet,),
    )
    assessment = Assessment(
        organization=organization,
        business_unit=bu,
        as_of=as_of,
        period=period_model,
        services=("mmd",),
        findings=tuple(findings),
        rejected=rejected[:1],
        lifecycle_note=(
            "The audited period lies inside the service's life."
            if period_model.end <= EOL
            else "The period runs past the end of life: no MMD certification covers it."
        ),
    )
    return assessment, catalog, intake


GOLD = Path(__file__).parent / "gold"


def check_gold(actual: str, name: str, update: bool, *, version: str) -> None:
    """Compare with tests/gold/<name> (only the tool version scrubbed); rewrite on --update-gold."""
    scrubbed = actual.replace(version, "<VERSION>")
    path = GOLD / name
    if update or not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(scrubbed, encoding="utf-8")
        if not update:
            raise AssertionError(f"{path} did not exist; written now, review and commit it")
        return
    expected = path.read_text(encoding="utf-8")
    if scrubbed != expected:
        diff = "\n".join(
            difflib.unified_diff(
                expected.splitlines(), scrubbed.splitlines(), str(path), "actual", lineterm=""
            )
        )
        raise AssertionError(f"{name} differs from gold (pytest --update-gold to accept):\n{diff}")


REAL_ROWS: tuple[str, ...] = (
    "ISO/IEC 27001:2022",
    "SOC2 Type II",
    "SOX",
    "PCI DSS v4.0.1",
    "NIST SP 800-53 Rev 5",
    "HIPAA / HITRUST",
    "ISO 27018",
    "FedRAMP Moderate",
    "Acme internal policy 7",
    "SOC 1 Type 2",
    "ISO 27701",
    "CSA STAR Level 2",
    "IRAP",
    "ISO 22301",
    "GDPR",
)


def real_case(
    *,
    n: int = 15,
    period: tuple[date, date] | None = (date(2024, 1, 1), date(2024, 6, 30)),
    unit: str = "Retail Banking",
    as_of: date = date(2026, 11, 29),
) -> tuple[Assessment, Catalog, IntakeResult]:
    """The shipped catalog and the real engine on an intake built in code (no workbook)."""
    from assessor.assess import engine
    from assessor.catalog.load import load_catalog
    from assessor.recognize.match import split_frameworks

    catalog = load_catalog()
    file, sheet = "contoso-frameworks.xlsx", "Requirements"
    bu = BusinessUnit(
        name=unit,
        owner="Jane Doe",
        period_start=period[0] if period else None,
        period_end=period[1] if period else None,
    )
    reqs = []
    for i in range(n):
        cell = REAL_ROWS[i % len(REAL_ROWS)]
        ref = CellRef(file=file, sheet=sheet, row=i + 2, column="B")
        reqs.extend(
            Requirement(source=ref, business_unit=unit, text=part, cell_text=cell)
            for part in split_frameworks(cell, catalog)
        )
    intake = IntakeResult(
        file=file,
        path=f"/data/{file}",
        sha256=hashlib.sha256(file.encode()).hexdigest(),
        requirements=tuple(reqs),
        units=(bu,),
        rejected=(RejectedRow(file=file, sheet=sheet, row=n + 2, reason="blank framework cell"),),
        warnings=(),
        data_rows=n + 1,
        sheets_read=(sheet,),
    )
    (assessment,) = engine.assess(intake, catalog, as_of=as_of, organization="Contoso Group")
    return assessment, catalog, intake
