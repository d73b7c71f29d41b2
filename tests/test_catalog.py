"""The shipped catalog loads clean and complete; `catalog check` catches each kind of breakage."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from assessor.app.cli import app
from assessor.catalog import load as cat
from assessor.catalog import show
from assessor.catalog.resources import catalog_dir
from assessor.domain.errors import CatalogError, InputError
from assessor.domain.models import Catalog, Edition

runner = CliRunner()

HELD_IDS = {
    "iso-27001",
    "iso-27701",
    "iso-27017",
    "iso-27018",
    "iso-9001",
    "iso-20000-1",
    "iso-22301",
    "csa-star-attestation",
    "csa-star-certification",
    "soc-1",
    "soc-2",
    "soc-3",
    "irap",
    "pci-dss",
    "hipaa",
    "hitrust",
}
# Attestations added with the successor services (issue 10): FedRAMP and DoD SRG levels.
GOVERNMENT_IDS = {"fedramp-high", "dod-il2", "dod-il4", "dod-il5"}
# Added by the catalog review (2026-11-30): OSPAR, whose 2021 page listed MMD and Intune.
REVIEW_IDS = {"ospar"}


@pytest.fixture(scope="module")
def shipped() -> Catalog:
    return cat.load_catalog()


# --------------------------------------------------------------------------------------------
# The shipped catalog


def test_shipped_catalog_has_no_problems_at_all() -> None:
    assert cat.check_catalog() == []


def test_shipped_catalog_has_exactly_the_21_certification_ids(shipped: Catalog) -> None:
    ids = [c.id for c in shipped.certifications]
    assert sorted(ids) == sorted(HELD_IDS | GOVERNMENT_IDS | REVIEW_IDS)
    assert len(ids) == 21


def test_every_certification_has_evidence_and_sources(shipped: Catalog) -> None:
    for cert in shipped.certifications:
        assert cert.evidence, cert.id
        assert cert.sources, cert.id
        assert cert.duties, cert.id
        assert {d.owner for d in cert.duties} & {"customer", "shared"}, cert.id


def test_every_held_framework_names_its_own_certification(shipped: Catalog) -> None:
    held = {f.id: f for f in shipped.frameworks if f.relation == "held"}
    assert set(held) == HELD_IDS | REVIEW_IDS | {"fedramp", "dod-srg"}
    for fw_id, fw in held.items():
        if fw_id in HELD_IDS | REVIEW_IDS:
            assert fw.certifications == (fw_id,)
    assert held["fedramp"].certifications == ("fedramp-high",)
    assert held["dod-srg"].certifications == ("dod-il2", "dod-il4", "dod-il5")


def test_at_least_60_frameworks_mmd_does_not_hold(shipped: Catalog) -> None:
    others = [f for f in shipped.frameworks if f.relation != "held"]
    assert len(others) >= 60
    for fw in others:
        assert fw.rationale.strip(), fw.id
        if fw.relation == "supports":
            assert fw.certifications, fw.id


@pytest.mark.parametrize(
    "fw_id",
    [
        "nist-csf",
        "nist-800-53",
        "nist-800-171",
        "cmmc",
        "gdpr",
        "ccpa",
        "sox",
        "glba",
        "ferpa",
        "bsi-c5",
        "ens",
        "ismap",
        "mtcs",
        "k-isms",
        "cyber-essentials",
        "nis2",
        "dora",
        "iso-42001",
        "iso-27002",
        "tisax",
        "cjis",
        "irs-1075",
        "stateramp",
        "nydfs-500",
        "swift-cscf",
        "apra-cps-234",
        "nzism",
        "essential-eight",
        "csa-star-self-assessment",
        "csa-ccm",
        "cis-controls",
        "eu-ai-act",
        "lgpd",
        "hds",
        "nen-7510",
        "fips-140",
    ],
)
def test_issue_list_framework_is_in_the_catalog_and_not_held(shipped: Catalog, fw_id: str) -> None:
    assert shipped.framework(fw_id).relation in ("supports", "none")


def test_pci_dss_scope_is_only_claimed_for_mmd(shipped: Catalog) -> None:
    entry = shipped.service("mmd").scope_for("pci-dss")
    assert entry is not None and entry.confidence == "claimed"


def test_sox_is_supported_by_soc1_and_gdpr_warns_about_27701(shipped: Catalog) -> None:
    assert shipped.framework("sox").certifications == ("soc-1",)
    gdpr = shipped.framework("gdpr")
    assert set(gdpr.certifications) == {"iso-27701", "iso-27018"}
    assert "not evidence" in gdpr.rationale


def test_restricted_soc_reports_and_self_attested_bridge_letters(shipped: Catalog) -> None:
    for cid in ("soc-1", "soc-2"):
        kinds = {e.kind: e for e in shipped.certification(cid).evidence}
        assert kinds["soc-report"].restricted
        assert kinds["bridge-letter"].self_attested


def test_editions_that_moved_on_carry_official_dates(shipped: Catalog) -> None:
    def edition(fw: str, ed: str) -> Edition:
        return next(e for e in shipped.framework(fw).editions if e.id == ed)

    pci_321 = edition("pci-dss", "3.2.1")
    pci_40 = edition("pci-dss", "4.0")
    iso_2013 = edition("iso-27001", "2013")
    csf_20 = edition("nist-csf", "2.0")
    assert str(pci_321.retired_on) == "2024-03-31"
    assert str(pci_40.retired_on) == "2024-12-31"
    assert str(iso_2013.retired_on) == "2025-10-31"
    assert str(csf_20.published) == "2024-02-26"
    assert edition("nist-800-53", "rev-4").superseded_by == "rev-5"
    assert edition("iso-27701", "2019").superseded_by == "2025"
    assert edition("iso-22301", "2012").superseded_by == "2019"
    assert edition("iso-20000-1", "2011").superseded_by == "2018"
    assert edition("soc-2", "type-2").also_satisfies == ("type-1",)


def test_default_service_is_mmd_and_end_of_life(shipped: Catalog) -> None:
    svc = shipped.service()
    assert svc.id == "mmd"
    assert str(svc.lifecycle.end_of_life) == "2024-07-31"
    assert str(svc.lifecycle.notice_added) == "2023-07-27"
    assert set(svc.certifications) == HELD_IDS | REVIEW_IDS
    entry = svc.scope_for("iso-27001")
    assert entry is not None and "Microsoft Online Services" in (entry.location or "")
    assert [str(s.date) for s in entry.last_seen] == ["2021-02-01", "2023-03-31"]


def test_old_audit_reports_link_is_marked_stale_and_unused(shipped: Catalog) -> None:
    stale = [s for s in shipped.stp.sections if s.stale]
    assert any("MSComplianceGuide" in (s.url or "") for s in stale)
    used = {e.stp_section for c in shipped.certifications for e in c.evidence}
    assert not used & {s.path for s in stale}


def test_responsibility_matrix_keeps_microsofts_cells_and_marks_client_devices_shared(
    shipped: Catalog,
) -> None:
    rows = {r.area: r for r in shipped.responsibility.matrix}
    assert len(rows) == 10
    devices = rows["Client devices"]
    assert (devices.on_premises, devices.iaas, devices.paas, devices.saas, devices.mmd) == (
        "customer",
        "customer",
        "customer",
        "shared",
        "shared",
    )
    assert rows["Network controls"].paas == "shared"
    assert rows["Physical datacenter"].iaas == "microsoft"


def test_sha256_is_stable_and_changes_with_the_bytes(tmp_path: Path) -> None:
    copy = _copy(tmp_path)
    first = cat.load_catalog(copy).meta.sha256
    assert first == cat.load_catalog().meta.sha256
    path = copy / "catalog.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "\n# reviewed\n", encoding="utf-8")
    assert cat.load_catalog(copy).meta.sha256 != first


def test_load_catalog_is_cached_for_the_same_folder() -> None:
    assert cat.load_catalog() is cat.load_catalog(catalog_dir())


def test_catalog_json_round_trips_every_certification(shipped: Catalog) -> None:
    data = json.loads(show.catalog_json(shipped))
    assert {c["id"] for c in data["certifications"]} == HELD_IDS | GOVERNMENT_IDS | REVIEW_IDS
    assert data["meta"]["sha256"] == shipped.meta.sha256


def test_catalog_table_shows_scope_and_relation(shipped: Catalog) -> None:
    table = show.catalog_table(shipped)
    assert "pci-dss" in table and "intune" in table
    assert "fedramp" in table and "none" in table
    assert "end-of-life" in table
    matrix = show.service_table(shipped, "mmd")
    assert "pci-dss" in matrix and "claimed" in matrix and "2023-03-10" in matrix


# --------------------------------------------------------------------------------------------
# Broken catalogs: one fixture per kind of problem, made by copying the shipped YAML


def _copy(tmp_path: Path) -> Path:
    dest = tmp_path / "requirements"
    shutil.copytree(catalog_dir(), dest)
    return dest


def _edit(folder: Path, name: str, change: Callable[[dict[str, object]], None]) -> None:
    path = folder / name
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


def _entry(data: dict[str, object], key: str, entry_id: str) -> dict[str, object]:
    items = data[key]
    assert isinstance(items, list)
    for item in items:
        if item.get("id") == entry_id or item.get("alias") == entry_id:
            assert isinstance(item, dict)
            return item
    raise AssertionError(entry_id)


def _cert(entry_id: str, **changes: object) -> Callable[[dict[str, object]], None]:
    def change(data: dict[str, object]) -> None:
        _entry(data, "certifications", entry_id).update(changes)

    return change


def _fw(entry_id: str, **changes: object) -> Callable[[dict[str, object]], None]:
    def change(data: dict[str, object]) -> None:
        _entry(data, "frameworks", entry_id).update(changes)

    return change


def _append(key: str, item: dict[str, object]) -> Callable[[dict[str, object]], None]:
    def change(data: dict[str, object]) -> None:
        items = data[key]
        assert isinstance(items, list)
        items.append(item)

    return change


def _dup_first(key: str) -> Callable[[dict[str, object]], None]:
    def change(data: dict[str, object]) -> None:
        items = data[key]
        assert isinstance(items, list)
        items.append(dict(items[0]))

    return change


def _second_default(data: dict[str, object]) -> None:
    data["default"] = True


def _no_default(data: dict[str, object]) -> None:
    data["default"] = False


def _scope(cert_id: str, **changes: object) -> Callable[[dict[str, object]], None]:
    def change(data: dict[str, object]) -> None:
        entries = data["scope"]
        assert isinstance(entries, list)
        for entry in entries:
            if entry["certification"] == cert_id:
                entry.update(changes)

    return change


BROKEN: list[tuple[str, str, Callable[[dict[str, object]], None], str, str]] = [
    (
        "framework_cites_no_source",
        "frameworks.yaml",
        _fw("cobit", sources=[]),
        "frameworks.yaml: cobit",
        "cites no source",
    ),
    (
        "part_of_names_an_unknown_framework",
        "frameworks.yaml",
        _fw("dora-rts", part_of="dora-2"),
        "frameworks.yaml: dora-rts",
        "part_of 'dora-2' is not a framework",
    ),
    (
        "part_of_leads_back_to_itself",
        "frameworks.yaml",
        lambda d: _fw("nis2", part_of="nis2-ir-2024-2690")(d),
        "frameworks.yaml: nis2",
        "leads back to 'nis2'",
    ),
    (
        "cert_names_missing_framework",
        "certifications.yaml",
        _cert("pci-dss", framework="pci-dss-9"),
        "certifications.yaml: pci-dss",
        "unknown framework",
    ),
    (
        "framework_names_missing_certification",
        "frameworks.yaml",
        _fw("sox", certifications=["soc-9"]),
        "frameworks.yaml: sox",
        "unknown certification",
    ),
    (
        "service_names_missing_certification",
        "services/mmd.yaml",
        _scope("iso-9001", certification="iso-99999"),
        "services/mmd.yaml: scope iso-99999",
        "unknown certification",
    ),
    (
        "service_scope_cites_unknown_source",
        "services/intune.yaml",
        _scope("soc-2", last_seen=[{"date": "2025-01-01", "source": "no-such-source"}]),
        "services/intune.yaml: scope soc-2",
        "unknown source 'no-such-source'",
    ),
    (
        "confirmed_scope_without_a_dated_source",
        "services/intune.yaml",
        _scope("soc-2", last_seen=[]),
        "services/intune.yaml: scope soc-2",
        "needs at least one dated last_seen source",
    ),
    (
        "scope_sighting_after_the_catalog_date",
        "services/intune.yaml",
        _scope("soc-2", last_seen=[{"date": "2031-01-01", "source": "cmp23"}]),
        "services/intune.yaml: scope soc-2",
        "after the catalog's as_of",
    ),
    (
        "service_alias_claimed_by_two_services",
        "services/windows-365.yaml",
        lambda d: d.update(aliases=["Cloud PC", "Intune"]),
        "services/windows-365.yaml",
        "also a name of service 'intune'",
    ),
    (
        "service_id_differs_from_its_file_name",
        "services/windows-365.yaml",
        lambda d: d.update(id="w365"),
        "services/windows-365.yaml",
        "must match the file name",
    ),
    (
        "unknown_source_id",
        "certifications.yaml",
        _cert("hipaa", sources=["off-hipaa", "no-such-source"]),
        "certifications.yaml: hipaa",
        "unknown source 'no-such-source'",
    ),
    (
        "duplicate_framework_id",
        "frameworks.yaml",
        _dup_first("frameworks"),
        "frameworks.yaml: iso-27001",
        "duplicate framework id",
    ),
    (
        "duplicate_source_id",
        "sources.yaml",
        _dup_first("sources"),
        "sources.yaml: mmd-compliance",
        "duplicate source id",
    ),
    (
        "alias_claimed_by_two_frameworks",
        "frameworks.yaml",
        _fw("iso-27002", aliases=["ISO/IEC 27002", "ISO 27001"]),
        "frameworks.yaml: iso-27002",
        "also claimed by framework 'iso-27001'",
    ),
    (
        "alias_claimed_by_framework_and_group",
        "frameworks.yaml",
        _fw("soc-2", aliases=["SOC 2", "soc"]),
        "groups.yaml: SOC",
        "also claimed by framework 'soc-2'",
    ),
    (
        "alias_differing_only_in_spelling_collides",
        "frameworks.yaml",
        _fw("gdpr", aliases=["GDPR", "hipaa"]),
        "frameworks.yaml: gdpr",
        "also claimed by framework 'hipaa'",
    ),
    (
        "edition_spelling_shadowed_by_an_alias",
        "frameworks.yaml",
        _fw("cmmc", aliases=["CMMC", "CMMC Level 2"]),
        "frameworks.yaml: cmmc: edition level-2",
        "would never name the edition",
    ),
    (
        "pattern_does_not_compile",
        "frameworks.yaml",
        _fw("fedramp", patterns=["fed(ramp"]),
        "frameworks.yaml: fedramp: pattern 1",
        "does not compile",
    ),
    (
        "default_edition_not_an_edition",
        "frameworks.yaml",
        _fw("iso-27001", default_edition="2031"),
        "frameworks.yaml: iso-27001",
        "default_edition '2031'",
    ),
    (
        "two_default_services",
        "services/intune.yaml",
        _second_default,
        "services/",
        "exactly one service must be default",
    ),
    (
        "no_default_service",
        "services/mmd.yaml",
        _no_default,
        "services/",
        "exactly one service must be default",
    ),
    (
        "schema_error_unknown_field",
        "certifications.yaml",
        _cert("soc-2", colour="blue"),
        "certifications.yaml: soc-2",
        "colour",
    ),
    (
        "schema_error_bad_scope_value",
        "services/mmd.yaml",
        _scope("irap", confidence="probably"),
        "services/mmd.yaml",
        "confidence",
    ),
    (
        "certification_without_evidence",
        "certifications.yaml",
        _cert("soc-3", evidence=[]),
        "certifications.yaml: soc-3",
        "at least one evidence document",
    ),
    (
        "held_edition_not_a_framework_edition",
        "certifications.yaml",
        _cert("iso-27017", editions=[{"edition": "2099", "confidence": "confirmed"}]),
        "certifications.yaml: iso-27017",
        "held edition '2099'",
    ),
    (
        "group_names_missing_framework",
        "groups.yaml",
        _append("groups", {"alias": "Foo", "frameworks": ["soc-1", "soc-7"], "note": "x"}),
        "groups.yaml: Foo",
        "unknown framework 'soc-7'",
    ),
    (
        "evidence_points_at_stale_stp_section",
        "certifications.yaml",
        lambda d: _entry(d, "certifications", "soc-1")["evidence"][0].update(  # type: ignore[index]
            stp_section="Service Trust Portal › Trust Documents › Audit Reports"
        ),
        "certifications.yaml: soc-1: evidence soc-1-report",
        "stale",
    ),
    (
        "superseded_by_unknown_edition",
        "frameworks.yaml",
        lambda d: _entry(d, "frameworks", "pci-dss")["editions"][1].update(  # type: ignore[index]
            superseded_by="5.0"
        ),
        "frameworks.yaml: pci-dss: edition 3.2.1",
        "superseded_by '5.0'",
    ),
    (
        "supports_without_certifications",
        "frameworks.yaml",
        _fw("glba", certifications=[]),
        "frameworks.yaml: glba",
        "relation supports needs",
    ),
]


@pytest.mark.parametrize(
    ("name", "file", "change", "location", "message"), BROKEN, ids=[b[0] for b in BROKEN]
)
def test_catalog_check_catches(
    tmp_path: Path,
    name: str,
    file: str,
    change: Callable[[dict[str, object]], None],
    location: str,
    message: str,
) -> None:
    folder = _copy(tmp_path)
    _edit(folder, file, change)
    issues = cat.check_catalog(folder)
    assert any(i.location == location and message in i.message for i in issues), [
        str(i) for i in issues
    ]
    with pytest.raises(CatalogError) as info:
        cat.load_catalog(folder)
    assert info.value.issues


def test_catalog_check_warns_about_a_source_nobody_cites(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    extra = {"id": "orphan", "title": "t", "url": "https://example.org", "checked": "2026-01-01"}
    _edit(folder, "sources.yaml", _append("sources", extra))
    issues = cat.check_catalog(folder)
    assert [(i.location, i.severity) for i in issues] == [("sources.yaml: orphan", "warning")]
    assert cat.load_catalog(folder).source("orphan").title == "t"
    result = runner.invoke(app, ["catalog", "check", str(folder)])
    assert result.exit_code == 0
    assert "never cited" in result.output


def test_catalog_check_catches_yaml_syntax_error_with_line(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    (folder / "groups.yaml").write_text("groups:\n  - alias: [unclosed\n", encoding="utf-8")
    issues = cat.check_catalog(folder)
    assert any(i.location.startswith("groups.yaml:") and "YAML" in i.message for i in issues)


def test_catalog_check_catches_missing_file(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    (folder / "stp.yaml").unlink()
    issues = cat.check_catalog(folder)
    assert any(i.location == "stp.yaml" and "missing" in i.message for i in issues)


def test_catalog_check_reports_every_problem_at_once(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    _edit(folder, "certifications.yaml", _cert("pci-dss", framework="nope"))
    _edit(folder, "frameworks.yaml", _fw("fedramp", patterns=["("]))
    issues = cat.check_catalog(folder)
    locations = {i.location for i in issues}
    assert "certifications.yaml: pci-dss" in locations
    assert "frameworks.yaml: fedramp: pattern 1" in locations


def test_catalog_check_reports_schema_and_reference_problems_together(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    _edit(folder, "certifications.yaml", _cert("irap", scope="probably"))
    _edit(folder, "frameworks.yaml", _fw("gdpr", aliases=["GDPR", "hipaa"]))
    issues = cat.check_catalog(folder)
    assert {i.location for i in issues} == {"certifications.yaml: irap", "frameworks.yaml: gdpr"}


def test_yaml_is_loaded_safely(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    text = "schema_version: !!python/object/apply:os.system ['true']\n"
    (folder / "catalog.yaml").write_text(text, encoding="utf-8")
    issues = cat.check_catalog(folder)
    assert any(i.location.startswith("catalog.yaml") for i in issues)


# --------------------------------------------------------------------------------------------
# CLI


def test_cli_catalog_prints_the_table() -> None:
    result = runner.invoke(app, ["catalog"])
    assert result.exit_code == 0, result.output
    assert "csa-star-certification" in result.output
    assert "Frameworks (" in result.output


def test_cli_catalog_json_is_the_whole_catalog() -> None:
    result = runner.invoke(app, ["catalog", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert len(data["certifications"]) == 21
    assert data["meta"]["schema_version"] == 2
    assert {s["id"] for s in data["services"]} == {
        "mmd",
        "intune",
        "intune-us-government",
        "windows-365",
        "windows-autopatch",
    }


def test_cli_catalog_check_ok_on_the_shipped_catalog() -> None:
    result = runner.invoke(app, ["catalog", "check"])
    assert result.exit_code == 0, result.output
    assert "ok" in result.output


def test_cli_catalog_check_fails_and_names_the_entry(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    _edit(folder, "certifications.yaml", _cert("pci-dss", framework="nope"))
    result = runner.invoke(app, ["catalog", "check", str(folder)])
    assert result.exit_code == 1
    assert "certifications.yaml: pci-dss" in result.output


def test_cli_catalog_on_a_broken_folder_exits_non_zero(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    _edit(folder, "frameworks.yaml", _fw("fedramp", patterns=["("]))
    result = runner.invoke(app, ["catalog", "--catalog", str(folder)])
    assert result.exit_code == 1
    assert "fedramp" in result.output


# --------------------------------------------------------------------------------------------
# Issue 11: catalog facts that are rules


def test_hipaa_is_a_contractual_commitment_backed_by_named_audits() -> None:
    catalog = cat.load_catalog()
    cert = catalog.certification("hipaa")
    assert cert.assurance == "contractual-commitment"
    assert cert.evidenced_by == ("iso-27001", "soc-2", "hitrust")
    assert any(d.kind == "baa-product-terms" for d in cert.evidence)
    assert any("Accept the BAA" in d.text and d.owner == "customer" for d in cert.duties)
    assert "hi(pp" not in " ".join(catalog.framework("hipaa").patterns)  # typos read generally


def test_evidenced_by_must_name_known_certifications_of_a_commitment(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    _edit(folder, "certifications.yaml", _cert("hipaa", evidenced_by=["iso-27001", "nope"]))
    _edit(folder, "certifications.yaml", _cert("soc-2", evidenced_by=["iso-27001"]))
    issues = cat.check_catalog(folder)
    messages = {(i.location, i.message) for i in issues}
    assert (
        "certifications.yaml: hipaa",
        "evidenced_by names unknown certification 'nope'",
    ) in messages
    assert (
        "certifications.yaml: soc-2",
        "evidenced_by is for a contractual commitment only",
    ) in messages


def test_pci_dss_v4_names_the_4x_line_and_each_edition_is_dated() -> None:
    fw = cat.load_catalog().framework("pci-dss")
    line = [ed for ed in fw.editions if "4" in ed.aliases]
    assert [(ed.id, ed.published) for ed in line] == [
        ("4.0", date(2022, 3, 31)),
        ("4.0.1", date(2024, 6, 11)),
    ]


def test_a_shared_edition_spelling_needs_published_dates(tmp_path: Path) -> None:
    folder = _copy(tmp_path)

    def undate(data: dict[str, object]) -> None:
        for ed in _entry(data, "frameworks", "pci-dss")["editions"]:  # type: ignore[attr-defined]
            if ed["id"] == "4.0":
                del ed["published"]

    _edit(folder, "frameworks.yaml", undate)
    issues = cat.check_catalog(folder)
    assert any(
        i.location == "frameworks.yaml: pci-dss" and "needs published dates" in i.message
        for i in issues
    ), issues


# --------------------------------------------------------------------------------------------
# The organization's overlay (issue 11, §4)

OVERLAY = Path(__file__).parent / "data" / "overlay" / "contoso.yaml"


def _overlay(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "overlay.yaml"
    path.write_text(body, encoding="utf-8")
    return path


def test_the_example_overlay_checks_clean_and_merges() -> None:
    assert cat.check_overlay(OVERLAY) == []
    merged = cat.load_with_overlay(OVERLAY)
    assert "Contoso ISMS certificate" in merged.framework("iso-27001").aliases
    assert merged.framework("contoso-secure-baseline").relation == "supports"
    assert {d.kind for d in merged.decisions} == {"alias", "framework", "relation"}
    assert merged.meta.sha256 != cat.load_catalog().meta.sha256
    assert cat.load_catalog().decisions == ()  # the shipped catalog is untouched


_ENTRY = 'decided_by: "A. Jones"\n      decided_on: 2025-03-01\n'


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            "overlay:\n  frameworks:\n    - id: x-held\n      name: X\n      short_name: X\n"
            "      relation: held\n      certifications: [iso-27001]\n      rationale: r\n"
            f"      {_ENTRY}",
            "relation",
        ),
        (
            "overlay:\n  relations:\n    - framework: iso-27001\n      certifications: [soc-2]\n"
            f"      accepted_by: Auditor\n      rationale: r\n      {_ENTRY}",
            "already held",
        ),
        (
            "overlay:\n  relations:\n    - framework: fedramp\n      certifications: [fedramp]\n"
            f"      accepted_by: Auditor\n      rationale: r\n      {_ENTRY}",
            "not one Microsoft holds",
        ),
        (
            "overlay:\n  relations:\n    - framework: fedramp\n      certifications: [iso-27001]\n"
            f"      rationale: r\n      {_ENTRY}",
            "accepted_by",
        ),
        (
            f"overlay:\n  aliases:\n    - alias: SOC 2\n      framework: iso-27001\n      {_ENTRY}",
            "also claimed",
        ),
        (
            "overlay:\n  aliases:\n    - alias: Our ISMS\n      framework: iso-27001\n",
            "decided_by",
        ),
        (
            "overlay:\n  aliases:\n    - alias: Our ISMS\n      framework: nope\n      " + _ENTRY,
            "nope",
        ),
        ("aliases: []\n", "overlay"),
    ],
    ids=[
        "held",
        "relation-on-held",
        "cert-not-held",
        "no-auditor",
        "alias-collision",
        "undecided",
        "unknown",
        "shape",
    ],
)
def test_an_overlay_may_not_claim_what_microsoft_does_not_hold(
    tmp_path: Path, body: str, message: str
) -> None:
    issues = cat.check_overlay(_overlay(tmp_path, body))
    assert any(message in f"{i.location} {i.message}" for i in issues), issues
    with pytest.raises(InputError):  # the organization's file: bad input, exit 2
        cat.load_with_overlay(_overlay(tmp_path, body))


def test_an_entry_missing_its_decision_is_still_checked_against_the_catalog(
    tmp_path: Path,
) -> None:
    body = (
        "overlay:\n  relations:\n    - framework: iso-27001\n      certifications: [soc-2]\n"
        "      rationale: r\n"
    )
    issues = cat.check_overlay(_overlay(tmp_path, body))
    said = [f"{i.location} {i.message}" for i in issues]
    assert any("accepted_by" in s for s in said), said
    assert any("decided_by" in s for s in said), said
    assert any("already held" in s for s in said), said  # the rule, in the same pass


def test_cli_catalog_check_overlay(tmp_path: Path) -> None:
    assert runner.invoke(app, ["catalog", "check", "--overlay", str(OVERLAY)]).exit_code == 0
    bad = _overlay(tmp_path, "overlay:\n  aliases:\n    - alias: X\n      framework: nope\n")
    result = runner.invoke(app, ["catalog", "check", "--overlay", str(bad)])
    assert result.exit_code == 1


def test_cli_match_reads_the_overlay_aliases() -> None:
    args = ["match", "CSWB", "--catalog-overlay", str(OVERLAY), "--format", "json"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert (
        json.loads(result.output)[0][0]["frameworks"][0]["framework"] == "contoso-secure-baseline"
    )
