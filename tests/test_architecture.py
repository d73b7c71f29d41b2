"""The layering rules: one-way flow between packages, each third-party library in one module,
the assessment and views pure, only the CLI exits."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "assessor"

# library -> the one module allowed to import it
OWNERS = {
    "yaml": "catalog/load.py",
    "rapidfuzz": "recognize/match.py",
    "openpyxl": "render/xlsxio.py",
    "python_calamine": "intake/sheets.py",
    "defusedxml": "intake/zipcheck.py",
    "jinja2": "render/html.py",
    "weasyprint": "render/pdf.py",
    "rich": "run/progress.py",
    "starlette": "app/web/app.py",
    "uvicorn": "app/web/server.py",
    "multipart": "app/web/app.py",
    "python_multipart": "app/web/app.py",
    "typer": "app/cli.py",
    "docx": "render/docx.py",
}
# Packages from the bottom up: a package may import only from its own layer and those below.
LAYERS: tuple[str, ...] = (
    "domain",
    "recognize",
    "catalog",
    "intake",
    "assess",
    "views",
    "render",
    "run",
    "app",
)
PURE_PACKAGES = {"domain", "recognize", "assess", "views"}
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


def _pure_modules() -> list[str]:
    return sorted(
        path.relative_to(PACKAGE).as_posix()
        for package in PURE_PACKAGES
        for path in (PACKAGE / package).rglob("*.py")
    )


def _layer(rel: str) -> int | None:
    top = rel.split("/")[0]
    return LAYERS.index(top) if top in LAYERS else None


def _assessor_imports(tree: ast.Module, rel: str) -> set[str]:
    """The top-level assessor packages a module imports (absolute or relative)."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level == 0 and node.module and node.module.startswith("assessor."):
                found.add(node.module.split(".")[1])
            elif node.level == 0 and node.module == "assessor":
                found |= {alias.name for alias in node.names if alias.name != "__version__"}
            elif node.level == 1 and "/" in rel:
                found.add(rel.split("/")[0])
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("assessor."):
                    found.add(alias.name.split(".")[1])
    return found


def test_every_module_lives_in_a_layer() -> None:
    loose = [rel for rel, _ in _modules() if _layer(rel) is None]
    assert set(loose) <= {"__init__.py", "__main__.py"}, loose


@pytest.mark.parametrize("rel", [rel for rel, _ in _modules() if _layer(rel) is not None])
def test_imports_flow_one_way_down_the_layers(rel: str) -> None:
    tree = ast.parse((PACKAGE / rel).read_text(encoding="utf-8"))
    own = _layer(rel)
    assert own is not None
    for package in sorted(_assessor_imports(tree, rel)):
        assert package in LAYERS, f"{rel} imports assessor.{package}, which is in no layer"
        assert LAYERS.index(package) <= own, f"{rel} imports assessor.{package}: a back-arrow"


@pytest.mark.parametrize("module", _pure_modules())
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
        if rel == "app/cli.py":
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr == "exit":
                value = node.value
                assert not (isinstance(value, ast.Name) and value.id in {"sys", "typer"}), rel


# Small enough to hold in one's head: a module under 600 lines, a function under 100.
MAX_MODULE_LINES = 600
MAX_FUNCTION_LINES = 100


def test_modules_and_functions_stay_small() -> None:
    too_long: list[str] = []
    for rel, tree in _modules():
        lines = len((PACKAGE / rel).read_text(encoding="utf-8").splitlines())
        if lines > MAX_MODULE_LINES:
            too_long.append(f"{rel}: {lines} lines")
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    too_long.append(f"{rel}:{node.lineno} {node.name}: {length} lines")
    assert too_long == []
