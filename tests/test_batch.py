"""Batch runs: partial failure, refusals, unit identity across inputs, atomic output, pools."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from typer.testing import CliRunner

from assessor.app.cli import app
from assessor.domain.errors import OutputError, RenderError, UsageError
from assessor.run import batch, inputs, summary
from assessor.run.options import BatchOptions

INSIDE = (date(2023, 7, 1), date(2024, 6, 30))
Row = tuple[str, str]


def workbook(
    path: Path, rows: Sequence[Row], periods: dict[str, tuple[date, date]] | None = None
) -> Path:
    """A template-shaped workbook: Requirements (Business unit, Framework) + Business units."""
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Requirements"
    ws.append(["Business unit", "Framework"])
    for unit, framework in rows:
        ws.append([unit, framework])
    if periods:
        units = wb.create_sheet("Business units")
        units.append(["Business unit", "Audit period start", "Audit period end"])
        for name, (start, end) in periods.items():
            units.append([name, start, end])
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def options(out: Path, **overrides: Any) -> BatchOptions:
    values: dict[str, Any] = {
        "out": out,
        "formats": "json,xlsx",
        "organization": "Contoso Group",
        "as_of": "2026-11-29",
        "pdf_variant": None,
        "fail_on": None,
        "workers": 1,
        "overwrite": False,
        "merge_units": False,
    }
    values.update(overrides)
    return BatchOptions.from_cli(**values)


def manifest(out: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    return data


def entry(data: dict[str, Any], name: str) -> dict[str, Any]:
    (found,) = [i for i in data["inputs"] if Path(i["path"]).name == name]
    return found


def leftovers(out: Path) -> list[str]:
    return sorted(p.name for p in out.rglob("*") if p.name.endswith(".part"))


@pytest.fixture
def good_inputs(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    workbook(
        folder / "retail.xlsx",
        [("Contoso Retail", "ISO 27001"), ("Contoso Retail", "NIST CSF")],
        {"Contoso Retail": INSIDE},
    )
    workbook(
        folder / "group.xlsx",
        [("Fabrikam Finance", "SOC 2"), ("Fabrikam Payments", "ISO 27001")],
    )
    return folder


def test_broken_workbook_among_good_ones_writes_the_rest_exits_1_and_is_named(
    good_inputs: Path, tmp_path: Path
) -> None:
    (good_inputs / "broken.xlsx").write_bytes(b"this is not a workbook")
    out = tmp_path / "out"
    code = summary.run_cli([good_inputs], options(out))
    assert code == batch.EXIT_SOME_FAILED
    for slug in ("contoso-retail", "fabrikam-finance", "fabrikam-payments"):
        assert (out / f"{slug}.json").is_file() and (out / f"{slug}.xlsx").is_file()
    assert (out / "portfolio.json").is_file() and (out / "portfolio.xlsx").is_file()
    data = manifest(out)
    broken = entry(data, "broken.xlsx")
    assert broken["status"] == "failed" and broken["error"]
    assert broken["outputs"] == []
    good = entry(data, "group.xlsx")
    assert good["status"] == "ok"
    assert sorted(good["business_units"]) == ["Fabrikam Finance", "Fabrikam Payments"]
    for output in good["outputs"]:
        body = (out / output["path"]).read_bytes()
        import hashlib

        assert hashlib.sha256(body).hexdigest() == output["sha256"]
    assert data["status"] == "partial" and data["as_of"] == "2026-11-29"
    assert data["tool"]["version"] and len(data["catalog"]["sha256"]) == 64
    assert leftovers(out) == []


def test_nothing_assessable_exits_2_and_writes_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.xlsx").write_bytes(b"")
    (folder / "b.xlsx").write_bytes(b"PK\x03\x04 truncated")
    out = tmp_path / "out"
    assert summary.run_cli([folder], options(out)) == batch.EXIT_NOTHING
    assert not out.exists()


def test_existing_reports_are_refused_before_rendering_without_overwrite(
    good_inputs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "contoso-retail.pdf").write_bytes(b"old report")

    def no_render(*args: object, **kwargs: object) -> bytes:
        raise AssertionError("rendered before refusing the output folder")

    monkeypatch.setattr("assessor.render.render", no_render)
    with pytest.raises(OutputError, match="already holds reports"):
        summary.run_cli([good_inputs], options(out))
    assert (out / "contoso-retail.pdf").read_bytes() == b"old report"
    monkeypatch.undo()
    assert summary.run_cli([good_inputs], options(out, overwrite=True)) == batch.EXIT_OK
    assert (out / "contoso-retail.pdf").read_bytes() == b"old report"  # not a format asked for
    assert (out / "contoso-retail.json").is_file()


def test_cli_refusal_is_one_error_line_and_exit_2(good_inputs: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "manifest.json").write_text("{}")
    result = CliRunner().invoke(app, ["assess", str(good_inputs), "--out", str(out)])
    assert result.exit_code == 2
    assert "error: " in result.output and "already holds reports" in result.output


def test_units_that_slugify_alike_get_distinct_files(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    workbook(folder / "a.xlsx", [("Fin/Ops", "ISO 27001"), ("Fin Ops", "SOC 2")])
    workbook(folder / "b.xlsx", [("FIN-OPS!", "ISO 27001")])
    out = tmp_path / "out"
    assert summary.run_cli([folder], options(out, formats="json")) == batch.EXIT_OK
    data = manifest(out)
    slugs = {u["name"]: u["slug"] for u in data["business_units"]}
    assert set(slugs) == {"Fin/Ops", "Fin Ops", "FIN-OPS!"}
    assert len(set(slugs.values())) == 3
    for name, slug in slugs.items():
        assert slug.startswith("fin-ops-")
        body = json.loads((out / f"{slug}.json").read_text(encoding="utf-8"))
        assert body["business_unit"] == name


def test_same_unit_in_two_inputs_is_an_error_naming_both(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "in"
    workbook(folder / "a.xlsx", [("Contoso Retail", "ISO 27001"), ("Other", "SOC 2")])
    workbook(folder / "b.xlsx", [("contoso  retail", "SOC 2")])
    out = tmp_path / "out"
    assert summary.run_cli([folder], options(out)) == batch.EXIT_SOME_FAILED
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if "more than one input" in line]
    assert lines, err
    assert all("a.xlsx" in line and "b.xlsx" in line for line in lines)
    data = manifest(out)
    assert entry(data, "a.xlsx")["status"] == "failed"
    assert entry(data, "b.xlsx")["status"] == "failed"
    assert [u["name"] for u in data["business_units"]] == ["Other"]
    assert not list(out.glob("contoso-retail*"))


def test_merge_units_assesses_both_inputs_requirements_together(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    workbook(folder / "a.xlsx", [("Contoso Retail", "ISO 27001"), ("Other", "SOC 2")])
    workbook(folder / "b.xlsx", [("Contoso Retail", "SOC 2")])
    out = tmp_path / "out"
    assert summary.run_cli([folder], options(out, merge_units=True)) == batch.EXIT_OK
    report = json.loads((out / "contoso-retail.json").read_text(encoding="utf-8"))
    files = {f["source"]["file"] for f in report["findings"]}
    assert files == {"a.xlsx", "b.xlsx"}
    data = manifest(out)
    (merged,) = [u for u in data["business_units"] if u["name"] == "Contoso Retail"]
    assert sorted(Path(p).name for p in merged["inputs"]) == ["a.xlsx", "b.xlsx"]


def test_merge_refuses_units_whose_audit_periods_disagree(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    workbook(folder / "a.xlsx", [("Retail", "ISO 27001")], {"Retail": INSIDE})
    workbook(
        folder / "b.xlsx",
        [("Retail", "SOC 2")],
        {"Retail": (date(2025, 1, 1), date(2025, 12, 31))},
    )
    out = tmp_path / "out"
    assert summary.run_cli([folder], options(out, merge_units=True)) == batch.EXIT_NOTHING
    assert not out.exists()


def _failing_render(bad_unit: str) -> Callable[..., bytes]:
    from assessor.render import render as real

    def render(view: Any, fmt: str, options: Any = None) -> bytes:
        if view.business_unit == bad_unit and fmt == "xlsx":
            raise RenderError("simulated renderer failure")
        return real(view, fmt, options)

    return render


@pytest.mark.parametrize("workers", [1, 2])
def test_render_failure_fails_its_input_and_leaves_no_partial_files(
    good_inputs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: int
) -> None:
    monkeypatch.setattr("assessor.render.render", _failing_render("Fabrikam Payments"))
    out = tmp_path / "out"
    code = summary.run_cli([good_inputs], options(out, workers=workers))
    assert code == batch.EXIT_SOME_FAILED
    assert not list(out.glob("fabrikam-payments*"))
    assert (out / "contoso-retail.json").is_file()
    assert "simulated renderer failure" in entry(manifest(out), "group.xlsx")["error"]
    assert leftovers(out) == []


def test_write_failure_stops_cleanly_without_partial_files(
    good_inputs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_fsync = os.fsync
    calls = {"n": 0}

    def flaky_fsync(fd: int) -> None:
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError(28, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", flaky_fsync)
    out = tmp_path / "out"
    with pytest.raises(OutputError, match="No space left"):
        summary.run_cli([good_inputs], options(out))
    assert leftovers(out) == []


def test_worker_that_dies_fails_only_its_workbook(
    good_inputs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from assessor.intake import workbook as intake

    real = intake.read_workbook

    def read(path: Path, *args: Any, **kwargs: Any) -> Any:
        if "crash" in path.name:
            os._exit(7)  # a segfault or an OOM kill, as the pool sees it
        return real(path, *args, **kwargs)

    monkeypatch.setattr(intake, "read_workbook", read)
    workbook(good_inputs / "crash.xlsx", [("Tailspin", "ISO 27001")])
    out = tmp_path / "out"
    code = summary.run_cli([good_inputs], options(out, workers=2))
    assert code == batch.EXIT_SOME_FAILED
    data = manifest(out)
    assert "worker process died" in entry(data, "crash.xlsx")["error"]
    assert entry(data, "retail.xlsx")["status"] == "ok"
    assert entry(data, "group.xlsx")["status"] == "ok"


def test_pool_and_single_process_write_the_same_bytes(good_inputs: Path, tmp_path: Path) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    assert summary.run_cli([good_inputs], options(one, workers=1)) == batch.EXIT_OK
    assert summary.run_cli([good_inputs], options(two, workers=2)) == batch.EXIT_OK
    names = sorted(p.name for p in one.iterdir())
    assert names == sorted(p.name for p in two.iterdir())
    for name in names:
        assert (one / name).read_bytes() == (two / name).read_bytes(), name


def test_discovery_skips_lock_hidden_and_output_files(tmp_path: Path) -> None:
    root = tmp_path / "in"
    workbook(root / "a.xlsx", [("A", "ISO 27001")])
    workbook(root / "nested" / "b.xlsm", [("B", "ISO 27001")])
    (root / "~$a.xlsx").write_bytes(b"lock")
    (root / ".hidden.xlsx").write_bytes(b"x")
    (root / ".git").mkdir()
    (root / ".git" / "c.xlsx").write_bytes(b"x")
    (root / "notes.txt").write_text("not a workbook")
    (root / "reports").mkdir()
    (root / "reports" / "old.xlsx").write_bytes(b"x")
    found, problems = inputs.discover([root, root / "a.xlsx"], exclude=root / "reports")
    assert [p.relative_to(root).as_posix() for p in found] == ["a.xlsx", "nested/b.xlsm"]
    assert problems == []
    _, problems = inputs.discover([tmp_path / "missing.xlsx"])
    assert problems and "no such file" in problems[0]


def test_fail_on_gap_exits_3_when_every_input_succeeded(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    workbook(folder / "a.xlsx", [("A", "ISO 27001"), ("A", "FedRAMP Moderate")])
    out = tmp_path / "out"
    assert summary.run_cli([folder], options(out, fail_on="gap")) == batch.EXIT_FAIL_ON
    assert (out / "a.json").is_file()  # reports are still written


def test_single_unit_writes_no_portfolio(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    workbook(folder / "a.xlsx", [("Solo", "ISO 27001")])
    out = tmp_path / "out"
    assert summary.run_cli([folder], options(out)) == batch.EXIT_OK
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json", "solo.json", "solo.xlsx"]


def test_report_may_not_overwrite_an_input_workbook(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    source = workbook(folder / "solo.xlsx", [("Solo", "ISO 27001")])
    before = source.read_bytes()
    with pytest.raises(OutputError, match="overwrite this input"):
        summary.run_cli([source], options(folder, overwrite=True))
    assert source.read_bytes() == before


@pytest.mark.parametrize(
    ("override", "needle"),
    [
        ({"formats": "pdf,odt"}, "odt"),
        ({"as_of": "29/11/2026"}, "--as-of"),
        ({"fail_on": "covered"}, "--fail-on"),
        ({"workers": 0}, "--workers"),
        ({"pdf_variant": "x"}, "--pdf-variant"),
    ],
)
def test_bad_options_are_usage_errors(override: dict[str, Any], needle: str) -> None:
    with pytest.raises(UsageError) as caught:
        options(Path("out"), **override)
    assert needle in "\n".join(caught.value.lines())


@pytest.mark.slow
def test_ctrl_c_stops_the_pool_keeps_complete_files_and_exits_130(tmp_path: Path) -> None:
    import signal
    import subprocess
    import sys

    folder = tmp_path / "in"
    for i in range(6):
        workbook(folder / f"u{i}.xlsx", [(f"Unit {i}", "ISO 27001"), (f"Unit {i}", "SOC 2")])
    out = tmp_path / "out"
    args = ["assess", str(folder), "--out", str(out), "--format", "pdf,json", "--workers", "2"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "assessor", *args, "--as-of", "2026-11-29"],
        stderr=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    for line in proc.stderr:
        if line.startswith("[1/"):
            break
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "interrupted" in err
    assert leftovers(out) == []
    data = manifest(out)
    assert data["status"] == "interrupted"
    listed = {o["path"] for i in data["inputs"] for o in i["outputs"]}
    listed |= {o["path"] for o in data["portfolio"]}
    on_disk = {p.name for p in out.iterdir()} - {"manifest.json"}
    assert listed == on_disk  # every file there is complete and accounted for
    assert any(i["status"] == "cancelled" for i in data["inputs"])
