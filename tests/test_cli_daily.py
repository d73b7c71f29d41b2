"""The command line as analysts use it: help that reads as help, each unit's counts in the
summary, the blank template explained, a one-line catalog summary for `make demo`."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assessor.app.cli import app

runner = CliRunner()
EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.mark.parametrize("command", ["assess", "match", "template", "diff", "serve", "catalog"])
def test_help_shows_flags_as_flags_and_arguments_by_name(command: str) -> None:
    result = runner.invoke(app, [command, "--help"], prog_name="assessor", env={"COLUMNS": "100"})
    assert result.exit_code == 0, result.output
    assert "<bool>" not in result.output
    assert not re.search(r"\{\w+\}", result.output), result.output  # no `{inputs}...`
    assert not re.search(r"<(list|str|path|int)", result.output), result.output


def test_assess_usage_line_names_its_inputs() -> None:
    result = runner.invoke(app, ["assess", "--help"], prog_name="assessor", env={"COLUMNS": "100"})
    assert "Usage: assessor assess [OPTIONS] INPUTS..." in result.output
    assert re.search(r"--overwrite\s+Replace", result.output)
    assert "--pdf-detail full|summary" in result.output


def test_assess_prints_each_units_counts(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = runner.invoke(
        app,
        [
            "assess",
            str(EXAMPLES / "fabrikam-group.xlsx"),
            "--out",
            str(out),
            "--format",
            "json",
            "--as-of",
            "2026-11-29",
            "--workers",
            "1",
        ],
    )
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("assessed 3 units from 1 input(s)")
    assert re.match(
        r"^  Fabrikam Insurance\s+0 covered, 4 partial, 1 gap, 0 not recognized$", lines[2]
    ), lines


def test_assessing_the_blank_template_says_the_example_row_was_skipped(tmp_path: Path) -> None:
    blank = tmp_path / "blank.xlsx"
    assert runner.invoke(app, ["template", str(blank)]).exit_code == 0
    result = runner.invoke(app, ["assess", str(blank), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "the only row is the template's example row, which is skipped" in result.stderr
    assert "hint: on the Requirements sheet, add one row per framework" in result.stderr


def test_catalog_summary_is_one_line() -> None:
    result = runner.invoke(app, ["catalog", "--format", "summary"])
    assert result.exit_code == 0
    (line,) = result.stdout.splitlines()
    assert re.match(r"catalog: .+: \d+ certifications, \d+ frameworks, \d+ service", line)
