"""`assessor match` read without typer (app/quick.py): the same stdout, stderr and exit code as
typer gives for the same command line, and a start that imports nothing it does not use.

Both paths run as the user runs them, in fresh processes: `python -m assessor` (the quick path
first) and `python -m assessor.app.cli` (typer alone).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from assessor.app import quick

ROOT = Path(__file__).resolve().parents[1]
OVERLAY = ROOT / "tests" / "data" / "overlay" / "contoso.yaml"
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}

# Libraries a lookup never needs (each one's owner module is in tests/test_architecture.py).
HEAVY = (
    "typer",
    "rich",
    "yaml",
    "openpyxl",
    "python_calamine",
    "defusedxml",
    "jinja2",
    "weasyprint",
    "docx",
    "starlette",
    "uvicorn",
    "multipart",
    "python_multipart",
)
# Parts of assessor a lookup never needs (domain.models: the intake and findings models; a
# lookup reads domain.recognition, and domain.catalog_models only when no index is kept).
UNUSED = (
    "assessor.intake",
    "assessor.assess",
    "assessor.views",
    "assessor.render",
    "assessor.domain.models",
)


def _run(module: str, args: list[str]) -> tuple[int, str, str]:
    done = subprocess.run(
        [sys.executable, "-m", module, *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=ROOT,
        env=ENV,
    )
    return done.returncode, done.stdout, done.stderr


COMMAND_LINES = [
    ["match", "SOC 2"],
    ["match", "SOC 2 Type II", "ISO/IEC 27001:2022", "--format", "json"],
    ["match", "--format=json", "HIPPAA", "CIS v8"],
    ["match", "no PCI DSS (tbc)", "--format", "table", "ITIL 4"],
    ["match", "Zertifizierung nach ISO 27001", "xyzzy plugh"],  # context; no name: suggestions
    ["match", "SOC 2\nISO 27001", "ISO\x1b[31m 27001", "", " "],  # a newline, an escape, blanks
    ["match", "CSWB", "--catalog-overlay", str(OVERLAY), "--format", "json"],
    ["match", f"--catalog-overlay={OVERLAY}", "CSWB"],
    ["match", "SOC 2", "--catalog-overlay", "missing-overlay.yaml"],
    ["match", "SOC 2", "--format", "yaml"],
    ["match", "SOC 2", "--format="],
    ["match", "SOC 2", "--format"],
    ["match", "SOC 2", "--format", "json", "--format", "table"],
    ["match"],
    ["match", "--help"],
    ["match", "SOC 2", "--bogus"],
    ["match", "-", "SOC 2"],
    ["match", "--", "-SOC 2"],
]


@pytest.mark.parametrize("args", COMMAND_LINES, ids=lambda a: " ".join(a)[:60])
def test_the_quick_path_answers_as_typer_does(args: list[str]) -> None:
    code, out, err = _run("assessor", args)
    assert (code, out, err) == _run("assessor.app.cli", args)
    assert out if code == 0 else err  # never two silences compared


def test_a_closed_output_pipe_exits_1_quietly_on_both_paths() -> None:
    """click's main turns a broken pipe into exit 1 with nothing on stderr; so does quick."""
    found = []
    for module in ("assessor", "assessor.app.cli"):
        read, write = os.pipe()
        os.close(read)  # nobody will read: the first write fails with EPIPE
        done = subprocess.run(
            [sys.executable, "-m", module, "match", "SOC 2"],
            stdout=write,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
            env=ENV,
        )
        os.close(write)
        found.append((done.returncode, done.stderr))
    assert found[0] == found[1] == (1, "")


@pytest.mark.parametrize("fmt", ["table", "json"])
def test_a_lookup_imports_no_library_it_does_not_use(fmt: str) -> None:
    """Structural, not a timing: the modules `python -X importtime` reports as imported."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "assessor", "match", "SOC 2", "--format", fmt],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=ENV,
        check=True,
    )
    names = {
        line.rsplit("|", 1)[1].strip()
        for line in done.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }
    assert "assessor.recognize.match" in names  # the report is read right
    tops = {name.split(".")[0] for name in names}
    assert not tops & set(HEAVY), sorted(tops & set(HEAVY))
    assert not [n for n in names if n.startswith(UNUSED)]


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["match", "SOC 2"], quick.MatchArgs(("SOC 2",))),
        (["match", "a", "--format", "json", "b"], quick.MatchArgs(("a", "b"), "json")),
        (
            ["match", "--catalog-overlay=o.yaml", "a"],
            quick.MatchArgs(("a",), "table", Path("o.yaml")),
        ),
        (["match", "a", "--format", "yaml"], quick.MatchArgs(("a",), "yaml")),  # refused later
        (["match"], None),
        (["match", "--format", "json"], None),
        (["match", "a", "--help"], None),
        (["match", "a", "--"], None),
        (["match", "a", "--format"], None),
        (["match", "a", "--format="], None),
        (["match", "a", "--format", "-x"], None),
        (["match", "a", "--format", "json", "--format=json"], None),
        (["match", "a", "-f", "json"], None),
        (["match", "-"], None),
        (["assess", "x.xlsx"], None),
        (["--version"], None),
        ([], None),
    ],
)
def test_only_the_plain_form_is_read_without_typer(
    argv: list[str], expected: quick.MatchArgs | None
) -> None:
    assert quick.parse(argv) == expected


LOOKUP = [
    "SOC 2 Type II",
    "HIPPAA",
    "NIST",
    "ISO 27001?",
    "no SOC 2 needed",
    "NIS2 - Annex to the Commission Implementing Regulation 2024/2690",
    "Zertifizierung nach ISO 27001",
    "xyzzy plugh",
]


@pytest.mark.parametrize("fmt", ["table", "json"])
def test_a_lookup_on_a_kept_index_answers_as_one_that_loads_the_catalog(
    fmt: str, tmp_path: Path
) -> None:
    """The first lookup loads the catalog and keeps its index; the next reads the index alone,
    without pydantic or the catalog's models, and prints the same bytes; so does typer's path."""
    kept = {**ENV, "XDG_CACHE_HOME": str(tmp_path)}
    args = ["match", *LOOKUP, "--format", fmt]

    def run(module: str, env: dict[str, str], *flags: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, *flags, "-m", module, *args],
            capture_output=True,
            text=True,
            encoding="utf-8",
            cwd=ROOT,
            env=env,
            check=True,
        )

    loaded = run("assessor", {**ENV, "ASSESSOR_NO_CACHE": "1"}).stdout
    assert run("assessor", kept).stdout == loaded  # loads the catalog, keeps the index
    assert list((tmp_path / "assessor").glob("index-*.json"))
    again = run("assessor", kept, "-X", "importtime")
    assert again.stdout == loaded
    assert run("assessor.app.cli", kept).stdout == loaded
    names = {
        line.rsplit("|", 1)[1].strip()
        for line in again.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }
    assert "assessor.recognize.match" in names
    assert not [n for n in names if n.split(".")[0] == "pydantic"]
    assert "assessor.domain.catalog_models" not in names
