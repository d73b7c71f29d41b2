"""Service profiles (issue 10): the scope-over-time and retirement rules on their own, the
engine across several services, the Service column, the CLI, and a fifth service added as one
YAML file."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest
import yaml
from intake_fixtures import write_xlsx
from typer.testing import CliRunner

from assessor.app.cli import app
from assessor.assess import engine, rules
from assessor.assess.basis import Basis
from assessor.catalog import load as cat
from assessor.catalog.resources import catalog_dir
from assessor.catalog.services import parse_service_option, resolve_services
from assessor.domain.errors import InputError, UsageError
from assessor.domain.models import (
    BusinessUnit,
    Catalog,
    CellRef,
    Finding,
    Lifecycle,
    Period,
    Requirement,
    ScopeEntry,
    ServiceProfile,
    Sighting,
)
from assessor.intake import workbook as intake

runner = CliRunner()
FY2024 = Period(start=date(2023, 7, 1), end=date(2024, 6, 30), basis="audit-period")
FY2025 = Period(start=date(2024, 7, 1), end=date(2025, 6, 30), basis="audit-period")
FY2026 = Period(start=date(2025, 7, 1), end=date(2026, 6, 30), basis="audit-period")


@pytest.fixture(scope="module")
def shipped() -> Catalog:
    return cat.load_catalog()


def _service(
    *entries: ScopeEntry, status: str = "available", eol: date | None = None
) -> ServiceProfile:
    return ServiceProfile.model_validate(
        {
            "id": "svc",
            "name": "Test Service",
            "description": "A service for rule tests.",
            "lifecycle": Lifecycle.model_validate(
                {"status": status, "end_of_life": eol, "statement": "s", "sources": ()}
            ),
            "document_name_pattern": "Online Services",
            "responsibility_model": "SaaS",
            "successors": ("Next Service",),
            "scope": entries,
            "sources": (),
        }
    )


def _entry(confidence: str, *dates: date, cert: str = "iso-27001") -> ScopeEntry:
    return ScopeEntry.model_validate(
        {
            "certification": cert,
            "confidence": confidence,
            "last_seen": tuple(Sighting(date=d, source="src") for d in dates),
            "note": "why",
        }
    )


# ---------------------------------------------------------------------------
# The rules alone


def test_add_months_clamps_to_the_end_of_the_month() -> None:
    assert rules.add_months(date(2024, 5, 31), -3) == date(2024, 2, 29)
    assert rules.add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)
    assert rules.add_months(date(2024, 7, 1), -12) == date(2023, 7, 1)
    assert rules.add_months(date(2024, 12, 15), 1) == date(2025, 1, 15)


def test_scope_window_runs_from_start_minus_w_to_end_plus_w() -> None:
    assert rules.scope_window(FY2025) == (date(2023, 7, 1), date(2026, 6, 30))
    assert rules.scope_window(FY2025, 3) == (date(2024, 4, 1), date(2025, 9, 30))
    as_of = Period(start=None, end=date(2026, 11, 29), basis="as-of")
    assert rules.scope_window(as_of) == (date(2025, 11, 29), date(2027, 11, 29))


@pytest.mark.parametrize(
    ("entry", "period", "codes"),
    [
        (_entry("confirmed", date(2025, 10, 15)), FY2025, []),
        (_entry("confirmed", date(2022, 7, 11)), FY2025, ["scope-last-seen"]),
        (_entry("confirmed", date(2022, 7, 11), date(2024, 1, 1)), FY2025, []),
        (_entry("confirmed", date(2022, 7, 11)), FY2024, []),  # within 12 months of 1 July 2023
        (_entry("claimed", date(2025, 1, 1)), FY2025, ["scope-claimed"]),
        (_entry("unconfirmed"), FY2025, ["scope-unconfirmed"]),
        (_entry("not-listed", date(2026, 2, 25)), FY2025, ["scope-not-listed"]),
        (_entry("confirmed", date(2022, 7, 11), cert="soc-2"), FY2025, ["cert-not-listed"]),
    ],
)
def test_scope_rule(shipped: Catalog, entry: ScopeEntry, period: Period, codes: list[str]) -> None:
    cert = shipped.certification("iso-27001")
    found = rules.scope(cert, "ISO/IEC 27001", _service(entry), period, titles={"src": "Src"})
    assert [r.code for r in found] == codes
    assert all(r.effect == "blocks" for r in found)


def test_scope_last_seen_carries_the_date_source_and_document(shipped: Catalog) -> None:
    cert = shipped.certification("soc-2")
    svc = _service(_entry("confirmed", date(2022, 7, 1), cert="soc-2"))
    (found,) = rules.scope(cert, "SOC 2", svc, FY2025, titles={"src": "The 2022 page"})
    assert found.data["last_seen"] == "2022-07-01"
    assert found.data["source"] == "src" and found.data["source_title"] == "The 2022 page"
    assert "SOC 2 Type 2 Report" in str(found.data["document"])
    assert (found.data["window_start"], found.data["window_end"]) == ("2023-07-01", "2026-06-30")


def test_scope_window_months_widens_or_narrows_what_counts(shipped: Catalog) -> None:
    cert = shipped.certification("iso-27001")
    svc = _service(_entry("confirmed", date(2022, 7, 11)))
    assert rules.scope(cert, "x", svc, FY2025, window_months=36) == []
    assert rules.scope(cert, "x", svc, FY2024, window_months=0)[0].code == "scope-last-seen"


def test_service_life_retired_before_straddling_and_available() -> None:
    mmd_like = _service(status="end-of-life", eol=date(2024, 7, 31))
    assert [r.code for r in rules.service_life(mmd_like, FY2025)] == ["eol-period"]  # straddles
    assert [r.code for r in rules.service_life(mmd_like, FY2026)] == ["service-retired"]
    assert rules.service_life(mmd_like, FY2024) == []
    as_of = Period(start=None, end=date(2026, 11, 29), basis="as-of")
    assert rules.retired_before(mmd_like, as_of)
    assert rules.service_life(_service(), FY2026) == []
    retired = rules.retired(mmd_like, "decides")
    assert retired.data["end_of_life"] == "2024-07-31"
    assert retired.data["successors"] == ("Next Service",)


def test_scope_ref_says_what_the_json_shows() -> None:
    svc = _service(_entry("confirmed", date(2022, 7, 11), date(2025, 10, 15)))
    ref = rules.scope_ref(svc, "iso-27001", rules.scope_window(FY2025))
    assert (ref.scope, ref.last_seen, ref.source, ref.in_window) == (
        "confirmed",
        date(2025, 10, 15),
        "src",
        True,
    )
    none = rules.scope_ref(svc, "soc-2", rules.scope_window(FY2025))
    assert (none.scope, none.last_seen, none.in_window) == ("none", None, False)


# ---------------------------------------------------------------------------
# The engine across services (shipped catalog)


def _req(text: str, version: str | None = None) -> Requirement:
    ref = CellRef(file="t.xlsx", sheet="Requirements", row=2, column="B")
    return Requirement(source=ref, business_unit="U", text=text, cell_text=text, version=version)


def _one(shipped: Catalog, text: str, period: Period, *services: str) -> Finding:
    profiles = [shipped.service(s) for s in services]
    (f,) = engine.assess_requirement(
        _req(text), Basis.of(shipped, period=period, services=profiles)
    )
    return f


def test_intune_fy2025_is_covered_only_where_a_dated_source_supports_it(shipped: Catalog) -> None:
    assert _one(shipped, "FedRAMP High", FY2025, "intune").status == "covered"
    assert _one(shipped, "DoD IL2", FY2025, "intune").status == "covered"
    iso = _one(shipped, "ISO 27001", FY2025, "intune")
    assert iso.status == "partial"
    assert [r.code for r in iso.reasons if r.effect == "blocks"] == ["scope-last-seen"]
    assert "on 11 July 2022" in iso.rationale and "confirm in the current" in iso.rationale
    assert _one(shipped, "IRAP", FY2025, "intune").status == "gap"  # not on the 2022 list


def test_commercial_intune_is_not_il4_or_il5_only_its_azure_government_instances_are(
    shipped: Catalog,
) -> None:
    """IL4 and IL5 are in the Azure Government table only: never covered for commercial Intune."""
    for level in ("DoD IL4", "DoD IL5"):
        commercial = _one(shipped, level, FY2025, "intune")
        assert commercial.status == "gap", level
        assert "scope-not-listed" in [r.code for r in commercial.reasons], level
        government = _one(shipped, level, FY2025, "intune-us-government")
        assert government.status == "covered", level
    # the government instances carry no inherited ISO or SOC scope
    assert _one(shipped, "ISO 27001", FY2025, "intune-us-government").status == "gap"


def test_autopatch_gets_no_covered_finding_and_never_inherits_intune(shipped: Catalog) -> None:
    texts = [fw.short_name for fw in shipped.frameworks if fw.relation == "held"]
    for text in texts:
        f = _one(shipped, text, FY2025, "windows-autopatch")
        assert f.status != "covered", text
        assert f.caveats, text
        assert "Windows Autopatch" in " ".join(f.caveats), text


def test_several_services_cover_only_when_every_one_is_confirmed(shipped: Catalog) -> None:
    both = _one(shipped, "FedRAMP High", FY2025, "intune", "windows-autopatch")
    assert both.status == "partial"
    short = [r.data["service"] for r in both.reasons if r.effect == "blocks"]
    assert short == ["Windows Autopatch"]  # names the service that falls short
    assert {s.service for s in both.service_scope} == {"intune", "windows-autopatch"}
    # gap only when no service used has the certification in scope at all
    assert _one(shipped, "FedRAMP", FY2025, "windows-365", "windows-autopatch").status == "gap"
    assert _one(shipped, "IRAP", FY2025, "intune", "windows-365").status == "partial"


def test_mmd_fy2025_is_straddling_fy2026_is_a_retirement_gap(shipped: Catalog) -> None:
    straddle = _one(shipped, "ISO 27001", FY2025, "mmd")
    assert straddle.status == "partial" and straddle.reasons[0].code == "eol-period"
    after = _one(shipped, "ISO 27001", FY2026, "mmd")
    assert after.status == "gap"
    assert after.reasons[0].code == "service-retired"
    assert "retired on 31 July 2024" in after.rationale
    assert "Microsoft Intune" in after.rationale  # the successors to assess instead
    assert _one(shipped, "ISO 27001", FY2024, "mmd").status == "covered"


def test_mmd_plus_intune_after_the_retirement_names_mmd_as_short(shipped: Catalog) -> None:
    f = _one(shipped, "FedRAMP High", FY2026, "mmd", "intune")
    assert f.status == "partial"
    assert [r.code for r in f.reasons if r.effect == "blocks"] == ["service-retired"]


def test_assess_uses_the_unit_service_and_a_row_overrides_it(shipped: Catalog) -> None:
    from assessor.domain.models import IntakeResult

    unit = BusinessUnit(
        name="U",
        period_start=FY2025.start,
        period_end=FY2025.end,
        services=("intune", "windows-autopatch"),
    )
    rows = (_req("FedRAMP High"), _req("DoD IL2").model_copy(update={"services": ("intune",)}))
    result = IntakeResult(
        file="t.xlsx",
        path="/t.xlsx",
        sha256="0" * 64,
        requirements=rows,
        units=(unit,),
        rejected=(),
        warnings=(),
        data_rows=2,
        sheets_read=("Requirements",),
    )
    (a,) = engine.assess(result, shipped, as_of=date(2026, 11, 29), organization="O")
    assert a.services == ("intune", "windows-autopatch")
    status = {f.requirement: f.status for f in a.findings}
    assert status == {"FedRAMP High": "partial", "DoD IL2": "covered"}
    (b,) = engine.assess(
        result.model_copy(update={"units": (unit.model_copy(update={"services": ()}),)}),
        shipped,
        as_of=date(2026, 11, 29),
        organization="O",
        services=("windows-365",),
    )
    assert b.services == ("windows-365", "intune")


# ---------------------------------------------------------------------------
# The Service column


def _units_sheet(service: object) -> list[list[object]]:
    return [
        ["Business unit", "Audit period start", "Audit period end", "Service"],
        ["Ops", date(2024, 7, 1), date(2025, 6, 30), service],
    ]


@pytest.mark.parametrize(
    ("cell", "ids"),
    [
        ("Intune", ("intune",)),
        ("Intune; Windows 365", ("intune", "windows-365")),
        ("Intune + Autopatch", ("intune", "windows-autopatch")),
        ("Microsoft Intune, Cloud PC", ("intune", "windows-365")),
        ("MMD", ("mmd",)),
        ("Azure Intune and Windows Autopatch", ("intune", "windows-autopatch")),
        ("", ()),
    ],
)
def test_units_service_column_names_one_or_several(
    tmp_path: Path, shipped: Catalog, cell: str, ids: tuple[str, ...]
) -> None:
    path = write_xlsx(
        tmp_path / "s.xlsx",
        {
            "Requirements": [["Business unit", "Framework"], ["Ops", "ISO 27001"]],
            "Business units": _units_sheet(cell),
        },
    )
    result = intake.read_workbook(path, shipped)
    assert result.units[0].services == ids


@pytest.mark.parametrize("header", ["Service", "Services", "Microsoft service", "Platform"])
def test_requirements_service_column_synonyms(
    tmp_path: Path, shipped: Catalog, header: str
) -> None:
    path = write_xlsx(
        tmp_path / "r.xlsx",
        {"Requirements": [["Business unit", "Framework", header], ["Ops", "SOC 2", "W365"]]},
    )
    (req,) = intake.read_workbook(path, shipped).requirements
    assert req.services == ("windows-365",)


def test_unknown_service_is_an_input_error_naming_its_cell(
    tmp_path: Path, shipped: Catalog
) -> None:
    path = write_xlsx(
        tmp_path / "bad.xlsx",
        {
            "Requirements": [["Business unit", "Framework"], ["Ops", "ISO 27001"]],
            "Business units": [
                [
                    "Business unit",
                    "Owner",
                    "Auditor",
                    "Audit period start",
                    "Audit period end",
                    "Service",
                ],
                ["Ops", "A", "B", date(2024, 7, 1), date(2025, 6, 30), "Intnue"],
            ],
        },
    )
    with pytest.raises(InputError) as err:
        intake.read_workbook(path, shipped)
    text = str(err.value) + " ".join(str(i) for i in err.value.issues)
    assert "Business units!F2: unknown service 'Intnue': known services are" in text
    assert "did you mean 'Microsoft Intune'?" in text
    assert "assessor services" in (err.value.hint or "")


def test_mem_is_read_as_intune_with_the_umbrella_note(tmp_path: Path, shipped: Catalog) -> None:
    path = write_xlsx(
        tmp_path / "mem.xlsx",
        {"Requirements": [["Business unit", "Framework", "Service"], ["Ops", "SOC 2", "MEM"]]},
    )
    result = intake.read_workbook(path, shipped)
    assert result.requirements[0].services == ("intune",)
    assert any("Requirements!C2" in w and "Configuration Manager" in w for w in result.warnings)


def test_service_names_resolve_from_the_catalog(shipped: Catalog) -> None:
    found = resolve_services("Endpoint Manager / Windows 365 Enterprise / Blah", shipped)
    assert found.ids == ("intune", "windows-365") and found.unknown == ["Blah"]
    assert parse_service_option("intune,windows-autopatch", shipped) == (
        "intune",
        "windows-autopatch",
    )
    with pytest.raises(UsageError, match="did you mean 'Windows 365'"):
        parse_service_option("Windows 356", shipped)


# ---------------------------------------------------------------------------
# A fifth service is one YAML file plus its sources


def test_a_fictional_service_added_as_one_file_is_checked_and_assessed(tmp_path: Path) -> None:
    folder = tmp_path / "requirements"
    shutil.copytree(catalog_dir(), folder)
    profile = {
        "id": "contoso-desk",
        "name": "Contoso Cloud Desk",
        "aliases": ["Cloud Desk", {"name": "CCD", "note": "CCD is Contoso's short name."}],
        "description": "A fictional service for this test.",
        "lifecycle": {
            "status": "available",
            "statement": "Fictional.",
            "sources": ["fr26"],
        },
        "document_name_pattern": "Fictional documents",
        "responsibility_model": "SaaS",
        "scope": [
            {
                "certification": "soc-2",
                "confidence": "confirmed",
                "last_seen": [{"date": date(2025, 3, 1), "source": "fr26"}],
                "location": "Listed as Cloud Desk",
                "note": "Fictional listing.",
            }
        ],
        "sources": ["fr26"],
    }
    (folder / "services" / "contoso-desk.yaml").write_text(
        yaml.safe_dump(profile, sort_keys=False), encoding="utf-8"
    )
    assert [i for i in cat.check_catalog(folder) if i.severity == "error"] == []
    catalog = cat.load_catalog(folder)
    path = write_xlsx(
        tmp_path / "desk.xlsx",
        {
            "Requirements": [
                ["Business unit", "Framework"],
                ["Desk", "SOC 2"],
                ["Desk", "ISO 27001"],
            ],
            "Business units": [
                *_units_sheet("Cloud Desk")[:1],
                ["Desk", date(2024, 7, 1), date(2025, 6, 30), "CCD"],
            ],
        },
    )
    result = intake.read_workbook(path, catalog)
    (a,) = engine.assess(result, catalog, as_of=date(2026, 11, 29), organization="O")
    assert a.services == ("contoso-desk",)
    status = {f.requirement: f.status for f in a.findings}
    assert status == {"SOC 2": "covered", "ISO 27001": "gap"}  # no source lists it for 27001


# ---------------------------------------------------------------------------
# The command line


def test_cli_services_lists_the_profiles() -> None:
    result = runner.invoke(app, ["services"])
    assert result.exit_code == 0, result.output
    for text in ("intune", "windows-autopatch", "windows-365", "mmd *", "end-of-life 2024-07-31"):
        assert text in result.output


def test_cli_catalog_service_shows_one_scope_matrix_with_dates() -> None:
    result = runner.invoke(app, ["catalog", "--service", "Intune"])
    assert result.exit_code == 0, result.output
    assert "Microsoft Intune [intune]" in result.output
    assert "fedramp-high" in result.output and "2026-02-25" in result.output
    assert "Configuration Manager" in result.output  # the MEM note
    data = json.loads(
        runner.invoke(app, ["catalog", "--service", "autopatch", "--format", "json"]).output
    )
    assert data[0]["id"] == "windows-autopatch"
    bad = runner.invoke(app, ["catalog", "--service", "Intnue"])
    assert bad.exit_code == 2 and "did you mean 'Microsoft Intune'" in bad.output


def test_cli_assess_service_and_window_flags(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "w.xlsx",
        {
            "Requirements": [["Business unit", "Framework"], ["Ops", "ISO 27001"]],
            "Business units": [
                ["Business unit", "Audit period start", "Audit period end"],
                ["Ops", date(2024, 7, 1), date(2025, 6, 30)],
            ],
        },
    )

    def run(out: str, *flags: str) -> dict[str, object]:
        args = ["assess", str(path), "--out", str(tmp_path / out), "--format", "json"]
        result = runner.invoke(app, [*args, "--as-of", "2026-11-29", "--workers", "1", *flags])
        assert result.exit_code == 0, result.output
        data: dict[str, object] = json.loads((tmp_path / out / "ops.json").read_text())
        return data

    default = run("a")
    assert [s["id"] for s in default["services"]] == ["mmd"]  # type: ignore[attr-defined, index]
    intune = run("b", "--service", "intune")
    assert {k: v for k, v in intune["summary"].items() if k != "evidence"} == {
        "covered": 0,
        "partial": 1,
        "gap": 0,
        "unrecognized": 0,
    }
    wide = run("c", "--service", "intune", "--scope-window-months", "36")
    assert {k: v for k, v in wide["summary"].items() if k != "evidence"} == {
        "covered": 1,
        "partial": 0,
        "gap": 0,
        "unrecognized": 0,
    }
    bad = runner.invoke(app, ["assess", str(path), "--out", str(tmp_path / "d"), "--service", "x"])
    assert bad.exit_code == 2 and "unknown service 'x'" in bad.output
