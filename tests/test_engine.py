"""Engine status rules: covered only when everything is proven; every other case says why."""

from __future__ import annotations

import sys
import types
from collections.abc import Iterator
from datetime import date

import pytest

from assessor.assess import editions, engine, wording
from assessor.assess.basis import Basis
from assessor.domain.models import (
    BusinessUnit,
    Candidate,
    Catalog,
    CatalogMeta,
    CellRef,
    Certification,
    Duty,
    Edition,
    EvidenceDoc,
    Finding,
    Framework,
    GroupAlias,
    HeldEdition,
    IntakeResult,
    Lifecycle,
    Match,
    MatrixRow,
    Period,
    RejectedRow,
    Requirement,
    ServiceProfile,
    SharedResponsibility,
    Source,
    StpLayout,
    StpSection,
)
from assessor.domain.text import normalize_text

EOL = date(2024, 7, 31)
INSIDE = Period(start=date(2023, 1, 1), end=date(2023, 12, 31), basis="audit-period")
STRADDLE = Period(start=date(2024, 1, 1), end=date(2024, 12, 31), basis="audit-period")
AFTER = Period(start=None, end=date(2026, 11, 29), basis="as-of")
SUCCESSORS = ("Microsoft Intune", "Windows Autopatch", "Windows 365")

# ---------------------------------------------------------------------------
# A small catalog built in code, shaped like the shipped one but with our own wording.


def _doc(
    doc_id: str,
    title: str,
    kind: str = "certificate",
    *,
    section: str = "iso",
    restricted: bool = False,
    self_attested: bool = False,
) -> EvidenceDoc:
    return EvidenceDoc.model_validate(
        {
            "id": doc_id,
            "title_pattern": title,
            "kind": kind,
            "stp_section": section,
            "scope_location": "Monitoring + Management",
            "restricted": restricted,
            "self_attested": self_attested,
        }
    )


SCOPES: dict[str, str] = {}  # certification id -> the test service's scope confidence


def _cert(
    cert_id: str,
    name: str,
    *,
    framework: str,
    editions: tuple[HeldEdition, ...] = (),
    scope: str = "confirmed",
    assurance: str = "certification",
    evidence: tuple[EvidenceDoc, ...] = (),
    duties: tuple[Duty, ...] = (),
    caveats: tuple[str, ...] = (),
) -> Certification:
    SCOPES[cert_id] = scope
    return Certification.model_validate(
        {
            "id": cert_id,
            "name": name,
            "framework": framework,
            "standard_version": "n/a",
            "editions": editions,
            "assurance": assurance,
            "auditor": "Example auditor",
            "cadence": "annual",
            "validity": "one year",
            "proves": f"what {name} proves",
            "does_not_prove": f"what {name} does not prove",
            "evidence": evidence or (_doc(f"{cert_id}-cert", f"{name} certificate"),),
            "duties": duties,
            "caveats": caveats,
            "sources": ("src",),
        }
    )


def _fw(
    fw_id: str,
    name: str,
    relation: str,
    certs: tuple[str, ...] = (),
    *,
    aliases: tuple[str, ...] = (),
    editions: tuple[Edition, ...] = (),
    duties: tuple[Duty, ...] = (),
) -> Framework:
    return Framework.model_validate(
        {
            "id": fw_id,
            "name": name,
            "short_name": name,
            "category": "test",
            "relation": relation,
            "certifications": certs,
            "rationale": f"Rationale for {name}.",
            "customer_duties": duties,
            "aliases": aliases,
            "editions": editions,
        }
    )


def _held(edition: str, confidence: str = "confirmed") -> HeldEdition:
    return HeldEdition.model_validate({"edition": edition, "confidence": confidence})


def _ed(ed_id: str, label: str, **kw: object) -> Edition:
    return Edition.model_validate({"id": ed_id, "label": label, **kw})


CUSTOMER_DUTY = Duty(text="Evidence your own ISMS.", owner="customer")
SHARED_DUTY = Duty(text="Configure device policies.", owner="shared")
MS_DUTY = Duty(text="Operate the datacenters.", owner="microsoft")


def make_catalog(
    *,
    eol: date | None = EOL,
    status: str = "end-of-life",
    service_certs: tuple[str, ...] | None = None,
) -> Catalog:
    """A catalog with one example of every rule the engine applies."""
    certs = (
        _cert(
            "iso-27001",
            "ISO/IEC 27001",
            framework="ISO/IEC 27001",
            editions=(_held("2013"), _held("2022", "unconfirmed")),
            duties=(CUSTOMER_DUTY, MS_DUTY),
        ),
        _cert(
            "iso-27701",
            "ISO/IEC 27701",
            framework="ISO/IEC 27701",
            editions=(_held("2019"),),
            duties=(SHARED_DUTY,),
        ),
        _cert("iso-9001", "ISO 9001", framework="ISO 9001", duties=(MS_DUTY,)),
        _cert(
            "soc-1",
            "SOC 1 Type 2",
            framework="SOC 1",
            assurance="attestation-report",
            editions=(_held("type2"),),
            evidence=(
                _doc("soc1", "SOC 1 Type 2 Report", "soc-report", section="soc", restricted=True),
                _doc(
                    "bridge",
                    "SOC Bridge Letter",
                    "bridge-letter",
                    section="soc",
                    self_attested=True,
                ),
            ),
            duties=(Duty(text="Operate complementary user entity controls.", owner="customer"),),
        ),
        _cert(
            "soc-2",
            "SOC 2 Type 2",
            framework="SOC 2",
            assurance="attestation-report",
            editions=(_held("type2"),),
            evidence=(
                _doc("soc2", "SOC 2 Type 2 Report", "soc-report", section="soc", restricted=True),
                _doc(
                    "bridge",
                    "SOC Bridge Letter",
                    "bridge-letter",
                    section="soc",
                    self_attested=True,
                ),
            ),
            duties=(SHARED_DUTY,),
        ),
        _cert(
            "soc-3",
            "SOC 3",
            framework="SOC 3",
            assurance="attestation-report",
            duties=(SHARED_DUTY,),
        ),
        _cert(
            "pci-dss",
            "PCI DSS",
            framework="PCI DSS",
            scope="claimed",
            assurance="assessment",
            editions=(_held("4.0"),),
            duties=(Duty(text="Assess your own cardholder data environment.", owner="customer"),),
        ),
        _cert(
            "hipaa",
            "HIPAA/HITECH BAA",
            framework="HIPAA",
            assurance="contractual-commitment",
            duties=(Duty(text="Run your own HIPAA compliance program.", owner="customer"),),
        ),
        _cert("csa-star-attestation", "CSA STAR Attestation", framework="CSA STAR"),
        _cert("csa-star-certification", "CSA STAR Certification", framework="CSA STAR"),
        _cert(
            "iso-20000-1",
            "ISO/IEC 20000-1",
            framework="ISO/IEC 20000-1",
            editions=(_held("2011", "unconfirmed"),),
        ),
    )
    frameworks = (
        _fw(
            "iso-27001",
            "ISO/IEC 27001",
            "held",
            ("iso-27001",),
            aliases=("ISO 27001", "ISO/IEC 27001"),
            editions=(
                _ed("2013", "ISO/IEC 27001:2013", status="superseded", superseded_by="2022"),
                _ed("2022", "ISO/IEC 27001:2022"),
            ),
        ),
        _fw(
            "iso-27701",
            "ISO/IEC 27701",
            "held",
            ("iso-27701",),
            aliases=("ISO 27701",),
            editions=(
                _ed("2019", "ISO/IEC 27701:2019", status="superseded", superseded_by="2025"),
                _ed("2025", "ISO/IEC 27701:2025"),
            ),
        ),
        _fw("iso-9001", "ISO 9001", "held", ("iso-9001",), aliases=("ISO 9001",)),
        _fw(
            "soc-1",
            "SOC 1",
            "held",
            ("soc-1",),
            aliases=("SOC 1",),
            editions=(
                _ed("type1", "SOC 1 Type 1", aliases=("Type 1", "Type I")),
                _ed(
                    "type2",
                    "SOC 1 Type 2",
                    aliases=("Type 2", "Type II"),
                    also_satisfies=("type1",),
                ),
            ),
        ),
        _fw(
            "soc-2",
            "SOC 2",
            "held",
            ("soc-2",),
            aliases=("SOC 2", "SOC2"),
            editions=(
                _ed("type1", "SOC 2 Type 1", aliases=("Type 1", "Type I")),
                _ed(
                    "type2",
                    "SOC 2 Type 2",
                    aliases=("Type 2", "Type II"),
                    also_satisfies=("type1",),
                ),
            ),
        ),
        _fw("soc-3", "SOC 3", "held", ("soc-3",), aliases=("SOC 3",)),
        _fw(
            "pci-dss",
            "PCI DSS",
            "held",
            ("pci-dss",),
            aliases=("PCI DSS", "PCI"),
            editions=(
                _ed(
                    "3.2.1",
                    "PCI DSS v3.2.1",
                    status="retired",
                    retired_on=date(2024, 3, 31),
                    superseded_by="4.0.1",
                ),
                _ed(
                    "4.0",
                    "PCI DSS v4.0",
                    status="retired",
                    retired_on=date(2024, 12, 31),
                    superseded_by="4.0.1",
                ),
                _ed("4.0.1", "PCI DSS v4.0.1"),
            ),
        ),
        _fw("hipaa", "HIPAA/HITECH", "held", ("hipaa",), aliases=("HIPAA",)),
        _fw(
            "csa-star-attestation",
            "CSA STAR Attestation",
            "held",
            ("csa-star-attestation",),
            aliases=("CSA STAR Attestation",),
        ),
        _fw(
            "csa-star-certification",
            "CSA STAR Certification",
            "held",
            ("csa-star-certification",),
            aliases=("CSA STAR Certification",),
        ),
        _fw(
            "iso-20000-1",
            "ISO/IEC 20000-1",
            "held",
            ("iso-20000-1",),
            aliases=("ISO 20000-1",),
            editions=(_ed("2011", "ISO/IEC 20000-1:2011"), _ed("2018", "ISO/IEC 20000-1:2018")),
        ),
        _fw(
            "sox",
            "Sarbanes-Oxley Act",
            "supports",
            ("soc-1",),
            aliases=("SOX",),
            duties=(Duty(text="Evidence your own ICFR controls.", owner="customer"),),
        ),
        _fw(
            "fedramp",
            "FedRAMP",
            "none",
            aliases=("FedRAMP",),
            duties=(Duty(text="Use a FedRAMP-authorized service.", owner="customer"),),
        ),
    )
    service = ServiceProfile.model_validate(
        {
            "id": "mmd",
            "name": "Microsoft Managed Desktop",
            "default": True,
            "description": "desktop service",
            "lifecycle": Lifecycle.model_validate(
                {
                    "status": status,
                    "end_of_life": eol,
                    "statement": "EOL",
                    "sources": ("src",),
                }
            ),
            "compliance_page": "https://example.invalid/compliance",
            "document_name_pattern": "Azure, Dynamics 365, and Online Services",
            "successors": SUCCESSORS,
            "scope": tuple(
                {
                    "certification": c.id,
                    "confidence": SCOPES[c.id],
                    "last_seen": ({"date": date(2023, 3, 10), "source": "src"},),
                    "location": "Monitoring + Management",
                    "note": f"scope note for {c.name}",
                }
                for c in certs
                if service_certs is None or c.id in service_certs
            ),
            "responsibility_model": "SaaS",
            "sources": ("src",),
        }
    )
    return Catalog(
        meta=CatalogMeta(schema_version=1, as_of=date(2026, 11, 1), title="test", sha256="0" * 64),
        sources=(
            Source(id="src", title="Test source", url="https://example.invalid", checked=EOL),
        ),
        services=(service,),
        certifications=certs,
        frameworks=frameworks,
        groups=(
            GroupAlias(
                alias="CSA STAR Level 2",
                frameworks=("csa-star-attestation", "csa-star-certification"),
                note="Level 2 is both.",
            ),
            GroupAlias(
                alias="SOC",
                frameworks=("soc-1", "soc-2", "soc-3"),
                ambiguous=True,
                note="Say which SOC report.",
            ),
        ),
        stp=StpLayout(
            home="https://example.invalid/stp",
            menu=("Home",),
            categories=("Certifications",),
            availability_note="12 months",
            sections=(
                StpSection(id="iso", name="ISO/IEC", path="Certifications > ISO/IEC"),
                StpSection(id="soc", name="SOC Reports", path="Certifications > SOC"),
            ),
            sources=("src",),
        ),
        responsibility=SharedResponsibility(
            statement="shared",
            matrix=(
                MatrixRow(
                    area="Customer data",
                    on_premises="customer",
                    iaas="customer",
                    paas="customer",
                    saas="customer",
                    mmd="customer",
                ),
            ),
            always_customer=("Data",),
            service_position="SaaS",
            sources=("src",),
        ),
    )


CATALOG = make_catalog()
SERVICE = CATALOG.service()


def fake_match_text(text: str, catalog: Catalog) -> Match:
    """Exact-alias recognition with a trailing edition: enough to drive the engine in tests."""
    norm = normalize_text(text).lower()
    for group in catalog.groups:
        if norm == group.alias.lower():
            cands = tuple(Candidate(framework=f, score=100, via="group") for f in group.frameworks)
            if group.ambiguous:
                return Match(
                    text=text, status="ambiguous", suggestions=group.frameworks, note=group.note
                )
            return Match(text=text, status="matched", frameworks=cands, note=group.note)
    for fw in sorted(catalog.frameworks, key=lambda f: -max(len(a) for a in (*f.aliases, f.name))):
        for alias in sorted((*fw.aliases, fw.name), key=len, reverse=True):
            a = alias.lower()
            if norm == a or norm.startswith(a + " ") or norm.startswith(a + ":"):
                rest = norm[len(a) :].strip(" :")
                edition = None
                if rest:
                    ed = editions.resolve_version(fw, rest)
                    if ed is None:
                        continue
                    edition = ed.id
                cand = Candidate(framework=fw.id, edition=edition, score=100, via="alias")
                return Match(text=text, status="matched", frameworks=(cand,))
    return Match(text=text, status="unrecognized", suggestions=("iso-27001", "soc-2"))


@pytest.fixture(autouse=True)
def fake_recognize(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Drive the engine with the fake recognizer so these tests test rules, not recognition."""
    module = sys.modules.get("assessor.recognize.match")
    if module is None:
        try:
            import assessor.recognize.match as module
        except ImportError:
            module = types.ModuleType("assessor.recognize.match")
            monkeypatch.setitem(sys.modules, "assessor.recognize.match", module)
    monkeypatch.setattr(module, "match_text", fake_match_text, raising=False)
    yield


def req(
    text: str,
    *,
    version: str | None = None,
    unit: str = "Finance",
    row: int = 2,
    sheet: str = "Requirements",
) -> Requirement:
    return Requirement(
        source=CellRef(file="in.xlsx", sheet=sheet, row=row, column="A"),
        business_unit=unit,
        text=text,
        cell_text=text,
        version=version,
    )


def one(text: str, period: Period = INSIDE, *, version: str | None = None) -> Finding:
    findings = engine.assess_requirement(
        req(text, version=version), Basis.of(CATALOG, period=period, service=SERVICE)
    )
    assert len(findings) == 1, findings
    return findings[0]


def caveats_text(f: Finding) -> str:
    return "\n".join(f.caveats)


# ---------------------------------------------------------------------------
# Status rules


@pytest.mark.parametrize(
    ("text", "version", "period", "status", "why"),
    [
        # covered: held, listed, confirmed scope, edition ok, period inside life
        ("ISO 27001", None, INSIDE, "covered", ""),
        ("ISO 27001", "2013", INSIDE, "covered", ""),
        ("ISO 9001", None, INSIDE, "covered", ""),
        ("SOC 2", "Type 2", INSIDE, "covered", ""),
        ("SOC 2 Type I", None, INSIDE, "covered", ""),  # Type 2 also satisfies Type 1
        # a contractual commitment is never a certification: at most partial (issue 11)
        ("HIPAA", None, INSIDE, "partial", "has no certification"),
        # edition asked is documented only as unconfirmed
        ("ISO 27001", "2022", INSIDE, "partial", "do not confirm"),
        ("ISO/IEC 27001:2022", None, INSIDE, "partial", "ISO/IEC 27001:2022 was asked"),
        # edition asked is not held at all
        ("ISO 20000-1", "2018", INSIDE, "partial", "ISO/IEC 20000-1:2018 was asked"),
        # held edition documented only as unconfirmed, none asked
        ("ISO 20000-1", None, INSIDE, "partial", "edition of ISO/IEC 20000-1 is not confirmed"),
        # version nobody knows
        ("ISO 27001", "2031", INSIDE, "partial", "'2031'"),
        # scope claimed
        ("PCI DSS", None, INSIDE, "partial", "scope for PCI DSS is only claimed"),
        ("PCI DSS", "4.0", INSIDE, "partial", "scope for PCI DSS is only claimed"),
        # retired edition relative to the period
        ("PCI DSS", "3.2.1", STRADDLE, "partial", "retired on 31 March 2024"),
        # supports only
        ("SOX", None, INSIDE, "partial", "SOC 1 Type 2 supports Sarbanes-Oxley Act"),
        # past end of life
        ("ISO 27001", None, STRADDLE, "partial", "runs past Microsoft Managed Desktop's end"),
        # retired before the period: its certifications cover nothing (a gap)
        ("ISO 27001", None, AFTER, "gap", "was retired on 31 July 2024"),
        ("SOC 2", "Type 2", AFTER, "gap", "was retired on 31 July 2024"),
        # nothing held
        ("FedRAMP", None, INSIDE, "gap", ""),
        ("FedRAMP", None, AFTER, "gap", ""),
        # nothing recognized
        ("Blorfle Act 1999", None, INSIDE, "unrecognized", "Closest known frameworks"),
        ("SOC", None, INSIDE, "unrecognized", "ambiguous"),
    ],
)
def test_status_rule(text: str, version: str | None, period: Period, status: str, why: str) -> None:
    f = one(text, period, version=version)
    assert f.status == status, (f.status, f.caveats)
    assert why in caveats_text(f)
    assert f.rationale.strip()


def test_covered_when_period_inside_life_for_iso_27001_without_edition() -> None:
    f = one("ISO 27001", INSIDE)
    assert f.status == "covered"
    assert f.certifications == ("iso-27001",)
    assert f.responsibility == "shared"
    assert f.customer_actions == ("Evidence your own ISMS.",)  # microsoft duties left out
    assert [e.title for e in f.evidence] == ["ISO/IEC 27001 certificate"]
    assert f.framework is not None and f.framework.version is None


def test_covered_on_eol_day_but_not_the_day_after() -> None:
    on_day = Period(start=date(2023, 8, 1), end=EOL, basis="audit-period")
    day_after = Period(start=date(2023, 8, 2), end=date(2024, 8, 1), basis="audit-period")
    assert one("ISO 27001", on_day).status == "covered"
    assert one("ISO 27001", day_after).status == "partial"


@pytest.mark.parametrize(
    "text", [fw.aliases[0] for fw in CATALOG.frameworks] + ["SOC", "Blorfle", "CSA STAR Level 2"]
)
def test_as_of_after_eol_is_at_most_partial_for_everything(text: str) -> None:
    period = engine.period_for(BusinessUnit(name="Finance"), date(2026, 11, 29))
    for f in engine.assess_requirement(
        req(text), Basis.of(CATALOG, period=period, service=SERVICE)
    ):
        assert f.status != "covered"
        if f.status == "partial":
            assert "end of life on 31 July 2024" in caveats_text(f)
            assert all(s in caveats_text(f) for s in SUCCESSORS)


@pytest.mark.parametrize("period", [INSIDE, STRADDLE])
@pytest.mark.parametrize("version", [None, "3.2.1", "4.0", "4.0.1"])
def test_pci_dss_is_always_partial_because_scope_is_claimed(
    period: Period, version: str | None
) -> None:
    f = one("PCI DSS", period, version=version)
    assert f.status == "partial"
    assert "scope for PCI DSS is only claimed" in caveats_text(f)
    assert f.responsibility == "shared"
    assert "Assess your own cardholder data environment." in f.customer_actions


def test_pci_dss_retired_version_is_flagged_only_relative_to_the_period() -> None:
    early = Period(start=date(2023, 1, 1), end=date(2023, 6, 30), basis="audit-period")
    assert "retired on 31 March 2024, before" not in caveats_text(
        one("PCI", early, version="3.2.1")
    )
    assert "retired from 31 March 2024" in caveats_text(one("PCI", early, version="3.2.1"))
    assert "retired on 31 March 2024, before" in caveats_text(one("PCI", STRADDLE, version="3.2.1"))


def test_sox_is_partial_via_soc_1_naming_what_it_proves_and_does_not() -> None:
    f = one("SOX")
    assert f.status == "partial"
    assert f.certifications == ("soc-1",)
    assert f.responsibility == "shared"
    text = caveats_text(f)
    assert "What it proves: What SOC 1 Type 2 proves." in text
    assert "What it does not prove: What SOC 1 Type 2 does not prove." in text
    assert "Evidence your own ICFR controls." in f.customer_actions
    assert "Operate complementary user entity controls." in f.customer_actions


def test_fedramp_is_a_customer_gap_with_no_evidence() -> None:
    f = one("FedRAMP")
    assert (f.status, f.responsibility) == ("gap", "customer")
    assert f.certifications == () and f.evidence == ()
    assert f.customer_actions == ("Use a FedRAMP-authorized service.",)
    assert "held no certification that supports FedRAMP" in f.rationale


def test_gibberish_is_unrecognized_with_framework_names_as_suggestions() -> None:
    f = one("Blorfle Act 1999")
    assert (f.status, f.responsibility, f.framework) == ("unrecognized", "customer", None)
    assert f.suggestions == ("ISO/IEC 27001", "SOC 2")  # names, closest first


def test_bare_soc_asks_which_one() -> None:
    f = one("SOC")
    assert f.status == "unrecognized"
    assert f.suggestions == ("SOC 1", "SOC 2", "SOC 3")
    assert "SOC 1, SOC 2 or SOC 3" in caveats_text(f)
    assert "Say which SOC report." in caveats_text(f)


def test_csa_star_level_2_gives_two_findings_on_the_same_row() -> None:
    findings = engine.assess_requirement(
        req("CSA STAR Level 2", row=7), Basis.of(CATALOG, period=INSIDE, service=SERVICE)
    )
    assert [f.framework.id for f in findings if f.framework] == [
        "csa-star-attestation",
        "csa-star-certification",
    ]
    assert {f.source.row for f in findings} == {7}
    assert all(f.status == "covered" for f in findings)


def test_soc_reports_carry_nda_and_self_attested_bridge_letter_caveats() -> None:
    f = one("SOC 2", version="Type 2")
    assert wording.NDA_CAVEAT in f.caveats
    assert wording.SELF_ATTESTED_CAVEAT in f.caveats
    assert [(e.title, e.restricted, e.self_attested) for e in f.evidence] == [
        ("SOC 2 Type 2 Report", True, False),
        ("SOC Bridge Letter", False, True),
    ]


def test_sox_evidence_lists_a_shared_document_once() -> None:
    catalog = make_catalog()
    fw = catalog.framework("sox").model_copy(update={"certifications": ("soc-1", "soc-2")})
    catalog = catalog.model_copy(
        update={"frameworks": tuple(fw if f.id == "sox" else f for f in catalog.frameworks)}
    )
    f = engine.finding_for(
        req("SOX"),
        Candidate(framework="sox", score=100, via="alias"),
        Basis.of(catalog, period=INSIDE, service=catalog.service()),
    )
    titles = [e.title for e in f.evidence]
    assert titles.count("SOC Bridge Letter") == 1
    assert titles == sorted(titles)


def test_hipaa_says_there_is_no_certification_and_the_baa_does_not_make_you_compliant() -> None:
    f = one("HIPAA")
    assert "has no certification" in caveats_text(f)
    assert "does not by itself make the customer compliant" in caveats_text(f)
    # said once, in full: the catalog's short caveat would repeat the contractual sentence
    assert caveats_text(f).count("has no certification") == 1
    assert "catalog-caveat" not in [r.code for r in f.reasons]


def test_superseded_edition_is_noted_without_changing_the_status() -> None:
    f = one("ISO 27701")
    assert f.status == "covered"
    assert "a newer edition, ISO/IEC 27701:2025, exists" in caveats_text(f)
    g = one("ISO 27701", version="2019")
    assert g.status == "covered"
    assert "has been superseded: ISO/IEC 27701:2025 exists" in caveats_text(g)


def test_responsibility_is_microsoft_only_when_no_duty_remains() -> None:
    f = one("ISO 9001")  # only a Microsoft-owned duty
    assert (f.status, f.responsibility, f.customer_actions) == ("covered", "microsoft", ())


def test_certification_not_listed_for_the_service_is_a_gap() -> None:
    catalog = make_catalog(service_certs=("soc-2",))
    f = engine.finding_for(
        req("ISO 27001"),
        Candidate(framework="iso-27001", score=100, via="alias"),
        Basis.of(catalog, period=INSIDE, service=catalog.service()),
    )
    assert (f.status, f.responsibility) == ("gap", "customer")


def test_fuzzy_recognition_is_never_covered() -> None:
    f = engine.finding_for(
        req("ISO 2700l"),
        Candidate(framework="iso-27001", score=91, via="fuzzy"),
        Basis.of(CATALOG, period=INSIDE, service=SERVICE),
    )
    assert f.status == "partial"
    assert "approximate match" in caveats_text(f)


def test_conflicting_editions_in_name_and_version_column_are_partial() -> None:
    f = engine.finding_for(
        req("ISO 27001:2013", version="2022"),
        Candidate(framework="iso-27001", edition="2013", score=100, via="alias"),
        Basis.of(CATALOG, period=INSIDE, service=SERVICE),
    )
    assert f.status == "partial"
    assert "conflicting editions" in caveats_text(f)


def test_end_of_life_without_a_date_is_never_covered() -> None:
    catalog = make_catalog(eol=None)
    f = engine.finding_for(
        req("ISO 27001"),
        Candidate(framework="iso-27001", score=100, via="alias"),
        Basis.of(catalog, period=INSIDE, service=catalog.service()),
    )
    assert f.status == "partial"


def test_available_service_is_covered_only_near_its_last_sighting() -> None:
    catalog = make_catalog(eol=None, status="available")

    def judged(period: Period) -> Finding:
        return engine.finding_for(
            req("ISO 27001"),
            Candidate(framework="iso-27001", score=100, via="alias"),
            Basis.of(catalog, period=period, service=catalog.service()),
        )

    assert judged(INSIDE).status == "covered"  # sighting 10 March 2023, inside the 2023 period
    late = judged(AFTER)  # judged at 29 November 2026: the 2023 sighting is too old
    assert late.status == "partial"
    assert [r.code for r in late.reasons if r.effect == "blocks"] == ["scope-last-seen"]
    assert "last shown in scope for ISO/IEC 27001 on 10 March 2023" in late.rationale


@pytest.mark.parametrize("period", [INSIDE, STRADDLE, AFTER], ids=["inside", "straddle", "after"])
@pytest.mark.parametrize(
    "text", [*(fw.aliases[0] for fw in CATALOG.frameworks), "SOC", "Blorfle", "CSA STAR Level 2"]
)
def test_rationale_is_one_or_two_plain_sentences(text: str, period: Period) -> None:
    for f in engine.assess_requirement(
        req(text), Basis.of(CATALOG, period=period, service=SERVICE)
    ):
        assert f.rationale.endswith(".")
        assert 1 <= f.rationale.count(". ") + 1 <= 2, f.rationale


# ---------------------------------------------------------------------------
# Periods and lifecycle note


@pytest.mark.parametrize(
    ("unit", "expected"),
    [
        (BusinessUnit(name="A"), Period(start=None, end=date(2026, 11, 29), basis="as-of")),
        (
            BusinessUnit(name="A", period_start=date(2023, 1, 1), period_end=date(2023, 12, 31)),
            INSIDE,
        ),
        (
            BusinessUnit(name="A", period_end=date(2023, 12, 31)),
            Period(start=None, end=date(2023, 12, 31), basis="audit-period"),
        ),
        (
            BusinessUnit(name="A", period_start=date(2025, 1, 1)),
            Period(start=date(2025, 1, 1), end=date(2026, 11, 29), basis="audit-period"),
        ),
        (  # a start after the as-of date cannot make a period: judged at the as-of date
            BusinessUnit(name="A", period_start=date(2027, 1, 1)),
            Period(start=None, end=date(2026, 11, 29), basis="as-of"),
        ),
    ],
)
def test_period_is_the_audit_period_when_given_else_the_as_of_date(
    unit: BusinessUnit, expected: Period
) -> None:
    assert engine.period_for(unit, date(2026, 11, 29)) == expected


@pytest.mark.parametrize(
    ("period", "as_of", "phrase"),
    [
        (INSIDE, date(2026, 11, 29), "reached end of life on 31 July 2024; the audit period"),
        (
            Period(start=None, end=date(2024, 5, 1), basis="as-of"),
            date(2024, 5, 1),
            "is due to reach end of life on 31 July 2024; the as-of date 1 May 2024 lies inside",
        ),
        (INSIDE, date(2024, 1, 5), "is due to reach end of life on 31 July 2024"),
        (STRADDLE, date(2026, 11, 29), "during the audit period 1 January 2024 to 31 December"),
        (AFTER, date(2026, 11, 29), "before the as-of date 29 November 2026"),
    ],
)
def test_lifecycle_note_states_the_lifecycle_relative_to_the_period(
    period: Period, as_of: date, phrase: str
) -> None:
    note = engine.lifecycle_note(SERVICE, period, as_of)
    assert phrase in note
    assert note.count(". ") == 0 and note.endswith(".")  # one sentence


# ---------------------------------------------------------------------------
# Whole workbook


def intake(
    reqs: tuple[Requirement, ...],
    units: tuple[BusinessUnit, ...] = (),
    rejected: tuple[RejectedRow, ...] = (),
) -> IntakeResult:
    return IntakeResult(
        file="in.xlsx",
        path="/tmp/in.xlsx",
        sha256="0" * 64,
        requirements=reqs,
        units=units,
        rejected=rejected,
        warnings=(),
        data_rows=len(reqs) + len(rejected),
        sheets_read=("Requirements",),
    )


def test_assess_groups_by_unit_sorted_with_each_units_period() -> None:
    result = intake(
        (
            req("SOX", unit="Retail", row=5),
            req("ISO 27001", unit="Finance", row=4),
            req("CSA STAR Level 2", unit="Finance", row=3),
            req("FedRAMP", unit="Finance", row=3, sheet="Annex"),
            req("ISO 27001", unit="Unlisted", row=9),
        ),
        units=(
            BusinessUnit(name="Retail"),
            BusinessUnit(name="Finance", period_start=INSIDE.start, period_end=INSIDE.end),
        ),
    )
    out = engine.assess(result, CATALOG, as_of=date(2026, 11, 29), organization="Contoso")
    assert [a.business_unit.name for a in out] == ["Finance", "Retail", "Unlisted"]
    finance, retail, unlisted = out
    assert finance.period == INSIDE
    assert [
        (f.source.sheet, f.source.row, f.framework.id if f.framework else None)
        for f in finance.findings
    ] == [
        ("Annex", 3, "fedramp"),
        ("Requirements", 3, "csa-star-attestation"),
        ("Requirements", 3, "csa-star-certification"),
        ("Requirements", 4, "iso-27001"),
    ]
    assert finance.findings[-1].status == "covered"
    # a unit found only through its requirements: named, no period, its first cell as source
    assert unlisted.business_unit.name == "Unlisted"
    assert unlisted.business_unit.period_end is None
    assert unlisted.business_unit.source == unlisted.findings[0].source
    assert unlisted.findings[0].status == "gap"  # as-of 2026: MMD was retired before it
    assert retail.period.basis == "as-of"
    assert all(a.organization == "Contoso" and a.services == (SERVICE.id,) for a in out)
    assert "end of life" in finance.lifecycle_note


def test_rejected_rows_go_to_their_unit_or_to_every_unit() -> None:
    rows = (
        RejectedRow(file="in.xlsx", sheet="Requirements", row=8, reason="empty", business_unit="B"),
        RejectedRow(file="in.xlsx", sheet="Requirements", row=6, reason="no framework"),
        RejectedRow(file="in.xlsx", sheet="Requirements", row=9, reason="x", business_unit="Ghost"),
    )
    result = intake((req("ISO 27001", unit="A"), req("SOX", unit="B")), rejected=rows)
    out = {
        a.business_unit.name: a
        for a in engine.assess(result, CATALOG, as_of=date(2026, 11, 29), organization="Contoso")
    }
    assert sorted(out) == ["A", "B", "Ghost"]  # a rejected row's unit is never dropped
    assert [r.row for r in out["A"].rejected] == [6]
    assert [r.row for r in out["B"].rejected] == [6, 8]
    assert [r.row for r in out["Ghost"].rejected] == [6, 9]


def test_assess_is_deterministic() -> None:
    result = intake(
        tuple(
            req(t, unit=u, row=r)
            for r, (t, u) in enumerate(
                [("SOX", "B"), ("PCI", "A"), ("SOC", "A"), ("CSA STAR Level 2", "B")], start=2
            )
        )
    )
    first = engine.assess(result, CATALOG, as_of=date(2024, 1, 1), organization="C")
    second = engine.assess(result, CATALOG, as_of=date(2024, 1, 1), organization="C")
    assert [a.model_dump_json() for a in first] == [a.model_dump_json() for a in second]


def test_unknown_service_is_a_usage_error_naming_the_known_ones() -> None:
    from assessor.domain.errors import UsageError

    with pytest.raises(UsageError) as info:
        engine.assess(intake(()), CATALOG, as_of=date(2024, 1, 1), organization="C", service="x")
    assert info.value.hint is not None and "mmd" in info.value.hint


# ---------------------------------------------------------------------------
# The shipped catalog, through the real recognizer


def _shipped() -> Catalog | None:
    try:
        from assessor.catalog.load import load_catalog

        return load_catalog()
    except Exception:
        return None


SHIPPED = _shipped()
needs_shipped = pytest.mark.skipif(SHIPPED is None, reason="the shipped catalog does not load")


@pytest.fixture
def shipped(fake_recognize: None, monkeypatch: pytest.MonkeyPatch) -> Catalog:
    """The shipped catalog, with the real recognizer put back in place of the fake."""
    import assessor.recognize.match as recognize

    assert SHIPPED is not None
    monkeypatch.setattr(recognize, "match_text", REAL_MATCH_TEXT)
    return SHIPPED


try:
    from assessor.recognize.match import match_text as REAL_MATCH_TEXT
except ImportError:  # pragma: no cover - recognize lands separately
    REAL_MATCH_TEXT = fake_match_text


def shipped_findings(
    catalog: Catalog, text: str, period: Period, *, version: str | None = None
) -> list[Finding]:
    row = req(text, version=version)
    return engine.assess_requirement(
        row, Basis.of(catalog, period=period, service=catalog.service())
    )


@needs_shipped
@pytest.mark.parametrize(
    ("text", "version", "period", "expected"),
    [
        ("ISO 27001", None, INSIDE, [("iso-27001", "covered", "shared")]),
        ("ISO/IEC 27001", "2013", INSIDE, [("iso-27001", "covered", "shared")]),
        ("ISO/IEC 27001:2022", None, INSIDE, [("iso-27001", "partial", "shared")]),
        ("SOC 2 Type II", None, INSIDE, [("soc-2", "covered", "shared")]),
        ("SOC 2", "Type 1", INSIDE, [("soc-2", "covered", "shared")]),
        ("SOC 2 Type II", None, AFTER, [("soc-2", "gap", "customer")]),
        ("PCI DSS", None, INSIDE, [("pci-dss", "partial", "shared")]),
        ("PCI DSS v4.0", None, INSIDE, [("pci-dss", "partial", "shared")]),
        ("SOX", None, INSIDE, [("sox", "partial", "shared")]),
        ("FedRAMP", None, INSIDE, [("fedramp", "gap", "customer")]),
        ("FedRAMP High", None, INSIDE, [("fedramp", "gap", "customer")]),
        ("SOC 1 Type 2", "Type 2", INSIDE, [("soc-1", "covered", "shared")]),  # said twice
        ("PCI", "3.2.1", INSIDE, [("pci-dss", "partial", "shared")]),  # the version disambiguates
        ("PCI", None, INSIDE, [(None, "unrecognized", "customer")]),
        ("HITRUST", None, INSIDE, [("hitrust", "partial", "shared")]),
        (
            "CSA STAR Level 2",
            None,
            INSIDE,
            [
                ("csa-star-attestation", "partial", "shared"),  # MMD scope unconfirmed after 2021
                ("csa-star-certification", "partial", "shared"),
            ],
        ),
        ("SOC", None, INSIDE, [(None, "unrecognized", "customer")]),
        ("Blorfle Quux Standard", None, INSIDE, [(None, "unrecognized", "customer")]),
    ],
)
def test_shipped_catalog_statuses(
    shipped: Catalog,
    text: str,
    version: str | None,
    period: Period,
    expected: list[tuple[str | None, str, str]],
) -> None:
    got = [
        (f.framework.id if f.framework else None, f.status, f.responsibility)
        for f in shipped_findings(shipped, text, period, version=version)
    ]
    assert got == expected


@needs_shipped
def test_shipped_pci_dss_names_the_unbacked_claim_and_the_aoc(shipped: Catalog) -> None:
    (f,) = shipped_findings(shipped, "PCI DSS", INSIDE)
    assert "scope for PCI DSS is only claimed" in caveats_text(f)
    assert "AoC" in caveats_text(f)


@needs_shipped
def test_shipped_as_of_after_eol_names_the_successors(shipped: Catalog) -> None:
    (f,) = shipped_findings(shipped, "ISO 27001", AFTER)
    assert f.status == "gap"
    assert [r.code for r in f.reasons] == ["service-retired"]
    assert f.caveats[0].startswith("Microsoft Managed Desktop was retired on 31 July 2024")
    for successor in shipped.service().successors:
        assert successor in f.caveats[0]


@needs_shipped
def test_shipped_typo_is_unrecognized_with_closest_names_first(shipped: Catalog) -> None:
    (f,) = shipped_findings(shipped, "ISO 2700l", INSIDE)
    assert f.status == "unrecognized"
    assert f.suggestions and f.suggestions[0] == "ISO/IEC 27001"


@needs_shipped
def test_shipped_every_framework_name_past_eol_is_never_covered(shipped: Catalog) -> None:
    for fw in shipped.frameworks:
        for text in (fw.name, fw.short_name, *fw.aliases):
            for f in shipped_findings(shipped, text, AFTER):
                assert f.status != "covered", (text, f.framework)


def test_period_far_from_the_last_sighting_says_to_check_that_periods_report() -> None:
    early = Period(start=date(2021, 1, 1), end=date(2021, 12, 31), basis="audit-period")
    f = one("ISO 27001", early)  # the only sighting (10 March 2023) is 14 months after its end
    assert f.status == "partial"
    assert "last shown in scope for ISO/IEC 27001 on 10 March 2023" in caveats_text(f)
    assert "between 1 January 2020 and 31 December 2022" in caveats_text(f)
    assert "last shown" not in caveats_text(one("ISO 27001", INSIDE))


@needs_shipped
def test_shipped_version_column_repeating_the_named_edition_is_not_an_unknown_edition(
    shipped: Catalog,
) -> None:
    (f,) = shipped_findings(shipped, "PCI DSS 3.2.1", INSIDE, version="3.2.1")
    assert f.framework is not None and f.framework.version == "PCI DSS v3.2.1"
    assert "not one the catalog knows" not in caveats_text(f)
    assert "conflicting" not in caveats_text(f)


def test_unknown_edition_is_partial_and_shown_as_asked() -> None:
    f = engine.finding_for(
        req("ISO 27001:2031"),
        Candidate(framework="iso-27001", edition="2031", score=100, via="alias"),
        Basis.of(CATALOG, period=INSIDE, service=SERVICE),
    )
    assert f.status == "partial"
    assert f.framework is not None and f.framework.version == "2031"
    assert "'2031' is not one the catalog knows" in caveats_text(f)
