"""--format oscal: OSCAL 1.2.1 assessment-results that compliance-trestle loads and NIST's
published JSON schema accepts, for every example unit and the portfolio; same input, same bytes."""

from __future__ import annotations

import copy
import hashlib
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from report_fixtures import make_case

from assessor.domain.errors import OutputError
from assessor.render import oscal, registry
from assessor.run import batch
from assessor.views.report import build_view

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
SCHEMA = Path(__file__).resolve().parent / "data" / "oscal" / "oscal_complete_schema.json"
SCHEMA_SHA256 = "384324105c7a817af0f65b120a963146caa0e0d55d969cf0daf60e063b87a206"


def _run(out: Path) -> int:
    options = batch.BatchOptions.from_cli(
        out=out,
        formats="json,oscal",
        organization="Contoso Group",
        as_of="2026-11-29",
        pdf_variant=None,
        fail_on=None,
        workers=2,
        overwrite=False,
        merge_units=False,
    )
    return batch.run([EXAMPLES], options).exit_code


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("oscal") / "out"
    assert _run(out) == batch.EXIT_OK
    return out


@pytest.fixture(scope="module")
def nist() -> Any:
    """A validator for NIST's OSCAL 1.2.3 complete schema (patterns through `regex`: \\p{L})."""
    jsonschema = pytest.importorskip("jsonschema")
    regex = pytest.importorskip("regex")
    data = SCHEMA.read_bytes()
    assert hashlib.sha256(data).hexdigest() == SCHEMA_SHA256, "see tests/data/oscal/SOURCE.md"

    def pattern(validator: Any, patrn: str, instance: Any, schema: Any) -> Any:
        if validator.is_type(instance, "string") and not regex.search(patrn, instance):
            yield jsonschema.ValidationError(f"{instance!r} does not match {patrn!r}")

    cls = jsonschema.validators.extend(jsonschema.Draft7Validator, {"pattern": pattern})
    return cls(json.loads(data), format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)


def _errors(validator: Any, doc: dict[str, Any]) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message[:200]}" for e in validator.iter_errors(doc)]


def _documents(out: Path) -> list[Path]:
    return sorted(out.glob("*.oscal.json"))


def test_every_unit_and_the_portfolio_get_an_oscal_document(demo: Path) -> None:
    manifest = json.loads((demo / "manifest.json").read_text(encoding="utf-8"))
    slugs = {u["slug"] for u in manifest["business_units"]}
    assert {p.name for p in _documents(demo)} == {f"{s}.oscal.json" for s in slugs} | {
        "portfolio.oscal.json"
    }
    outputs = {o["path"] for i in manifest["inputs"] for o in i["outputs"]}
    assert {f"{s}.oscal.json" for s in slugs} <= {Path(p).name for p in outputs}
    assert "portfolio.oscal.json" in {Path(o["path"]).name for o in manifest["portfolio"]}


def test_trestle_loads_every_document(demo: Path) -> None:
    trestle = pytest.importorskip("trestle.oscal.assessment_results")
    for path in _documents(demo):
        model = trestle.AssessmentResults.oscal_read(path)
        assert model is not None, path.name
        assert (
            json.loads(model.oscal_serialize_json())["assessment-results"]["metadata"][
                "oscal-version"
            ]
            == "1.2.1"
        )
        assert len(model.results) >= 1


def test_nist_schema_accepts_every_document(demo: Path, nist: Any) -> None:
    for path in _documents(demo):
        assert _errors(nist, json.loads(path.read_text(encoding="utf-8"))) == [], path.name


def test_the_schema_check_is_not_vacuous(demo: Path, nist: Any) -> None:
    doc = json.loads((demo / "fabrikam-payments.oscal.json").read_text(encoding="utf-8"))
    bad = copy.deepcopy(doc)
    bad["assessment-results"]["results"][0]["findings"][0]["target"]["status"]["state"] = "pass"
    assert _errors(nist, bad)
    empty = copy.deepcopy(doc)
    empty["assessment-results"]["results"][0]["findings"] = []
    assert _errors(nist, empty)
    naive = copy.deepcopy(doc)
    naive["assessment-results"]["results"][0]["start"] = "2025-01-01T00:00:00"
    assert _errors(nist, naive)


def test_findings_carry_the_unit_reports_status_reasons_and_evidence(demo: Path) -> None:
    for path in _documents(demo):
        if path.name == "portfolio.oscal.json":
            continue
        report = json.loads((demo / path.name.replace(".oscal.json", ".json")).read_text("utf-8"))
        doc = json.loads(path.read_text(encoding="utf-8"))["assessment-results"]
        (result,) = doc["results"]
        assert result["start"].endswith("+00:00") and result["end"].endswith("+00:00")
        if report["period"]["start"]:
            assert result["start"].startswith(report["period"]["start"])
        findings = result.get("findings", [])
        assert len(findings) == len(report["findings"])
        observations = {o["uuid"]: o for o in result.get("observations", [])}
        for finding, expected in zip(findings, report["findings"], strict=True):
            target = finding["target"]
            assert target["type"] == "objective-id"
            want = "satisfied" if expected["status"] == "covered" else "not-satisfied"
            assert target["status"]["state"] == want
            if expected["framework"]:
                assert target["target-id"] == oscal.token(expected["framework"]["id"])
            props = [(p["name"], p["value"]) for p in finding["props"]]
            assert all(p["ns"] == oscal.NS for p in finding["props"])
            assert ("status", expected["status"]) in props
            assert ("responsibility", expected["responsibility"]) in props
            assert [v for n, v in props if n == "reason"] == [
                r["code"] for r in expected["reasons"]
            ]
            related = [r["observation-uuid"] for r in finding.get("related-observations", [])]
            assert {observations[u]["title"] for u in related} == {
                e["title"] for e in expected["evidence"]
            }
        resource = doc["back-matter"]["resources"][0]
        assert doc["import-ap"]["href"] == f"#{resource['uuid']}"
        assert resource["rlinks"][0]["hashes"][0]["value"] == report["source"]["sha256"]
        assert "no separate" in doc["import-ap"]["remarks"]


def test_portfolio_has_one_result_per_unit(demo: Path) -> None:
    doc = json.loads((demo / "portfolio.oscal.json").read_text(encoding="utf-8"))
    manifest = json.loads((demo / "manifest.json").read_text(encoding="utf-8"))
    results = doc["assessment-results"]["results"]
    units = [next(p["value"] for p in r["props"] if p["name"] == "business-unit") for r in results]
    assert sorted(units) == sorted(u["name"] for u in manifest["business_units"])
    for result in results:
        for finding in result.get("findings", []):
            assert finding["target"]["status"]["state"] in {"satisfied", "not-satisfied"}


def test_reruns_are_byte_identical(demo: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    assert _run(again) == batch.EXIT_OK
    for path in _documents(demo):
        assert (again / path.name).read_bytes() == path.read_bytes(), path.name
    doc = json.loads((demo / "contoso-retail.oscal.json").read_text(encoding="utf-8"))
    uuids = [
        v
        for k, v in _walk(doc)
        if k in {"uuid"} and isinstance(v, str)  # every object's own id
    ]
    assert len(uuids) == len(set(uuids))
    assert all(u[14] == "5" for u in uuids)  # version-5 UUIDs


def _walk(node: Any) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    if isinstance(node, dict):
        for key, value in node.items():
            out.append((key, value))
            out.extend(_walk(value))
    elif isinstance(node, list):
        for value in node:
            out.extend(_walk(value))
    return out


def test_a_unit_without_findings_omits_the_arrays(nist: Any) -> None:
    assessment, catalog, intake = make_case(n=0, period=None)
    view = build_view(assessment, catalog, intake=intake, tool_version="0")
    doc = json.loads(oscal.render_unit_oscal(view))
    (result,) = doc["assessment-results"]["results"]
    assert "findings" not in result and "observations" not in result
    assert result["start"] == "2026-11-29T00:00:00+00:00"
    assert _errors(nist, doc) == []
    trestle = pytest.importorskip("trestle.oscal.assessment_results")
    trestle.AssessmentResults.model_validate(doc["assessment-results"])


def test_tokens_keep_valid_ids_and_prefix_the_rest() -> None:
    assert oscal.token("pci-dss") == "pci-dss"
    assert oscal.token("42-cfr-part-2") == "_42-cfr-part-2"


def test_the_registry_offers_oscal_with_its_double_suffix() -> None:
    fmt = registry.get("oscal")
    assert fmt.suffix == ".oscal.json" and fmt.render_portfolio is not None
    assert ".oscal.json" in registry.suffixes()


def test_a_folder_holding_only_oscal_documents_already_holds_reports(tmp_path: Path) -> None:
    (tmp_path / "unit.oscal.json").write_text("{}", encoding="utf-8")
    with pytest.raises(OutputError, match="already holds reports"):
        batch.check_output_dir(tmp_path, [EXAMPLES], overwrite=False)


def test_timestamps_come_from_the_as_of_date_never_the_clock() -> None:
    assessment, catalog, intake = make_case(n=3, as_of=date(2025, 3, 1))
    view = build_view(assessment, catalog, intake=intake, tool_version="0")
    doc = json.loads(oscal.render_unit_oscal(view))["assessment-results"]
    assert doc["metadata"]["last-modified"] == "2025-03-01T00:00:00+00:00"
    (result,) = doc["results"]
    assert (result["start"], result["end"]) == (
        "2024-01-01T00:00:00+00:00",
        "2024-06-30T23:59:59+00:00",
    )


def test_observations_carry_the_evidence_state_and_when_it_lapses(demo: Path) -> None:
    """Contoso Retail's register: the PCI AoC on file expired; the observation says so."""
    doc = json.loads((demo / "contoso-retail.oscal.json").read_text(encoding="utf-8"))
    observations = doc["assessment-results"]["results"][0]["observations"]
    states = {
        o["title"]: next(p["value"] for p in o["props"] if p["name"] == "evidence-state")
        for o in observations
    }
    assert "expired" in states.values() and "on-file" in states.values()
    aoc = next(o for o in observations if states[o["title"]] == "expired")
    assert aoc["expires"].startswith("2024-05-14")
