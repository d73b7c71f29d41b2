"""CLI surface: every command has help, is documented in the README, and exits cleanly."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assessor import __version__
from assessor.app.cli import app

ROOT = Path(__file__).resolve().parents[1]
COMMANDS = ["assess", "template", "catalog", "catalog check", "match", "diff", "serve"]
runner = CliRunner()


def test_version_flag_prints_the_package_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout.strip() == f"assessor {__version__}"


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command: str) -> None:
    result = runner.invoke(app, [*command.split(), "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_is_documented_in_the_readme(command: str) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert re.search(rf"`assessor {re.escape(command)}\b", readme), command


def test_readme_gives_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make demo" in readme
    assert "make test" in readme


def test_python_dash_m_runs_the_cli() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "assessor", "--version"], capture_output=True, text=True
    )
    assert result.returncode == 0
    assert __version__ in result.stdout


def test_unknown_command_is_a_usage_error() -> None:
    result = runner.invoke(app, ["no-such-command"])
    assert result.exit_code == 2


def test_match_refuses_an_unknown_format() -> None:
    result = runner.invoke(app, ["match", "SOC 2", "--format", "yaml"])
    assert result.exit_code == 2
    assert "unknown --format" in result.output


def test_a_bad_workbook_prints_error_then_one_line_per_issue(tmp_path: Path) -> None:
    bad = tmp_path / "notes.xlsx"
    bad.write_text("just text, not a workbook")
    result = runner.invoke(app, ["assess", str(bad), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert result.output.startswith("error: ")
    assert "notes.xlsx" in result.output
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
