"""Issue 11 in the engine: typo reads, review items, contractual commitments, period editions.

Against the shipped catalog: a misspelling read is never covered, a negated or doubted name is
listed for review and assessed as nothing, HIPAA (a contract, no certification) is at most
partial, and an edition spelling that names a line of editions follows the period.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from assessor.assess import engine
from assessor.assess.basis import Basis
from assessor.catalog.load import load_catalog, load_with_overlay
from assessor.domain.models import Catalog, CellRef, Finding, Match, Period, Requirement
from assessor.recognize.match import match_text

IN_2023 = Period(start=date(2023, 1, 1), end=date(2023, 12, 31), basis="audit-period")
H1_2024 = Period(start=date(2024, 1, 1), end=date(2024, 6, 10), basis="audit-period")
FROM_JUNE_2024 = Period(start=date(2024, 1, 1), end=date(2024, 6, 11), basis="audit-period")


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


def assess(
    text: str,
    catalog: Catalog,
    period: Period = IN_2023,
    version: str | None = None,
) -> list[Finding]:
    source = CellRef(file="t.xlsx", sheet="Requirements", row=2, column="B")
    req = Requirement(
        source=source, business_unit="Unit", text=text, cell_text=text, version=version
    )
    return engine.assess_requirement(
        req, Basis.of(catalog, period=period, service=catalog.service())
    )


def codes(f: Finding) -> list[str]:
    return [r.code for r in f.reasons]


# ---------------------------------------------------------------------------------------------
# Typo reads


@pytest.mark.parametrize(("text", "fw_id"), [("HIPPAA", "hipaa"), ("ISO 27OO1", "iso-27001")])
def test_a_misspelling_read_is_never_covered_and_says_so(
    catalog: Catalog, text: str, fw_id: str
) -> None:
    (f,) = assess(text, catalog)
    assert f.framework is not None and f.framework.id == fw_id
    assert f.status == "partial"
    typo = [r for r in f.reasons if r.code == "typo-read"]
    assert len(typo) == 1 and typo[0].effect == "blocks"
    assert typo[0].data["text"] == text


def test_typo_read_is_worded_read_as_confirm(catalog: Catalog) -> None:
    (f,) = assess("HIPPAA", catalog)
    assert "Read 'HIPPAA' as HIPAA: confirm." in f.caveats
    assert sum("HIPPAA" in c for c in f.caveats) == 1  # the recognizer's note is not repeated


def test_a_held_framework_read_through_a_typo_is_partial_not_covered(catalog: Catalog) -> None:
    assert [f.status for f in assess("ISO 27001", catalog)] == ["covered"]
    (f,) = assess("ISO 27OO1", catalog)
    assert f.status == "partial"
    assert "typo-read" in codes(f)


# ---------------------------------------------------------------------------------------------
# Review: negated or doubtful names


@pytest.mark.parametrize(
    ("text", "why", "name"),
    [
        ("no SOC 2 needed", "negated", "SOC 2"),
        ("ISO 27001?", "doubtful", "ISO/IEC 27001"),
        ("SOC 2 (tbc)", "doubtful", "SOC 2"),
    ],
)
def test_a_negated_or_doubted_name_is_listed_for_review_and_assessed_as_nothing(
    catalog: Catalog, text: str, why: str, name: str
) -> None:
    (f,) = assess(text, catalog)
    assert f.status == "unrecognized"
    assert f.framework is None and f.certifications == () and f.evidence == ()
    (decided,) = [r for r in f.reasons if r.code == "needs-review"]
    assert decided.effect == "decides"
    assert decided.data["why"] == why
    assert decided.data["frameworks"] == (name,)
    assert "flagged for review" in f.rationale
    assert f.suggestions == (name,)


# ---------------------------------------------------------------------------------------------
# Contractual commitments (HIPAA): from the catalog's assurance, not from the name


def test_hipaa_is_at_most_partial_and_never_reads_as_held(catalog: Catalog) -> None:
    for period in (IN_2023, H1_2024):
        (f,) = assess("HIPAA", catalog, period)
        assert f.status == "partial"
        assert "held HIPAA" not in f.rationale and "holds HIPAA" not in f.rationale
        (r,) = [r for r in f.reasons if r.code == "contractual-only"]
        assert r.effect == "blocks"
        assert "Business Associate Agreement" in str(r.data["commitment"])
        assert r.data["evidenced_by"] == ("ISO/IEC 27001", "SOC 2", "HITRUST CSF")
        assert any("Accept the BAA" in t for t in r.data["customer"])  # type: ignore[union-attr]
        assert "No HIPAA certification exists" in f.rationale
        assert any("What the customer must do" in c for c in f.caveats)


def test_contractual_only_follows_the_assurance_not_the_name(catalog: Catalog) -> None:
    def with_assurance(cert_id: str, assurance: str) -> Catalog:
        certs = tuple(
            c.model_copy(update={"assurance": assurance}) if c.id == cert_id else c
            for c in catalog.certifications
        )
        return catalog.model_copy(update={"certifications": certs})

    (soc2,) = assess("SOC 2", with_assurance("soc-2", "contractual-commitment"))
    assert soc2.status == "partial" and "contractual-only" in codes(soc2)
    (hipaa,) = assess("HIPAA", with_assurance("hipaa", "certification"))
    assert "contractual-only" not in codes(hipaa)


# ---------------------------------------------------------------------------------------------
# The edition follows the period


@pytest.mark.parametrize(
    ("period", "label"),
    [
        (IN_2023, "PCI DSS v4.0"),
        (H1_2024, "PCI DSS v4.0"),
        (FROM_JUNE_2024, "PCI DSS v4.0.1"),
    ],
)
def test_pci_dss_v4_is_the_edition_current_in_the_period(
    catalog: Catalog, period: Period, label: str
) -> None:
    (f,) = assess("PCI DSS v4", catalog, period)
    assert f.framework is not None and f.framework.version == label
    (g,) = assess("PCI DSS", catalog, period, version="v4")
    assert g.framework is not None and g.framework.version == label


def test_an_explicit_edition_is_kept_whatever_the_period(catalog: Catalog) -> None:
    (f,) = assess("PCI DSS v4.0.1", catalog, IN_2023)
    assert f.framework is not None and f.framework.version == "PCI DSS v4.0.1"
    (g,) = assess("PCI DSS 4.0", catalog, FROM_JUNE_2024)
    assert g.framework is not None and g.framework.version == "PCI DSS v4.0"


def test_review_and_typo_findings_serialize_with_their_codes(catalog: Catalog) -> None:
    found = [*assess("HIPPAA", catalog), *assess("no SOC 2 needed", catalog)]
    data = json.loads(json.dumps([f.model_dump(mode="json") for f in found]))
    assert {r["code"] for f in data for r in f["reasons"]} >= {
        "typo-read",
        "contractual-only",
        "needs-review",
    }


# ---------------------------------------------------------------------------------------------
# The organization's overlay: every finding resting on it says whose decision, never covered

OVERLAY = Path(__file__).parent / "data" / "overlay" / "contoso.yaml"


@pytest.mark.parametrize(
    ("text", "fw_id", "status"),
    [
        ("Contoso ISMS certificate", "iso-27001", "partial"),  # held, but read via their alias
        ("CSWB", "contoso-secure-baseline", "partial"),  # their framework, supported
        ("NIST CSF", "nist-csf", "partial"),  # a relation their auditor accepted
    ],
)
def test_a_finding_resting_on_the_overlay_says_whose_decision(
    text: str, fw_id: str, status: str
) -> None:
    merged = load_with_overlay(OVERLAY)
    (f,) = assess(text, merged)
    assert f.framework is not None and f.framework.id == fw_id
    assert f.status == status
    (r,) = [r for r in f.reasons if r.code == "overlay-decision"]
    assert r.effect == "blocks"
    assert any("the organization's decision, " in c for c in f.caveats)


def test_the_shipped_spelling_of_a_held_framework_stays_covered_with_an_overlay() -> None:
    merged = load_with_overlay(OVERLAY)
    (f,) = assess("ISO 27001", merged)
    assert f.status == "covered" and "overlay-decision" not in codes(f)


# ---------------------------------------------------------------------------------------------
# Recognition runs once per cell: the engine assesses the Match the intake kept


def _req(text: str, match: Match | None, version: str | None = None) -> Requirement:
    source = CellRef(file="t.xlsx", sheet="Requirements", row=2, column="B")
    return Requirement(
        source=source,
        business_unit="Unit",
        text=text,
        cell_text=text,
        version=version,
        match=match,
    )


def test_the_engine_uses_the_match_the_intake_recognized(catalog: Catalog) -> None:
    kept = replace(match_text("SOC 2", catalog), text="ISO 27001")
    (f,) = engine.assess_requirement(
        _req("ISO 27001", kept), Basis.of(catalog, period=IN_2023, service=catalog.service())
    )
    assert f.framework is not None and f.framework.id == "soc-2"  # not read again


def test_the_engine_reads_the_name_when_the_match_is_missing_or_for_other_text(
    catalog: Catalog,
) -> None:
    other = match_text("SOC 2", catalog)  # its text is "SOC 2", not the requirement's
    for match in (None, other):
        (f,) = engine.assess_requirement(
            _req("ISO 27001", match), Basis.of(catalog, period=IN_2023, service=catalog.service())
        )
        assert f.framework is not None and f.framework.id == "iso-27001"


def test_a_kept_match_still_takes_the_version_column_when_the_name_alone_is_unsure(
    catalog: Catalog,
) -> None:
    kept = match_text("PCI", catalog)
    assert kept.status != "matched"
    with_match = engine.assess_requirement(
        _req("PCI", kept, "3.2.1"), Basis.of(catalog, period=IN_2023, service=catalog.service())
    )
    without = engine.assess_requirement(
        _req("PCI", None, "3.2.1"), Basis.of(catalog, period=IN_2023, service=catalog.service())
    )
    assert with_match == without
    assert [f.framework.id for f in with_match if f.framework] == ["pci-dss"]


# ---------------------------------------------------------------------------------------------
# The words that named the framework travel with the finding


def test_a_finding_carries_the_words_that_named_its_framework(catalog: Catalog) -> None:
    from assessor.views.findings import found_in

    (f,) = assess("Current ISO 27001 certificate", catalog)
    assert f.matched_text == "ISO 27001"
    assert found_in(f) == "found 'ISO 27001' in 'Current ISO 27001 certificate'"
    (g,) = assess("ISO 27001", catalog)
    assert g.matched_text == "ISO 27001" and found_in(g) == ""  # the name is the whole text
    (r,) = assess("no SOC 2 needed", catalog)  # listed for review: what was found, still said
    assert r.status == "unrecognized" and r.matched_text == "SOC 2"
    (u,) = assess("Contoso Clinical Safety Standard v3", catalog)
    assert u.matched_text is None and found_in(u) == ""
