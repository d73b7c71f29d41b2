"""Every point of the catalog review (shared/reference/catalog-review.md, 2026-11-30), one test
each: what a check against public sources found wrong or stale, and what the tool now says.

The recognition side of each alias fix is also in the corpus (tests/data/corpus.yaml); here
each is asserted by name, with the finding an auditor would read.
"""

from __future__ import annotations

from datetime import date

import pytest

from assessor.assess import engine
from assessor.assess.basis import Basis
from assessor.catalog.load import load_catalog
from assessor.domain.models import Catalog, CellRef, Finding, Period, Requirement
from assessor.recognize.match import match_text

CATALOG = load_catalog()
IN_2020 = Period(start=date(2020, 1, 1), end=date(2020, 12, 31), basis="audit-period")
IN_2023 = Period(start=date(2023, 1, 1), end=date(2023, 12, 31), basis="audit-period")


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return CATALOG


def finding(text: str, period: Period, service: str | None = None) -> Finding:
    source = CellRef(file="review.xlsx", sheet="Requirements", row=2, column="B")
    req = Requirement(source=source, business_unit="Unit", text=text, cell_text=text)
    (f,) = engine.assess_requirement(
        req, Basis.of(CATALOG, period=period, service=CATALOG.service(service))
    )
    return f


def codes(f: Finding) -> list[str]:
    return [r.code for r in f.reasons]


# ---------------------------------------------------------------------------------------------
# 1. OSPAR: listed with MMD in 2021, so never "held no certification"


def test_ospar_is_a_held_attestation_with_mmd_and_intune_seen_in_2021(catalog: Catalog) -> None:
    assert catalog.framework("ospar").relation == "held"
    for service in ("mmd", "intune"):
        entry = catalog.service(service).scope_for("ospar")
        assert entry is not None and entry.confidence == "confirmed"
        assert max(s.date for s in entry.last_seen) == date(2021, 6, 23)


def test_ospar_in_mmds_2020_period_is_covered_by_the_page_that_named_it() -> None:
    f = finding("OSPAR", IN_2020)
    assert f.status == "covered", f


def test_ospar_after_the_page_was_removed_is_partial_and_says_when_it_was_last_seen() -> None:
    f = finding("ABS OSPAR (Singapore)", IN_2023)
    assert f.status == "partial" and "scope-last-seen" in codes(f), f
    assert "no-certification" not in codes(f)
    assert "23 June 2021" in " ".join(f.caveats)


@pytest.mark.parametrize("service", ["windows-365", "windows-autopatch"])
def test_ospar_is_not_inherited_by_services_no_source_names(service: str) -> None:
    f = finding("OSPAR", IN_2023, service)
    assert f.status != "covered" and "scope-unconfirmed" in codes(f), f


# ---------------------------------------------------------------------------------------------
# 2. Aliases that sent a request to another framework


@pytest.mark.parametrize(
    ("text", "meant", "not_meant"),
    [
        ("CPS 230", "apra-cps-230", "apra-cps-234"),
        ("APRA CPS 230", "apra-cps-230", "apra-cps-234"),
        ("OSFI B-13", "osfi-b13", "osfi-b10"),
        ("EBA ICT Guidelines", "eba-ict-guidelines", "eba-outsourcing"),
        ("MAS Outsourcing Guidelines", "mas-outsourcing", "mas-trm"),
        ("PCI PTS", "pci-pts", "pci-pin"),
        ("Privacy Shield", "eu-us-privacy-shield", "eu-us-dpf"),
    ],
)
def test_an_alias_names_its_own_framework_not_a_neighbour(
    catalog: Catalog, text: str, meant: str, not_meant: str
) -> None:
    m = match_text(text, catalog)
    assert m.status == "matched" and [c.framework for c in m.frameworks] == [meant], m
    fw = catalog.framework(not_meant)
    assert all(match_text(a, catalog).frameworks[0].framework == not_meant for a in fw.aliases)


@pytest.mark.parametrize("family", ["FINRA", "SWIFT", "NERC", "EBA", "OSFI", "APRA"])
def test_a_bare_body_or_family_name_asks_which_member(catalog: Catalog, family: str) -> None:
    m = match_text(family, catalog)
    assert m.status == "ambiguous" and len(m.frameworks) >= 2, m


def test_privacy_shield_is_retired_and_sends_the_reader_to_the_dpf(catalog: Catalog) -> None:
    rationale = catalog.framework("eu-us-privacy-shield").rationale
    assert "16 July 2020" in rationale and "eu-us-dpf" in rationale


# ---------------------------------------------------------------------------------------------
# 3. Transition dates with IAF's six-month extension


@pytest.mark.parametrize(
    ("framework", "edition", "end"),
    [("iso-22301", "2012", date(2023, 4, 30)), ("iso-20000-1", "2011", date(2022, 3, 31))],
)
def test_transition_ends_on_the_extended_date(
    catalog: Catalog, framework: str, edition: str, end: date
) -> None:
    ed = next(e for e in catalog.framework(framework).editions if e.id == edition)
    assert (ed.status, ed.retired_on) == ("retired", end)


def test_an_iso_22301_2012_certificate_still_counts_in_april_2023() -> None:
    inside = Period(start=date(2022, 5, 1), end=date(2023, 4, 30), basis="audit-period")
    after = Period(start=date(2023, 5, 1), end=date(2024, 4, 30), basis="audit-period")
    assert "asked-edition-retired" not in codes(finding("ISO 22301:2012", inside))
    assert "asked-edition-retired" in codes(finding("ISO 22301:2012", after))


# ---------------------------------------------------------------------------------------------
# 4. HIPAA is a contractual commitment: never held, never covered


def test_hipaa_is_partial_with_what_stands_behind_it_and_what_the_customer_must_do() -> None:
    f = finding("HIPAA", IN_2023)
    text = " ".join(f.caveats)
    assert f.status == "partial" and "contractual-only" in codes(f)
    assert "held HIPAA" not in f.rationale
    assert "Business Associate Agreement" in text and "ISO/IEC 27001, SOC 2" in text
    assert "Accept the BAA" in text


# ---------------------------------------------------------------------------------------------
# 5. The version follows the period: "PCI DSS v4" before 11 June 2024 is v4.0


@pytest.mark.parametrize(
    ("end", "label"), [(date(2024, 6, 10), "PCI DSS v4.0"), (date(2024, 6, 11), "PCI DSS v4.0.1")]
)
def test_pci_dss_v4_reads_as_the_edition_of_the_period(end: date, label: str) -> None:
    f = finding("PCI DSS v4", Period(start=date(2024, 1, 1), end=end, basis="audit-period"))
    assert f.framework is not None and f.framework.version == label


# ---------------------------------------------------------------------------------------------
# Stale points and sourcing


def test_mars_e_points_to_arc_ampe(catalog: Catalog) -> None:
    assert "ARC-AMPE" in catalog.framework("mars-e").rationale
    assert match_text("ARC-AMPE", catalog).frameworks[0].framework == "cms-arc-ampe"


def test_ffiec_cat_is_marked_sunset(catalog: Catalog) -> None:
    assert "sunset 31 August 2025" in catalog.framework("ffiec-cat").name


def test_dora_cites_microsofts_guidance_without_claiming_a_certification(
    catalog: Catalog,
) -> None:
    rationale = catalog.framework("dora").rationale
    assert "learn.microsoft.com/compliance/dora" in rationale
    assert "no DORA certification" in rationale


def test_iso_9001_2015_notes_the_2026_revision_as_unconfirmed(catalog: Catalog) -> None:
    current = next(e for e in catalog.framework("iso-9001").editions if e.id == "2015")
    assert current.note is not None and "ISO 9001:2026" in current.note
    assert "not confirmed" in current.note


def test_irap_carries_asds_own_name(catalog: Catalog) -> None:
    assert "Infosec Registered Assessors Program" in catalog.certification("irap").name


def test_the_pci_aoc_title_is_cited_to_the_aoc_copy_not_the_offering_pages(
    catalog: Catalog,
) -> None:
    ed = next(e for e in catalog.certification("pci-dss").editions if e.edition == "3.2.1")
    assert "pci-aoc-copy" in ed.sources and "third-party copy" in (ed.note or "")


def test_pci_dss_3_2_retired_at_the_end_of_2018(catalog: Catalog) -> None:
    ed = next(e for e in catalog.framework("pci-dss").editions if e.id == "3.2")
    assert ed.retired_on == date(2018, 12, 31)


def test_breadth_names_the_frameworks_the_review_found_missing(catalog: Catalog) -> None:
    for text in (
        "FISMA",
        "PSD2",
        "India DPDPA",
        "Swiss FADP",
        "SecNumCloud",
        "EU Cyber Resilience Act",
        "EUCS",
        "Singapore PDPA",
        "Quebec Law 25",
        "Saudi NCA ECC",
        "SAMA CSF",
        "CMS ARC-AMPE",
        "ASD E8",
        "ISAE 3000",
    ):
        assert match_text(text, catalog).status == "matched", text
