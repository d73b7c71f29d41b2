"""The layering rules: each third-party library in one module; the engine and view stay pure."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "assessor"

# library -> the one module allowed to import it
OWNERS = {
    "yaml": "catalog.py",
    "rapidfuzz": "recognize.py",
    "openpyxl": "xlsxio.py",
    "python_calamine": "intake.py",
    "defusedxml": "zipcheck.py",
    "jinja2": "render/html.py",
    "weasyprint": "render/pdf.py",
    "rich": "progress.py",
    "starlette": "web.py",
    "uvicorn": "web.py",
    "multipart": "web.py",
    "python_multipart": "web.py",
    "typer": "cli.py",
}
PURE = {"engine.py", "report.py", "recognize.py", "model.py", "text.py", "portfolio.py"}
IMPURE_CALLS = {"open", "print", "exit", "input"}
CLOCK = {("date", "today"), ("datetime", "now"), ("datetime", "utcnow"), ("time", "time")}


def _modules() -> list[tuple[str, ast.Module]]:
    return [
        (path.relative_to(PACKAGE).as_posix(), ast.parse(path.read_text(encoding="utf-8")))
        for path in sorted(PACKAGE.rglob("*.py"))
    ]


def _imports(tree: ast.Module) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize(("library", "owner"), sorted(OWNERS.items()))
def test_each_third_party_library_is_imported_in_one_module(library: str, owner: str) -> None:
    importers = [rel for rel, tree in _modules() if library in _imports(tree)]
    assert set(importers) <= {owner}, importers


@pytest.mark.parametrize("module", sorted(PURE))
def test_pure_modules_touch_no_files_clock_or_console(module: str) -> None:
    tree = ast.parse((PACKAGE / module).read_text(encoding="utf-8"))
    assert not (_imports(tree) & {"os", "shutil", "subprocess", "tempfile", "time", "sys"})
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name):
                assert func.id not in IMPURE_CALLS, f"{module}:{node.lineno} calls {func.id}"
            if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
                pair = (func.value.id, func.attr)
                assert pair not in CLOCK, f"{module}:{node.lineno} reads the clock"
                assert func.attr not in {"read_text", "read_bytes", "write_text", "write_bytes"}


def test_only_the_cli_exits() -> None:
    for rel, tree in _modules():
        if rel == "cli.py":
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr == "exit":
                value = node.value
                assert not (isinstance(value, ast.Name) and value.id in {"sys", "typer"}), rel
