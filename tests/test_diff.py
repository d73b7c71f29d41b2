"""`assessor diff`: what changed between two runs, per unit and requirement, and why."""

from __future__ import annotations

import copy
import datetime
import json
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from assessor.app.cli import app
from assessor.run import batch
from assessor.run import diff as run_diff
from assessor.views.diff import ReportIn, unit_changes

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
runner = CliRunner()


def _batch(inputs: Path, out: Path, catalog: Path | None = None) -> None:
    options = batch.BatchOptions.from_cli(
        out=out,
        formats="json",
        organization="Contoso Group",
        as_of="2026-11-29",
        pdf_variant=None,
        fail_on=None,
        workers=2,
        overwrite=False,
        merge_units=False,
        catalog_dir=catalog,
    )
    assert batch.run([inputs], options).exit_code == batch.EXIT_OK


def _changed_inputs(tmp: Path) -> tuple[Path, Path]:
    """The examples with one requirement, one unit's audit period and one catalog fact changed."""
    openpyxl = pytest.importorskip("openpyxl")
    inputs, catalog = tmp / "in", tmp / "catalog"
    inputs.mkdir()
    for path in EXAMPLES.glob("*.xlsx"):
        shutil.copy(path, inputs / path.name)
    book = openpyxl.load_workbook(inputs / "fabrikam-group.xlsx")
    sheet = book["Fabrikam Insurance"]
    assert sheet["A4"].value == "HIPAA/HITECH"
    sheet["A4"] = "ISO 22301"  # requirement: another framework on the same row
    for row in book["Business units"].iter_rows(min_row=2):
        if row[0].value == "Fabrikam Finance":  # period: 2024 H1 -> the year to 31 March 2024
            row[3].value = datetime.datetime(2023, 4, 1)
            row[4].value = datetime.datetime(2024, 3, 31)
    book.save(inputs / "fabrikam-group.xlsx")
    shutil.copytree(ROOT / "requirements", catalog)
    # catalog: MMD's scope for ISO 9001 is now confirmed, by a 2023 sighting
    profile = catalog / "services" / "mmd.yaml"
    text = profile.read_text(encoding="utf-8")
    start = text.index("certification: iso-9001")
    at = text.index("confidence: unconfirmed", start)
    seen = text.index("last_seen:\n", at) + len("last_seen:\n")
    sighting = '      - {date: 2023-03-10, source: r23, note: "test: a later copy lists MMD"}\n'
    text = text[:seen] + sighting + text[seen:]
    text = text[:at] + "confidence: confirmed" + text[at + len("confidence: unconfirmed") :]
    profile.write_text(text, encoding="utf-8")
    return inputs, catalog


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    tmp = tmp_path_factory.mktemp("diff")
    _batch(EXAMPLES, tmp / "old")
    inputs, catalog = _changed_inputs(tmp)
    _batch(inputs, tmp / "new", catalog)
    return tmp / "old", tmp / "new"


def _json(old: Path, new: Path) -> dict[str, Any]:
    result = run_diff.run(old, new, formats="json")
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def test_the_diff_names_each_cause_exactly_once(runs: tuple[Path, Path]) -> None:
    data = _json(*runs)
    found = [
        (unit["business_unit"], change["framework_id"], cause["cause"], cause["detail"])
        for unit in data["units"]
        for change in unit["changes"]
        for cause in change["causes"]
    ]
    assert Counter(kind for _, _, kind, _ in found) == {
        "requirement": 1,
        "period": 1,
        "catalog": 1,
    }
    by_kind = {kind: (unit, fw, detail) for unit, fw, kind, detail in found}
    assert by_kind["requirement"] == (
        "Fabrikam Insurance",
        "iso-22301",
        "framework hipaa \u2192 iso-22301",
    )
    unit, fw, detail = by_kind["period"]
    assert (unit, fw) == ("Fabrikam Finance", "pci-dss")
    assert detail.startswith(
        "audit period 2024-01-01 to 2024-06-30 \u2192 2023-04-01 to 2024-03-31"
    )
    assert "asked-edition-retired" in detail
    assert by_kind["catalog"] == (
        "Contoso Retail",
        "iso-9001",
        # before: the certificate on file lifted the unconfirmed scope; now the catalog itself
        # confirms it, so the evidence no longer has a blocker to lift
        "evidence-on-file (iso-9001): no longer applies",
    )
    assert data["added_units"] == [] and data["removed_units"] == []
    assert data["old"]["catalog_sha256"] != data["new"]["catalog_sha256"]


def test_the_json_matches_docs_diff_schema(runs: tuple[Path, Path]) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((ROOT / "docs" / "diff-schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(_json(*runs), schema)


def test_the_table_lists_each_change(runs: tuple[Path, Path]) -> None:
    result = runner.invoke(app, ["diff", str(runs[0]), str(runs[1])])
    assert result.exit_code == 0, result.output
    for text in ("Contoso Retail", "Fabrikam Finance", "Fabrikam Insurance", "3 change(s)"):
        assert text in result.stdout


def test_no_change_when_nothing_moved(runs: tuple[Path, Path]) -> None:
    data = _json(runs[0], runs[0])
    assert data["units"] == []


def test_two_unit_reports_can_be_compared(runs: tuple[Path, Path]) -> None:
    old, new = (side / "fabrikam-insurance.json" for side in runs)
    data = _json(old, new)
    (unit,) = data["units"]
    assert [c["cause"] for c in unit["changes"][0]["causes"]] == ["requirement"]


def test_added_and_removed_units(runs: tuple[Path, Path], tmp_path: Path) -> None:
    trimmed = tmp_path / "trimmed"
    shutil.copytree(runs[0], trimmed)
    manifest = json.loads((trimmed / "manifest.json").read_text(encoding="utf-8"))
    manifest["business_units"] = [
        u for u in manifest["business_units"] if u["name"] != "Northwind Travel"
    ]
    (trimmed / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    assert _json(trimmed, runs[0])["added_units"] == ["Northwind Travel"]
    assert _json(runs[0], trimmed)["removed_units"] == ["Northwind Travel"]


def _report(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def test_a_worse_status_fails_with_fail_on_regression(
    runs: tuple[Path, Path], tmp_path: Path
) -> None:
    old = _report(runs[0] / "fabrikam-finance.json")
    new = copy.deepcopy(old)
    covered = next(f for f in new["findings"] if f["status"] == "covered")
    covered["status"] = "gap"
    covered["reasons"] = [{"code": "no-certification", "effect": "decides", "service": "x"}]
    (tmp_path / "old.json").write_text(json.dumps(old), encoding="utf-8")
    (tmp_path / "new.json").write_text(json.dumps(new), encoding="utf-8")
    args = ["diff", str(tmp_path / "old.json"), str(tmp_path / "new.json")]
    assert runner.invoke(app, args).exit_code == 0
    result = runner.invoke(app, [*args, "--fail-on", "regression"])
    assert result.exit_code == 3, result.output
    assert "covered \u2192 gap (worse)" in result.stdout
    better = ["diff", str(tmp_path / "new.json"), str(tmp_path / "old.json")]
    assert runner.invoke(app, [*better, "--fail-on", "regression"]).exit_code == 0


def test_services_and_evidence_state_are_compared_when_present(runs: tuple[Path, Path]) -> None:
    old = _report(runs[0] / "fabrikam-finance.json")
    new = copy.deepcopy(old)
    old["services"] = [{"id": "mmd", "name": "Microsoft Managed Desktop"}]
    new["services"] = [{"id": "intune", "name": "Microsoft Intune"}]
    finding = next(f for f in new["findings"] if f["evidence"])
    finding["reasons"].append(
        {"code": "cert-not-listed", "effect": "blocks", "service": "Microsoft Intune"}
    )
    finding["evidence"][0]["state"] = "expired"
    old_finding = next(f for f in old["findings"] if f["source"]["row"] == finding["source"]["row"])
    old_finding["evidence"][0]["state"] = "current"
    changes = unit_changes(
        ReportIn.model_validate(old), ReportIn.model_validate(new), catalog_changed=False
    )
    (change,) = changes
    kinds = {c.cause: c.detail for c in change.causes}
    assert set(kinds) == {"service", "evidence"}
    assert kinds["service"].startswith("services Microsoft Managed Desktop \u2192 Microsoft Intune")
    assert kinds["evidence"].endswith("current \u2192 expired")


def test_reports_without_services_or_period_still_compare(runs: tuple[Path, Path]) -> None:
    old = _report(runs[0] / "fabrikam-finance.json")
    old.pop("period", None)
    old.pop("services", None)
    changes = unit_changes(
        ReportIn.model_validate(old), ReportIn.model_validate(old), catalog_changed=False
    )
    assert changes == ()


def test_html_and_pdf_go_to_the_out_folder(runs: tuple[Path, Path], tmp_path: Path) -> None:
    out = tmp_path / "changes"
    args = ["diff", str(runs[0]), str(runs[1]), "--format", "json,html,pdf", "--out", str(out)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["diff.html", "diff.json", "diff.pdf"]
    assert (out / "diff.pdf").read_bytes().startswith(b"%PDF")
    html = (out / "diff.html").read_text(encoding="utf-8")
    assert "Changes since 29 November 2026" in html and "iso-9001" in html
    again = runner.invoke(app, args)
    assert again.exit_code == 2 and "already exists" in again.output
    first = (out / "diff.pdf").read_bytes()
    assert runner.invoke(app, [*args, "--overwrite"]).exit_code == 0
    assert (out / "diff.pdf").read_bytes() == first  # same runs, same bytes


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda d: d / "missing.json", "no such file or folder"),
        (lambda d: _write(d / "bad.json", "{not json"), "not JSON"),
        (lambda d: _write(d / "other.json", '{"a": 1}'), "not an assessor report JSON"),
        (lambda d: _folder(d / "plain"), "no manifest.json"),
        (
            lambda d: _write(d / "wrong.json", '{"business_unit": "x", "findings": 3}'),
            "not a valid assessor report JSON",
        ),
    ],
)
def test_bad_input_names_the_file_and_exits_2(
    runs: tuple[Path, Path], tmp_path: Path, make: Any, message: str
) -> None:
    bad = make(tmp_path)
    result = runner.invoke(app, ["diff", str(runs[0]), str(bad)])
    assert result.exit_code == 2, result.output
    assert message in result.output and bad.name in result.output


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _folder(path: Path) -> Path:
    path.mkdir()
    return path


def test_html_or_pdf_needs_out(runs: tuple[Path, Path]) -> None:
    result = runner.invoke(app, ["diff", str(runs[0]), str(runs[1]), "--format", "pdf"])
    assert result.exit_code == 2 and "--out" in result.output
